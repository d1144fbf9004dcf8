"""Adverse events and reinterventions after the index procedure.

Adverse-event rates per episode (docs/synthetic-cohort.md): iliac marrow aspiration anaemia
3.1%, early pain 1.1%, persistent pain 0.4%, neuralgia 0.6% (Hernigou 2014, 523 aspirations);
discitis ≈ 0.3% per intradiscal patient (Kapoor 2010: 0.44% per patient after discography;
Her 2022: 1 in 607); procedure pain after intradiscal cells 3/33 (Centeno 2017); herniation 1%
(Hirase 2020). Seriousness follows ICH E2A (serious ⇔ any criterion), severity CTCAE v5.0.
Reinterventions: ≈ 16% surgery or repeat injection by 3 years after BMAC for disc pain
(Pettine 2016: 81% surgery-free at 24 months; DOMAIN.md §7.1 seeding 10–20%), repeat
injections common after steroid and blocks (3.7 procedures a year: PMC4538092; 5–6 blocks in 2
years: Manchikanti 2010), repeat RFA at ≈ 13–15 months (MacVicar 2013)."""

from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from spinereg.synth.arrays import IntArray, choose, dates, epoch_day, lookup, uniform_int
from spinereg.synth.clinical import DISC, FACET, TREATMENTS, Clinical
from spinereg.synth.config import SynthConfig
from spinereg.synth.people import NO_DAY, People
from spinereg.synth.procedures import Episodes
from spinereg.synth.schema import ADVERSE_EVENT, REINTERVENTION, build_table

RELATEDNESS = ("not_related", "unlikely", "possible", "probable", "definite")
N, U, POS, PROB, DEF = range(5)
CRITERIA = ("hospitalisation", "medically_important")
NONE, HOSPITAL, IMPORTANT = -1, 0, 1

# Which episodes an event can follow.
GROUPS = (
    "bmac",  # any BMAC procedure (harvest events)
    "bmac_disc",
    "bmac_facet",
    "esi",
    "facet_block",  # facet steroid and medial branch block
    "rfa",
    "prp",
)


@dataclass(frozen=True, slots=True)
class AdverseEventKind:
    code: str
    group: str
    rate: float  # per episode
    grades: tuple[float, ...]  # weights of CTCAE grades 1, 2, 3 …
    serious_share: float  # of grade ≥ 3 events (all events where grade weights are only 3)
    criterion: int
    onset_days: tuple[int, int]
    duration_days: tuple[int, int]
    unresolved_share: float
    related: tuple[int, int, int, int]  # harvest, injection, product, medication
    description: str


def _kind(
    code: str,
    group: str,
    rate: float,
    grades: tuple[float, ...],
    onset: tuple[int, int],
    duration: tuple[int, int],
    related: tuple[int, int, int, int],
    description: str,
    *,
    serious_share: float = 0.0,
    criterion: int = NONE,
    unresolved: float = 0.0,
) -> AdverseEventKind:
    return AdverseEventKind(
        code, group, rate, grades, serious_share, criterion, onset, duration, unresolved,
        related, description,
    )  # fmt: skip


CATALOGUE = (
    _kind("harvest_site_pain", "bmac", 0.011, (0.8, 0.2), (0, 1), (3, 21), (DEF, N, N, N),
          "Iliac crest soreness after aspiration"),
    _kind("harvest_site_pain", "bmac", 0.004, (0.3, 0.7), (0, 3), (60, 240), (DEF, N, N, N),
          "Persistent donor-site pain", unresolved=0.2),
    _kind("harvest_hematoma", "bmac", 0.010, (0.7, 0.25, 0.05), (0, 1), (7, 28),
          (DEF, N, N, N), "Donor-site haematoma", serious_share=1.0, criterion=HOSPITAL),
    _kind("harvest_infection", "bmac", 0.001, (0.2, 0.7, 0.1), (3, 14), (10, 40),
          (PROB, N, N, N), "Donor-site infection", serious_share=1.0, criterion=HOSPITAL),
    _kind("harvest_neuralgia", "bmac", 0.006, (0.6, 0.4), (0, 7), (30, 180), (PROB, N, N, N),
          "Cluneal nerve irritation", unresolved=0.1),
    _kind("anemia", "bmac", 0.031, (0.85, 0.15), (1, 7), (14, 60), (POS, N, N, N),
          "Post-harvest anaemia"),
    _kind("vasovagal", "bmac", 0.015, (1.0,), (0, 0), (0, 0), (POS, POS, N, N),
          "Presyncope during the procedure"),
    _kind("allergic_reaction", "bmac", 0.002, (0.6, 0.35, 0.05), (0, 1), (1, 7),
          (POS, POS, U, POS), "Skin reaction to contrast or anticoagulant",
          serious_share=1.0, criterion=IMPORTANT),
    _kind("post_injection_flare", "bmac_disc", 0.09, (0.6, 0.4), (0, 2), (3, 21),
          (N, PROB, POS, N), "Transient increase of back pain after injection"),
    _kind("discitis", "bmac_disc", 0.003, (0.0, 0.0, 1.0), (7, 28), (42, 120),
          (N, PROB, POS, N), "Disc-space infection", serious_share=1.0, criterion=HOSPITAL),
    _kind("nerve_injury", "bmac_disc", 0.003, (0.5, 0.5), (0, 2), (14, 120),
          (N, PROB, N, N), "Radicular pain after needle placement"),
    _kind("disc_herniation", "bmac_disc", 0.010, (0.3, 0.5, 0.2), (30, 365), (30, 180),
          (N, POS, POS, N), "New herniation at a treated level", serious_share=0.5,
          criterion=HOSPITAL, unresolved=0.3),
    _kind("post_injection_flare", "bmac_facet", 0.05, (0.7, 0.3), (0, 2), (3, 14),
          (N, PROB, POS, N), "Transient increase of back pain after injection"),
    _kind("nerve_injury", "bmac_facet", 0.002, (0.5, 0.5), (0, 2), (14, 90),
          (N, PROB, N, N), "Radicular pain after needle placement"),
    _kind("post_injection_flare", "esi", 0.03, (0.8, 0.2), (0, 2), (2, 10),
          (N, PROB, N, POS), "Transient pain increase after epidural injection"),
    _kind("vasovagal", "esi", 0.015, (1.0,), (0, 0), (0, 0), (N, PROB, N, N),
          "Presyncope during the procedure"),
    _kind("nerve_injury", "esi", 0.002, (0.5, 0.5), (0, 2), (14, 90), (N, PROB, N, N),
          "Radicular pain after needle placement"),
    _kind("allergic_reaction", "esi", 0.003, (0.7, 0.3), (0, 1), (1, 7), (N, POS, N, PROB),
          "Flushing or rash after steroid or contrast"),
    _kind("post_injection_flare", "facet_block", 0.03, (0.8, 0.2), (0, 2), (2, 10),
          (N, PROB, N, POS), "Transient pain increase after facet injection"),
    _kind("vasovagal", "facet_block", 0.01, (1.0,), (0, 0), (0, 0), (N, PROB, N, N),
          "Presyncope during the procedure"),
    _kind("post_injection_flare", "rfa", 0.05, (0.6, 0.4), (0, 3), (7, 42),
          (N, PROB, N, N), "Post-ablation neuritis"),
    _kind("nerve_injury", "rfa", 0.01, (0.5, 0.5), (0, 3), (14, 120), (N, PROB, N, N),
          "Dysaesthesia after ablation"),
    _kind("post_injection_flare", "prp", 0.08, (0.6, 0.4), (0, 2), (3, 21),
          (N, PROB, POS, N), "Transient increase of back pain after injection"),
    _kind("discitis", "prp", 0.002, (0.0, 0.0, 1.0), (7, 28), (42, 120), (N, PROB, POS, N),
          "Disc-space infection", serious_share=1.0, criterion=HOSPITAL),
    _kind("disc_herniation", "prp", 0.005, (0.3, 0.5, 0.2), (30, 365), (30, 180),
          (N, POS, POS, N), "New herniation at a treated level", serious_share=0.5,
          criterion=HOSPITAL, unresolved=0.3),
)  # fmt: skip


def _group_masks(clinical: Clinical, episodes: Episodes) -> dict[str, np.ndarray]:
    kind = episodes.kind
    done = episodes.has_index
    bmac = done & (kind == TREATMENTS.index("bmac"))
    esi = np.isin(
        kind, (TREATMENTS.index("esi_interlaminar"), TREATMENTS.index("esi_transforaminal"))
    )
    block = np.isin(kind, (TREATMENTS.index("facet_steroid"), TREATMENTS.index("mbb")))
    return {
        "bmac": bmac,
        "bmac_disc": bmac & (clinical.condition == DISC),
        "bmac_facet": bmac & (clinical.condition == FACET),
        "esi": done & esi,
        "facet_block": done & block,
        "rfa": done & (kind == TREATMENTS.index("rfa")),
        "prp": done & (kind == TREATMENTS.index("prp")),
    }


def adverse_event_table(
    rng: np.random.Generator,
    people: People,
    clinical: Clinical,
    episodes: Episodes,
    config: SynthConfig,
    first_id: int,
) -> pa.Table:
    today = epoch_day(config.today)
    masks = _group_masks(clinical, episodes)
    parts: list[dict[str, IntArray]] = []
    for position, kind in enumerate(CATALOGUE):
        eligible = np.flatnonzero(masks[kind.group])
        owner = eligible[rng.random(len(eligible)) < kind.rate]
        rows = len(owner)
        onset = episodes.index_day[owner] + uniform_int(rng, *kind.onset_days, rows)
        grade = 1 + choose(rng, rows, kind.grades).astype(np.int64)
        serious = (grade >= 3) & (rng.random(rows) < kind.serious_share)
        duration = uniform_int(rng, *kind.duration_days, rows) * np.where(serious, 2, 1)
        unresolved = rng.random(rows) < kind.unresolved_share
        resolved = np.where(unresolved, NO_DAY, onset + duration)
        keep = (onset <= today) & (onset < people.exit_day[owner])
        parts.append(
            {
                "owner": owner[keep],
                "kind": np.full(int(keep.sum()), position, dtype=np.int64),
                "onset": onset[keep],
                "resolved": resolved[keep],
                "grade": grade[keep],
                "serious": serious[keep].astype(np.int64),
            }
        )
    merged = {key: np.concatenate([part[key] for part in parts]) for key in parts[0]}
    order = np.lexsort((merged["kind"], merged["onset"], merged["owner"]))
    owner = merged["owner"][order]
    kind_index = merged["kind"][order]
    rows = len(order)
    resolved = merged["resolved"][order]
    open_event = resolved > today
    serious = merged["serious"][order].astype(bool)
    criterion = np.array([k.criterion for k in CATALOGUE], dtype=np.int64)[kind_index]
    related = np.array([k.related for k in CATALOGUE], dtype=np.int64)[kind_index]
    return build_table(
        ADVERSE_EVENT,
        rows,
        {
            "id": np.arange(first_id, first_id + rows, dtype=np.int64),
            "patient_id": people.patient_id[owner],
            "episode_id": episodes.episode_id[owner],
            "code": lookup([k.code for k in CATALOGUE], kind_index),
            "description": lookup([k.description for k in CATALOGUE], kind_index),
            "onset_date": dates(merged["onset"][order]),
            "resolved_date": dates(np.where(open_event, 0, resolved), open_event),
            "severity_grade": merged["grade"][order],
            "serious": serious,
            "results_in_death": np.zeros(rows, dtype=bool),
            "life_threatening": np.zeros(rows, dtype=bool),
            "hospitalisation": serious & (criterion == HOSPITAL),
            "disability": np.zeros(rows, dtype=bool),
            "medically_important": serious & (criterion == IMPORTANT),
            "related_harvest": lookup(RELATEDNESS, related[:, 0]),
            "related_injection": lookup(RELATEDNESS, related[:, 1]),
            "related_product": lookup(RELATEDNESS, related[:, 2]),
            "related_medication": lookup(RELATEDNESS, related[:, 3]),
        },
    )


@dataclass(frozen=True, slots=True)
class RepeatPattern:
    """Reinterventions after one kind of episode: probability of a first one by 3 years,
    Weibull shape of the waiting time, how many in a row at most, and what is done."""

    by_three_years: float
    shape: float
    most: int
    kinds: dict[str, float]


REPEATS: dict[tuple[str, int], RepeatPattern] = {
    ("bmac", DISC): RepeatPattern(
        0.16, 1.2, 1, {"surgery": 0.55, "bmac": 0.2, "esi_transforaminal": 0.15, "prp": 0.1}
    ),
    ("bmac", FACET): RepeatPattern(0.22, 1.2, 1, {"rfa": 0.5, "facet_steroid": 0.3, "bmac": 0.2}),
    ("esi_interlaminar", DISC): RepeatPattern(
        0.65,
        1.0,
        3,
        {"esi_interlaminar": 0.75, "esi_transforaminal": 0.1, "surgery": 0.1, "bmac": 0.05},
    ),
    ("esi_transforaminal", DISC): RepeatPattern(
        0.65,
        1.0,
        3,
        {"esi_transforaminal": 0.75, "esi_interlaminar": 0.1, "surgery": 0.1, "bmac": 0.05},
    ),
    ("facet_steroid", FACET): RepeatPattern(
        0.60, 1.0, 3, {"facet_steroid": 0.6, "rfa": 0.3, "mbb": 0.1}
    ),
    ("mbb", FACET): RepeatPattern(0.70, 1.0, 3, {"rfa": 0.6, "mbb": 0.3, "facet_steroid": 0.1}),
    ("rfa", FACET): RepeatPattern(0.50, 2.5, 2, {"rfa": 0.9, "surgery": 0.1}),
    ("prp", DISC): RepeatPattern(
        0.30, 1.2, 1, {"surgery": 0.3, "prp": 0.3, "esi_transforaminal": 0.2, "bmac": 0.2}
    ),
    ("surgery", DISC): RepeatPattern(0.08, 1.0, 1, {"surgery": 1.0}),
    ("conservative", DISC): RepeatPattern(
        0.40,
        1.0,
        1,
        {"esi_interlaminar": 0.4, "esi_transforaminal": 0.3, "surgery": 0.2, "bmac": 0.1},
    ),
    ("conservative", FACET): RepeatPattern(
        0.40, 1.0, 1, {"facet_steroid": 0.4, "mbb": 0.3, "rfa": 0.3}
    ),
}
THREE_YEARS_DAYS = 1095


def reintervention_table(
    rng: np.random.Generator,
    people: People,
    clinical: Clinical,
    episodes: Episodes,
    config: SynthConfig,
    last_visit_day: int,
    first_id: int,
) -> pa.Table:
    """Renewal process per episode: Weibull waiting times scaled so that P(first event by 3
    years) matches the pattern; events after `today`, death, withdrawal or the end of
    follow-up are not seen."""
    today = epoch_day(config.today)
    horizon = np.minimum(
        np.minimum(today, people.exit_day - 1), episodes.index_day + last_visit_day
    )
    owners: list[IntArray] = []
    days: list[IntArray] = []
    kinds: list[IntArray] = []
    for (kind_name, condition), pattern in REPEATS.items():
        selected = np.flatnonzero(
            episodes.has_index
            & (episodes.kind == TREATMENTS.index(kind_name))
            & (clinical.condition == condition)
        )
        scale = THREE_YEARS_DAYS / (-np.log(1 - pattern.by_three_years)) ** (1 / pattern.shape)
        day = episodes.index_day[selected].copy()
        alive = np.ones(len(selected), dtype=bool)
        for _ in range(pattern.most):
            wait = np.ceil(scale * rng.weibull(pattern.shape, len(selected))).astype(np.int64)
            day = day + np.maximum(wait, 14)
            alive &= day <= horizon[selected]
            chosen = choose(rng, len(selected), list(pattern.kinds.values()))
            codes = np.array([TREATMENTS.index(name) for name in pattern.kinds])[chosen]
            owners.append(selected[alive])
            days.append(day[alive])
            kinds.append(codes[alive])
    owner = np.concatenate(owners)
    day = np.concatenate(days)
    order = np.lexsort((day, owner))
    rows = len(order)
    return build_table(
        REINTERVENTION,
        rows,
        {
            "id": np.arange(first_id, first_id + rows, dtype=np.int64),
            "episode_id": episodes.episode_id[owner[order]],
            "kind": lookup(TREATMENTS, np.concatenate(kinds)[order]),
            "at_index_level": rng.random(rows) < 0.9,
            "procedure_date": dates(day[order]),
            "note": "",
        },
    )

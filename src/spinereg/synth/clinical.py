"""Diagnosis and the history before the index procedure: the diagnostic MRI with per-level
disc findings, diagnoses, conservative care and prior procedures.

Sources (docs/synthetic-cohort.md): 70% discogenic / 30% facet and 1–2 levels, mostly L4-L5
and L5-S1 (brief; Pettine 2015 treated 13 one-level and 13 two-level patients); HIZ in 28–48%
of back-pain MRIs (Aprill & Bogduk 1992; Wang & Hu 2021); ≥ 6 months of failed conservative
care including supervised physical therapy (NCT04042844, MSB-DR003); facet pain confirmed by
two medial branch blocks with > 50% relief (Assavanop & Bhatia 2024). Grade, Modic and disc
height distributions are assumptions."""

from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from spinereg.core.vocabulary import Side, SpinalLevel, TreatmentKind
from spinereg.synth.arrays import (
    BoolArray,
    FloatArray,
    IntArray,
    choose,
    dates,
    lookup,
    rank_within,
    repeat_index,
    uniform_int,
)
from spinereg.synth.people import People
from spinereg.synth.schema import (
    CONSERVATIVE_CARE,
    DIAGNOSIS,
    FINDING,
    PRIOR_PROCEDURE,
    build_table,
)

LEVELS = tuple(level.value for level in SpinalLevel)
SIDES = tuple(side.value for side in Side)
TREATMENTS = tuple(kind.value for kind in TreatmentKind)
L2_L3, L3_L4, L4_L5, L5_S1 = (LEVELS.index(code) for code in ("L2-L3", "L3-L4", "L4-L5", "L5-S1"))
CONDITIONS = ("discogenic", "facet")
DISC, FACET = 0, 1
CONDITION_WEIGHTS = (0.70, 0.30)
TWO_LEVEL_SHARE = (0.35, 0.45)  # by condition
SINGLE_LEVELS = (L2_L3, L3_L4, L4_L5, L5_S1)
SINGLE_LEVEL_WEIGHTS = (0.04, 0.11, 0.45, 0.40)
PAIR_UPPER_LEVELS = (L2_L3, L3_L4, L4_L5)  # a pair is (upper, upper + 1)
PAIR_UPPER_WEIGHTS = (0.05, 0.20, 0.75)
# Pfirrmann 1..5 (5-grade scheme) by condition: disc patients mostly 3–5.
PFIRRMANN_WEIGHTS = ((0.0, 0.05, 0.30, 0.50, 0.15), (0.05, 0.35, 0.40, 0.17, 0.03))
MODIC = ("none", "1", "2", "3", "mixed")
MODIC_WEIGHTS = (0.55, 0.15, 0.25, 0.03, 0.02)
HIZ_SHARE = (0.38, 0.20)
# Disc height relative to a healthy disc, by Pfirrmann grade (height falls mainly at 4–5;
# Salamat 2016). Healthy lumbar disc ≈ 12 / 10.5 / 7.5 mm anterior / middle / posterior.
HEIGHT_FACTOR = (1.0, 1.0, 0.97, 0.9, 0.75, 0.5)
HEALTHY_HEIGHT_MM = (12.0, 10.5, 7.5)


@dataclass(slots=True)
class Clinical:
    """Per-patient diagnosis, and one row per (patient, level) for the diagnosed levels, which
    are also the treated levels."""

    condition: IntArray
    level_count: IntArray
    level_owner: IntArray
    level: IntArray
    pfirrmann: IntArray
    modic: IntArray
    hiz: BoolArray
    heights_mm: FloatArray  # (levels, 3): anterior, middle, posterior
    facet_arthropathy: BoolArray
    imaging_id: IntArray
    imaging_day: IntArray
    diagnosed_day: IntArray


def draw_clinical(rng: np.random.Generator, people: People, first_imaging_id: int) -> Clinical:
    count = people.count
    condition = choose(rng, count, CONDITION_WEIGHTS).astype(np.int64)
    two_levels = rng.random(count) < np.take(TWO_LEVEL_SHARE, condition)
    single = np.take(SINGLE_LEVELS, choose(rng, count, SINGLE_LEVEL_WEIGHTS))
    upper = np.take(PAIR_UPPER_LEVELS, choose(rng, count, PAIR_UPPER_WEIGHTS))
    first_level = np.where(two_levels, upper, single).astype(np.int64)
    level_count = np.where(two_levels, 2, 1).astype(np.int64)
    owner = repeat_index(level_count)
    level = first_level[owner] + rank_within(owner)
    level_condition = condition[owner]
    rows = len(owner)
    grade = np.empty(rows, dtype=np.int64)
    for which, weights in enumerate(PFIRRMANN_WEIGHTS):
        selected = level_condition == which
        grade[selected] = 1 + choose(rng, int(selected.sum()), weights)
    modic = choose(rng, rows, MODIC_WEIGHTS).astype(np.int64)
    hiz = rng.random(rows) < np.take(HIZ_SHARE, level_condition)
    factor = np.take(HEIGHT_FACTOR, grade)[:, None] * rng.normal(1.0, 0.08, (rows, 1))
    heights = np.round(
        np.array(HEALTHY_HEIGHT_MM)[None, :] * factor + rng.normal(0, 0.4, (rows, 3)), 1
    )
    heights = np.clip(heights, 1.5, 18.0)
    facet_arthropathy = (level_condition == FACET) | (rng.random(rows) < 0.15)
    imaging_day = people.enrolled_day - uniform_int(rng, 21, 240, count)
    diagnosed_day = np.minimum(imaging_day + uniform_int(rng, 1, 30, count), people.enrolled_day)
    return Clinical(
        condition=condition,
        level_count=level_count,
        level_owner=owner,
        level=level,
        pfirrmann=grade,
        modic=modic,
        hiz=hiz,
        heights_mm=heights,
        facet_arthropathy=facet_arthropathy,
        imaging_id=np.arange(first_imaging_id, first_imaging_id + count, dtype=np.int64),
        imaging_day=imaging_day,
        diagnosed_day=diagnosed_day,
    )


def imaging_columns(people: People, clinical: Clinical) -> dict[str, object]:
    """Columns of the diagnostic MRI rows (the follow-up MRIs are appended by the outcome
    step, which knows who came to the 12-month visit)."""
    return {
        "id": clinical.imaging_id,
        "patient_id": people.patient_id,
        "modality": "mri",
        "study_date": clinical.imaging_day,
        "episode_id": np.full(people.count, -1, dtype=np.int64),
        "timepoint": "",
    }


def finding_table(
    rng: np.random.Generator,
    imaging_id: IntArray,
    level: IntArray,
    pfirrmann: IntArray,
    modic: IntArray,
    hiz: BoolArray,
    heights_mm: FloatArray,
    facet_arthropathy: BoolArray,
    first_id: int,
) -> pa.Table:
    rows = len(imaging_id)
    location = np.where(rng.random(rows) < 0.95, 1, 2)
    return build_table(
        FINDING,
        rows,
        {
            "id": np.arange(first_id, first_id + rows, dtype=np.int64),
            "imaging_id": imaging_id,
            "level": lookup(LEVELS, level),
            "pfirrmann_grade": pfirrmann,
            "pfirrmann_scheme": "pfirrmann5",
            "modic": lookup(MODIC, modic),
            "hiz": hiz,
            "hiz_location": lookup(("", "posterior", "anterior"), np.where(hiz, location, 0)),
            "disc_height_anterior_mm": heights_mm[:, 0],
            "disc_height_middle_mm": heights_mm[:, 1],
            "disc_height_posterior_mm": heights_mm[:, 2],
            "facet_arthropathy": facet_arthropathy,
        },
    )


def diagnosis_table(
    rng: np.random.Generator, people: People, clinical: Clinical, first_id: int
) -> pa.Table:
    rows = len(clinical.level_owner)
    owner = clinical.level_owner
    condition = clinical.condition[owner]
    # Disc pain is central; facet pain mostly bilateral, else one-sided.
    facet_side = choose(rng, rows, (0.25, 0.25, 0.5))
    side = np.where(condition == FACET, facet_side, 3)
    return build_table(
        DIAGNOSIS,
        rows,
        {
            "id": np.arange(first_id, first_id + rows, dtype=np.int64),
            "patient_id": people.patient_id[owner],
            "condition": lookup(CONDITIONS, condition),
            "level": lookup(LEVELS, clinical.level),
            "side": lookup(SIDES, side),
            "diagnosed_date": dates(clinical.diagnosed_day[owner]),
            "confirmed_by_id": clinical.imaging_id[owner],
        },
    )


CARE_KINDS = ("physical_therapy", "medication", "exercise", "chiropractic")
CARE_SHARE = (0.92, 0.85, 0.45, 0.20)
MEDICATIONS = (
    "NSAID",
    "NSAID and muscle relaxant",
    "gabapentinoid",
    "duloxetine",
    "short opioid course",
    "paracetamol",
)
CARE_DETAIL = {
    "physical_therapy": ("supervised core stabilisation", "McKenzie programme", "aquatic therapy"),
    "exercise": ("home exercise programme",),
    "chiropractic": ("spinal manipulation",),
}


def conservative_care_table(rng: np.random.Generator, people: People, first_id: int) -> pa.Table:
    """Failed conservative care before enrolment: supervised physical therapy for 6–16 weeks
    for most (≥ 6 weeks supervised PT: NCT04042844), medication for most."""
    count = people.count
    has = rng.random((count, len(CARE_KINDS))) < np.array(CARE_SHARE)[None, :]
    owner, kind = np.nonzero(has)
    owner = owner.astype(np.int64)
    kind = kind.astype(np.int64)
    rows = len(owner)
    weeks = np.select(
        [kind == 0, kind == 1, kind == 2],
        [
            uniform_int(rng, 6, 16, rows),
            uniform_int(rng, 4, 52, rows),
            uniform_int(rng, 8, 40, rows),
        ],
        uniform_int(rng, 4, 12, rows),
    )
    start = people.enrolled_day[owner] - weeks * 7 - uniform_int(rng, 30, 700, rows)
    detail_options = [
        CARE_DETAIL["physical_therapy"],
        MEDICATIONS,
        CARE_DETAIL["exercise"],
        CARE_DETAIL["chiropractic"],
    ]
    flat = [text for options in detail_options for text in options]
    starts = np.cumsum([0, *[len(options) for options in detail_options]])[:-1]
    lengths = np.array([len(options) for options in detail_options])
    detail = starts[kind] + np.floor(rng.random(rows) * lengths[kind]).astype(np.int64)
    return build_table(
        CONSERVATIVE_CARE,
        rows,
        {
            "id": np.arange(first_id, first_id + rows, dtype=np.int64),
            "patient_id": people.patient_id[owner],
            "kind": lookup(CARE_KINDS, kind),
            "detail": lookup(flat, detail),
            "start_date": dates(start),
            "duration_weeks": weeks,
            "supervised": kind == 0,
        },
    )


def prior_procedure_table(
    rng: np.random.Generator, people: People, clinical: Clinical, first_id: int
) -> pa.Table:
    """Injections before enrolment. Facet patients: two diagnostic medial branch blocks with
    > 50% relief for most (the facet-pain criterion), a facet steroid injection for some, an
    earlier RFA for a few. Disc patients: an epidural steroid for half, with partial relief,
    and for some a facet block that did not help (< 50%: facet pain excluded, NCT03912454)."""
    count = people.count
    facet = clinical.condition == FACET
    first_level = clinical.level[np.r_[0, np.cumsum(clinical.level_count)[:-1]]]
    u = rng.random((count, 6))
    # (kind, side, has it, relief low..high %, relief weeks low..high) per slot.
    slots = (
        ("mbb", 2, facet & (u[:, 0] < 0.85), 55, 100, 0, 0),
        ("mbb", 2, facet & (u[:, 0] < 0.85), 55, 100, 0, 0),
        ("facet_steroid", 2, facet & (u[:, 1] < 0.40), 20, 80, 2, 16),
        ("rfa", 2, facet & (u[:, 2] < 0.15), 40, 90, 20, 70),
        ("esi_transforaminal", 0, ~facet & (u[:, 3] < 0.30), 0, 70, 1, 12),
        ("esi_interlaminar", 3, ~facet & (u[:, 4] < 0.25), 0, 70, 1, 12),
        ("mbb", 2, ~facet & (u[:, 5] < 0.12), 0, 45, 0, 0),
    )
    parts: list[dict[str, IntArray]] = []
    for slot, (kind, side, has, relief_low, relief_high, weeks_low, weeks_high) in enumerate(slots):
        owner = np.flatnonzero(has).astype(np.int64)
        rows = len(owner)
        enrolled = people.enrolled_day[owner]
        if slot == 1:  # the confirming block 1–4 weeks after the first
            day = enrolled - uniform_int(rng, 10, 40, rows)
        elif slot == 0:
            day = enrolled - uniform_int(rng, 50, 120, rows)
        else:
            day = enrolled - uniform_int(rng, 60, 500, rows)
        one_side = side == 0
        side_index = np.where(rng.random(rows) < 0.5, 0, 1) if one_side else np.full(rows, side)
        weeks = uniform_int(rng, weeks_low, weeks_high, rows)
        parts.append(
            {
                "owner": owner,
                "kind": np.full(rows, TREATMENTS.index(kind)),
                "level": first_level[owner],
                "side": side_index,
                "day": day,
                "relief": uniform_int(rng, relief_low, relief_high, rows),
                "weeks": weeks,
                "weeks_null": np.full(rows, kind == "mbb"),
            }
        )
    merged = {key: np.concatenate([part[key] for part in parts]) for key in parts[0]}
    order = np.lexsort((merged["day"], merged["owner"]))
    rows = len(order)
    owner = merged["owner"][order]
    weeks_null = merged["weeks_null"][order].astype(bool)
    return build_table(
        PRIOR_PROCEDURE,
        rows,
        {
            "id": np.arange(first_id, first_id + rows, dtype=np.int64),
            "patient_id": people.patient_id[owner],
            "kind": lookup(TREATMENTS, merged["kind"][order]),
            "level": lookup(LEVELS, merged["level"][order]),
            "side": lookup(SIDES, merged["side"][order]),
            "procedure_date": dates(merged["day"][order]),
            "relief_percent": merged["relief"][order],
            "relief_duration_weeks": pa.array(merged["weeks"][order], mask=weeks_null),
        },
    )

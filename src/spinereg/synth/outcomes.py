"""Follow-up: schedule items for every visit of every episode with an index date, who answers
which visit (attrition), outcome trajectories, and questionnaire responses whose stored value
is exactly what the instrument's scoring rule gives for the stored answers.

Trajectory model (docs/synthetic-cohort.md): per episode a baseline (ODI ≈ 51 ± 15, VAS ≈ 74
mm: Pettine 2015, Hirase 2020, NORspine), a plateau improvement drawn from a responder /
non-responder mixture by treatment, a time course by treatment (BMAC: most change by 3 months,
then a plateau, Pettine 2015–2017; steroid injections: early relief fading by 6–12 months,
Friedly 2014 and Manchikanti 2010; RFA: relief ≈ 12–15 months, MacVicar 2013), a modest
composition and age effect for BMAC (Pettine 2015: > 2,000 CFU-F/mL, younger patients), a
per-patient drift and per-visit noise. Completion depends on age and a latent per-patient
propensity only, never on the outcome (DOMAIN.md §7.5)."""

import json
from dataclasses import dataclass
from functools import cache

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from spinereg.core.instruments import load_instrument
from spinereg.core.schedule import Visit
from spinereg.synth.arrays import (
    SECONDS_PER_DAY,
    BoolArray,
    FloatArray,
    IntArray,
    choose,
    dates,
    epoch_day,
    instants,
    join,
    lookup,
    uniform_int,
)
from spinereg.synth.clinical import FACET, TREATMENTS, Clinical
from spinereg.synth.config import SynthConfig
from spinereg.synth.people import NO_DAY, People, clinic_offsets_seconds
from spinereg.synth.procedures import BMAC, Episodes
from spinereg.synth.schema import RESPONSE, SCHEDULE_ITEM, build_table

ODI, NRS, VAS, BPI, PGIC = "odi-2.1a", "nrs-pain", "vas-pain", "bpi-sf", "pgic"
INSTRUMENTS = (NRS, VAS, ODI, BPI, PGIC)  # what this generator can answer
ODI_ITEM_MAX = 5
ODI_SECTIONS = 10
SEX_LIFE_SECTION = 8  # "if applicable": left blank by some (Fairbank & Pynsent 2000)
SEX_LIFE_BLANK_SHARE = 0.12
# Section profile: personal care is usually the least affected, sitting and standing the most.
ODI_PROFILE = np.array([0.45, -0.6, 0.35, -0.15, 0.3, 0.3, -0.2, 0.0, -0.25, -0.2])
BPI_SEVERITY = ("worst", "least", "average", "now")
BPI_INTERFERENCE = (
    "interference-general-activity",
    "interference-mood",
    "interference-walking",
    "interference-normal-work",
    "interference-relations",
    "interference-sleep",
    "interference-enjoyment",
)
BPI_PROFILE = np.array([0.4, 0.2, 0.1, 0.5, -0.6, 0.2, 0.1])
MODES = ("paper", "phone", "clinic", "web")
BASELINE_MODE_WEIGHTS = (0.10, 0.0, 0.55, 0.35)
FOLLOW_UP_MODE_WEIGHTS = (0.08, 0.10, 0.12, 0.70)
OUT_OF_WINDOW_SHARE = 0.02
SECONDS_PER_INSTRUMENT = 90

# Completion (answered ÷ due) by target day: 85–90% at 3 months, 75% at 12 (NORspine 71.6%,
# Swespine ≈ 75%), 65% at 24 and 50% at 60 months (assumptions, DOMAIN.md §7.5).
COMPLETION_BY_DAY = (
    (0, 0.98),
    (14, 0.90),
    (42, 0.89),
    (91, 0.875),
    (182, 0.82),
    (365, 0.75),
    (730, 0.65),
    (1095, 0.59),
    (1461, 0.54),
    (1826, 0.50),
)
LATENT_SD = 1.0
AGE_LOGIT_PER_DECADE = 0.3  # older patients answer more (NORspine non-responders younger)
AGE_CENTRE_YEARS = 47.0

# Time course by treatment: onset time constant (days), share of the effect kept for good,
# day the fading starts, fading time constant (days).
TIME_COURSE = {
    "bmac": (30.0, 0.90, 365.0, 1500.0),
    "esi_interlaminar": (5.0, 0.10, 30.0, 90.0),
    "esi_transforaminal": (5.0, 0.10, 30.0, 90.0),
    "facet_steroid": (5.0, 0.10, 30.0, 100.0),
    "mbb": (1.0, 0.05, 7.0, 45.0),
    "rfa": (21.0, 0.15, 400.0, 120.0),
    "prp": (45.0, 0.60, 180.0, 700.0),
    "surgery": (60.0, 0.85, 730.0, 2000.0),
    "conservative": (90.0, 1.0, 1e9, 1.0),
}
# Plateau ODI improvement as a share of the baseline: responder share, responders' mean and SD,
# the others' mean and SD. BMAC disc ≈ 50% (≈ −26 points; Pettine 2015: 56.5 → 22.8 at 3 mo;
# Hirase 2020: 44.4 → 19.1) with about half reaching a 50% reduction (Wolff 2020: 27–56%); ESI
# ≈ 28% (−14.5 points, PMC4538092); facet BMAC smaller (El-Kadiry 2021); the rest assumed.
EFFECT = {
    ("bmac", 0): (0.52, 0.70, 0.15, 0.24, 0.20),
    ("bmac", 1): (0.50, 0.55, 0.15, 0.10, 0.15),
    ("esi_interlaminar", 0): (0.60, 0.42, 0.15, 0.06, 0.12),
    ("esi_transforaminal", 0): (0.60, 0.42, 0.15, 0.06, 0.12),
    ("facet_steroid", 1): (0.60, 0.42, 0.15, 0.06, 0.12),
    ("mbb", 1): (0.60, 0.35, 0.15, 0.05, 0.12),
    ("rfa", 1): (0.65, 0.55, 0.15, 0.08, 0.15),
    ("prp", 0): (0.50, 0.55, 0.15, 0.08, 0.15),
    ("surgery", 0): (0.75, 0.65, 0.15, 0.12, 0.20),
    ("conservative", 0): (0.0, 0.0, 0.10, 0.10, 0.14),
    ("conservative", 1): (0.0, 0.0, 0.10, 0.10, 0.14),
}
CFU_F_THRESHOLD_PER_ML = 2000.0  # Pettine 2015: > 2,000 (strictly greater)
ODI_VISIT_NOISE = 5.0
VAS_VISIT_NOISE_MM = 7.0


@cache
def instrument_versions() -> dict[str, tuple[str, str]]:
    """(instrument version, scoring version) of each generated instrument: the newest
    definition in `spinereg.core.instruments`, as the registry stores them."""
    result = {}
    for name in INSTRUMENTS:
        spec = load_instrument(name)
        result[name] = (spec.version, spec.scoring_version)
    return result


def completion_intercepts(target_days: IntArray) -> FloatArray:
    """Logit intercepts that give each visit its marginal completion rate once the latent
    propensity and age are mixed in (Gauss–Hermite quadrature over their joint normal)."""
    days, rates = zip(*COMPLETION_BY_DAY, strict=True)
    wanted = np.interp(target_days, days, rates)
    spread = np.sqrt(LATENT_SD**2 + (AGE_LOGIT_PER_DECADE * 1.0) ** 2)
    nodes, weights = np.polynomial.hermite_e.hermegauss(60)
    weights = weights / weights.sum()
    intercepts = np.empty(len(wanted))
    for position, rate in enumerate(wanted):
        low, high = -10.0, 10.0
        for _ in range(80):
            middle = (low + high) / 2
            mean = float(np.sum(weights / (1 + np.exp(-(middle + spread * nodes)))))
            low, high = (middle, high) if mean < rate else (low, middle)
        intercepts[position] = (low + high) / 2
    return intercepts


def time_course(kind: IntArray, day: IntArray) -> FloatArray:
    """Share of the plateau improvement reached on `day` after the index procedure."""
    params = np.array([TIME_COURSE[name] for name in TREATMENTS])[kind]
    onset, kept, fade_start, fade = params.T
    t = np.maximum(day, 0).astype(np.float64)
    fading = np.exp(-np.maximum(t - fade_start, 0) / fade)
    shape: FloatArray = (1 - np.exp(-t / onset)) * (kept + (1 - kept) * fading)
    return shape


@dataclass(slots=True)
class Trajectory:
    odi_baseline: FloatArray
    vas_baseline: FloatArray
    odi_improvement: FloatArray
    vas_relative: FloatArray
    drift_per_year: FloatArray


def draw_trajectory(
    rng: np.random.Generator,
    kind: IntArray,
    condition: IntArray,
    age: FloatArray,
    cfu_f_per_ml: FloatArray,
) -> Trajectory:
    count = len(kind)
    odi0 = np.clip(rng.normal(np.where(condition == FACET, 46.0, 51.0), 15.0), 12.0, 92.0)
    vas0 = np.clip(74.0 + 0.4 * (odi0 - 51.0) + rng.normal(0, 11.0, count), 25.0, 100.0)
    params = np.array(
        [EFFECT.get((TREATMENTS[k], c), EFFECT[("conservative", c)]) for k, c in _pairs()]
    ).reshape(len(TREATMENTS), 2, 5)[kind, condition]
    share, good_mean, good_sd, other_mean, other_sd = params.T
    good = rng.random(count) < share
    share_of_baseline = np.where(
        good, rng.normal(good_mean, good_sd), rng.normal(other_mean, other_sd)
    )
    improvement = share_of_baseline * odi0
    bmac = kind == BMAC
    rich = np.nan_to_num(cfu_f_per_ml, nan=0.0) > CFU_F_THRESHOLD_PER_ML
    improvement += np.where(bmac, np.where(rich, 3.0, -2.0), 0.0)
    improvement += np.where(bmac, np.clip(0.2 * (45.0 - age), -3.0, 3.0), 0.0)
    improvement = np.clip(improvement, -0.2 * odi0, odi0 - 1.0)
    vas_relative = improvement / odi0 * rng.normal(1.0, 0.2, count)
    return Trajectory(odi0, vas0, improvement, vas_relative, rng.normal(0.0, 1.0, count))


def _pairs() -> list[tuple[int, int]]:
    return [(k, c) for k in range(len(TREATMENTS)) for c in (0, 1)]


@dataclass(slots=True)
class FollowUp:
    tables: dict[str, pa.Table]
    # Day (epoch) of each episode row's in-window 12-month visit, NO_DAY if none.
    twelve_month_day: IntArray


def follow_up(
    rng: np.random.Generator,
    people: People,
    clinical: Clinical,
    episodes: Episodes,
    config: SynthConfig,
    first_ids: dict[str, int],
) -> FollowUp:
    schedule = config.schedule
    visits = schedule.visits
    today = epoch_day(config.today)
    rows = np.flatnonzero(episodes.has_index)
    count, visit_count = len(rows), len(visits)
    target = np.array([v.target_day for v in visits], dtype=np.int64)
    first = np.array([v.first_day for v in visits], dtype=np.int64)
    last = np.array([v.last_day for v in visits], dtype=np.int64)
    index = episodes.index_day[rows]

    # When each visit would be answered, and whether it is.
    spread = np.maximum((last - first) / 6.0, 1.0)
    jitter = np.round(rng.normal(0, 1, (count, visit_count)) * spread).astype(np.int64)
    day: IntArray = np.clip(target + jitter, first, last)
    baseline = target <= 0
    lead = np.minimum(21, index - people.enrolled_day[rows])
    day[:, baseline] = np.maximum(day[:, baseline], -uniform_int(rng, 0, lead)[:, None])
    late = (rng.random((count, visit_count)) < OUT_OF_WINDOW_SHARE) & ~baseline[None, :]
    day = np.where(late, last[None, :] + uniform_int(rng, 1, 15, count)[:, None], day)
    latent = rng.normal(0, LATENT_SD, count)
    age_term = AGE_LOGIT_PER_DECADE * (people.age_years[rows] - AGE_CENTRE_YEARS) / 10.0
    logit = completion_intercepts(target)[None, :] + (latent + age_term)[:, None]
    answers_visit = rng.random((count, visit_count)) < 1 / (1 + np.exp(-logit))
    calendar = index[:, None] + day
    completed = answers_visit & (calendar <= today) & (calendar < people.exit_day[rows][:, None])
    offsets = clinic_offsets_seconds(config)[people.clinic_index[rows]]
    # 08:00–20:00 clinic time, kept on the same UTC calendar day: the registry takes the day
    # of a response from its UTC instant (outcomes.services), so window membership agrees.
    earliest = np.maximum(8 * 3600 - offsets, 0)
    latest = np.minimum(20 * 3600 - offsets, SECONDS_PER_DAY - 1)
    clock = uniform_int(rng, earliest[:, None], np.broadcast_to(latest[:, None], day.shape))
    visit_time = calendar * SECONDS_PER_DAY + clock
    mode = np.where(
        baseline[None, :],
        choose(rng, count * visit_count, BASELINE_MODE_WEIGHTS).reshape(count, visit_count),
        choose(rng, count * visit_count, FOLLOW_UP_MODE_WEIGHTS).reshape(count, visit_count),
    )

    # Which instruments each visit carries, in the schedule's order.
    carried = [[name for name in v.instruments if name in INSTRUMENTS] for v in visits]
    instrument_count = np.array([len(names) for names in carried], dtype=np.int64)

    item_ids = first_ids[SCHEDULE_ITEM] + np.arange(count * visit_count, dtype=np.int64)
    in_window_done = (completed & ~late).ravel()
    item_done_at = (visit_time + instrument_count[None, :] * SECONDS_PER_INSTRUMENT).ravel()
    schedule_items = build_table(
        SCHEDULE_ITEM,
        count * visit_count,
        {
            "id": item_ids,
            "episode_id": np.repeat(episodes.episode_id[rows], visit_count),
            "visit": lookup([v.code for v in visits], np.tile(np.arange(visit_count), count)),
            "target_date": dates((index[:, None] + target[None, :]).ravel()),
            "window_start": dates((index[:, None] + first[None, :]).ravel()),
            "window_end": dates((index[:, None] + last[None, :]).ravel()),
            "instruments": lookup(
                [json.dumps(list(v.instruments)) for v in visits],
                np.tile(np.arange(visit_count), count),
            ),
            "completed_at": instants(np.where(in_window_done, item_done_at, 0), ~in_window_done),
            "schedule_version": schedule.version,
        },
    )

    # Outcome values of every completed visit (flattened, episode-major).
    done = np.flatnonzero(completed.ravel())
    episode_of = done // visit_count
    visit_of = done % visit_count
    done_day = day.ravel()[done]
    trajectory = draw_trajectory(
        rng,
        episodes.kind[rows],
        clinical.condition[rows],
        people.age_years[rows],
        episodes.cfu_f_per_ml[rows],
    )
    course = np.where(done_day > 0, time_course(episodes.kind[rows][episode_of], done_day), 0.0)
    drift = trajectory.drift_per_year[episode_of] * np.maximum(done_day, 0) / 365.0
    size = len(done)
    odi_true = (
        trajectory.odi_baseline[episode_of]
        - trajectory.odi_improvement[episode_of] * course
        + drift
    )
    odi_target = np.clip(odi_true + rng.normal(0, ODI_VISIT_NOISE, size), 0.0, 100.0)
    vas = trajectory.vas_baseline[episode_of] * (1 - trajectory.vas_relative[episode_of] * course)
    vas_tenths = np.clip(
        np.round((vas + drift + rng.normal(0, VAS_VISIT_NOISE_MM, size)) * 10), 0, 1000
    ).astype(np.int64)
    nrs = np.clip(np.round(vas_tenths / 100 + rng.normal(0, 0.6, size)), 0, 10).astype(np.int64)
    blank_sex_life = (rng.random(count) < SEX_LIFE_BLANK_SHARE)[episode_of]

    parts: list[dict[str, object]] = []
    for instrument in INSTRUMENTS:
        position = np.array(
            [names.index(instrument) if instrument in names else -1 for names in carried]
        )
        chosen = np.flatnonzero(position[visit_of] >= 0)
        if not len(chosen):
            continue
        if instrument == ODI:
            answers, value, subscores = odi_responses(
                rng, odi_target[chosen], blank_sex_life[chosen]
            )
        elif instrument == NRS:
            answers, value, subscores = single_item_responses("nrs", nrs[chosen], 1)
        elif instrument == VAS:
            answers, value, subscores = single_item_responses("vas", vas_tenths[chosen], 10)
        elif instrument == BPI:
            answers, value, subscores = bpi_responses(rng, nrs[chosen], odi_true[chosen])
        else:
            relief = 0.5 * (1 - odi_target[chosen] / trajectory.odi_baseline[episode_of[chosen]])
            relief += 0.5 * (
                1 - vas_tenths[chosen] / 10 / trajectory.vas_baseline[episode_of[chosen]]
            )
            answers, value, subscores = pgic_responses(rng, relief)
        # Sort key: visit first, then the instrument's place in the visit; the remainder modulo
        # the instrument count names the instrument.
        parts.append(
            {
                "done": chosen,
                "key": done[chosen] * len(INSTRUMENTS) + INSTRUMENTS.index(instrument),
                "answers": answers,
                "value": value,
                "subscores": subscores,
            }
        )
    versions = instrument_versions()
    keys = np.concatenate([part["key"] for part in parts]) if parts else np.zeros(0, np.int64)
    order = np.argsort(keys, kind="stable")
    flat = done[np.concatenate([part["done"] for part in parts])[order]] if parts else done[:0]
    episode_row = rows[flat // visit_count]
    total = len(flat)
    responses = build_table(
        RESPONSE,
        total,
        {
            "id": first_ids[RESPONSE] + np.arange(total, dtype=np.int64),
            "patient_id": people.patient_id[episode_row],
            "episode_id": episodes.episode_id[episode_row],
            # Out of window: the response belongs to no visit (as the registry records it).
            "schedule_item_id": pa.array(item_ids[flat], mask=late.ravel()[flat]),
            "instrument_id": lookup(INSTRUMENTS, keys[order] % len(INSTRUMENTS)),
            "instrument_version": lookup(
                [versions[name][0] for name in INSTRUMENTS], keys[order] % len(INSTRUMENTS)
            ),
            "answers": _gather(parts, "answers", order),
            "value": np.concatenate([part["value"] for part in parts])[order] if parts else [],
            "subscores": _gather(parts, "subscores", order),
            "not_scored_reason": "",
            "scoring_version": lookup(
                [versions[name][1] for name in INSTRUMENTS], keys[order] % len(INSTRUMENTS)
            ),
            "timepoint": lookup(
                ["", *(v.code for v in visits)],
                np.where(late.ravel()[flat], 0, flat % visit_count + 1),
            ),
            "days_from_index": day.ravel()[flat],
            "out_of_window": late.ravel()[flat],
            "completed_at": instants(
                visit_time.ravel()[flat] + (keys[order] % len(INSTRUMENTS)) * SECONDS_PER_INSTRUMENT
            ),
            "mode": lookup(MODES, mode.ravel()[flat]),
            "status": "complete",
        },
    )
    twelve = _twelve_month_day(visits, completed & ~late, calendar, rows, people.count)
    return FollowUp({SCHEDULE_ITEM: schedule_items, RESPONSE: responses}, twelve)


def _gather(parts: list[dict[str, object]], name: str, order: IntArray) -> pa.Array:
    if not parts:
        return pa.array([], type=pa.string())
    return pa.concat_arrays([part[name] for part in parts]).take(pa.array(order))


def _twelve_month_day(
    visits: tuple[Visit, ...], attended: BoolArray, calendar: IntArray, rows: IntArray, people: int
) -> IntArray:
    result = np.full(people, NO_DAY, dtype=np.int64)
    codes = [v.code for v in visits]
    if "12mo" in codes:
        position = codes.index("12mo")
        result[rows] = np.where(attended[:, position], calendar[:, position], NO_DAY)
    return result


DIGITS = tuple(str(number) for number in range(11))


def odi_responses(
    rng: np.random.Generator, target_percent: FloatArray, blank_sex_life: BoolArray
) -> tuple[pa.Array, FloatArray, pa.Array]:
    """Ten sections 0–5 whose score lands near the target; section 8 left blank where the
    patient skips it. Score = 100 × sum / (5 × sections answered) (Fairbank & Pynsent 2000),
    computed from the stored answers, so re-scoring reproduces it exactly."""
    size = len(target_percent)
    answered = np.where(blank_sex_life, ODI_SECTIONS - 1, ODI_SECTIONS)
    per_item = target_percent / 100 * ODI_ITEM_MAX
    raw = per_item[:, None] + ODI_PROFILE[None, :] + rng.normal(0, 0.45, (size, ODI_SECTIONS))
    items = np.clip(np.floor(raw + rng.random((size, ODI_SECTIONS))), 0, ODI_ITEM_MAX)
    items = items.astype(np.int64)
    sex_life = SEX_LIFE_SECTION - 1
    items[blank_sex_life, sex_life] = 0
    total = items.sum(axis=1)
    value = 100 * total / (ODI_ITEM_MAX * answered)
    pieces: list[str | pa.Array] = ["{"]
    for section in range(ODI_SECTIONS):
        text = f'"section-{section + 1}": '
        answer = lookup(DIGITS, items[:, section])
        separator = ", " if section else ""
        if section == sex_life:
            pieces.append(pc.if_else(pa.array(blank_sex_life), "", join(separator, text, answer)))
        else:
            pieces.extend([separator + text, answer])
    pieces.append("}")
    return join(*pieces), value.astype(np.float64), _constant("{}", size)


def single_item_responses(
    link_id: str, units: IntArray, per_point: int
) -> tuple[pa.Array, FloatArray, pa.Array]:
    """NRS (integer 0–10) or VAS (0–100 mm, one decimal: `units` are tenths). The value is the
    answer itself."""
    highest = int(units.max()) if len(units) else 0
    texts = [repr(unit / per_point) if per_point > 1 else str(unit) for unit in range(highest + 1)]
    answers = join(f'{{"{link_id}": ', lookup(texts, units), "}")
    value = units / per_point
    return answers, value.astype(np.float64), _constant("{}", len(units))


def bpi_responses(
    rng: np.random.Generator, nrs: IntArray, odi: FloatArray
) -> tuple[pa.Array, FloatArray, pa.Array]:
    """Severity items around the NRS (worst ≥ average ≥ least), interference items around
    ODI/10. Value = interference mean of the 7 items; subscores severity (mean of 4) and
    interference (Cleeland 2009 BPI User Guide)."""
    size = len(nrs)
    average = np.clip(np.round(nrs + rng.normal(0, 0.7, size)), 0, 10).astype(np.int64)
    worst = np.clip(average + rng.integers(1, 4, size), 0, 10)
    least = np.clip(average - rng.integers(0, 4, size), 0, 10)
    now = np.clip(np.round(average + rng.normal(0, 1.0, size)), 0, 10).astype(np.int64)
    base = np.clip(odi, 0, 100) / 10 * 1.1
    interference = np.clip(
        np.round(base[:, None] + BPI_PROFILE[None, :] + rng.normal(0, 1.2, (size, 7))), 0, 10
    ).astype(np.int64)
    severity_sum = worst + least + average + now
    interference_sum = interference.sum(axis=1)
    pieces: list[str | pa.Array] = ["{"]
    columns = [worst, least, average, now, *interference.T]
    for position, (link_id, column) in enumerate(
        zip((*BPI_SEVERITY, *BPI_INTERFERENCE), columns, strict=True)
    ):
        pieces.extend([("" if position == 0 else ", ") + f'"{link_id}": ', lookup(DIGITS, column)])
    pieces.append("}")
    severity_text = [repr(total / 4) for total in range(41)]
    interference_text = [repr(total / 7) for total in range(71)]
    subscores = join(
        '{"severity": ',
        lookup(severity_text, severity_sum),
        ', "interference": ',
        lookup(interference_text, interference_sum),
        "}",
    )
    value = interference_sum / 7
    return join(*pieces), value.astype(np.float64), subscores


PGIC_CUTS = (0.5, 0.3, 0.1, -0.1, -0.25, -0.45)  # relative improvement → 1 … 7


def pgic_responses(
    rng: np.random.Generator, relief: FloatArray
) -> tuple[pa.Array, FloatArray, pa.Array]:
    """PGIC 1 (very much improved) … 7 (very much worse) from the relative improvement of ODI
    and VAS, with noise (Farrar 2001: much improved ≈ 30% less pain)."""
    noisy = relief + rng.normal(0, 0.12, len(relief))
    category = 1 + np.searchsorted(-np.array(PGIC_CUTS), -noisy, side="left")
    category = category.astype(np.int64)
    answers = join('{"pgic": ', lookup(DIGITS, category), "}")
    return answers, category.astype(np.float64), _constant("{}", len(relief))


def _constant(text: str, size: int) -> pa.Array:
    return lookup([text], np.zeros(size, dtype=np.int64))

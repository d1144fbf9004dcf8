"""Episodes and the procedure day: harvest, processing, composition of aspirate and
concentrate, the labelled product and the injections.

Sources (docs/synthetic-cohort.md): concentrate TNC mean 121 × 10⁶/mL and CFU-F mean
2,713/mL (Pettine 2015), CD34+ mean 1.82 × 10⁶/mL (Pettine 2017), aspirate TNC 28.6–33.5 ×
10⁶/mL and CFU-F 610–1,060/mL (Everts), platelet concentration factor 6.1–7.5 (BMC Res Notes
2018), 2 mL per disc (Pettine 2017). Aspirate volume, processing settings, viability and
hematocrit are assumptions (DOMAIN.md marks them unverified)."""

from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from spinereg.synth.arrays import (
    SECONDS_PER_DAY,
    BoolArray,
    FloatArray,
    IntArray,
    base32_codes,
    choose,
    day_to_year,
    epoch_day,
    feistel_permute,
    instants,
    int_text,
    join,
    lognormal_with_mean,
    lookup,
    rank_within,
    repeat_index,
    uniform_int,
)
from spinereg.synth.clinical import FACET, LEVELS, SIDES, TREATMENTS, Clinical
from spinereg.synth.config import SynthConfig
from spinereg.synth.people import NO_DAY, People, clinic_offsets_seconds
from spinereg.synth.schema import (
    COMPOSITION,
    EPISODE,
    HARVEST,
    INJECTION,
    PROCESSING,
    PRODUCT,
    build_table,
)

BMAC = TREATMENTS.index("bmac")
PRP = TREATMENTS.index("prp")
FACET_STEROID = TREATMENTS.index("facet_steroid")
# Kind weights over TREATMENTS by condition: ≈ 57% BMAC, comparators as treated in practice.
KIND_WEIGHTS = (
    (0.57, 0.10, 0.10, 0.0, 0.0, 0.0, 0.08, 0.05, 0.10),  # discogenic
    (0.57, 0.0, 0.0, 0.15, 0.08, 0.17, 0.0, 0.0, 0.03),  # facet
)
STATUSES = ("planned", "active", "completed", "withdrawn")
PLANNED, ACTIVE, COMPLETED, WITHDRAWN = range(4)
PENDING_SHARE = 0.015  # planned episodes that never got a date
WITHDRAWAL_SHARE = 0.04
DEATH_SHARE = 0.006
SYSTEMS = (  # name, g-force, minutes per spin, spins
    ("SmartPrep2 (demo)", 1100, 14.0, 2),
    ("Angel cPRP (demo)", 2400, 9.0, 2),
    ("BioCUE (demo)", 1300, 15.0, 1),
    ("MarrowStim (demo)", 1200, 15.0, 1),
)
SYSTEM_WEIGHTS = (0.45, 0.2, 0.2, 0.15)
ANTICOAGULANTS = ("ACD-A", "heparin")
PRODUCT_CODE_BITS = 50
SHELF_LIFE_SECONDS = (
    4 * 3600
)  # same-day use; "a few hours" (DOMAIN.md §6.1 same surgical procedure)


@dataclass(slots=True)
class Episodes:
    """One episode per patient (row i belongs to patient row i)."""

    episode_id: IntArray
    kind: IntArray
    has_index: BoolArray
    index_day: IntArray  # NO_DAY where there is none
    status: IntArray
    # Set by the BMAC step for BMAC episodes with a procedure, NaN otherwise.
    cfu_f_per_ml: FloatArray


def draw_episodes(
    rng: np.random.Generator,
    people: People,
    clinical: Clinical,
    config: SynthConfig,
    first_id: int,
    last_visit_day: int,
) -> Episodes:
    """Kinds, index dates and status; also sets the patients' death and withdrawal dates,
    which fall after the index procedure."""
    count = people.count
    today = epoch_day(config.today)
    kind = np.empty(count, dtype=np.int64)
    for condition, weights in enumerate(KIND_WEIGHTS):
        selected = clinical.condition == condition
        kind[selected] = choose(rng, int(selected.sum()), weights)
    index_day = people.enrolled_day + uniform_int(rng, 7, 60, count)
    has_index = (index_day <= today) & (rng.random(count) >= PENDING_SHARE)
    index_day = np.where(has_index, index_day, NO_DAY)
    followed_days = np.where(has_index, today - index_day, 0)
    u = rng.random(count)
    leaves = has_index & (followed_days > 30)
    exit_after = uniform_int(rng, 30, np.minimum(np.maximum(followed_days, 30), last_visit_day))
    withdrawn = leaves & (u < WITHDRAWAL_SHARE)
    deceased = leaves & (u >= WITHDRAWAL_SHARE) & (u < WITHDRAWAL_SHARE + DEATH_SHARE)
    people.withdrawn_day = np.where(withdrawn, index_day + exit_after, NO_DAY)
    people.deceased_day = np.where(deceased, index_day + exit_after, NO_DAY)
    finished = has_index & ((followed_days > last_visit_day) | deceased)
    status = np.select(
        [~has_index, withdrawn, finished], [PLANNED, WITHDRAWN, COMPLETED], default=ACTIVE
    )
    return Episodes(
        episode_id=np.arange(first_id, first_id + count, dtype=np.int64),
        kind=kind,
        has_index=has_index,
        index_day=index_day,
        status=status.astype(np.int64),
        cfu_f_per_ml=np.full(count, np.nan),
    )


def episode_table(
    rng: np.random.Generator,
    people: People,
    clinical: Clinical,
    episodes: Episodes,
    config: SynthConfig,
) -> pa.Table:
    count = people.count
    clinic_ids = np.array([clinic.id for clinic in config.clinics], dtype=np.int64)
    created = (
        people.enrolled_day * SECONDS_PER_DAY
        + uniform_int(rng, 9 * 3600, 17 * 3600, count)
        - clinic_offsets_seconds(config)[people.clinic_index]
    )
    return build_table(
        EPISODE,
        count,
        {
            "id": episodes.episode_id,
            "clinic_id": clinic_ids[people.clinic_index],
            "patient_id": people.patient_id,
            "kind": lookup(TREATMENTS, episodes.kind),
            "condition": lookup(("discogenic", "facet"), clinical.condition),
            "index_date": pa.array(
                np.where(episodes.has_index, episodes.index_day, 0).astype(np.int32),
                type=pa.date32(),
                mask=~episodes.has_index,
            ),
            "status": lookup(STATUSES, episodes.status),
            "signed_at": None,
            "signed_by_id": None,
            "created_at": instants(created),
        },
    )


def procedure_day(
    rng: np.random.Generator,
    people: People,
    clinical: Clinical,
    episodes: Episodes,
    config: SynthConfig,
    first_ids: dict[str, int],
) -> dict[str, pa.Table]:
    """Harvest, processing, compositions and product for BMAC episodes with a procedure;
    injections for BMAC, PRP (intradiscal) and facet steroid (facet) episodes."""
    offsets = clinic_offsets_seconds(config)[people.clinic_index]
    bmac = np.flatnonzero(episodes.has_index & (episodes.kind == BMAC))
    count = len(bmac)
    local_morning = episodes.index_day[bmac] * SECONDS_PER_DAY - offsets[bmac]
    harvested_at = local_morning + uniform_int(rng, 7 * 3600 + 1800, 10 * 3600 + 1800, count)
    aspirate_ml = np.round(np.clip(lognormal_with_mean(rng, 62.0, 0.35, count), 30, 120))
    anticoagulant = choose(rng, count, (0.6, 0.4))
    # ACD-A about 1:7 of the draw; heparin (1,000 U/mL) about 5%.
    anticoagulant_ml = np.round(aspirate_ml * np.where(anticoagulant == 0, 0.125, 0.05), 1)
    system = choose(rng, count, SYSTEM_WEIGHTS)
    g_force = np.take([s[1] for s in SYSTEMS], system)
    spin_minutes = np.take([s[2] for s in SYSTEMS], system)
    spins = np.take([s[3] for s in SYSTEMS], system)
    started_at = harvested_at + uniform_int(rng, 600, 1800, count)
    ended_at = (
        started_at
        + (spin_minutes * spins * 60).astype(np.int64)
        + uniform_int(rng, 120, 360, count)
    )
    labelled_at = ended_at + uniform_int(rng, 120, 480, count)

    # Injections (BMAC and the comparators that inject into the disc or the facet joint).
    injected = np.flatnonzero(
        episodes.has_index & np.isin(episodes.kind, (BMAC, PRP, FACET_STEROID))
    )
    condition = clinical.condition[injected]
    per_level = np.where(condition == FACET, 2, 1)  # facet: left and right joint
    level_rows = clinical.level_count[injected] * per_level
    owner = repeat_index(level_rows)  # position in `injected`
    rank = rank_within(owner)
    episode_row = injected[owner]
    first_level_row = np.r_[0, np.cumsum(clinical.level_count)[:-1]]
    level = clinical.level[first_level_row[episode_row] + rank // per_level[owner]]
    facet = condition[owner] == FACET
    side = np.where(facet, rank % 2, 3)
    kind = episodes.kind[episode_row]
    volume_ml = np.select(
        [kind == BMAC, kind == PRP],
        [
            np.where(facet, np.where(rng.random(len(owner)) < 0.5, 1.0, 1.5), 2.0),
            np.round(rng.uniform(1.5, 3.0, len(owner)) * 2) / 2,
        ],
        1.0,
    )
    bmac_position = np.full(people.count, -1, dtype=np.int64)
    bmac_position[bmac] = np.arange(count)
    start = np.where(
        kind == BMAC,
        labelled_at[np.maximum(bmac_position[episode_row], 0)] + 900,
        episodes.index_day[episode_row] * SECONDS_PER_DAY - offsets[episode_row] + 9 * 3600,
    )
    # One shared start per episode, then 4–8 minutes per injection.
    start_jitter = uniform_int(rng, 0, 2700, len(injected))[owner]
    injected_at = start + start_jitter + rank * uniform_int(rng, 240, 480, len(owner))
    guidance = np.where(
        facet, choose(rng, len(owner), (0.85, 0.10, 0.05)), choose(rng, len(owner), (0.95, 0, 0.05))
    )
    gauge = np.where(facet, np.where(rng.random(len(owner)) < 0.7, 22, 25), 22)
    contrast = rng.random(len(owner)) < np.where(facet, 0.85, 0.6)

    # Concentrate: ≈ 10% of the aspirate, never less than what is injected.
    injected_ml = np.bincount(
        bmac_position[episode_row][kind == BMAC], weights=volume_ml[kind == BMAC], minlength=count
    )
    concentrate_ml = np.maximum(
        np.round(aspirate_ml * rng.uniform(0.08, 0.12, count), 1), np.round(injected_ml + 0.5, 1)
    )
    first_injection = np.full(count, np.iinfo(np.int64).max)
    np.minimum.at(
        first_injection, bmac_position[episode_row][kind == BMAC], injected_at[kind == BMAC]
    )
    composition = _composition(rng, count)
    episodes.cfu_f_per_ml[bmac] = composition["cfu_f_per_ml"][1::2]

    processing_id = np.arange(first_ids[PROCESSING], first_ids[PROCESSING] + count)
    lot = join(
        "L",
        int_text(day_to_year(episodes.index_day[bmac]) % 100, 2),
        "-",
        int_text(rng.integers(0, 100_000, count), 5),
    )
    codes = base32_codes(
        "BMAC-",
        feistel_permute(
            episodes.episode_id[bmac].astype(np.uint64), config.seed + 1, PRODUCT_CODE_BITS
        ),
        PRODUCT_CODE_BITS // 5,
    )
    rows = len(owner)
    return {
        HARVEST: build_table(
            HARVEST,
            count,
            {
                "id": np.arange(first_ids[HARVEST], first_ids[HARVEST] + count),
                "episode_id": episodes.episode_id[bmac],
                "harvested_at": instants(harvested_at),
                "site": "posterior_iliac_crest",
                "side": lookup(SIDES, choose(rng, count, (0.45, 0.45, 0.10))),
                "aspirate_volume_ml": aspirate_ml,
                "anticoagulant": lookup(ANTICOAGULANTS, anticoagulant),
                "anticoagulant_volume_ml": anticoagulant_ml,
                "performed_by_id": None,
            },
        ),
        PROCESSING: build_table(
            PROCESSING,
            count,
            {
                "id": processing_id,
                "episode_id": episodes.episode_id[bmac],
                "system": lookup([s[0] for s in SYSTEMS], system),
                "lot_number": lot,
                "g_force": g_force,
                "spin_minutes": spin_minutes,
                "spins": spins,
                "started_at": instants(started_at),
                "ended_at": instants(ended_at),
                "concentrate_volume_ml": concentrate_ml,
                "performed_by_id": None,
            },
        ),
        COMPOSITION: build_table(
            COMPOSITION,
            2 * count,
            {
                "id": np.arange(first_ids[COMPOSITION], first_ids[COMPOSITION] + 2 * count),
                "processing_id": np.repeat(processing_id, 2),
                "fraction": lookup(("aspirate", "concentrate"), np.tile([0, 1], count)),
                **composition,
            },
        ),
        PRODUCT: build_table(
            PRODUCT,
            count,
            {
                "id": np.arange(first_ids[PRODUCT], first_ids[PRODUCT] + count),
                "episode_id": episodes.episode_id[bmac],
                "product_code": codes,
                "labelled_at": instants(labelled_at),
                "expires_at": instants(labelled_at + SHELF_LIFE_SECONDS),
                "used_at": instants(first_injection),
            },
        ),
        INJECTION: build_table(
            INJECTION,
            rows,
            {
                "id": np.arange(first_ids[INJECTION], first_ids[INJECTION] + rows),
                "episode_id": episodes.episode_id[episode_row],
                "approach": lookup(("intradiscal", "facet"), facet.astype(np.int64)),
                "level": lookup(LEVELS, level),
                "side": lookup(SIDES, side),
                "guidance": lookup(("fluoroscopy", "ultrasound", "ct"), guidance),
                "needle_gauge": gauge,
                "contrast": contrast,
                "volume_ml": volume_ml,
                "injected_at": instants(injected_at),
            },
        ),
    }


def _composition(rng: np.random.Generator, count: int) -> dict[str, FloatArray]:
    """Aspirate and concentrate rows interleaved (aspirate first). Concentrate counts are the
    aspirate's times a concentration factor, so the two stay correlated and TNC always rises."""
    tnc_aspirate = np.clip(rng.normal(31.0e6, 4.0e6, count), 15e6, None)
    tnc_factor = np.clip(lognormal_with_mean(rng, 3.95, 0.15, count), 2.0, None)
    cfu_aspirate = lognormal_with_mean(rng, 830.0, 0.25, count)
    cfu_factor = np.clip(lognormal_with_mean(rng, 3.3, 0.45, count), 1.5, None)
    cd34_aspirate = lognormal_with_mean(rng, 0.45e6, 0.3, count)
    cd34_factor = np.clip(lognormal_with_mean(rng, 4.0, 0.3, count), 1.5, None)
    platelets_aspirate = np.clip(rng.normal(180e6, 40e6, count), 60e6, None)
    platelet_factor = rng.uniform(6.1, 7.5, count)
    mnc_share = rng.uniform(0.3, 0.5, (count, 2))
    hematocrit_aspirate = rng.uniform(28.0, 38.0, count)
    hematocrit_concentrate = hematocrit_aspirate * rng.uniform(0.45, 0.85, count)
    viability = np.clip(rng.normal(94.0, 3.0, (count, 2)), 85.0, 99.5)

    def interleave(aspirate: FloatArray, concentrate: FloatArray, digits: int) -> FloatArray:
        both: FloatArray = np.round(np.column_stack([aspirate, concentrate]).ravel(), digits)
        return both

    tnc_concentrate = tnc_aspirate * tnc_factor
    return {
        "tnc_per_ml": interleave(tnc_aspirate, tnc_concentrate, -4),
        "mnc_per_ml": interleave(
            tnc_aspirate * mnc_share[:, 0], tnc_concentrate * mnc_share[:, 1], -4
        ),
        "cfu_f_per_ml": interleave(cfu_aspirate, cfu_aspirate * cfu_factor, 0),
        "cd34_per_ml": interleave(cd34_aspirate, cd34_aspirate * cd34_factor, -3),
        "platelets_per_ml": interleave(
            platelets_aspirate, platelets_aspirate * platelet_factor, -5
        ),
        "viability_percent": interleave(viability[:, 0], viability[:, 1], 1),
        "hematocrit_percent": interleave(hematocrit_aspirate, hematocrit_concentrate, 1),
    }

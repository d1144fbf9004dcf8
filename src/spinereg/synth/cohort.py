"""The synthetic cohort, chunk by chunk: one Arrow table per model with explicit primary keys
that start at the offsets the caller gives, so foreign keys are consistent without asking
a database for ids.

Determinism: chunk k uses random streams seeded from (seed, k, step), and pseudonyms and
product codes are keyed permutations of the row ids. The output is therefore a function of
(patients, seed, today, clinics, consent documents, chunk size, first ids): the same
arguments give identical tables; another chunk size gives a different (equally valid)
cohort, because the random streams are cut differently."""

import hashlib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
import pandas as pd
import pyarrow as pa

from spinereg.synth.arrays import IntArray, dates, epoch_day, instants, lookup, uniform_int
from spinereg.synth.clinical import (
    DISC,
    Clinical,
    conservative_care_table,
    diagnosis_table,
    draw_clinical,
    finding_table,
    prior_procedure_table,
)
from spinereg.synth.config import (
    DEFAULT_CHUNK_SIZE,
    ClinicRef,
    ConsentDocumentRef,
    SynthConfig,
)
from spinereg.synth.outcomes import follow_up
from spinereg.synth.people import (
    LANGUAGES,
    NO_DAY,
    People,
    consent_table,
    draw_people,
    identity_table,
    patient_table,
)
from spinereg.synth.procedures import BMAC, Episodes, draw_episodes, episode_table, procedure_day
from spinereg.synth.safety import adverse_event_table, reintervention_table
from spinereg.synth.schema import (
    ADVERSE_EVENT,
    CLINIC,
    COHORT_TABLES,
    CONSENT_DOCUMENT,
    CONSENT_SIGNATURE,
    CONSERVATIVE_CARE,
    DIAGNOSIS,
    EPISODE,
    FINDING,
    IDENTITY,
    IMAGING,
    PATIENT,
    PRIOR_PROCEDURE,
    REINTERVENTION,
    SCHEMAS,
    build_table,
    to_frame,
)

FOLLOW_UP_MRI_SHARE = 0.30  # BMAC disc patients imaged at 12 months ("optional MRI", §8)
GRADE_IMPROVED_SHARE = 0.35  # one Pfirrmann grade better at 1 year (Pettine 2017: 40%)


@dataclass(frozen=True, slots=True)
class Chunk:
    number: int
    patients: int
    tables: dict[str, pa.Table]

    def frames(self) -> dict[str, pd.DataFrame]:
        return {label: to_frame(table) for label, table in self.tables.items()}


def generate_chunks(
    config: SynthConfig, first_ids: Mapping[str, int] | None = None
) -> Iterator[Chunk]:
    """Yield the cohort chunk by chunk; ids continue from one chunk to the next."""
    next_ids = dict.fromkeys(COHORT_TABLES, 1)
    next_ids.update(first_ids or {})
    for number in range(config.chunk_count):
        count = min(config.chunk_size, config.patients - number * config.chunk_size)
        tables = _chunk(config, number, count, dict(next_ids))
        for label, table in tables.items():
            next_ids[label] += table.num_rows
        yield Chunk(number=number, patients=count, tables=tables)


def generate_frames(
    config: SynthConfig, first_ids: Mapping[str, int] | None = None
) -> dict[str, pd.DataFrame]:
    """The whole cohort as one pandas frame per table: for tests and small cohorts."""
    parts: dict[str, list[pa.Table]] = {label: [] for label in COHORT_TABLES}
    for chunk in generate_chunks(config, first_ids):
        for label, table in chunk.tables.items():
            parts[label].append(table)
    return {
        label: to_frame(pa.concat_tables(tables) if tables else SCHEMAS[label].empty_table())
        for label, tables in parts.items()
    }


def _chunk(
    config: SynthConfig, number: int, count: int, ids: dict[str, int]
) -> dict[str, pa.Table]:
    def stream(step: int) -> np.random.Generator:
        return np.random.default_rng([config.seed, number, step])

    last_visit_day = max(visit.last_day for visit in config.schedule.visits)
    people = draw_people(stream(0), config, ids[PATIENT], count)
    clinical = draw_clinical(stream(1), people, ids[IMAGING])
    episodes = draw_episodes(stream(2), people, clinical, config, ids[EPISODE], last_visit_day)
    tables: dict[str, pa.Table] = {
        PATIENT: patient_table(people, config),
        IDENTITY: identity_table(stream(3), people, config, ids[IDENTITY]),
        CONSENT_SIGNATURE: consent_table(stream(4), people, config, ids[CONSENT_SIGNATURE]),
        EPISODE: episode_table(stream(5), people, clinical, episodes, config),
    }
    tables.update(procedure_day(stream(6), people, clinical, episodes, config, ids))
    follow = follow_up(stream(7), people, clinical, episodes, config, ids)
    imaging, findings = _imaging(
        stream(8), people, clinical, episodes, follow.twelve_month_day, config, ids
    )
    tables[IMAGING] = imaging
    tables[FINDING] = findings
    tables[DIAGNOSIS] = diagnosis_table(stream(9), people, clinical, ids[DIAGNOSIS])
    tables[CONSERVATIVE_CARE] = conservative_care_table(stream(10), people, ids[CONSERVATIVE_CARE])
    tables[PRIOR_PROCEDURE] = prior_procedure_table(
        stream(11), people, clinical, ids[PRIOR_PROCEDURE]
    )
    tables[REINTERVENTION] = reintervention_table(
        stream(12), people, clinical, episodes, config, last_visit_day, ids[REINTERVENTION]
    )
    tables.update(follow.tables)
    tables[ADVERSE_EVENT] = adverse_event_table(
        stream(13), people, clinical, episodes, config, ids[ADVERSE_EVENT]
    )
    # Patients last: the episode step set their death and withdrawal dates.
    tables[PATIENT] = patient_table(people, config)
    return {label: tables[label] for label in COHORT_TABLES}


def _imaging(
    rng: np.random.Generator,
    people: People,
    clinical: Clinical,
    episodes: Episodes,
    twelve_month_day: IntArray,
    config: SynthConfig,
    ids: dict[str, int],
) -> tuple[pa.Table, pa.Table]:
    """The diagnostic MRI of every patient, and a 12-month MRI for some BMAC disc patients
    who came to that visit, with one grade better at some treated levels."""
    count = people.count
    imaged = np.flatnonzero(
        (twelve_month_day != NO_DAY)
        & (episodes.kind == BMAC)
        & (clinical.condition == DISC)
        & (rng.random(count) < FOLLOW_UP_MRI_SHARE)
    )
    later = len(imaged)
    today = epoch_day(config.today)
    study_day = np.minimum(twelve_month_day[imaged] + uniform_int(rng, -7, 14, later), today)
    follow_up_ids = ids[IMAGING] + count + np.arange(later, dtype=np.int64)
    imaging = build_table(
        IMAGING,
        count + later,
        {
            "id": np.r_[clinical.imaging_id, follow_up_ids],
            "patient_id": np.r_[people.patient_id, people.patient_id[imaged]],
            "modality": "mri",
            "study_date": dates(np.r_[clinical.imaging_day, study_day]),
            "episode_id": pa.array(
                np.r_[np.zeros(count, np.int64), episodes.episode_id[imaged]],
                mask=np.r_[np.ones(count, bool), np.zeros(later, bool)],
            ),
            "timepoint": lookup(
                ("", "12mo"), np.r_[np.zeros(count, np.int64), np.ones(later, np.int64)]
            ),
        },
    )
    # Findings: the diagnostic reading of every level, then the 12-month reading.
    follow_position = np.full(count, -1, dtype=np.int64)
    follow_position[imaged] = np.arange(later)
    level_rows = np.flatnonzero(follow_position[clinical.level_owner] >= 0)
    improved = (rng.random(len(level_rows)) < GRADE_IMPROVED_SHARE) & (
        clinical.pfirrmann[level_rows] > 1
    )
    heights = clinical.heights_mm[level_rows] + np.where(improved, 0.4, 0.0)[:, None]
    hiz = clinical.hiz[level_rows] & (rng.random(len(level_rows)) >= 0.2)
    findings = finding_table(
        rng,
        np.r_[
            clinical.imaging_id[clinical.level_owner],
            follow_up_ids[follow_position[clinical.level_owner[level_rows]]],
        ],
        np.r_[clinical.level, clinical.level[level_rows]],
        np.r_[clinical.pfirrmann, clinical.pfirrmann[level_rows] - improved],
        np.r_[clinical.modic, clinical.modic[level_rows]],
        np.r_[clinical.hiz, hiz],
        np.round(np.vstack([clinical.heights_mm, heights]), 1).astype(np.float64),
        np.r_[clinical.facet_arthropathy, clinical.facet_arthropathy[level_rows]],
        ids[FINDING],
    )
    return imaging, findings


# Reference rows for a standalone Parquet cohort (a database load uses its own clinics).
CONSENT_VERSION = "synthetic-1"
CONSENT_TITLES = {
    "en": "Registry consent (synthetic demo)",
    "es": "Consentimiento del registro (demostración sintética)",
}
CONSENT_BODIES = {
    "en": "Demonstration text for synthetic records. It is not a consent form and has no "
    "legal meaning.",
    "es": "Texto de demostración para registros sintéticos. No es un formulario de "
    "consentimiento y no tiene valor legal.",
}


def reference_tables(config: SynthConfig, clinic_names: Mapping[str, str]) -> dict[str, pa.Table]:
    """Clinic and consent-document rows matching `config` (ids from its ClinicRef and
    ConsentDocumentRef entries), for a Parquet directory that stands on its own."""
    clinics = config.clinics
    created_day = epoch_day(config.today - timedelta(days=7 * 365))
    clinic_table = build_table(
        CLINIC,
        len(clinics),
        {
            "id": np.array([c.id for c in clinics], dtype=np.int64),
            "name": pa.array([clinic_names.get(c.code, c.code) for c in clinics]),
            "code": pa.array([c.code for c in clinics]),
            "timezone": "UTC",
            "created_at": instants(np.full(len(clinics), created_day * 86_400, dtype=np.int64)),
        },
    )
    documents = config.consent_documents
    document_table = build_table(
        CONSENT_DOCUMENT,
        len(documents),
        {
            "id": np.array([d.id for d in documents], dtype=np.int64),
            "clinic_id": np.array([d.clinic_id for d in documents], dtype=np.int64),
            "version": CONSENT_VERSION,
            "language": pa.array([d.language for d in documents], type=pa.string()),
            "title": pa.array([CONSENT_TITLES[d.language] for d in documents], type=pa.string()),
            "body": pa.array([CONSENT_BODIES[d.language] for d in documents], type=pa.string()),
            "sha256": pa.array([d.sha256 for d in documents], type=pa.string()),
            "effective_date": dates(np.full(len(documents), created_day, dtype=np.int64)),
            "retired_date": None,
        },
    )
    return {CLINIC: clinic_table, CONSENT_DOCUMENT: document_table}


def standalone_config(
    *,
    clinic_codes: tuple[str, ...],
    patients: int,
    seed: int,
    today: date,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
) -> SynthConfig:
    """A config for a cohort outside any database: clinics numbered 1…k in the given order
    and one synthetic consent document per clinic and language."""
    clinics = tuple(
        ClinicRef(id=position + 1, code=code) for position, code in enumerate(clinic_codes)
    )
    documents = tuple(
        ConsentDocumentRef(
            id=position * len(LANGUAGES) + offset + 1,
            clinic_id=clinic.id,
            language=language,
            sha256=hashlib.sha256(CONSENT_BODIES[language].encode("utf-8")).hexdigest(),
        )
        for position, clinic in enumerate(clinics)
        for offset, language in enumerate(LANGUAGES)
    )
    return SynthConfig(
        clinics=clinics,
        patients=patients,
        seed=seed,
        today=today,
        consent_documents=documents,
        chunk_size=chunk_size,
    )

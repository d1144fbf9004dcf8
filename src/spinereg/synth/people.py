"""Patients, their identity rows and consent signatures.

Distributions (docs/synthetic-cohort.md lists each with its source or as an assumption):
age at enrolment normal(47, 10) years kept to 25–75 (BMAC series enrol 18–61, median age 40:
Pettine 2015; registry populations run older), 52% female, ≈ 85% English / 15% Spanish,
enrolment uniform over the six years before `today`."""

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from spinereg.synth import names
from spinereg.synth.arrays import (
    SECONDS_PER_DAY,
    BoolArray,
    FloatArray,
    IntArray,
    base32_codes,
    choose,
    dates,
    day_to_year,
    epoch_day,
    feistel_permute,
    instants,
    int_text,
    join,
    lookup,
    uniform_int,
)
from spinereg.synth.config import SynthConfig
from spinereg.synth.schema import CONSENT_SIGNATURE, IDENTITY, PATIENT, build_table

SEXES = ("female", "male", "other", "unknown")
SEX_WEIGHTS = (0.52, 0.47, 0.005, 0.005)
LANGUAGES = ("en", "es")
LANGUAGE_WEIGHTS = (0.85, 0.15)
ENROLMENT_SPAN_DAYS = 6 * 365
AGE_MEAN_YEARS, AGE_SD_YEARS, AGE_MIN_YEARS, AGE_MAX_YEARS = 47.0, 10.0, 25.0, 75.0
PSEUDONYM_BITS = 50  # 10 Crockford base32 digits


@dataclass(slots=True)
class People:
    """Per-patient arrays of one chunk; later steps read them."""

    patient_id: IntArray
    clinic_index: IntArray
    sex: IntArray
    language: IntArray
    birth_day: IntArray
    age_years: FloatArray
    enrolled_day: IntArray
    # Filled by the episode step (death and withdrawal come after the index procedure).
    deceased_day: IntArray
    withdrawn_day: IntArray
    given_name: pa.Array
    family_name: pa.Array

    @property
    def count(self) -> int:
        return len(self.patient_id)

    @property
    def exit_day(self) -> IntArray:
        """Last day anything can happen to a patient: death, withdrawal or `today`."""
        stopped: IntArray = np.minimum(self.deceased_day, self.withdrawn_day)
        return stopped


NO_DAY = np.iinfo(np.int32).max


def draw_people(rng: np.random.Generator, config: SynthConfig, first_id: int, count: int) -> People:
    today = epoch_day(config.today)
    patient_id = np.arange(first_id, first_id + count, dtype=np.int64)
    clinic_index = rng.integers(0, len(config.clinics), count).astype(np.int64)
    sex = choose(rng, count, SEX_WEIGHTS).astype(np.int64)
    language = choose(rng, count, LANGUAGE_WEIGHTS).astype(np.int64)
    age = rng.normal(AGE_MEAN_YEARS, AGE_SD_YEARS, count)
    outside = (age < AGE_MIN_YEARS) | (age > AGE_MAX_YEARS)
    age[outside] = rng.uniform(AGE_MIN_YEARS, AGE_MAX_YEARS, int(outside.sum()))
    enrolled_day = today - uniform_int(rng, 14, ENROLMENT_SPAN_DAYS, count)
    birth_day = enrolled_day - np.floor(age * 365.25).astype(np.int64)
    given_name, family_name = _draw_names(rng, sex, language)
    return People(
        patient_id=patient_id,
        clinic_index=clinic_index,
        sex=sex,
        language=language,
        birth_day=birth_day,
        age_years=age,
        enrolled_day=enrolled_day,
        deceased_day=np.full(count, NO_DAY, dtype=np.int64),
        withdrawn_day=np.full(count, NO_DAY, dtype=np.int64),
        given_name=given_name,
        family_name=family_name,
    )


def _draw_names(
    rng: np.random.Generator, sex: IntArray, language: IntArray
) -> tuple[pa.Array, pa.Array]:
    count = len(sex)
    # Given names of all four (language, sex) lists in one table; pick the list's offset.
    tables = [names.GIVEN[lang][male] for lang in (0, 1) for male in (0, 1)]
    flat = [name for table in tables for name in table]
    starts = np.cumsum([0, *[len(table) for table in tables]])[:-1]
    lengths = np.array([len(table) for table in tables])
    male = np.where(sex >= 2, rng.integers(0, 2, count), sex)
    which = language * 2 + male
    given_index = starts[which] + np.floor(rng.random(count) * lengths[which]).astype(np.int64)
    family_flat = [*names.FAMILY[0], *names.FAMILY[1]]
    family_lengths = np.array([len(names.FAMILY[0]), len(names.FAMILY[1])])
    family_start = np.where(language == 1, len(names.FAMILY[0]), 0)
    family_index = family_start + np.floor(rng.random(count) * family_lengths[language]).astype(
        np.int64
    )
    return lookup(flat, given_index), lookup(family_flat, family_index)


def pseudonyms(seed: int, patient_id: IntArray) -> pa.Array:
    """'P' + 10 base32 digits: a seed-keyed permutation of the patient id, so distinct ids give
    distinct codes (no uniqueness check needed) while the code reveals nothing of the id."""
    permuted = feistel_permute(patient_id.astype(np.uint64), seed, PSEUDONYM_BITS)
    return base32_codes("P", permuted, PSEUDONYM_BITS // 5)


def patient_table(people: People, config: SynthConfig) -> pa.Table:
    clinic_ids = np.array([clinic.id for clinic in config.clinics], dtype=np.int64)
    deceased: BoolArray = people.deceased_day == NO_DAY
    withdrawn: BoolArray = people.withdrawn_day == NO_DAY
    return build_table(
        PATIENT,
        people.count,
        {
            "id": people.patient_id,
            "clinic_id": clinic_ids[people.clinic_index],
            "pseudonym": pseudonyms(config.seed, people.patient_id),
            "sex": lookup(SEXES, people.sex),
            "birth_year": day_to_year(people.birth_day),
            "language": lookup(LANGUAGES, people.language),
            "user_id": None,
            "enrolled_date": dates(people.enrolled_day),
            "deceased_date": dates(np.where(deceased, 0, people.deceased_day), deceased),
            "withdrawn_date": dates(np.where(withdrawn, 0, people.withdrawn_day), withdrawn),
        },
    )


def identity_table(
    rng: np.random.Generator, people: People, config: SynthConfig, first_id: int
) -> pa.Table:
    count = people.count
    clinic_prefix = [clinic.code.upper()[:12] + "-" for clinic in config.clinics]
    mrn = join(lookup(clinic_prefix, people.clinic_index), int_text(people.patient_id, 8))
    given_ascii = pc.utf8_lower(_fold(people.given_name))
    family_ascii = pc.utf8_lower(_fold(people.family_name))
    email = join(given_ascii, ".", family_ascii, ".", int_text(people.patient_id), "@example.org")
    has_email = rng.random(count) < 0.9
    email = pc.if_else(pa.array(has_email), email, "")
    phone = join(
        "+1 ",
        lookup(names.AREA_CODES, rng.integers(0, len(names.AREA_CODES), count)),
        " 555-01",
        int_text(rng.integers(0, 100, count), 2),
    )
    has_address = rng.random(count) < 0.8
    address = join(
        int_text(rng.integers(1, 9900, count)),
        " ",
        lookup(names.STREETS, rng.integers(0, len(names.STREETS), count)),
        " ",
        lookup(names.STREET_KINDS, rng.integers(0, len(names.STREET_KINDS), count)),
    )
    city = lookup(names.CITIES, rng.integers(0, len(names.CITIES), count))
    postal = int_text(rng.integers(10000, 99999, count), 5)
    mask = pa.array(has_address)
    return build_table(
        IDENTITY,
        count,
        {
            "id": np.arange(first_id, first_id + count, dtype=np.int64),
            "patient_id": people.patient_id,
            "given_name": people.given_name,
            "family_name": people.family_name,
            "birth_date": dates(people.birth_day),
            "mrn": mrn,
            "email": email,
            "phone": phone,
            "address": pc.if_else(mask, address, ""),
            "city": pc.if_else(mask, city, ""),
            "postal_code": pc.if_else(mask, postal, ""),
        },
    )


def _fold(values: pa.Array) -> pa.Array:
    """ASCII-fold a column drawn from the small name lists (fold each distinct name once)."""
    encoded = pc.dictionary_encode(values)
    folded = [names.ascii_fold(name) for name in encoded.dictionary.to_pylist()]
    return pa.array(folded, type=pa.string()).take(encoded.indices)


def clinic_offsets_seconds(config: SynthConfig) -> IntArray:
    """UTC offset of each clinic in seconds: a local clock time minus this is UTC."""
    return np.array([c.utc_offset_minutes * 60 for c in config.clinics], dtype=np.int64)


def consent_table(
    rng: np.random.Generator, people: People, config: SynthConfig, first_id: int
) -> pa.Table:
    """One signature per patient on enrolment day, where the clinic has a document in the
    patient's language (else in any language of that clinic; else none)."""
    documents = {(doc.clinic_id, doc.language): doc for doc in config.consent_documents}
    by_clinic = {doc.clinic_id: doc for doc in config.consent_documents}
    # choice[clinic position, language position] → position in document_ids, or -1.
    choice = np.full((len(config.clinics), len(LANGUAGES)), -1, dtype=np.int64)
    document_ids: list[int] = []
    document_shas: list[str] = []
    for clinic_position, clinic in enumerate(config.clinics):
        for language_position, language in enumerate(LANGUAGES):
            doc = documents.get((clinic.id, language), by_clinic.get(clinic.id))
            if doc is not None:
                choice[clinic_position, language_position] = len(document_ids)
                document_ids.append(doc.id)
                document_shas.append(doc.sha256)
    which = choice[people.clinic_index, people.language]
    signs = which >= 0
    chosen = which[signs]
    count = int(signs.sum())
    signed_at = (
        people.enrolled_day[signs] * SECONDS_PER_DAY
        + uniform_int(rng, 9 * 3600, 17 * 3600, count)
        - clinic_offsets_seconds(config)[people.clinic_index[signs]]
    )
    mask = pa.array(signs)
    return build_table(
        CONSENT_SIGNATURE,
        count,
        {
            "id": np.arange(first_id, first_id + count, dtype=np.int64),
            "patient_id": people.patient_id[signs],
            "document_id": np.array(document_ids, dtype=np.int64)[chosen],
            "typed_name": join(
                people.given_name.filter(mask), " ", people.family_name.filter(mask)
            ),
            "agreed": True,
            "signed_at": instants(signed_at),
            "document_sha256": lookup(document_shas, chosen),
        },
    )

"""The tables the synthetic cohort fills: one Arrow schema per Django model, keyed by the
model's label, with the model's database column names (foreign keys end in `_id`).

The registry loader checks these column lists against each model's concrete fields, so a
model change fails loudly there rather than loading half a row. JSON fields are JSON text."""

import numpy as np
import pandas as pd
import pyarrow as pa

from spinereg.core.errors import RuleViolation

ID = pa.int64()
TEXT = pa.string()
DATE = pa.date32()
INSTANT = pa.timestamp("us", tz="UTC")
FLOAT = pa.float64()
FLAG = pa.bool_()


def _schema(*columns: tuple[str, pa.DataType]) -> pa.Schema:
    return pa.schema([pa.field(name, kind) for name, kind in columns])


# Reference tables: written by the Parquet writer only (the database already has its clinics).
CLINIC = "accounts.clinic"
CONSENT_DOCUMENT = "consent.consentdocument"

PATIENT = "patients.patient"
IDENTITY = "patients.patientidentity"
CONSENT_SIGNATURE = "consent.consentsignature"
EPISODE = "episodes.episode"
IMAGING = "patients.imagingstudy"
FINDING = "patients.discfinding"
DIAGNOSIS = "patients.diagnosis"
CONSERVATIVE_CARE = "patients.conservativecare"
PRIOR_PROCEDURE = "patients.priorprocedure"
HARVEST = "episodes.harvest"
PROCESSING = "episodes.processing"
COMPOSITION = "episodes.composition"
PRODUCT = "episodes.product"
INJECTION = "episodes.injection"
REINTERVENTION = "episodes.reintervention"
SCHEDULE_ITEM = "followup.scheduleitem"
RESPONSE = "outcomes.questionnaireresponse"
ADVERSE_EVENT = "outcomes.adverseevent"

SCHEMAS: dict[str, pa.Schema] = {
    CLINIC: _schema(
        ("id", ID), ("name", TEXT), ("code", TEXT), ("timezone", TEXT), ("created_at", INSTANT)
    ),
    CONSENT_DOCUMENT: _schema(
        ("id", ID),
        ("clinic_id", ID),
        ("version", TEXT),
        ("language", TEXT),
        ("title", TEXT),
        ("body", TEXT),
        ("sha256", TEXT),
        ("effective_date", DATE),
        ("retired_date", DATE),
    ),
    PATIENT: _schema(
        ("id", ID),
        ("clinic_id", ID),
        ("pseudonym", TEXT),
        ("sex", TEXT),
        ("birth_year", ID),
        ("language", TEXT),
        ("user_id", ID),
        ("enrolled_date", DATE),
        ("deceased_date", DATE),
        ("withdrawn_date", DATE),
    ),
    IDENTITY: _schema(
        ("id", ID),
        ("patient_id", ID),
        ("given_name", TEXT),
        ("family_name", TEXT),
        ("birth_date", DATE),
        ("mrn", TEXT),
        ("email", TEXT),
        ("phone", TEXT),
        ("address", TEXT),
        ("city", TEXT),
        ("postal_code", TEXT),
    ),
    CONSENT_SIGNATURE: _schema(
        ("id", ID),
        ("patient_id", ID),
        ("document_id", ID),
        ("typed_name", TEXT),
        ("agreed", FLAG),
        ("signed_at", INSTANT),
        ("document_sha256", TEXT),
    ),
    EPISODE: _schema(
        ("id", ID),
        ("clinic_id", ID),
        ("patient_id", ID),
        ("kind", TEXT),
        ("condition", TEXT),
        ("index_date", DATE),
        ("status", TEXT),
        ("signed_at", INSTANT),
        ("signed_by_id", ID),
        ("created_at", INSTANT),
    ),
    IMAGING: _schema(
        ("id", ID),
        ("patient_id", ID),
        ("modality", TEXT),
        ("study_date", DATE),
        ("episode_id", ID),
        ("timepoint", TEXT),
    ),
    FINDING: _schema(
        ("id", ID),
        ("imaging_id", ID),
        ("level", TEXT),
        ("pfirrmann_grade", ID),
        ("pfirrmann_scheme", TEXT),
        ("modic", TEXT),
        ("hiz", FLAG),
        ("hiz_location", TEXT),
        ("disc_height_anterior_mm", FLOAT),
        ("disc_height_middle_mm", FLOAT),
        ("disc_height_posterior_mm", FLOAT),
        ("facet_arthropathy", FLAG),
    ),
    DIAGNOSIS: _schema(
        ("id", ID),
        ("patient_id", ID),
        ("condition", TEXT),
        ("level", TEXT),
        ("side", TEXT),
        ("diagnosed_date", DATE),
        ("confirmed_by_id", ID),
    ),
    CONSERVATIVE_CARE: _schema(
        ("id", ID),
        ("patient_id", ID),
        ("kind", TEXT),
        ("detail", TEXT),
        ("start_date", DATE),
        ("duration_weeks", ID),
        ("supervised", FLAG),
    ),
    PRIOR_PROCEDURE: _schema(
        ("id", ID),
        ("patient_id", ID),
        ("kind", TEXT),
        ("level", TEXT),
        ("side", TEXT),
        ("procedure_date", DATE),
        ("relief_percent", ID),
        ("relief_duration_weeks", ID),
    ),
    HARVEST: _schema(
        ("id", ID),
        ("episode_id", ID),
        ("harvested_at", INSTANT),
        ("site", TEXT),
        ("side", TEXT),
        ("aspirate_volume_ml", FLOAT),
        ("anticoagulant", TEXT),
        ("anticoagulant_volume_ml", FLOAT),
        ("performed_by_id", ID),
    ),
    PROCESSING: _schema(
        ("id", ID),
        ("episode_id", ID),
        ("system", TEXT),
        ("lot_number", TEXT),
        ("g_force", ID),
        ("spin_minutes", FLOAT),
        ("spins", ID),
        ("started_at", INSTANT),
        ("ended_at", INSTANT),
        ("concentrate_volume_ml", FLOAT),
        ("performed_by_id", ID),
    ),
    COMPOSITION: _schema(
        ("id", ID),
        ("processing_id", ID),
        ("fraction", TEXT),
        ("tnc_per_ml", FLOAT),
        ("mnc_per_ml", FLOAT),
        ("cfu_f_per_ml", FLOAT),
        ("cd34_per_ml", FLOAT),
        ("platelets_per_ml", FLOAT),
        ("viability_percent", FLOAT),
        ("hematocrit_percent", FLOAT),
    ),
    PRODUCT: _schema(
        ("id", ID),
        ("episode_id", ID),
        ("product_code", TEXT),
        ("labelled_at", INSTANT),
        ("expires_at", INSTANT),
        ("used_at", INSTANT),
    ),
    INJECTION: _schema(
        ("id", ID),
        ("episode_id", ID),
        ("approach", TEXT),
        ("level", TEXT),
        ("side", TEXT),
        ("guidance", TEXT),
        ("needle_gauge", ID),
        ("contrast", FLAG),
        ("volume_ml", FLOAT),
        ("injected_at", INSTANT),
    ),
    REINTERVENTION: _schema(
        ("id", ID),
        ("episode_id", ID),
        ("kind", TEXT),
        ("at_index_level", FLAG),
        ("procedure_date", DATE),
        ("note", TEXT),
    ),
    SCHEDULE_ITEM: _schema(
        ("id", ID),
        ("episode_id", ID),
        ("visit", TEXT),
        ("target_date", DATE),
        ("window_start", DATE),
        ("window_end", DATE),
        ("instruments", TEXT),
        ("completed_at", INSTANT),
        ("schedule_version", TEXT),
    ),
    RESPONSE: _schema(
        ("id", ID),
        ("patient_id", ID),
        ("episode_id", ID),
        ("schedule_item_id", ID),
        ("instrument_id", TEXT),
        ("instrument_version", TEXT),
        ("answers", TEXT),
        ("value", FLOAT),
        ("subscores", TEXT),
        ("not_scored_reason", TEXT),
        ("scoring_version", TEXT),
        ("timepoint", TEXT),
        ("days_from_index", ID),
        ("out_of_window", FLAG),
        ("completed_at", INSTANT),
        ("mode", TEXT),
        ("status", TEXT),
    ),
    ADVERSE_EVENT: _schema(
        ("id", ID),
        ("patient_id", ID),
        ("episode_id", ID),
        ("code", TEXT),
        ("description", TEXT),
        ("onset_date", DATE),
        ("resolved_date", DATE),
        ("severity_grade", ID),
        ("serious", FLAG),
        ("results_in_death", FLAG),
        ("life_threatening", FLAG),
        ("hospitalisation", FLAG),
        ("disability", FLAG),
        ("medically_important", FLAG),
        ("related_harvest", TEXT),
        ("related_injection", TEXT),
        ("related_product", TEXT),
        ("related_medication", TEXT),
    ),
}

# Parents before children, so every foreign key points at a row already written.
COHORT_TABLES: tuple[str, ...] = (
    PATIENT,
    IDENTITY,
    CONSENT_SIGNATURE,
    EPISODE,
    IMAGING,
    FINDING,
    DIAGNOSIS,
    CONSERVATIVE_CARE,
    PRIOR_PROCEDURE,
    HARVEST,
    PROCESSING,
    COMPOSITION,
    PRODUCT,
    INJECTION,
    REINTERVENTION,
    SCHEDULE_ITEM,
    RESPONSE,
    ADVERSE_EVENT,
)
REFERENCE_TABLES: tuple[str, ...] = (CLINIC, CONSENT_DOCUMENT)
# JSON fields travel as JSON text.
JSON_COLUMNS: dict[str, tuple[str, ...]] = {
    SCHEDULE_ITEM: ("instruments",),
    RESPONSE: ("answers", "subscores"),
}


def build_table(label: str, rows: int, columns: dict[str, object]) -> pa.Table:
    """An Arrow table with exactly the model's columns, in the model's order and types. A
    column given as None is all null; a str or bool is repeated on every row."""
    schema = SCHEMAS[label]
    if set(columns) != set(schema.names):
        missing = sorted(set(schema.names) - set(columns))
        extra = sorted(set(columns) - set(schema.names))
        raise RuleViolation(
            field=label, rule="columns", message=f"missing {missing}, unexpected {extra}"
        )
    arrays = [
        _column(f"{label}.{name}", columns[name], schema.field(name).type, rows)
        for name in schema.names
    ]
    return pa.Table.from_arrays(arrays, schema=schema)


def _column(name: str, value: object, kind: pa.DataType, rows: int) -> pa.Array:
    if value is None:
        return pa.nulls(rows, type=kind)
    if isinstance(value, str | bool):
        return pa.array([value], type=kind).take(pa.array(np.zeros(rows, dtype=np.int64)))
    if isinstance(value, pa.Array | pa.ChunkedArray):
        column = value if value.type == kind else value.cast(kind)
    else:
        column = pa.array(value, type=kind)
    if len(column) != rows:
        raise RuleViolation(
            field=name, rule="length", message=f"{len(column)} values for {rows} rows"
        )
    return column


def to_frame(table: pa.Table) -> pd.DataFrame:
    """Arrow-backed pandas frame: no copy, and nulls stay nulls in every column type."""
    frame: pd.DataFrame = table.to_pandas(types_mapper=pd.ArrowDtype)
    return frame

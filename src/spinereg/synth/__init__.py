"""Deterministic, realistic synthetic cohort (pure: numpy, pandas and pyarrow, no Django).
Tables come out as Arrow tables or pandas frames with the database column names and explicit
primary keys; `spinereg.registry.synthetic` loads them, `write_parquet` stores them."""

from spinereg.synth.cohort import (
    Chunk,
    generate_chunks,
    generate_frames,
    reference_tables,
    standalone_config,
)
from spinereg.synth.config import ClinicRef, ConsentDocumentRef, SynthConfig
from spinereg.synth.parquet import write_parquet
from spinereg.synth.schema import COHORT_TABLES, JSON_COLUMNS, REFERENCE_TABLES, SCHEMAS

__all__ = [
    "COHORT_TABLES",
    "JSON_COLUMNS",
    "REFERENCE_TABLES",
    "SCHEMAS",
    "Chunk",
    "ClinicRef",
    "ConsentDocumentRef",
    "SynthConfig",
    "generate_chunks",
    "generate_frames",
    "reference_tables",
    "standalone_config",
    "write_parquet",
]

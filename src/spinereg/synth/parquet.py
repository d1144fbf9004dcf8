"""Write a synthetic cohort to a directory of Parquet files: one file per table
(`<app>.<model>.parquet`, one row group per chunk) and `manifest.json` recording how it was
made. JSON fields are stored as JSON text columns."""

import json
from collections.abc import Callable, Mapping
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from spinereg.synth.cohort import generate_chunks
from spinereg.synth.config import SynthConfig
from spinereg.synth.schema import COHORT_TABLES, SCHEMAS

COMPRESSION = "zstd"


def write_parquet(
    config: SynthConfig,
    out_dir: Path,
    *,
    reference: Mapping[str, pa.Table] | None = None,
    progress: Callable[[int], None] | None = None,
) -> dict[str, int]:
    """Generate the cohort chunk by chunk into `out_dir`; returns rows written per table.
    `progress` is called with the patients of each finished chunk."""
    out_dir.mkdir(parents=True, exist_ok=True)
    counts = dict.fromkeys((*(reference or {}), *COHORT_TABLES), 0)
    for label, table in (reference or {}).items():
        pq.write_table(table, out_dir / f"{label}.parquet", compression=COMPRESSION)
        counts[label] = table.num_rows
    writers = {
        label: pq.ParquetWriter(
            out_dir / f"{label}.parquet", SCHEMAS[label], compression=COMPRESSION
        )
        for label in COHORT_TABLES
    }
    try:
        for chunk in generate_chunks(config):
            for label, table in chunk.tables.items():
                writers[label].write_table(table)
                counts[label] += table.num_rows
            if progress is not None:
                progress(chunk.patients)
    finally:
        for writer in writers.values():
            writer.close()
    manifest = {
        "generator": "spinereg.synth",
        "patients": config.patients,
        "seed": config.seed,
        "today": config.today.isoformat(),
        "chunk_size": config.chunk_size,
        "schedule": {"id": config.schedule.id, "version": config.schedule.version},
        "clinics": [{"id": c.id, "code": c.code} for c in config.clinics],
        "rows": counts,
    }
    (out_dir / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
    return counts

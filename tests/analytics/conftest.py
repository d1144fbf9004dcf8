"""A synthetic analysis dataset for the report tests, built once per session."""

from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from spinereg.interop.analysis_build import analysis_dataset_from_synthetic
from spinereg.synth import reference_tables, standalone_config, write_parquet


@pytest.fixture(scope="session")
def report_dataset(tmp_path_factory: pytest.TempPathFactory) -> Any:
    out = tmp_path_factory.mktemp("report-cohort")
    config = standalone_config(
        clinic_codes=("north", "south"),
        patients=900,
        seed=8,
        today=date(2026, 11, 1),
        chunk_size=300,
    )
    write_parquet(config, out, reference=reference_tables(config, {"north": "N", "south": "S"}))
    return analysis_dataset_from_synthetic(Path(out))


def with_frames(dataset: Any, **frames: Any) -> Any:
    """A copy of `dataset` with some tables replaced."""
    return replace(dataset, **frames)

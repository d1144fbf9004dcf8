"""A small synthetic cohort written to Parquet once per session, as `spinereg synth --out`
writes it."""

from datetime import date
from pathlib import Path

import pytest

from spinereg.synth import reference_tables, standalone_config, write_parquet

TODAY = date(2026, 11, 1)


@pytest.fixture(scope="session")
def synthetic_cohort(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("cohort")
    config = standalone_config(
        clinic_codes=("north", "south"), patients=400, seed=5, today=TODAY, chunk_size=200
    )
    names = {"north": "North (demo)", "south": "South (demo)"}
    write_parquet(config, out, reference=reference_tables(config, names))
    return out

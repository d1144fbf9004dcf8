"""One 2,000-patient cohort shared by the pure synthetic-cohort tests (generated once, about
a quarter of a second), in chunks of 700 so chunk boundaries are crossed."""

from datetime import date

import pandas as pd
import pytest

from spinereg.synth import SynthConfig, generate_frames, standalone_config

TODAY = date(2026, 11, 1)


def small_config(patients: int = 2000, seed: int = 7, chunk_size: int = 700) -> SynthConfig:
    return standalone_config(
        clinic_codes=("north", "south"),
        patients=patients,
        seed=seed,
        today=TODAY,
        chunk_size=chunk_size,
    )


@pytest.fixture(scope="session")
def cohort_config() -> SynthConfig:
    return small_config()


@pytest.fixture(scope="session")
def cohort(cohort_config: SynthConfig) -> dict[str, pd.DataFrame]:
    return generate_frames(cohort_config)

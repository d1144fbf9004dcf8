"""The analysis dataset read from the database equals the one built from the same rows as
Parquet (the synthetic cohort's path), is scoped to the researcher's clinics, and carries no
identity."""

from datetime import date
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from spinereg.core.errors import RuleViolation
from spinereg.interop.analysis_build import build_analysis_dataset, read_registry_parquet
from spinereg.interop.analysis_dataset import TABLES, validate
from spinereg.registry.accounts.models import Clinic
from spinereg.registry.exports import analysis_dataset_for_clinics, research_analysis_dataset
from spinereg.registry.patients.models import PatientIdentity
from spinereg.registry.synthetic import synth_config, synth_load, synth_next_ids
from spinereg.synth import generate_frames
from tests import factories

TODAY = date(2026, 11, 1)


@pytest.fixture
def loaded(db, tmp_path: Path):
    """60 synthetic patients over two clinics in the database, and the same rows as Parquet."""
    north = Clinic.objects.create(code="north", name="North")
    Clinic.objects.create(code="south", name="South")
    config = synth_config(patients=60, seed=3, today=TODAY, chunk_size=30)
    frames = generate_frames(config, synth_next_ids())
    synth_load(config=config)
    for label, frame in frames.items():
        pq.write_table(
            pa.Table.from_pandas(frame, preserve_index=False), tmp_path / f"{label}.parquet"
        )
    clinics = pd.DataFrame(list(Clinic.objects.values("id", "code")))
    pq.write_table(pa.Table.from_pandas(clinics), tmp_path / "accounts.clinic.parquet")
    return tmp_path, north


def test_database_and_parquet_give_the_same_dataset(loaded) -> None:
    directory, _ = loaded
    from_parquet = build_analysis_dataset(read_registry_parquet(directory), as_of=TODAY)
    from_database = analysis_dataset_for_clinics(as_of=TODAY)
    validate(from_database.frames())
    assert len(from_database.outcomes) > 60 * 10
    for table in TABLES:
        pd.testing.assert_frame_equal(
            from_database.frames()[table], from_parquet.frames()[table], obj=table
        )
    assert from_database.is_synthetic  # the bulk loader's audit entry marks the data


def test_a_researcher_sees_only_their_clinics(loaded) -> None:
    _, north = loaded
    researcher = factories.MembershipFactory(clinic=north, role="researcher").user
    dataset = research_analysis_dataset(researcher, as_of=TODAY)
    everything = analysis_dataset_for_clinics(as_of=TODAY)
    assert set(dataset.episodes["clinic"]) == {"north"}
    assert len(dataset.episodes) == (everything.episodes["clinic"] == "north").sum()
    assert set(dataset.outcomes["clinic"]) == {"north"}
    assert dataset.metadata["clinics"] == ["north"]
    outsider = factories.UserFactory()
    assert research_analysis_dataset(outsider, as_of=TODAY).episodes.empty


def test_one_clinic_from_the_command_line_scope(loaded) -> None:
    dataset = analysis_dataset_for_clinics(["south"], as_of=TODAY)
    assert set(dataset.episodes["clinic"]) == {"south"}
    with pytest.raises(RuleViolation, match="no clinic"):
        analysis_dataset_for_clinics(["east"], as_of=TODAY)


def test_no_identity_reaches_the_dataset(loaded) -> None:
    dataset = analysis_dataset_for_clinics(as_of=TODAY)
    identities = PatientIdentity.objects.values_list("family_name", "mrn", "email", "phone")
    secrets = {value for row in identities for value in row if value}
    text = {
        str(value)
        for frame in dataset.frames().values()
        for column in frame.columns
        if frame[column].dtype == object or pd.api.types.is_string_dtype(frame[column])
        for value in frame[column].dropna().unique()
    }
    assert secrets
    assert not secrets & text

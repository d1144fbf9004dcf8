"""Foreign keys resolve inside the frames, one-to-one tables stay one-to-one, codes are
unique and every date keeps its order (diagnosis before the episode, nothing after today)."""

import numpy as np
import pandas as pd
import pytest

from spinereg.synth import COHORT_TABLES, generate_frames
from tests.synth.conftest import TODAY, small_config

FOREIGN_KEYS = (
    ("patients.patientidentity", "patient_id", "patients.patient"),
    ("consent.consentsignature", "patient_id", "patients.patient"),
    ("episodes.episode", "patient_id", "patients.patient"),
    ("patients.imagingstudy", "patient_id", "patients.patient"),
    ("patients.imagingstudy", "episode_id", "episodes.episode"),
    ("patients.discfinding", "imaging_id", "patients.imagingstudy"),
    ("patients.diagnosis", "patient_id", "patients.patient"),
    ("patients.diagnosis", "confirmed_by_id", "patients.imagingstudy"),
    ("patients.conservativecare", "patient_id", "patients.patient"),
    ("patients.priorprocedure", "patient_id", "patients.patient"),
    ("episodes.harvest", "episode_id", "episodes.episode"),
    ("episodes.processing", "episode_id", "episodes.episode"),
    ("episodes.composition", "processing_id", "episodes.processing"),
    ("episodes.product", "episode_id", "episodes.episode"),
    ("episodes.injection", "episode_id", "episodes.episode"),
    ("episodes.reintervention", "episode_id", "episodes.episode"),
    ("followup.scheduleitem", "episode_id", "episodes.episode"),
    ("outcomes.questionnaireresponse", "patient_id", "patients.patient"),
    ("outcomes.questionnaireresponse", "episode_id", "episodes.episode"),
    ("outcomes.questionnaireresponse", "schedule_item_id", "followup.scheduleitem"),
    ("outcomes.adverseevent", "patient_id", "patients.patient"),
    ("outcomes.adverseevent", "episode_id", "episodes.episode"),
)


def test_every_foreign_key_resolves(cohort):
    for child, column, parent in FOREIGN_KEYS:
        values = cohort[child][column].dropna()
        assert values.isin(cohort[parent]["id"]).all(), f"{child}.{column}"


def test_the_clinic_and_consent_document_ids_come_from_the_config(cohort, cohort_config):
    clinic_ids = {clinic.id for clinic in cohort_config.clinics}
    assert set(cohort["patients.patient"]["clinic_id"]) == clinic_ids
    episodes = cohort["episodes.episode"].merge(
        cohort["patients.patient"][["id", "clinic_id"]].rename(columns={"id": "patient_id"}),
        on="patient_id",
        suffixes=("", "_patient"),
    )
    assert (episodes["clinic_id"] == episodes["clinic_id_patient"]).all()
    documents = {doc.id: doc for doc in cohort_config.consent_documents}
    signatures = cohort["consent.consentsignature"]
    assert signatures["document_id"].isin(list(documents)).all()
    assert (
        signatures["document_sha256"]
        == signatures["document_id"].map(lambda i: documents[i].sha256)
    ).all()


def test_one_to_one_tables_have_one_row_per_parent(cohort):
    patients = cohort["patients.patient"]
    for label in ("patients.patientidentity", "consent.consentsignature", "episodes.episode"):
        assert cohort[label]["patient_id"].is_unique
        assert len(cohort[label]) == len(patients)
    for label in ("episodes.harvest", "episodes.processing", "episodes.product"):
        assert cohort[label]["episode_id"].is_unique
    composition = cohort["episodes.composition"]
    assert not composition.duplicated(["processing_id", "fraction"]).any()
    schedule = cohort["followup.scheduleitem"]
    assert not schedule.duplicated(["episode_id", "visit"]).any()
    findings = cohort["patients.discfinding"]
    assert not findings.duplicated(["imaging_id", "level"]).any()


def test_codes_are_unique_and_well_formed(cohort):
    pseudonym = cohort["patients.patient"]["pseudonym"]
    assert pseudonym.is_unique
    assert pseudonym.str.fullmatch(r"P[0-9A-HJKMNP-TV-Z]{10}").all()
    assert cohort["episodes.product"]["product_code"].is_unique
    identity = cohort["patients.patientidentity"]
    assert identity["mrn"].is_unique
    emails = identity["email"][identity["email"] != ""]
    assert emails.str.endswith("@example.org").all()
    assert emails.str.fullmatch(r"[a-z]+\.[a-z]+\.\d+@example\.org").all()


def test_birth_date_matches_birth_year_and_age_is_25_to_75(cohort):
    patients = cohort["patients.patient"].merge(
        cohort["patients.patientidentity"], left_on="id", right_on="patient_id"
    )
    birth = pd.to_datetime(patients["birth_date"].astype(str))
    enrolled = pd.to_datetime(patients["enrolled_date"].astype(str))
    assert (birth.dt.year == patients["birth_year"].astype(int)).all()
    age = (enrolled - birth).dt.days / 365.25
    assert age.between(24.9, 75.1).all()
    assert age.between(35, 60).mean() > 0.7


def test_nothing_happens_after_today(cohort):
    today = pd.Timestamp(TODAY)
    checks = (
        ("patients.patient", "enrolled_date"),
        ("patients.patient", "deceased_date"),
        ("patients.patient", "withdrawn_date"),
        ("episodes.episode", "index_date"),
        ("episodes.reintervention", "procedure_date"),
        ("outcomes.adverseevent", "onset_date"),
        ("patients.imagingstudy", "study_date"),
    )
    for label, column in checks:
        values = pd.to_datetime(cohort[label][column].dropna().astype(str))
        assert (values <= today).all(), f"{label}.{column}"
    completed = cohort["outcomes.questionnaireresponse"]["completed_at"]
    assert (completed < pd.Timestamp(TODAY, tz="UTC") + pd.Timedelta(days=1)).all()


def test_the_history_comes_before_the_episode(cohort):
    episodes = cohort["episodes.episode"].dropna(subset=["index_date"])
    index = episodes.set_index("patient_id")["index_date"]
    patients = cohort["patients.patient"].set_index("id")
    assert (index > patients.loc[index.index, "enrolled_date"]).all()
    for label, column in (
        ("patients.diagnosis", "diagnosed_date"),
        ("patients.priorprocedure", "procedure_date"),
        ("patients.conservativecare", "start_date"),
    ):
        rows = cohort[label]
        enrolled = patients.loc[rows["patient_id"], "enrolled_date"].to_numpy()
        assert (rows[column].to_numpy() <= enrolled).all(), label
    diagnosis = cohort["patients.diagnosis"].merge(
        cohort["patients.imagingstudy"], left_on="confirmed_by_id", right_on="id"
    )
    assert (diagnosis["study_date"] <= diagnosis["diagnosed_date"]).all()


def test_planned_episodes_have_no_index_date_and_no_follow_up(cohort):
    episodes = cohort["episodes.episode"]
    planned = episodes[episodes["status"] == "planned"]
    assert len(planned) > 0
    assert planned["index_date"].isna().all()
    assert episodes.loc[episodes["status"] != "planned", "index_date"].notna().all()
    followed = set(cohort["followup.scheduleitem"]["episode_id"])
    assert followed.isdisjoint(planned["id"])
    assert not np.isin(cohort["episodes.harvest"]["episode_id"], planned["id"]).any()


@pytest.mark.parametrize("patients", [0, 1, 3])
def test_tiny_cohorts_have_every_table(patients):
    frames = generate_frames(small_config(patients=patients))
    assert set(frames) == set(COHORT_TABLES)
    assert len(frames["patients.patient"]) == patients
    assert len(frames["episodes.episode"]) == patients

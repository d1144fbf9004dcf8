"""The bulk loader writes exactly the generated rows, with working foreign keys, and a second
load appends after the first with fresh ids. Runs on SQLite and on PostgreSQL
(`DATABASE_URL=postgres://… uv run pytest tests/registry/test_synthetic_load.py`)."""

import json
from datetime import date

import pyarrow as pa
import pytest
from click.testing import CliRunner
from django.apps import apps
from django.db import connection
from django.db.models import F

from spinereg.cli.main import cli
from spinereg.core.errors import RuleViolation
from spinereg.registry.accounts.models import Clinic
from spinereg.registry.audit.models import AuditEntry
from spinereg.registry.consent.models import ConsentDocument, ConsentSignature
from spinereg.registry.episodes.models import Episode, Harvest, Injection, Product
from spinereg.registry.followup.models import ScheduleItem
from spinereg.registry.outcomes.models import QuestionnaireResponse
from spinereg.registry.patients.models import Patient
from spinereg.registry.synthetic import (
    synth_check_columns,
    synth_config,
    synth_load,
    synth_next_ids,
)
from spinereg.synth import COHORT_TABLES, generate_frames

TODAY = date(2026, 11, 1)


def _config(patients=60, seed=11):
    return synth_config(patients=patients, seed=seed, today=TODAY, chunk_size=25)


def _counts():
    return {label: apps.get_model(label).objects.count() for label in COHORT_TABLES}


def test_it_loads_exactly_the_generated_rows(db):
    Clinic.objects.create(code="north", name="North")
    config = _config()
    expected = generate_frames(config, synth_next_ids())
    written = synth_load(config=config)
    assert written == {label: len(frame) for label, frame in expected.items()}
    assert _counts() == written
    assert Patient.objects.count() == 60
    assert QuestionnaireResponse.objects.count() > 60 * 10
    responses = expected["outcomes.questionnaireresponse"]
    stored = QuestionnaireResponse.objects.get(pk=int(responses["id"].iloc[5]))
    assert stored.value == responses["value"].iloc[5]
    assert stored.answers == json.loads(responses["answers"].iloc[5])
    assert stored.completed_at == responses["completed_at"].iloc[5].to_pydatetime()
    harvest = expected["episodes.harvest"].iloc[0]
    stored_harvest = Harvest.objects.get(pk=int(harvest["id"]))
    assert stored_harvest.harvested_at == harvest["harvested_at"].to_pydatetime()
    assert stored_harvest.episode.index_date == harvest["harvested_at"].date()


def test_foreign_keys_resolve_in_the_database(db):
    Clinic.objects.create(code="north", name="North")
    synth_load(config=_config())
    connection.check_constraints()
    scheduled = QuestionnaireResponse.objects.filter(schedule_item__isnull=False)
    assert not scheduled.exclude(schedule_item__episode=F("episode")).exists()
    assert not scheduled.exclude(schedule_item__visit=F("timepoint")).exists()
    unscheduled = QuestionnaireResponse.objects.filter(schedule_item__isnull=True)
    assert unscheduled.count() == QuestionnaireResponse.objects.filter(out_of_window=True).count()
    assert not QuestionnaireResponse.objects.exclude(episode__patient=F("patient")).exists()
    assert not Episode.objects.exclude(clinic=F("patient__clinic")).exists()
    assert not Injection.objects.filter(
        episode__kind="bmac", injected_at__lt=F("episode__harvest__harvested_at")
    ).exists()
    assert not Product.objects.exclude(used_at__gte=F("labelled_at")).exists()
    signature = ConsentSignature.objects.select_related("document").first()
    assert signature.document_sha256 == signature.document.sha256
    assert signature.document.sha256 == ConsentDocument.hash_body(signature.document.body)
    done = ScheduleItem.objects.filter(completed_at__isnull=False)
    assert done.exists()
    assert not done.filter(responses__isnull=True).exists()


def test_a_second_load_appends_with_fresh_ids(db):
    Clinic.objects.create(code="north", name="North")
    first = synth_load(config=_config())
    highest = {
        label: apps.get_model(label).objects.order_by("-pk")[0].pk
        for label in ("patients.patient", "outcomes.questionnaireresponse")
    }
    second = synth_load(config=_config())  # the same seed again
    assert _counts() == {label: first[label] + second[label] for label in COHORT_TABLES}
    assert Patient.objects.filter(pk__gt=highest["patients.patient"]).count() == 60
    assert Patient.objects.values("pseudonym").distinct().count() == 120
    newest = QuestionnaireResponse.objects.filter(pk__gt=highest["outcomes.questionnaireresponse"])
    assert newest.count() == second["outcomes.questionnaireresponse"]
    assert not newest.exclude(patient__pk__gt=highest["patients.patient"]).exists()
    # The application's own inserts continue after the synthetic ids.
    patient = Patient.objects.create(
        clinic=Clinic.objects.get(), pseudonym="PAPP", sex="female", birth_year=1970,
        enrolled_date=TODAY,
    )  # fmt: skip
    assert patient.pk > highest["patients.patient"] + 60
    assert AuditEntry.objects.filter(model="synth.cohort").count() == 2


def test_without_clinics_it_creates_two_demo_clinics(db):
    config = _config(patients=10)
    assert sorted(Clinic.objects.values_list("code", flat=True)) == ["north", "south"]
    assert [clinic.code for clinic in config.clinics] == ["north", "south"]
    assert ConsentDocument.objects.count() == 4


def test_an_unknown_clinic_code_is_refused(db):
    Clinic.objects.create(code="north", name="North")
    with pytest.raises(RuleViolation, match="clinics"):
        synth_config(patients=5, seed=1, today=TODAY, clinic_codes=["north", "nowhere"])


def test_a_frame_that_no_longer_matches_its_model_is_refused(db):
    table = pa.table({"id": [1], "clinic_id": [1]})
    with pytest.raises(RuleViolation, match="columns_match_model"):
        synth_check_columns("patients.patient", table)


def test_a_null_in_a_not_null_column_is_refused(db):
    Clinic.objects.create(code="north", name="North")
    frames = generate_frames(_config(patients=3))
    patients = pa.Table.from_pandas(frames["patients.patient"], preserve_index=False)
    broken = patients.set_column(
        patients.schema.get_field_index("sex"), "sex", pa.nulls(3, pa.string())
    )
    with pytest.raises(RuleViolation, match="not_null"):
        synth_check_columns("patients.patient", broken)


def test_the_command_loads_into_the_database(db):
    Clinic.objects.create(code="north", name="North")
    Clinic.objects.create(code="south", name="South")
    result = CliRunner().invoke(
        cli, ["synth", "--patients", "30", "--seed", "4", "--clinics", "south"],
        catch_exceptions=False,
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "30 patients written to the database" in result.output
    assert set(Patient.objects.values_list("clinic__code", flat=True)) == {"south"}


def test_parallel_writers_write_the_same_rows(transactional_db):
    """Outside a transaction, PostgreSQL chunks are written by two threads, each on its own
    connection (SQLite stays sequential); the result is the same rows."""
    Clinic.objects.create(code="north", name="North")
    config = _config(patients=80)
    expected = generate_frames(config, synth_next_ids())
    written = synth_load(config=config, workers=2)
    assert _counts() == written == {label: len(frame) for label, frame in expected.items()}
    stored = set(Patient.objects.values_list("pseudonym", flat=True))
    assert stored == set(expected["patients.patient"]["pseudonym"])
    connection.check_constraints()

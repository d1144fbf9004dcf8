"""The pre-screen from the patient's link: baseline NRS and ODI stored as scored responses,
the engine's result stored with its rules version, red flags alerting the clinic."""

from datetime import date

import pytest
from django.core.exceptions import ValidationError

from spinereg.core.candidacy import default_rules
from spinereg.registry.audit.models import AuditEntry
from spinereg.registry.journey.models import ClinicAlert, Prescreen
from spinereg.registry.journey.services import prescreen_submit
from spinereg.registry.outcomes.models import QuestionnaireResponse
from tests.factories import MembershipFactory
from tests.registry.journey.helpers import BASE_URL, ELIGIBLE_ANSWERS, NOW, NRS_7, ODI_44, book


@pytest.fixture
def booking(bookable):
    return book(bookable)


def _submit(booking, answers=None, nrs=NRS_7, odi=ODI_44, **kwargs):
    return prescreen_submit(
        booking=booking,
        answers=ELIGIBLE_ANSWERS if answers is None else answers,
        nrs_answers=nrs,
        odi_answers=odi,
        language="en",
        base_url=BASE_URL,
        now=NOW,
        **kwargs,
    )


def test_an_eligible_pre_screen_is_stored_with_its_result_and_rules_version(booking):
    prescreen = _submit(booking)
    assert prescreen.outcome == "likely_candidate"
    assert prescreen.rules_version == default_rules().version
    assert prescreen.result["rules_version"] == default_rules().version
    assert prescreen.answers["age_years"] == 45  # born 1981-05-20, pre-screen 2026-11-02
    assert prescreen.answers["nrs_pain"] == 7
    assert prescreen.answers["odi_percent"] == pytest.approx(44.0)
    assert {rule["rule_id"] for rule in prescreen.result["rules"]} == {
        rule.id for rule in default_rules().rules
    }


def test_the_baseline_nrs_and_odi_are_scored_responses_of_the_patient(booking):
    prescreen = _submit(booking)
    nrs, odi = prescreen.nrs_response, prescreen.odi_response
    assert (nrs.instrument_id, nrs.value, nrs.mode) == ("nrs-pain", 7, "web")
    assert (odi.instrument_id, odi.value) == ("odi-2.1a", pytest.approx(44.0))
    assert nrs.patient == odi.patient == booking.patient
    entries = AuditEntry.objects.filter(model="outcomes.questionnaireresponse")
    assert {entry.reason for entry in entries} == {"public pre-screen"}
    assert all(entry.actor is None for entry in entries)


def test_the_age_comes_from_the_birth_date_on_record(bookable):
    booking = book(bookable, birth_date=date(1960, 1, 1))
    prescreen = _submit(booking)
    assert prescreen.answers["age_years"] == 66
    assert prescreen.outcome == "needs_review"
    failed = [r["rule_id"] for r in prescreen.result["rules"] if r["status"] == "failed"]
    assert failed == ["age_studied_range"]


def test_an_age_answer_from_the_form_cannot_override_the_record(booking):
    prescreen = _submit(booking, answers={**ELIGIBLE_ANSWERS, "age_years": 30})
    assert prescreen.answers["age_years"] == 45


def test_without_the_odi_the_result_needs_review(booking):
    prescreen = _submit(booking, odi={})
    assert prescreen.outcome == "needs_review"
    assert prescreen.odi_response is None
    statuses = {r["rule_id"]: r["status"] for r in prescreen.result["rules"]}
    assert statuses["odi_at_least_30"] == "missing"


def test_a_red_flag_alerts_the_clinic_and_emails_its_staff(booking, mailoutbox, commits):
    coordinator_email = booking.clinic.memberships.get(role="coordinator").user.email
    MembershipFactory(clinic=booking.clinic, role="researcher")  # not told
    mailoutbox.clear()
    with commits(execute=True):
        prescreen = _submit(booking, answers={**ELIGIBLE_ANSWERS, "bowel_bladder_change": True})
    assert prescreen.outcome == "not_candidate"
    assert prescreen.red_flags == ["red_flag_bowel_bladder"]
    alert = ClinicAlert.objects.get()
    assert (alert.clinic, alert.patient, alert.prescreen) == (
        booking.clinic,
        booking.patient,
        prescreen,
    )
    assert alert.red_flags == ["red_flag_bowel_bladder"]
    assert len(mailoutbox) == 1
    assert coordinator_email in mailoutbox[0].to
    assert "/journey/alerts/" in mailoutbox[0].body
    assert booking.patient.identity.family_name not in mailoutbox[0].body  # no clinical detail


def test_no_red_flag_no_alert(booking):
    _submit(booking, answers={**ELIGIBLE_ANSWERS, "pregnant_or_breastfeeding": True})
    assert not ClinicAlert.objects.exists()


@pytest.mark.parametrize(
    ("answers", "nrs", "field", "code"),
    [
        ({**ELIGIBLE_ANSWERS, "pain_location": "knee"}, NRS_7, "pain_location", "choice"),
        ({**ELIGIBLE_ANSWERS, "shoe_size": 42}, NRS_7, "shoe_size", "known_input"),
        (ELIGIBLE_ANSWERS, {"nrs": 12}, "nrs.nrs", "item_range"),
    ],
)
def test_a_bad_answer_names_its_field_and_saves_nothing(booking, answers, nrs, field, code):
    before = (Prescreen.objects.count(), QuestionnaireResponse.objects.count())
    with pytest.raises(ValidationError) as raised:
        _submit(booking, answers=answers, nrs=nrs)
    assert raised.value.error_dict[field][0].code == code
    assert (Prescreen.objects.count(), QuestionnaireResponse.objects.count()) == before


def test_a_booking_is_pre_screened_once(booking):
    _submit(booking)
    with pytest.raises(ValidationError) as raised:
        _submit(booking)
    assert raised.value.error_dict["booking"][0].code == "already_answered"
    assert Prescreen.objects.count() == 1

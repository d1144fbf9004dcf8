"""Staff pages: the candidacy decision beside the engine's result, consent in clinic, red-flag
alerts, upcoming consultations and availability, each scoped like the patient."""

import pytest

from spinereg.registry.audit.models import AuditEntry
from spinereg.registry.consent.models import ConsentSignature
from spinereg.registry.consent.services import consent_defaults_ensure
from spinereg.registry.journey.models import (
    AvailabilityTemplate,
    CandidacyDecision,
    ClinicAlert,
)
from spinereg.registry.journey.services import prescreen_submit
from tests.registry.journey.helpers import BASE_URL, ELIGIBLE_ANSWERS, NOW, NRS_7, ODI_44, book


@pytest.fixture
def screened(bookable):
    booking = book(bookable)
    prescreen = prescreen_submit(
        booking=booking,
        answers={**ELIGIBLE_ANSWERS, "physical_therapy": False},
        nrs_answers=NRS_7,
        odi_answers=ODI_44,
        language="en",
        base_url=BASE_URL,
        now=NOW,
    )
    bookable.prescreen = prescreen
    bookable.patient_id = booking.patient_id
    return bookable


def _url(world):
    return f"/journey/patients/{world.patient_id}/candidacy/"


def test_the_timeline_links_to_candidacy(client, screened):
    client.force_login(screened.coordinator)
    page = client.get(f"/patients/{screened.patient_id}/").content.decode()
    assert _url(screened) in page


def test_the_candidacy_page_shows_every_rule_with_the_clinicians_reason(client, screened):
    client.force_login(screened.physician)
    page = client.get(_url(screened)).content.decode()
    assert 'id="engine-outcome">needs_review<' in page
    for rule in screened.prescreen.result["rules"]:
        assert f"<td>{rule['rule_id']}</td>" in page
    assert "No supervised physical therapy: NCT04042844 and MSB-DR003 require it" in page
    assert f"v{screened.prescreen.rules_version}" in page


@pytest.mark.parametrize(("who", "status"), [("other", 404), ("researcher", 404)])
def test_the_candidacy_page_is_scoped_like_the_patient(client, screened, who, status):
    client.force_login(getattr(screened, who))
    assert client.get(_url(screened)).status_code == status


def test_the_physician_records_the_decision_on_the_page(client, screened):
    client.force_login(screened.physician)
    response = client.post(_url(screened), {"decision": "candidate"})
    assert response.status_code == 302
    decision = CandidacyDecision.objects.get()
    assert (decision.decision, decision.agrees_with_engine) == ("candidate", True)
    assert "agrees with the engine" in client.get(_url(screened)).content.decode()


def test_a_disagreement_without_reason_is_shown_beside_the_field(client, bookable):
    booking = book(bookable)
    prescreen_submit(
        booking=booking,
        answers=ELIGIBLE_ANSWERS,
        nrs_answers=NRS_7,
        odi_answers=ODI_44,
        language="en",
        base_url=BASE_URL,
        now=NOW,
    )
    client.force_login(bookable.physician)
    url = f"/journey/patients/{booking.patient_id}/candidacy/"
    response = client.post(url, {"decision": "not_candidate", "reason": ""})
    assert response.status_code == 422
    assert "give the reason for deciding otherwise" in response.content.decode()
    assert not CandidacyDecision.objects.exists()
    client.post(url, {"decision": "not_candidate", "reason": "Facet pain on examination."})
    entry = AuditEntry.objects.get(model="journey.candidacydecision")
    assert entry.reason == "Facet pain on examination."


def test_a_coordinator_cannot_decide(client, screened):
    client.force_login(screened.coordinator)
    response = client.post(_url(screened), {"decision": "candidate"})
    assert response.status_code == 422
    assert "Only a physician" in response.content.decode()
    assert not CandidacyDecision.objects.exists()


def test_consent_is_signed_in_clinic_with_the_staff_member_recorded(client, screened):
    consent_defaults_ensure(clinic=screened.north, effective_date=NOW.date())
    client.force_login(screened.coordinator)
    url = f"/journey/patients/{screened.patient_id}/consent/"
    assert "Version 1.0" in client.get(url).content.decode()
    response = client.post(url, {"typed_name": "Ana Núñez", "agreed": "yes"})
    assert response.status_code == 302
    signature = ConsentSignature.objects.get()
    entry = AuditEntry.objects.get(model="consent.consentsignature", action="create")
    assert (entry.actor, entry.object_id) == (screened.coordinator, str(signature.pk))
    assert 'id="signed"' in client.get(url).content.decode()


def test_red_flag_alerts_are_listed_and_followed_up(client, bookable):
    booking = book(bookable)
    prescreen_submit(
        booking=booking,
        answers={**ELIGIBLE_ANSWERS, "unexplained_weight_loss": True},
        nrs_answers=NRS_7,
        odi_answers=ODI_44,
        language="en",
        base_url=BASE_URL,
        now=NOW,
    )
    alert = ClinicAlert.objects.get()
    client.force_login(bookable.other)
    assert "Núñez" not in client.get("/journey/alerts/").content.decode()
    assert client.post(f"/journey/alerts/{alert.pk}/acknowledge/").status_code == 404
    client.force_login(bookable.coordinator)
    page = client.get("/journey/alerts/").content.decode()
    assert "Ana Núñez" in page
    assert "unexplained weight loss" in page
    client.post(f"/journey/alerts/{alert.pk}/acknowledge/", {"note": "Called, GP today"})
    alert.refresh_from_db()
    assert (alert.acknowledged_by, alert.note) == (bookable.coordinator, "Called, GP today")


def test_upcoming_consultations_show_the_pre_screen_outcome(client, screened):
    client.force_login(screened.coordinator)
    page = client.get("/journey/bookings/").content.decode()
    assert "Ana Núñez" in page
    assert "needs_review" in page
    client.force_login(screened.other)
    assert "Ana Núñez" not in client.get("/journey/bookings/").content.decode()


def test_a_coordinator_adds_and_removes_weekly_hours_on_the_page(client, clinic_world):
    client.force_login(clinic_world.coordinator)
    response = client.post(
        "/journey/availability/",
        {
            "form": "template",
            "clinic": clinic_world.north.pk,
            "physician": clinic_world.physician.pk,
            "weekday": "2",
            "start_time": "14:00",
            "end_time": "17:00",
            "slot_minutes": "20",
            "capacity": "1",
            "valid_from": "2026-11-01",
        },
    )
    assert response.status_code == 302
    template = AvailabilityTemplate.objects.get()
    assert (template.weekday, template.slot_minutes, template.end_time.hour) == (2, 20, 17)
    client.post(f"/journey/availability/template/{template.pk}/delete/")
    assert not AvailabilityTemplate.objects.exists()


def test_hours_in_another_clinic_cannot_be_added(client, clinic_world):
    client.force_login(clinic_world.other)
    response = client.post(
        "/journey/availability/",
        {
            "form": "template",
            "clinic": clinic_world.north.pk,
            "physician": clinic_world.physician.pk,
            "weekday": "2",
            "start_time": "14:00",
            "end_time": "17:00",
            "valid_from": "2026-11-01",
        },
    )
    assert response.status_code == 404
    assert not AvailabilityTemplate.objects.exists()

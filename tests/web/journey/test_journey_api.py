"""The journey API: public slots and booking requests, the engine without storage, and for
staff the pre-screens, the decision and the alerts; errors as 422 with field paths."""

from spinereg.core.candidacy import default_rules
from spinereg.registry.journey.models import Booking, CandidacyDecision
from spinereg.registry.journey.services import prescreen_submit
from tests.core.test_candidacy_rules import ELIGIBLE
from tests.registry.journey.helpers import BASE_URL, ELIGIBLE_ANSWERS, NOW, NRS_7, ODI_44, book
from tests.web.journey.helpers import slot_key


def _booking_payload(world, **overrides):
    payload = {
        "slot": slot_key(world),
        "given_name": "Ana",
        "family_name": "Núñez",
        "birth_date": "1981-05-20",
        "email": "ana@example.org",
    }
    payload.update(overrides)
    return payload


def test_free_slots_are_public(client, bookable):
    response = client.get("/api/journey/clinics/north/slots", {"start": "2026-11-02", "days": 1})
    assert response.status_code == 200
    slots = response.json()
    assert len(slots) == 6
    assert slots[0]["key"] == slot_key(bookable)
    assert slots[0]["free_seats"] == 1


def test_a_booking_request_through_the_api(client, bookable, mailoutbox):
    response = client.post(
        "/api/journey/clinics/north/bookings",
        _booking_payload(bookable),
        content_type="application/json",
    )
    assert response.status_code == 201
    body = response.json()
    assert body["starts_at"].startswith("2026-11-02T09:00:00")
    assert "patient_id" not in body
    assert "id" not in body
    assert Booking.objects.get().patient.identity.email == "ana@example.org"


def test_a_taken_slot_is_422_with_its_field_path(client, bookable):
    book(bookable)
    response = client.post(
        "/api/journey/clinics/north/bookings",
        _booking_payload(bookable, email="ben@example.org"),
        content_type="application/json",
    )
    assert response.status_code == 422
    assert response.json()["detail"] == [
        {
            "loc": ["body", "payload", "slot"],
            "type": "slot_taken",
            "msg": "That time is already taken; please choose another.",
        }
    ]


def test_a_garbled_slot_key_is_422(client, bookable):
    response = client.post(
        "/api/journey/clinics/north/bookings",
        _booking_payload(bookable, slot="tomorrow morning"),
        content_type="application/json",
    )
    assert response.status_code == 422
    assert response.json()["detail"][0]["type"] == "slot_key"


def test_the_engine_evaluates_without_storing(client, db):
    response = client.post(
        "/api/journey/candidacy/evaluate",
        {**ELIGIBLE, "fever_or_infection": True},
        content_type="application/json",
    )
    body = response.json()
    assert response.status_code == 200
    assert body["outcome"] == "not_candidate"
    assert body["red_flags"] == ["red_flag_fever_or_infection"]
    assert body["seek_care_now"] is True
    assert body["rules_version"] == default_rules().version
    assert len(body["rules"]) == len(default_rules().rules)


def test_a_bad_answer_to_the_engine_is_422(client, db):
    response = client.post(
        "/api/journey/candidacy/evaluate", {"nrs_pain": 14}, content_type="application/json"
    )
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "payload", "nrs_pain"]
    assert response.json()["detail"][0]["type"] == "range"


def _screened(world):
    return prescreen_submit(
        booking=book(world),
        answers=ELIGIBLE_ANSWERS,
        nrs_answers=NRS_7,
        odi_answers=ODI_44,
        language="en",
        base_url=BASE_URL,
        now=NOW,
    )


def test_staff_read_pre_screens_and_record_the_decision(client, bookable):
    prescreen = _screened(bookable)
    client.force_login(bookable.physician)
    listed = client.get(f"/api/journey/patients/{prescreen.patient_id}/prescreens").json()
    assert [row["outcome"] for row in listed] == ["likely_candidate"]
    response = client.post(
        f"/api/journey/prescreens/{prescreen.pk}/decision",
        {"decision": "not_candidate"},
        content_type="application/json",
    )
    assert response.status_code == 422
    assert response.json()["detail"][0]["type"] == "reason_required"
    response = client.post(
        f"/api/journey/prescreens/{prescreen.pk}/decision",
        {"decision": "not_candidate", "reason": "Leg pain is radicular on examination."},
        content_type="application/json",
    )
    assert response.status_code == 201
    assert response.json()["agrees_with_engine"] is False
    assert CandidacyDecision.objects.get().reason == "Leg pain is radicular on examination."


def test_another_clinic_sees_no_pre_screen(client, bookable):
    prescreen = _screened(bookable)
    client.force_login(bookable.other)
    assert client.get(f"/api/journey/patients/{prescreen.patient_id}/prescreens").status_code == 404
    response = client.post(
        f"/api/journey/prescreens/{prescreen.pk}/decision",
        {"decision": "candidate"},
        content_type="application/json",
    )
    assert response.status_code == 404


def test_staff_endpoints_need_authentication(client, bookable):
    assert client.get("/api/journey/alerts").status_code == 401

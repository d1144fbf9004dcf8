"""The public pages end to end through the test client: about, booking, manage, pre-screen,
result and consent, in English and Spanish, with refusals shown beside their field."""

from datetime import timedelta

import pytest
import time_machine
from django.core import mail

from spinereg.registry.consent.models import ConsentSignature
from spinereg.registry.consent.services import consent_defaults_ensure
from spinereg.registry.instruments.services import licensed_text_load
from spinereg.registry.journey.models import Booking, ClinicAlert, Prescreen
from spinereg.registry.journey.services import candidacy_decide
from spinereg.registry.patients.models import Patient
from tests.registry.journey.helpers import FIRST_SLOT, NOW, book
from tests.registry.test_licensed_text import overlay_for
from tests.web.journey.helpers import links, person, prescreen_post, slot_key


def test_the_about_page_says_what_bmac_is_and_is_not(client, db):
    page = client.get("/bmac/").content.decode()
    for fact in (
        "posterior iliac crest",
        "centrifuge",
        "intradiscal",
        "facet joint",
        "investigational",
        "emerging, and it is mixed",
        "not standardised",
        "one to two years",
        "mostly minor and passed",
    ):
        assert fact in page, fact
    assert "promise" in page  # it says no one can promise benefit


def test_the_about_page_in_spanish(client, db):
    page = client.get("/bmac/?lang=es").content.decode()
    assert '<html lang="es">' in page
    assert "cresta ilíaca posterior" in page
    assert "Solicitar una consulta" in page
    assert "Si tiene una emergencia médica" in page  # the base footer, translated


def test_the_clinic_list_shows_clinics_that_take_bookings(client, bookable):
    page = client.get("/bmac/consultation/").content.decode()
    assert "North Spine" in page
    assert "South Spine" not in page  # no hours, no online booking


def test_the_booking_page_lists_free_slots_in_clinic_time(client, bookable):
    page = client.get("/bmac/consultation/north/").content.decode()
    assert f'value="{slot_key(bookable)}"' in page
    assert "09:00" in page
    assert "11:30" in page
    assert client.get("/bmac/consultation/south/").status_code == 404


def test_booking_from_the_page_books_and_opens_the_manage_page(client, bookable):
    response = client.post("/bmac/consultation/north/", {"slot": slot_key(bookable), **person()})
    assert response.status_code == 302
    booking = Booking.objects.get()
    assert booking.patient.identity.email == "ana@example.org"
    assert response["Location"] == links(booking)["manage"] + "?new=1"
    page = client.get(response["Location"]).content.decode()
    assert "Your consultation is booked" in page
    assert "Answer the pre-screen" in page


def test_a_taken_slot_is_refused_on_the_page_with_a_message(client, bookable):
    book(bookable)
    response = client.post(
        "/bmac/consultation/north/",
        {"slot": slot_key(bookable), **person(email="ben@example.org")},
    )
    assert response.status_code == 422
    assert "Please choose another" in response.content.decode()
    assert Booking.objects.count() == 1
    assert Patient.objects.filter(identity__email="ben@example.org").count() == 0


def test_a_past_slot_is_refused_in_spanish(client, bookable):
    past = NOW - timedelta(hours=1)
    response = client.post(
        "/bmac/consultation/north/?lang=es", {"slot": slot_key(bookable, past), **person()}
    )
    assert response.status_code == 422
    assert "Esa hora ya ha pasado" in response.content.decode()
    assert not Booking.objects.exists()


def test_missing_details_are_shown_beside_their_fields(client, bookable):
    response = client.post(
        "/bmac/consultation/north/",
        {"slot": slot_key(bookable), **person(given_name="", birth_date="")},
    )
    page = response.content.decode()
    assert response.status_code == 422
    assert 'id="given_name-error"' in page
    assert 'id="birth_date-error"' in page
    assert not Booking.objects.exists()


def test_the_manage_page_cancels_and_offers_a_new_request(client, bookable):
    booking = book(bookable)
    response = client.post(links(booking)["cancel"])
    assert response.status_code == 302
    booking.refresh_from_db()
    assert booking.status == "cancelled"
    page = client.get(links(booking)["manage"]).content.decode()
    assert "Request a new consultation" in page


def test_the_manage_page_reschedules(client, bookable):
    booking = book(bookable)
    later = FIRST_SLOT + timedelta(hours=2)
    response = client.post(links(booking)["reschedule"], {"slot": slot_key(bookable, later)})
    replacement = Booking.objects.get(status="booked")
    assert response["Location"] == links(replacement)["manage"] + "?new=1"
    assert replacement.starts_at == later


def test_the_calendar_file_can_be_downloaded(client, bookable):
    booking = book(bookable)
    response = client.get(links(booking)["ics"])
    assert response["Content-Type"].startswith("text/calendar")
    assert b"DTSTART:20261102T090000Z" in response.content


@pytest.mark.parametrize("page", ["manage", "prescreen", "result", "consent", "ics"])
def test_a_forged_link_shows_a_plain_page_without_patient_data(client, bookable, page):
    booking = book(bookable)
    forged = links(booking)[page].replace(links(booking)["manage"], "/bmac/b/1:abc:def/")
    response = client.get(forged)
    text = response.content.decode()
    assert response.status_code == 404
    assert "This link does not work" in text
    assert "Núñez" not in text
    assert "North Spine" not in text


def test_an_expired_link_shows_the_same_plain_page(client, bookable):
    booking = book(bookable)
    url = links(booking)["manage"]
    with time_machine.travel(NOW + timedelta(days=121), tick=False):
        response = client.get(url)
    assert response.status_code == 404
    assert "Núñez" not in response.content.decode()


def _load_odi_text(world):
    for language in ("en", "es"):
        licensed_text_load(
            clinic=world.north, overlay=overlay_for("odi-2.1a", language), actor=None
        )


def test_the_pre_screen_gives_the_result_with_its_reasons(client, bookable):
    _load_odi_text(bookable)
    booking = book(bookable)
    form = client.get(links(booking)["prescreen"]).content.decode()
    assert 'name="section-10"' in form  # the ODI, with the clinic's licensed wording
    response = client.post(links(booking)["prescreen"], prescreen_post())
    assert response["Location"] == links(booking)["result"]
    prescreen = Prescreen.objects.get()
    assert prescreen.outcome == "likely_candidate"
    page = client.get(links(booking)["result"]).content.decode()
    assert "You may be a candidate" in page
    assert "Your average pain is 4 or more out of 10." in page
    assert "not a promise of benefit" in page
    assert f"Rules version {prescreen.rules_version}" in page


def test_without_licensed_odi_wording_the_odi_is_left_to_the_consultation(client, bookable):
    booking = book(bookable)
    form = client.get(links(booking)["prescreen"]).content.decode()
    assert 'name="section-1"' not in form
    assert "Statement 1" not in form
    client.post(links(booking)["prescreen"], prescreen_post())
    assert Prescreen.objects.get().outcome == "needs_review"


def test_unanswered_questions_are_marked_and_nothing_is_saved(client, bookable):
    booking = book(bookable)
    post = prescreen_post()
    del post["fever_or_infection"]
    del post["nrs"]
    response = client.post(links(booking)["prescreen"], post)
    page = response.content.decode()
    assert response.status_code == 422
    assert 'id="fever_or_infection-error"' in page
    assert 'id="nrs-error"' in page
    assert not Prescreen.objects.exists()


def test_a_red_flag_tells_the_patient_to_seek_care_now_in_their_language(
    client, bookable, django_capture_on_commit_callbacks
):
    booking = book(bookable)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            links(booking)["prescreen"] + "?lang=es", prescreen_post(progressive_weakness="yes")
        )
    page = client.get(links(booking)["result"] + "?lang=es").content.decode()
    assert "Busque atención médica ahora" in page
    assert "La clínica ha recibido un aviso." in page
    assert 'role="alert"' in page
    assert ClinicAlert.objects.filter(patient=booking.patient).exists()
    assert any("Red flag" in message.subject for message in mail.outbox)


def test_the_consent_page_waits_for_the_physicians_decision(client, bookable):
    booking = book(bookable)
    client.post(links(booking)["prescreen"], prescreen_post())
    page = client.get(links(booking)["consent"]).content.decode()
    assert "offered after the physician" in page


def test_after_a_candidate_decision_the_patient_signs_the_consent(client, bookable):
    consent_defaults_ensure(clinic=bookable.north, effective_date=NOW.date())
    booking = book(bookable)
    client.post(links(booking)["prescreen"], prescreen_post())
    candidacy_decide(
        prescreen=Prescreen.objects.get(), decision="candidate", actor=bookable.physician
    )
    page = client.get(links(booking)["consent"] + "?lang=es").content.decode()
    assert "en investigación" in page
    assert "Versión 1.0" in page
    refused = client.post(links(booking)["consent"], {"typed_name": "Ana Núñez"})
    assert refused.status_code == 422
    assert "Marque la casilla" in refused.content.decode()  # the language is remembered
    assert not ConsentSignature.objects.exists()
    response = client.post(links(booking)["consent"], {"typed_name": "Ana Núñez", "agreed": "yes"})
    assert response.status_code == 302
    signature = ConsentSignature.objects.get()
    assert (signature.typed_name, signature.document.language) == ("Ana Núñez", "es")
    assert 'id="signed"' in client.get(links(booking)["consent"]).content.decode()

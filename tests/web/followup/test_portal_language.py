"""The link pages speak the patient's language (their record), `?lang=` switches, and the
choice is remembered; the questionnaire text comes from the instrument's Spanish file."""

import pytest
import time_machine

from spinereg.registry.followup.links import link_token
from tests.registry.followup.helpers import at, day, item_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def spanish_link(clinic_world, episode):
    clinic_world.patient.language = "es"
    clinic_world.patient.save()
    with time_machine.travel(at(day(12)), tick=False):
        yield f"/f/{link_token(item_of(episode, '2wk').pk)}/"


def test_a_spanish_patient_gets_spanish_pages(client, clinic_world, spanish_link):
    start = client.get(spanish_link).content.decode()
    assert '<html lang="es">' in start
    assert f"Hola, {clinic_world.patient.identity.given_name}" in start
    assert "2 semanas después de su tratamiento" in start
    form = client.get(f"{spanish_link}q/nrs-pain/").content.decode()
    assert "En una escala de 0 a 10" in form
    assert "Guardar y continuar" in form
    done = client.post(f"{spanish_link}q/nrs-pain/", {"nrs": "3", "next": "1"})
    thanks = client.get(done["Location"]).content.decode()
    assert "Gracias" in thanks
    assert "<td>Dolor (0–10)</td><td>3,0</td>" in thanks
    svg = client.get(f"{spanish_link}trajectory.svg").content.decode()
    assert "Meses después del tratamiento" in svg


def test_the_query_switches_and_is_remembered(client, spanish_link):
    english = client.get(f"{spanish_link}?lang=en").content.decode()
    assert '<html lang="en">' in english
    assert "2 weeks after your treatment" in english
    again = client.get(f"{spanish_link}q/nrs-pain/").content.decode()
    assert "how strong has your pain been" in again


def test_refusal_pages_are_translated_too(client, spanish_link):
    page = client.get("/f/nonsense/?lang=es").content.decode()
    assert "Este enlace no funciona" in page

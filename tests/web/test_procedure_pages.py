"""The pages around the day: label PDF, worklist, protocols, standardisation report and CSV,
safety events."""

import csv
import io
from datetime import timedelta

import pytest
import segno
from django.utils import timezone

from spinereg.registry.procedures.models import ProcessingProtocol
from tests.factories import MembershipFactory, PatientIdentityFactory
from tests.registry.procedures.helpers import (
    GOOD_CONCENTRATE,
    bmac_episode,
    day_until,
    inject,
    label,
    protocol_for,
    record_harvest,
    record_processing,
)


@pytest.fixture
def protocol(clinic_world):
    return protocol_for(clinic_world)


def test_the_label_pdf_carries_the_product_patient_and_expiry(client, clinic_world, protocol):
    identity = clinic_world.patient.identity
    identity.given_name, identity.family_name, identity.mrn = "Ada", "Quist", "MRN-4471"
    identity.save()
    episode = day_until(clinic_world, "label", protocol=protocol)
    client.force_login(clinic_world.technician)
    response = client.get(f"/procedures/{episode.pk}/label.pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    pdf = response.content
    assert pdf.startswith(b"%PDF")
    code = episode.product.product_code
    for text in (
        code,
        "Ada Quist",
        "MRN MRN-4471",
        "DOB 1975-06-15",
        "EXPIRES 2026-03-02 12:10 UTC",
    ):
        assert f"({text}".encode() in pdf or text.encode() in pdf, text
    # The QR code is drawn module by module: one filled square per dark module of segno's code.
    dark = sum(sum(row) for row in segno.make(code, error="m").matrix)
    assert pdf.count(b" re f") + pdf.count(b" re\nf") >= dark or pdf.count(b"re f") >= dark


def test_the_label_of_another_clinic_is_not_found(client, clinic_world, protocol):
    episode = day_until(clinic_world, "label", protocol=protocol)
    client.force_login(clinic_world.other)
    assert client.get(f"/procedures/{episode.pk}/label.pdf").status_code == 404


def test_the_worklist_shows_each_day_and_its_next_step(client, clinic_world, protocol):
    day_until(clinic_world, "processing", protocol=protocol)
    client.force_login(clinic_world.coordinator)
    page = client.get("/procedures/").content.decode()
    assert clinic_world.patient.pseudonym in page
    assert "Product to label" in page
    client.force_login(clinic_world.other)
    assert clinic_world.patient.pseudonym not in client.get("/procedures/").content.decode()


def test_an_administrator_creates_a_protocol_version_on_the_page(client, clinic_world):
    client.force_login(clinic_world.administrator)
    response = client.post(
        "/procedures/protocols/",
        {
            "clinic": clinic_world.north.pk,
            "name": "Spine BMAC",
            "effective_from": "2026-01-01",
            "harvest_site": "posterior_iliac_crest",
            "anticoagulant": "ACD-A",
            "processing_system": "SmartPrep2",
            "spins": "2",
            "shelf_life_minutes": "240",
            "min__concentrate__tnc_per_ml": "50",
            "min__concentrate__viability_percent": "90",
            "max__timing__minutes_harvest_to_injection": "120",
        },
    )
    assert response.status_code == 302
    protocol = ProcessingProtocol.objects.get()
    assert protocol.acceptance_rules == [
        {"quantity": "concentrate.tnc_per_ml", "minimum": 50e6},
        {"quantity": "concentrate.viability_percent", "minimum": 90.0},
        {"quantity": "timing.minutes_harvest_to_injection", "maximum": 120.0},
    ]
    page = client.get("/procedures/protocols/").content.decode()
    assert "Total nucleated cells, concentrate ≥ 50 ×10⁶ cells/mL" in page


def test_a_protocol_range_below_zero_is_refused_on_the_page(client, clinic_world):
    client.force_login(clinic_world.administrator)
    response = client.post(
        "/procedures/protocols/",
        {
            "clinic": clinic_world.north.pk,
            "name": "Spine BMAC",
            "effective_from": "2026-01-01",
            "harvest_site": "posterior_iliac_crest",
            "anticoagulant": "ACD-A",
            "processing_system": "SmartPrep2",
            "spins": "2",
            "shelf_life_minutes": "240",
            "min__concentrate__viability_percent": "120",
        },
    )
    assert response.status_code == 422
    assert "above the possible 100 %" in response.content.decode()
    assert not ProcessingProtocol.objects.exists()


def test_a_non_administrator_cannot_post_a_protocol(client, clinic_world):
    client.force_login(clinic_world.physician)
    response = client.post("/procedures/protocols/", {"clinic": clinic_world.north.pk})
    assert response.status_code == 404
    assert not ProcessingProtocol.objects.exists()


def _injected_day(world, protocol, viability, minutes_to_injection):
    now = timezone.now().replace(microsecond=0)
    harvested = now - timedelta(minutes=minutes_to_injection)
    patient = PatientIdentityFactory(patient__clinic=world.north).patient
    episode = bmac_episode(world, patient)
    record_harvest(world, episode, protocol, harvested_at=harvested, now=now)
    record_processing(
        world,
        episode,
        started_at=harvested + timedelta(minutes=5),
        ended_at=harvested + timedelta(minutes=30),
        concentrate={**GOOD_CONCENTRATE, "viability_percent": viability},
        now=now,
    )
    product = label(world, episode, now=now)
    inject(
        world,
        episode,
        product.product_code,
        injected_at=now,
        now=now,
        acknowledge_deviations=True,
        acknowledgement_comment="accepted",
    )
    return episode


def test_the_report_gives_distributions_deviation_rates_mibo_and_minutes(
    client, clinic_world, protocol
):
    _injected_day(clinic_world, protocol, viability=95.0, minutes_to_injection=90)
    _injected_day(clinic_world, protocol, viability=85.0, minutes_to_injection=100)
    _injected_day(clinic_world, protocol, viability=92.0, minutes_to_injection=130)
    client.force_login(clinic_world.coordinator)
    page = client.get(
        f"/procedures/reports/standardisation/?clinic={clinic_world.north.pk}&protocol={protocol.pk}"
    ).content.decode()
    assert "<strong>3</strong> procedures" in page
    # Deviations: 85 % viability in one, 130 min in another → 2 of 3 procedures.
    assert '<strong id="deviation-rate">67 %</strong> (2 of 3 evaluated)' in page
    assert "median 100 min (IQR 95–115)" in page
    assert "Viability, concentrate" in page

    csv_response = client.get(
        f"/procedures/reports/standardisation.csv?clinic={clinic_world.north.pk}&protocol={protocol.pk}"
    )
    assert csv_response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(csv_response.content.decode())))
    viability = next(
        r
        for r in rows
        if r["quantity"] == "concentrate.viability_percent" and r["section"] == "distribution"
    )
    assert (viability["n"], float(viability["median"]), float(viability["min"])) == (
        "3",
        92.0,
        85.0,
    )
    any_row = next(r for r in rows if r["section"] == "deviation_rate" and r["quantity"] == "any")
    assert (any_row["evaluated"], any_row["deviations"]) == ("3", "2")
    mibo = next(r for r in rows if r["section"] == "mibo")
    assert mibo["n"] == "3"
    assert {r["version"] for r in rows} == {"1"}


def test_the_report_is_per_clinic_in_reach(client, clinic_world, protocol):
    client.force_login(clinic_world.other)
    response = client.get(
        f"/procedures/reports/standardisation/?clinic={clinic_world.north.pk}&protocol={protocol.pk}"
    )
    # Out of reach, the clinic falls back to the user's own (South), which has no protocol.
    assert response.status_code == 200
    assert "South Spine" in response.content.decode()
    assert "North Spine" not in response.content.decode()
    client.force_login(clinic_world.patient_user)
    assert client.get("/procedures/reports/standardisation/").status_code == 404


def test_the_report_api_matches_the_page(client, clinic_world, protocol):
    _injected_day(clinic_world, protocol, viability=95.0, minutes_to_injection=90)
    client.force_login(clinic_world.researcher)
    body = client.get(
        f"/api/procedures/reports/standardisation?clinic_id={clinic_world.north.pk}&protocol={protocol.pk}"
    ).json()
    assert body["procedures"] == 1
    assert body["deviation_rate"] == 0.0
    assert body["minutes_harvest_to_injection"]["median"] == pytest.approx(90.0)


def test_safety_events_page_is_for_administrators_of_the_clinic(client, clinic_world, protocol):
    from django.core.exceptions import ValidationError

    episode = day_until(clinic_world, "label", protocol=protocol)
    with pytest.raises(ValidationError):
        inject(clinic_world, episode, "BMAC-0000000000")
    client.force_login(clinic_world.administrator)
    page = client.get("/procedures/safety-events/").content.decode()
    assert "Unknown product label" in page
    assert clinic_world.patient.pseudonym in page
    client.force_login(clinic_world.physician)
    assert client.get("/procedures/safety-events/").status_code == 404
    south_admin = MembershipFactory(clinic=clinic_world.south, role="administrator").user
    client.force_login(south_admin)
    assert "Unknown product label" not in client.get("/procedures/safety-events/").content.decode()

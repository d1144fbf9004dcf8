"""The procedure-day page: each role fills its step, bad input is shown beside its field and
saves nothing, and the chain of identity refuses a wrong label on the page too."""

from datetime import timedelta

import pytest
from django.utils import timezone

from spinereg.registry.episodes.models import Harvest, Injection, Processing, Product
from spinereg.registry.procedures.models import IdentityCheck, ProcedureSignature, SafetyEvent
from tests.factories import PASSWORD, PatientFactory
from tests.registry.procedures.helpers import (
    bmac_episode,
    counts,
    label,
    protocol_for,
    record_harvest,
    record_processing,
)


@pytest.fixture
def protocol(clinic_world):
    return protocol_for(clinic_world)


def _local(at):
    return timezone.localtime(at).strftime("%Y-%m-%dT%H:%M")


def _today_day(world, protocol, stage):
    """A day happening now (the page's services use the real clock)."""
    now = timezone.now().replace(second=0, microsecond=0)
    harvested = now - timedelta(minutes=80)
    episode = bmac_episode(world)
    record_harvest(world, episode, protocol, harvested_at=harvested, now=now)
    if stage == "harvest":
        return episode
    record_processing(
        world,
        episode,
        started_at=harvested + timedelta(minutes=10),
        ended_at=harvested + timedelta(minutes=40),
        now=now,
    )
    if stage == "processing":
        return episode
    label(world, episode, now=now)
    return episode


def test_the_page_of_another_clinic_is_not_found(client, clinic_world):
    episode = bmac_episode(clinic_world)
    client.force_login(clinic_world.other)
    assert client.get(f"/procedures/{episode.pk}/").status_code == 404
    client.force_login(clinic_world.researcher)
    assert client.get(f"/procedures/{episode.pk}/").status_code == 404
    # The patient reads their own record on the timeline; the procedure day is for staff.
    client.force_login(clinic_world.patient_user)
    assert client.get(f"/procedures/{episode.pk}/").status_code == 404


def test_the_timeline_links_staff_to_the_procedure_day(client, clinic_world):
    episode = bmac_episode(clinic_world)
    link = f'href="/procedures/{episode.pk}/"'
    client.force_login(clinic_world.technician)
    assert link in client.get(f"/patients/{clinic_world.patient.pk}/").content.decode()
    client.force_login(clinic_world.patient_user)
    assert link not in client.get("/me/").content.decode()


def test_the_coordinator_sees_the_harvest_form_with_units_and_records_it(
    client, clinic_world, protocol
):
    episode = bmac_episode(clinic_world)
    client.force_login(clinic_world.coordinator)
    page = client.get(f"/procedures/{episode.pk}/").content.decode()
    assert "Aspirate volume (mL)" in page
    assert "Anticoagulant volume (mL)" in page
    assert "Record processing" not in page  # not the coordinator's step
    response = client.post(
        f"/procedures/{episode.pk}/harvest/",
        {
            "protocol": protocol.pk,
            "harvested_at": _local(timezone.now() - timedelta(minutes=30)),
            "site": "posterior_iliac_crest",
            "side": "bilateral",
            "aspirate_volume_ml": "60",
            "anticoagulant": "ACD-A",
            "anticoagulant_volume_ml": "8",
            "pull_count": "6",
            "needle_gauge": "11",
            "performed_by": clinic_world.physician.pk,
        },
    )
    assert response.status_code == 302
    assert response["Location"].endswith(f"/procedures/{episode.pk}/#harvest")
    harvest = Harvest.objects.get(episode=episode)
    assert harvest.aspirate_volume_ml == 60.0
    assert harvest.performed_by == clinic_world.physician


def test_a_negative_aspirate_volume_is_shown_beside_its_field_and_saves_nothing(
    client, clinic_world, protocol
):
    episode = bmac_episode(clinic_world)
    client.force_login(clinic_world.coordinator)
    before = counts()
    response = client.post(
        f"/procedures/{episode.pk}/harvest/",
        {
            "protocol": protocol.pk,
            "harvested_at": _local(timezone.now() - timedelta(minutes=30)),
            "site": "posterior_iliac_crest",
            "side": "left",
            "aspirate_volume_ml": "-5",
            "anticoagulant": "ACD-A",
            "performed_by": clinic_world.physician.pk,
        },
    )
    assert response.status_code == 422
    page = response.content.decode()
    assert 'id="harvest_aspirate_volume_ml-errors"' in page
    assert "-5 mL is not possible; it must be above 0 mL." in page
    assert counts() == before


def test_the_technician_types_counts_in_millions_and_they_are_stored_per_ml(
    client, clinic_world, protocol
):
    episode = _today_day(clinic_world, protocol, "harvest")
    harvested = episode.harvest.harvested_at
    client.force_login(clinic_world.technician)
    page = client.get(f"/procedures/{episode.pk}/").content.decode()
    assert "Total nucleated cells, concentrate (×10⁶ cells/mL)" in page
    response = client.post(
        f"/procedures/{episode.pk}/processing/",
        {
            "system": "SmartPrep2",
            "lot_number": "KIT-1",
            "g_force": "1100",
            "spin_minutes": "14",
            "spins": "2",
            "started_at": _local(harvested + timedelta(minutes=10)),
            "ended_at": _local(harvested + timedelta(minutes=40)),
            "concentrate_volume_ml": "7",
            "aspirate_tnc_per_ml": "30",
            "concentrate_tnc_per_ml": "121.5",
            "concentrate_cfu_f_per_ml": "2713",
            "concentrate_viability_percent": "94",
            "centrifugation_only": "yes",
            "culture_or_expansion": "no",
            "added_agents": "",
        },
    )
    assert response.status_code == 302
    concentrate = Processing.objects.get(episode=episode).compositions.get(fraction="concentrate")
    assert concentrate.tnc_per_ml == pytest.approx(121.5e6)
    assert concentrate.cfu_f_per_ml == 2713.0
    page = client.get(f"/procedures/{episode.pk}/").content.decode()
    assert "4.05×" in page  # 121.5 / 30 concentration factor


def test_concentrate_larger_than_aspirate_is_refused_on_the_page(client, clinic_world, protocol):
    episode = _today_day(clinic_world, protocol, "harvest")
    client.force_login(clinic_world.technician)
    before = counts()
    response = client.post(
        f"/procedures/{episode.pk}/processing/",
        {
            "system": "SmartPrep2",
            "spins": "2",
            "concentrate_volume_ml": "75",
            "centrifugation_only": "yes",
            "culture_or_expansion": "no",
        },
    )
    assert response.status_code == 422
    page = response.content.decode()
    assert 'id="processing_concentrate_volume_ml-errors"' in page
    assert "75 mL of concentrate is more than the 60 mL of aspirate it came from" in page
    assert counts() == before


def test_a_step_of_another_role_is_refused_with_403(client, clinic_world, protocol):
    episode = _today_day(clinic_world, protocol, "harvest")
    client.force_login(clinic_world.coordinator)
    response = client.post(
        f"/procedures/{episode.pk}/processing/",
        {
            "system": "SmartPrep2",
            "spins": "2",
            "concentrate_volume_ml": "7",
            "centrifugation_only": "yes",
            "culture_or_expansion": "no",
        },
    )
    assert response.status_code == 403
    assert "Only a processing technician of this clinic may record processing." in (
        response.content.decode()
    )
    assert not Processing.objects.exists()


def test_a_wrong_label_is_refused_on_the_page_and_kept_as_a_safety_event(
    client, clinic_world, protocol
):
    episode = _today_day(clinic_world, protocol, "label")
    other_patient = PatientFactory(clinic=clinic_world.north)
    now = timezone.now()
    other_episode = bmac_episode(clinic_world, other_patient)
    record_harvest(
        clinic_world, other_episode, protocol, harvested_at=now - timedelta(minutes=70), now=now
    )
    record_processing(
        clinic_world,
        other_episode,
        started_at=now - timedelta(minutes=60),
        ended_at=now - timedelta(minutes=30),
        now=now,
    )
    wrong = label(clinic_world, other_episode, now=now)
    client.force_login(clinic_world.physician)
    response = client.post(
        f"/procedures/{episode.pk}/injection/",
        {
            "wristband": clinic_world.patient.identity.mrn,
            "product_code": wrong.product_code,
            "approach": "intradiscal",
            "guidance": "fluoroscopy",
            "injected_at": _local(now),
            "targets_0_level": "L4-L5",
            "targets_0_side": "central",
            "targets_0_volume_ml": "2",
        },
    )
    assert response.status_code == 422
    page = response.content.decode()
    assert "This product belongs to another patient. Do not inject it." in page
    assert "refused: Product of another patient" in page  # the check log on the page
    assert not Injection.objects.exists()
    event = SafetyEvent.objects.get()
    assert event.identity_check.channel == "page"
    assert Product.objects.get(pk=wrong.pk).used_at is None


def test_the_physician_injects_and_signs_with_the_password(client, clinic_world, protocol):
    episode = _today_day(clinic_world, protocol, "label")
    client.force_login(clinic_world.physician)
    response = client.post(
        f"/procedures/{episode.pk}/injection/",
        {
            "wristband": clinic_world.patient.identity.mrn,
            "product_code": episode.product.product_code,
            "approach": "intradiscal",
            "guidance": "fluoroscopy",
            "needle_gauge": "22",
            "contrast": "on",
            "injected_at": _local(timezone.now()),
            "targets_0_level": "L4-L5",
            "targets_0_side": "central",
            "targets_0_volume_ml": "2",
            "targets_1_level": "L5-S1",
            "targets_1_side": "central",
            "targets_1_volume_ml": "1.5",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    assert Injection.objects.filter(episode=episode).count() == 2
    assert IdentityCheck.objects.get().accepted
    wrong = client.post(
        f"/procedures/{episode.pk}/sign/", {"meaning": "authorship", "password": "guess"}
    )
    assert wrong.status_code == 422
    assert "The password is not correct." in wrong.content.decode()
    assert not ProcedureSignature.objects.exists()
    signed = client.post(
        f"/procedures/{episode.pk}/sign/", {"meaning": "authorship", "password": PASSWORD}
    )
    assert signed.status_code == 302
    page = client.get(f"/procedures/{episode.pk}/").content.decode()
    assert f"Signed by <strong>{clinic_world.physician.printed_name}</strong>" in page
    assert "Authorship: I performed and recorded this procedure" in page
    assert "The records are as signed." in page


def test_a_correction_after_signing_needs_a_reason(client, clinic_world, protocol):
    from spinereg.registry.procedures import services

    episode = _today_day(clinic_world, protocol, "label")
    now = timezone.now()
    services.injection_record(
        episode=episode,
        actor=clinic_world.physician,
        wristband=clinic_world.patient.identity.mrn,
        product_code=episode.product.product_code,
        approach="intradiscal",
        guidance="fluoroscopy",
        targets=[services.InjectionTarget("L4-L5", "central", 2.0)],
        injected_at=now,
        now=now,
    )
    services.procedure_sign(
        episode=episode, actor=clinic_world.physician, password=PASSWORD, meaning="review"
    )
    client.force_login(clinic_world.technician)
    url = f"/procedures/{episode.pk}/correction/"
    refused = client.post(url, {"field": "concentrate.viability_percent", "value": "93"})
    assert refused.status_code == 422
    assert "a reason for the change is required" in refused.content.decode()
    accepted = client.post(
        url, {"field": "concentrate.tnc_per_ml", "value": "118", "reason": "lab re-count"}
    )
    assert accepted.status_code == 302
    episode.processing.refresh_from_db()
    assert episode.processing.compositions.get(fraction="concentrate").tnc_per_ml == 118e6
    page = client.get(f"/procedures/{episode.pk}/").content.decode()
    assert "The records changed after signing" in page


def test_the_technician_checks_a_wristband_and_label_on_the_page(client, clinic_world, protocol):
    episode = _today_day(clinic_world, protocol, "label")
    client.force_login(clinic_world.technician)
    url = f"/procedures/{episode.pk}/identity-check/"
    accepted = client.post(
        url,
        {
            "wristband": clinic_world.patient.identity.mrn,
            "product_code": episode.product.product_code,
        },
    )
    assert accepted.status_code == 302
    refused = client.post(
        url, {"wristband": "MRN-NOT-THIS-PATIENT", "product_code": episode.product.product_code}
    )
    assert refused.status_code == 422
    assert 'id="identity_wristband-errors"' in refused.content.decode()
    assert [c.accepted for c in IdentityCheck.objects.order_by("pk")] == [True, False]
    assert SafetyEvent.objects.get().kind == "wristband_mismatch"
    assert not Injection.objects.exists()

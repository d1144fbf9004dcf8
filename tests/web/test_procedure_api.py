"""The procedure day through the API: the same roles, refusals, safety events and audit as the
services and the page; bad input is 422 with the field path and the rule."""

from datetime import timedelta

import pytest
from django.utils import timezone

from spinereg.registry.audit.models import AuditEntry
from spinereg.registry.episodes.models import Injection
from spinereg.registry.procedures.models import IdentityCheck, SafetyEvent
from tests.factories import PASSWORD, PatientFactory
from tests.registry.procedures.helpers import (
    GOOD_ASPIRATE,
    GOOD_CONCENTRATE,
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


def _post(client, url, body):
    return client.post(url, body, content_type="application/json")


def _labelled(world, protocol, patient=None):
    now = timezone.now()
    episode = bmac_episode(world, patient)
    record_harvest(world, episode, protocol, harvested_at=now - timedelta(minutes=70), now=now)
    record_processing(
        world,
        episode,
        started_at=now - timedelta(minutes=60),
        ended_at=now - timedelta(minutes=30),
        now=now,
    )
    label(world, episode, now=now)
    return episode


def _injection(episode, code, **overrides):
    body = {
        "wristband": episode.patient.identity.mrn,
        "product_code": code,
        "approach": "intradiscal",
        "guidance": "fluoroscopy",
        "targets": [{"level": "L4-L5", "side": "central", "volume_ml": 2.0}],
        "injected_at": timezone.now().isoformat(),
        "needle_gauge": 22,
        "contrast": True,
    }
    body.update(overrides)
    return body


def test_the_whole_day_through_the_api(client, clinic_world, protocol):
    episode = bmac_episode(clinic_world)
    url = f"/api/procedures/{episode.pk}"
    now = timezone.now()
    client.force_login(clinic_world.coordinator)
    harvest = _post(
        client,
        f"{url}/harvest",
        {
            "protocol_id": protocol.pk,
            "harvested_at": (now - timedelta(minutes=70)).isoformat(),
            "side": "bilateral",
            "aspirate_volume_ml": 60,
            "anticoagulant": "ACD-A",
            "anticoagulant_volume_ml": 8,
            "performed_by_id": clinic_world.physician.pk,
        },
    )
    assert harvest.status_code == 201, harvest.json()
    assert harvest.json()["next_step"] == "processing"

    client.force_login(clinic_world.technician)
    processing = _post(
        client,
        f"{url}/processing",
        {
            "system": "SmartPrep2",
            "g_force": 1100,
            "spin_minutes": 14,
            "spins": 2,
            "started_at": (now - timedelta(minutes=60)).isoformat(),
            "ended_at": (now - timedelta(minutes=30)).isoformat(),
            "concentrate_volume_ml": 7,
            "aspirate": GOOD_ASPIRATE,
            "concentrate": {**GOOD_CONCENTRATE, "viability_percent": 88.0},
            "centrifugation_only": True,
            "culture_or_expansion": False,
        },
    )
    assert processing.status_code == 201
    body = processing.json()
    assert body["derived"]["concentration_factors"]["tnc"] == pytest.approx(4.0)
    assert body["pending_deviations"][0]["quantity"] == "concentrate.viability_percent"
    product = _post(client, f"{url}/label", {})
    assert product.status_code == 201
    code = product.json()["product_code"]

    client.force_login(clinic_world.physician)
    blocked = _post(client, f"{url}/injections", _injection(episode, code))
    assert blocked.status_code == 422
    assert blocked.json()["detail"][0]["type"] == "deviation_unacknowledged"
    ack = _post(
        client,
        f"{url}/acknowledgements",
        {"quantity": "concentrate.viability_percent", "comment": "88 % accepted"},
    )
    assert ack.status_code == 201
    injected = _post(client, f"{url}/injections", _injection(episode, code))
    assert injected.status_code == 201, injected.json()
    assert injected.json()["derived"]["doses"][0]["doses"]["tnc"] == pytest.approx(2.4e8)
    signed = _post(client, f"{url}/signature", {"password": PASSWORD, "meaning": "authorship"})
    assert signed.status_code == 201
    assert signed.json()["signature"]["records_as_signed"] is True
    assert IdentityCheck.objects.filter(channel="api", accepted=True).count() == 2


def test_a_refused_identity_check_is_422_with_the_refusal_and_a_safety_event(
    client, clinic_world, protocol
):
    episode = _labelled(clinic_world, protocol)
    other = _labelled(clinic_world, protocol, PatientFactory(clinic=clinic_world.north))
    client.force_login(clinic_world.technician)
    response = _post(
        client,
        f"/api/procedures/{episode.pk}/identity-checks",
        {"wristband": episode.patient.identity.mrn, "product_code": other.product.product_code},
    )
    assert response.status_code == 422
    detail = response.json()["detail"][0]
    assert detail["loc"] == ["body", "payload", "product_code"]
    assert detail["type"] == "product_other_patient"
    event = SafetyEvent.objects.get()
    assert event.identity_check.channel == "api"


@pytest.mark.parametrize(
    ("refusal", "make"),
    [
        ("wristband_mismatch", lambda e, o: {"wristband": "NOT-THIS-ONE"}),
        ("product_other_patient", lambda e, o: {"product_code": o.product.product_code}),
        ("product_unknown", lambda e, o: {"product_code": "BMAC-0000000000"}),
        (
            "product_expired",
            lambda e, o: {"injected_at": (e.product.expires_at + timedelta(minutes=1)).isoformat()},
        ),
    ],
)
def test_each_refusal_blocks_the_injection_through_the_api(
    client, clinic_world, protocol, refusal, make
):
    episode = _labelled(clinic_world, protocol)
    other = _labelled(clinic_world, protocol, PatientFactory(clinic=clinic_world.north))
    client.force_login(clinic_world.physician)
    body = _injection(episode, episode.product.product_code, **make(episode, other))
    response = _post(client, f"/api/procedures/{episode.pk}/injections", body)
    assert response.status_code == 422
    assert response.json()["detail"][0]["type"] == refusal
    assert not Injection.objects.exists()
    assert SafetyEvent.objects.get().kind == refusal


def test_an_expired_product_is_refused_at_the_check(client, clinic_world, protocol):
    """The label expires 240 min after harvest; the check at that moment refuses it."""
    import time_machine

    episode = _labelled(clinic_world, protocol)
    client.force_login(clinic_world.physician)
    with time_machine.travel(episode.product.expires_at + timedelta(seconds=1), tick=False):
        response = _post(
            client,
            f"/api/procedures/{episode.pk}/identity-checks",
            {
                "wristband": episode.patient.identity.mrn,
                "product_code": episode.product.product_code,
            },
        )
    assert response.status_code == 422
    assert response.json()["detail"][0]["type"] == "product_expired"
    assert SafetyEvent.objects.get().kind == "product_expired"


def test_a_used_product_is_refused_through_the_api(client, clinic_world, protocol):
    episode = _labelled(clinic_world, protocol)
    client.force_login(clinic_world.physician)
    url = f"/api/procedures/{episode.pk}/injections"
    assert _post(client, url, _injection(episode, episode.product.product_code)).status_code == 201
    again = _post(client, url, _injection(episode, episode.product.product_code))
    assert again.status_code == 422
    assert again.json()["detail"][0]["type"] == "product_used"
    assert Injection.objects.count() == 1


@pytest.mark.parametrize(
    ("change", "loc", "rule"),
    [
        (
            {"concentrate": {"viability_percent": 104}},
            ["concentrate", "viability_percent"],
            "percent_range",
        ),
        ({"concentrate": {"cfu_f_per_ml": -10}}, ["concentrate", "cfu_f_per_ml"], "non_negative"),
        ({"concentrate_volume_ml": 90}, ["concentrate_volume_ml"], "concentrate_within_aspirate"),
    ],
)
def test_impossible_processing_values_are_422_and_save_nothing(
    client, clinic_world, protocol, change, loc, rule
):
    now = timezone.now()
    episode = bmac_episode(clinic_world)
    record_harvest(
        clinic_world, episode, protocol, harvested_at=now - timedelta(minutes=70), now=now
    )
    client.force_login(clinic_world.technician)
    before = counts()
    body = {
        "system": "SmartPrep2",
        "spins": 2,
        "concentrate_volume_ml": 7,
        "centrifugation_only": True,
        "culture_or_expansion": False,
        **change,
    }
    response = _post(client, f"/api/procedures/{episode.pk}/processing", body)
    assert response.status_code == 422
    detail = response.json()["detail"][0]
    assert detail["loc"] == ["body", "payload", *loc]
    assert detail["type"] == rule
    assert counts() == before


def test_an_injection_before_the_harvest_is_422(client, clinic_world, protocol):
    episode = _labelled(clinic_world, protocol)
    client.force_login(clinic_world.physician)
    before = Injection.objects.count()
    early = (episode.harvest.harvested_at - timedelta(minutes=5)).isoformat()
    response = _post(
        client,
        f"/api/procedures/{episode.pk}/injections",
        _injection(episode, episode.product.product_code, injected_at=early),
    )
    assert response.status_code == 422
    assert response.json()["detail"][0]["type"] == "after_harvest"
    assert Injection.objects.count() == before


def test_a_role_outside_its_step_is_403(client, clinic_world, protocol):
    episode = bmac_episode(clinic_world)
    client.force_login(clinic_world.technician)
    response = _post(
        client,
        f"/api/procedures/{episode.pk}/harvest",
        {
            "protocol_id": protocol.pk,
            "harvested_at": timezone.now().isoformat(),
            "side": "left",
            "aspirate_volume_ml": 60,
            "anticoagulant": "ACD-A",
        },
    )
    assert response.status_code == 403
    assert "coordinator" in response.json()["detail"]


def test_another_clinic_gets_404(client, clinic_world, protocol):
    episode = _labelled(clinic_world, protocol)
    client.force_login(clinic_world.other)
    assert client.get(f"/api/procedures/{episode.pk}").status_code == 404
    response = _post(
        client,
        f"/api/procedures/{episode.pk}/identity-checks",
        {"wristband": "x", "product_code": episode.product.product_code},
    )
    assert response.status_code == 404
    assert not IdentityCheck.objects.exists()


def test_a_naive_time_is_refused_by_name(client, clinic_world, protocol):
    episode = bmac_episode(clinic_world)
    client.force_login(clinic_world.coordinator)
    response = _post(
        client,
        f"/api/procedures/{episode.pk}/harvest",
        {
            "protocol_id": protocol.pk,
            "harvested_at": "2026-03-02T08:10:00",
            "side": "left",
            "aspirate_volume_ml": 60,
            "anticoagulant": "ACD-A",
        },
    )
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"][-1] == "harvested_at"


def test_protocols_through_the_api_are_written_by_administrators(client, clinic_world):
    body = {
        "clinic_id": clinic_world.north.pk,
        "name": "API protocol",
        "effective_from": "2026-01-01",
        "anticoagulant": "heparin",
        "processing_system": "BioCUE",
        "shelf_life_minutes": 180,
        "acceptance_rules": [{"quantity": "concentrate.viability_percent", "minimum": 90}],
    }
    client.force_login(clinic_world.physician)
    assert _post(client, "/api/procedures/protocols", body).status_code == 403
    client.force_login(clinic_world.administrator)
    created = _post(client, "/api/procedures/protocols", body)
    assert created.status_code == 201
    assert created.json()["version"] == 1
    bad = _post(
        client,
        "/api/procedures/protocols",
        {**body, "effective_from": "2026-02-01", "acceptance_rules": [{"quantity": "x"}]},
    )
    assert bad.status_code == 422
    assert bad.json()["detail"][0]["loc"][-1] == "acceptance_rules"
    listed = client.get("/api/procedures/protocols").json()
    assert [p["name"] for p in listed] == ["API protocol"]


def test_safety_events_are_listed_for_administrators(client, clinic_world, protocol):
    episode = _labelled(clinic_world, protocol)
    client.force_login(clinic_world.physician)
    _post(
        client,
        f"/api/procedures/{episode.pk}/identity-checks",
        {"wristband": episode.patient.identity.mrn, "product_code": "BMAC-0000000000"},
    )
    assert client.get("/api/procedures/safety-events").json()["count"] == 0
    client.force_login(clinic_world.administrator)
    listed = client.get("/api/procedures/safety-events").json()
    assert [item["kind"] for item in listed["items"]] == ["product_unknown"]


def test_a_correction_through_the_api_is_audited_with_its_reason(client, clinic_world, protocol):
    episode = _labelled(clinic_world, protocol)
    client.force_login(clinic_world.coordinator)
    response = client.patch(
        f"/api/procedures/{episode.pk}/records",
        {"changes": {"harvest.aspirate_volume_ml": 62}, "reason": "syringe re-read"},
        content_type="application/json",
    )
    assert response.status_code == 200
    assert response.json()["harvest"]["aspirate_volume_ml"] == 62
    entry = AuditEntry.objects.filter(model="episodes.harvest", action="update").get()
    assert entry.reason == "syringe re-read"

"""Protocols per clinic, versioned; written by administrators only, audited."""

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from spinereg.registry.audit.models import AuditEntry
from spinereg.registry.procedures import services
from spinereg.registry.procedures.models import ProcessingProtocol
from spinereg.registry.procedures.selectors import protocols_in_force, protocols_visible_to
from tests.registry.procedures.helpers import counts

VALUES = {
    "anticoagulant": "heparin",
    "processing_system": "BioCUE",
    "spins": 1,
    "shelf_life_minutes": 180,
    "acceptance_rules": [{"quantity": "concentrate.viability_percent", "minimum": 85}],
}


def _create(world, effective_from, **values):
    return services.protocol_create(
        clinic=world.north,
        actor=world.administrator,
        name="Spine BMAC",
        effective_from=effective_from,
        values={**VALUES, **values},
    )


def test_an_administrator_creates_a_version_and_the_write_is_audited(clinic_world):
    protocol = _create(clinic_world, date(2026, 1, 1))
    assert (protocol.version, protocol.effective_to) == (1, None)
    entry = AuditEntry.objects.get(
        model="procedures.processingprotocol", object_id=str(protocol.pk)
    )
    assert entry.action == "create"
    assert entry.clinic_id == clinic_world.north.pk
    assert entry.after["acceptance_rules"] == VALUES["acceptance_rules"]


def test_a_new_version_closes_the_previous_one_on_its_first_day(clinic_world):
    first = _create(clinic_world, date(2026, 1, 1))
    second = _create(clinic_world, date(2026, 6, 1), spins=2)
    first.refresh_from_db()
    assert second.version == 2
    assert first.effective_to == date(2026, 6, 1)
    assert list(protocols_in_force(clinic_world.north.pk, date(2026, 5, 31))) == [first]
    assert list(protocols_in_force(clinic_world.north.pk, date(2026, 6, 1))) == [second]
    assert (
        services.protocol_in_force(clinic_world.north.pk, "Spine BMAC", date(2025, 12, 31)) is None
    )


def test_a_version_cannot_start_before_the_one_it_replaces(clinic_world):
    _create(clinic_world, date(2026, 1, 1))
    with pytest.raises(ValidationError) as raised:
        _create(clinic_world, date(2025, 12, 1))
    assert raised.value.error_dict["effective_from"][0].code == "after_previous_version"


def test_bad_acceptance_ranges_are_refused_and_nothing_is_saved(clinic_world):
    before = counts()
    with pytest.raises(ValidationError) as raised:
        _create(
            clinic_world,
            date(2026, 1, 1),
            acceptance_rules=[{"quantity": "concentrate.viability_percent", "minimum": 120}],
        )
    error = raised.value.error_dict["acceptance_rules"][0]
    assert error.code == "physical_range"
    assert "acceptance_rules.0.minimum" in error.message
    assert counts() == before


def test_an_unknown_protocol_field_is_refused_by_name(clinic_world):
    with pytest.raises(ValidationError) as raised:
        _create(clinic_world, date(2026, 1, 1), centrifuge_colour="blue")
    assert raised.value.error_dict["centrifuge_colour"][0].code == "unknown_field"


@pytest.mark.parametrize("role", ["coordinator", "technician", "physician"])
def test_only_an_administrator_writes_protocols(clinic_world, role):
    with pytest.raises(PermissionDenied, match="administrator"):
        services.protocol_create(
            clinic=clinic_world.north,
            actor=getattr(clinic_world, role),
            name="Spine BMAC",
            effective_from=date(2026, 1, 1),
            values=VALUES,
        )
    assert not ProcessingProtocol.objects.exists()


def test_protocols_are_seen_by_their_own_clinic_only(clinic_world):
    protocol = _create(clinic_world, date(2026, 1, 1))
    assert list(protocols_visible_to(clinic_world.technician)) == [protocol]
    assert list(protocols_visible_to(clinic_world.other)) == []

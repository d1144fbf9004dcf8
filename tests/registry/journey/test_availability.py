"""Coordinators, administrators and physicians of a clinic edit its consultation hours;
audited; overlapping hours of one physician are refused."""

from datetime import date, time

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from spinereg.registry.audit.models import AuditEntry
from spinereg.registry.journey.models import AvailabilityTemplate
from spinereg.registry.journey.services import (
    availability_exception_create,
    availability_template_create,
    availability_template_delete,
)


def _hours(world, actor=None, **overrides):
    fields = {
        "clinic": world.north,
        "physician": world.physician,
        "weekday": 1,
        "start_time": time(9),
        "end_time": time(12),
        "valid_from": date(2026, 1, 1),
        "actor": actor or world.coordinator,
    }
    fields.update(overrides)
    return availability_template_create(**fields)


def test_a_coordinator_adds_weekly_hours_audited(clinic_world):
    template = _hours(clinic_world)
    entry = AuditEntry.objects.get(model="journey.availabilitytemplate")
    assert (entry.actor, entry.action, entry.object_id) == (
        clinic_world.coordinator,
        "create",
        str(template.pk),
    )


def test_overlapping_hours_of_one_physician_are_refused(clinic_world):
    _hours(clinic_world)
    with pytest.raises(ValidationError) as raised:
        _hours(clinic_world, start_time=time(11), end_time=time(13))
    assert raised.value.error_dict["start_time"][0].code == "no_overlap"
    _hours(clinic_world, start_time=time(12), end_time=time(13))  # touching is fine
    _hours(clinic_world, valid_from=date(2027, 1, 1), weekday=2)


def test_hours_that_end_before_they_start_are_refused(clinic_world):
    with pytest.raises(ValidationError) as raised:
        _hours(clinic_world, start_time=time(12), end_time=time(9))
    assert raised.value.error_dict["end_time"][0].code == "after_start"


def test_only_a_physician_of_the_clinic_gets_hours(clinic_world):
    with pytest.raises(ValidationError) as raised:
        _hours(clinic_world, physician=clinic_world.coordinator)
    assert raised.value.error_dict["physician"][0].code == "clinic_physician"


@pytest.mark.parametrize("who", ["researcher", "other", "technician"])
def test_roles_without_scheduling_cannot_edit_hours(clinic_world, who):
    with pytest.raises(PermissionDenied):
        _hours(clinic_world, actor=getattr(clinic_world, who))
    assert not AvailabilityTemplate.objects.exists()


def test_removing_hours_needs_a_reason_in_the_trail(clinic_world):
    template = _hours(clinic_world)
    availability_template_delete(template, actor=clinic_world.coordinator, reason="on leave")
    entry = AuditEntry.objects.get(model="journey.availabilitytemplate", action="delete")
    assert entry.reason == "on leave"


def test_extra_hours_need_their_times(clinic_world):
    with pytest.raises(ValidationError) as raised:
        availability_exception_create(
            clinic=clinic_world.north,
            physician=clinic_world.physician,
            day=date(2026, 11, 7),
            kind="extra",
            actor=clinic_world.coordinator,
        )
    assert raised.value.error_dict["start_time"][0].code == "required"

"""A clinic's follow-up schedule is data: a new version is checked, audited, put in force and
re-plans the clinic's episodes; a bad one is refused naming the field and the rule, and
nothing changes."""

import copy
import json
from importlib import resources

import pytest
from django.core.exceptions import ValidationError

from spinereg.core.schedule import default_schedule
from spinereg.registry.audit.models import AuditEntry
from spinereg.registry.followup.models import ScheduleDefinition, ScheduleItem
from spinereg.registry.followup.selectors import clinic_schedule
from spinereg.registry.followup.services import schedule_definition_load
from tests.registry.followup.helpers import item_of, rfa_episode


def _default() -> dict:
    text = resources.files("spinereg.core.data").joinpath("schedule_default.json").read_text()
    return json.loads(text)


def _north_v2() -> dict:
    data = _default()
    data["id"], data["version"] = "north", "2"
    data["visits"] = [v for v in data["visits"] if v["code"] != "2wk"]  # no safety call
    data["visits"][-1]["instruments"] = ["odi-2.1a", "nrs-pain"]
    return data


def test_a_clinic_without_a_definition_uses_the_shipped_default(clinic_world, episode):
    assert clinic_schedule(clinic_world.north.pk) == default_schedule()
    assert item_of(episode, "3mo").schedule_version == "spinereg-default/1.0"
    assert episode.schedule.count() == 10


def test_a_new_version_replans_the_clinics_episodes(clinic_world, episode):
    completed = item_of(episode, "baseline")
    completed.completed_at = "2025-02-20T10:00:00Z"
    completed.save()
    other_clinic = rfa_episode(clinic_world, clinic_world.other_patient, actor=clinic_world.other)

    definition = schedule_definition_load(
        clinic=clinic_world.north, data=_north_v2(), actor=clinic_world.administrator
    )
    assert (definition.schedule_id, definition.version) == ("north", "2")
    visits = list(episode.schedule.order_by("target_date").values_list("visit", flat=True))
    assert "2wk" not in visits
    assert len(visits) == 9
    assert item_of(episode, "60mo").instruments == ["odi-2.1a", "nrs-pain"]
    assert set(episode.schedule.values_list("schedule_version", flat=True)) == {"north/2"}
    assert item_of(episode, "baseline").completed_at is not None
    # Another clinic's episodes are untouched.
    assert other_clinic.schedule.count() == 10
    assert set(other_clinic.schedule.values_list("schedule_version", flat=True)) == {
        "spinereg-default/1.0"
    }
    entry = AuditEntry.objects.get(model="followup.scheduledefinition")
    assert (entry.actor, entry.clinic_id) == (clinic_world.administrator, clinic_world.north.pk)


def test_the_newest_definition_is_in_force(clinic_world):
    schedule_definition_load(clinic=clinic_world.north, data=_north_v2(), actor=None)
    v3 = _north_v2()
    v3["version"] = "3"
    v3["visits"] = v3["visits"][:3]
    schedule_definition_load(clinic=clinic_world.north, data=v3, actor=None)
    assert clinic_schedule(clinic_world.north.pk).version == "3"
    assert len(clinic_schedule(clinic_world.north.pk).visits) == 3


def _broken(change):
    data = _north_v2()
    change(data)
    return data


@pytest.mark.parametrize(
    ("change", "field", "rule"),
    [
        (lambda d: d.pop("version"), "version", "required"),
        (lambda d: d.update(visits=[]), "visits", "required"),
        (lambda d: d["visits"][1].pop("window_after"), "visits.1.window_after", "required"),
        (lambda d: d["visits"][1].update(code="baseline"), "visits.1.code", "unique_code"),
        (
            lambda d: d["visits"][2].update(instruments=["sf-36"]),
            "visits.2.instruments",
            "known_instrument",
        ),
        (lambda d: d["visits"][2].update(target_day="42"), "visits.2.target_day", "integer_days"),
        (
            lambda d: d["visits"][2].update(window_before=60),
            "visits.2",
            "windows_do_not_overlap",
        ),
        (lambda d: d["visits"][3].update(window_after=-1), "visits.3", "window_non_negative"),
        (lambda d: d.update(id="a-very-long-schedule-name"), "id", "label_length"),
    ],
)
def test_a_bad_definition_is_refused_and_changes_nothing(
    clinic_world, episode, change, field, rule
):
    before = list(ScheduleItem.objects.values_list("pk", "window_start", "schedule_version"))
    with pytest.raises(ValidationError) as error:
        schedule_definition_load(
            clinic=clinic_world.north, data=_broken(change), actor=clinic_world.administrator
        )
    assert error.value.error_dict[field][0].code == rule
    assert not ScheduleDefinition.objects.exists()
    assert not AuditEntry.objects.filter(model="followup.scheduledefinition").exists()
    assert list(ScheduleItem.objects.values_list("pk", "window_start", "schedule_version")) == (
        before
    )


def test_a_version_is_loaded_once(clinic_world):
    schedule_definition_load(clinic=clinic_world.north, data=_north_v2(), actor=None)
    changed = copy.deepcopy(_north_v2())
    changed["visits"][0]["instruments"] = ["nrs-pain"]
    with pytest.raises(ValidationError) as error:
        schedule_definition_load(clinic=clinic_world.north, data=changed, actor=None)
    assert error.value.error_dict["version"][0].code == "new_version"
    assert ScheduleDefinition.objects.count() == 1


def test_only_an_administrator_of_the_clinic_changes_its_schedule(clinic_world):
    for user in (clinic_world.coordinator, clinic_world.physician, clinic_world.other):
        with pytest.raises(ValidationError) as error:
            schedule_definition_load(clinic=clinic_world.north, data=_north_v2(), actor=user)
        assert error.value.error_dict["actor"][0].code == "administrator"
    assert not ScheduleDefinition.objects.exists()

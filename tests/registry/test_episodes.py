"""Episodes: the index date anchors the follow-up schedule."""

from datetime import date

import pytest
from django.core.exceptions import ValidationError

from spinereg.core.schedule import default_schedule
from spinereg.registry.episodes.models import Episode
from spinereg.registry.episodes.services import (
    episode_create,
    episode_update,
    reintervention_create,
)
from spinereg.registry.followup.models import ScheduleItem


def test_an_episode_with_an_index_date_gets_every_visit_of_the_schedule(
    clinic_world, signed_consent
):
    episode = episode_create(
        patient=clinic_world.patient,
        kind="bmac",
        condition="discogenic",
        index_date=date(2025, 3, 1),
        actor=clinic_world.physician,
    )
    items = {item.visit: item for item in episode.schedule.all()}
    assert list(items) == [visit.code for visit in default_schedule().visits]
    assert items["3mo"].target_date == date(2025, 5, 31)  # day 91
    assert (items["3mo"].window_start, items["3mo"].window_end) == (
        date(2025, 5, 17),
        date(2025, 6, 14),
    )
    assert items["baseline"].window_start == date(2025, 1, 30)
    assert episode.status == "active"


def test_a_planned_episode_has_no_schedule_until_it_gets_a_date(clinic_world):
    episode = episode_create(
        patient=clinic_world.patient,
        kind="esi_transforaminal",
        condition="discogenic",
        actor=clinic_world.coordinator,
    )
    assert episode.status == "planned"
    assert not episode.schedule.exists()
    episode_update(
        episode, actor=clinic_world.coordinator, changes={"index_date": date(2025, 4, 1)}
    )
    assert episode.schedule.count() == len(default_schedule().visits)
    assert episode.status == "active"


def test_moving_the_index_date_moves_every_window(clinic_world, signed_consent):
    episode = episode_create(
        patient=clinic_world.patient,
        kind="bmac",
        condition="discogenic",
        index_date=date(2025, 3, 1),
        actor=clinic_world.physician,
    )
    episode_update(episode, actor=clinic_world.physician, changes={"index_date": date(2025, 3, 11)})
    item = ScheduleItem.objects.get(episode=episode, visit="12mo")
    assert item.target_date == date(2026, 3, 11)


def test_an_index_date_before_birth_is_refused_and_nothing_is_saved(clinic_world):
    count = Episode.objects.count()
    with pytest.raises(ValidationError) as raised:
        episode_create(
            patient=clinic_world.patient,
            kind="bmac",
            condition="discogenic",
            index_date=date(1950, 1, 1),
            actor=clinic_world.physician,
        )
    assert raised.value.error_dict["index_date"][0].code == "after_birth"
    assert Episode.objects.count() == count
    assert not ScheduleItem.objects.exists()


def test_an_unknown_kind_names_the_field(clinic_world):
    with pytest.raises(ValidationError) as raised:
        episode_create(
            patient=clinic_world.patient,
            kind="acupuncture",
            condition="discogenic",
            actor=clinic_world.physician,
        )
    assert "kind" in raised.value.error_dict


def test_a_reintervention_before_the_index_date_is_refused(clinic_world, signed_consent):
    episode = episode_create(
        patient=clinic_world.patient,
        kind="bmac",
        condition="discogenic",
        index_date=date(2025, 3, 1),
        actor=clinic_world.physician,
    )
    with pytest.raises(ValidationError) as raised:
        reintervention_create(
            episode=episode,
            actor=clinic_world.physician,
            kind="surgery",
            procedure_date=date(2025, 2, 1),
        )
    assert raised.value.error_dict["procedure_date"][0].code == "after_index"

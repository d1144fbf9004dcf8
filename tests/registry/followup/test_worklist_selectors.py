"""The database's item status agrees with core.schedule.item_status on every day around a
window; the worklist holds overdue and missed items of the user's clinic only; completion per
timepoint is completed ÷ windows opened."""

from datetime import timedelta

import pytest

from spinereg.core.schedule import item_status
from spinereg.registry.followup.models import ScheduleItem
from spinereg.registry.followup.selectors import (
    completion_by_timepoint,
    with_status,
    worklist_items,
)
from tests.factories import PatientFactory
from tests.registry.followup.helpers import at, day, item_of, rfa_episode


@pytest.mark.parametrize("offset", range(-2, 24))
@pytest.mark.parametrize("completed", [False, True])
def test_the_database_status_is_cores_status(episode, offset, completed):
    item = item_of(episode, "2wk")  # window day 10–18, target day 14
    if completed:
        item.completed_at = at(day(11))
        item.save()
    today = day(offset)
    annotated = with_status(ScheduleItem.objects.filter(pk=item.pk), today).get()
    expected = item_status(
        window_start=item.window_start,
        target_date=item.target_date,
        window_end=item.window_end,
        completed=completed,
        today=today,
    )
    assert annotated.status == expected.value


def test_the_worklist_holds_overdue_and_missed_items_of_the_users_clinic(clinic_world, episode):
    rfa_episode(clinic_world, clinic_world.other_patient, actor=clinic_world.other)
    today = day(40)  # 2wk missed (window closed day 18), 6wk due (target day 42)
    items = worklist_items(clinic_world.coordinator, clinic_id=clinic_world.north.pk, today=today)
    assert [(i.episode_id, i.visit, i.status) for i in items] == [
        (episode.pk, "baseline", "missed"),
        (episode.pk, "2wk", "missed"),
    ]
    overdue_day = day(45)
    overdue = worklist_items(
        clinic_world.coordinator,
        clinic_id=clinic_world.north.pk,
        today=overdue_day,
        statuses=("overdue",),
    )
    assert [(i.visit, i.status) for i in overdue] == [("6wk", "overdue")]
    assert not worklist_items(
        clinic_world.other, clinic_id=clinic_world.north.pk, today=today
    ).exists()
    assert not worklist_items(
        clinic_world.researcher, clinic_id=clinic_world.north.pk, today=today
    ).exists()


def test_completed_and_withdrawn_are_not_on_the_worklist(clinic_world, episode):
    item = item_of(episode, "2wk")
    item.completed_at = at(day(12))
    item.save()
    withdrawn = PatientFactory(clinic=clinic_world.north, withdrawn_date=day(2))
    rfa_episode(clinic_world, withdrawn)
    items = worklist_items(clinic_world.coordinator, clinic_id=clinic_world.north.pk, today=day(40))
    assert [(i.episode_id, i.visit) for i in items] == [(episode.pk, "baseline")]


def test_completion_is_completed_over_windows_opened(clinic_world):
    episodes = [
        rfa_episode(clinic_world, PatientFactory(clinic=clinic_world.north)) for _ in range(4)
    ]
    for episode in episodes[:3]:
        item = item_of(episode, "2wk")
        item.completed_at = at(day(12))
        item.save()
    late = rfa_episode(
        clinic_world, PatientFactory(clinic=clinic_world.north), index_date=day(0) + timedelta(30)
    )
    rows = {
        row.visit: row
        for row in completion_by_timepoint(
            clinic_world.coordinator, clinic_id=clinic_world.north.pk, today=day(40)
        )
    }
    two_weeks = rows["2wk"]
    # Four 2-week windows opened (the late episode's opens on day 40: counted, still open).
    assert (two_weeks.opened, two_weeks.completed, two_weeks.missed, two_weeks.open_now) == (
        5,
        3,
        1,
        1,
    )
    assert two_weeks.completion_rate == pytest.approx(3 / 5)
    assert rows["6wk"].opened == 4
    assert rows["6wk"].completion_rate == 0
    assert "3mo" not in rows
    assert list(rows)[:3] == ["baseline", "2wk", "6wk"]
    assert late.schedule.count() == 10
    assert (
        completion_by_timepoint(clinic_world.other, clinic_id=clinic_world.north.pk, today=day(40))
        == []
    )

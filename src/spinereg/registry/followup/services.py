"""Planning an episode's follow-up schedule from its index date."""

from django.db import transaction

from spinereg.core.schedule import Schedule, default_schedule, plan
from spinereg.registry.episodes.models import Episode
from spinereg.registry.followup.models import ScheduleItem


def schedule_plan(episode: Episode, schedule: Schedule | None = None) -> list[ScheduleItem]:
    """(Re)plan every visit of `episode` from its index date. Completed items keep their
    completion; a changed index date moves every window. Called inside the episode's audited
    transaction, so the schedule never disagrees with the index date."""
    schedule = schedule or default_schedule()
    if episode.index_date is None:
        ScheduleItem.objects.filter(episode=episode, completed_at__isnull=True).delete()
        return []
    existing = {item.visit: item for item in ScheduleItem.objects.filter(episode=episode)}
    items = []
    with transaction.atomic():
        for planned in plan(episode.index_date, schedule):
            item = existing.get(planned.visit.code) or ScheduleItem(
                episode=episode, visit=planned.visit.code
            )
            item.target_date = planned.target_date
            item.window_start = planned.window_start
            item.window_end = planned.window_end
            item.instruments = list(planned.visit.instruments)
            item.schedule_version = f"{schedule.id}/{schedule.version}"
            item.save()
            items.append(item)
    return items

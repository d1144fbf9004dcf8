"""Episode endpoints: open, read, change the index date, schedule, reinterventions."""

from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Router, Status

from spinereg.registry.episodes import services
from spinereg.registry.episodes.models import Episode
from spinereg.registry.followup.models import ScheduleItem
from spinereg.web.api.lookups import acting_user, episode_or_404, patient_or_404
from spinereg.web.api.schemas import (
    EpisodeIn,
    EpisodeOut,
    EpisodePatch,
    ReinterventionIn,
    ReinterventionOut,
    ScheduleItemOut,
)

router = Router(tags=["episodes"])


@router.post("", response={201: EpisodeOut})
def episode_create(request: HttpRequest, payload: EpisodeIn) -> Status[Episode]:
    patient = patient_or_404(request, payload.patient_id)
    return Status(
        201,
        services.episode_create(
            patient=patient,
            kind=payload.kind,
            condition=payload.condition,
            index_date=payload.index_date,
            actor=acting_user(request),
            reason=payload.reason,
        ),
    )


@router.get("/{episode_id}", response=EpisodeOut)
def episode_detail(request: HttpRequest, episode_id: int) -> Episode:
    return episode_or_404(request, episode_id)


@router.patch("/{episode_id}", response=EpisodeOut)
def episode_update(request: HttpRequest, episode_id: int, payload: EpisodePatch) -> Episode:
    from django.utils.dateparse import parse_date

    episode = episode_or_404(request, episode_id)
    changes: dict[str, Any] = dict(payload.changes)
    if isinstance(changes.get("index_date"), str):
        changes["index_date"] = parse_date(changes["index_date"]) or changes["index_date"]
    return services.episode_update(
        episode,
        actor=acting_user(request),
        changes=changes,
        reason=payload.reason,
    )


@router.get("/{episode_id}/schedule", response=list[ScheduleItemOut])
def episode_schedule(request: HttpRequest, episode_id: int) -> QuerySet[ScheduleItem]:
    return episode_or_404(request, episode_id).schedule.all()


@router.post("/{episode_id}/reinterventions", response={201: ReinterventionOut})
def reintervention_create(
    request: HttpRequest, episode_id: int, payload: ReinterventionIn
) -> Status[Any]:
    episode = episode_or_404(request, episode_id)
    return Status(
        201,
        services.reintervention_create(
            episode=episode, actor=acting_user(request), **payload.dict()
        ),
    )

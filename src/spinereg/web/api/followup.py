"""Follow-up endpoints: schedule items with their status, the coordinators' worklist and
completion per timepoint, the outbox of an item and "send the link again", the patient's
contact channel, and a clinic's schedule definition. Clinic-scoped through registry.access."""

from datetime import date, datetime
from typing import Any

from django.db.models import QuerySet
from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404
from django.utils import timezone
from ninja import Router, Schema, Status
from ninja.pagination import PageNumberPagination, paginate

from spinereg.registry.access import clinics_visible_to
from spinereg.registry.accounts.models import Clinic
from spinereg.registry.followup import selectors, services
from spinereg.registry.followup.links import clinic_today, valid_until
from spinereg.registry.followup.models import Notification, ScheduleDefinition
from spinereg.web.api.lookups import acting_user, episode_or_404, patient_or_404

router = Router(tags=["follow-up"])


class ScheduleItemStatusOut(Schema):
    id: int
    episode_id: int
    visit: str
    target_date: date
    window_start: date
    window_end: date
    instruments: list[str]
    completed_at: datetime | None
    schedule_version: str
    status: str


class WorklistItemOut(ScheduleItemStatusOut):
    patient_id: int
    pseudonym: str
    last_sent_at: datetime | None
    last_sent_kind: str | None
    last_channel: str | None
    sent_count: int
    link_valid_until: date
    resend_queued: bool

    @staticmethod
    def resolve_patient_id(item: Any) -> int:
        return int(item.episode.patient_id)

    @staticmethod
    def resolve_pseudonym(item: Any) -> str:
        return str(item.episode.patient.pseudonym)

    @staticmethod
    def resolve_sent_count(item: Any) -> int:
        return int(item.sent_count or 0)

    @staticmethod
    def resolve_link_valid_until(item: Any) -> date:
        return valid_until(item.window_end, item.next_window_start)

    @staticmethod
    def resolve_resend_queued(item: Any) -> bool:
        return bool(item.pending_resends)


class NotificationOut(Schema):
    id: int
    schedule_item_id: int
    kind: str
    sequence: int
    status: str
    send_after: datetime
    channel: str
    sent_at: datetime | None
    attempts: int
    outcome: str


class TimepointCompletionOut(Schema):
    visit: str
    opened: int
    completed: int
    open_now: int
    missed: int
    completion_rate: float | None


class ResendIn(Schema):
    reason: str = ""


class ContactPreferenceIn(Schema):
    channel: str
    reason: str = ""


class ContactPreferenceOut(Schema):
    patient_id: int
    channel: str


class ScheduleDefinitionIn(Schema):
    definition: dict[str, Any]
    reason: str = ""


class ScheduleDefinitionOut(Schema):
    clinic_id: int
    schedule_id: str
    version: str
    definition: dict[str, Any]
    created_at: datetime | None


def _clinic(request: HttpRequest, clinic_id: int | None) -> Clinic:
    """The clinic asked for, else the caller's first; out of reach and missing alike: 404."""
    clinics = clinics_visible_to(request.user)
    clinic = clinics.first() if clinic_id is None else clinics.filter(pk=clinic_id).first()
    if clinic is None:
        raise Http404
    return clinic


@router.get("/worklist", response=list[WorklistItemOut])
@paginate(PageNumberPagination, page_size=50)
def worklist(
    request: HttpRequest,
    clinic_id: int | None = None,
    status: str | None = None,
    visit: str = "",
) -> QuerySet[Any]:
    """Overdue and missed visits of one clinic (default: the caller's first clinic)."""
    clinic = _clinic(request, clinic_id)
    statuses = (
        (status,) if status in selectors.WORKLIST_STATUSES else tuple(selectors.WORKLIST_STATUSES)
    )
    return selectors.worklist_items(
        request.user,
        clinic_id=clinic.pk,
        today=clinic_today(clinic.timezone, timezone.now()),
        statuses=statuses,
        visit=visit,
    )


@router.get("/completion", response=list[TimepointCompletionOut])
def completion(request: HttpRequest, clinic_id: int | None = None) -> list[Any]:
    """Completed ÷ items whose window has opened, per visit of the clinic's schedule."""
    clinic = _clinic(request, clinic_id)
    return [
        {**vars(row), "completion_rate": row.completion_rate}
        for row in selectors.completion_by_timepoint(
            request.user, clinic_id=clinic.pk, today=clinic_today(clinic.timezone, timezone.now())
        )
    ]


@router.get("/episodes/{episode_id}/schedule", response=list[ScheduleItemStatusOut])
def episode_schedule(request: HttpRequest, episode_id: int) -> QuerySet[Any]:
    episode = episode_or_404(request, episode_id)
    return selectors.episode_schedule(
        request.user, episode.pk, clinic_today(episode.clinic.timezone, timezone.now())
    )


@router.get("/items/{item_id}/notifications", response=list[NotificationOut])
def item_notifications(request: HttpRequest, item_id: int) -> QuerySet[Notification]:
    item = get_object_or_404(selectors.schedule_items_visible_to(request.user), pk=item_id)
    return selectors.item_notifications(item)


@router.post("/items/{item_id}/resend", response={201: NotificationOut})
def item_resend(request: HttpRequest, item_id: int, payload: ResendIn) -> Status[Any]:
    """Queue the visit's link again (audited); refused with 422 once the link has expired."""
    item = get_object_or_404(
        selectors.schedule_items_visible_to(request.user).select_related(
            "episode__clinic", "episode__patient"
        ),
        pk=item_id,
    )
    return Status(
        201,
        services.notification_resend(item=item, actor=acting_user(request), reason=payload.reason),
    )


@router.get("/patients/{patient_id}/contact-preference", response=ContactPreferenceOut)
def contact_preference(request: HttpRequest, patient_id: int) -> dict[str, Any]:
    patient = patient_or_404(request, patient_id)
    return {"patient_id": patient.pk, "channel": selectors.contact_channel(patient.pk)}


@router.put("/patients/{patient_id}/contact-preference", response=ContactPreferenceOut)
def contact_preference_set(
    request: HttpRequest, patient_id: int, payload: ContactPreferenceIn
) -> Any:
    patient = patient_or_404(request, patient_id)
    return services.contact_preference_set(
        patient=patient, channel=payload.channel, actor=acting_user(request), reason=payload.reason
    )


@router.get("/clinics/{clinic_id}/schedule", response=ScheduleDefinitionOut)
def clinic_schedule(request: HttpRequest, clinic_id: int) -> Any:
    """The definition in force; the shipped default when the clinic has loaded none."""
    clinic = _clinic(request, clinic_id)
    row = selectors.clinic_schedule_definition(clinic.pk)
    if row is not None:
        return row
    schedule = selectors.clinic_schedule(clinic.pk)
    return {
        "clinic_id": clinic.pk,
        "schedule_id": schedule.id,
        "version": schedule.version,
        "definition": {
            "id": schedule.id,
            "version": schedule.version,
            "visits": [
                {
                    "code": v.code,
                    "target_day": v.target_day,
                    "window_before": v.window_before,
                    "window_after": v.window_after,
                    "instruments": list(v.instruments),
                }
                for v in schedule.visits
            ],
        },
        "created_at": None,
    }


@router.post("/clinics/{clinic_id}/schedule", response={201: ScheduleDefinitionOut})
def clinic_schedule_load(
    request: HttpRequest, clinic_id: int, payload: ScheduleDefinitionIn
) -> Status[ScheduleDefinition]:
    """Put a new version in force (administrators of the clinic) and re-plan its episodes."""
    clinic = _clinic(request, clinic_id)
    return Status(
        201,
        services.schedule_definition_load(
            clinic=clinic,
            data=payload.definition,
            actor=acting_user(request),
            reason=payload.reason,
        ),
    )

"""Journey endpoints: free slots and booking requests (public, like the pages), the candidacy
engine on a pre-screen without storing it, and for staff the stored pre-screens, the
physician's decision and the clinic's red-flag alerts."""

from datetime import date, datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils import timezone
from ninja import Body, Router, Schema, Status

from spinereg.core import candidacy
from spinereg.core.errors import RuleViolation
from spinereg.registry.consent.selectors import clinic_local_date
from spinereg.registry.journey import services
from spinereg.registry.journey.models import CandidacyDecision, ClinicAlert, Prescreen
from spinereg.registry.journey.selectors import (
    alerts_visible_to,
    clinics_taking_bookings,
    prescreens_visible_to,
)
from spinereg.registry.journey.slots import parse_slot_key, slots_for
from spinereg.web.api.lookups import acting_user, patient_or_404

router = Router(tags=["journey"])


class SlotOut(Schema):
    key: str
    physician_id: int
    physician_name: str
    starts_at: datetime
    ends_at: datetime
    free_seats: int


class BookingIn(Schema):
    slot: str
    given_name: str
    family_name: str
    birth_date: date
    email: str
    phone: str = ""
    sex: str = "unknown"
    language: str = "en"


class BookingOut(Schema):
    """What a public caller learns: the appointment, never a patient id or the manage link
    (that goes to the e-mail address given)."""

    clinic: str
    physician_name: str
    starts_at: datetime
    ends_at: datetime
    status: str


class RuleOut(Schema):
    rule_id: str
    category: str
    status: str
    effect: str | None
    value: Any = None
    patient_reason: dict[str, str]
    clinician_reason: str
    source: str


class CandidacyOut(Schema):
    outcome: str
    rules_id: str
    rules_version: str
    red_flags: list[str]
    seek_care_now: bool
    seek_care_now_message: dict[str, str]
    patient_summary: dict[str, str]
    clinician_summary: str
    rules: list[RuleOut]


class PrescreenOut(Schema):
    id: int
    patient_id: int
    booking_id: int | None
    submitted_at: datetime
    outcome: str
    red_flags: list[str]
    rules_id: str
    rules_version: str
    answers: dict[str, Any]
    result: dict[str, Any]


class DecisionIn(Schema):
    decision: str
    reason: str = ""


class DecisionOut(Schema):
    id: int
    patient_id: int
    prescreen_id: int
    physician_id: int
    decision: str
    engine_outcome: str
    agrees_with_engine: bool
    reason: str
    rules_version: str
    decided_at: datetime


class AlertOut(Schema):
    id: int
    clinic_id: int
    patient_id: int
    prescreen_id: int
    red_flags: list[str]
    created_at: datetime
    acknowledged_at: datetime | None


def _slot_error(message: str, code: str) -> ValidationError:
    return ValidationError({"slot": ValidationError(message, code=code)})


@router.get("/clinics/{code}/slots", response=list[SlotOut], auth=None)
def slots(request: HttpRequest, code: str, start: date | None = None, days: int = 7) -> Any:
    """Free slots of a clinic, `days` days (at most 62) from `start` (default today)."""
    clinic = get_object_or_404(clinics_taking_bookings(), code=code)
    now = timezone.now()
    first = start or clinic_local_date(now, clinic.timezone)
    return [
        {
            "key": slot.key,
            "physician_id": slot.physician_id,
            "physician_name": slot.physician_name,
            "starts_at": slot.starts_at,
            "ends_at": slot.ends_at,
            "free_seats": slot.free_seats,
        }
        for slot in slots_for(clinic, first=first, days=days, now=now)
    ]


@router.post("/clinics/{code}/bookings", response={201: BookingOut}, auth=None)
def booking_create(request: HttpRequest, code: str, payload: BookingIn) -> Status[Any]:
    """Request a consultation; the confirmation with the manage link goes by e-mail."""
    clinic = get_object_or_404(clinics_taking_bookings(), code=code)
    parsed = parse_slot_key(payload.slot)
    if parsed is None:
        raise _slot_error("Not a slot key from the slots endpoint.", "slot_key")
    booking = services.booking_request_public(
        clinic=clinic,
        physician_id=parsed[0],
        starts_at=parsed[1],
        given_name=payload.given_name,
        family_name=payload.family_name,
        birth_date=payload.birth_date,
        email=payload.email,
        phone=payload.phone,
        sex=payload.sex,
        language=payload.language,
        base_url=request.build_absolute_uri("/"),
    )
    return Status(
        201,
        {
            "clinic": clinic.name,
            "physician_name": str(booking.physician),
            "starts_at": booking.starts_at,
            "ends_at": booking.ends_at,
            "status": booking.status,
        },
    )


@router.post("/candidacy/evaluate", response=CandidacyOut, auth=None)
def candidacy_evaluate(request: HttpRequest, payload: Body[dict[str, Any]]) -> dict[str, Any]:
    """The engine on a pre-screen (input name → answer), stored nowhere."""
    try:
        return candidacy.evaluate(payload).as_dict()
    except RuleViolation as error:
        raise ValidationError(
            {error.field: ValidationError(error.message, code=error.rule)}
        ) from None


@router.get("/patients/{patient_id}/prescreens", response=list[PrescreenOut])
def prescreens(request: HttpRequest, patient_id: int) -> Any:
    patient = patient_or_404(request, patient_id)
    return prescreens_visible_to(request.user).filter(patient=patient)


@router.post("/prescreens/{prescreen_id}/decision", response={201: DecisionOut})
def decision_create(
    request: HttpRequest, prescreen_id: int, payload: DecisionIn
) -> Status[CandidacyDecision]:
    prescreen: Prescreen = get_object_or_404(
        prescreens_visible_to(request.user).select_related("patient"), pk=prescreen_id
    )
    return Status(
        201,
        services.candidacy_decide(
            prescreen=prescreen,
            decision=payload.decision,
            reason=payload.reason,
            actor=acting_user(request),
        ),
    )


@router.get("/alerts", response=list[AlertOut])
def alerts(request: HttpRequest, open_only: bool = True) -> Any:
    rows = alerts_visible_to(request.user)
    return rows.filter(acknowledged_at__isnull=True) if open_only else rows


@router.post("/alerts/{alert_id}/acknowledge", response=AlertOut)
def alert_acknowledge(request: HttpRequest, alert_id: int) -> ClinicAlert:
    alert = get_object_or_404(alerts_visible_to(request.user), pk=alert_id)
    return services.clinic_alert_acknowledge(alert, actor=acting_user(request))

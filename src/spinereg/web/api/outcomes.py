"""Outcome endpoints: questionnaire responses and adverse events."""

from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Router, Status

from spinereg.registry.outcomes import services
from spinereg.registry.outcomes.models import AdverseEvent, QuestionnaireResponse
from spinereg.web.api.lookups import acting_user, optional_episode, patient_or_404
from spinereg.web.api.schemas import AdverseEventIn, AdverseEventOut, ResponseIn, ResponseOut

router = Router(tags=["outcomes"])


@router.get("/patients/{patient_id}/responses", response=list[ResponseOut])
def response_list(request: HttpRequest, patient_id: int) -> QuerySet[QuestionnaireResponse]:
    return patient_or_404(request, patient_id).responses.all()


@router.post("/responses", response={201: ResponseOut})
def response_create(request: HttpRequest, payload: ResponseIn) -> Status[Any]:
    patient = patient_or_404(request, payload.patient_id)
    data = payload.dict()
    data.pop("patient_id")
    data["episode"] = optional_episode(request, data.pop("episode_id"))
    return Status(
        201, services.response_create(patient=patient, actor=acting_user(request), **data)
    )


@router.get("/patients/{patient_id}/adverse-events", response=list[AdverseEventOut])
def adverse_event_list(request: HttpRequest, patient_id: int) -> QuerySet[AdverseEvent]:
    return patient_or_404(request, patient_id).adverse_events.all()


@router.post("/adverse-events", response={201: AdverseEventOut})
def adverse_event_create(request: HttpRequest, payload: AdverseEventIn) -> Status[Any]:
    patient = patient_or_404(request, payload.patient_id)
    data = payload.dict()
    data.pop("patient_id")
    data["episode"] = optional_episode(request, data.pop("episode_id"))
    return Status(
        201, services.adverse_event_create(patient=patient, actor=acting_user(request), **data)
    )

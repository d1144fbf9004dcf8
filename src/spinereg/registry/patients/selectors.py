"""Reads of patient records, always starting from the access chokepoint."""

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet

from spinereg.registry.access import patients_visible_to
from spinereg.registry.audit.models import AuditEntry
from spinereg.registry.episodes.models import Episode, Injection
from spinereg.registry.followup.models import ScheduleItem
from spinereg.registry.outcomes.models import AdverseEvent, QuestionnaireResponse, ResponseStatus
from spinereg.registry.patients.models import Patient, PatientIdentity

FOLLOWUP_FILTERS = ("due", "overdue", "missed", "up_to_date")


@dataclass(frozen=True)
class PatientFilters:
    q: str = ""
    condition: str = ""
    treatment: str = ""
    followup: str = ""
    clinic: int | None = None


def _open_items(today: date) -> QuerySet[ScheduleItem]:
    return ScheduleItem.objects.filter(episode__patient=OuterRef("pk"), completed_at__isnull=True)


def patients_matching(
    user: Any, filters: PatientFilters, today: date, *, for_count: bool = False
) -> QuerySet[Patient]:
    """The visible patients that match search and filters, ordered by name with identity
    joined (one query). `for_count=True` gives the same set without the join and order, which
    is what a count needs."""
    patients = patients_visible_to(user)
    if not for_count:
        # Every patient has an identity row; saying so makes the join inner, so PostgreSQL can
        # walk the (family_name, given_name) index in order and stop after one page.
        patients = patients.filter(identity__isnull=False).select_related("identity", "clinic")
    if filters.clinic:
        patients = patients.filter(clinic_id=filters.clinic)
    if filters.q:
        term = filters.q.strip()
        # Registry codes are upper case; MRNs match exactly; names by case-insensitive prefix
        # (PostgreSQL serves the prefix from an index on UPPER(family_name), see migrations).
        by_identity = PatientIdentity.objects.filter(
            Q(mrn=term) | Q(family_name__istartswith=term)
        ).values("patient_id")
        patients = patients.filter(Q(pseudonym=term.upper()) | Q(pk__in=by_identity))
    if filters.condition:
        patients = patients.filter(
            Exists(Episode.objects.filter(patient=OuterRef("pk"), condition=filters.condition))
        )
    if filters.treatment:
        patients = patients.filter(
            Exists(Episode.objects.filter(patient=OuterRef("pk"), kind=filters.treatment))
        )
    if filters.followup:
        open_items = _open_items(today)
        due = open_items.filter(window_start__lte=today, target_date__gte=today)
        overdue = open_items.filter(target_date__lt=today, window_end__gte=today)
        missed = open_items.filter(window_end__lt=today)
        condition = {
            "due": Exists(due),
            "overdue": Exists(overdue),
            "missed": Exists(missed),
            "up_to_date": ~Exists(overdue) & ~Exists(missed),
        }.get(filters.followup)
        if condition is not None:
            patients = patients.filter(condition)
    if for_count:
        return patients
    return patients.order_by("identity__family_name", "identity__given_name", "pk")


def patient_timeline(user: Any, patient_id: int) -> Patient:
    """One patient with everything the timeline shows, in a fixed number of queries.
    Raises Patient.DoesNotExist for missing and forbidden alike."""
    return (
        patients_visible_to(user)
        .select_related("identity", "clinic")
        .prefetch_related(
            "diagnoses__confirmed_by",
            "imaging__findings",
            "conservative_care",
            "prior_procedures",
            Prefetch(
                "episodes",
                queryset=Episode.objects.select_related(
                    "harvest", "processing", "product", "signed_by"
                ).prefetch_related(
                    "processing__compositions",
                    Prefetch("injections", queryset=Injection.objects.order_by("injected_at")),
                    "reinterventions",
                    "schedule",
                ),
            ),
            Prefetch(
                "responses",
                queryset=QuestionnaireResponse.objects.filter(
                    status=ResponseStatus.COMPLETE
                ).order_by("completed_at"),
            ),
            Prefetch(
                "responses",
                queryset=QuestionnaireResponse.objects.filter(status=ResponseStatus.DRAFT),
                to_attr="drafts",
            ),
            Prefetch("adverse_events", queryset=AdverseEvent.objects.order_by("onset_date")),
        )
        .get(pk=patient_id)
    )


def patient_history(user: Any, patient_id: int) -> tuple[Patient, QuerySet[AuditEntry]]:
    patient = patients_visible_to(user).select_related("identity").get(pk=patient_id)
    entries = AuditEntry.objects.filter(patient_id=patient.pk).select_related("actor")
    return patient, entries


def score_series(patient: Patient) -> dict[str, list[tuple[Any, float]]]:
    """Scores by instrument for plotting, from the timeline's prefetched responses."""
    series: dict[str, list[tuple[Any, float]]] = {}
    for response in patient.responses.all():
        if response.value is not None and response.completed_at is not None:
            series.setdefault(response.instrument_id, []).append(
                (response.completed_at, response.value)
            )
    return series

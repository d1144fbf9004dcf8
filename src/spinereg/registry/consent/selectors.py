"""Which consent document is current, and whether a patient has signed it.

"Current" is per clinic and language, as of a day: the document in force that day (effective,
not yet retired) with the latest effective date. A BMAC procedure needs a signature of the
document current on its index date, bound to that document's exact text by SHA-256 (21 CFR
11.70) and given no later than that day (DOMAIN.md §6.1: consent wording on investigational
status is part of what the clinic must be able to show)."""

from datetime import date, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.db.models import Q, QuerySet

from spinereg.registry.accounts.models import Clinic
from spinereg.registry.consent.models import ConsentDocument, ConsentSignature
from spinereg.registry.patients.models import Patient


def clinic_local_date(instant: datetime, timezone_name: str) -> date:
    """The clinic's calendar day of an aware instant; an unknown zone counts as UTC."""
    try:
        zone = ZoneInfo(timezone_name)
    except (ZoneInfoNotFoundError, ValueError):
        zone = ZoneInfo("UTC")
    return instant.astimezone(zone).date()


def consent_documents_in_force(clinic_id: int, on_date: date) -> QuerySet[ConsentDocument]:
    return ConsentDocument.objects.filter(clinic_id=clinic_id, effective_date__lte=on_date).filter(
        Q(retired_date__isnull=True) | Q(retired_date__gt=on_date)
    )


def consent_documents_current(clinic_id: int, on_date: date) -> list[ConsentDocument]:
    """The current document of each language (at most one per language)."""
    current: dict[str, ConsentDocument] = {}
    for document in consent_documents_in_force(clinic_id, on_date).order_by(
        "-effective_date", "-pk"
    ):
        current.setdefault(document.language, document)
    return list(current.values())


def consent_document_current(
    clinic: Clinic, language: str, on_date: date
) -> ConsentDocument | None:
    """The document to show a patient: theirs in their language, else English."""
    by_language = {doc.language: doc for doc in consent_documents_current(clinic.pk, on_date)}
    return by_language.get(language) or by_language.get("en")


def consent_signature_current(patient: Patient, on_date: date) -> ConsentSignature | None:
    """The patient's agreed signature of a document current on `on_date`, signed no later
    than that clinic-local day and matching the document's text hash; None if there is none."""
    current_ids = [doc.pk for doc in consent_documents_current(patient.clinic_id, on_date)]
    timezone_name = patient.clinic.timezone
    signatures = (
        ConsentSignature.objects.filter(patient=patient, agreed=True, document_id__in=current_ids)
        .select_related("document")
        .order_by("-signed_at")
    )
    for signature in signatures:
        if signature.document_sha256 != signature.document.sha256:
            continue
        if clinic_local_date(signature.signed_at, timezone_name) <= on_date:
            return signature
    return None

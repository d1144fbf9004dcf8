"""Writes to treatment episodes: open, change the index date, sign, record a reintervention."""

from datetime import date

from django.contrib.auth import authenticate
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from spinereg.core.vocabulary import TreatmentKind
from spinereg.registry.access import require_clinical_write
from spinereg.registry.accounts.models import Role, User
from spinereg.registry.audit.models import AuditAction
from spinereg.registry.audit.services import audit_entry_create, record_create, record_update
from spinereg.registry.consent.services import consent_require_current
from spinereg.registry.episodes.models import Episode, EpisodeStatus, Reintervention
from spinereg.registry.followup.services import schedule_plan
from spinereg.registry.patients.models import Patient


def _check_index_date(patient: Patient, index_date: date | None) -> None:
    if index_date is None:
        return
    identity = getattr(patient, "identity", None)
    if identity is not None and index_date < identity.birth_date:
        raise ValidationError(
            {
                "index_date": ValidationError(
                    "Index date is before the date of birth.", code="after_birth"
                )
            }
        )
    if index_date.year - patient.birth_year > 120:
        raise ValidationError(
            {
                "index_date": ValidationError(
                    "Index date is more than 120 years after birth.", code="plausible"
                )
            }
        )


def episode_create(
    *,
    patient: Patient,
    kind: str,
    condition: str,
    actor: User,
    index_date: date | None = None,
    reason: str = "",
) -> Episode:
    """Open an episode. The index date anchors every follow-up window, so it is checked here
    rather than found months later as a negative follow-up time in a report. A BMAC episode
    gets an index date (a procedure day) only with a signed current consent."""
    require_clinical_write(actor, patient.clinic_id)
    with transaction.atomic():
        _check_index_date(patient, index_date)
        if kind == TreatmentKind.BMAC and index_date is not None:
            consent_require_current(patient, index_date)
        episode = record_create(
            Episode(
                clinic_id=patient.clinic_id,
                patient=patient,
                kind=kind,
                condition=condition,
                index_date=index_date,
                status=EpisodeStatus.ACTIVE if index_date else EpisodeStatus.PLANNED,
            ),
            actor=actor,
            reason=reason,
        )
        schedule_plan(episode)
    return episode


def episode_update(
    episode: Episode, *, actor: User, changes: dict[str, object], reason: str = ""
) -> Episode:
    """Change an episode; a new index date re-plans its follow-up in the same transaction."""
    require_clinical_write(actor, episode.clinic_id)
    allowed = {"kind", "condition", "index_date", "status"}
    unknown = set(changes) - allowed
    if unknown:
        raise ValidationError(
            {
                name: ValidationError("Not an editable field.", code="unknown_field")
                for name in sorted(unknown)
            }
        )
    with transaction.atomic():
        old_index = episode.index_date
        if "index_date" in changes:
            _check_index_date(episode.patient, changes["index_date"])  # type: ignore[arg-type]  # checked below by full_clean
            if changes["index_date"] and episode.status == EpisodeStatus.PLANNED:
                changes = {**changes, "status": EpisodeStatus.ACTIVE}
        if "index_date" in changes or "kind" in changes:
            kind = changes.get("kind", episode.kind)
            index_date = changes.get("index_date", episode.index_date)
            if kind == TreatmentKind.BMAC and isinstance(index_date, date):
                consent_require_current(episode.patient, index_date)
        record_update(episode, changes=changes, actor=actor, reason=reason)
        if episode.index_date != old_index:
            schedule_plan(episode)
    return episode


def episode_sign(episode: Episode, *, actor: User, password: str, meaning: str) -> Episode:
    """Sign the procedure note. The password is asked again at every signature (21 CFR 11.200);
    afterwards the episode and its records change only with a reason."""
    require_clinical_write(actor, episode.clinic_id)
    if not episode.clinic.memberships.filter(user=actor, role=Role.PHYSICIAN).exists():
        raise ValidationError(
            {
                "actor": ValidationError(
                    "Only a physician of this clinic signs a procedure note.", code="physician_only"
                )
            }
        )
    if authenticate(username=actor.get_username(), password=password) is None:
        raise ValidationError(
            {"password": ValidationError("The password is not correct.", code="reauthentication")}
        )
    if not meaning.strip():
        raise ValidationError(
            {
                "meaning": ValidationError(
                    "State the meaning of the signature (e.g. authorship, review).", code="required"
                )
            }
        )
    with transaction.atomic():
        if episode.signed_at is not None:
            raise ValidationError(
                {"signed_at": ValidationError("The note is already signed.", code="already_signed")}
            )
        record_update(
            episode,
            changes={"signed_at": timezone.now(), "signed_by": actor},
            actor=actor,
            reason="",
        )
        audit_entry_create(
            actor=actor,
            action=AuditAction.EVENT,
            model="episodes.episode.signature",
            object_id=episode.pk,
            patient=episode.patient,
            after={
                "printed_name": actor.printed_name or actor.get_full_name(),
                "signed_at": episode.signed_at.isoformat() if episode.signed_at else None,
                "meaning": meaning,
            },
        )
    return episode


def reintervention_create(
    *,
    episode: Episode,
    actor: User,
    kind: str,
    procedure_date: date,
    at_index_level: bool = True,
    note: str = "",
    reason: str = "",
) -> Reintervention:
    require_clinical_write(actor, episode.clinic_id)
    if episode.index_date is None or procedure_date < episode.index_date:
        raise ValidationError(
            {
                "procedure_date": ValidationError(
                    "A reintervention comes after the episode's index date.", code="after_index"
                )
            }
        )
    return record_create(
        Reintervention(
            episode=episode,
            kind=kind,
            procedure_date=procedure_date,
            at_index_level=at_index_level,
            note=note,
        ),
        actor=actor,
        reason=reason,
    )

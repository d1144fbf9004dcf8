"""The physician signs the procedure note: password asked again and the meaning of the
signature stated (21 CFR 11.50, 11.200), through the episodes app's `episode_sign`, which locks
the episode's records so that later changes need a reason. Here the signature is also bound to
the SHA-256 of the records as signed (11.70), so a later change shows on the page."""

from django.db import transaction

from spinereg.registry.accounts.models import User
from spinereg.registry.audit.services import record_create
from spinereg.registry.episodes.models import Episode
from spinereg.registry.episodes.services import episode_sign
from spinereg.registry.procedures.facts import record_fingerprint, related_or_none
from spinereg.registry.procedures.models import ProcedureSignature
from spinereg.registry.procedures.services.common import (
    field_error,
    require_bmac,
    require_step_role,
)
from spinereg.registry.procedures.services.qc import latest_qc, pending_deviations


def procedure_sign(
    *,
    episode: Episode,
    actor: User,
    password: str,
    meaning: str,
) -> ProcedureSignature:
    require_step_role(actor, episode.clinic_id, "signature")
    require_bmac(episode)
    if meaning not in ProcedureSignature.Meaning.values:
        raise field_error(
            "meaning",
            "Choose the meaning of the signature: "
            + ", ".join(ProcedureSignature.Meaning.values)
            + ".",
            "invalid_choice",
        )
    if not episode.injections.exists():
        raise field_error(
            "signature", "Record the injection before signing the note.", "injection_first"
        )
    latest = latest_qc(episode)
    if latest is not None and pending_deviations(episode, latest.deviations):
        raise field_error(
            "signature",
            "A deviation is not acknowledged; a physician acknowledges it before signing.",
            "deviation_unacknowledged",
        )
    with transaction.atomic():
        signed = episode_sign(
            episode,
            actor=actor,
            password=password,
            meaning=ProcedureSignature.Meaning(meaning).label,
        )
        if related_or_none(signed, "procedure_signature") is not None:
            raise field_error("signature", "The note is already signed.", "already_signed")
        assert signed.signed_at is not None  # episode_sign sets it
        signature = record_create(
            ProcedureSignature(
                episode=signed,
                signer=actor,
                printed_name=actor.printed_name or actor.get_full_name() or actor.get_username(),
                meaning=meaning,
                signed_at=signed.signed_at,
                record_sha256=record_fingerprint(signed),
            ),
            actor=actor,
        )
    return signature

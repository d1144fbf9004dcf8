"""The day's records in the order they happen: harvest (coordinator), processing with the
measured composition and the same-surgical-procedure attestations (technician), the product
label (technician). Each validates against the core rules, writes and audits in one
transaction; a refusal saves nothing."""

from collections.abc import Mapping
from datetime import datetime, timedelta
from functools import partial

from django.core.exceptions import ValidationError
from django.db import transaction

from spinereg.core.product.identity import new_product_code
from spinereg.core.product.quantities import MEASURE_BY_CODE, Fraction
from spinereg.core.product.record import (
    CompositionFacts,
    HarvestFacts,
    ProcessingFacts,
    clinic_local_date,
)
from spinereg.core.product.validation import check_composition, check_harvest, check_processing
from spinereg.registry.access import holds_role
from spinereg.registry.accounts.models import CLINICAL_ROLES, User
from spinereg.registry.audit.services import record_create, record_update
from spinereg.registry.consent.services import consent_require_current
from spinereg.registry.episodes.models import Composition, Episode, Harvest, Processing, Product
from spinereg.registry.procedures.facts import harvest_facts, related_or_none
from spinereg.registry.procedures.models import ProcedureDay, ProcessingProtocol, QcEvaluation
from spinereg.registry.procedures.services.common import (
    checked,
    field_error,
    locked_episode,
    now_or,
    require_bmac,
    require_reason_if_signed,
    require_step_role,
)
from spinereg.registry.procedures.services.qc import qc_refresh

CODE_ATTEMPTS = 5


def _require_protocol_in_force(
    protocol: ProcessingProtocol, episode: Episode, harvested_at: datetime
) -> None:
    if protocol.clinic_id != episode.clinic_id:
        raise field_error("protocol", "The protocol belongs to another clinic.", "same_clinic")
    local = clinic_local_date(harvested_at, episode.clinic.timezone)
    started = protocol.effective_from <= local
    ended = protocol.effective_to is not None and local >= protocol.effective_to
    if not started or ended:
        raise field_error(
            "protocol",
            f"{protocol} is not in force on {local.isoformat()} (effective "
            f"{protocol.effective_from.isoformat()} to "
            f"{protocol.effective_to.isoformat() if protocol.effective_to else 'now'}).",
            "protocol_in_force",
        )


def _require_consent(episode: Episode, harvested_at: datetime) -> None:
    """The procedure starts at the harvest, so the consent the episodes app asks of a BMAC
    index date (signed, current, on or before the day) is asked here, before marrow is taken."""
    local = clinic_local_date(harvested_at, episode.clinic.timezone)
    try:
        consent_require_current(episode.patient, local)
    except ValidationError as error:
        raise field_error("consent", " ".join(error.messages), "consent_required") from None


def _require_clinic_member(user: User | None, clinic_id: int, field: str) -> None:
    if user is not None and not holds_role(user, CLINICAL_ROLES, clinic_id):
        raise field_error(field, "Choose a member of this clinic's staff.", "clinic_staff")


def harvest_record(
    *,
    episode: Episode,
    actor: User,
    protocol: ProcessingProtocol,
    harvested_at: datetime,
    side: str,
    aspirate_volume_ml: float,
    anticoagulant: str,
    anticoagulant_volume_ml: float | None = None,
    site: str = Harvest.Site.POSTERIOR_ILIAC_CREST,
    syringe_volume_ml: float | None = None,
    pull_count: int | None = None,
    needle_gauge: int | None = None,
    performed_by: User | None = None,
    now: datetime | None = None,
    reason: str = "",
) -> Harvest:
    """Open the procedure day on the protocol version in force and record the harvest."""
    require_step_role(actor, episode.clinic_id, "harvest")
    require_bmac(episode)
    facts = HarvestFacts(
        harvested_at=harvested_at,
        site=site,
        side=side,
        aspirate_volume_ml=aspirate_volume_ml,
        anticoagulant=anticoagulant,
        anticoagulant_volume_ml=anticoagulant_volume_ml,
        syringe_volume_ml=syringe_volume_ml,
        pull_count=pull_count,
        needle_gauge=needle_gauge,
    )
    checked(lambda: check_harvest(facts, now=now_or(now)))
    _require_clinic_member(performed_by, episode.clinic_id, "performed_by")
    with transaction.atomic():
        episode = locked_episode(episode)
        require_reason_if_signed(episode, reason)
        if related_or_none(episode, "harvest") is not None:
            raise field_error(
                "harvest",
                "The harvest is already recorded; correct it instead.",
                "already_recorded",
            )
        _require_protocol_in_force(protocol, episode, harvested_at)
        _require_consent(episode, harvested_at)
        day = related_or_none(episode, "procedure_day")
        if day is None:
            record_create(
                ProcedureDay(
                    episode=episode,
                    protocol=protocol,
                    syringe_volume_ml=syringe_volume_ml,
                    pull_count=pull_count,
                    needle_gauge=needle_gauge,
                ),
                actor=actor,
                reason=reason,
            )
        harvest = record_create(
            Harvest(
                episode=episode,
                harvested_at=harvested_at,
                site=site,
                side=side,
                aspirate_volume_ml=aspirate_volume_ml,
                anticoagulant=anticoagulant.strip(),
                anticoagulant_volume_ml=anticoagulant_volume_ml,
                performed_by=performed_by or actor,
            ),
            actor=actor,
            reason=reason,
        )
    return harvest


def composition_facts_from(
    values: Mapping[str, float | None] | None, fraction: Fraction
) -> CompositionFacts:
    """Measured values by measure code; an unknown code is refused by name."""
    values = values or {}
    for code, value in values.items():
        if code not in MEASURE_BY_CODE:
            raise field_error(
                f"{fraction.value}.{code}", "Not a measured quantity.", "unknown_measure"
            )
        if value is not None and (isinstance(value, bool) or not isinstance(value, int | float)):
            raise field_error(f"{fraction.value}.{code}", f"{value!r} is not a number.", "number")
    return CompositionFacts(**{code: values.get(code) for code in MEASURE_BY_CODE})


def processing_record(
    *,
    episode: Episode,
    actor: User,
    system: str,
    concentrate_volume_ml: float,
    centrifugation_only: bool,
    culture_or_expansion: bool,
    added_agents: str = "",
    lot_number: str = "",
    anticoagulant_lot_number: str = "",
    g_force: int | None = None,
    spin_minutes: float | None = None,
    spins: int = 1,
    started_at: datetime | None = None,
    ended_at: datetime | None = None,
    aspirate: Mapping[str, float | None] | None = None,
    concentrate: Mapping[str, float | None] | None = None,
    now: datetime | None = None,
    reason: str = "",
) -> Processing:
    """Record processing, the measured composition of aspirate and concentrate, and the
    technician's same-surgical-procedure attestations; then evaluate QC."""
    require_step_role(actor, episode.clinic_id, "processing")
    require_bmac(episode)
    at = now_or(now)
    fractions = {
        Fraction.ASPIRATE: composition_facts_from(aspirate, Fraction.ASPIRATE),
        Fraction.CONCENTRATE: composition_facts_from(concentrate, Fraction.CONCENTRATE),
    }
    for fraction, facts in fractions.items():
        checked(partial(check_composition, facts, fraction=fraction))
    with transaction.atomic():
        episode = locked_episode(episode)
        require_reason_if_signed(episode, reason)
        harvest = related_or_none(episode, "harvest")
        day = related_or_none(episode, "procedure_day")
        if harvest is None:
            raise field_error(
                "processing", "Record the harvest before processing.", "harvest_first"
            )
        if day is None:
            raise field_error(
                "processing",
                "This harvest was recorded without a procedure day (no protocol), so its "
                "processing cannot be checked against one.",
                "no_procedure_day",
            )
        if related_or_none(episode, "processing") is not None:
            raise field_error(
                "processing",
                "Processing is already recorded; correct it instead.",
                "already_recorded",
            )
        processing_row = ProcessingFacts(
            system=system,
            concentrate_volume_ml=concentrate_volume_ml,
            lot_number=lot_number,
            g_force=g_force,
            spin_minutes=spin_minutes,
            spins=spins,
            started_at=started_at,
            ended_at=ended_at,
        )
        checked(
            lambda: check_processing(processing_row, harvest=harvest_facts(harvest, day), now=at)
        )
        processing = record_create(
            Processing(
                episode=episode,
                system=system.strip(),
                lot_number=lot_number.strip(),
                g_force=g_force,
                spin_minutes=spin_minutes,
                spins=spins,
                started_at=started_at,
                ended_at=ended_at,
                concentrate_volume_ml=concentrate_volume_ml,
                performed_by=actor,
            ),
            actor=actor,
            reason=reason,
        )
        for fraction, composition in fractions.items():
            if composition.is_empty():
                continue
            record_create(
                Composition(
                    processing=processing,
                    fraction=fraction.value,
                    **{code: composition.value(code) for code in MEASURE_BY_CODE},
                ),
                actor=actor,
                reason=reason,
            )
        record_update(
            day,
            changes={
                "anticoagulant_lot_number": anticoagulant_lot_number.strip(),
                "centrifugation_only": centrifugation_only,
                "culture_or_expansion": culture_or_expansion,
                "added_agents": added_agents.strip(),
            },
            actor=actor,
            reason=reason,
        )
        qc_refresh(
            episode=episode,
            actor=actor,
            trigger=QcEvaluation.Trigger.PROCESSING,
            at=at,
            reason=reason,
        )
    return processing


def product_label(*, episode: Episode, actor: User, now: datetime | None = None) -> Product:
    """Give the concentrate its product code and expiry (harvest + the protocol's shelf life).
    The code is random (core.product.identity), never derived from patient data; printing the
    label again reuses it."""
    require_step_role(actor, episode.clinic_id, "label")
    require_bmac(episode)
    at = now_or(now)
    with transaction.atomic():
        episode = locked_episode(episode)
        harvest = related_or_none(episode, "harvest")
        day = related_or_none(episode, "procedure_day")
        if related_or_none(episode, "processing") is None or harvest is None or day is None:
            raise field_error(
                "product", "Record processing before labelling the product.", "processing_first"
            )
        if related_or_none(episode, "product") is not None:
            raise field_error(
                "product",
                "The product is already labelled; print the label again instead.",
                "already_labelled",
            )
        if related_or_none(episode.patient, "identity") is None:
            raise field_error(
                "patient",
                "The label needs the patient's name, date of birth and record number.",
                "identity_required",
            )
        expires_at = harvest.harvested_at + timedelta(minutes=day.protocol.shelf_life_minutes)
        if expires_at <= at:
            raise field_error(
                "product",
                f"The product expired at {expires_at.isoformat()} "
                f"({day.protocol.shelf_life_minutes} min after harvest); it cannot be labelled.",
                "expired",
            )
        code = new_product_code()
        for _ in range(CODE_ATTEMPTS):
            if not Product.objects.filter(product_code=code).exists():
                break
            code = new_product_code()
        product = record_create(
            Product(episode=episode, product_code=code, labelled_at=at, expires_at=expires_at),
            actor=actor,
        )
    return product

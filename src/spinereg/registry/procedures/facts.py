"""Rows to plain data: the registry's procedure-day rows as the `spinereg.core.product` inputs
(ProtocolSpec, ProcedureRecord, SameProcedureFacts), and the fingerprint a signature binds to."""

import hashlib
import json
from collections.abc import Sequence
from typing import Any

from django.core.exceptions import ObjectDoesNotExist

from spinereg.core.product.identity import Refusal
from spinereg.core.product.protocol import ProtocolSpec, parse_acceptance_rules
from spinereg.core.product.record import (
    CompositionFacts,
    HarvestFacts,
    InjectionFacts,
    ProcedureRecord,
    ProcessingFacts,
    clinic_local_date,
)
from spinereg.core.product.same_procedure import SameProcedureFacts
from spinereg.registry.audit.services import snapshot
from spinereg.registry.episodes.models import Composition, Episode, Harvest, Injection, Processing
from spinereg.registry.procedures.models import ProcedureDay, ProcessingProtocol


def related_or_none(instance: Any, name: str) -> Any:
    """A reverse one-to-one (episode.harvest, …) or None when there is none."""
    try:
        return getattr(instance, name)
    except ObjectDoesNotExist:
        return None


def protocol_spec(protocol: ProcessingProtocol) -> ProtocolSpec:
    return ProtocolSpec(
        name=protocol.name,
        version=protocol.version,
        shelf_life_minutes=protocol.shelf_life_minutes,
        harvest_site=protocol.harvest_site,
        harvest_side=protocol.harvest_side,
        syringe_volume_ml=protocol.syringe_volume_ml,
        pulls_per_side=protocol.pulls_per_side,
        needle_gauge=protocol.needle_gauge,
        anticoagulant=protocol.anticoagulant,
        anticoagulant_volume_ml=protocol.anticoagulant_volume_ml,
        processing_system=protocol.processing_system,
        g_force=protocol.g_force,
        spin_minutes=protocol.spin_minutes,
        spins=protocol.spins,
        target_aspirate_volume_ml=protocol.target_aspirate_volume_ml,
        target_concentrate_volume_ml=protocol.target_concentrate_volume_ml,
        acceptance=parse_acceptance_rules(protocol.acceptance_rules),
    )


def harvest_facts(harvest: Harvest, day: ProcedureDay | None) -> HarvestFacts:
    return HarvestFacts(
        harvested_at=harvest.harvested_at,
        site=harvest.site,
        side=harvest.side,
        aspirate_volume_ml=harvest.aspirate_volume_ml,
        anticoagulant=harvest.anticoagulant,
        anticoagulant_volume_ml=harvest.anticoagulant_volume_ml,
        syringe_volume_ml=day.syringe_volume_ml if day else None,
        pull_count=day.pull_count if day else None,
        needle_gauge=day.needle_gauge if day else None,
    )


def processing_facts(processing: Processing) -> ProcessingFacts:
    return ProcessingFacts(
        system=processing.system,
        concentrate_volume_ml=processing.concentrate_volume_ml,
        lot_number=processing.lot_number,
        g_force=processing.g_force,
        spin_minutes=processing.spin_minutes,
        spins=processing.spins,
        started_at=processing.started_at,
        ended_at=processing.ended_at,
    )


def composition_facts(composition: Composition | None) -> CompositionFacts | None:
    if composition is None:
        return None
    return CompositionFacts(
        tnc_per_ml=composition.tnc_per_ml,
        mnc_per_ml=composition.mnc_per_ml,
        cfu_f_per_ml=composition.cfu_f_per_ml,
        cd34_per_ml=composition.cd34_per_ml,
        platelets_per_ml=composition.platelets_per_ml,
        viability_percent=composition.viability_percent,
        hematocrit_percent=composition.hematocrit_percent,
    )


def injection_facts(injection: Injection) -> InjectionFacts:
    return InjectionFacts(
        level=injection.level,
        side=injection.side,
        volume_ml=injection.volume_ml,
        injected_at=injection.injected_at,
        approach=injection.approach,
        guidance=injection.guidance,
        needle_gauge=injection.needle_gauge,
        contrast=injection.contrast,
    )


def procedure_record(
    episode: Episode,
    *,
    day: ProcedureDay | None = None,
    harvest: Harvest | None = None,
    processing: Processing | None = None,
    compositions: Sequence[Composition] | None = None,
    injections: Sequence[InjectionFacts] | None = None,
) -> ProcedureRecord:
    """The episode's procedure day as core data. Rows passed in (changed, not yet saved) take
    the place of the stored ones; anything not passed is read from the episode's relations,
    so prefetched episodes cost no queries."""
    day = day or related_or_none(episode, "procedure_day")
    harvest = harvest or related_or_none(episode, "harvest")
    processing = processing or related_or_none(episode, "processing")
    if compositions is None:
        compositions = list(processing.compositions.all()) if processing is not None else []
    by_fraction = {composition.fraction: composition for composition in compositions}
    if injections is None:
        injections = [injection_facts(injection) for injection in episode.injections.all()]
    attested = day is not None and day.centrifugation_only is not None
    return ProcedureRecord(
        harvest=harvest_facts(harvest, day) if harvest is not None else None,
        processing=processing_facts(processing) if processing is not None else None,
        aspirate=composition_facts(by_fraction.get(Composition.Fraction.ASPIRATE)),
        concentrate=composition_facts(by_fraction.get(Composition.Fraction.CONCENTRATE)),
        injections=tuple(injections),
        added_agents=day.added_agents if day is not None and attested else None,
        post_procedure_protocol=day.post_procedure_protocol if day is not None else "",
        patient_sex=episode.patient.sex,
        patient_birth_year=episode.patient.birth_year,
    )


def same_procedure_facts(
    episode: Episode, record: ProcedureRecord, *, checked_codes: dict[str, bool]
) -> SameProcedureFacts:
    """`checked_codes`: product code → whether any wristband-and-label check of it on this
    episode was accepted. No checks at all (records imported from elsewhere) leaves the
    autologous fact unrecorded rather than broken."""
    timezone_name = episode.clinic.timezone
    day = related_or_none(episode, "procedure_day")
    product = related_or_none(episode, "product")
    injected = bool(record.injections)
    harvest = record.harvest
    return SameProcedureFacts(
        harvest_date=(
            clinic_local_date(harvest.harvested_at, timezone_name) if harvest is not None else None
        ),
        injection_dates=[
            clinic_local_date(injection.injected_at, timezone_name)
            for injection in record.injections
        ],
        identity_confirmed=(
            (product is not None and checked_codes.get(product.product_code, False))
            if injected and checked_codes
            else None
        ),
        injected_after_expiry=(
            any(injection.injected_at > product.expires_at for injection in record.injections)
            if injected and product is not None
            else None
        ),
        centrifugation_only=day.centrifugation_only if day is not None else None,
        culture_or_expansion=day.culture_or_expansion if day is not None else None,
        added_agents=record.added_agents,
        spins=record.processing.spins if record.processing is not None else None,
    )


def record_fingerprint(episode: Episode) -> str:
    """SHA-256 of the procedure-day records in canonical JSON: what a signature binds to
    (21 CFR 11.70). Any later change to a signed record changes it."""
    processing = related_or_none(episode, "processing")
    content = {
        "episode": episode.pk,
        "procedure_day": _snapshot(related_or_none(episode, "procedure_day"), drop=("opened_at",)),
        "harvest": _snapshot(related_or_none(episode, "harvest")),
        "processing": _snapshot(processing),
        "compositions": sorted(
            (_snapshot(c) for c in (processing.compositions.all() if processing else [])),
            key=lambda row: str(row["fraction"] if row else ""),
        ),
        "product": _snapshot(related_or_none(episode, "product")),
        "injections": [_snapshot(i) for i in episode.injections.order_by("pk")],
    }
    canonical = json.dumps(content, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def _snapshot(instance: Any, drop: tuple[str, ...] = ()) -> dict[str, Any] | None:
    if instance is None:
        return None
    data = snapshot(instance)
    for name in drop:
        data.pop(name, None)
    return data


REFUSAL_FIELD = {
    Refusal.WRISTBAND_MISMATCH: "wristband",
    Refusal.PRODUCT_UNKNOWN: "product_code",
    Refusal.PRODUCT_OTHER_PATIENT: "product_code",
    Refusal.PRODUCT_OTHER_PROCEDURE: "product_code",
    Refusal.PRODUCT_USED: "product_code",
    Refusal.PRODUCT_EXPIRED: "product_code",
}

"""Building a procedure day step by step through the services, for the registry, web and
browser tests. Times are fixed on 2 March 2026 (UTC clinic) and passed as `now`, so no test
depends on the clock."""

from datetime import UTC, date, datetime, timedelta
from types import SimpleNamespace

from spinereg.core.product.protocol import example_protocol
from spinereg.registry.audit.models import AuditEntry
from spinereg.registry.consent.models import ConsentDocument, ConsentSignature
from spinereg.registry.episodes.models import (
    Composition,
    Episode,
    Harvest,
    Injection,
    Processing,
    Product,
)
from spinereg.registry.procedures import services
from spinereg.registry.procedures.models import (
    DeviationAcknowledgement,
    IdentityCheck,
    ProcedureDay,
    ProcedureSignature,
    ProcessingProtocol,
    QcEvaluation,
    SafetyEvent,
)
from tests.factories import EpisodeFactory

CONSENT_BODY = "Test consent text: investigational, mixed evidence, risks and alternatives.\n"
DAY = date(2026, 3, 2)
HARVEST_AT = datetime(2026, 3, 2, 8, 10, tzinfo=UTC)
PROCESSING_START = HARVEST_AT + timedelta(minutes=20)
PROCESSING_END = HARVEST_AT + timedelta(minutes=55)
LABEL_AT = HARVEST_AT + timedelta(minutes=60)
INJECT_AT = HARVEST_AT + timedelta(minutes=90)

GOOD_ASPIRATE = {"tnc_per_ml": 30e6, "mnc_per_ml": 9e6, "cfu_f_per_ml": 800.0, "cd34_per_ml": 0.5e6}
GOOD_CONCENTRATE = {
    "tnc_per_ml": 120e6,
    "mnc_per_ml": 40e6,
    "cfu_f_per_ml": 2500.0,
    "cd34_per_ml": 1.8e6,
    "platelets_per_ml": 1.2e9,
    "viability_percent": 95.0,
    "hematocrit_percent": 12.0,
}


def protocol_for(world: SimpleNamespace, clinic=None) -> ProcessingProtocol:
    """The example protocol (data) as version 1, in force from 1 January 2026."""
    clinic = clinic or world.north
    return services.protocol_create_from_spec(
        clinic=clinic,
        actor=world.administrator,
        spec=example_protocol(),
        effective_from=date(2026, 1, 1),
    )


def consent_signed(patient) -> None:
    """The patient's agreed signature of their clinic's consent document, in force since 2020
    and signed in 2024: what a BMAC procedure day requires. Idempotent."""
    document, _ = ConsentDocument.objects.get_or_create(
        clinic=patient.clinic,
        version="1.0",
        language="en",
        defaults={
            "title": "Consent to BMAC treatment of the spine (investigational)",
            "body": CONSENT_BODY,
            "sha256": ConsentDocument.hash_body(CONSENT_BODY),
            "effective_date": date(2020, 1, 1),
        },
    )
    if not ConsentSignature.objects.filter(patient=patient, document=document).exists():
        ConsentSignature.objects.create(
            patient=patient,
            document=document,
            typed_name=patient.identity.full_name,
            agreed=True,
            signed_at=datetime(2024, 12, 1, 10, 0, tzinfo=UTC),
            document_sha256=document.sha256,
        )


def bmac_episode(world: SimpleNamespace, patient=None, *, consent: bool = True) -> Episode:
    patient = patient or world.patient
    if consent:
        consent_signed(patient)
    return EpisodeFactory(patient=patient, clinic=patient.clinic, kind="bmac", index_date=None)


def record_harvest(world, episode, protocol, **overrides):
    values = {
        "episode": episode,
        "actor": world.coordinator,
        "protocol": protocol,
        "harvested_at": HARVEST_AT,
        "side": "bilateral",
        "aspirate_volume_ml": 60.0,
        "anticoagulant": "ACD-A",
        "anticoagulant_volume_ml": 8.0,
        "syringe_volume_ml": 10.0,
        "pull_count": 6,
        "needle_gauge": 11,
        "performed_by": world.physician,
        "now": HARVEST_AT + timedelta(minutes=5),
    }
    values.update(overrides)
    return services.harvest_record(**values)


def record_processing(world, episode, **overrides):
    values = {
        "episode": episode,
        "actor": world.technician,
        "system": "SmartPrep2",
        "lot_number": "KIT-2231",
        "anticoagulant_lot_number": "ACD-77",
        "g_force": 1100,
        "spin_minutes": 14.0,
        "spins": 2,
        "started_at": PROCESSING_START,
        "ended_at": PROCESSING_END,
        "concentrate_volume_ml": 7.0,
        "aspirate": dict(GOOD_ASPIRATE),
        "concentrate": dict(GOOD_CONCENTRATE),
        "centrifugation_only": True,
        "culture_or_expansion": False,
        "added_agents": "",
        "now": PROCESSING_END + timedelta(minutes=1),
    }
    values.update(overrides)
    return services.processing_record(**values)


def label(world, episode, now=LABEL_AT):
    return services.product_label(episode=episode, actor=world.technician, now=now)


def inject(world, episode, product_code, **overrides):
    values = {
        "episode": episode,
        "actor": world.physician,
        "wristband": episode.patient.identity.mrn,
        "product_code": product_code,
        "approach": "intradiscal",
        "guidance": "fluoroscopy",
        "targets": [services.InjectionTarget("L4-L5", "central", 2.0)],
        "injected_at": INJECT_AT,
        "needle_gauge": 22,
        "contrast": True,
        "post_procedure_protocol": "Lumbar brace 2 weeks; no NSAIDs 6 weeks.",
        "now": INJECT_AT,
    }
    values.update(overrides)
    return services.injection_record(**values)


def day_until(world, stage: str, episode=None, protocol=None):
    """A procedure day recorded up to and including `stage`: harvest, processing, label,
    injection."""
    protocol = protocol or protocol_for(world)
    episode = episode or bmac_episode(world)
    record_harvest(world, episode, protocol)
    if stage == "harvest":
        return episode
    record_processing(world, episode)
    if stage == "processing":
        return episode
    product = label(world, episode)
    if stage == "label":
        return episode
    inject(world, episode, product.product_code)
    return episode


def counts() -> dict[str, int]:
    """Rows of every procedure-day table and of the audit log, to show a refusal saved nothing."""
    models = (
        Harvest,
        Processing,
        Composition,
        Product,
        Injection,
        ProcedureDay,
        QcEvaluation,
        DeviationAcknowledgement,
        IdentityCheck,
        SafetyEvent,
        ProcedureSignature,
        ProcessingProtocol,
        AuditEntry,
    )
    return {model.__name__: model.objects.count() for model in models}

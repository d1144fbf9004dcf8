"""Writes of the procedure day. Each service checks the actor's role for its step, validates
against the core rules, and writes and audits in one transaction (a refused chain-of-identity
check is the one thing kept after a refusal: it is the safety record of the attempt)."""

from spinereg.registry.procedures.services.common import STEP_ROLES, may
from spinereg.registry.procedures.services.corrections import correctable_fields, procedure_correct
from spinereg.registry.procedures.services.identity import (
    InjectionTarget,
    identity_check_record,
    identity_verify,
    injection_record,
)
from spinereg.registry.procedures.services.protocols import (
    PROTOCOL_FIELDS,
    protocol_create,
    protocol_create_from_spec,
    protocol_in_force,
)
from spinereg.registry.procedures.services.qc import deviation_acknowledge, qc_refresh
from spinereg.registry.procedures.services.records import (
    harvest_record,
    processing_record,
    product_label,
)
from spinereg.registry.procedures.services.signature import procedure_sign

__all__ = [
    "PROTOCOL_FIELDS",
    "STEP_ROLES",
    "InjectionTarget",
    "correctable_fields",
    "deviation_acknowledge",
    "harvest_record",
    "identity_check_record",
    "identity_verify",
    "injection_record",
    "may",
    "procedure_correct",
    "procedure_sign",
    "processing_record",
    "product_label",
    "protocol_create",
    "protocol_create_from_spec",
    "protocol_in_force",
    "qc_refresh",
]

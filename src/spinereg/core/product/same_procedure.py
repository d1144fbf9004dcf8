"""The facts that qualify a BMAC procedure for the same-surgical-procedure exception
(21 CFR 1271.15(b)) and the minimal-manipulation criterion (1271.10(a)), checked against the
day's records. DOMAIN.md §6.1: spinereg does not decide regulatory status; it records what is
needed to argue it and flags a procedure whose records break one of the facts.

Homologous use is not one of the items: FDA's guidance (Nov 2017, rev. Jul 2020) treats bone
marrow used for musculoskeletal indications as non-homologous whatever the records say, so the
page states that instead of pretending a record could satisfy it (`HOMOLOGOUS_USE_NOTE`)."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum


class ItemStatus(StrEnum):
    MET = "met"
    BROKEN = "broken"
    NOT_RECORDED = "not_recorded"


@dataclass(frozen=True, slots=True)
class SameProcedureFacts:
    """Facts recorded on the day. None means not (yet) recorded."""

    harvest_date: date | None  # clinic-local
    injection_dates: Sequence[date]  # clinic-local, one per injected target
    # Every injection followed an accepted wristband-and-label check for this patient.
    identity_confirmed: bool | None
    injected_after_expiry: bool | None
    centrifugation_only: bool | None  # attested by the technician
    culture_or_expansion: bool | None  # attested by the technician
    added_agents: str | None  # besides the anticoagulant; "" = none
    spins: int | None


@dataclass(frozen=True, slots=True)
class ChecklistItem:
    code: str
    label: str
    status: ItemStatus
    message: str


HOMOLOGOUS_USE_NOTE = (
    "Homologous use is not claimed: FDA guidance (Nov 2017, rev. Jul 2020) treats bone marrow "
    "for musculoskeletal indications as non-homologous. Record the investigational status in "
    "the consent."
)


def _autologous(facts: SameProcedureFacts) -> ChecklistItem:
    label = "Autologous: the product goes back to the patient it came from"
    if facts.identity_confirmed is None:
        return ChecklistItem("autologous", label, ItemStatus.NOT_RECORDED, "no injection yet")
    if not facts.identity_confirmed:
        return ChecklistItem(
            "autologous",
            label,
            ItemStatus.BROKEN,
            "an injection has no accepted wristband-and-label check for this patient",
        )
    return ChecklistItem(
        "autologous", label, ItemStatus.MET, "wristband and label matched before injection"
    )


def _same_procedure(facts: SameProcedureFacts) -> ChecklistItem:
    label = "Removed and implanted in the same procedure"
    if facts.harvest_date is None or not facts.injection_dates:
        return ChecklistItem(
            "same_procedure", label, ItemStatus.NOT_RECORDED, "harvest or injection not recorded"
        )
    other_days = sorted({day for day in facts.injection_dates if day != facts.harvest_date})
    if other_days:
        return ChecklistItem(
            "same_procedure",
            label,
            ItemStatus.BROKEN,
            f"harvested {facts.harvest_date.isoformat()} but injected "
            + ", ".join(day.isoformat() for day in other_days),
        )
    if facts.injected_after_expiry:
        return ChecklistItem(
            "same_procedure", label, ItemStatus.BROKEN, "injected after the product expired"
        )
    return ChecklistItem(
        "same_procedure", label, ItemStatus.MET, "harvest and injection on the same day"
    )


def _centrifugation_only(facts: SameProcedureFacts) -> ChecklistItem:
    label = "Processing limited to centrifugation"
    if facts.centrifugation_only is None:
        return ChecklistItem("centrifugation_only", label, ItemStatus.NOT_RECORDED, "not attested")
    if not facts.centrifugation_only:
        return ChecklistItem(
            "centrifugation_only", label, ItemStatus.BROKEN, "processing went beyond centrifugation"
        )
    if not facts.spins:
        return ChecklistItem(
            "centrifugation_only", label, ItemStatus.BROKEN, "no centrifugation spin is recorded"
        )
    return ChecklistItem(
        "centrifugation_only", label, ItemStatus.MET, f"{facts.spins} spin(s), nothing else"
    )


def _no_culture(facts: SameProcedureFacts) -> ChecklistItem:
    label = "No culture or expansion"
    if facts.culture_or_expansion is None:
        return ChecklistItem("no_culture", label, ItemStatus.NOT_RECORDED, "not attested")
    if facts.culture_or_expansion:
        return ChecklistItem(
            "no_culture", label, ItemStatus.BROKEN, "cells were cultured or expanded"
        )
    return ChecklistItem("no_culture", label, ItemStatus.MET, "none")


def _no_added_agents(facts: SameProcedureFacts) -> ChecklistItem:
    label = "No agents added besides the anticoagulant"
    if facts.added_agents is None:
        return ChecklistItem("no_added_agents", label, ItemStatus.NOT_RECORDED, "not recorded")
    if facts.added_agents.strip():
        return ChecklistItem(
            "no_added_agents", label, ItemStatus.BROKEN, f"added: {facts.added_agents.strip()}"
        )
    return ChecklistItem("no_added_agents", label, ItemStatus.MET, "none")


def same_procedure_checklist(facts: SameProcedureFacts) -> tuple[ChecklistItem, ...]:
    return (
        _autologous(facts),
        _same_procedure(facts),
        _centrifugation_only(facts),
        _no_culture(facts),
        _no_added_agents(facts),
    )


def is_flagged(items: Sequence[ChecklistItem]) -> bool:
    """A procedure is flagged when its records break any qualifying fact."""
    return any(item.status is ItemStatus.BROKEN for item in items)

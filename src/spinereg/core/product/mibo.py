"""Completeness of the product description against the MIBO checklist for cell-based products
(Murray 2017, J Bone Joint Surg Am 99:809): patient factors, harvest, processing, composition,
delivery and the post-procedure protocol.

MIBO's exact item list for MSC studies was not retrieved (DOMAIN.md §5 marks it unverified), so
these items are spinereg's rendering of the domains DOMAIN.md lists, one item per field that
answers it. Most BMAC studies under-report them (Murray 2018, Arthroscopy 34:1366), which is why
the standardisation report gives the share of procedures that report every item."""

from collections.abc import Callable
from dataclasses import dataclass

from spinereg.core.product.record import ProcedureRecord

DOMAIN_LABELS = {
    "patient": "Patient",
    "harvest": "Harvest",
    "processing": "Processing",
    "composition": "Composition",
    "delivery": "Delivery",
    "post_procedure": "Post-procedure",
}


@dataclass(frozen=True, slots=True)
class MiboItem:
    domain: str
    code: str
    label: str
    present: Callable[[ProcedureRecord], bool]

    @property
    def domain_label(self) -> str:
        return DOMAIN_LABELS[self.domain]


@dataclass(frozen=True, slots=True)
class MiboReport:
    present: tuple[MiboItem, ...]
    missing: tuple[MiboItem, ...]

    @property
    def is_complete(self) -> bool:
        return not self.missing

    @property
    def share_present(self) -> float:
        return len(self.present) / (len(self.present) + len(self.missing))


def _concentrate_has(code: str) -> Callable[[ProcedureRecord], bool]:
    def present(record: ProcedureRecord) -> bool:
        return record.concentrate is not None and record.concentrate.value(code) is not None

    return present


def _spin_protocol(record: ProcedureRecord) -> bool:
    processing = record.processing
    return processing is not None and None not in (
        processing.g_force,
        processing.spin_minutes,
        processing.spins,
    )


def _targets(record: ProcedureRecord) -> bool:
    return bool(record.injections) and all(
        injection.level and injection.approach for injection in record.injections
    )


MIBO_ITEMS: tuple[MiboItem, ...] = (
    MiboItem("patient", "age", "Age", lambda r: r.patient_birth_year is not None),
    MiboItem("patient", "sex", "Sex", lambda r: bool(r.patient_sex)),
    MiboItem(
        "harvest", "site", "Harvest site and side", lambda r: bool(r.harvest and r.harvest.site)
    ),
    MiboItem(
        "harvest",
        "needle",
        "Harvest needle gauge",
        lambda r: r.harvest is not None and r.harvest.needle_gauge is not None,
    ),
    MiboItem("harvest", "volume", "Aspirate volume", lambda r: r.harvest is not None),
    MiboItem(
        "harvest",
        "draws",
        "Number of pulls (draws)",
        lambda r: r.harvest is not None and r.harvest.pull_count is not None,
    ),
    MiboItem(
        "harvest",
        "anticoagulant",
        "Anticoagulant and its volume",
        lambda r: r.harvest is not None and r.harvest.anticoagulant_volume_ml is not None,
    ),
    MiboItem(
        "processing",
        "device",
        "Processing system",
        lambda r: bool(r.processing and r.processing.system),
    ),
    MiboItem("processing", "spin_protocol", "Spin protocol (g, minutes, spins)", _spin_protocol),
    MiboItem(
        "processing",
        "time_to_injection",
        "Time from harvest to injection",
        lambda r: r.harvest is not None and bool(r.injections),
    ),
    MiboItem("composition", "volume", "Concentrate volume", lambda r: r.processing is not None),
    MiboItem("composition", "tnc", "Total nucleated cells", _concentrate_has("tnc_per_ml")),
    MiboItem(
        "composition", "cfu_f", "CFU-F (MSC quantification)", _concentrate_has("cfu_f_per_ml")
    ),
    MiboItem("composition", "immunophenotype", "CD34+ cells", _concentrate_has("cd34_per_ml")),
    MiboItem("composition", "viability", "Viability", _concentrate_has("viability_percent")),
    MiboItem("composition", "platelets", "Platelets", _concentrate_has("platelets_per_ml")),
    MiboItem(
        "composition", "rbc", "Red cells (hematocrit)", _concentrate_has("hematocrit_percent")
    ),
    MiboItem("delivery", "target", "Target (approach and level)", _targets),
    MiboItem(
        "delivery",
        "guidance",
        "Image guidance",
        lambda r: bool(r.injections) and all(i.guidance for i in r.injections),
    ),
    MiboItem(
        "delivery",
        "volume",
        "Volume per target",
        lambda r: bool(r.injections) and all(i.volume_ml > 0 for i in r.injections),
    ),
    MiboItem(
        "delivery",
        "co_injectates",
        "Co-injectates (contrast, added agents)",
        lambda r: (
            r.added_agents is not None
            and bool(r.injections)
            and all(i.contrast is not None for i in r.injections)
        ),
    ),
    MiboItem(
        "post_procedure",
        "protocol",
        "Post-procedure protocol",
        lambda r: bool(r.post_procedure_protocol.strip()),
    ),
)


def mibo_completeness(record: ProcedureRecord) -> MiboReport:
    present = tuple(item for item in MIBO_ITEMS if item.present(record))
    missing = tuple(item for item in MIBO_ITEMS if not item.present(record))
    return MiboReport(present, missing)

"""Coded values shared by the registry, the synthetic cohort, exports and analyses. The codes
are what is stored and exported; the labels are what staff see."""

from enum import StrEnum


class Sex(StrEnum):
    FEMALE = "female"
    MALE = "male"
    OTHER = "other"
    UNKNOWN = "unknown"


class Language(StrEnum):
    EN = "en"
    ES = "es"


class SpinalLevel(StrEnum):
    T12_L1 = "T12-L1"
    L1_L2 = "L1-L2"
    L2_L3 = "L2-L3"
    L3_L4 = "L3-L4"
    L4_L5 = "L4-L5"
    L5_S1 = "L5-S1"


class Side(StrEnum):
    LEFT = "left"
    RIGHT = "right"
    BILATERAL = "bilateral"
    CENTRAL = "central"


class Condition(StrEnum):
    DISCOGENIC = "discogenic"
    FACET = "facet"


class TreatmentKind(StrEnum):
    """BMAC and the comparators a BMAC episode is compared with (DESIGN.md)."""

    BMAC = "bmac"
    ESI_INTERLAMINAR = "esi_interlaminar"
    ESI_TRANSFORAMINAL = "esi_transforaminal"
    FACET_STEROID = "facet_steroid"
    MBB = "mbb"
    RFA = "rfa"
    PRP = "prp"
    SURGERY = "surgery"
    CONSERVATIVE = "conservative"


LABELS: dict[str, str] = {
    Sex.FEMALE: "Female",
    Sex.MALE: "Male",
    Sex.OTHER: "Other",
    Sex.UNKNOWN: "Unknown",
    Language.EN: "English",
    Language.ES: "Español",
    Side.LEFT: "Left",
    Side.RIGHT: "Right",
    Side.BILATERAL: "Bilateral",
    Side.CENTRAL: "Central / not applicable",
    Condition.DISCOGENIC: "Discogenic pain / degenerative disc disease",
    Condition.FACET: "Facet joint pain",
    TreatmentKind.BMAC: "BMAC",
    TreatmentKind.ESI_INTERLAMINAR: "Epidural steroid injection, interlaminar",
    TreatmentKind.ESI_TRANSFORAMINAL: "Epidural steroid injection, transforaminal",
    TreatmentKind.FACET_STEROID: "Facet steroid injection",
    TreatmentKind.MBB: "Medial branch block",
    TreatmentKind.RFA: "Radiofrequency ablation",
    TreatmentKind.PRP: "Platelet-rich plasma",
    TreatmentKind.SURGERY: "Surgery",
    TreatmentKind.CONSERVATIVE: "Conservative care",
}


def choices(enum: type[StrEnum]) -> list[tuple[str, str]]:
    """(code, label) pairs in declaration order, for form and model choices."""
    return [(member.value, LABELS.get(member, member.value)) for member in enum]

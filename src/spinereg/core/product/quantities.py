"""The measured and derived quantities of a BMAC procedure day, each with its unit: the one
catalogue that QC rules, the standardisation report, forms and exports name quantities by.

Counts are stored per mL in absolute numbers (121 × 10⁶ TNC/mL is 121000000.0); `display_scale`
is the factor forms and pages divide by, so staff type "121" into a field labelled
"×10⁶ cells/mL" (Pettine 2015 reports TNC and CD34+ that way, CFU-F as colonies/mL)."""

from dataclasses import dataclass
from enum import StrEnum


class Fraction(StrEnum):
    """The two measured fractions: bone marrow aspirate (BMA) and its concentrate (BMAC)."""

    ASPIRATE = "aspirate"
    CONCENTRATE = "concentrate"


@dataclass(frozen=True, slots=True)
class Measure:
    """One laboratory measurement of a fraction's cell content."""

    code: str  # the composition field name, e.g. "tnc_per_ml"
    short: str  # abbreviation used in codes of derived quantities, e.g. "tnc"
    label: str
    unit: str  # unit of the stored value
    display_unit: str  # unit of the value as typed and shown
    display_scale: float  # stored value / display_scale = displayed value
    is_count: bool  # per-mL count (totals, doses, concentration factors apply) or a percent


MEASURES: tuple[Measure, ...] = (
    Measure("tnc_per_ml", "tnc", "Total nucleated cells", "cells/mL", "×10⁶ cells/mL", 1e6, True),
    Measure("mnc_per_ml", "mnc", "Mononuclear cells", "cells/mL", "×10⁶ cells/mL", 1e6, True),
    Measure("cfu_f_per_ml", "cfu_f", "CFU-F", "colonies/mL", "colonies/mL", 1.0, True),
    Measure("cd34_per_ml", "cd34", "CD34+ cells", "cells/mL", "×10⁶ cells/mL", 1e6, True),
    Measure(
        "platelets_per_ml", "platelets", "Platelets", "platelets/mL", "×10⁶ platelets/mL", 1e6, True
    ),
    Measure("viability_percent", "viability", "Viability", "%", "%", 1.0, False),
    Measure("hematocrit_percent", "hematocrit", "Hematocrit", "%", "%", 1.0, False),
)
MEASURE_BY_CODE: dict[str, Measure] = {measure.code: measure for measure in MEASURES}
COUNT_MEASURES: tuple[Measure, ...] = tuple(measure for measure in MEASURES if measure.is_count)


@dataclass(frozen=True, slots=True)
class Quantity:
    """A single-valued quantity of one procedure that a QC rule or a report can name."""

    code: str  # e.g. "concentrate.viability_percent"
    label: str
    unit: str  # unit of the stored value
    lower_bound: float | None = 0.0  # physically impossible below (None: no bound)
    upper_bound: float | None = None  # physically impossible above
    display_unit: str = ""  # unit as typed and shown; "" = the stored unit
    display_scale: float = 1.0  # stored value / display_scale = displayed value

    @property
    def shown_unit(self) -> str:
        return self.display_unit or self.unit

    def shown(self, value: float) -> float:
        return value / self.display_scale

    def describe(self, value: float) -> str:
        """The value in the unit staff read, as messages and QC results show it."""
        return f"{format_number(self.shown(value))} {self.shown_unit}".strip()


def format_number(value: float) -> str:
    """Plain figures for messages: whole numbers below a million as integers, anything else
    with four significant digits (1.21e+08, 92.5, 4.125)."""
    if value == int(value) and abs(value) < 1e6:
        return str(int(value))
    return f"{value:.4g}"


def _fraction_quantities() -> list[Quantity]:
    quantities = []
    for fraction in Fraction:
        for measure in MEASURES:
            upper = 100.0 if not measure.is_count else None
            quantities.append(
                Quantity(
                    f"{fraction.value}.{measure.code}",
                    f"{measure.label}, {fraction.value}",
                    measure.unit,
                    0.0,
                    upper,
                    measure.display_unit,
                    measure.display_scale,
                )
            )
        for measure in COUNT_MEASURES:
            quantities.append(
                Quantity(
                    f"{fraction.value}.{measure.short}_total",
                    f"{measure.label}, {fraction.value} total",
                    measure.unit.removesuffix("/mL"),
                    display_unit=measure.display_unit.removesuffix("/mL"),
                    display_scale=measure.display_scale,
                )
            )
    return quantities


QUANTITIES: tuple[Quantity, ...] = (
    Quantity("harvest.aspirate_volume_ml", "Aspirate volume", "mL"),
    Quantity("harvest.anticoagulant_volume_ml", "Anticoagulant volume", "mL"),
    Quantity("processing.g_force", "Centrifugal force", "× g"),
    Quantity("processing.spin_minutes", "Minutes per spin", "min"),
    Quantity("processing.spins", "Number of spins", "spins"),
    Quantity("processing.duration_minutes", "Processing time", "min"),
    Quantity("processing.concentrate_volume_ml", "Concentrate volume", "mL"),
    *_fraction_quantities(),
    *(
        Quantity(
            f"concentration_factor.{measure.short}",
            f"Concentration factor, {measure.label}",
            "×",
        )
        for measure in COUNT_MEASURES
    ),
    Quantity("injection.volume_ml", "Volume injected, all targets", "mL"),
    Quantity("timing.minutes_harvest_to_injection", "Minutes from harvest to injection", "min"),
)
QUANTITY_BY_CODE: dict[str, Quantity] = {quantity.code: quantity for quantity in QUANTITIES}

# Process parameters a protocol fixes by name; a record that names another is a deviation.
# Numeric settings (g-force, minutes, spins, volumes) are held by acceptance ranges instead.
CONFORMANCE_LABELS: dict[str, str] = {
    "harvest.site": "Harvest site",
    "harvest.side": "Harvest side",
    "harvest.anticoagulant": "Anticoagulant",
    "processing.system": "Processing system",
}

"""Forms of the procedure-day pages. They only parse: every rule lives in the services, whose
ValidationErrors are put back beside the field they name (`add_service_errors`). Every numeric
field states its unit in its label; counts are typed in the unit the lab reports
(×10⁶ cells/mL, colonies/mL) and scaled here."""

from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from spinereg.core.product.quantities import MEASURES, QUANTITIES, Fraction
from spinereg.core.vocabulary import Side, SpinalLevel, choices
from spinereg.registry.accounts.models import User
from spinereg.registry.episodes.models import Harvest, Injection
from spinereg.registry.procedures.models import ProcedureSignature, ProcessingProtocol

YES_NO = [("", "—"), ("yes", "Yes"), ("no", "No")]
TARGET_ROWS = 3


class LocalDateTimeInput(forms.DateTimeInput):
    """A browser date-time picker; the value is clinic-local (the view activates the clinic's
    time zone while parsing and rendering)."""

    input_type = "datetime-local"

    def __init__(self) -> None:
        super().__init__(format="%Y-%m-%dT%H:%M")


def _datetime(label: str, required: bool = True) -> forms.DateTimeField:
    return forms.DateTimeField(label=label, required=required, widget=LocalDateTimeInput())


def _number(label: str, required: bool = False) -> forms.FloatField:
    return forms.FloatField(label=label, required=required)


def _whole(label: str, required: bool = False) -> forms.IntegerField:
    return forms.IntegerField(label=label, required=required)


def add_service_errors(form: forms.Form, error: ValidationError) -> None:
    """Put a service's field-keyed errors beside the form field of the same name
    ("concentrate.tnc_per_ml" → "concentrate_tnc_per_ml"); others above the form, naming
    their field."""
    if not hasattr(error, "error_dict"):
        for message in error.messages:
            form.add_error(None, message)
        return
    for field, errors in error.error_dict.items():
        name = str(field).replace(".", "_")
        for item in errors:
            text = " ".join(item.messages)
            if name in form.fields:
                form.add_error(name, ValidationError(text, code=item.code))
            else:
                form.add_error(None, ValidationError(f"{field}: {text}", code=item.code))


class HarvestForm(forms.Form):
    protocol = forms.ModelChoiceField(
        queryset=ProcessingProtocol.objects.none(), label="Protocol in force"
    )
    harvested_at = _datetime("Harvest time (clinic time)")
    site = forms.ChoiceField(choices=Harvest.Site.choices, label="Site")
    side = forms.ChoiceField(choices=choices(Side), label="Side")
    aspirate_volume_ml = _number("Aspirate volume (mL)", required=True)
    anticoagulant = forms.CharField(max_length=40, label="Anticoagulant")
    anticoagulant_volume_ml = _number("Anticoagulant volume (mL)")
    syringe_volume_ml = _number("Syringe size (mL)")
    pull_count = _whole("Number of pulls (count)")
    needle_gauge = _whole("Harvest needle (G)")
    performed_by = forms.ModelChoiceField(queryset=User.objects.none(), label="Harvested by")

    def __init__(self, *args: Any, protocols: Any, staff: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["protocol"].queryset = protocols  # type: ignore[attr-defined]  # ModelChoiceField
        self.fields["performed_by"].queryset = staff  # type: ignore[attr-defined]  # ModelChoiceField


def _composition_fields() -> dict[str, forms.Field]:
    fields: dict[str, forms.Field] = {}
    for fraction in Fraction:
        for measure in MEASURES:
            fields[f"{fraction.value}_{measure.code}"] = _number(
                f"{measure.label}, {fraction.value} ({measure.display_unit})"
            )
    return fields


class ProcessingForm(forms.Form):
    system = forms.CharField(max_length=100, label="Processing system")
    lot_number = forms.CharField(max_length=60, required=False, label="Kit lot number")
    anticoagulant_lot_number = forms.CharField(
        max_length=60, required=False, label="Anticoagulant lot number"
    )
    g_force = _whole("Centrifugal force (× g)")
    spin_minutes = _number("Minutes per spin (min)")
    spins = _whole("Number of spins (count)", required=True)
    started_at = _datetime("Processing start (clinic time)", required=False)
    ended_at = _datetime("Processing end (clinic time)", required=False)
    concentrate_volume_ml = _number("Concentrate volume (mL)", required=True)
    centrifugation_only = forms.ChoiceField(
        choices=YES_NO, label="Processing limited to centrifugation?"
    )
    culture_or_expansion = forms.ChoiceField(choices=YES_NO, label="Cells cultured or expanded?")
    added_agents = forms.CharField(
        max_length=200,
        required=False,
        label="Agents added besides the anticoagulant (leave empty if none)",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields.update(_composition_fields())

    def composition(self, fraction: Fraction) -> dict[str, float | None]:
        """Measured values of one fraction in stored units (per mL, absolute)."""
        values: dict[str, float | None] = {}
        for measure in MEASURES:
            typed = self.cleaned_data.get(f"{fraction.value}_{measure.code}")
            values[measure.code] = None if typed is None else typed * measure.display_scale
        return values

    def composition_rows(self) -> list[dict[str, Any]]:
        return [
            {
                "measure": measure,
                "aspirate": self[f"aspirate_{measure.code}"],
                "concentrate": self[f"concentrate_{measure.code}"],
            }
            for measure in MEASURES
        ]


class AcknowledgeForm(forms.Form):
    quantity = forms.CharField(widget=forms.HiddenInput)
    comment = forms.CharField(label="Why the product may still be used", max_length=500)


class IdentityForm(forms.Form):
    wristband = forms.CharField(label="Wristband (record number)", max_length=60)
    product_code = forms.CharField(label="Product label", max_length=40)


class InjectionForm(IdentityForm):
    approach = forms.ChoiceField(choices=Injection.Approach.choices, label="Approach")
    guidance = forms.ChoiceField(choices=Injection.Guidance.choices, label="Guidance")
    needle_gauge = _whole("Needle (G)")
    contrast = forms.BooleanField(required=False, label="Contrast used")
    injected_at = _datetime("Injection time (clinic time)")
    post_procedure_protocol = forms.CharField(
        required=False, widget=forms.Textarea(attrs={"rows": 2}), label="Post-procedure protocol"
    )
    acknowledge_deviations = forms.BooleanField(
        required=False, label="I acknowledge the deviations listed above"
    )
    comment = forms.CharField(required=False, max_length=500, label="Acknowledgement comment")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        levels = [("", "—"), *((level.value, level.value) for level in SpinalLevel)]
        for row in range(TARGET_ROWS):
            self.fields[f"targets_{row}_level"] = forms.ChoiceField(
                choices=levels, required=row == 0, label=f"Target {row + 1}: level"
            )
            self.fields[f"targets_{row}_side"] = forms.ChoiceField(
                choices=choices(Side), required=False, label=f"Target {row + 1}: side"
            )
            self.fields[f"targets_{row}_volume_ml"] = _number(f"Target {row + 1}: volume (mL)")

    def target_rows(self) -> list[dict[str, Any]]:
        return [
            {
                "level": self[f"targets_{row}_level"],
                "side": self[f"targets_{row}_side"],
                "volume": self[f"targets_{row}_volume_ml"],
            }
            for row in range(TARGET_ROWS)
        ]

    def targets(self) -> list[tuple[str, str, float]]:
        rows = []
        for row in range(TARGET_ROWS):
            level = self.cleaned_data.get(f"targets_{row}_level")
            if not level:
                continue
            volume = self.cleaned_data.get(f"targets_{row}_volume_ml")
            side = self.cleaned_data.get(f"targets_{row}_side") or Side.CENTRAL.value
            rows.append((level, side, volume if volume is not None else 0.0))
        return rows


class SignForm(forms.Form):
    meaning = forms.ChoiceField(
        choices=[("", "—"), *ProcedureSignature.Meaning.choices], label="Meaning of the signature"
    )
    password = forms.CharField(
        widget=forms.PasswordInput, label="Your password (asked again for every signature)"
    )


class CorrectionForm(forms.Form):
    field = forms.ChoiceField(label="Field to correct")
    value = forms.CharField(required=False, label="New value (in the unit shown)")
    reason = forms.CharField(max_length=500, required=False, label="Reason for the change")

    def __init__(self, *args: Any, fields: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["field"].choices = [("", "—"), *fields]  # type: ignore[attr-defined]  # ChoiceField


class ProtocolForm(forms.Form):
    """A new protocol version. Acceptance ranges are one minimum and one maximum per catalogued
    quantity, typed in the quantity's display unit."""

    name = forms.CharField(max_length=100)
    effective_from = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    harvest_site = forms.ChoiceField(choices=Harvest.Site.choices, label="Harvest site")
    harvest_side = forms.ChoiceField(
        choices=[("", "Either"), *choices(Side)], required=False, label="Harvest side"
    )
    syringe_volume_ml = _number("Syringe size (mL)")
    pulls_per_side = _whole("Pulls per side (count)")
    needle_gauge = _whole("Harvest needle (G)")
    anticoagulant = forms.CharField(max_length=40)
    anticoagulant_volume_ml = _number("Anticoagulant volume (mL)")
    processing_system = forms.CharField(max_length=100, label="Processing system")
    g_force = _whole("Centrifugal force (× g)")
    spin_minutes = _number("Minutes per spin (min)")
    spins = _whole("Number of spins (count)", required=True)
    target_aspirate_volume_ml = _number("Target aspirate volume (mL)")
    target_concentrate_volume_ml = _number("Target concentrate volume (mL)")
    shelf_life_minutes = _whole("Product shelf life after harvest (min)", required=True)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for quantity in QUANTITIES:
            key = quantity.code.replace(".", "__")
            for bound in ("min", "max"):
                label = f"{quantity.label}: {bound}imum ({quantity.shown_unit})"
                field = _number(label)
                field.widget.attrs["aria-label"] = label
                self.fields[f"{bound}__{key}"] = field

    def range_rows(self) -> list[dict[str, Any]]:
        return [
            {
                "quantity": quantity,
                "minimum": self[f"min__{quantity.code.replace('.', '__')}"],
                "maximum": self[f"max__{quantity.code.replace('.', '__')}"],
            }
            for quantity in QUANTITIES
        ]

    def acceptance_rules(self) -> list[dict[str, Any]]:
        rules = []
        for quantity in QUANTITIES:
            key = quantity.code.replace(".", "__")
            rule: dict[str, Any] = {"quantity": quantity.code}
            for bound in ("min", "max"):
                typed = self.cleaned_data.get(f"{bound}__{key}")
                if typed is not None:
                    rule[f"{bound}imum"] = typed * quantity.display_scale
            if len(rule) > 1:
                rules.append(rule)
        return rules

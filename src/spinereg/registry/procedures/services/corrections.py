"""Corrections of the day's records. Every change is checked against the same rules as the
first entry (with the other records as they will be), audited with its before and after, and
— once the note is signed — needs a reason (21 CFR 11.10(e): changes do not obscure what was
recorded; the audit keeps both). QC is evaluated again after any change.

Changes are keyed "record.field": `harvest.aspirate_volume_ml`, `processing.ended_at`,
`concentrate.viability_percent`, `injection.<id>.volume_ml`, … (`correctable_fields`). Values
may be given as text (a form) or typed (the API); a time without a zone is clinic-local."""

import copy
import zoneinfo
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from spinereg.core.product.quantities import MEASURE_BY_CODE, MEASURES, Fraction
from spinereg.core.product.validation import (
    check_composition,
    check_harvest,
    check_injections,
    check_processing,
)
from spinereg.registry.accounts.models import User
from spinereg.registry.audit.services import record_create, record_update
from spinereg.registry.episodes.models import Composition, Episode, Harvest, Injection, Processing
from spinereg.registry.procedures.facts import (
    composition_facts,
    harvest_facts,
    injection_facts,
    processing_facts,
    related_or_none,
)
from spinereg.registry.procedures.models import ProcedureDay, QcEvaluation
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

HARVEST_FIELDS = (
    "harvested_at",
    "site",
    "side",
    "aspirate_volume_ml",
    "anticoagulant",
    "anticoagulant_volume_ml",
)
HARVEST_DAY_FIELDS = ("syringe_volume_ml", "pull_count", "needle_gauge")
PROCESSING_FIELDS = (
    "system",
    "lot_number",
    "g_force",
    "spin_minutes",
    "spins",
    "started_at",
    "ended_at",
    "concentrate_volume_ml",
)
PROCESSING_DAY_FIELDS = (
    "anticoagulant_lot_number",
    "centrifugation_only",
    "culture_or_expansion",
    "added_agents",
)
INJECTION_FIELDS = ("volume_ml", "needle_gauge", "guidance", "contrast", "injected_at")


@dataclass(frozen=True, slots=True)
class Target:
    """Where a change key points: the record kind, its row (injections), the field and the
    step whose role may change it."""

    record: str  # harvest | processing | day | aspirate | concentrate | injection
    field: str
    step: str
    injection_id: int | None = None


def resolve(key: str) -> Target:
    parts = key.split(".")
    if len(parts) == 2:
        record, name = parts
        if record == "harvest" and name in HARVEST_FIELDS:
            return Target("harvest", name, "harvest")
        if record == "harvest" and name in HARVEST_DAY_FIELDS:
            return Target("day", name, "harvest")
        if record == "processing" and name in PROCESSING_FIELDS:
            return Target("processing", name, "processing")
        if record == "processing" and name in PROCESSING_DAY_FIELDS:
            return Target("day", name, "processing")
        if record in (Fraction.ASPIRATE, Fraction.CONCENTRATE) and name in MEASURE_BY_CODE:
            return Target(record, name, "processing")
        if record == "injection" and name == "post_procedure_protocol":
            return Target("day", name, "injection")
    if (
        len(parts) == 3
        and parts[0] == "injection"
        and parts[1].isdigit()
        and parts[2] in INJECTION_FIELDS
    ):
        return Target("injection", parts[2], "injection", int(parts[1]))
    raise field_error(key, "Not a field that can be corrected here.", "unknown_field")


def correctable_fields(episode: Episode) -> list[str]:
    """The change keys that apply to this episode's records as they stand."""
    keys: list[str] = []
    if related_or_none(episode, "harvest") is not None:
        keys += [f"harvest.{name}" for name in HARVEST_FIELDS + HARVEST_DAY_FIELDS]
    if related_or_none(episode, "processing") is not None:
        keys += [f"processing.{name}" for name in PROCESSING_FIELDS + PROCESSING_DAY_FIELDS]
        keys += [f"{fraction.value}.{m.code}" for fraction in Fraction for m in MEASURES]
    injections = list(episode.injections.all())
    if injections:
        keys.append("injection.post_procedure_protocol")
    for injection in injections:
        keys += [f"injection.{injection.pk}.{name}" for name in INJECTION_FIELDS]
    return keys


def _coerce(key: str, model_field: "models.Field[Any, Any]", value: Any, zone: str) -> Any:
    """A form's text or an API value as the model field's type; "" clears a nullable field."""
    if isinstance(value, str) and value.strip() == "" and model_field.null:
        return None
    if isinstance(model_field, models.DateTimeField) and isinstance(value, str):
        parsed = parse_datetime(value.strip())
        if parsed is None:
            raise field_error(key, f"{value!r} is not a date and time.", "invalid")
        if timezone.is_naive(parsed):
            parsed = timezone.make_aware(parsed, zoneinfo.ZoneInfo(zone))
        return parsed
    if isinstance(model_field, models.BooleanField) and isinstance(value, str):
        lowered = value.strip().lower()
        if lowered in ("yes", "true", "1"):
            return True
        if lowered in ("no", "false", "0"):
            return False
        raise field_error(key, f"{value!r} is not yes or no.", "invalid")
    try:
        converted = model_field.to_python(value)
    except ValidationError as error:
        raise field_error(key, " ".join(error.messages), error.code or "invalid") from None
    if isinstance(converted, datetime) and timezone.is_naive(converted):
        converted = timezone.make_aware(converted, zoneinfo.ZoneInfo(zone))
    return converted


def procedure_correct(
    *,
    episode: Episode,
    actor: User,
    changes: Mapping[str, Any],
    reason: str = "",
    now: datetime | None = None,
) -> QcEvaluation | None:
    """Apply `changes` (change key → new value) to the day's records; returns the new QC
    evaluation (None when nothing is processed yet or nothing changed)."""
    require_bmac(episode)
    if not changes:
        raise field_error("changes", "Nothing to change.", "required")
    targets = {key: resolve(key) for key in changes}
    for step in sorted({target.step for target in targets.values()}):
        require_step_role(actor, episode.clinic_id, step)
    at = now_or(now)
    with transaction.atomic():
        episode = locked_episode(episode)
        require_reason_if_signed(episode, reason)
        zone = episode.clinic.timezone
        rows = _rows(episode)
        working = {name: copy.copy(row) for name, row in rows.items() if row is not None}
        for key, target in targets.items():
            row = _working_row(target, working, key)
            model_field = row._meta.get_field(target.field)
            assert isinstance(model_field, models.Field)  # resolve() names concrete fields only
            setattr(row, target.field, _coerce(key, model_field, changes[key], zone))
        _validate(working, at)
        changed = 0
        for name, row in working.items():
            original = rows.get(name)
            if original is None:
                record_create(row, actor=actor, reason=reason)
                changed += 1
                continue
            fields = {
                f.attname: getattr(row, f.attname)
                for f in row._meta.concrete_fields
                if getattr(row, f.attname) != getattr(original, f.attname)
            }
            if fields:
                record_update(original, changes=fields, actor=actor, reason=reason)
                changed += 1
        if not changed:
            return None
        return qc_refresh(
            episode=episode,
            actor=actor,
            trigger=QcEvaluation.Trigger.CORRECTION,
            at=at,
            reason=reason,
        )


def _rows(episode: Episode) -> dict[str, models.Model | None]:
    processing = related_or_none(episode, "processing")
    rows: dict[str, models.Model | None] = {
        "harvest": related_or_none(episode, "harvest"),
        "processing": processing,
        "day": related_or_none(episode, "procedure_day"),
    }
    if processing is not None:
        for composition in processing.compositions.all():
            rows[composition.fraction] = composition
    for injection in episode.injections.all():
        rows[f"injection.{injection.pk}"] = injection
    return rows


def _working_row(target: Target, working: dict[str, models.Model], key: str) -> models.Model:
    """The working copy a change applies to; a fraction measured for the first time gets a
    new composition row."""
    name = f"injection.{target.injection_id}" if target.record == "injection" else target.record
    row = working.get(name)
    if row is not None:
        return row
    processing = working.get("processing")
    if target.record in (Fraction.ASPIRATE, Fraction.CONCENTRATE) and isinstance(
        processing, Processing
    ):
        composition = Composition(processing=processing, fraction=target.record)
        working[name] = composition
        return composition
    raise field_error(key, "That record does not exist yet.", "not_recorded")


def _validate(working: dict[str, models.Model], at: datetime) -> None:
    """The whole day as it will be, against the rules of its first entry."""
    harvest = working.get("harvest")
    day = working.get("day")
    processing = working.get("processing")
    if not isinstance(harvest, Harvest):
        return
    assert day is None or isinstance(day, ProcedureDay)
    harvest_row = harvest_facts(harvest, day)
    checked(lambda: check_harvest(harvest_row, now=at), prefix="harvest.")
    if not isinstance(processing, Processing):
        return
    processing_row = processing_facts(processing)
    checked(
        lambda: check_processing(processing_row, harvest=harvest_row, now=at),
        prefix="processing.",
    )
    for fraction in Fraction:
        composition = working.get(fraction.value)
        facts = composition_facts(composition) if isinstance(composition, Composition) else None
        if facts is not None:
            checked(partial(check_composition, facts, fraction=fraction))
    injections = [row for name, row in working.items() if name.startswith("injection.")]
    if injections:
        rows = [injection_facts(row) for row in injections if isinstance(row, Injection)]
        checked(
            lambda: check_injections(rows, harvest=harvest_row, processing=processing_row, now=at),
            prefix="injection.",
        )
    for name, row in working.items():
        try:
            row.full_clean()
        except ValidationError as error:
            raise ValidationError(
                {f"{name}.{field}": messages for field, messages in error.error_dict.items()}
                if hasattr(error, "error_dict")
                else {name: error.error_list}
            ) from None

"""Loading licensed wording, rendering questionnaires with it, and re-scoring stored responses."""

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from django.core.exceptions import ValidationError
from django.db import transaction

from spinereg.core import instruments
from spinereg.core.errors import RuleViolation
from spinereg.registry.access import holds_role
from spinereg.registry.accounts.models import Clinic, Role, User
from spinereg.registry.audit.services import record_create, record_update
from spinereg.registry.instruments.models import LicensedText
from spinereg.registry.outcomes.models import QuestionnaireResponse, ResponseStatus


def _as_validation_error(error: RuleViolation) -> ValidationError:
    return ValidationError({error.field: ValidationError(error.message, code=error.rule)})


def licensed_text_load(
    *, clinic: Clinic, overlay: dict[str, Any], actor: User | None, version: str | None = None
) -> LicensedText:
    """Check the overlay against the shipped Questionnaire (every item and answer code, no
    unknown ones) and store it for the clinic. Loading again replaces the text (audited)."""
    if actor is not None and not holds_role(actor, (Role.ADMINISTRATOR,), clinic.pk):
        raise ValidationError(
            {
                "actor": ValidationError(
                    "Only an administrator of this clinic loads licensed text.",
                    code="administrator",
                )
            }
        )
    instrument_id = str(overlay.get("instrument", ""))
    language = str(overlay.get("language", ""))
    if instrument_id not in instruments.instrument_ids():
        raise ValidationError(
            {
                "instrument": ValidationError(
                    f"Unknown instrument {instrument_id!r}; known: "
                    f"{', '.join(instruments.instrument_ids())}.",
                    code="known_instrument",
                )
            }
        )
    version = version or instruments.instrument_versions(instrument_id)[-1]
    try:
        questionnaire = instruments.load_questionnaire(instrument_id, language, version)
        instruments.apply_licensed_text(questionnaire, overlay)
    except RuleViolation as error:
        raise _as_validation_error(error) from None
    except (FileNotFoundError, LookupError) as error:
        raise ValidationError(
            {"language": ValidationError(str(error), code="known_language")}
        ) from None
    with transaction.atomic():
        existing = LicensedText.objects.filter(
            clinic=clinic, instrument_id=instrument_id, version=version, language=language
        ).first()
        fields = {"licence": str(overlay["licence"]), "overlay": overlay, "loaded_by": actor}
        if existing is not None:
            return record_update(
                existing, changes=fields, actor=actor, reason="licensed text reloaded"
            )
        return record_create(
            LicensedText(
                clinic=clinic,
                instrument_id=instrument_id,
                version=version,
                language=language,
                **fields,
            ),
            actor=actor,
            reason="licensed text loaded",
        )


def questionnaire_for(clinic_id: int, instrument_id: str, language: str) -> dict[str, Any]:
    """The Questionnaire as the clinic should show it: with its licensed wording if loaded,
    else the shipped text (staff labels for licensed instruments)."""
    version = instruments.instrument_versions(instrument_id)[-1]
    questionnaire = instruments.load_questionnaire(instrument_id, language, version)
    text = LicensedText.objects.filter(
        clinic_id=clinic_id, instrument_id=instrument_id, version=version, language=language
    ).first()
    if text is None:
        return questionnaire
    return instruments.apply_licensed_text(questionnaire, text.overlay)


@dataclass(frozen=True)
class RescoreDifference:
    response_id: int
    instrument_id: str
    field: str
    stored: Any
    recomputed: Any


def _same(stored: Any, recomputed: Any) -> bool:
    if (
        stored is None
        or recomputed is None
        or (isinstance(recomputed, float) and np.isnan(recomputed))
    ):
        none_like = (
            stored is None,
            recomputed is None or (isinstance(recomputed, float) and np.isnan(recomputed)),
        )
        return none_like[0] == none_like[1]
    return bool(np.isclose(float(stored), float(recomputed), rtol=1e-12, atol=1e-12))


def responses_rescore(chunk_size: int = 50_000) -> Iterator[RescoreDifference]:
    """Recompute every complete response with today's scoring code (vectorised per instrument
    and chunk) and yield each value or subscore that differs from what is stored: proof that a
    change of scoring code did not silently move results."""
    complete = QuestionnaireResponse.objects.filter(status=ResponseStatus.COMPLETE)
    instrument_ids = complete.order_by().values_list("instrument_id", flat=True).distinct()
    for instrument_id in sorted(instrument_ids):
        instrument = instruments.load_instrument(instrument_id)
        rows = (
            complete.filter(instrument_id=instrument_id)
            .order_by("pk")
            .values_list("pk", "answers", "value", "subscores")
        )
        batch: list[tuple[int, dict[str, Any], float | None, dict[str, Any]]] = []
        for row in rows.iterator(chunk_size=chunk_size):
            batch.append(row)
            if len(batch) == chunk_size:
                yield from _rescore_batch(instrument_id, instrument, batch)
                batch = []
        if batch:
            yield from _rescore_batch(instrument_id, instrument, batch)


def _recomputed(batch: list[Any], instrument_id: str, link_ids: list[str]) -> pd.DataFrame:
    """Scores of a batch: one vectorised pass for single answers; forms with a double-ticked
    section (a list answer, scored by the instrument's rule) go through the scalar scorer."""
    single = [not any(isinstance(v, list) for v in answers.values()) for _, answers, _, _ in batch]
    frame = pd.DataFrame.from_records(
        [answers if ok else {} for (_, answers, _, _), ok in zip(batch, single, strict=True)],
        columns=link_ids,
    ).astype("float64")
    scored = instruments.score_frame(instrument_id, frame)
    for position, ok in enumerate(single):
        if not ok:
            result = instruments.score(instrument_id, batch[position][1])
            scored.loc[scored.index[position], "value"] = (
                np.nan if result.value is None else result.value
            )
            for name, value in result.subscores.items():
                scored.loc[scored.index[position], name] = np.nan if value is None else value
    return scored


def _optional_float(value: Any) -> float | None:
    return None if pd.isna(value) else float(value)


def _rescore_batch(
    instrument_id: str, instrument: Any, batch: list[Any]
) -> Iterator[RescoreDifference]:
    scored = _recomputed(batch, instrument_id, list(instrument.link_ids))
    for position, (pk, _, stored_value, stored_subscores) in enumerate(batch):
        recomputed = scored["value"].iat[position]
        if not _same(stored_value, recomputed):
            yield RescoreDifference(
                pk,
                instrument_id,
                "value",
                stored_value,
                _optional_float(recomputed),
            )
        for name in instrument.subscore_names:
            recomputed = scored[name].iat[position]
            stored = (stored_subscores or {}).get(name)
            if not _same(stored, recomputed):
                yield RescoreDifference(
                    pk,
                    instrument_id,
                    name,
                    stored,
                    _optional_float(recomputed),
                )

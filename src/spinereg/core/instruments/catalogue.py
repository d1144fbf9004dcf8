"""The instruments shipped with spinereg: versioned Questionnaire files inside the package,
found with importlib.resources so they load the same from a checkout, a wheel or a zip.

Layout: definitions/<instrument id>/<version>/questionnaire.<language>.json. The newest version
(compared number by number) is the default; older versions stay so that a score keeps the
definition it was computed with.
"""

import json
from functools import cache
from importlib import resources
from importlib.resources.abc import Traversable
from typing import Any

from spinereg.core.errors import RuleViolation
from spinereg.core.instruments.spec import Instrument, instrument_from_questionnaire
from spinereg.core.vocabulary import Language


def _definitions() -> Traversable:
    return resources.files("spinereg.core.instruments").joinpath("definitions")


def _version_key(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in version.split("."))


@cache
def instrument_ids() -> tuple[str, ...]:
    """Ids of the shipped instruments, sorted."""
    return tuple(sorted(entry.name for entry in _definitions().iterdir() if entry.is_dir()))


@cache
def instrument_versions(instrument_id: str) -> tuple[str, ...]:
    """Shipped versions of one instrument, oldest first."""
    if instrument_id not in instrument_ids():
        raise RuleViolation(
            field="instrument_id",
            rule="unknown_instrument",
            message=f"{instrument_id!r} is not a known instrument; known: "
            + ", ".join(instrument_ids()),
        )
    folder = _definitions().joinpath(instrument_id)
    return tuple(
        sorted((entry.name for entry in folder.iterdir() if entry.is_dir()), key=_version_key)
    )


@cache
def _questionnaire_text(instrument_id: str, language: str, version: str | None) -> str:
    versions = instrument_versions(instrument_id)
    chosen = versions[-1] if version is None else version
    if chosen not in versions:
        raise RuleViolation(
            field="version",
            rule="unknown_version",
            message=f"{instrument_id} has no version {chosen!r}; shipped: " + ", ".join(versions),
        )
    try:
        code = Language(language)
    except ValueError:
        raise RuleViolation(
            field="language",
            rule="known_language",
            message=f"{language!r} is not one of " + ", ".join(Language),
        ) from None
    path = _definitions().joinpath(instrument_id, chosen, f"questionnaire.{code}.json")
    return path.read_text(encoding="utf-8")


def load_questionnaire(
    instrument_id: str, language: str = "en", version: str | None = None
) -> dict[str, Any]:
    """The FHIR R4 Questionnaire of an instrument as a fresh dict (callers may change it)."""
    data: dict[str, Any] = json.loads(_questionnaire_text(instrument_id, language, version))
    return data


@cache
def load_instrument(instrument_id: str, version: str | None = None) -> Instrument:
    """The scoring spec of a shipped instrument, read from its English Questionnaire (the
    Spanish file has the same structure; tests/core/test_questionnaires.py holds them to it)."""
    questionnaire = json.loads(_questionnaire_text(instrument_id, "en", version))
    return instrument_from_questionnaire(questionnaire, instrument_id)

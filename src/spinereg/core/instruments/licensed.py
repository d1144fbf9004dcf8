"""Licensed wording (ODI, BPI) supplied by a clinic under its own licence, laid over a shipped
Questionnaire that carries only staff labels. spinereg never ships that wording (DOMAIN.md:
ODI © Fairbank via Mapi Research Trust; BPI © Cleeland via MD Anderson); the clinic keeps the
text file, and the registry calls `apply_licensed_text` when it renders the form.

The overlay is plain JSON, easy to type from the licensed PDF:

    {"instrument": "odi-2.1a", "language": "en", "licence": "Mapi licence no. …",
     "items": {"section-1": {"text": "…", "answers": {"0": "…", …, "5": "…"}}, …}}

It must cover every item and every answer code: a half-licensed form would mix wordings.
"""

import copy
from collections.abc import Mapping
from typing import Any

from spinereg.core.errors import RuleViolation

# Marks a rendered copy as carrying licensed wording, with the licence it is used under.
LICENSED_TEXT_LOADED_URL = "https://spinereg.org/fhir/StructureDefinition/licensed-text-loaded"


def _questions(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    for item in items:
        if item.get("type") == "group":
            found.extend(_questions(item.get("item", [])))
        elif item.get("type") != "display":
            found.append(item)
    return found


def apply_licensed_text(
    questionnaire: Mapping[str, Any], overlay: Mapping[str, Any]
) -> dict[str, Any]:
    """A copy of `questionnaire` with item texts and answer displays from the clinic's overlay.
    Structure (linkIds, codes, values, scoring) is untouched, so scores cannot change."""
    result: dict[str, Any] = copy.deepcopy(dict(questionnaire))
    instrument_id = str(result["url"]).rsplit("/", 1)[-1]
    if overlay.get("instrument") != instrument_id:
        raise RuleViolation(
            field="instrument",
            rule="same_instrument",
            message=f"overlay is for {overlay.get('instrument')!r}, questionnaire is "
            f"{instrument_id!r}",
        )
    if overlay.get("language") != result.get("language"):
        raise RuleViolation(
            field="language",
            rule="same_language",
            message=f"overlay is {overlay.get('language')!r}, questionnaire is "
            f"{result.get('language')!r}",
        )
    licence = str(overlay.get("licence", "")).strip()
    if not licence:
        raise RuleViolation(
            field="licence",
            rule="licence_recorded",
            message="say under which licence the text is used (e.g. the licence number)",
        )
    texts: Mapping[str, Any] = overlay.get("items", {})
    questions = _questions(result.get("item", []))
    link_ids = {item["linkId"] for item in questions}
    for link_id in texts:
        if link_id not in link_ids:
            raise RuleViolation(
                field=f"items.{link_id}",
                rule="unknown_item",
                message=f"{link_id!r} is not an item of {instrument_id}",
            )
    for item in questions:
        link_id = item["linkId"]
        if link_id not in texts or not str(texts[link_id].get("text", "")).strip():
            raise RuleViolation(
                field=f"items.{link_id}",
                rule="complete_overlay",
                message="the overlay must give the text of every item",
            )
        entry = texts[link_id]
        answers: Mapping[str, str] = entry.get("answers", {})
        codes = [option["valueCoding"]["code"] for option in item.get("answerOption", [])]
        unknown = sorted(set(answers) - set(codes))
        if unknown or set(codes) - set(answers):
            raise RuleViolation(
                field=f"items.{link_id}.answers",
                rule="answer_codes_match",
                message=f"must give a display for exactly the codes {', '.join(codes)}"
                + (f"; unknown: {', '.join(unknown)}" if unknown else ""),
            )
        item["text"] = str(entry["text"])
        for option in item.get("answerOption", []):
            option["valueCoding"]["display"] = str(answers[option["valueCoding"]["code"]])
    result.setdefault("extension", []).append(
        {"url": LICENSED_TEXT_LOADED_URL, "valueString": licence}
    )
    return result

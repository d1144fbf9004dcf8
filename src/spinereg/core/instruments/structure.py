"""What must not differ between two renderings of one instrument (English and Spanish, or our
staff labels and a clinic's licensed wording): everything except the human text. Answers given in
either language are stored and scored identically only if this holds."""

from collections.abc import Mapping
from typing import Any

# Keys that hold words meant for people; every other key is structure.
HUMAN_TEXT_KEYS = frozenset(
    {"id", "language", "title", "description", "copyright", "publisher", "text", "display"}
)


def questionnaire_structure(questionnaire: Mapping[str, Any]) -> Any:
    """The Questionnaire with its human text removed, at every depth. Two files are the same
    instrument when their structures compare equal (same linkIds, types, codes, ordinal values,
    ranges, LOINC codes and scoring rule)."""
    return _strip(questionnaire)


def _strip(node: Any) -> Any:
    if isinstance(node, Mapping):
        return {key: _strip(value) for key, value in node.items() if key not in HUMAN_TEXT_KEYS}
    if isinstance(node, list):
        return [_strip(value) for value in node]
    return node


def first_structure_difference(left: Mapping[str, Any], right: Mapping[str, Any]) -> str | None:
    """A JSON path where the structures differ, or None when they agree; for error messages
    and test failures that say where, not just that."""
    return _difference(questionnaire_structure(left), questionnaire_structure(right), "")


def _difference(left: Any, right: Any, path: str) -> str | None:
    if isinstance(left, dict) and isinstance(right, dict):
        for key in sorted(set(left) | set(right)):
            if key not in left or key not in right:
                return f"{path}.{key}"
            found = _difference(left[key], right[key], f"{path}.{key}")
            if found is not None:
                return found
        return None
    if isinstance(left, list) and isinstance(right, list):
        if len(left) != len(right):
            return f"{path} (length {len(left)} vs {len(right)})"
        for position, (a, b) in enumerate(zip(left, right, strict=True)):
            found = _difference(a, b, f"{path}[{position}]")
            if found is not None:
                return found
        return None
    return None if left == right else f"{path} ({left!r} vs {right!r})"

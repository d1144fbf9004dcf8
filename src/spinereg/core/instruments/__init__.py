"""Outcome instruments as data and their scoring: each instrument is a versioned FHIR R4
Questionnaire (English and Spanish) shipped in definitions/, carrying its scoring rule in a
spinereg extension. `score` scores one form, `score_frame` a DataFrame of forms, with the same
numbers. See docs/instruments.md for ids, linkIds, rules and sources."""

from spinereg.core.instruments.catalogue import (
    instrument_ids,
    instrument_versions,
    load_instrument,
    load_questionnaire,
)
from spinereg.core.instruments.frame import score_frame
from spinereg.core.instruments.licensed import apply_licensed_text
from spinereg.core.instruments.scoring import INSUFFICIENT_ITEMS, Answer, Score, score
from spinereg.core.instruments.spec import (
    Instrument,
    Item,
    ScoreKind,
    ScorePart,
    instrument_from_questionnaire,
)
from spinereg.core.instruments.structure import (
    first_structure_difference,
    questionnaire_structure,
)

__all__ = [
    "INSUFFICIENT_ITEMS",
    "Answer",
    "Instrument",
    "Item",
    "Score",
    "ScoreKind",
    "ScorePart",
    "apply_licensed_text",
    "first_structure_difference",
    "instrument_from_questionnaire",
    "instrument_ids",
    "instrument_versions",
    "load_instrument",
    "load_questionnaire",
    "questionnaire_structure",
    "score",
    "score_frame",
]

"""The shipped Questionnaire files: valid FHIR, items and scoring rule in step, English and
Spanish identical in structure, linkIds and LOINC codes as contracted, and no licensed wording.

FHIR validation uses fhir.resources 8.x, `fhir.resources.R4B`. fhir.resources 6.x is the last
release whose root package is R4 (4.0.1), but it is built on pydantic 1 and fails to import
next to the pydantic 2 this project pins (tried: ImportError in fhir.resources.core). R4B
(4.3.0) changed only the medication-definition, evidence and subscription modules (HL7's
"R4B explanation" page); Questionnaire is untouched, so a Questionnaire that validates against
R4B's model is valid R4. The model forbids unknown elements, so R5-only elements would fail.
"""

import copy
import json
import re
from importlib import resources
from typing import Any

import pytest
from fhir.resources.R4B.questionnaire import Questionnaire

from spinereg.core.errors import RuleViolation
from spinereg.core.instruments import (
    apply_licensed_text,
    first_structure_difference,
    instrument_from_questionnaire,
    instrument_ids,
    instrument_versions,
    load_instrument,
    load_questionnaire,
    score,
)
from spinereg.core.instruments.spec import LICENSED_TEXT_URL, SCORING_URL

LANGUAGES = ("en", "es")
CONTRACT_LINK_IDS = {
    "nrs-pain": ["nrs"],
    "vas-pain": ["vas"],
    "vps": ["vps"],
    "odi-2.1a": [f"section-{n}" for n in range(1, 11)],
    "bpi-sf": [
        "worst",
        "least",
        "average",
        "now",
        "interference-general-activity",
        "interference-mood",
        "interference-walking",
        "interference-normal-work",
        "interference-relations",
        "interference-sleep",
        "interference-enjoyment",
    ],
    "peg-3": ["pain", "enjoyment", "general-activity"],
    "pgic": ["pgic"],
}
LICENSED = {"odi-2.1a", "bpi-sf"}

SHIPPED_FILES = [
    (instrument_id, version, language)
    for instrument_id in instrument_ids()
    for version in instrument_versions(instrument_id)
    for language in LANGUAGES
]


def questions(questionnaire: dict[str, Any]) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    stack = list(reversed(questionnaire["item"]))
    while stack:
        item = stack.pop()
        if item["type"] == "group":
            stack.extend(reversed(item["item"]))
        elif item["type"] != "display":
            found.append(item)
    return found


def extension(element: dict[str, Any], url: str) -> dict[str, Any]:
    (found,) = [ext for ext in element.get("extension", []) if ext["url"] == url]
    return found


def test_the_contracted_instruments_are_shipped():
    assert set(instrument_ids()) == set(CONTRACT_LINK_IDS)


@pytest.mark.parametrize(("instrument_id", "version", "language"), SHIPPED_FILES)
def test_every_file_is_a_valid_fhir_questionnaire(instrument_id, version, language):
    data = load_questionnaire(instrument_id, language, version)
    parsed = Questionnaire.model_validate(data)
    assert parsed.status == "active"
    assert data["language"] == language
    assert data["version"] == version
    assert data["url"] == f"https://spinereg.org/fhir/Questionnaire/{instrument_id}"


@pytest.mark.parametrize(
    ("breakage", "path"),
    [
        (lambda data: data["item"][0].pop("linkId"), "linkId"),
        (lambda data: data["item"][0].update(answerConstraint="optionsOnly"), "answerConstraint"),
        (lambda data: data["extension"][0].pop("url"), "extension.0.url"),
    ],
    ids=["missing linkId", "R5-only element", "extension without url"],
)
def test_the_validator_catches_a_broken_file(breakage, path):
    data = load_questionnaire("nrs-pain")
    breakage(data)
    with pytest.raises(ValueError, match=re.escape(path)):
        Questionnaire.model_validate(data)


# fhir.resources checks structure and datatypes but not required code bindings, so these two
# R4 value sets are checked here (R5 renamed "choice" to "coding"; this catches it).
R4_ITEM_TYPES = {
    "group", "display", "boolean", "decimal", "integer", "date", "dateTime", "time", "string",
    "text", "url", "choice", "open-choice", "attachment", "reference", "quantity",
}  # fmt: skip
R4_PUBLICATION_STATUS = {"draft", "active", "retired", "unknown"}


@pytest.mark.parametrize(("instrument_id", "version", "language"), SHIPPED_FILES)
def test_required_code_bindings_hold(instrument_id, version, language):
    data = load_questionnaire(instrument_id, language, version)
    assert data["status"] in R4_PUBLICATION_STATUS
    assert {item["type"] for item in questions(data)} <= R4_ITEM_TYPES


@pytest.mark.parametrize(("instrument_id", "version", "language"), SHIPPED_FILES)
def test_items_and_scoring_rule_name_the_same_link_ids(instrument_id, version, language):
    data = load_questionnaire(instrument_id, language, version)
    item_links = [item["linkId"] for item in questions(data)]
    rule = extension(data, SCORING_URL)
    scored = {
        ext["valueString"]
        for part in rule["extension"]
        if part["url"] == "part"
        for ext in part["extension"]
        if ext["url"] == "item"
    }
    assert item_links == CONTRACT_LINK_IDS[instrument_id]
    assert set(item_links) == scored


def test_an_item_added_without_a_scoring_rule_is_refused():
    data = load_questionnaire("peg-3")
    extra = copy.deepcopy(data["item"][0])
    extra["linkId"] = "sleep"
    data["item"].append(extra)
    with pytest.raises(RuleViolation, match="not used by any score: sleep"):
        instrument_from_questionnaire(data)


def test_a_scored_item_missing_from_the_form_is_refused():
    data = load_questionnaire("peg-3")
    data["item"] = [item for item in data["item"] if item["linkId"] != "enjoyment"]
    with pytest.raises(RuleViolation, match="'enjoyment' is scored but is not an item"):
        instrument_from_questionnaire(data)


@pytest.mark.parametrize("instrument_id", instrument_ids())
def test_english_and_spanish_have_identical_structure(instrument_id):
    for version in instrument_versions(instrument_id):
        english = load_questionnaire(instrument_id, "en", version)
        spanish = load_questionnaire(instrument_id, "es", version)
        assert first_structure_difference(english, spanish) is None
        assert english["item"] != spanish["item"]  # translated, not copied


def test_the_structure_check_notices_a_changed_code():
    english = load_questionnaire("pgic", "en")
    spanish = load_questionnaire("pgic", "es")
    spanish["item"][0]["answerOption"][2]["valueCoding"]["code"] = "9"
    assert "answerOption[2].valueCoding.code" in str(first_structure_difference(english, spanish))


@pytest.mark.parametrize(("instrument_id", "version", "language"), SHIPPED_FILES)
def test_answer_codes_are_their_ordinal_values(instrument_id, version, language):
    for item in questions(load_questionnaire(instrument_id, language, version)):
        for option in item.get("answerOption", []):
            coding = option["valueCoding"]
            ordinal = extension(coding, "http://hl7.org/fhir/StructureDefinition/ordinalValue")
            assert coding["code"] == str(int(ordinal["valueDecimal"]))


@pytest.mark.parametrize(
    ("instrument_id", "where", "code"),
    [
        ("odi-2.1a", "questionnaire", "97908-8"),
        ("odi-2.1a", "odi", "97909-6"),
        ("bpi-sf", "interference", "77565-0"),
        ("nrs-pain", "nrs", "72514-3"),
        ("vas-pain", "vas", "38214-3"),
    ],
)
def test_loinc_codes_from_the_domain_reference_are_carried(instrument_id, where, code):
    data = load_questionnaire(instrument_id)
    if where == "questionnaire":
        codings = data["code"]
    elif where in {item["linkId"] for item in questions(data)}:
        (item,) = [item for item in questions(data) if item["linkId"] == where]
        codings = item["code"]
    else:
        codings = [
            {"system": "http://loinc.org", "code": load_instrument(instrument_id).part(where).loinc}
        ]
    assert {"system": "http://loinc.org", "code": code}.items() <= codings[0].items()


@pytest.mark.parametrize(("instrument_id", "version", "language"), SHIPPED_FILES)
def test_licensed_instruments_ship_staff_labels_only(instrument_id, version, language):
    data = load_questionnaire(instrument_id, language, version)
    flag = extension(data, LICENSED_TEXT_URL)["valueBoolean"]
    assert flag is (instrument_id in LICENSED)
    assert data["copyright"]
    if instrument_id not in LICENSED:
        return
    assert ("Fairbank" if instrument_id == "odi-2.1a" else "Cleeland") in data["copyright"]
    label = re.compile(r"^(ODI \d{1,2}|BPI) · [^.?]{3,60}$")
    display = re.compile(r"^((Statement|Enunciado) [1-6]|\d{1,2})$")
    for item in questions(data):
        assert label.match(item["text"]), item["text"]
        for option in item["answerOption"]:
            assert display.match(option["valueCoding"]["display"])


def test_the_files_are_loaded_from_the_installed_package():
    folder = resources.files("spinereg.core.instruments").joinpath("definitions", "odi-2.1a")
    version = instrument_versions("odi-2.1a")[-1]
    text = folder.joinpath(version, "questionnaire.en.json").read_text(encoding="utf-8")
    assert json.loads(text) == load_questionnaire("odi-2.1a")


def test_a_loaded_questionnaire_is_a_fresh_copy():
    load_questionnaire("nrs-pain")["item"].clear()
    assert load_questionnaire("nrs-pain")["item"]


def test_unknown_languages_and_versions_are_refused():
    with pytest.raises(RuleViolation, match="'fr' is not one of en, es"):
        load_questionnaire("nrs-pain", "fr")
    with pytest.raises(RuleViolation, match=r"nrs-pain has no version '9.9.9'"):
        load_questionnaire("nrs-pain", version="9.9.9")


# ---------------------------------------------------------------------------- licensed text


def overlay_for(instrument_id: str, language: str = "en") -> dict[str, Any]:
    """A stand-in for a clinic's licensed file: placeholder words, complete coverage."""
    data = load_questionnaire(instrument_id, language)
    return {
        "instrument": instrument_id,
        "language": language,
        "licence": "test licence 0001",
        "items": {
            item["linkId"]: {
                "text": f"licensed wording of {item['linkId']}",
                "answers": {
                    option["valueCoding"][
                        "code"
                    ]: f"licensed statement {option['valueCoding']['code']}"
                    for option in item["answerOption"]
                },
            }
            for item in questions(data)
        },
    }


def test_licensed_text_replaces_the_labels_and_keeps_the_structure():
    shipped = load_questionnaire("odi-2.1a")
    rendered = apply_licensed_text(shipped, overlay_for("odi-2.1a"))
    first = questions(rendered)[0]
    assert first["text"] == "licensed wording of section-1"
    assert first["answerOption"][5]["valueCoding"]["display"] == "licensed statement 5"
    Questionnaire.model_validate(rendered)
    shipped_instrument = instrument_from_questionnaire(shipped)
    rendered_instrument = instrument_from_questionnaire(rendered)
    assert rendered_instrument.parts == shipped_instrument.parts
    assert [i.codes for i in rendered_instrument.items] == [
        i.codes for i in shipped_instrument.items
    ]
    assert questions(shipped)[0]["text"] == "ODI 1 · Pain intensity"  # the input is not changed
    answers = {f"section-{n}": 2 for n in range(1, 11)}
    assert score(rendered_instrument, answers) == score("odi-2.1a", answers)


def test_an_incomplete_licensed_overlay_is_refused():
    overlay = overlay_for("bpi-sf")
    del overlay["items"]["interference-sleep"]
    with pytest.raises(RuleViolation, match=r"interference-sleep.*every item"):
        apply_licensed_text(load_questionnaire("bpi-sf"), overlay)


def test_a_licensed_overlay_with_a_foreign_code_is_refused():
    overlay = overlay_for("odi-2.1a")
    overlay["items"]["section-2"]["answers"]["6"] = "a seventh statement"
    with pytest.raises(RuleViolation, match=r"section-2.answers.*unknown: 6"):
        apply_licensed_text(load_questionnaire("odi-2.1a"), overlay)


def test_a_licensed_overlay_must_name_its_licence():
    overlay = overlay_for("odi-2.1a")
    overlay["licence"] = " "
    with pytest.raises(RuleViolation, match="licence"):
        apply_licensed_text(load_questionnaire("odi-2.1a"), overlay)

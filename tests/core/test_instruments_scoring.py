"""Known answers for every instrument, worked by hand from the rules in docs/instruments.md
(each expected value is written as the arithmetic that produces it), and the errors bad
answers raise."""

import dataclasses

import pytest

from spinereg.core.errors import RuleViolation
from spinereg.core.instruments import INSUFFICIENT_ITEMS, load_instrument, score

ODI_LINKS = [f"section-{n}" for n in range(1, 11)]
BPI_SEVERITY = ["worst", "least", "average", "now"]
BPI_INTERFERENCE = [
    "interference-general-activity",
    "interference-mood",
    "interference-walking",
    "interference-normal-work",
    "interference-relations",
    "interference-sleep",
    "interference-enjoyment",
]


def odi(*codes: int | None) -> dict[str, int | None]:
    return dict(zip(ODI_LINKS, codes, strict=False))


# ---------------------------------------------------------------------------- ODI


def test_a_complete_odi_is_the_sum_over_fifty():
    result = score("odi-2.1a", odi(1, 2, 3, 4, 5, 0, 1, 2, 3, 4))  # sum 25
    assert result.value == pytest.approx(100 * 25 / 50, rel=1e-12)
    assert result.answered == 10
    assert result.reason is None
    assert result.subscores == {}


def test_nine_answered_sections_use_fairbanks_denominator_of_45_unrounded():
    """Fairbank's worked example: 16 points over 9 sections prints "35.5%", exactly 35.555…"""
    result = score("odi-2.1a", odi(2, 2, 2, 2, 2, 2, 2, None, 1, 1))  # sum 16, 9 answered
    assert result.value == pytest.approx(100 * 16 / 45, rel=1e-12)
    assert result.value != 35.5  # never truncated
    assert result.answered == 9


def test_eight_answered_sections_are_still_scored():
    result = score("odi-2.1a", odi(3, 1, 2, 2, 1, 2, 1, None, 2, None))  # sum 14, 8 answered
    assert result.value == pytest.approx(100 * 14 / 40, rel=1e-12)
    assert result.answered == 8


def test_seven_answered_sections_are_not_scored_and_say_why():
    result = score("odi-2.1a", odi(3, 1, 2, 2, 1, 2, 1))
    assert result.value is None
    assert result.reason == INSUFFICIENT_ITEMS
    assert result.answered == 7


def test_none_and_nan_both_mean_unanswered():
    answers: dict[str, float | None] = dict(odi(1, 1, 1, 1, 1, 1, 1, 1, 1, 1))
    answers["section-8"] = None
    answers["section-9"] = float("nan")
    result = score("odi-2.1a", answers)
    assert result.answered == 8
    assert result.value == pytest.approx(100 * 8 / 40, rel=1e-12)


def test_a_double_ticked_section_scores_the_higher_statement():
    double = score("odi-2.1a", {**odi(1, 1, 1, 1, 1, 1, 1, 1, 1, 1), "section-3": (2, 4)})
    single_high = score("odi-2.1a", odi(1, 1, 4, 1, 1, 1, 1, 1, 1, 1))
    assert double.value == pytest.approx(100 * 13 / 50, rel=1e-12)
    assert double == single_high


def test_a_list_of_two_codes_is_accepted_like_a_tuple():
    result = score("odi-2.1a", {**odi(0, 0, 0, 0, 0, 0, 0, 0, 0, 0), "section-1": [5, 3]})
    assert result.value == pytest.approx(100 * 5 / 50, rel=1e-12)


def test_three_ticks_in_one_section_are_refused():
    with pytest.raises(RuleViolation, match="section-2") as caught:
        score("odi-2.1a", {"section-2": (1, 2, 3)})
    assert caught.value.rule == "at_most_two_ticks"


def test_a_double_tick_with_an_out_of_range_code_is_refused():
    with pytest.raises(RuleViolation, match=r"section-2.*0–5"):
        score("odi-2.1a", {"section-2": (1, 6)})


def test_an_instrument_without_the_double_tick_rule_refuses_lists():
    with pytest.raises(RuleViolation, match="nrs") as caught:
        score("nrs-pain", {"nrs": [3, 4]})
    assert caught.value.rule == "single_answer"


# ---------------------------------------------------------------------------- BPI


def test_bpi_value_is_interference_and_both_subscores_are_reported():
    answers = dict(zip(BPI_SEVERITY, [8, 2, 5, 4], strict=True))
    answers |= dict(zip(BPI_INTERFERENCE, [3, 4, 5, 6, 7, 2, 1], strict=True))
    result = score("bpi-sf", answers)
    assert result.subscores["severity"] == pytest.approx(19 / 4, rel=1e-12)
    assert result.subscores["interference"] == pytest.approx(28 / 7, rel=1e-12)
    assert result.value == result.subscores["interference"]
    assert result.answered == 11


def test_bpi_interference_with_four_of_seven_is_the_mean_of_those_four():
    answers = dict(zip(BPI_INTERFERENCE[:4], [6, 4, 5, 3], strict=True))
    result = score("bpi-sf", answers)
    assert result.value == pytest.approx(18 / 4, rel=1e-12)
    assert result.reason is None


def test_bpi_interference_with_three_of_seven_is_not_scored():
    answers = dict(zip(BPI_SEVERITY, [8, 2, 5, 4], strict=True))
    answers |= dict(zip(BPI_INTERFERENCE[:3], [6, 4, 5], strict=True))
    result = score("bpi-sf", answers)
    assert result.value is None
    assert result.subscores["interference"] is None
    assert result.reason == INSUFFICIENT_ITEMS
    assert result.subscores["severity"] == pytest.approx(19 / 4, rel=1e-12)


def test_bpi_severity_with_three_of_four_is_not_scored_but_interference_is():
    answers = dict(zip(BPI_SEVERITY[:3], [8, 2, 5], strict=True))
    answers |= dict(zip(BPI_INTERFERENCE, [1] * 7, strict=True))
    result = score("bpi-sf", answers)
    assert result.subscores["severity"] is None
    assert result.value == pytest.approx(1.0, rel=1e-12)
    assert result.reason is None


# ---------------------------------------------------------------------------- PEG, NRS, VAS


def test_peg_is_the_mean_of_its_three_items():
    result = score("peg-3", {"pain": 4, "enjoyment": 6, "general-activity": 7})
    assert result.value == pytest.approx(17 / 3, rel=1e-12)


def test_peg_with_two_of_three_items_is_not_scored():
    result = score("peg-3", {"pain": 4, "enjoyment": 6})
    assert result.value is None
    assert result.reason == INSUFFICIENT_ITEMS
    assert result.answered == 2


def test_nrs_is_the_answer():
    assert score("nrs-pain", {"nrs": 7}).value == 7.0
    assert score("nrs-pain", {"nrs": 0}).value == 0.0


def test_an_unanswered_nrs_has_no_value():
    result = score("nrs-pain", {})
    assert (result.value, result.reason, result.answered) == (None, INSUFFICIENT_ITEMS, 0)


@pytest.mark.parametrize("millimetres", [0.0, 0.1, 45.3, 99.9, 100.0, 37])
def test_vas_keeps_one_decimal(millimetres):
    assert score("vas-pain", {"vas": millimetres}).value == millimetres


def test_vas_refuses_a_second_decimal():
    with pytest.raises(RuleViolation, match=r"vas: 45\.35.*0–100 with at most 1 decimal") as caught:
        score("vas-pain", {"vas": 45.35})
    assert caught.value.rule == "decimal_places"


@pytest.mark.parametrize("millimetres", [-0.1, 100.1, float("inf")])
def test_vas_refuses_values_off_the_line(millimetres):
    with pytest.raises(RuleViolation, match=r"vas.*outside the allowed range"):
        score("vas-pain", {"vas": millimetres})


# ---------------------------------------------------------------------------- VPS, PGIC


def test_vps_reports_the_code_and_its_category():
    result = score("vps", {"vps": 2})
    assert result.value == 2.0
    assert result.category == "Moderate"
    assert score("vps", {"vps": 4}).category == "Very severe"
    assert score("vps", {"vps": 0}).category == "None"


def test_the_vps_ships_the_five_point_form():
    spec = load_instrument("vps")
    assert spec.form == "vrs5"
    assert spec.item("vps").codes == (0, 1, 2, 3, 4)


def test_an_unanswered_vps_has_no_category():
    result = score("vps", {"vps": None})
    assert (result.value, result.category) == (None, None)


def test_pgic_reports_the_code_and_its_category():
    assert score("pgic", {"pgic": 1}).category == "Very much improved"
    assert score("pgic", {"pgic": 4}).category == "No change"
    result = score("pgic", {"pgic": 7})
    assert (result.value, result.category) == (7.0, "Very much worse")


# ---------------------------------------------------------------------------- errors


@pytest.mark.parametrize(
    ("instrument_id", "answers", "rule", "words"),
    [
        ("odi-2.1a", {"section-4": 6}, "item_range", r"section-4: 6 .*whole numbers 0–5"),
        ("odi-2.1a", {"section-4": -1}, "item_range", r"section-4: -1 .*whole numbers 0–5"),
        ("odi-2.1a", {"section-4": 2.5}, "whole_number", r"section-4: 2\.5 .*whole numbers 0–5"),
        ("nrs-pain", {"nrs": 11}, "item_range", r"nrs: 11 .*whole numbers 0–10"),
        ("pgic", {"pgic": 0}, "item_range", r"pgic: 0 .*whole numbers 1–7"),
        ("vps", {"vps": 5}, "item_range", r"vps: 5 .*whole numbers 0–4"),
        ("bpi-sf", {"worst": 10.5}, "item_range", r"worst: 10\.5 .*whole numbers 0–10"),
        ("peg-3", {"pain": "7"}, "numeric_answer", r"pain: '7' is not a number"),
        ("peg-3", {"pain": True}, "numeric_answer", r"pain: True is not a number"),
        ("odi-2.1a", {"section_1": 1}, "unknown_item", r"'section_1' is not an item of odi"),
    ],
)
def test_bad_answers_raise_naming_the_item_and_what_it_allows(instrument_id, answers, rule, words):
    with pytest.raises(ValueError, match=words) as caught:
        score(instrument_id, answers)
    assert isinstance(caught.value, RuleViolation)
    assert caught.value.rule == rule


def test_a_whole_number_given_as_float_is_accepted():
    assert score("nrs-pain", {"nrs": 3.0}).value == 3.0


def test_an_unknown_instrument_is_refused():
    with pytest.raises(ValueError, match=r"'odi-2.0' is not a known instrument"):
        score("odi-2.0", {})


def test_a_score_carries_its_definition_version_and_is_frozen():
    result = score("odi-2.1a", odi(*[1] * 10))
    spec = load_instrument("odi-2.1a")
    assert (result.instrument_id, result.version, result.scoring_version) == (
        "odi-2.1a",
        spec.version,
        spec.scoring_version,
    )
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.value = 0.0  # type: ignore[misc]  # assigning to a frozen field is the point

"""Responder rules of DOMAIN.md §2: each threshold at its boundary, the undefined cases, the
composite, scalar and vectorised agreement, and a clinic's own definitions."""

import itertools
import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from spinereg.core.errors import RuleViolation
from spinereg.core.responders import (
    ResponderDefinition,
    ResponderKind,
    composites,
    definition_from_dict,
    definitions,
    evaluate,
    evaluate_composite_disc,
    evaluate_composite_disc_frame,
    evaluate_frame,
)

# (definition, baseline, follow-up exactly at the threshold, follow-up just short of it)
BOUNDARIES = {
    "odi_mic10": (40.0, 30.0, 30.5),
    "odi_pct30": (50.0, 35.0, 35.5),
    "odi_pct50": (40.0, 20.0, 20.5),
    "odi_15pt": (50.0, 35.0, 35.5),
    "nrs_2pt": (6.0, 4.0, 5.0),
    "nrs_pct30": (10.0, 7.0, 8.0),
    "nrs_pct50": (8.0, 4.0, 5.0),
    "vas_15mm": (60.0, 45.0, 45.1),
    "vas_pct30": (50.0, 35.0, 35.1),
    "vas_pct50": (60.2, 30.1, 30.2),
    "bpi_int_1pt": (5.0, 4.0, 29 / 7),
    "vps_1cat": (3.0, 2.0, 3.0),
}


def test_every_shipped_definition_has_a_boundary_test():
    assert set(definitions()) == set(BOUNDARIES)


@pytest.mark.parametrize("definition_id", BOUNDARIES)
def test_a_change_exactly_at_the_threshold_counts_and_just_short_does_not(definition_id):
    baseline, at_threshold, short = BOUNDARIES[definition_id]
    assert evaluate(definition_id, baseline, at_threshold) is True
    assert evaluate(definition_id, baseline, short) is False
    assert evaluate(definition_id, baseline, baseline) is False  # no change


@pytest.mark.parametrize("definition_id", BOUNDARIES)
def test_getting_worse_is_never_a_response(definition_id):
    low, high = definitions()[definition_id].score_range()
    assert evaluate(definition_id, low + (high - low) / 2, high) is False


@pytest.mark.parametrize(
    ("definition_id", "baseline", "follow_up", "raw_measure"),
    [
        ("vas_pct30", 7.0, 4.9, (7.0 - 4.9) / 7.0),
        ("vas_15mm", 16.4, 1.4, 16.4 - 1.4),
        ("bpi_int_1pt", 7 / 5, 2 / 5, 7 / 5 - 2 / 5),
    ],
)
def test_a_change_exactly_at_the_threshold_counts_despite_binary_rounding(
    definition_id, baseline, follow_up, raw_measure
):
    """Each change is exactly the threshold in decimal (30%, 15 mm, 1 point) but lands a hair
    under it in binary floating point; the rounding tolerance keeps it a response."""
    assert raw_measure < definitions()[definition_id].threshold
    assert evaluate(definition_id, baseline, follow_up) is True
    assert evaluate_frame(definition_id, [baseline], [follow_up]).tolist() == [True]


def test_definitions_record_their_source_kind_and_direction():
    odi_pct30 = definitions()["odi_pct30"]
    assert odi_pct30.kind is ResponderKind.PERCENT
    assert odi_pct30.threshold == 0.30
    assert odi_pct30.undefined_below == 10
    assert "Ostelo 2008" in odi_pct30.source
    assert all(rule.direction == "lower_is_better" for rule in definitions().values())
    assert definitions()["odi_15pt"].evidence == "unverified"
    assert definitions()["bpi_int_1pt"].score == "interference"


# ---------------------------------------------------------------------------- undefined


@pytest.mark.parametrize(
    ("definition_id", "baseline", "follow_up"),
    [
        ("odi_pct30", 9.9, 0.0),
        ("odi_pct50", 8.0, 0.0),
        ("nrs_pct30", 0.0, 0.0),
        ("nrs_pct50", 0.0, 0.0),
        ("vas_pct30", 0.0, 0.0),
        ("vas_pct50", 0.0, 0.0),
        ("odi_mic10", None, 10.0),
        ("odi_mic10", 40.0, None),
        ("nrs_2pt", float("nan"), 3.0),
    ],
)
def test_undefined_cases_give_none(definition_id, baseline, follow_up):
    assert evaluate(definition_id, baseline, follow_up) is None


def test_an_odi_baseline_of_exactly_ten_is_defined_for_odi_pct30():
    assert evaluate("odi_pct30", 10.0, 7.0) is True
    assert evaluate("odi_pct30", 10.0, 8.0) is False


def test_a_zero_baseline_is_defined_for_absolute_rules():
    assert evaluate("nrs_2pt", 0.0, 0.0) is False
    assert evaluate("vas_15mm", 0.0, 0.0) is False


# ---------------------------------------------------------------------------- bad input


def test_a_score_outside_the_instruments_range_is_refused():
    with pytest.raises(RuleViolation, match="baseline: 11 is outside the score range 0–10"):
        evaluate("nrs_2pt", 11, 3)
    with pytest.raises(RuleViolation, match=r"follow_up: row 'b': 101 .*0–100"):
        evaluate_frame(
            "odi_mic10",
            pd.Series([50.0, 50.0], index=["a", "b"]),
            pd.Series([40.0, 101.0], index=["a", "b"]),
        )


def test_an_unknown_definition_is_refused():
    with pytest.raises(ValueError, match="'odi_mic99' is not a responder definition"):
        evaluate("odi_mic99", 40, 20)


def test_arrays_of_different_length_are_refused():
    with pytest.raises(RuleViolation, match="follow_up: 1 values for 2 baselines"):
        evaluate_frame("nrs_2pt", [5, 6], [3])


# ---------------------------------------------------------------------------- vectorised


def test_evaluate_frame_returns_nullable_booleans_on_the_baseline_index():
    baseline = pd.Series([10.0, 10.0, 0.0, np.nan], index=[11, 12, 13, 14])
    result = evaluate_frame("nrs_pct30", baseline, [7.0, 8.0, 0.0, 3.0])
    assert result.dtype == "boolean"
    assert list(result.index) == [11, 12, 13, 14]
    assert result.tolist() == [True, False, pd.NA, pd.NA]


def scores_in(definition_id: str) -> st.SearchStrategy[float | None]:
    low, high = definitions()[definition_id].score_range()
    tenths = st.integers(int(low * 10), int(high * 10)).map(lambda k: k / 10)
    return st.one_of(st.none(), tenths, st.sampled_from([low, high, 10.0 if high >= 10 else low]))


@pytest.mark.parametrize("definition_id", BOUNDARIES)
@settings(deadline=None, max_examples=50)
@given(data=st.data())
def test_scalar_and_vectorised_evaluation_agree(definition_id, data):
    pairs = data.draw(
        st.lists(st.tuples(scores_in(definition_id), scores_in(definition_id)), min_size=1)
    )
    baseline = [np.nan if b is None else b for b, _ in pairs]
    follow_up = pd.Series([np.nan if f is None else f for _, f in pairs], dtype=float)
    vectorised = evaluate_frame(definition_id, np.array(baseline), follow_up)
    for position, (b, f) in enumerate(pairs):
        expected = evaluate(definition_id, b, f)
        got = vectorised.iloc[position]
        assert (None if got is pd.NA else bool(got)) == expected


# ---------------------------------------------------------------------------- composite


# Inputs that make each component True, False or unknown (None).
PAIN = {True: (8.0, 4.0), False: (8.0, 5.0), None: (8.0, None)}
FUNCTION = {True: (50.0, 35.0), False: (50.0, 36.0), None: (None, 35.0)}
NOT_REINTERVENED = {True: False, False: True, None: None}


def kleene_and(values):
    if False in values:
        return False
    return None if None in values else True


def test_composite_disc_combines_its_three_components_with_three_valued_and():
    cases = list(itertools.product([True, False, None], repeat=3))
    for pain, function, untreated in cases:
        result = evaluate_composite_disc(
            *PAIN[pain], *FUNCTION[function], NOT_REINTERVENED[untreated]
        )
        assert result is kleene_and([pain, function, untreated]), (pain, function, untreated)


def test_composite_disc_scalar_and_vectorised_agree_on_every_combination():
    cases = list(itertools.product([True, False, None], repeat=3))
    columns = {
        "pain_baseline": [PAIN[p][0] for p, _, _ in cases],
        "pain_follow_up": [PAIN[p][1] for p, _, _ in cases],
        "odi_baseline": [FUNCTION[f][0] for _, f, _ in cases],
        "odi_follow_up": [FUNCTION[f][1] for _, f, _ in cases],
    }
    frame = pd.DataFrame(columns, dtype=float)
    reintervened = [NOT_REINTERVENED[u] for _, _, u in cases]
    vectorised = evaluate_composite_disc_frame(
        frame["pain_baseline"],
        frame["pain_follow_up"],
        frame["odi_baseline"],
        frame["odi_follow_up"],
        reintervened,
    )
    for position, row in frame.iterrows():
        expected = evaluate_composite_disc(
            *[None if math.isnan(v) else v for v in row], reintervened[position]
        )
        got = vectorised.iloc[position]
        assert (None if got is pd.NA else bool(got)) == expected


def test_composite_disc_can_read_pain_from_the_vas():
    assert composites()["composite_disc"].pain.id == "nrs_pct50"
    with pytest.raises(RuleViolation, match="pain_baseline: 60 is outside the score range 0–10"):
        evaluate_composite_disc(60.0, 30.0, 50.0, 35.0, False)
    vas = evaluate_composite_disc(60.0, 30.0, 50.0, 35.0, False, pain_definition="vas_pct50")
    assert vas is True


# ---------------------------------------------------------------------------- clinic's own


def clinic_rule(**changes: object) -> dict[str, object]:
    rule: dict[str, object] = {
        "id": "clinic_odi_pct40",
        "instrument": "odi-2.1a",
        "score": "value",
        "kind": "percent",
        "threshold": 0.40,
        "comparison": ">=",
        "direction": "lower_is_better",
        "undefined_below": 10,
        "undefined_at_zero": True,
        "label": "ODI improved by at least 40%",
        "source": "Manchikanti 2010, Int J Med Sci 7:124 (function ≥ 40%)",
        "evidence": "conv",
    }
    rule.update(changes)
    return rule


def test_a_clinic_can_add_its_own_definition():
    rule = definition_from_dict(clinic_rule())
    assert isinstance(rule, ResponderDefinition)
    assert evaluate(rule, 50.0, 30.0) is True
    assert evaluate(rule, 50.0, 31.0) is False
    assert evaluate_frame(rule, [50.0], [30.0]).tolist() == [True]


def test_a_strict_comparison_excludes_the_threshold_itself():
    rule = definition_from_dict(clinic_rule(comparison=">"))
    assert evaluate(rule, 50.0, 30.0) is False
    assert evaluate(rule, 50.0, 29.0) is True


def test_a_higher_is_better_rule_reverses_the_change():
    rule = definition_from_dict(
        clinic_rule(
            id="clinic_nrs_up2",
            instrument="nrs-pain",
            kind="absolute",
            threshold=2,
            direction="higher_is_better",
            undefined_below=None,
            undefined_at_zero=False,
        )
    )
    assert evaluate(rule, 4.0, 6.0) is True
    assert evaluate(rule, 6.0, 4.0) is False


@pytest.mark.parametrize(
    ("changes", "field", "rule"),
    [
        ({"treshold": 0.4}, "treshold", "known_fields"),
        ({"threshold": 40}, "threshold", "percent_as_fraction"),
        ({"threshold": -1}, "threshold", "positive_threshold"),
        ({"threshold": "0.4"}, "threshold", "finite_number"),
        ({"instrument": "rmdq-24"}, "instrument", "known_instrument"),
        ({"score": "severity"}, "score", "known_score"),
        ({"kind": "relative"}, "kind", "known_kind"),
        ({"comparison": "=>"}, "comparison", "known_comparison"),
        ({"undefined_at_zero": False}, "undefined_at_zero", "percent_of_zero"),
        ({"undefined_below": 150}, "undefined_below", "within_score_range"),
        ({"id": "Clinic ODI"}, "id", "id_format"),
        ({"source": ""}, "source", "required_text"),
        ({"evidence": "strong"}, "evidence", "known_evidence"),
    ],
)
def test_a_bad_clinic_definition_is_refused_naming_the_field(changes, field, rule):
    with pytest.raises(RuleViolation) as caught:
        definition_from_dict(clinic_rule(**changes))
    assert (caught.value.field, caught.value.rule) == (field, rule)


def test_a_definition_with_a_missing_field_is_refused():
    data = clinic_rule()
    del data["direction"]
    with pytest.raises(RuleViolation, match="missing field"):
        definition_from_dict(data)


def test_an_absolute_threshold_beyond_the_scale_is_refused():
    with pytest.raises(RuleViolation, match="exceeds the score's whole range 0–10"):
        definition_from_dict(
            clinic_rule(
                instrument="nrs-pain",
                kind="absolute",
                threshold=12,
                undefined_below=None,
                undefined_at_zero=False,
            )
        )

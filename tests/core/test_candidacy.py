"""The candidacy engine's mechanics: outcome precedence, unanswered and not-applicable rules,
bad answers named by input and rule, the rules file checked on load, and the version that
travels with every result."""

import copy
import json
from importlib import resources

import pytest

from spinereg.core.candidacy import (
    Outcome,
    RuleStatus,
    default_rules,
    evaluate,
    load_rules,
    parse_rules,
)
from spinereg.core.errors import RuleViolation
from tests.core.test_candidacy_rules import ELIGIBLE


def _document():
    text = resources.files("spinereg.core.data").joinpath("candidacy_rules.json").read_text()
    return json.loads(text)


def _status(result, rule_id):
    return next(rule.status for rule in result.rules if rule.rule_id == rule_id)


def test_the_result_carries_the_rules_file_id_and_version():
    document = _document()
    result = evaluate(ELIGIBLE)
    assert (result.rules_id, result.rules_version) == (document["id"], document["version"])
    stored = result.as_dict()
    assert stored["rules_version"] == document["version"]
    assert json.loads(json.dumps(stored)) == stored  # JSON-safe for storage


def test_a_changed_rules_version_shows_in_the_result():
    document = _document()
    document["version"] = "9.9.9"
    assert evaluate(ELIGIBLE, parse_rules(document)).rules_version == "9.9.9"


def test_an_exclusion_outweighs_a_review():
    result = evaluate({**ELIGIBLE, "nrs_pain": 2, "pain_location": "neck"})
    assert result.outcome is Outcome.NOT_CANDIDATE


def test_a_red_flag_outweighs_everything_else_in_the_summary():
    result = evaluate({**ELIGIBLE, "progressive_weakness": True})
    assert result.outcome is Outcome.NOT_CANDIDATE
    assert "not suitable" in result.patient_summary["en"]


def test_an_unanswered_question_needs_review_and_says_which():
    answers = {**ELIGIBLE}
    del answers["mri_done"]
    result = evaluate({**answers, "nrs_pain": None})
    assert result.outcome is Outcome.NEEDS_REVIEW
    assert _status(result, "mri_available") is RuleStatus.MISSING
    assert _status(result, "pain_at_least_4") is RuleStatus.MISSING
    reason = next(rule for rule in result.rules if rule.rule_id == "mri_available")
    assert "MRI of the lower back done" in reason.patient_reason["en"]
    assert "Resonancia magnética lumbar hecha" in reason.patient_reason["es"]


def test_an_unanswered_gate_question_is_missing_not_not_applicable():
    answers = {**ELIGIBLE}
    del answers["spine_surgery"]
    result = evaluate(answers)
    assert _status(result, "no_recent_spine_surgery") is RuleStatus.MISSING
    assert result.outcome is Outcome.NEEDS_REVIEW


def test_a_surgery_without_its_date_is_missing():
    result = evaluate({**ELIGIBLE, "spine_surgery": True, "spine_fusion": False})
    assert _status(result, "no_recent_spine_surgery") is RuleStatus.MISSING
    assert _status(result, "no_spinal_fusion") is RuleStatus.PASSED


def test_a_missing_red_flag_answer_is_never_a_likely_candidate():
    answers = {**ELIGIBLE}
    del answers["bowel_bladder_change"]
    result = evaluate(answers)
    assert result.outcome is Outcome.NEEDS_REVIEW
    assert not result.red_flags


def test_an_empty_pre_screen_needs_review():
    result = evaluate({})
    assert result.outcome is Outcome.NEEDS_REVIEW
    assert all(
        rule.status in (RuleStatus.MISSING, RuleStatus.NOT_APPLICABLE) for rule in result.rules
    )


@pytest.mark.parametrize(
    ("answers", "field", "rule"),
    [
        ({"shoe_size": 42}, "shoe_size", "known_input"),
        ({"nrs_pain": 11}, "nrs_pain", "range"),
        ({"odi_percent": -1}, "odi_percent", "range"),
        ({"nrs_pain": "7"}, "nrs_pain", "number"),
        ({"nrs_pain": True}, "nrs_pain", "number"),
        ({"nrs_pain": float("nan")}, "nrs_pain", "number"),
        ({"fever_or_infection": "no"}, "fever_or_infection", "boolean"),
        ({"pain_location": "knee"}, "pain_location", "choice"),
    ],
)
def test_a_bad_answer_names_the_input_and_the_rule(answers, field, rule):
    with pytest.raises(RuleViolation) as raised:
        evaluate({**ELIGIBLE, **answers})
    assert (raised.value.field, raised.value.rule) == (field, rule)


def test_an_out_of_range_answer_gives_value_and_limit():
    with pytest.raises(RuleViolation, match="11 exceeds the maximum of 10"):
        evaluate({**ELIGIBLE, "nrs_pain": 11})


def _broken(mutate):
    document = copy.deepcopy(_document())
    mutate(document)
    with pytest.raises(RuleViolation) as raised:
        parse_rules(document)
    return raised.value


def _rule(document, rule_id):
    return next(rule for rule in document["rules"] if rule["id"] == rule_id)


def test_the_rules_file_must_carry_a_version():
    assert _broken(lambda d: d.pop("version")).field == "version"


def test_a_rule_on_an_undeclared_input_is_refused():
    error = _broken(lambda d: _rule(d, "age_adult").update(input="height_cm"))
    assert (error.field, error.rule) == ("rules.age_adult.input", "known_input")


def test_a_numeric_operator_on_a_yes_no_input_is_refused():
    error = _broken(lambda d: _rule(d, "pregnancy").update(operator="gt", threshold=1))
    assert (error.field, error.rule) == ("rules.pregnancy.operator", "operator_for_type")


def test_a_choice_threshold_must_be_one_of_the_choices():
    error = _broken(lambda d: _rule(d, "low_back_pain").update(threshold="lumbar"))
    assert (error.field, error.rule) == ("rules.low_back_pain.threshold", "threshold")


def test_a_red_flag_that_only_asks_for_review_is_refused():
    error = _broken(lambda d: _rule(d, "red_flag_cancer").update(outcome="review"))
    assert error.rule == "red_flag_excludes"


def test_every_rule_needs_spanish_wording():
    error = _broken(lambda d: _rule(d, "age_adult")["patient"]["failed"].pop("es"))
    assert error.field == "rules.age_adult.patient.failed.es"


def test_every_rule_cites_a_source():
    error = _broken(lambda d: _rule(d, "age_adult").update(source=" "))
    assert (error.field, error.rule) == ("rules.age_adult.source", "source")


def test_an_unknown_placeholder_is_caught_on_load():
    error = _broken(lambda d: _rule(d, "age_adult")["clinician"].update(failed="Age {years}"))
    assert error.rule == "placeholders"


def test_duplicate_rule_ids_are_refused():
    error = _broken(lambda d: d["rules"].append(copy.deepcopy(_rule(d, "age_adult"))))
    assert error.rule == "unique_id"


def test_a_clinic_rules_file_loads_from_a_path(tmp_path):
    document = _document()
    document["version"] = "2.0.0-clinic"
    _rule(document, "age_studied_range")["threshold"] = 65
    path = tmp_path / "rules.json"
    path.write_text(json.dumps(document))
    rules = load_rules(path)
    assert _status(evaluate({**ELIGIBLE, "age_years": 63}, rules), "age_studied_range") is (
        RuleStatus.PASSED
    )
    assert _status(evaluate({**ELIGIBLE, "age_years": 63}), "age_studied_range") is (
        RuleStatus.FAILED
    )


def test_every_shipped_rule_cites_domain_sources():
    """Sources name a trial record or a publication from DOMAIN.md §3, never nothing."""
    for rule in default_rules().rules:
        assert any(marker in rule.source for marker in ("NCT", "Pettine", "Kumar", "DOMAIN.md")), (
            rule.id
        )

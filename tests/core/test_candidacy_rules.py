"""Every shipped candidacy rule, one at a time: a pre-screen that meets every criterion is a
likely candidate; changing one answer fails exactly that rule, with the outcome the rules file
gives it (DOMAIN.md §3) and reasons in both languages. Each red flag also asks the patient to
seek medical care now."""

import pytest

from spinereg.core.candidacy import Outcome, RuleStatus, default_rules, evaluate

# A 45-year-old with 12 months of back-dominant low back pain, 8 months of conservative care
# including supervised physical therapy, an MRI, NRS 7 and ODI 44, and no red flag.
ELIGIBLE = {
    "age_years": 45,
    "pain_location": "low_back",
    "pain_duration_months": 12,
    "pain_predominance": "back",
    "conservative_care_months": 8,
    "physical_therapy": True,
    "epidural_done": True,
    "epidural_relief_percent": 25,
    "epidural_relief_weeks": 3,
    "facet_block_done": False,
    "rfa_done": False,
    "spine_surgery": False,
    "disc_cell_therapy": False,
    "mri_done": "yes",
    "nrs_pain": 7,
    "odi_percent": 44,
    "fever_or_infection": False,
    "cancer_recent": False,
    "bowel_bladder_change": False,
    "progressive_weakness": False,
    "unexplained_weight_loss": False,
    "anticoagulants": False,
    "pregnant_or_breastfeeding": False,
}

RED_FLAGS = {
    "red_flag_fever_or_infection": {"fever_or_infection": True},
    "red_flag_cancer": {"cancer_recent": True},
    "red_flag_bowel_bladder": {"bowel_bladder_change": True},
    "red_flag_progressive_weakness": {"progressive_weakness": True},
    "red_flag_weight_loss": {"unexplained_weight_loss": True},
}

# rule id → (answers that fail it and only it, expected outcome)
FAILING = {
    **{rule: (answers, Outcome.NOT_CANDIDATE) for rule, answers in RED_FLAGS.items()},
    "blood_thinners": ({"anticoagulants": True}, Outcome.NEEDS_REVIEW),
    "pregnancy": ({"pregnant_or_breastfeeding": True}, Outcome.NOT_CANDIDATE),
    "age_adult": ({"age_years": 17}, Outcome.NOT_CANDIDATE),
    "age_studied_range": ({"age_years": 61}, Outcome.NEEDS_REVIEW),
    "low_back_pain": ({"pain_location": "neck"}, Outcome.NEEDS_REVIEW),
    "pain_over_6_months": ({"pain_duration_months": 5}, Outcome.NEEDS_REVIEW),
    "back_pain_dominant": ({"pain_predominance": "leg"}, Outcome.NEEDS_REVIEW),
    "conservative_care_6_months": ({"conservative_care_months": 4}, Outcome.NEEDS_REVIEW),
    "supervised_physical_therapy": ({"physical_therapy": False}, Outcome.NEEDS_REVIEW),
    "pain_at_least_4": ({"nrs_pain": 3}, Outcome.NOT_CANDIDATE),
    "odi_at_least_30": ({"odi_percent": 28}, Outcome.NOT_CANDIDATE),
    "odi_at_most_80": ({"odi_percent": 82}, Outcome.NEEDS_REVIEW),
    "mri_available": ({"mri_done": "unsure"}, Outcome.NEEDS_REVIEW),
    "facet_block_relief_below_50": (
        {"facet_block_done": True, "facet_block_relief_percent": 50},
        Outcome.NEEDS_REVIEW,
    ),
    "no_recent_spine_surgery": (
        {"spine_surgery": True, "spine_fusion": False, "months_since_spine_surgery": 4},
        Outcome.NOT_CANDIDATE,
    ),
    "no_spinal_fusion": (
        {"spine_surgery": True, "spine_fusion": True, "months_since_spine_surgery": 30},
        Outcome.NEEDS_REVIEW,
    ),
    "no_prior_disc_cell_therapy": ({"disc_cell_therapy": True}, Outcome.NEEDS_REVIEW),
}

# Rules that cannot fail alone: a shorter threshold implies the longer one fails too.
FAILING_WITH_ANOTHER = {
    "pain_over_3_months": ({"pain_duration_months": 3}, "pain_over_6_months"),
    "conservative_care_3_months": ({"conservative_care_months": 2}, "conservative_care_6_months"),
}


def _statuses(result):
    return {rule.rule_id: rule.status for rule in result.rules}


def test_every_shipped_rule_has_a_test_here():
    assert {rule.id for rule in default_rules().rules} == set(FAILING) | set(FAILING_WITH_ANOTHER)


def test_an_eligible_pre_screen_is_a_likely_candidate():
    result = evaluate(ELIGIBLE)
    assert result.outcome is Outcome.LIKELY_CANDIDATE
    assert not result.red_flags
    assert not result.seek_care_now
    statuses = _statuses(result)
    not_applicable = {"facet_block_relief_below_50", "no_recent_spine_surgery", "no_spinal_fusion"}
    assert {r for r, s in statuses.items() if s is RuleStatus.NOT_APPLICABLE} == not_applicable
    assert all(s is RuleStatus.PASSED for r, s in statuses.items() if r not in not_applicable)


@pytest.mark.parametrize("rule_id", sorted(FAILING))
def test_each_rule_fails_alone_with_its_outcome(rule_id):
    answers, expected = FAILING[rule_id]
    result = evaluate({**ELIGIBLE, **answers})
    failed = {r for r, s in _statuses(result).items() if s is RuleStatus.FAILED}
    assert failed == {rule_id}
    assert result.outcome is expected
    reason = next(rule for rule in result.rules if rule.rule_id == rule_id)
    shipped = default_rules().rule(rule_id)
    assert reason.effect is shipped.outcome
    assert reason.patient_reason["en"] != reason.patient_reason["es"]
    assert reason.clinician_reason
    assert reason.source == shipped.source


@pytest.mark.parametrize("rule_id", sorted(FAILING_WITH_ANOTHER))
def test_a_shorter_minimum_fails_with_the_longer_one_and_excludes(rule_id):
    answers, companion = FAILING_WITH_ANOTHER[rule_id]
    result = evaluate({**ELIGIBLE, **answers})
    failed = {r for r, s in _statuses(result).items() if s is RuleStatus.FAILED}
    assert failed == {rule_id, companion}
    assert result.outcome is Outcome.NOT_CANDIDATE


@pytest.mark.parametrize("rule_id", sorted(RED_FLAGS))
def test_each_red_flag_asks_to_seek_care_now(rule_id):
    result = evaluate({**ELIGIBLE, **RED_FLAGS[rule_id]})
    assert result.red_flags == (rule_id,)
    assert result.seek_care_now
    assert "seek medical care now" in result.seek_care_now_message["en"]
    assert "Busque atención médica ahora" in result.seek_care_now_message["es"]


@pytest.mark.parametrize(
    "answers",
    [{"anticoagulants": True}, {"pregnant_or_breastfeeding": True}, {"age_years": 17}],
    ids=["blood_thinner", "pregnancy", "minor"],
)
def test_safety_exclusions_are_not_emergencies(answers):
    """A blood thinner or a pregnancy rules BMAC out or needs a plan; neither is a reason to
    tell someone to seek emergency care (DOMAIN.md §3.2 lists them as exclusions, not flags)."""
    result = evaluate({**ELIGIBLE, **answers})
    assert not result.red_flags
    assert result.seek_care_now_message == {}


def test_several_red_flags_are_all_reported():
    result = evaluate({**ELIGIBLE, "fever_or_infection": True, "bowel_bladder_change": True})
    assert set(result.red_flags) == {"red_flag_fever_or_infection", "red_flag_bowel_bladder"}


@pytest.mark.parametrize(
    ("answers", "status"),
    [
        ({"age_years": 18}, RuleStatus.PASSED),
        ({"age_years": 17.9}, RuleStatus.FAILED),
    ],
)
def test_age_18_is_adult(answers, status):
    assert _statuses(evaluate({**ELIGIBLE, **answers}))["age_adult"] is status


@pytest.mark.parametrize(
    ("rule_id", "answers", "status"),
    [
        ("age_studied_range", {"age_years": 60}, RuleStatus.PASSED),
        ("pain_over_3_months", {"pain_duration_months": 3.5}, RuleStatus.PASSED),
        ("pain_over_6_months", {"pain_duration_months": 6}, RuleStatus.FAILED),
        ("pain_over_6_months", {"pain_duration_months": 7}, RuleStatus.PASSED),
        ("conservative_care_3_months", {"conservative_care_months": 3}, RuleStatus.PASSED),
        ("conservative_care_6_months", {"conservative_care_months": 6}, RuleStatus.PASSED),
        ("pain_at_least_4", {"nrs_pain": 4}, RuleStatus.PASSED),
        ("odi_at_least_30", {"odi_percent": 30}, RuleStatus.PASSED),
        ("odi_at_most_80", {"odi_percent": 80}, RuleStatus.PASSED),
        (
            "facet_block_relief_below_50",
            {"facet_block_done": True, "facet_block_relief_percent": 49},
            RuleStatus.PASSED,
        ),
        (
            "no_recent_spine_surgery",
            {"spine_surgery": True, "spine_fusion": False, "months_since_spine_surgery": 6},
            RuleStatus.PASSED,
        ),
    ],
)
def test_thresholds_sit_where_the_trials_put_them(rule_id, answers, status):
    assert _statuses(evaluate({**ELIGIBLE, **answers}))[rule_id] is status


def test_an_odi_at_30_computed_in_floating_point_still_meets_the_rule():
    """ODI with one section unanswered is 100 × sum / 45; 13.5 / 45 cannot occur, but a
    value a rounding error below 30 (e.g. from 0.1 + 0.2 arithmetic) must not flip."""
    nearly_30 = 30 - 1e-12
    assert _statuses(evaluate({**ELIGIBLE, "odi_percent": nearly_30}))["odi_at_least_30"] is (
        RuleStatus.PASSED
    )


def test_the_reason_quotes_the_patients_own_answer():
    result = evaluate({**ELIGIBLE, "pain_duration_months": 5})
    reason = next(rule for rule in result.rules if rule.rule_id == "pain_over_6_months")
    assert "5 months" in reason.patient_reason["en"]
    assert "5 meses" in reason.patient_reason["es"]
    assert "Pain duration 5 months" in reason.clinician_reason

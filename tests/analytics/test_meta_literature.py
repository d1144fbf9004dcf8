"""The literature table: validation on reading, and the rows that can (or cannot, and why)
answer a pooling question. Uses the snapshot tests/known_answers/meta_bmac_spine_studies.csv of
/work/shared/data/bmac_spine_studies.csv; pooled numbers checked by meta_literature.R."""

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from spinereg.analytics.meta import (
    literature_effect_inputs,
    literature_effect_sizes,
    random_effects,
    read_literature,
)
from spinereg.core.errors import RuleViolation

KNOWN = Path(__file__).resolve().parents[1] / "known_answers"
SNAPSHOT = KNOWN / "meta_bmac_spine_studies.csv"


@pytest.fixture(scope="module")
def literature() -> pd.DataFrame:
    return read_literature(SNAPSHOT)


def reasons_by_study(selection: Any) -> dict[str, list[str]]:
    grouped: dict[str, list[str]] = {}
    for study, reason in zip(selection.excluded.study_id, selection.excluded.reason, strict=True):
        grouped.setdefault(study, []).append(reason)
    return grouped


def as_floats(values: Any) -> np.ndarray:
    values = values if isinstance(values, list) else [values]
    return np.array([np.nan if value is None else value for value in values], dtype=float)


def test_the_table_is_read_with_types_and_source_rows(literature):
    assert len(literature) == 68
    assert literature.source_row.tolist() == list(range(2, 70))
    assert literature.n.dtype.kind == "i"
    assert literature.responders.dtype.kind == "f"
    pettine = literature[literature.study_id == "pettine2015"].iloc[0]
    assert pettine["mean"] == 22.8
    assert np.isnan(pettine.sd)
    assert literature.responder_definition.iloc[0] == ""


@pytest.mark.parametrize(
    ("column", "value", "field", "rule"),
    [
        ("product", "prp", "product (row 5)", "vocabulary"),
        ("responders", "99", "responders (row 5)", "count"),
        ("sd", "0", "sd (row 5)", "positive"),
        ("n", "26.5", "n (row 5)", "integer"),
        ("mean", "twenty", "mean (row 5)", "numeric"),
        ("scale_max", "", "scale_max (row 5)", "known_scale"),
    ],
)
def test_bad_cells_are_reported_with_their_row(tmp_path, column, value, field, rule):
    raw = pd.read_csv(SNAPSHOT, dtype=str, keep_default_na=False)
    raw.loc[3, column] = value  # CSV line 5
    if column == "responders":
        raw.loc[3, "responder_definition"] = "some definition"
    path = tmp_path / "studies.csv"
    raw.to_csv(path, index=False)
    with pytest.raises(RuleViolation) as raised:
        read_literature(path)
    assert (raised.value.field, raised.value.rule) == (field, rule)


def test_a_missing_column_is_named(tmp_path):
    raw = pd.read_csv(SNAPSHOT, dtype=str, keep_default_na=False).drop(columns=["baseline_sd"])
    path = tmp_path / "studies.csv"
    raw.to_csv(path, index=False)
    with pytest.raises(RuleViolation, match="baseline_sd"):
        read_literature(path)


def test_no_mean_change_can_be_computed_without_standard_deviations(literature):
    selection = literature_effect_inputs(
        literature, outcome="odi", measure="MC", timepoint_months=3, ri=0.5
    )
    assert selection.included.empty
    reasons = reasons_by_study(selection)
    assert reasons["pettine2015"] == ["sd, baseline_sd missing"]
    assert "duplicate cohort at this time point" in reasons["pettine2016"][0]
    assert "keep one per time point, kept pettine2015" in reasons["pettine2016"][0]
    assert reasons["wolff2020"] == ["mean, sd, baseline_mean, baseline_sd missing"]
    assert reasons["atluri2022"] == ["sd, baseline_sd missing"] * 2
    with pytest.raises(RuleViolation, match="no row can enter"):
        literature_effect_sizes(selection)


def test_pre_post_measures_need_a_stated_correlation(literature):
    with pytest.raises(RuleViolation) as raised:
        literature_effect_inputs(literature, outcome="odi", measure="SMCR", timepoint_months=3)
    assert raised.value.field == "ri"


def test_a_percentage_without_a_denominator_is_not_turned_into_a_count(literature):
    selection = literature_effect_inputs(
        literature, outcome="odi", measure="PR", timepoint_months=3
    )
    assert selection.included.study_id.tolist() == ["levi2025", "levi2025"]
    assert selection.included.xi.tolist() == [23.0, 6.0]
    reasons = reasons_by_study(selection)
    assert reasons["wolff2020"] == [
        "no responder count (only responders_pct=36.4 reported; denominator unknown)"
    ]
    assert reasons["pettine2015"] == ["no responder count (the row reports means only)"]


def test_products_restrict_the_arms(literature):
    selection = literature_effect_inputs(
        literature, outcome="odi", measure="PR", timepoint_months=3, products={"bmac"}
    )
    assert selection.included.arm.tolist() == ["BMC intradiscal"]
    assert "saline" not in set(selection.excluded["product"])


def test_only_one_pettine_publication_is_used_per_time_point(literature):
    selection = literature_effect_inputs(
        literature,
        outcome="other",
        measure="PR",
        timepoint_months=24,
        timepoint_tolerance_months=12,
    )
    included = selection.included.set_index("study_id")
    assert included.loc["pettine2016", "timepoint_months"] == 24  # nearest of 12 and 24
    reasons = reasons_by_study(selection)
    assert reasons["pettine2016"][0].startswith("another row of this arm is used (row 13, 24")
    assert "duplicate cohort" in reasons["pettine2017"][0]
    assert "pettine2017" not in set(selection.included.study_id)


def test_one_responder_definition_per_arm_keeps_back_pain_over_leg_pain(literature):
    selection = literature_effect_inputs(
        literature, outcome="vas", measure="PR", timepoint_months=12, products={"bmac"}
    )
    haines = selection.included[selection.included.study_id == "haines2022"]
    assert haines.xi.tolist() == [19.0]
    (reason,) = reasons_by_study(selection)["haines2022"]
    assert "VAS back pain" in reason
    assert "VAS leg pain" in reason


def test_risk_ratios_pair_treated_and_control_arms_with_one_definition(literature):
    selection = literature_effect_inputs(
        literature, outcome="nrs", measure="RR", timepoint_months=3
    )
    included = selection.included.set_index("study_id")
    assert included.loc["juch2017", ["ai", "n1i", "ci", "n2i"]].tolist() == [52, 114, 40, 111]
    assert included.loc["levi2025", "arm_2"] == "sham procedure"
    reasons = reasons_by_study(selection)
    assert reasons["wolff2020"] == ["single arm: no comparison group in this study"]
    assert reasons["kwak2019"] == ["single arm: no comparison group in this study"]
    assert len(reasons["juch2017"]) == 2
    assert all(">=2 points" in reason for reason in reasons["juch2017"])


def test_two_active_arms_are_not_a_comparison(literature):
    selection = literature_effect_inputs(
        literature, outcome="other", measure="RR", timepoint_months=24
    )
    assert (
        reasons_by_study(selection)["manchikanti2010"]
        == ["no single treated-vs-control pair (arm products: mbb, mbb)"] * 2
    )


def test_flagged_rows_can_be_left_out_for_sensitivity(literature):
    selection = literature_effect_inputs(
        literature, outcome="nrs", measure="MD", timepoint_months=3, exclude_flags=["DERIVED"]
    )
    assert selection.included.empty
    assert (
        reasons_by_study(selection)["juch2017"]
        == ["notes flag 'DERIVED' (excluded for sensitivity analysis)"] * 2
    )


def test_raw_differences_on_different_scales_need_rescaling():
    frame = pd.DataFrame(
        {
            "source_row": [2, 3, 4, 5],
            "study_id": ["a", "a", "b", "b"],
            "first_author": ["A", "A", "B", "B"],
            "year": [2020] * 4,
            "product": ["rfa", "other", "rfa", "other"],
            "arm": ["rf", "control", "rf", "control"],
            "n": [50, 50, 40, 40],
            "outcome": ["vas", "vas", "nrs", "nrs"],
            "scale_max": [100.0, 100.0, 10.0, 10.0],
            "timepoint_months": [3.0] * 4,
            "mean": [40.0, 50.0, 4.5, 5.0],
            "sd": [20.0, 22.0, 2.0, 2.2],
            "baseline_mean": [np.nan] * 4,
            "baseline_sd": [np.nan] * 4,
            "change_mean": [np.nan] * 4,
            "change_sd": [np.nan] * 4,
            "responders": [np.nan] * 4,
            "responder_definition": [""] * 4,
            "notes": [""] * 4,
        }
    )
    with pytest.raises(RuleViolation) as raised:
        literature_effect_inputs(frame, outcome={"vas", "nrs"}, measure="MD", timepoint_months=3)
    assert raised.value.field == "rescale_to"
    selection = literature_effect_inputs(
        frame, outcome={"vas", "nrs"}, measure="MD", timepoint_months=3, rescale_to=10
    )
    assert selection.included.m1i.tolist() == [4.0, 4.5]
    assert selection.included.sd2i.tolist() == [pytest.approx(2.2), 2.2]


@pytest.mark.parametrize("key", ["REML_z", "REML_knha", "DL_z"])
def test_literature_risk_ratios_match_r(literature, key):
    """meta_literature.R: escalc("RR") on levi2025 and juch2017 (NRS responders, 3 months),
    rma(yi, vi, method, test)."""
    expected = json.loads((KNOWN / "meta_literature.json").read_text())["RR"]
    selection = literature_effect_inputs(
        literature, outcome="nrs", measure="RR", timepoint_months=3
    )
    effects = literature_effect_sizes(selection)
    order = [list(selection.included.study_id).index(study) for study in expected["studies"]]
    np.testing.assert_allclose(effects.yi[order], expected["escalc"]["yi"], rtol=1e-6)
    np.testing.assert_allclose(effects.vi[order], expected["escalc"]["vi"], rtol=1e-6)
    method, test = key.split("_")
    pooled = random_effects(effects.yi, effects.vi, method, test)
    fit = expected["fits"][key]
    for field in ("estimate", "se", "ci_lower", "ci_upper", "pval", "i2", "pi_lower", "pi_upper"):
        assert getattr(pooled, field) == pytest.approx(fit[field], rel=1e-6)
    assert pooled.tau2 == pytest.approx(fit["tau2"], rel=1e-6, abs=1e-12)


def test_literature_proportions_and_mean_difference_match_r(literature):
    """meta_literature.R: escalc("PR") on the levi2025 ODI responder arms at 3 months and
    rma(method = "REML"); escalc("MD") on juch2017's NRS means at 3 months."""
    expected = json.loads((KNOWN / "meta_literature.json").read_text())
    proportions = literature_effect_sizes(
        literature_effect_inputs(literature, outcome="odi", measure="PR", timepoint_months=3)
    )
    np.testing.assert_allclose(proportions.yi, expected["PR"]["escalc"]["yi"], rtol=1e-6)
    np.testing.assert_allclose(proportions.vi, expected["PR"]["escalc"]["vi"], rtol=1e-6)
    pooled = random_effects(proportions.yi, proportions.vi)
    assert pooled.estimate == pytest.approx(expected["PR"]["fits"]["REML_z"]["estimate"], 1e-6)
    difference = literature_effect_sizes(
        literature_effect_inputs(literature, outcome="nrs", measure="MD", timepoint_months=3)
    )
    np.testing.assert_allclose(difference.yi, as_floats(expected["MD"]["escalc"]["yi"]), 1e-6)
    np.testing.assert_allclose(difference.vi, as_floats(expected["MD"]["escalc"]["vi"]), 1e-6)
    assert difference.labels == ("Juch 2017",)

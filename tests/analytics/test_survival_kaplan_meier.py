"""kaplan_meier against R's survfit, curve by curve (tests/known_answers/survival_reference.R):

    fit <- survfit(Surv(time, event) ~ 1, conf.type = conf_type)   # "log-log", "log", "plain"
    summary(fit, censored = FALSE)        # -> .table
    fit$time, fit$n.censor, fit$surv ...  # -> .curve (std.err times surv)
    quantile(fit, probs = 0.5)            # -> .median, .median_ci
    summary(fit, times = query_times)     # -> .survival_at(query_times)

on lung, lung by sex, ovarian, veteran, aml (all and by arm), a simulated set of 2,000 rows
with integer days, and hand-made curves for the median rules (flat at 0.5, ending at 0.5, never
reaching it) and the Greenwood edge cases (everyone at risk dies, near-tied times, time 0).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from spinereg.analytics.survival import KaplanMeierFit, kaplan_meier

KNOWN = Path(__file__).parent.parent / "known_answers"
REFERENCE: dict[str, Any] = json.loads((KNOWN / "survival_reference.json").read_text())
CASES = {case["name"]: case for case in REFERENCE["kaplan_meier"]}
TIME_EVENT = {
    "lung": ("time", "status"),
    "ovarian": ("futime", "fustat"),
    "veteran": ("time", "status"),
    "aml": ("time", "status"),
    "simulated_ties": ("time", "event"),
    "km_edge_cases": ("time", "event"),
}
REL = 1e-6


def r_floats(values: Any) -> np.ndarray:
    """jsonlite writes R's NA, NaN and Inf as strings."""
    if not isinstance(values, list):
        values = [values]
    special = {"NA": np.nan, "NaN": np.nan, "Inf": np.inf, "-Inf": -np.inf}
    return np.array([special[v] if isinstance(v, str) else v for v in values], dtype=float)


def assert_same_optional(actual: float | None, expected: Any) -> None:
    """R's NA (a median not reached) is our None."""
    if expected == "NA":
        assert actual is None
    else:
        assert actual == pytest.approx(float(expected), rel=REL)


def case_data(case: dict[str, Any]) -> tuple[pd.Series, pd.Series]:
    frame = pd.read_csv(KNOWN / f"survival_{case['dataset']}.csv")
    if case["subset_column"] is not None:
        wanted = case["subset_value"]
        frame = frame[frame[case["subset_column"]].astype(type(wanted)) == wanted]
    time, event = TIME_EVENT[case["dataset"]]
    return frame[time], frame[event]


FITS = [(name, fit["conf_type"]) for name, case in CASES.items() for fit in case["fits"]]


@pytest.fixture(scope="module", params=FITS, ids=[f"{name}-{conf}" for name, conf in FITS])
def fitted(request: pytest.FixtureRequest) -> tuple[KaplanMeierFit, dict[str, Any]]:
    name, conf_type = request.param
    case = CASES[name]
    expected = next(fit for fit in case["fits"] if fit["conf_type"] == conf_type)
    time, event = case_data(case)
    return kaplan_meier(time, event, conf_type=conf_type), expected


def test_the_r_script_covers_every_dataset_and_confidence_type() -> None:
    assert {case["dataset"] for case in CASES.values()} == set(TIME_EVENT)
    assert {conf for _, conf in FITS} == {"log-log", "log", "plain"}
    assert REFERENCE["survival_version"].startswith("3.")


def test_the_table_has_the_documented_columns(fitted: tuple[KaplanMeierFit, Any]) -> None:
    fit, _ = fitted
    assert list(fit.table.columns) == [
        "time", "n_risk", "n_event", "n_censor", "survival", "std_err", "lower", "upper",
    ]  # fmt: skip


@pytest.mark.parametrize("part", ["table", "curve"])
def test_counts_match_survfit(fitted: tuple[KaplanMeierFit, Any], part: str) -> None:
    fit, expected = fitted
    frame = getattr(fit, part)
    for column in ("time", "n_risk", "n_event", "n_censor"):
        np.testing.assert_array_equal(frame[column].to_numpy(), r_floats(expected[part][column]))


@pytest.mark.parametrize("part", ["table", "curve"])
def test_estimates_and_limits_match_survfit(fitted: tuple[KaplanMeierFit, Any], part: str) -> None:
    fit, expected = fitted
    frame = getattr(fit, part)
    for column in ("survival", "std_err", "lower", "upper"):
        np.testing.assert_allclose(
            frame[column].to_numpy(),
            r_floats(expected[part][column]),
            rtol=REL,
            atol=0,
            equal_nan=True,
            err_msg=column,
        )


def test_median_and_its_interval_match_quantile_survfit(
    fitted: tuple[KaplanMeierFit, Any],
) -> None:
    fit, expected = fitted
    assert_same_optional(fit.median, expected["median"])
    assert_same_optional(fit.median_ci[0], expected["median_lower"])
    assert_same_optional(fit.median_ci[1], expected["median_upper"])


QUERIED = [name for name, case in CASES.items() if "survival_at" in case["fits"][0]]


@pytest.mark.parametrize("name", QUERIED)
def test_survival_at_matches_summary_at_times(name: str) -> None:
    expected = CASES[name]["fits"][0]
    fit = kaplan_meier(*case_data(CASES[name]))
    at = expected["survival_at"]
    np.testing.assert_allclose(
        fit.survival_at(r_floats(at["time"])), r_floats(at["survival"]), rtol=REL, atol=0
    )


def test_a_curve_flat_at_one_half_answers_the_middle_of_the_flat_stretch() -> None:
    """quantile.survfit: S = 0.5 from day 3 until the drop at day 4 gives a median of 3.5."""
    fit = kaplan_meier([1, 2, 3, 4, 5, 6], [1, 1, 1, 1, 1, 1])
    assert fit.median == pytest.approx(3.5)


def test_a_median_never_reached_is_none() -> None:
    fit = kaplan_meier([2, 4, 5, 7, 9, 11], [1, 0, 1, 0, 0, 0])
    assert fit.median is None
    assert fit.median_ci[1] is None


def test_without_censoring_the_curve_is_one_minus_the_empirical_distribution() -> None:
    rng = np.random.default_rng(7)
    times = rng.integers(0, 30, size=200).astype(float)
    fit = kaplan_meier(times, np.ones(times.size))
    for t in (0.0, 3.0, 12.5, 29.0):
        assert fit.survival_at([t])[0] == pytest.approx(np.mean(times > t), rel=1e-12)


def test_survival_is_one_before_the_first_event_and_undefined_after_follow_up() -> None:
    fit = kaplan_meier([5, 8, 9], [1, 0, 1])
    values = fit.survival_at([-1.0, 4.9, 5.0, 9.0, 9.5])
    np.testing.assert_allclose(values[:4], [1.0, 1.0, 2 / 3, 0.0])
    assert np.isnan(values[4])
    assert fit.survival_at(8).tolist() == pytest.approx([2 / 3])


def test_censorings_after_the_last_event_appear_only_in_the_curve() -> None:
    fit = kaplan_meier([1, 2, 2, 3, 5, 6], [0, 1, 0, 0, 1, 0])
    assert fit.table["time"].tolist() == [2, 5]
    assert fit.table["n_censor"].tolist() == [2, 1]  # days 1 and 2 (tied), then day 3
    assert fit.curve["n_censor"].tolist() == [1, 1, 1, 0, 1]  # day 6 is after the last event


def test_event_accepts_booleans_and_series() -> None:
    as_bool = kaplan_meier(pd.Series([3.0, 1.0, 2.0]), pd.Series([True, False, True]))
    as_int = kaplan_meier([3, 1, 2], [1, 0, 1])
    pd.testing.assert_frame_equal(as_bool.table, as_int.table)

"""Bad survival input is refused with the argument and the rule named, and R's rule for
near-tied times (`aeqSurv`, tolerance √ε) merges times exactly as survfit/coxph do."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest

from spinereg.analytics.survival import kaplan_meier
from spinereg.analytics.survival.inputs import time_blocks
from spinereg.core.errors import RuleViolation


@pytest.mark.parametrize(
    ("time", "event", "field", "rule"),
    [
        ([1, 2, -3], [1, 0, 1], "time", "non_negative"),
        ([1, np.nan, 3], [1, 0, 1], "time", "no_missing"),
        ([1, np.inf, 3], [1, 0, 1], "time", "finite"),
        ([], [], "time", "non_empty"),
        (["1", "x", "3"], [1, 0, 1], "time", "numeric"),
        ([[1, 2], [3, 4]], [1, 0], "time", "one_dimensional"),
        ([1, 2, 3], [1, 2, 1], "event", "zero_or_one"),
        ([1, 2, 3], [1, None, 1], "event", "no_missing"),
        ([1, 2, 3], [1, 0], "event", "same_length"),
        (pd.Series(["a", "b"]), [1, 0], "time", "numeric"),
    ],
)
def test_bad_input_names_the_argument_and_the_rule(
    time: Any, event: Any, field: str, rule: str
) -> None:
    with pytest.raises(RuleViolation) as caught:
        kaplan_meier(time, event)
    assert (caught.value.field, caught.value.rule) == (field, rule)


def test_the_message_gives_the_value_and_its_position() -> None:
    with pytest.raises(RuleViolation, match=r"time: value -3.0 at position 2 is negative"):
        kaplan_meier([1, 2, -3], [1, 0, 1])


def test_a_nullable_series_with_missing_values_is_refused() -> None:
    with pytest.raises(RuleViolation, match="no_missing"):
        kaplan_meier(pd.Series([1, None, 3], dtype="Int64"), [1, 0, 1])


@pytest.mark.parametrize(
    ("argument", "value"), [("conf_type", "logit"), ("conf_level", 1.0), ("conf_level", 0.0)]
)
def test_bad_options_are_refused(argument: str, value: Any) -> None:
    options: dict[str, Any] = {argument: value}
    with pytest.raises(RuleViolation, match=argument):
        kaplan_meier([1, 2], [1, 1], **options)


def test_times_closer_than_the_tolerance_are_one_time() -> None:
    blocks = time_blocks(np.array([2.0, 0.1 + 0.2, 0.3, 1.0, 1.0 + 1e-12]))
    np.testing.assert_array_equal(blocks.times, [0.3, 1.0, 2.0])
    np.testing.assert_array_equal(blocks.sizes, [2, 2, 1])


def test_gaps_tiny_relative_to_the_mean_time_merge_too() -> None:
    """aeqSurv's second rule, diff(y) / mean(|y|) ≤ tol: beside a time of 1e9 the mean is about
    3.3e8, so 0 and 0.25 are one time."""
    blocks = time_blocks(np.array([0.25, 1e9, 0.0]))
    np.testing.assert_array_equal(blocks.times, [0.0, 1e9])


def test_distinct_times_stay_distinct() -> None:
    times = np.array([3.0, 1.0, 2.0, 1.0, 1.0001])
    blocks = time_blocks(times)
    np.testing.assert_array_equal(blocks.times, [1.0, 1.0001, 2.0, 3.0])
    np.testing.assert_array_equal(blocks.sizes, [2, 1, 1, 1])
    np.testing.assert_array_equal(times[blocks.order], [1.0, 1.0, 1.0001, 2.0, 3.0])


@pytest.mark.parametrize(
    "times",
    [
        [70000.0, 3.0, 65536.0, 65535.0, 2.0**20, 3.0, 0.0],  # whole days: the radix sort
        [2.5, 0.25, 1000.5, 3.0, 0.0, 2.5],  # anything else: the comparison sort
    ],
)
def test_blocks_follow_the_sorted_times(times: list[float]) -> None:
    values = np.array(times)
    blocks = time_blocks(values)
    np.testing.assert_array_equal(values[blocks.order], np.sort(values))
    np.testing.assert_array_equal(blocks.times, np.unique(values))
    np.testing.assert_array_equal(blocks.sizes, np.unique(values, return_counts=True)[1])

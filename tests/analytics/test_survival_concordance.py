"""The vectorised pair counts of Harrell's C against a direct O(n²) count of R's definition
(`concordancefit(y, risk, reverse = TRUE)`, documented in the survival package's "Concordance"
vignette): for an event at time t, the subjects still at risk after it (later times, or censored
at t) are compared by risk score; two events at the same time are tied.y, never compared.
The R values for whole Cox fits are checked in test_survival_cox.py.
"""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from spinereg.analytics.survival.concordance import ConcordanceCounts, concordance_counts


def direct_count(time: np.ndarray, event: np.ndarray, score: np.ndarray) -> ConcordanceCounts:
    concordant = discordant = tied_risk = tied_time = 0
    for i in range(time.size):
        if not event[i]:
            continue
        for j in range(time.size):
            if j == i:
                continue
            if time[j] == time[i] and event[j]:
                tied_time += 1  # each tied pair is seen from both sides
                continue
            if time[j] > time[i] or (time[j] == time[i] and not event[j]):
                if score[i] > score[j]:
                    concordant += 1
                elif score[i] < score[j]:
                    discordant += 1
                else:
                    tied_risk += 1
    return ConcordanceCounts(concordant, discordant, tied_risk, tied_time // 2)


subjects = st.integers(min_value=1, max_value=40).flatmap(
    lambda n: st.tuples(
        st.lists(st.integers(0, 12), min_size=n, max_size=n),
        st.lists(st.booleans(), min_size=n, max_size=n),
        st.lists(st.integers(-3, 60), min_size=n, max_size=n),
    )
)


@settings(max_examples=300, deadline=None)
@given(subjects)
def test_counts_equal_the_direct_pair_count(data: tuple[list[int], list[bool], list[int]]) -> None:
    time_values, event_values, score_values = data
    time = np.array(time_values)
    event = np.array(event_values)
    score = np.array(score_values, dtype=float)
    _, time_rank = np.unique(time, return_inverse=True)
    assert concordance_counts(time_rank.astype(np.int64), event, score) == direct_count(
        time, event, score
    )


def test_long_runs_of_tied_times_or_tied_scores_agree_with_the_direct_count() -> None:
    """Few distinct times and many scores (long runs of tied times, few partition levels),
    then many times and few scores (long runs of tied risk scores, many levels)."""
    rng = np.random.default_rng(5)
    for time_levels, score_levels in ((3, 500), (500, 3)):
        time = rng.integers(0, time_levels, 300)
        event = rng.uniform(size=300) < 0.6
        score = rng.integers(0, score_levels, 300).astype(float)
        _, time_rank = np.unique(time, return_inverse=True)
        counts = concordance_counts(time_rank.astype(np.int64), event, score)
        assert counts == direct_count(time, event, score)


def test_a_perfect_risk_score_has_concordance_one_and_its_reverse_zero() -> None:
    time = np.arange(10)
    event = np.ones(10, dtype=bool)
    risk = -time.astype(float)  # the earliest death has the highest risk
    assert concordance_counts(time.astype(np.int64), event, risk).concordance == 1.0
    assert concordance_counts(time.astype(np.int64), event, -risk).concordance == 0.0

"""The vectorised partial likelihood against its textbook definition, written as plain loops.

Efron (1977) JASA 72:557, eq. (3): for each distinct event time with d tied deaths D and risk
set R, ℓ = Σ_D η − Σ_{l=0}^{d−1} log(Σ_R e^η − (l/d) Σ_D e^η); Breslow drops the l/d term. The
score and information are checked as the first and second derivatives of that ℓ (central
differences). Small random data with heavy ties, including a last time where everyone left
dies, which exercises the edge of the segment sums.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from spinereg.analytics.survival.cox import Ties, _PartialLikelihood


def loglik_by_definition(
    time: np.ndarray, event: np.ndarray, x: np.ndarray, beta: np.ndarray, ties: str
) -> float:
    eta = x @ beta
    total = 0.0
    for t in np.unique(time[event]):
        deaths = (time == t) & event
        at_risk = time >= t
        d = int(deaths.sum())
        risk_sum = np.exp(eta[at_risk]).sum()
        death_sum = np.exp(eta[deaths]).sum()
        total += eta[deaths].sum()
        for already_out in range(d):
            fraction = already_out / d if ties == "efron" else 0.0
            total -= np.log(risk_sum - fraction * death_sum)
    return float(total)


def random_data(seed: int, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    time = rng.integers(1, 6, n).astype(float)
    event = rng.uniform(size=n) < 0.7
    event[time == time.max()] = True  # everyone at the last time dies
    x = np.column_stack([rng.normal(size=n), rng.integers(0, 2, n)]).astype(float)
    return time, event, x


@pytest.mark.parametrize("ties", ["efron", "breslow"])
@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 10_000), n=st.integers(4, 30))
def test_loglik_score_and_information_match_the_definition(ties: Ties, seed: int, n: int) -> None:
    time, event, x = random_data(seed, n)
    problem = _PartialLikelihood(time, event, x.T.copy(), ties)
    beta = np.array([0.3, -0.4])
    centred = x - x.mean(axis=0)  # the likelihood is centred internally; ℓ does not change

    loglik, score, information = problem.evaluate(beta)
    assert loglik == pytest.approx(loglik_by_definition(time, event, centred, beta, ties), 1e-10)

    step = 1e-5
    for a in range(2):
        shift = np.zeros(2)
        shift[a] = step
        up = loglik_by_definition(time, event, centred, beta + shift, ties)
        down = loglik_by_definition(time, event, centred, beta - shift, ties)
        assert score[a] == pytest.approx((up - down) / (2 * step), rel=1e-5, abs=1e-7)
        score_up = problem.evaluate(beta + shift)[1]
        score_down = problem.evaluate(beta - shift)[1]
        np.testing.assert_allclose(
            information[a], -(score_up - score_down) / (2 * step), rtol=1e-5, atol=1e-7
        )

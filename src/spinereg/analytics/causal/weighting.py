"""`iptw`: inverse probability of treatment weighting for the average treatment effect (ATE).

Weights (Robins, Hernán and Brumback 2000, Epidemiology 11:550; Austin and Stuart 2015, Stat Med
34:3661): unstabilised 1 / P(T = t | X); stabilised P(T = t) / P(T = t | X), with P(T = t) the
observed share of the group. The ATE is the coefficient of treatment in the weighted linear
model `lm(outcome ~ treatment, weights = w)`, i.e. the difference of weighted means, and its
standard error is the HC0 sandwich of that model, `sandwich::vcovHC(fit, type = "HC0")`.
Checked against R in tests/known_answers/causal_iptw.R.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from spinereg.analytics.causal.balance import balance_table, effective_sample_size
from spinereg.analytics.causal.propensity import (
    Array,
    PropensityModel,
    analysis_data,
    fit_propensity,
)


@dataclass(frozen=True, slots=True)
class IptwResult:
    """An IPTW analysis.

    propensity: the logistic propensity model (coefficients as R's glm, scores, logits).
    weights: one per row of the input frame, same index.
    ate, ate_se, ate_ci: the weighted difference in means, its HC0 sandwich SE and the 95% CI
        ate ± z₀.₉₇₅ · se with the normal quantile z₀.₉₇₅ = qnorm(0.975) ≈ 1.96.
    balance: see `balance.py`; "after" is weighted by `weights`.
    ess_treated, ess_control: Kish's effective sample sizes of the weighted groups.
    """

    propensity: PropensityModel
    weights: pd.Series
    stabilized: bool
    ate: float
    ate_se: float
    ate_ci: tuple[float, float]
    balance: pd.DataFrame
    ess_treated: float
    ess_control: float
    n_treated: int
    n_control: int


def _weighted_difference_hc0(
    outcome: Array, treated: np.ndarray[tuple[int], np.dtype[np.bool_]], weights: Array
) -> tuple[float, float]:
    """Coefficient of T in the weighted regression of outcome on (1, T), and its HC0 SE:
    (XᵀWX)⁻¹ (Σ wᵢ² eᵢ² xᵢxᵢᵀ) (XᵀWX)⁻¹, sandwich's `bread` and `meatHC` for a weighted lm."""
    design = np.column_stack([np.ones_like(outcome), treated.astype(np.float64)])
    weighted = design * weights[:, np.newaxis]
    bread = np.linalg.inv(design.T @ weighted)
    coefficients = bread @ (weighted.T @ outcome)
    residuals = outcome - design @ coefficients
    scores = weighted * residuals[:, np.newaxis]
    covariance = bread @ (scores.T @ scores) @ bread
    return float(coefficients[1]), float(np.sqrt(covariance[1, 1]))


def iptw(
    frame: pd.DataFrame,
    treatment: str,
    covariates: list[str],
    outcome: str,
    stabilized: bool = True,
) -> IptwResult:
    """Average treatment effect of `treatment` (0/1 or boolean) on `outcome` by IPTW.

    The sandwich SE treats the weights as known, ignoring that the propensity score was
    estimated; for the ATE this is conservative (Lunceford and Davidian 2004, Stat Med
    23:2937) and is what `vcovHC` on the weighted lm gives.
    Stabilising the weights changes the weights and their spread, not the ATE, its SE or the
    effective sample sizes (a constant factor per group cancels in both).

    Covariates must be numeric or boolean (code a categorical as 0/1 columns), complete and not
    constant. Raises MissingColumnError, RuleViolation (treatment not binary, a non-numeric or
    incomplete column), EmptyGroupError (fewer than 2 treated or control rows),
    ConstantCovariateError, CollinearityError, and ConvergenceError when the propensity model
    has no estimate (separation) or does not converge.
    """
    data = analysis_data(frame, treatment, covariates, outcome)
    model = fit_propensity(data, treatment)
    score = model.score.to_numpy()
    treated = data.treated
    if stabilized:
        share_treated = float(treated.mean())
        weights = np.where(treated, share_treated / score, (1 - share_treated) / (1 - score))
    else:
        weights = np.where(treated, 1 / score, 1 / (1 - score))
    ate, ate_se = _weighted_difference_hc0(data.outcome, treated, weights)
    z = float(stats.norm.ppf(0.975))
    return IptwResult(
        propensity=model,
        weights=pd.Series(weights, index=data.index, name="weight"),
        stabilized=stabilized,
        ate=ate,
        ate_se=ate_se,
        ate_ci=(ate - z * ate_se, ate + z * ate_se),
        balance=balance_table(data.covariates, treated, weights),
        ess_treated=effective_sample_size(weights[treated]),
        ess_control=effective_sample_size(weights[~treated]),
        n_treated=int(treated.sum()),
        n_control=int((~treated).sum()),
    )

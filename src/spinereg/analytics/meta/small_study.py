"""Egger's regression test for funnel-plot asymmetry (small-study effects).

`egger_test(yi, vi, method, test)` is metafor's `regtest(rma(yi, vi, method, test))` with its
defaults `model = "rma"`, `predictor = "sei"`: the mixed-effects meta-regression
yi = b0 + b1·sei (sei = √vi) fitted with the same tau² estimator and test as the main model;
the test statistic and p value are those of b1, and b0 is the "limit estimate" - the effect
predicted for an infinitely precise study (Egger et al. 1997, BMJ 315:629; Sterne & Egger 2005).

Fewer than 10 studies raise an error rather than returning a number: with so few the test is too
weak to tell asymmetry from chance (Sterne et al. 2011, BMJ 343:d4002, recommendation 1).
Checked against R in tests/known_answers/meta_bcg.R.
"""

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from spinereg.analytics.meta.model import fit_rma
from spinereg.analytics.meta.pooling import validate_effects, validate_options
from spinereg.core.errors import RuleViolation

MIN_STUDIES_EGGER = 10


@dataclass(frozen=True, slots=True)
class EggerTest:
    """b1's test (z, or t with `df` = k - 2 under Knapp-Hartung) and the limit estimate b0."""

    k: int
    statistic: float
    df: int | None
    pval: float
    limit_estimate: float
    limit_ci_lower: float
    limit_ci_upper: float
    tau2: float


def egger_test(
    yi: ArrayLike,
    vi: ArrayLike,
    method: str = "REML",
    test: str = "z",
    conf_level: float = 0.95,
) -> EggerTest:
    """metafor's regtest(model = "rma", predictor = "sei"); needs at least 10 studies."""
    y, v = validate_effects(yi, vi)
    method, test = validate_options(method, test, conf_level)
    if len(y) < MIN_STUDIES_EGGER:
        raise RuleViolation(
            field="yi",
            rule="min_studies_egger",
            message=(
                f"{len(y)} studies given; Egger's test needs at least {MIN_STUDIES_EGGER} "
                "(Sterne et al. 2011, BMJ 343:d4002)"
            ),
        )
    design = np.column_stack([np.ones(len(y)), np.sqrt(v)])
    fit = fit_rma(y, v, design, method=method, test=test, conf_level=conf_level)
    return EggerTest(
        k=fit.k,
        statistic=float(fit.statistic[1]),
        df=fit.df,
        pval=float(fit.pval[1]),
        limit_estimate=float(fit.beta[0]),
        limit_ci_lower=float(fit.ci_lower[0]),
        limit_ci_upper=float(fit.ci_upper[0]),
        tau2=fit.tau2,
    )

"""Covariate balance between treated and control, before and after weighting or matching.

The standardised mean difference divides the treated − control difference in (weighted) means by
the pooled SD of the *unweighted* groups, sqrt((s₁² + s₀²) / 2) with sample variances (n − 1),
for the "before" and the "after" columns alike, so that a change in the SMD is a change in the
means and not in the yardstick. This is cobalt's default for the ATE (`bal.tab(...,
s.d.denom = "pooled")`; Austin 2009, Stat Med 28:3083; Austin and Stuart 2015, Stat Med
34:3661). Unlike cobalt, whose default shows raw differences for binary covariates, every
covariate is standardised here, 0/1 ones included, so that one threshold (|SMD| < 0.1) reads
the whole table. Effective sample sizes are Kish's (Σw)² / Σw², as cobalt reports.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pandas as pd

Array = npt.NDArray[np.float64]

BALANCE_COLUMNS = [
    "mean_treated_before",
    "mean_control_before",
    "mean_treated_after",
    "mean_control_after",
    "smd_before",
    "smd_after",
]


def balance_table(
    covariates: pd.DataFrame, treated: npt.NDArray[np.bool_], weights: Array
) -> pd.DataFrame:
    """One row per covariate; `weights` define "after" (0 leaves a unit out, as unmatched)."""
    rows: dict[str, list[float]] = {}
    for name in covariates.columns:
        values = covariates[name].to_numpy(dtype=np.float64)
        treated_values, control_values = values[treated], values[~treated]
        pooled_sd = float(np.sqrt((treated_values.var(ddof=1) + control_values.var(ddof=1)) / 2))
        before = (float(treated_values.mean()), float(control_values.mean()))
        after = (
            float(np.average(treated_values, weights=weights[treated])),
            float(np.average(control_values, weights=weights[~treated])),
        )
        rows[str(name)] = [
            *before,
            *after,
            (before[0] - before[1]) / pooled_sd,
            (after[0] - after[1]) / pooled_sd,
        ]
    table = pd.DataFrame.from_dict(rows, orient="index", columns=BALANCE_COLUMNS)
    table.index.name = "covariate"
    return table


def effective_sample_size(weights: Array) -> float:
    """Kish's effective sample size of one group: (Σw)² / Σw²."""
    return float(weights.sum() ** 2 / (weights**2).sum())

"""`propensity_match`: greedy nearest-neighbour matching on the logit of the propensity score.

Austin 2011 (Pharm Stat 10:150, "Optimal caliper widths for propensity-score matching"): match
on the logit of the score, without replacement, within a caliper of 0.2 standard deviations of
that logit. The SD is the sample SD (n − 1) over all units, treated and control. The greedy order
is MatchIt's default for a propensity score (`matchit(..., m.order = "largest")`): treated units
by descending score, ties in the frame's row order. Each takes the nearest control still
available; of two equally near, the one earlier in the frame. With `ratio` k > 1 matching runs
in k rounds, as MatchIt does: every treated unit gets its first control before any gets a
second, and a treated unit that finds no control within the caliper in one round gets no more.

The estimand is the average effect in the treated (ATT): for each matched treated unit the
difference between its outcome and the mean outcome of its controls; the ATT is the mean of
these differences and its SE the paired one, sd(differences) / √m (Austin 2011, Stat Med
30:1292, "Comparing paired vs non-paired statistical methods of analyses when making
inferences about absolute risks in propensity-score matched samples"), with a normal 95% CI.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy import stats

from spinereg.analytics.causal.balance import balance_table
from spinereg.analytics.causal.propensity import (
    PropensityModel,
    analysis_data,
    fit_propensity,
)
from spinereg.analytics.exceptions import EmptyGroupError
from spinereg.core.errors import RuleViolation


@dataclass(frozen=True, slots=True)
class MatchResult:
    """A matched analysis.

    pairs: one row per matched (treated, control) pair, `treated` and `control` being labels of
        the input frame's index, with `match_round` (1..ratio) and `distance` (|Δ logit|), in
        the order they were formed.
    att, att_se, att_ci: mean paired difference, sd / √m, and att ± qnorm(0.975) · se.
    n_matched_treated / n_unmatched_treated: treated units with / without any control.
    caliper_logit: the caliper in logit units (None: no caliper).
    balance: see `balance.py`; "after" is the matched sample, each control weighted by the
        share of its treated unit's set (1 / k for a set of k controls), MatchIt's weights.
    """

    propensity: PropensityModel
    pairs: pd.DataFrame
    att: float
    att_se: float
    att_ci: tuple[float, float]
    n_matched_treated: int
    n_unmatched_treated: int
    n_controls_used: int
    caliper_logit: float | None
    balance: pd.DataFrame
    weights: pd.Series


class _Available:
    """Sorted controls with O(α(n)) "nearest still available to the left/right" look-ups."""

    def __init__(self, size: int) -> None:
        # Union-find forests: _right[i] leads to the first available position ≥ i (size: none);
        # _left[i + 1] leads to (the first available position ≤ i) + 1 (0: none).
        self._right = np.arange(size + 1)
        self._left = np.arange(size + 1)

    def _find(self, parent: npt.NDArray[np.intp], start: int) -> int:
        root = start
        while parent[root] != root:
            root = int(parent[root])
        while parent[start] != root:  # path compression
            parent[start], start = root, int(parent[start])
        return root

    def right_of(self, position: int) -> int:
        return self._find(self._right, position)

    def left_of(self, position: int) -> int:
        return self._find(self._left, position + 1) - 1

    def take(self, position: int) -> None:
        self._right[position] = position + 1
        self._left[position + 1] = position


def propensity_match(
    frame: pd.DataFrame,
    treatment: str,
    covariates: list[str],
    outcome: str,
    caliper: float | None = 0.2,
    ratio: int = 1,
) -> MatchResult:
    """1:`ratio` greedy matching without replacement on the propensity logit (see the module).

    Input rules and errors are those of `iptw`; in addition `caliper` must be positive (None for
    none) and `ratio` a positive integer, and EmptyGroupError is raised when no treated unit
    finds a control within the caliper.
    """
    if caliper is not None and not caliper > 0:
        raise RuleViolation(field="caliper", rule="positive", message=f"{caliper} is not > 0")
    if ratio < 1:
        raise RuleViolation(field="ratio", rule="positive", message=f"{ratio} is not ≥ 1")
    data = analysis_data(frame, treatment, covariates, outcome)
    model = fit_propensity(data, treatment)
    logit = model.logit.to_numpy()
    caliper_logit = None if caliper is None else caliper * float(np.std(logit, ddof=1))

    treated_rows = np.flatnonzero(data.treated)
    control_rows = np.flatnonzero(~data.treated)
    # Stable sorts: ties keep the frame's row order.
    treated_order = treated_rows[np.argsort(-model.score.to_numpy()[treated_rows], kind="stable")]
    control_sorted = control_rows[np.argsort(logit[control_rows], kind="stable")]
    control_logit = logit[control_sorted]
    available = _Available(len(control_sorted))

    matches: list[tuple[int, int, int, float]] = []  # treated row, control row, round, distance
    still_matching = list(treated_order)
    for match_round in range(1, ratio + 1):
        next_round = []
        for treated_row in still_matching:
            target = logit[treated_row]
            insert = int(np.searchsorted(control_logit, target))
            left = available.left_of(insert - 1)
            # Equal logits are sorted in row order; prefer the earliest available of a run.
            while left > 0 and (earlier := available.left_of(left - 1)) >= 0:
                if control_logit[earlier] != control_logit[left]:
                    break
                left = earlier
            candidates = [left, available.right_of(insert)]
            best: tuple[float, int] | None = None
            for position in candidates:
                if 0 <= position < len(control_sorted):
                    distance = abs(float(control_logit[position]) - target)
                    row = int(control_sorted[position])
                    if best is None or (distance, row) < (best[0], int(control_sorted[best[1]])):
                        best = (distance, position)
            if best is None or (caliper_logit is not None and best[0] > caliper_logit):
                continue
            available.take(best[1])
            matches.append((int(treated_row), int(control_sorted[best[1]]), match_round, best[0]))
            next_round.append(treated_row)
        still_matching = next_round
    if not matches:
        raise EmptyGroupError(
            f"no treated unit has a control within the caliper ({caliper} SD of the logit)",
            group="treated",
        )

    pairs = pd.DataFrame(matches, columns=["treated", "control", "match_round", "distance"])
    set_size = pairs.groupby("treated")["control"].transform("size").to_numpy()
    weights = np.zeros(len(data.index))
    weights[pairs["treated"].unique()] = 1.0
    np.add.at(weights, pairs["control"].to_numpy(), 1.0 / set_size)

    control_mean = (
        pd.Series(data.outcome[pairs["control"].to_numpy()]).groupby(pairs["treated"]).mean()
    )
    differences = data.outcome[control_mean.index.to_numpy()] - control_mean.to_numpy()
    matched = len(differences)
    att = float(differences.mean())
    att_se = float(differences.std(ddof=1) / np.sqrt(matched)) if matched > 1 else float("nan")
    z = float(stats.norm.ppf(0.975))
    labels = data.index
    pairs["treated"] = labels[pairs["treated"].to_numpy()]
    pairs["control"] = labels[pairs["control"].to_numpy()]
    return MatchResult(
        propensity=model,
        pairs=pairs,
        att=att,
        att_se=att_se,
        att_ci=(att - z * att_se, att + z * att_se),
        n_matched_treated=matched,
        n_unmatched_treated=len(treated_rows) - matched,
        n_controls_used=int(pairs["control"].nunique()),
        caliper_logit=caliper_logit,
        balance=balance_table(data.covariates, data.treated, weights),
        weights=pd.Series(weights, index=labels, name="weight"),
    )

"""`cox_ph`: the Cox proportional-hazards model by Newton–Raphson on the partial likelihood.

Cox (1972) JRSS B 34:187; tied event times by Efron (1977) JASA 72:557 or Breslow (1974)
Biometrics 30:89. The iteration is R's `coxph()` (survival 3.5, `src/coxfit6.c`): covariates
centred, start at β = 0, Newton steps with step halving whenever the log-likelihood falls, stop
when |1 − ℓ_old/ℓ_new| ≤ eps (1e-9) within iter.max (20) steps; the variance is the inverse of
the information at the final β; Wald z, p and limits as `summary.coxph`. Checked against
`coxph()` in tests/known_answers/survival_reference.R.

All of it is vectorised for large registries (see `_PartialLikelihood`): the rows are sorted
by time once; the risk-set sums of exp(η), exp(η)·x and exp(η)·x·xᵀ are segment sums
(`np.add.reduceat`) between event times followed by a reverse cumulative sum; Efron's d terms
of a tied group (risk set minus l/d of the tied deaths' sums, l = 0 … d − 1) reduce to a few
scalar sums per group, so no per-death matrices are formed. Harrell's C comes from
`concordance.py`. A million rows with three covariates fit in about a second
(benchmarks/bench_survival.py).

Covariates must be numeric (bool counts as 0/1): dummy-code a categorical column first, e.g.
`pandas.get_dummies(frame, columns=["level"], drop_first=True, dtype=float)`, which matches
R's treatment coding with the first level as reference.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal, get_args

import numpy as np
import pandas as pd
from numpy.typing import NDArray
from pandas.api.types import is_bool_dtype, is_numeric_dtype
from scipy import special, stats

from spinereg.analytics.exceptions import (
    CollinearityError,
    ConstantCovariateError,
    ConvergenceError,
    EmptyGroupError,
    MissingColumnError,
)
from spinereg.analytics.survival.concordance import concordance_counts
from spinereg.analytics.survival.inputs import (
    BoolArray,
    FloatArray,
    IntArray,
    event_indicators,
    numeric_values,
    reject_missing,
    survival_times,
    time_blocks,
)
from spinereg.core.errors import RuleViolation

Ties = Literal["efron", "breslow"]
TIES: tuple[Ties, ...] = get_args(Ties)
SUMMARY_COLUMNS = ("coef", "se", "hazard_ratio", "lower", "upper", "z", "p")
# coxph.control() defaults.
CHOLESKY_TOLERANCE = float(np.finfo(np.float64).eps ** 0.75)


@dataclass(frozen=True, slots=True)
class CoxPHFit:
    """A fitted Cox model; each figure is named after the R value it matches.

    summary: indexed by covariate: `coef`, `se` (`se(coef)`), `hazard_ratio` (`exp(coef)`),
        `lower`, `upper` (`conf.int` at `conf_level`), `z`, `p` (Wald) of `summary(fit)`.
    variance: `vcov(fit)`. loglik, loglik_null: `fit$loglik[2]` and `fit$loglik[1]` (β = 0).
    concordance: Harrell's C of the linear predictor, `fit$concordance["concordance"]`.
    n, n_events, iterations: `fit$n`, `fit$nevent`, `fit$iter`.
    """

    summary: pd.DataFrame
    variance: pd.DataFrame
    loglik: float
    loglik_null: float
    concordance: float
    n: int
    n_events: int
    iterations: int
    ties: Ties
    conf_level: float

    @property
    def likelihood_ratio_chi_square(self) -> float:
        """2 (ℓ − ℓ₀), R's `summary(fit)$logtest["test"]`."""
        return 2 * (self.loglik - self.loglik_null)

    @property
    def likelihood_ratio_p(self) -> float:
        return float(stats.chi2.sf(self.likelihood_ratio_chi_square, len(self.summary)))


def cox_ph(
    frame: pd.DataFrame,
    duration: str,
    event: str,
    covariates: Sequence[str],
    ties: Ties = "efron",
    *,
    conf_level: float = 0.95,
    max_iterations: int = 20,
    tolerance: float = 1e-9,
) -> CoxPHFit:
    """Fit `Surv(duration, event) ~ covariates` to `frame`.

    Rows with missing values are refused (name the rule, do not guess): drop them first, as R's
    default `na.omit` does. Raises MissingColumnError, ConstantCovariateError, CollinearityError,
    EmptyGroupError (no events) or ConvergenceError (no convergence in `max_iterations`, or a
    coefficient running off to ±∞ as R's "Loglik converged before variable" warning says).
    """
    if ties not in TIES:
        raise RuleViolation(field="ties", rule="choice", message=f"{ties!r} is not one of {TIES}")
    if not 0 < conf_level < 1:
        raise RuleViolation(
            field="conf_level", rule="open_unit_interval", message=f"{conf_level} is not in (0, 1)"
        )
    if max_iterations < 1:
        raise RuleViolation(
            field="max_iterations", rule="positive", message=f"{max_iterations} is not ≥ 1"
        )
    names = [covariates] if isinstance(covariates, str) else list(covariates)
    if not names:
        raise RuleViolation(field="covariates", rule="non_empty", message="name at least one")
    repeated = sorted({name for name in names if names.count(name) > 1})
    if repeated:
        raise RuleViolation(field="covariates", rule="distinct", message=f"{repeated} repeat")
    for column in (duration, event, *names):
        if column not in frame.columns:
            raise MissingColumnError(column, available=[str(name) for name in frame.columns])

    times = survival_times(frame[duration], field=duration)
    events = event_indicators(frame[event], length=times.size, field=event, length_of=duration)
    design = np.vstack([_covariate(frame[name], name) for name in names])  # one row each
    n_events = int(events.sum())
    if n_events == 0:
        raise EmptyGroupError(f"column {event!r} records no events; a Cox model needs some")

    problem = _PartialLikelihood(times, events, design, ties)
    beta, loglik, score, information, loglik_null, iterations = _newton_raphson(
        problem, names, max_iterations=max_iterations, tolerance=tolerance
    )
    variance: FloatArray = np.asarray(np.linalg.inv(information), dtype=np.float64)
    _check_finite_coefficients(beta, score, variance, names, tolerance)

    se = np.sqrt(np.diag(variance))
    z = beta / se
    z_limit = float(special.ndtri(1 - (1 - conf_level) / 2))
    summary = pd.DataFrame(
        {
            "coef": beta,
            "se": se,
            "hazard_ratio": np.exp(beta),
            "lower": np.exp(beta - z_limit * se),
            "upper": np.exp(beta + z_limit * se),
            "z": z,
            "p": stats.chi2.sf(z**2, 1),
        },
        index=pd.Index(names, name="covariate"),
        columns=list(SUMMARY_COLUMNS),
    )
    # R's fit$linear.predictors are centred too: x %*% coef - sum(coef * means) (coxph.fit).
    linear_predictor = beta @ problem.centred
    counts = concordance_counts(problem.time_rank, problem.sorted_events, linear_predictor)
    return CoxPHFit(
        summary=summary,
        variance=pd.DataFrame(variance, index=names, columns=names),
        loglik=loglik,
        loglik_null=loglik_null,
        concordance=counts.concordance,
        n=int(times.size),
        n_events=n_events,
        iterations=iterations,
        ties=ties,
        conf_level=conf_level,
    )


def _covariate(column: pd.Series, name: str) -> FloatArray:
    if not (is_numeric_dtype(column.dtype) or is_bool_dtype(column.dtype)):
        raise RuleViolation(
            field=name,
            rule="numeric",
            message=f"must be numeric, not {column.dtype}; dummy-code it first "
            "(pandas.get_dummies(..., drop_first=True))",
        )
    values = numeric_values(column, field=name)
    reject_missing(values, field=name)
    if not np.isfinite(values).all():
        raise RuleViolation(field=name, rule="finite", message="has an infinite value")
    if values.size and np.ptp(values) == 0:
        raise ConstantCovariateError(name, value=values[0].item())
    return values


class _PartialLikelihood:
    """Log partial likelihood, score and information at β.

    Layout: rows sorted by time with the deaths first within each tied time, covariates one
    per row of a (p, n) array so that every pass is a contiguous sweep. Per evaluation the
    moment rows exp(η), exp(η)·x and exp(η)·x_a·x_b are summed (`reduceat`) between
    consecutive event times and then backwards over the event times, giving the risk-set sums
    R at each event time, and over the tied deaths of each time with more than one death,
    giving Efron's D.

    Efron's d terms of a tied group use S(f) = R − f·D with f = l/d, l = 0 … d − 1. Only the
    scalars 1/S₀(f) and f/S₀(f) (and their squares) are needed per death; summed per group
    they give the score and information in closed form:
        Σ S₁/S₀ = R₁·A − D₁·B,  Σ S₂/S₀ = R₂·A − D₂·B,
        Σ (S₁/S₀)(S₁/S₀)ᵀ = R₁R₁ᵀ·C₀ − (R₁D₁ᵀ + D₁R₁ᵀ)·C₁ + D₁D₁ᵀ·C₂,
    with A = Σ 1/S₀, B = Σ f/S₀, C_k = Σ f^k/S₀². A single death, and every group under
    Breslow, has f = 0: A = d/R₀, C₀ = d/R₀², B = C₁ = C₂ = 0.
    """

    def __init__(self, times: FloatArray, events: BoolArray, design: FloatArray, ties: Ties):
        blocks = time_blocks(times)
        self.time_rank: IntArray = blocks.block_of_sorted
        sorted_events = events[blocks.order]
        deaths_per_block = np.bincount(
            self.time_rank, weights=sorted_events, minlength=blocks.times.size
        ).astype(np.int64)
        self.order: NDArray[np.intp] = _deaths_first(
            blocks.order, sorted_events, self.time_rank, blocks.starts, deaths_per_block
        )
        self.sorted_events: BoolArray = events[self.order]
        self.means: FloatArray = design.mean(axis=1)
        self.centred: FloatArray = design[:, self.order] - self.means[:, None]
        n_covariates, n_rows = self.centred.shape
        self.pair_rows, self.pair_columns = np.triu_indices(n_covariates)
        # Moment rows are built a few at a time, so memory stays O(n) whatever the covariates.
        self.buffer = np.empty((min(self.pair_rows.size, 12), n_rows))
        self.death_covariate_sum = self.centred[:, self.sorted_events].sum(axis=1)

        event_blocks = np.flatnonzero(deaths_per_block)
        event_starts = blocks.starts[event_blocks]
        # Rows from one event time up to the next: their sums, added up backwards, are the
        # risk sets (rows before the first event time are in no risk set that matters).
        self.event_starts = event_starts
        deaths = deaths_per_block[event_blocks]
        self.deaths = deaths.astype(np.float64)
        self.tied = np.flatnonzero(deaths > 1) if ties == "efron" else np.zeros(0, np.int64)
        tied_deaths = deaths[self.tied]
        bounds = np.column_stack((event_starts[self.tied], event_starts[self.tied] + tied_deaths))
        self.tied_bounds = bounds.ravel()[bounds.ravel() < n_rows]  # a segment may end at n
        # Each tied death's group and Efron fraction l/d, listed group by group.
        self.tied_group_of_death = np.repeat(np.arange(self.tied.size), tied_deaths)
        self.tied_group_starts = np.cumsum(tied_deaths) - tied_deaths
        within = (
            np.arange(int(tied_deaths.sum())) - self.tied_group_starts[self.tied_group_of_death]
        )
        self.efron_fraction: FloatArray = within / tied_deaths[self.tied_group_of_death]

    def evaluate(self, beta: FloatArray) -> tuple[float, FloatArray, FloatArray]:
        n_covariates = beta.size
        between_events, tied_sums = self._segment_sums(np.exp(beta @ self.centred))
        risk_sums = np.cumsum(between_events[:, ::-1], axis=1)[:, ::-1]
        r0 = risk_sums[0]
        a_sum = self.deaths / r0
        c0 = a_sum / r0
        log_denominator = self.deaths @ np.log(r0)
        r1, r2 = risk_sums[1 : 1 + n_covariates], risk_sums[1 + n_covariates :]
        d1 = d2 = np.zeros((0, 0))
        b_sum = c1 = c2 = np.zeros(0)
        if self.tied.size:
            group, fraction = self.tied_group_of_death, self.efron_fraction
            denominator = r0[self.tied][group] - fraction * tied_sums[0][group]
            log_denominator += np.log(denominator).sum() - self.deaths[self.tied] @ np.log(
                r0[self.tied]
            )
            inverse = 1.0 / denominator
            weighted = fraction * inverse
            starts = self.tied_group_starts
            a_sum[self.tied] = np.add.reduceat(inverse, starts)
            c0[self.tied] = np.add.reduceat(inverse * inverse, starts)
            b_sum = np.add.reduceat(weighted, starts)
            c1 = np.add.reduceat(weighted * inverse, starts)
            c2 = np.add.reduceat(weighted * weighted, starts)
            d1, d2 = tied_sums[1 : 1 + n_covariates], tied_sums[1 + n_covariates :]
        rows, columns = self.pair_rows, self.pair_columns
        loglik = float(beta @ self.death_covariate_sum - log_denominator)
        score = self.death_covariate_sum - r1 @ a_sum
        pair_information = r2 @ a_sum - (r1[rows] * r1[columns]) @ c0
        if self.tied.size:
            t1 = r1[:, self.tied]
            score += d1 @ b_sum
            pair_information += (
                -(d2 @ b_sum)
                + (t1[rows] * d1[columns] + d1[rows] * t1[columns]) @ c1
                - (d1[rows] * d1[columns]) @ c2
            )
        information = np.zeros((n_covariates, n_covariates))
        information[rows, columns] = pair_information
        information[columns, rows] = pair_information
        return loglik, score, information

    def _segment_sums(self, risk: FloatArray) -> tuple[FloatArray, FloatArray]:
        """Sums of the moment rows exp(η), exp(η)·x_a, exp(η)·x_a·x_b (a ≤ b) between
        consecutive event times, and over the deaths of each tied group (rows in that order)."""
        weighted_x = self.centred * risk
        between_events: list[FloatArray] = []
        tied: list[FloatArray] = []

        def add(moment_rows: FloatArray) -> None:
            between_events.append(np.add.reduceat(moment_rows, self.event_starts, axis=1))
            if self.tied.size:
                tied.append(np.add.reduceat(moment_rows, self.tied_bounds, axis=1)[:, 0::2])

        add(risk[np.newaxis])
        add(weighted_x)
        pairs = list(zip(self.pair_rows, self.pair_columns, strict=True))
        chunk_size = self.buffer.shape[0]
        for first in range(0, len(pairs), chunk_size):
            chunk_pairs = pairs[first : first + chunk_size]
            chunk = self.buffer[: len(chunk_pairs)]
            for slot, (row, column) in enumerate(chunk_pairs):
                np.multiply(weighted_x[row], self.centred[column], out=chunk[slot])
            add(chunk)
        tied_sums = np.vstack(tied) if tied else np.zeros((0, 0))
        return np.vstack(between_events), tied_sums


def _deaths_first(
    order: NDArray[np.intp],
    sorted_events: BoolArray,
    block: IntArray,
    starts: NDArray[np.intp],
    deaths_per_block: IntArray,
) -> NDArray[np.intp]:
    """Reorder rows already sorted by time so that each tied time lists its deaths first
    (a counting sort inside each block, keeping the order otherwise)."""
    position = np.arange(order.size, dtype=np.int64)
    deaths_before: IntArray = np.cumsum(sorted_events, dtype=np.int64) - sorted_events
    others_before = position - deaths_before
    block_start = starts[block]
    target = np.where(
        sorted_events,
        block_start + deaths_before - deaths_before[block_start],
        block_start + deaths_per_block[block] + others_before - others_before[block_start],
    )
    reordered = np.empty_like(order)
    reordered[target] = order
    return reordered


def _newton_raphson(
    problem: _PartialLikelihood, names: list[str], *, max_iterations: int, tolerance: float
) -> tuple[FloatArray, float, FloatArray, FloatArray, float, int]:
    """coxfit6's loop: returns β, ℓ(β), score(β), information(β), ℓ(0) and the iteration
    count."""
    beta = np.zeros(len(names))
    loglik_null, score, information = problem.evaluate(beta)
    best = loglik_null
    candidate = beta + _newton_step(information, score, names)
    halving = 0
    for iteration in range(1, max_iterations + 1):
        loglik, score, information = problem.evaluate(candidate)
        finite = bool(
            np.isfinite(loglik) and np.isfinite(score).all() and np.isfinite(information).all()
        )
        if finite and abs(1 - best / loglik) <= tolerance:
            _newton_step(information, score, names)  # R factorises here too: singular is an error
            return candidate, loglik, score, information, loglik_null, iteration
        if not finite or loglik < best:
            halving += 1
            candidate = (candidate + halving * beta) / (halving + 1)
        else:
            halving = 0
            best = loglik
            beta = candidate
            candidate = candidate + _newton_step(information, score, names)
    raise ConvergenceError(
        f"the Cox fit did not converge in {max_iterations} iterations "
        f"(log-likelihood {best:.6g}); check for separation or near-collinear covariates",
        iterations=max_iterations,
    )


def _newton_step(information: FloatArray, score: FloatArray, names: list[str]) -> FloatArray:
    """Solve information · step = score after R's `cholesky2` singularity test: a pivot below
    toler.chol × the largest diagonal marks its covariate as redundant."""
    factor = information.copy()
    size = factor.shape[0]
    threshold = CHOLESKY_TOLERANCE * max(float(np.max(np.diag(factor))), 0.0)
    singular = []
    for index in range(size):
        pivot = factor[index, index]
        if not np.isfinite(pivot) or pivot < threshold or pivot <= 0:
            singular.append(names[index])
            continue
        below = factor[index + 1 :, index] / pivot
        factor[index + 1 :, index + 1 :] -= np.outer(below, factor[index + 1 :, index])
    if singular:
        raise CollinearityError(
            singular,
            detail="the information matrix is singular; drop one of the linearly dependent "
            "covariates (R would report its coefficient as NA)",
        )
    return np.asarray(np.linalg.solve(information, score), dtype=np.float64)


def _check_finite_coefficients(
    beta: FloatArray,
    score: FloatArray,
    variance: FloatArray,
    names: list[str],
    tolerance: float,
) -> None:
    """R's coxph.fit test after convergence: when the next Newton step |u'V| is still larger
    than eps and than sqrt(eps)·|β|, the log-likelihood converged while β was still running off
    to infinity (monotone likelihood, e.g. no events in one level of a binary covariate)."""
    remaining = np.abs(score @ variance)
    runaway = (remaining > tolerance) & (remaining > np.sqrt(tolerance) * np.abs(beta))
    if runaway.any():
        flagged = [name for name, flag in zip(names, runaway, strict=True) if flag]
        raise ConvergenceError(
            f"the log-likelihood converged before the coefficient(s) of {flagged}; they may be "
            "infinite (monotone likelihood: look for a level with no events)"
        )

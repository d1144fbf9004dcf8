"""BMAC against each comparator of the same condition by inverse probability of treatment
weighting (IPTW): the ATE on the 12-month ODI improvement with its HC0 sandwich interval
(`spinereg.analytics.causal.iptw`, exact against R glm + sandwich), and the covariate
balance before and after weighting as a Love plot."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from spinereg.analytics.causal import IptwResult, iptw
from spinereg.analytics.exceptions import AnalyticsError
from spinereg.analytics.report.model import ReportFigure, ReportTable, Section
from spinereg.analytics.report.sections.common import PRIMARY_VISIT, need, need_rows, visit_scores
from spinereg.analytics.report.style import (
    add_caption,
    caption_text,
    error_bars,
    new_figure,
    ordered_treatments,
    short_condition,
    short_treatment,
)
from spinereg.core.errors import RuleViolation

COVARIATES = {
    "age_at_index": "Age (years)",
    "female": "Female",
    "baseline_odi": "Baseline ODI",
    "baseline_nrs": "Baseline pain NRS",
    "two_or_more_levels": "Two or more levels",
}
MIN_PER_ARM = 10
OUTCOME = "odi_improvement"
BALANCE_THRESHOLD = 0.1


@dataclass(frozen=True, slots=True)
class Comparison:
    name: str
    result: IptwResult
    covariates: list[str]


def _comparison_frame(episodes: pd.DataFrame, outcomes: pd.DataFrame) -> pd.DataFrame:
    at_visit = visit_scores(outcomes, PRIMARY_VISIT, "odi-2.1a")
    data = episodes.merge(at_visit[["episode", "improvement"]], on="episode", how="inner")
    data = data.rename(columns={"improvement": OUTCOME})
    data["female"] = (data["sex"] == "female").astype(np.float64)
    levels = pd.to_numeric(data["level_count"], errors="coerce")
    data["two_or_more_levels"] = (levels >= 2).astype(np.float64).where(levels.notna())
    for column in ("age_at_index", "baseline_odi", "baseline_nrs"):
        data[column] = pd.to_numeric(data[column], errors="coerce").astype("float64")
    return data


def _one_comparison(
    data: pd.DataFrame, condition: str, comparator: str, notes: list[str]
) -> Comparison | None:
    rows = data.loc[
        (data["condition"] == condition) & data["treatment"].isin(["bmac", comparator])
    ].dropna(subset=[*COVARIATES, OUTCOME])
    name = f"{short_condition(condition)}: BMAC vs {short_treatment(comparator)}"
    counts = rows["treatment"].value_counts()
    if counts.get("bmac", 0) < MIN_PER_ARM or counts.get(comparator, 0) < MIN_PER_ARM:
        notes.append(
            f"{name}: {counts.get('bmac', 0)} vs {counts.get(comparator, 0)} episodes with a "
            f"{PRIMARY_VISIT} ODI and complete covariates; at least {MIN_PER_ARM} per arm "
            "needed."
        )
        return None
    frame = rows.assign(bmac=(rows["treatment"] == "bmac").astype(np.int64))
    covariates = [column for column in COVARIATES if frame[column].nunique() > 1]
    constant = [COVARIATES[column] for column in COVARIATES if column not in covariates]
    if constant:
        notes.append(f"{name}: {', '.join(constant)} constant here, left out of the model.")
    try:
        result = iptw(frame.reset_index(drop=True), "bmac", covariates, OUTCOME)
    except (AnalyticsError, RuleViolation) as error:
        notes.append(f"{name}: {error}")
        return None
    return Comparison(name, result, covariates)


def _love_plot(comparisons: list[Comparison], n: int) -> ReportFigure:
    count = len(comparisons)
    columns = min(3, count)
    rows = -(-count // columns)
    figure = new_figure(0.6 + 1.9 * rows)
    grid = figure.subplots(rows, columns, squeeze=False, sharex=True)
    for index, axes in enumerate(grid.flat):
        if index >= count:
            axes.set_axis_off()
            continue
        comparison = comparisons[index]
        balance = comparison.result.balance
        names = [COVARIATES[str(name)] for name in balance.index]
        y = np.arange(len(names))[::-1]
        axes.scatter(
            balance["smd_before"].abs(),
            y,
            facecolors="none",
            edgecolors="#D55E00",
            s=16,
            label="before",
        )
        axes.scatter(balance["smd_after"].abs(), y, color="#0072B2", s=16, label="after")
        axes.axvline(BALANCE_THRESHOLD, color="#555555", linestyle="--", linewidth=0.8)
        axes.set_yticks(y, names, fontsize=6.5)
        axes.set_title(comparison.name.split(": ", 1)[-1], fontsize=7.5)
        axes.set_xlabel("|Standardised difference| (SD units)", fontsize=7)
        if index == 0:
            axes.legend(loc="lower right", frameon=False, fontsize=6.5)
    caption = caption_text(
        n=n,
        method=(
            "Covariate balance of each IPTW comparison: absolute standardised mean differences "
            "before (open) and after (filled) weighting, over the pooled SD of the unweighted "
            f"groups (cobalt's default); dashed line at {BALANCE_THRESHOLD}."
        ),
        responder=None,
    )
    add_caption(figure, caption)
    return ReportFigure("Covariate balance (Love plot)", figure, caption)


def _effect_plot(comparisons: list[Comparison], n: int) -> ReportFigure:
    figure = new_figure(1.2 + 0.3 * len(comparisons))
    axes = figure.subplots()
    y = np.arange(len(comparisons))[::-1]
    ate = np.array([c.result.ate for c in comparisons])
    low = np.array([c.result.ate_ci[0] for c in comparisons])
    high = np.array([c.result.ate_ci[1] for c in comparisons])
    axes.errorbar(
        ate,
        y,
        xerr=error_bars(ate, low, high),
        fmt="s",
        color="#0072B2",
        markersize=4,
        capsize=2,
    )
    axes.axvline(0, color="#555555", linestyle="--", linewidth=0.9)
    axes.set_yticks(y, [c.name for c in comparisons], fontsize=7)
    axes.set_xlabel(f"Difference in ODI improvement at {PRIMARY_VISIT}, BMAC − comparator (points)")
    axes.grid(axis="y", visible=False)
    caption = caption_text(
        n=n,
        method=(
            "IPTW estimate of the average treatment effect: stabilised weights from a logistic "
            "propensity model (age, sex, baseline ODI and NRS, levels), difference of weighted "
            "means with its HC0 sandwich 95% interval (R glm, lm with weights, sandwich::"
            "vcovHC). Positive: BMAC improved more."
        ),
        responder=None,
    )
    add_caption(figure, caption)
    return ReportFigure("BMAC vs comparators (IPTW)", figure, caption)


def comparison_section(episodes: pd.DataFrame, outcomes: pd.DataFrame) -> Section:
    need(
        episodes,
        "episodes",
        [
            "episode",
            "condition",
            "treatment",
            "sex",
            "age_at_index",
            "baseline_odi",
            "baseline_nrs",
            "level_count",
        ],
    )
    need_rows(episodes, "episodes")
    data = _comparison_frame(episodes, outcomes)
    notes: list[str] = []
    comparisons: list[Comparison] = []
    for condition in ("discogenic", "facet"):
        present = data.loc[data["condition"] == condition, "treatment"].unique()
        for comparator in ordered_treatments(present):
            if comparator == "bmac":
                continue
            found = _one_comparison(data, condition, comparator, notes)
            if found is not None:
                comparisons.append(found)
    if not comparisons:
        raise AnalyticsError(
            "no comparison could be made. " + " ".join(notes)
            if notes
            else f"no BMAC or comparator episodes with a {PRIMARY_VISIT} ODI"
        )
    rows = []
    for comparison in comparisons:
        result = comparison.result
        smd_before = result.balance["smd_before"].abs().max()
        smd_after = result.balance["smd_after"].abs().max()
        low, high = result.ate_ci
        rows.append(
            {
                "Comparison": comparison.name,
                "BMAC / comparator (n)": f"{result.n_treated:,} / {result.n_control:,}",
                "Effective n (BMAC / comparator)": (
                    f"{result.ess_treated:,.0f} / {result.ess_control:,.0f}"
                ),
                "ATE, ODI points (95% CI)": f"{result.ate:.1f} ({low:.1f} to {high:.1f})",
                "Max |SMD| before → after": f"{smd_before:.2f} → {smd_after:.2f}",
            }
        )
    n = sum(c.result.n_treated + c.result.n_control for c in comparisons)
    return Section(
        key="comparison",
        title="BMAC compared with each comparator (IPTW)",
        method=(
            f"Within each condition, BMAC episodes against each comparator with at least "
            f"{MIN_PER_ARM} episodes per arm having a {PRIMARY_VISIT} ODI (in window) and "
            "complete covariates. Outcome: ODI improvement (baseline − 12 months). Propensity "
            "by logistic regression on age, sex, baseline ODI, baseline NRS and two-or-more "
            "levels (a covariate constant in a comparison is left out); stabilised weights; "
            "ATE = difference of weighted means with HC0 sandwich SE (exact against R glm + "
            "sandwich). Observational: unmeasured confounding is not addressed."
        ),
        n=int(n),
        figures=[_effect_plot(comparisons, int(n)), _love_plot(comparisons, int(n))],
        tables=[ReportTable("IPTW estimates", pd.DataFrame(rows))],
        notes=notes,
    )

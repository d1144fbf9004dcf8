"""Durability: Kaplan–Meier curves of time to loss of response, to a repeat procedure and to
surgery, by treatment within each condition, with numbers at risk; and adjusted Cox hazard
ratios of time to any reintervention as a forest plot."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from spinereg.analytics.durability import (
    curves_by_group,
    time_to_loss_of_response,
    time_to_reintervention,
)
from spinereg.analytics.exceptions import AnalyticsError
from spinereg.analytics.report.model import ReportFigure, ReportTable, Section
from spinereg.analytics.report.sections.common import MIN_GROUP, need, need_rows, number
from spinereg.analytics.report.style import (
    DAYS_PER_MONTH,
    add_caption,
    caption_text,
    error_bars,
    label,
    message_axes,
    new_figure,
    ordered_treatments,
    short_condition,
    short_treatment,
    treatment_style,
)
from spinereg.analytics.response_rates import definition_label
from spinereg.analytics.survival import cox_ph
from spinereg.core.errors import RuleViolation

CONDITIONS = ("discogenic", "facet")
AT_RISK_MONTHS = (0, 12, 24, 36, 48, 60)
LOSS_DEFINITION = "odi_pct30"
KM_METHOD = (
    "Kaplan–Meier estimate with pointwise 95% log-log limits (shaded), as R survfit(conf.type "
    "= 'log-log'); numbers at risk below each panel. Times are days from the index procedure, "
    "drawn in months; follow-up ends at the data cut-off, death or withdrawal."
)


def _km_figure(
    data: pd.DataFrame, title: str, y_label: str, method: str, responder: str | None
) -> ReportFigure:
    figure = new_figure(4.4)
    grid = figure.add_gridspec(2, 2, height_ratios=(3.2, 1.2))
    at_risk_times = [months * DAYS_PER_MONTH for months in AT_RISK_MONTHS]
    for column, condition in enumerate(CONDITIONS):
        axes = figure.add_subplot(grid[0, column])
        table_axes = figure.add_subplot(grid[1, column])
        axes.set_title(label(condition))
        subset = data.loc[data["condition"] == condition]
        if len(subset) < MIN_GROUP:
            message_axes(axes, f"Fewer than {MIN_GROUP} episodes")
            table_axes.set_axis_off()
            continue
        curves = curves_by_group(subset, "treatment", at_risk_times, min_size=MIN_GROUP)
        order = ordered_treatments([curve.group for curve in curves])
        curves.sort(key=lambda curve: order.index(curve.group))
        for curve in curves:
            style = treatment_style(curve.group)
            frame = curve.fit.curve
            months = np.concatenate(([0.0], frame["time"].to_numpy() / DAYS_PER_MONTH))
            survival = np.concatenate(([1.0], frame["survival"].to_numpy()))
            lower = np.concatenate(([1.0], frame["lower"].to_numpy()))
            upper = np.concatenate(([1.0], frame["upper"].to_numpy()))
            axes.step(
                months,
                survival,
                where="post",
                color=style["color"],
                label=short_treatment(curve.group),
            )
            axes.fill_between(
                months,
                np.nan_to_num(lower, nan=1.0),
                np.nan_to_num(upper, nan=1.0),
                step="post",
                color=style["color"],
                alpha=0.08,
                linewidth=0,
            )
        axes.set_ylim(0, 1.02)
        axes.set_xlim(0, AT_RISK_MONTHS[-1])
        axes.set_xticks(AT_RISK_MONTHS)
        axes.set_xlabel("Months since the index procedure")
        axes.legend(loc="lower left", frameon=False, fontsize=6.5)
        table_axes.set_axis_off()
        table_axes.set_xlim(axes.get_xlim())
        table_axes.set_ylim(-0.5, len(curves) + 0.3)
        table_axes.text(
            0, len(curves), "Number at risk", fontsize=6.5, ha="left", va="center", weight="bold"
        )
        for row, curve in enumerate(curves):
            y = len(curves) - 1 - row
            style = treatment_style(curve.group)
            # A coloured line left of the row ties it to its curve (and legend entry).
            table_axes.plot(
                [-0.075 * AT_RISK_MONTHS[-1], -0.035 * AT_RISK_MONTHS[-1]],
                [y, y],
                color=style["color"],
                linewidth=2.2,
                clip_on=False,
            )
            for months_at, count in zip(AT_RISK_MONTHS, curve.at_risk, strict=True):
                table_axes.text(months_at, y, f"{count:,}", fontsize=6, ha="center", va="center")
    figure.axes[0].set_ylabel(y_label)
    caption = caption_text(n=len(data), method=f"{method} {KM_METHOD}", responder=responder)
    add_caption(figure, caption)
    return ReportFigure(title, figure, caption)


def _summary_rows(data: pd.DataFrame, endpoint: str) -> list[dict[str, str]]:
    rows = []
    for (condition, treatment), group in data.groupby(["condition", "treatment"]):
        if len(group) < MIN_GROUP:
            continue
        curve = curves_by_group(group, "treatment", [0.0])[0]
        at_12, at_24 = curve.fit.survival_at([365.25, 730.5])
        events = int(group["event"].sum())
        median = curve.fit.median
        rows.append(
            {
                "Endpoint": endpoint,
                "Condition": short_condition(str(condition)),
                "Treatment": short_treatment(str(treatment)),
                "Episodes": f"{len(group):,}",
                "Events": f"{events:,}",
                "Free at 12 months": number(100 * at_12) + "%",
                "Free at 24 months": number(100 * at_24) + "%",
                "Median (months)": "not reached"
                if median is None
                else number(median / DAYS_PER_MONTH),
            }
        )
    return rows


def durability_section(
    episodes: pd.DataFrame, outcomes: pd.DataFrame, reinterventions: pd.DataFrame
) -> Section:
    need(episodes, "episodes", ["episode", "condition", "treatment", "followup_days"])
    need(reinterventions, "reinterventions", ["episode", "kind", "day", "at_index_level"])
    need_rows(episodes, "episodes")
    figures: list[ReportFigure] = []
    rows: list[dict[str, str]] = []
    notes: list[str] = []
    endpoints: list[tuple[str, Any]] = [
        (
            "repeat procedure",
            lambda: time_to_reintervention(episodes, reinterventions, surgery=False),
        ),
        ("surgery", lambda: time_to_reintervention(episodes, reinterventions, surgery=True)),
        (
            "loss of response",
            lambda: time_to_loss_of_response(episodes, outcomes, reinterventions, LOSS_DEFINITION),
        ),
    ]
    for name, build in endpoints:
        try:
            data = build()
            responder = None
            method = f"Time to the first {name} (any level), censored at the end of follow-up."
            if name == "loss of response":
                responder = f"{LOSS_DEFINITION}: {definition_label(LOSS_DEFINITION)}"
                method = (
                    "Among episodes that responded at a follow-up visit, time from the index "
                    "procedure to the first later visit without response or a re-treatment at "
                    "the index level, censored at the last visit with the response evaluated."
                )
            figures.append(
                _km_figure(
                    data, f"Time to {name}", f"Free of {name} (proportion)", method, responder
                )
            )
            rows.extend(_summary_rows(data, name))
        except (AnalyticsError, RuleViolation) as error:
            notes.append(f"Time to {name}: {error}")
    if not figures:
        raise AnalyticsError("; ".join(notes))
    return Section(
        key="durability",
        title="Durability",
        method=(
            "Repeat procedure: the first reintervention other than surgery; surgery: the first "
            "surgery. 1 − KM overstates the cumulative incidence when the other event is "
            f"common (competing risks are not modelled). Groups with fewer than {MIN_GROUP} "
            "episodes are not drawn. " + KM_METHOD
        ),
        n=len(episodes),
        figures=figures,
        tables=[ReportTable("Event-free proportions (Kaplan–Meier)", pd.DataFrame(rows))],
        notes=notes,
    )


COX_COVARIATES = {
    "age_per_10_years": "Age (per 10 years)",
    "female": "Female",
    "baseline_odi_per_10": "Baseline ODI (per 10 points)",
    "two_or_more_levels": "Two or more levels",
}
MIN_EVENTS_PER_TREATMENT = 5


def _cox_design(episodes: pd.DataFrame, reinterventions: pd.DataFrame) -> pd.DataFrame:
    repeat = time_to_reintervention(episodes, reinterventions, surgery=False)
    surgery = time_to_reintervention(episodes, reinterventions, surgery=True)
    data = repeat.copy()
    both_time = np.minimum(repeat["time"].to_numpy(), surgery["time"].to_numpy())
    data["time"] = both_time
    data["event"] = ((repeat["event"] == 1) & (repeat["time"] <= both_time)) | (
        (surgery["event"] == 1) & (surgery["time"] <= both_time)
    )
    data["event"] = data["event"].astype(np.int64)
    data["age_per_10_years"] = pd.to_numeric(data["age_at_index"], errors="coerce") / 10
    data["female"] = (data["sex"] == "female").astype(np.float64)
    data["baseline_odi_per_10"] = pd.to_numeric(data["baseline_odi"], errors="coerce") / 10
    levels = pd.to_numeric(data["level_count"], errors="coerce")
    data["two_or_more_levels"] = (levels >= 2).astype(np.float64).where(levels.notna())
    return data


def _cox_for_condition(data: pd.DataFrame, condition: str, notes: list[str]) -> pd.DataFrame:
    subset = data.loc[data["condition"] == condition]
    complete = subset.dropna(subset=list(COX_COVARIATES))
    if len(complete) < len(subset):
        notes.append(
            f"{label(condition)}: {len(subset) - len(complete)} episode(s) without a covariate "
            "left out (complete-case analysis)."
        )
    if "bmac" not in set(complete["treatment"]):
        raise AnalyticsError(f"{label(condition)}: no BMAC episodes to compare against")
    grouped = complete.groupby("treatment")["event"]
    sizes: dict[str, int] = {str(key): int(value) for key, value in grouped.size().items()}
    events: dict[str, int] = {str(key): int(value) for key, value in grouped.sum().items()}
    kept = [
        treatment
        for treatment in ordered_treatments(sizes)
        if treatment != "bmac"
        and sizes[treatment] >= 2 * MIN_GROUP
        and events[treatment] >= MIN_EVENTS_PER_TREATMENT
    ]
    dropped = sorted(set(sizes) - {"bmac", *kept})
    if dropped:
        notes.append(
            f"{label(condition)}: {', '.join(short_treatment(code) for code in dropped)} left "
            f"out (fewer than {2 * MIN_GROUP} episodes or {MIN_EVENTS_PER_TREATMENT} events)."
        )
    if not kept:
        raise AnalyticsError(f"{label(condition)}: no comparator has enough episodes and events")
    frame = complete.loc[complete["treatment"].isin(["bmac", *kept])].copy()
    dummies = [f"treatment_{code}" for code in kept]
    for code, column in zip(kept, dummies, strict=True):
        frame[column] = (frame["treatment"] == code).astype(np.float64)
    covariates = list(COX_COVARIATES)
    constant = [name for name in covariates if frame[name].nunique() < 2]
    if constant:
        notes.append(
            f"{label(condition)}: {', '.join(COX_COVARIATES[name] for name in constant)} "
            "constant in this group, left out of the model."
        )
    covariates = [name for name in covariates if name not in constant]
    fit = cox_ph(frame, "time", "event", [*dummies, *covariates])
    summary = fit.summary.reset_index()
    names = {
        **{
            column: f"{short_treatment(code)} vs BMAC"
            for code, column in zip(kept, dummies, strict=True)
        },
        **COX_COVARIATES,
    }
    summary["term"] = summary["covariate"].map(names)
    summary["condition"] = condition
    summary["n"] = fit.n
    summary["events"] = fit.n_events
    return summary


def _forest(summary: pd.DataFrame, n: int, events: int) -> ReportFigure:
    rows = len(summary)
    figure = new_figure(1.4 + 0.24 * rows)
    axes = figure.subplots()
    y = np.arange(rows)[::-1]
    colors = [
        "#0072B2" if condition == "discogenic" else "#D55E00" for condition in summary["condition"]
    ]
    ratio = summary["hazard_ratio"].to_numpy(dtype=np.float64)
    lower = summary["lower"].to_numpy(dtype=np.float64)
    upper = summary["upper"].to_numpy(dtype=np.float64)
    bars = error_bars(ratio, lower, upper)
    for row, color in enumerate(colors):
        axes.errorbar(
            ratio[row : row + 1],
            y[row : row + 1],
            xerr=bars[:, row : row + 1],
            fmt="none",
            ecolor=color,
            elinewidth=1.1,
            capsize=2,
        )
    axes.scatter(ratio, y, c=colors, marker="s", s=14, zorder=3)
    axes.axvline(1.0, color="#555555", linestyle="--", linewidth=0.9)
    axes.set_xscale("log")
    axes.set_yticks(
        y,
        [
            f"{short_condition(c)}: {t}"
            for c, t in zip(summary["condition"], summary["term"], strict=True)
        ],
    )
    axes.set_xlabel("Hazard ratio of any reintervention (95% CI, log scale)")
    axes.grid(axis="y", visible=False)
    caption = caption_text(
        n=n,
        method=(
            f"Cox proportional-hazards model per condition ({events:,} events; Efron ties, "
            "as R coxph) of time to the first repeat procedure or surgery on treatment "
            "(BMAC the reference), age, sex, baseline ODI and number of levels; Wald 95% "
            "limits. A hazard ratio above 1: reintervention sooner than with BMAC or with "
            "more of the covariate."
        ),
        responder=None,
    )
    add_caption(figure, caption)
    return ReportFigure("Adjusted hazard ratios of reintervention", figure, caption)


def cox_section(episodes: pd.DataFrame, reinterventions: pd.DataFrame) -> Section:
    need(
        episodes,
        "episodes",
        [
            "episode",
            "condition",
            "treatment",
            "followup_days",
            "age_at_index",
            "sex",
            "baseline_odi",
            "level_count",
        ],
    )
    need(reinterventions, "reinterventions", ["episode", "kind", "day"])
    need_rows(episodes, "episodes")
    data = _cox_design(episodes, reinterventions)
    notes: list[str] = []
    fits = []
    for condition in CONDITIONS:
        try:
            fits.append(_cox_for_condition(data, condition, notes))
        except (AnalyticsError, RuleViolation) as error:
            notes.append(f"{label(condition)}: no model: {error}")
    if not fits:
        raise AnalyticsError(" ".join(notes))
    summary = pd.concat(fits, ignore_index=True)
    n = int(summary.groupby("condition")["n"].first().sum())
    events = int(summary.groupby("condition")["events"].first().sum())
    table = pd.DataFrame(
        {
            "Condition": summary["condition"].map(short_condition),
            "Term": summary["term"],
            "Hazard ratio (95% CI)": [
                f"{ratio:.2f} ({lower:.2f}–{upper:.2f})"
                for ratio, lower, upper in summary[["hazard_ratio", "lower", "upper"]].itertuples(
                    index=False
                )
            ],
            "p": [f"{p:.3f}" if p >= 0.001 else "< 0.001" for p in summary["p"]],
            "Episodes / events": [
                f"{n_:,} / {e:,}" for n_, e in summary[["n", "events"]].itertuples(index=False)
            ],
        }
    )
    return Section(
        key="cox",
        title="Adjusted hazard of reintervention",
        method=(
            "Cox proportional-hazards model (Efron ties; exact against R survival::coxph) of "
            "time to the first repeat procedure or surgery, per condition, with BMAC as the "
            "reference treatment and age, sex, baseline ODI and number of levels as "
            "covariates; complete cases. Comparators with too few episodes or events are left "
            "out (a level without events has no finite estimate)."
        ),
        n=n,
        figures=[_forest(summary, n, events)],
        tables=[ReportTable("Hazard ratios", table)],
        notes=notes,
    )

"""Outcome trajectories (mean score by visit with 95% t intervals, by treatment within each
condition and by condition) and responder shares (Wilson intervals) by visit."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from spinereg.analytics.report.model import ReportFigure, ReportTable, Section
from spinereg.analytics.report.sections.common import (
    INSTRUMENT_AXIS,
    MIN_GROUP,
    PRIMARY_VISIT,
    need,
    need_rows,
    number,
    share_ci,
    visit_rank,
)
from spinereg.analytics.report.style import (
    DAYS_PER_MONTH,
    PALETTE,
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
from spinereg.analytics.response_rates import definition_label, response_rates
from spinereg.analytics.trajectories import mean_trajectories

CONDITIONS = ("discogenic", "facet")
TRAJECTORY_METHOD = (
    "Mean score of the episodes answering each visit (in window) with its 95% confidence "
    "interval, mean ± t(0.975, n−1)·SD/√n (R t.test); groups with fewer than "
    f"{MIN_GROUP} answers at a visit are not drawn. Later visits describe the patients still "
    "answering (see Attrition)."
)
CHART_VISITS = ("3mo", "6mo", "12mo", "24mo", "36mo")
HEADLINE_DEFINITIONS = ("odi_pct30", "nrs_pct50")
TABLE_DEFINITIONS = (
    "odi_mic10",
    "odi_pct30",
    "odi_pct50",
    "nrs_2pt",
    "nrs_pct30",
    "nrs_pct50",
    "vas_pct50",
    "bpi_int_1pt",
    "composite_disc",
)


def _draw_groups(
    axes: Any, table: pd.DataFrame, group_column: str, styles: dict[str, dict[str, Any]]
) -> None:
    groups = list(styles)
    width = 0.6 * (len(groups) - 1) / 2 if len(groups) > 1 else 0.0
    for position, group in enumerate(groups):
        rows = table.loc[(table[group_column] == group) & (table["n"] >= MIN_GROUP)]
        if rows.empty:
            continue
        # A small sideways shift keeps overlapping intervals readable.
        shift = (position - (len(groups) - 1) / 2) * (2 * width / max(len(groups) - 1, 1)) * 0.3
        months = rows["day"].to_numpy(dtype=np.float64) / DAYS_PER_MONTH + shift
        mean = rows["mean"].to_numpy(dtype=np.float64)
        lower = rows["lower"].to_numpy(dtype=np.float64)
        upper = rows["upper"].to_numpy(dtype=np.float64)
        style = styles[group]
        axes.errorbar(
            months,
            mean,
            yerr=error_bars(mean, lower, upper),
            color=style["color"],
            marker=style["marker"],
            markersize=3.5,
            capsize=2,
            elinewidth=0.9,
            label=style["label"],
        )


def _trajectory_figure(
    outcomes: pd.DataFrame, instrument: str, short_name: str, axis_label: str
) -> tuple[ReportFigure, pd.DataFrame]:
    figure = new_figure(3.3)
    panels = figure.subplots(1, 2, sharey=True, squeeze=False)[0]
    table = mean_trajectories(outcomes, instrument, by=("condition", "treatment"))
    episodes = 0
    for axes, condition in zip(panels, CONDITIONS, strict=True):
        rows = table.loc[table["condition"] == condition]
        axes.set_title(label(condition))
        if rows.empty:
            message_axes(axes, f"No {short_name} answers for {label(condition).lower()}")
            continue
        styles = {
            treatment: {**treatment_style(treatment), "label": short_treatment(treatment)}
            for treatment in ordered_treatments(rows["treatment"].unique())
        }
        _draw_groups(axes, rows, "treatment", styles)
        axes.set_xlabel("Months since the index procedure")
        axes.legend(loc="upper right", ncols=2, frameon=False)
    panels[0].set_ylabel(axis_label)
    panels[0].set_ylim(bottom=0)
    used = outcomes.loc[
        (outcomes["instrument"] == instrument) & ~outcomes["out_of_window"].fillna(False)
    ]
    episodes = int(used["episode"].nunique())
    caption = caption_text(
        n=episodes,
        method=f"{short_name} by treatment within each condition. {TRAJECTORY_METHOD}",
        responder=None,
    )
    add_caption(figure, caption)
    return ReportFigure(f"{short_name} by treatment", figure, caption), table


def _condition_figure(outcomes: pd.DataFrame) -> ReportFigure:
    figure = new_figure(3.0)
    panels = figure.subplots(1, 2, squeeze=False)[0]
    used = 0
    for axes, instrument in zip(panels, ("odi-2.1a", "nrs-pain"), strict=True):
        short_name, axis_label = INSTRUMENT_AXIS[(instrument, "value")]
        table = mean_trajectories(outcomes, instrument, by=("condition",))
        styles = {
            condition: {"color": PALETTE[index], "marker": "os"[index], "label": label(condition)}
            for index, condition in enumerate(CONDITIONS)
            if condition in set(table["condition"])
        }
        _draw_groups(axes, table, "condition", styles)
        axes.set_title(f"{short_name}, all treatments")
        axes.set_xlabel("Months since the index procedure")
        axes.set_ylabel(axis_label)
        axes.set_ylim(bottom=0)
        axes.legend(loc="upper right", frameon=False)
        used = max(
            used, int(outcomes.loc[outcomes["instrument"] == instrument, "episode"].nunique())
        )
    caption = caption_text(
        n=used, method=f"ODI and pain NRS by condition. {TRAJECTORY_METHOD}", responder=None
    )
    add_caption(figure, caption)
    return ReportFigure("Scores by condition", figure, caption)


def _pivot(table: pd.DataFrame) -> pd.DataFrame:
    shown = table.loc[table["timepoint"].isin(["baseline", "3mo", "6mo", "12mo", "24mo"])].copy()
    shown["cell"] = [
        f"{number(mean)} ({number(lower)}–{number(upper)}), n = {n}" if n >= 2 else f"n = {n}"
        for mean, lower, upper, n in shown[["mean", "lower", "upper", "n"]].itertuples(index=False)
    ]
    pivot = shown.pivot_table(
        index=["condition", "treatment"], columns="timepoint", values="cell", aggfunc="first"
    )
    ordered = sorted(pivot.columns, key=lambda visit: visit_rank(str(visit)))
    pivot = pivot[ordered]
    pivot = pivot.reset_index()
    pivot["condition"] = pivot["condition"].map(short_condition)
    pivot["treatment"] = pivot["treatment"].map(short_treatment)
    pivot.columns = [str(column).capitalize() for column in pivot.columns]
    return pivot.fillna("–")


def trajectories_section(outcomes: pd.DataFrame) -> Section:
    need(
        outcomes,
        "outcomes",
        [
            "episode",
            "condition",
            "treatment",
            "timepoint",
            "days_from_index",
            "out_of_window",
            "instrument",
            "score",
            "value",
        ],
    )
    need_rows(outcomes, "questionnaire answers")
    odi_figure, odi_table = _trajectory_figure(
        outcomes, "odi-2.1a", *INSTRUMENT_AXIS[("odi-2.1a", "value")]
    )
    nrs_figure, nrs_table = _trajectory_figure(
        outcomes, "nrs-pain", *INSTRUMENT_AXIS[("nrs-pain", "value")]
    )
    return Section(
        key="trajectories",
        title="Outcome trajectories",
        method=TRAJECTORY_METHOD,
        n=int(outcomes["episode"].nunique()),
        figures=[odi_figure, nrs_figure, _condition_figure(outcomes)],
        tables=[
            ReportTable("ODI, mean (95% CI) by visit", _pivot(odi_table)),
            ReportTable("Pain NRS, mean (95% CI) by visit", _pivot(nrs_table)),
        ],
    )


def _responder_figure(rates: pd.DataFrame, definition: str) -> ReportFigure:
    figure = new_figure(3.3)
    panels = figure.subplots(1, 2, sharey=True, squeeze=False)[0]
    rows = rates.loc[
        (rates["definition"] == definition)
        & (rates["evaluated"] >= MIN_GROUP)
        & rates["timepoint"].isin(CHART_VISITS)
    ]
    rows = rows.assign(rank=rows["timepoint"].map(visit_rank)).sort_values("rank")
    for axes, condition in zip(panels, CONDITIONS, strict=True):
        axes.set_title(label(condition))
        subset = rows.loc[rows["condition"] == condition]
        if subset.empty:
            message_axes(axes, f"No evaluable responses for {label(condition).lower()}")
            continue
        treatments = ordered_treatments(subset["treatment"].unique())
        visits = sorted(subset["timepoint"].unique(), key=visit_rank)
        width = 0.8 / len(treatments)
        for position, treatment in enumerate(treatments):
            part = subset.loc[subset["treatment"] == treatment].set_index("timepoint")
            x = np.array([visits.index(visit) for visit in part.index], dtype=np.float64)
            x = x - 0.4 + width * (position + 0.5)
            share = part["share"].to_numpy(dtype=np.float64) * 100
            lower = part["lower"].to_numpy(dtype=np.float64) * 100
            upper = part["upper"].to_numpy(dtype=np.float64) * 100
            style = treatment_style(treatment)
            axes.bar(
                x,
                share,
                width=width,
                color=style["color"],
                alpha=0.85,
                label=short_treatment(treatment),
            )
            axes.errorbar(
                x,
                share,
                yerr=error_bars(share, lower, upper),
                fmt="none",
                ecolor="#222222",
                elinewidth=0.7,
                capsize=1.5,
            )
        axes.set_xticks(range(len(visits)), visits)
        axes.set_xlabel("Visit")
        axes.set_ylim(0, 100)
        axes.legend(loc="upper left", ncols=2, frameon=False, fontsize=6.5)
    panels[0].set_ylabel("Responders (% of evaluable episodes)")
    n = int(rows["evaluated"].max()) if not rows.empty else 0
    method = (
        "Share of episodes meeting the definition at each visit among those whose response is "
        "defined there, with Wilson 95% intervals (R prop.test, correct = FALSE); groups with "
        f"fewer than {MIN_GROUP} evaluable episodes at a visit are not drawn. n is the largest "
        "number evaluated at one visit."
    )
    caption = caption_text(
        n=n, method=method, responder=f"{definition}: {definition_label(definition)}"
    )
    add_caption(figure, caption)
    return ReportFigure(f"Responders: {definition}", figure, caption)


def responders_section(outcomes: pd.DataFrame, reinterventions: pd.DataFrame) -> Section:
    need_rows(outcomes, "questionnaire answers")
    rates = response_rates(
        outcomes, TABLE_DEFINITIONS, by=("condition", "treatment"), reinterventions=reinterventions
    )
    figures = [
        _responder_figure(rates, definition)
        for definition in HEADLINE_DEFINITIONS
        if definition in set(rates["definition"])
    ]
    at_primary = rates.loc[rates["timepoint"] == PRIMARY_VISIT].copy()
    at_primary["cell"] = [
        f"{share_ci(share, lower, upper)}, {responders}/{evaluated}"
        for share, lower, upper, responders, evaluated in at_primary[
            ["share", "lower", "upper", "responders", "evaluated"]
        ].itertuples(index=False)
    ]
    table = at_primary.pivot_table(
        index=["condition", "treatment"], columns="definition", values="cell", aggfunc="first"
    )
    table = table[[name for name in TABLE_DEFINITIONS if name in table.columns]].reset_index()
    table["condition"] = table["condition"].map(short_condition)
    table["treatment"] = table["treatment"].map(short_treatment)
    table = table.fillna("–")
    glossary = pd.DataFrame(
        {
            "Definition": list(TABLE_DEFINITIONS),
            "Rule": [definition_label(name) for name in TABLE_DEFINITIONS],
        }
    )
    evaluated = int(rates.loc[rates["timepoint"] == PRIMARY_VISIT, "evaluated"].sum())
    return Section(
        key="responders",
        title="Responders",
        method=(
            "Responder definitions are data (spinereg.core.responders, DOMAIN.md §2): change = "
            "baseline − follow-up, percent rules undefined at a zero baseline (ODI: below 10). "
            "Undefined responses are left out of the denominator, not counted as failures. "
            "composite_disc also fails on surgery or re-injection at the index level by the "
            "visit. Intervals: Wilson 95% (R prop.test, correct = FALSE)."
        ),
        n=evaluated,
        figures=figures,
        tables=[
            ReportTable(f"Responders at {PRIMARY_VISIT}: % (95% CI), responders/evaluated", table),
            ReportTable("Responder definitions used", glossary),
        ],
    )

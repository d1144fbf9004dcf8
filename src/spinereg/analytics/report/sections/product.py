"""Dose-response: the 12-month improvement in ODI and in pain NRS of BMAC episodes against each
composition measure on a log scale, as a restricted cubic spline (4 knots) adjusted for the
baseline score (`spinereg.analytics.dose_response`, checked against R lm + splines::ns)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.ticker import FuncFormatter, NullFormatter

from spinereg.analytics.dose_response import DoseResponseFit, dose_response
from spinereg.analytics.exceptions import AnalyticsError
from spinereg.analytics.report.model import ReportFigure, ReportTable, Section
from spinereg.analytics.report.sections.common import (
    PRIMARY_VISIT,
    need,
    need_rows,
    p_value,
    visit_scores,
)
from spinereg.analytics.report.style import add_caption, caption_text, message_axes, new_figure
from spinereg.core.errors import RuleViolation

EXPOSURES = {
    "tnc_per_ml": ("TNC (×10⁶/mL)", 1e6),
    "cfu_f_per_ml": ("CFU-F (/mL)", 1.0),
    "cd34_per_ml": ("CD34+ (×10⁶/mL)", 1e6),
    "concentration_factor": ("Concentration factor (×)", 1.0),
}
OUTCOMES = {
    "odi-2.1a": ("ODI improvement (points)", "baseline_odi"),
    "nrs-pain": ("Pain NRS improvement (points)", "baseline_nrs"),
}
KNOTS = 4
MAX_POINTS_DRAWN = 1500
PETTINE_CFU_F_PER_ML = 2000.0


def _plain(value: float, _: object) -> str:
    return f"{value:,.0f}" if value >= 10 else f"{value:g}"


def _draw(axes: object, fit: DoseResponseFit, points: pd.DataFrame, scale: float) -> None:
    curve = fit.curve
    x = curve["exposure"].to_numpy() / scale
    step = max(1, len(points) // MAX_POINTS_DRAWN)
    shown = points.iloc[::step]
    axes.scatter(  # type: ignore[attr-defined]
        shown["exposure"] / scale,
        shown["outcome"],
        s=3,
        color="#999999",
        alpha=0.35,
        linewidths=0,
        rasterized=True,
    )
    axes.fill_between(x, curve["lower"], curve["upper"], color="#0072B2", alpha=0.2, linewidth=0)  # type: ignore[attr-defined]
    axes.plot(x, curve["fit"], color="#0072B2")  # type: ignore[attr-defined]
    axes.axhline(0, color="#555555", linewidth=0.7)  # type: ignore[attr-defined]
    axes.set_xscale("log")  # type: ignore[attr-defined]
    # Plain numbers on the log axis (2,000 rather than 2×10³), minor ticks unlabelled.
    axes.xaxis.set_major_formatter(FuncFormatter(_plain))  # type: ignore[attr-defined]
    axes.xaxis.set_minor_formatter(NullFormatter())  # type: ignore[attr-defined]


def dose_response_section(episodes: pd.DataFrame, outcomes: pd.DataFrame) -> Section:
    need(episodes, "episodes", ["episode", "treatment", *EXPOSURES, "baseline_odi", "baseline_nrs"])
    bmac = episodes.loc[episodes["treatment"] == "bmac"]
    need_rows(bmac, "BMAC episodes")
    figure = new_figure(4.6)
    grid = figure.subplots(len(OUTCOMES), len(EXPOSURES), squeeze=False)
    rows: list[dict[str, str]] = []
    notes: list[str] = []
    fitted = 0
    largest_n = 0
    for row, (instrument, (y_label, baseline)) in enumerate(OUTCOMES.items()):
        at_visit = visit_scores(outcomes, PRIMARY_VISIT, instrument)
        data = bmac.merge(at_visit[["episode", "improvement"]], on="episode", how="inner")
        for column, (exposure_column, (x_label, scale)) in enumerate(EXPOSURES.items()):
            axes = grid[row, column]
            try:
                fit = dose_response(
                    data, exposure_column, "improvement", [baseline], knots=KNOTS, log=True
                )
            except (AnalyticsError, RuleViolation) as error:
                message_axes(axes, str(error))
                notes.append(f"{y_label} vs {x_label}: {error}")
                continue
            fitted += 1
            largest_n = max(largest_n, fit.n)
            points = data[[exposure_column, "improvement"]].dropna()
            points = points.loc[points[exposure_column] > 0]
            _draw(axes, fit, points.set_axis(["exposure", "outcome"], axis=1), scale)
            if exposure_column == "cfu_f_per_ml":
                axes.axvline(PETTINE_CFU_F_PER_ML, color="#D55E00", linestyle=":", linewidth=0.9)
            axes.set_xlabel(f"{x_label}\nlog scale", fontsize=7)
            if column == 0:
                axes.set_ylabel(f"{y_label}\nat {PRIMARY_VISIT}", fontsize=7.5)
            nonlinear = fit.nonlinearity.p if fit.nonlinearity else float("nan")
            rows.append(
                {
                    "Outcome": y_label,
                    "Measure": x_label,
                    "n": f"{fit.n:,}",
                    "Knots (original scale)": ", ".join(
                        f"{value / scale:,.3g}" for value in np.exp(fit.knots)
                    ),
                    "Association p (F test)": p_value(fit.association.p),
                    "Non-linearity p": p_value(nonlinear),
                    "Residual SD": f"{fit.sigma:.2f}",
                }
            )
    if fitted == 0:
        raise AnalyticsError("no dose-response curve could be fitted: " + " ".join(notes))
    method = (
        f"BMAC episodes with the score at baseline and at {PRIMARY_VISIT} (in window). "
        "Improvement = baseline − 12 months. Least squares on a restricted cubic spline of the "
        f"log measure ({KNOTS} knots at Harrell's 5/35/65/95% quantiles) plus the baseline score; "
        "curve at the mean baseline with its pointwise 95% confidence band (R lm + "
        "splines::ns with the same knots, predict interval = 'confidence'). Grey points: the "
        f"data (at most {MAX_POINTS_DRAWN} drawn). Dotted line: 2,000 CFU-F/mL (Pettine 2015)."
    )
    caption = caption_text(n=largest_n, method=method, responder=None)
    add_caption(figure, caption)
    return Section(
        key="dose_response",
        title="Product composition and outcome (dose-response)",
        method=method,
        n=largest_n,
        figures=[ReportFigure("Dose-response curves", figure, caption)],
        tables=[ReportTable("Spline fits", pd.DataFrame(rows))],
        notes=notes,
    )

"""Attrition: completion of each visit among living, enrolled patients whose window has
closed, overall and by treatment, and the baseline comparison of those followed and lost at
12 months (`spinereg.analytics.attrition`, checked against R prop.test, t.test and
chisq.test)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from spinereg.analytics.attrition import completion_by_visit, followed_vs_lost
from spinereg.analytics.report.model import ReportFigure, ReportTable, Section
from spinereg.analytics.report.sections.common import (
    MIN_GROUP,
    PRIMARY_VISIT,
    need,
    need_rows,
    p_value,
    share_ci,
)
from spinereg.analytics.report.style import (
    add_caption,
    caption_text,
    error_bars,
    new_figure,
    ordered_treatments,
    short_treatment,
    treatment_style,
)

CONTINUOUS = ("age_at_index", "baseline_odi", "baseline_nrs")
CATEGORICAL = ("sex", "condition", "treatment")
NAMES = {
    "age_at_index": "Age (years), mean (SD)",
    "baseline_odi": "Baseline ODI, mean (SD)",
    "baseline_nrs": "Baseline pain NRS, mean (SD)",
    "sex": "Sex",
    "condition": "Condition",
    "treatment": "Treatment",
}


def _figure(overall: pd.DataFrame, by_treatment: pd.DataFrame, n: int) -> ReportFigure:
    figure = new_figure(3.2)
    axes = figure.subplots()
    visits = [visit for visit in overall["visit"] if visit != "baseline"]
    position = {visit: index for index, visit in enumerate(visits)}
    for treatment in ordered_treatments(by_treatment["treatment"].unique()):
        rows = by_treatment.loc[
            (by_treatment["treatment"] == treatment)
            & (by_treatment["expected"] >= MIN_GROUP)
            & by_treatment["visit"].isin(visits)
        ]
        if rows.empty:
            continue
        style = treatment_style(treatment)
        axes.plot(
            [position[visit] for visit in rows["visit"]],
            100 * rows["share"],
            color=style["color"],
            marker=style["marker"],
            markersize=3,
            linewidth=0.9,
            alpha=0.8,
            label=short_treatment(treatment),
        )
    rows = overall.loc[overall["visit"].isin(visits) & (overall["expected"] > 0)]
    x = np.array([position[visit] for visit in rows["visit"]])
    share = 100 * rows["share"].to_numpy(dtype=np.float64)
    axes.errorbar(
        x,
        share,
        yerr=error_bars(share, 100 * rows["lower"].to_numpy(), 100 * rows["upper"].to_numpy()),
        color="#000000",
        linewidth=2.0,
        capsize=2.5,
        label="All",
    )
    axes.set_xticks(range(len(visits)), visits)
    axes.set_ylim(0, 100)
    axes.set_xlabel("Visit")
    axes.set_ylabel("Questionnaire completed (% of expected)")
    axes.legend(loc="lower left", ncols=3, frameon=False, fontsize=6.5)
    caption = caption_text(
        n=n,
        method=(
            "Completed ÷ expected visits, expected = living, enrolled patients whose window "
            "had closed by the data cut-off (completed + missed); visits still open and visits "
            "after death or withdrawal are not losses. All: Wilson 95% intervals (R prop.test, "
            f"correct = FALSE). Treatments with fewer than {MIN_GROUP} expected at a visit are "
            "not drawn."
        ),
        responder=None,
    )
    add_caption(figure, caption)
    return ReportFigure("Completion by visit", figure, caption)


def attrition_section(episodes: pd.DataFrame, followup: pd.DataFrame) -> Section:
    need(followup, "followup", ["episode", "treatment", "visit", "target_day", "status"])
    need(episodes, "episodes", ["episode", *CONTINUOUS, *CATEGORICAL])
    need_rows(followup, "scheduled visits")
    overall = completion_by_visit(followup)
    by_treatment = completion_by_visit(followup, by=("treatment",))
    n = int(followup["episode"].nunique())
    completion = pd.DataFrame(
        {
            "Visit": overall["visit"],
            "Completed": overall["completed"].map("{:,}".format),
            "Missed": overall["missed"].map("{:,}".format),
            "Still open": overall["pending"].map("{:,}".format),
            "Not expected (died, withdrew)": overall["not_expected"].map("{:,}".format),
            "Completion (95% CI)": [
                share_ci(s, lo, hi)
                for s, lo, hi in overall[["share", "lower", "upper"]].itertuples(index=False)
            ],
        }
    )
    comparison = followed_vs_lost(episodes, followup, PRIMARY_VISIT, CONTINUOUS, CATEGORICAL)
    comparison_table = pd.DataFrame(
        {
            "Characteristic": comparison["characteristic"].map(NAMES),
            "Level": [
                short_treatment(level) if name == "treatment" else level
                for name, level in comparison[["characteristic", "level"]].itertuples(index=False)
            ],
            f"Followed at {PRIMARY_VISIT}": comparison["followed"],
            "Lost": comparison["lost"],
            "SMD": comparison["smd"].map("{:.2f}".format),
            "Test": comparison["test"],
            "p": comparison["p"].map(p_value),
        }
    )
    followed = int(comparison["n_followed"].max())
    lost = int(comparison["n_lost"].max())
    return Section(
        key="attrition",
        title="Follow-up and attrition",
        method=(
            "Completion among patients expected at each visit (see the figure). Followed vs "
            f"lost: episodes that completed vs missed the {PRIMARY_VISIT} visit; standardised "
            "differences (followed − lost) over the pooled SD; Welch t-test for numbers (R "
            "t.test), Pearson chi-square without continuity correction for categories (R "
            "chisq.test, correct = FALSE). Differences mean complete-case outcomes may be "
            "biased."
        ),
        n=n,
        figures=[_figure(overall, by_treatment, n)],
        tables=[
            ReportTable("Completion by visit", completion),
            ReportTable(
                f"Baseline of patients followed ({followed:,}) and lost ({lost:,}) at "
                f"{PRIMARY_VISIT}",
                comparison_table,
            ),
        ],
    )

"""Cohort description: the baseline table by treatment (one column per treatment and one for
all), with BMAC product composition. Means (SD) for roughly symmetric measures, medians (IQR)
for cell counts, which are skewed (DOMAIN.md §5)."""

from __future__ import annotations

import pandas as pd

from spinereg.analytics.report.model import ReportTable, Section
from spinereg.analytics.report.sections.common import (
    count_share,
    mean_sd,
    median_iqr,
    need,
    need_rows,
)
from spinereg.analytics.report.style import label, ordered_treatments, short_treatment

COLUMNS = (
    "episode",
    "treatment",
    "condition",
    "sex",
    "age_at_index",
    "level_count",
    "baseline_odi",
    "baseline_nrs",
    "baseline_vas",
    "followup_days",
)
COMPOSITION_ROWS = (
    ("TNC, concentrate (×10⁶/mL), median (IQR)", "tnc_per_ml", 1e6),
    ("CFU-F, concentrate (/mL), median (IQR)", "cfu_f_per_ml", 1.0),
    ("CD34+, concentrate (×10⁶/mL), median (IQR)", "cd34_per_ml", 1e6),
    ("TNC concentration factor (×), median (IQR)", "concentration_factor", 1.0),
    ("Injected volume (mL), median (IQR)", "injected_volume_ml", 1.0),
)


def _column(group: pd.DataFrame) -> dict[str, str]:
    values = {
        "Episodes (n)": f"{len(group):,}",
        "Age at index (years), mean (SD)": mean_sd(group["age_at_index"]),
        "Female, n (%)": count_share(group["sex"] == "female"),
    }
    for condition in ("discogenic", "facet"):
        values[f"{label(condition)}, n (%)"] = count_share(group["condition"] == condition)
    levels = pd.to_numeric(group["level_count"], errors="coerce")
    values["Two or more levels, n (%)"] = count_share((levels >= 2).where(levels.notna()))
    values["Baseline ODI (points), mean (SD)"] = mean_sd(group["baseline_odi"])
    values["Baseline pain NRS (0–10), mean (SD)"] = mean_sd(group["baseline_nrs"])
    values["Baseline pain VAS (mm), mean (SD)"] = mean_sd(group["baseline_vas"])
    values["Follow-up (months), median (IQR)"] = median_iqr(
        group["followup_days"], scale=365.25 / 12
    )
    for row, column, scale in COMPOSITION_ROWS:
        if column in group.columns:
            values[row] = median_iqr(group[column], scale=scale, digits=2 if scale > 1 else 1)
    if "cfu_f_above_2000" in group.columns:
        values["CFU-F > 2,000/mL (Pettine 2015), n (%)"] = count_share(group["cfu_f_above_2000"])
    return values


def cohort_section(episodes: pd.DataFrame) -> Section:
    need(episodes, "episodes", COLUMNS)
    need_rows(episodes, "episodes")
    columns = {}
    for treatment in ordered_treatments(episodes["treatment"].unique()):
        group = episodes.loc[episodes["treatment"] == treatment]
        columns[short_treatment(treatment)] = _column(group)
    columns["All"] = _column(episodes)
    table = pd.DataFrame(columns)
    table.index.name = "Characteristic"
    is_bmac = episodes["treatment"] == "bmac"
    composition_missing = (
        int(episodes.loc[is_bmac, "cfu_f_per_ml"].isna().sum())
        if ("cfu_f_per_ml" in episodes.columns)
        else 0
    )
    notes = []
    if composition_missing:
        notes.append(
            f"{composition_missing} BMAC episode(s) have no CFU-F count; composition rows "
            "summarise those with one."
        )
    return Section(
        key="cohort",
        title="Cohort",
        method=(
            "Episodes with an index procedure, by treatment. Means (SD) for age and scores; "
            "medians (IQR) for follow-up and cell counts, which are skewed. Percentages of the "
            "episodes with the characteristic recorded. Composition is measured in the "
            "concentrate and applies to BMAC only (– elsewhere)."
        ),
        n=len(episodes),
        tables=[ReportTable("Baseline characteristics by treatment", table.reset_index())],
        notes=notes,
    )

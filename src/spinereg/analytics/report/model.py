"""What a report is made of: sections holding figures (matplotlib Figures with a caption that
states n, method and responder definition), tables (DataFrames of display text) and method
text, or an error message in place of content when the section's input is unusable."""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd
from matplotlib.figure import Figure

STATEMENT = (
    "BMAC for the spine is investigational. These figures describe registry data; they support "
    "clinical and research decisions and do not make them. Observational comparisons can be "
    "confounded even after adjustment."
)
SYNTHETIC_STATEMENT = (
    "SYNTHETIC DATA: this report was made from a synthetic cohort (spinereg synth). No row "
    "describes a real patient and no figure is evidence about BMAC."
)


@dataclass(frozen=True, slots=True)
class ReportFigure:
    """A figure and its caption. The caption is also drawn under the plot, so the figure
    carries its n, method and responder definition wherever it is copied."""

    title: str
    figure: Figure
    caption: str


@dataclass(frozen=True, slots=True)
class ReportTable:
    title: str
    frame: pd.DataFrame
    note: str = ""


@dataclass(slots=True)
class Section:
    """One part of the report. `error` replaces the content when the section could not be
    computed honestly (missing columns, empty subgroup, a fit that failed); `notes` are
    warnings about parts left out, shown beside the content."""

    key: str
    title: str
    method: str = ""
    n: int | None = None
    figures: list[ReportFigure] = field(default_factory=list)
    tables: list[ReportTable] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    error: str | None = None


@dataclass(frozen=True, slots=True)
class Report:
    title: str
    scope: str
    synthetic: bool
    sections: list[Section]
    dataset_problems: list[str]
    statement: str = STATEMENT

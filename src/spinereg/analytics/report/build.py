"""`build_report`: run every section on an analysis dataset. A section whose input is unusable
(a missing column, an empty subgroup, a fit that does not converge, a constant covariate)
becomes a section with an error message; the others are unaffected."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from spinereg.analytics.exceptions import AnalyticsError
from spinereg.analytics.report.model import Report, Section
from spinereg.analytics.report.sections.attrition import attrition_section
from spinereg.analytics.report.sections.cohort import cohort_section
from spinereg.analytics.report.sections.comparison import comparison_section
from spinereg.analytics.report.sections.durability import cox_section, durability_section
from spinereg.analytics.report.sections.evidence import TITLE as EVIDENCE_TITLE
from spinereg.analytics.report.sections.evidence import evidence_section
from spinereg.analytics.report.sections.outcomes import responders_section, trajectories_section
from spinereg.analytics.report.sections.product import dose_response_section
from spinereg.analytics.report.sections.safety import safety_section
from spinereg.analytics.report.style import print_style
from spinereg.core.errors import RuleViolation

logger = logging.getLogger(__name__)


class DatasetLike:
    """What `build_report` reads: the five frames of the analysis dataset as attributes
    (`spinereg.interop.analysis_dataset.AnalysisDataset` is one), structurally typed so that
    analytics need not import interop."""

    episodes: Any
    outcomes: Any
    adverse_events: Any
    reinterventions: Any
    followup: Any


@dataclass(frozen=True, slots=True)
class SectionSpec:
    key: str
    title: str
    build: Callable[[Any], Section]


SECTIONS: tuple[SectionSpec, ...] = (
    SectionSpec("cohort", "Cohort", lambda d: cohort_section(d.episodes)),
    SectionSpec("trajectories", "Outcome trajectories", lambda d: trajectories_section(d.outcomes)),
    SectionSpec(
        "responders", "Responders", lambda d: responders_section(d.outcomes, d.reinterventions)
    ),
    SectionSpec(
        "durability",
        "Durability",
        lambda d: durability_section(d.episodes, d.outcomes, d.reinterventions),
    ),
    SectionSpec(
        "cox",
        "Adjusted hazard of reintervention",
        lambda d: cox_section(d.episodes, d.reinterventions),
    ),
    SectionSpec(
        "comparison",
        "BMAC compared with each comparator (IPTW)",
        lambda d: comparison_section(d.episodes, d.outcomes),
    ),
    SectionSpec(
        "dose_response",
        "Product composition and outcome (dose-response)",
        lambda d: dose_response_section(d.episodes, d.outcomes),
    ),
    SectionSpec("safety", "Adverse events", lambda d: safety_section(d.episodes, d.adverse_events)),
    SectionSpec(
        "attrition", "Follow-up and attrition", lambda d: attrition_section(d.episodes, d.followup)
    ),
)


def evidence_spec(literature: Any, label: str) -> SectionSpec:
    """The evidence section, which reads the literature table besides the dataset."""
    return SectionSpec(
        "evidence", EVIDENCE_TITLE, lambda d: evidence_section(literature, d.outcomes, label)
    )


def run_section(spec: SectionSpec, dataset: Any, *, strict: bool = False) -> Section:
    """One section, or its error. Analysis errors (AnalyticsError, RuleViolation) are the
    expected failures and become the section's message. Anything else is a bug: with `strict`
    it propagates; otherwise the section says an internal error occurred and the report goes
    on (logged with its traceback)."""
    try:
        with print_style():
            return spec.build(dataset)
    except (AnalyticsError, RuleViolation) as error:
        return Section(key=spec.key, title=spec.title, error=str(error))
    except Exception as error:
        if strict:
            raise
        logger.exception("report section %s failed", spec.key)
        return Section(
            key=spec.key,
            title=spec.title,
            error=f"internal error while computing this section ({type(error).__name__}); "
            "the other sections are unaffected. Please report it.",
        )


def build_report(
    dataset: Any,
    *,
    scope: str,
    synthetic: bool,
    dataset_problems: list[str] | None = None,
    progress: Callable[[str], None] | None = None,
    strict: bool = False,
    sections: tuple[SectionSpec, ...] = SECTIONS,
    literature: Any = None,
) -> Report:
    """Every section of the registry report on `dataset` (frames `episodes`, `outcomes`,
    `adverse_events`, `reinterventions`, `followup`). `scope` names the clinics covered;
    `synthetic` marks a report made from synthetic data; `progress` is called with each
    section's key once it is done. With `literature` (a frame in read_literature's shape, may
    be empty) the report ends with the published evidence beside the registry."""
    if literature is not None:
        sections = (*sections, evidence_spec(literature, f"Registry ({scope})"))
    built = []
    for spec in sections:
        built.append(run_section(spec, dataset, strict=strict))
        if progress is not None:
            progress(spec.key)
    return Report(
        title="spinereg registry report",
        scope=scope,
        synthetic=synthetic,
        sections=built,
        dataset_problems=list(dataset_problems or []),
    )

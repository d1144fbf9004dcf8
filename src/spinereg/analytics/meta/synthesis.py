"""The evidence synthesis the researcher page, `spinereg evidence report` and the patient
evidence page all read: every question the literature table can honestly answer, pooled, with
every row that could not enter listed with its reason, and the registry's own results beside it.

Questions: outcome (ODI; back pain on VAS or NRS, put on one 0-100 scale via `scale_max`) x
follow-up window (3, 6, 12, 24 months) x measure, with the studies grouped by condition:

- `PLO`: the share of patients meeting the paper's responder definition in BMAC arms (logit,
  shown as a proportion; escalc(measure = "PLO"), rma());
- `MD`: treated-vs-control difference in means at the time point where both arms report a mean
  and an SD (escalc(measure = "MD")).

Single-arm mean changes (MC) are not pooled: no source reports the SD of the change or a pre-post
correlation, and we do not assume one (docs/evidence-synthesis.md, "Nothing is imputed").

A pool needs two studies; with one, or none, the question is reported with the reason and no
number is invented. The registry's own rows (`registry_rows.RegistryOutcome`, from paired
baseline and follow-up scores in the analysis dataset) are never pooled with the literature: the
forest plot lists them below the pooled diamond under "This registry (not pooled)".
"""

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from numpy.typing import NDArray

from spinereg.analytics.meta.forest import BesideRow, forest_plot
from spinereg.analytics.meta.literature import (
    literature_effect_inputs,
    literature_effect_sizes,
)
from spinereg.analytics.meta.pooling import RandomEffectsResult, random_effects
from spinereg.analytics.meta.registry_rows import RegistryOutcome, for_question
from spinereg.core.errors import RuleViolation

OUTCOME_GROUPS: dict[str, tuple[str, ...]] = {"odi": ("odi",), "pain": ("vas", "nrs")}
OUTCOME_LABELS: dict[str, str] = {"odi": "ODI (0-100)", "pain": "Back pain (0-100)"}
# Follow-up windows: the target month and how far a report may lie from it.
TIMEPOINT_WINDOWS_MONTHS: dict[int, float] = {3: 1.0, 6: 2.0, 12: 3.0, 24: 6.0}
COMMON_SCALE_MAX = 100.0
MEASURES = ("PLO", "MD")
MEASURE_LABELS: dict[str, str] = {
    "PLO": "Share of BMAC patients who responded (paper's definition)",
    "MD": "Difference in mean score, treated minus control (points, 0-100)",
}
MIN_STUDIES = 2


@dataclass(frozen=True, eq=False)
class Pool:
    """One question: its included studies, its pooled result (or why none), its exclusions."""

    outcome: str
    timepoint_months: int
    measure: str
    labels: list[str]
    conditions: list[str]
    n_patients: list[float]
    yi: NDArray[np.float64]
    vi: NDArray[np.float64]
    result: RandomEffectsResult | None
    by_condition: dict[str, RandomEffectsResult]
    not_pooled_reason: str
    excluded: pd.DataFrame
    # Per included study, for subgroup and cumulative analyses (pool_checks).
    designs: list[str] = field(default_factory=list)
    products: list[str] = field(default_factory=list)
    years: list[int] = field(default_factory=list)

    @property
    def key(self) -> str:
        return f"{self.outcome}_{self.timepoint_months}mo_{self.measure}"

    @property
    def title(self) -> str:
        kind = "responders (PLO)" if self.measure == "PLO" else "treated vs control (MD)"
        return f"{OUTCOME_LABELS[self.outcome]}, {self.timepoint_months} months: {kind}"

    @property
    def k(self) -> int:
        return len(self.labels)

    def displayed(self, value: float) -> float:
        """A pooled number on the displayed scale (proportions for PLO)."""
        return float(1 / (1 + math.exp(-value))) if self.measure == "PLO" else value


@dataclass(frozen=True, eq=False)
class EvidenceSynthesis:
    """Every pool, every excluded row (with the question it was excluded from), and counts."""

    pools: list[Pool]
    excluded: pd.DataFrame
    studies_by_condition: dict[str, int]
    patients_by_condition: dict[str, int]
    longest_follow_up_months: float
    adverse_event_notes: list[tuple[str, str]] = field(default_factory=list)

    @property
    def pooled(self) -> list[Pool]:
        return [pool for pool in self.pools if pool.result is not None]


def synthesize(frame: pd.DataFrame) -> EvidenceSynthesis:
    """Every question of the module docstring on a literature frame (read_literature's shape)."""
    pools = [
        _pool(frame, outcome, month, measure)
        for outcome in OUTCOME_GROUPS
        for month in TIMEPOINT_WINDOWS_MONTHS
        for measure in MEASURES
    ]
    excluded_frames = [
        pool.excluded.assign(question=pool.title) for pool in pools if not pool.excluded.empty
    ]
    excluded = (
        pd.concat(excluded_frames, ignore_index=True)
        if excluded_frames
        else pd.DataFrame(columns=["question", "source_row", "study_id", "reason"])
    )
    primary = frame[frame["design"] != "systematic_review"] if len(frame) else frame
    studies: dict[str, int] = {}
    patients: dict[str, int] = {}
    for condition, rows in primary.groupby("condition", sort=True):
        arms = rows.drop_duplicates(["study_id", "arm"])
        studies[str(condition)] = int(rows.study_id.nunique())
        patients[str(condition)] = int(arms.n.sum())
    notes = [
        (str(row.study_id), str(row.notes))
        for row in primary.drop_duplicates("study_id").itertuples()
        if "adverse" in str(row.notes).lower() or "complication" in str(row.notes).lower()
    ]
    longest = float(primary.timepoint_months.max()) if len(primary) else math.nan
    return EvidenceSynthesis(
        pools=pools,
        excluded=excluded,
        studies_by_condition=studies,
        patients_by_condition=patients,
        longest_follow_up_months=longest,
        adverse_event_notes=notes,
    )


def pool_figure(
    pool: Pool, registry: Sequence[RegistryOutcome] = (), *, caption: str = ""
) -> Figure:
    """The pool's forest plot, conditions as subgroups, and below it, not pooled, the registry's
    own rows for the same outcome and time point.

    A responder share is drawn on the plot's proportion axis. A registry mean change is a
    within-patient change, not a treated-minus-control difference: beside an MD pool it is
    listed with its numbers but not drawn on that axis.
    """
    if pool.result is None:
        raise RuleViolation(field="pool", rule="pooled", message=pool.not_pooled_reason)
    return forest_plot(
        pool.yi,
        pool.vi,
        pool.labels,
        effect_label=MEASURE_LABELS[pool.measure],
        n_patients=pool.n_patients,
        groups=pool.conditions if len(set(pool.conditions)) > 1 else None,
        transform="expit" if pool.measure == "PLO" else "identity",
        title=pool.title,
        beside=[
            _beside(pool, row)
            for row in for_question(registry, pool.outcome, pool.timepoint_months)
        ],
        beside_heading="This registry (not pooled)",
        beside_note=_beside_note(pool, registry),
        caption=caption,
    )


def _beside_note(pool: Pool, registry: Sequence[RegistryOutcome]) -> str:
    rows = for_question(registry, pool.outcome, pool.timepoint_months)
    if not rows:
        return ""
    if pool.measure == "PLO":
        definitions = "; ".join(dict.fromkeys(row.responder_definition for row in rows))
        return f"Registry responders: {definitions} (0-100 scale); the papers' definitions vary"
    return "Registry: mean change from baseline in the same patients (0-100 scale), 95% CI"


def _beside(pool: Pool, row: RegistryOutcome) -> BesideRow:
    if pool.measure == "PLO":
        return BesideRow(
            row.label,
            row.responder_share,
            row.share_ci_lower,
            row.share_ci_upper,
            n=row.n_patients,
        )
    return BesideRow(
        f"{row.label}, mean change",
        row.mean_change,
        row.change_ci_lower,
        row.change_ci_upper,
        n=row.n_patients,
        drawn=False,
        note="within-patient change, not a treated-control difference: not drawn",
    )


def _pool(frame: pd.DataFrame, outcome: str, month: int, measure: str) -> Pool:
    selection = literature_effect_inputs(
        frame,
        outcome=OUTCOME_GROUPS[outcome],
        measure=measure,
        timepoint_months=float(month),
        timepoint_tolerance_months=TIMEPOINT_WINDOWS_MONTHS[month],
        products={"bmac"},
        rescale_to=COMMON_SCALE_MAX if measure == "MD" else None,
    )
    excluded = selection.excluded
    empty = np.array([], dtype=float)
    if selection.included.empty:
        return Pool(
            outcome, month, measure, [], [], [], empty, empty, None, {},
            "no study reports what this question needs", excluded,
        )  # fmt: skip
    sizes = literature_effect_sizes(selection)
    included = selection.included
    source_column = "source_row" if "source_row" in included else "source_row_1"
    for exclusion in sizes.exclusions:
        row = included.iloc[exclusion.row]
        extra = pd.DataFrame(
            [{"source_row": row[source_column], "study_id": row.study_id,
              "reason": exclusion.reason}]
        )  # fmt: skip
        excluded = pd.concat([excluded, extra], ignore_index=True)
    mask = np.asarray(sizes.included, dtype=bool)
    chosen = included[mask]
    sources = list(chosen[source_column])
    conditions = [str(_fact(frame, row, "condition")) for row in sources]
    described: dict[str, Any] = {
        "designs": [str(_fact(frame, row, "design")) for row in sources],
        "products": [str(_fact(frame, row, "product")) for row in sources],
        "years": [int(_fact(frame, row, "year")) for row in sources],
    }
    n_patients = list(chosen.ni) if "ni" in chosen else list(chosen.n1i + chosen.n2i)
    yi = np.asarray(sizes.yi, dtype=float)[mask]
    vi = np.asarray(sizes.vi, dtype=float)[mask]
    labels = list(chosen.label)
    if len(yi) < MIN_STUDIES:
        reason = f"fewer than two studies (k = {len(yi)}): nothing pooled"
        return Pool(
            outcome, month, measure, labels, conditions, n_patients, yi, vi, None, {},
            reason, excluded, **described,
        )  # fmt: skip
    try:
        result = random_effects(yi, vi)
    except RuleViolation as error:
        return Pool(
            outcome, month, measure, labels, conditions, n_patients, yi, vi, None, {},
            str(error), excluded, **described,
        )  # fmt: skip
    by_condition = {}
    for condition in dict.fromkeys(conditions):
        members = np.array([c == condition for c in conditions])
        if members.sum() >= MIN_STUDIES:
            by_condition[condition] = random_effects(yi[members], vi[members])
    return Pool(
        outcome, month, measure, labels, conditions, n_patients, yi, vi, result, by_condition,
        "", excluded, **described,
    )  # fmt: skip


def _fact(frame: pd.DataFrame, source_row: int, column: str) -> Any:
    """A column of the table row a study's effect came from (the treated arm's, for MD)."""
    return frame.loc[frame.source_row == source_row, column].iloc[0]

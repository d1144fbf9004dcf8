"""Published evidence beside this registry: the forest plot of every question the literature
table can pool (spinereg.analytics.meta.synthesis), the registry's own rows below each pool and
never pooled with it, and every question or row left out with its reason."""

from __future__ import annotations

import pandas as pd

from spinereg.analytics.exceptions import EmptyGroupError
from spinereg.analytics.meta.pool_checks import checks_text, pool_checks
from spinereg.analytics.meta.presentation import included_excluded_frame, pooled_sentence
from spinereg.analytics.meta.registry_rows import (
    RegistryOutcome,
    for_question,
    registry_outcomes,
)
from spinereg.analytics.meta.synthesis import (
    OUTCOME_LABELS,
    EvidenceSynthesis,
    Pool,
    pool_figure,
    synthesize,
)
from spinereg.analytics.report.model import ReportFigure, ReportTable, Section
from spinereg.analytics.report.sections.common import need
from spinereg.analytics.report.style import caption_text

TITLE = "Published evidence beside this registry"
METHOD = (
    "Published BMAC spine studies from the clinic's literature table (each row sourced by DOI "
    "or PMID). Responder shares of BMAC arms are pooled on the logit scale (metafor "
    "escalc(measure = 'PLO')) and treated-minus-control mean differences on a 0-100 scale "
    "(escalc(measure = 'MD')), random-effects REML with z-based 95% CIs and 95% prediction "
    "intervals (rma), conditions as subgroups. A question needs two studies; nothing missing "
    "is imputed. The registry's own rows (BMAC episodes of the scope, paired baseline and "
    "in-window follow-up scores) are drawn below each pool in another colour and never pooled "
    "with it: a registry cohort is not a trial arm, and its responder definition is ours "
    "(ODI 10, VAS 15 mm, NRS 2 points; Ostelo 2008), not the papers'."
)


def evidence_section(
    literature: pd.DataFrame | None, outcomes: pd.DataFrame, label: str
) -> Section:
    if literature is None or literature.empty:
        raise EmptyGroupError(
            "the literature table is empty: load it with `spinereg evidence load FILE` "
            "or on the evidence page"
        )
    need(outcomes, "outcomes", ["episode", "treatment", "instrument", "value", "baseline_value"])
    synthesis = synthesize(literature)
    registry = registry_outcomes(outcomes, label)
    figures = []
    for pool in synthesis.pooled:
        caption = _caption(pool, for_question(registry, pool.outcome, pool.timepoint_months))
        figures.append(
            ReportFigure(pool.title, pool_figure(pool, registry, caption=caption), caption)
        )
    notes = []
    if not figures:
        notes.append("No question has two studies with what it needs: no forest plot is drawn.")
    if not registry:
        notes.append(
            f"{label}: no BMAC patient has baseline and follow-up scores at 3, 6, 12 or 24 "
            "months, so there is no registry row to show."
        )
    studies = sum(synthesis.studies_by_condition.values())
    patients = sum(synthesis.patients_by_condition.values())
    return Section(
        key="evidence",
        title=TITLE,
        method=f"The literature table holds {studies} primary studies of {patients:,} patients. "
        + METHOD,
        figures=figures,
        tables=[
            ReportTable(
                "Registry rows (not pooled with the literature)",
                _registry_table(registry),
                note="Mean change: follow-up minus baseline (negative is better), t 95% CI. "
                "Responders: Wilson 95% CI.",
            ),
            ReportTable(
                "How much each pooled answer depends on its studies",
                _checks_table(synthesis),
                note="Subgroup tests: Q between subgroup estimates; leave-one-out, cumulative "
                "by year and Egger's test as metafor's leave1out, cumul and regtest.",
            ),
            ReportTable("Questions not pooled, and why", _not_pooled_table(synthesis)),
            ReportTable(
                "Literature rows left out, with the reason",
                _excluded_table(synthesis),
                note="Every row the synthesis could not use for a question, never dropped "
                "silently.",
            ),
        ],
        notes=notes,
    )


def _caption(pool: Pool, beside: list[RegistryOutcome]) -> str:
    registry = "; ".join(f"{row.label}, n = {row.n_patients:,}" for row in beside)
    method = (
        f"random-effects REML meta-analysis of {pool.k} studies, {pooled_sentence(pool)}. "
        "Squares: studies, sized by weight; diamond: pooled estimate; bar: 95% prediction "
        "interval. "
        + (
            f"Open circle (dashed 95% CI): this registry ({registry}), not pooled."
            if beside
            else "No registry row at this time point."
        )
    )
    if pool.measure == "PLO":
        ours = "; ".join(dict.fromkeys(row.responder_definition for row in beside))
        responder = "each paper's own" + (f"; registry: {ours}" if ours else "")
    else:
        responder = None
    return caption_text(n=round(sum(pool.n_patients)), method=method, responder=responder)


def _registry_table(rows: list[RegistryOutcome]) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "Registry": row.label,
                "Outcome": OUTCOME_LABELS[row.outcome],
                "Months": row.timepoint_months,
                "n": row.n_patients,
                "Mean change (95% CI)": f"{row.mean_change:.1f} "
                f"({row.change_ci_lower:.1f} to {row.change_ci_upper:.1f})",
                "Responders (95% CI)": f"{row.responders} = {100 * row.responder_share:.0f}% "
                f"({100 * row.share_ci_lower:.0f}–{100 * row.share_ci_upper:.0f}%)",
                "Responder definition": row.responder_definition,
            }
            for row in rows
        ],
        columns=[
            "Registry",
            "Outcome",
            "Months",
            "n",
            "Mean change (95% CI)",
            "Responders (95% CI)",
            "Responder definition",
        ],
    )


def _checks_table(synthesis: EvidenceSynthesis) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {"Question": pool.title, "Check": line}
            for pool in synthesis.pooled
            for line in checks_text(pool_checks(pool))
        ],
        columns=["Question", "Check"],
    )


def _not_pooled_table(synthesis: EvidenceSynthesis) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {"Question": pool.title, "Studies": pool.k, "Reason": pool.not_pooled_reason}
            for pool in synthesis.pools
            if pool.result is None
        ],
        columns=["Question", "Studies", "Reason"],
    )


def _excluded_table(synthesis: EvidenceSynthesis) -> pd.DataFrame:
    rows = included_excluded_frame(synthesis)
    excluded = rows.loc[rows["status"] == "excluded", ["question", "study", "source_row", "reason"]]
    return excluded.rename(
        columns={"question": "Question", "study": "Study", "source_row": "Row", "reason": "Reason"}
    ).reset_index(drop=True)

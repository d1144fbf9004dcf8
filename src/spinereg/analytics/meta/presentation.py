"""Tables, inline SVG and sentences built from an EvidenceSynthesis, shared by the researcher
page, `spinereg evidence report`, the registry report's evidence section and the patient page."""

import io
import math

import matplotlib
import pandas as pd

from spinereg.analytics.meta.registry_rows import RegistryOutcome
from spinereg.analytics.meta.synthesis import EvidenceSynthesis, Pool, pool_figure


def included_excluded_frame(synthesis: EvidenceSynthesis) -> pd.DataFrame:
    """One line per study in a pool (status included) and per excluded row, with its reason."""
    records = []
    for pool in synthesis.pools:
        for label, condition, n in zip(pool.labels, pool.conditions, pool.n_patients, strict=True):
            records.append(
                {"question": pool.title, "status": "included", "study": label,
                 "condition": condition, "n": n, "source_row": "", "reason": ""}
            )  # fmt: skip
    for row in synthesis.excluded.to_dict("records"):
        records.append(
            {"question": row.get("question", ""), "status": "excluded",
             "study": row.get("study_id", ""), "condition": row.get("condition", ""),
             "n": row.get("n", ""), "source_row": row.get("source_row", ""),
             "reason": row.get("reason", "")}
        )  # fmt: skip
    return pd.DataFrame.from_records(
        records,
        columns=["question", "status", "study", "condition", "n", "source_row", "reason"],
    )


def pool_svg(pool: Pool, registry: list[RegistryOutcome]) -> str:
    """The forest plot as inline SVG text (no XML prologue)."""
    figure = pool_figure(pool, registry)
    target = io.StringIO()
    with matplotlib.rc_context({"svg.fonttype": "none"}):
        figure.savefig(target, format="svg", bbox_inches="tight")
    text = target.getvalue()
    return text[text.find("<svg") :]


def pooled_sentence(pool: Pool) -> str:
    """'0.56 (95% CI 0.40 to 0.71; prediction interval ...)' on the displayed scale."""
    result = pool.result
    if result is None:
        return pool.not_pooled_reason
    show = pool.displayed
    text = (
        f"{show(result.estimate):.2f} (95% CI {show(result.ci_lower):.2f} to "
        f"{show(result.ci_upper):.2f}"
    )
    if not math.isnan(result.pi_lower):
        text += f"; prediction interval {show(result.pi_lower):.2f} to {show(result.pi_upper):.2f}"
    return text + f"; k = {pool.k}, I\u00b2 = {result.i2:.0f}%)"


__all__ = ["included_excluded_frame", "pool_svg", "pooled_sentence"]

"""The registry report's evidence section: the literature's forest plots with the registry's own
rows drawn beside each pool, and everything left out listed with its reason."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from spinereg.analytics.meta import read_literature
from spinereg.analytics.meta.synthesis import synthesize
from spinereg.analytics.report import build_report, evidence_spec, render_html, run_section
from spinereg.analytics.report.model import Section

LITERATURE = read_literature(
    Path(__file__).parents[2] / "src/spinereg/registry/evidence/data/bmac_spine_studies.csv"
)
LABEL = "Registry (north, south)"


@pytest.fixture(scope="module")
def section(report_dataset: Any) -> Section:
    return run_section(evidence_spec(LITERATURE, LABEL), report_dataset, strict=True)


def _hand_change(outcomes: Any, instrument: str, visit: str) -> tuple[int, float]:
    """n and mean change of BMAC episodes at a visit, straight from the outcomes table."""
    rows = outcomes[
        (outcomes.treatment == "bmac")
        & (outcomes.instrument == instrument)
        & (outcomes.score == "value")
        & (outcomes.timepoint == visit)
        & ~outcomes.out_of_window.fillna(False).astype(bool)
    ].dropna(subset=["value", "baseline_value"])
    rows = rows.drop_duplicates("episode", keep="last")
    return len(rows), float((rows.value - rows.baseline_value).mean())


def test_one_forest_plot_per_pooled_question(section: Section) -> None:
    assert section.error is None
    pooled = synthesize(LITERATURE).pooled
    assert [figure.title for figure in section.figures] == [pool.title for pool in pooled]
    patients = sum(synthesize(LITERATURE).patients_by_condition.values())
    assert f"studies of {patients:,} patients" in section.method


def test_the_registry_row_is_drawn_beside_each_pool(section: Section, report_dataset: Any) -> None:
    n, _ = _hand_change(report_dataset.outcomes, "odi-2.1a", "12mo")
    odi = next(figure for figure in section.figures if figure.title.startswith("ODI"))
    texts = [text.get_text() for axes in odi.figure.axes for text in axes.texts]
    assert "This registry (not pooled)" in texts
    assert f"{LABEL}, odi-2.1a" in texts
    assert str(n) in texts
    circles = [line for line in odi.figure.axes[1].lines if line.get_marker() == "o"]
    assert len(circles) == 1
    assert 0 < circles[0].get_xdata()[0] < 1  # a share, on the proportion axis
    assert f"{LABEL}, odi-2.1a, n = {n:,}" in odi.caption


def test_the_registry_table_matches_the_outcomes_table(
    section: Section, report_dataset: Any
) -> None:
    table = section.tables[0].frame
    row = table[(table.Registry == f"{LABEL}, odi-2.1a") & (table.Months == 12)].iloc[0]
    n, change = _hand_change(report_dataset.outcomes, "odi-2.1a", "12mo")
    assert row.n == n
    assert row["Mean change (95% CI)"].startswith(f"{change:.1f} (")
    nrs = table[table.Registry == f"{LABEL}, nrs-pain"]
    n_nrs, change_nrs = _hand_change(report_dataset.outcomes, "nrs-pain", "12mo")
    twelve = nrs[nrs.Months == 12].iloc[0]
    assert twelve.n == n_nrs
    assert twelve["Mean change (95% CI)"].startswith(f"{10 * change_nrs:.1f} (")  # 0-100 scale


def test_questions_and_rows_left_out_are_listed_with_reasons(section: Section) -> None:
    synthesis = synthesize(LITERATURE)
    not_pooled = section.tables[2].frame
    assert len(not_pooled) == len(synthesis.pools) - len(synthesis.pooled)
    assert not_pooled.Reason.str.len().gt(0).all()
    excluded = section.tables[3].frame
    assert len(excluded) == len(synthesis.excluded)
    assert excluded.Reason.str.len().gt(0).all()


def test_an_empty_literature_table_says_how_to_load_one(report_dataset: Any) -> None:
    empty = run_section(evidence_spec(LITERATURE.iloc[:0], LABEL), report_dataset, strict=True)
    assert empty.error is not None
    assert "spinereg evidence load" in empty.error


def test_the_html_report_carries_the_section(report_dataset: Any) -> None:
    report = build_report(
        report_dataset,
        scope="north, south",
        synthetic=True,
        literature=LITERATURE,
        sections=(),
    )
    page = render_html(report)
    assert "Published evidence beside this registry" in page
    assert "This registry (not pooled)" in page
    assert page.count("<svg") == len(synthesize(LITERATURE).pooled)


def test_each_pooled_answer_says_what_was_and_was_not_checked(section: Section) -> None:
    checks = section.tables[1].frame
    pooled = synthesize(LITERATURE).pooled
    assert set(checks.Question) == {pool.title for pool in pooled}
    assert checks.Check.str.contains("Not run: Egger's test: 2 studies").any()
    assert checks.Check.str.startswith("Cumulative by year: ").any()

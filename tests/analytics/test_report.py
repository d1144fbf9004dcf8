"""The registry report on a synthetic dataset: every section is computed, every figure states
its n, method and responder definition, and the HTML and PDF carry the statements."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from spinereg.analytics.meta import read_literature
from spinereg.analytics.report import (
    SECTIONS,
    STATEMENT,
    SYNTHETIC_STATEMENT,
    Report,
    build_report,
    render_html,
    render_pdf,
)

LITERATURE = (
    Path(__file__).parents[2] / "src/spinereg/registry/evidence/data/bmac_spine_studies.csv"
)


@pytest.fixture(scope="module")
def report(report_dataset: Any) -> Report:
    return build_report(
        report_dataset,
        scope="north, south",
        synthetic=True,
        strict=True,
        literature=read_literature(LITERATURE),
    )


def test_every_section_is_computed(report: Report) -> None:
    keys = [section.key for section in report.sections]
    assert keys == [*(spec.key for spec in SECTIONS), "evidence"]
    failed = {section.key: section.error for section in report.sections if section.error}
    assert not failed
    keys = {section.key: section for section in report.sections}
    assert keys["durability"].figures
    assert len(keys["durability"].figures) == 3
    assert keys["comparison"].tables[0].frame.shape[0] >= 2
    assert keys["dose_response"].tables[0].frame.shape[0] == 8  # 2 outcomes × 4 measures


def test_every_figure_states_n_method_and_responder_definition(report: Report) -> None:
    figures = [figure for section in report.sections for figure in section.figures]
    assert len(figures) >= 10
    for figure in figures:
        assert re.match(r"n = [\d,]+\. Method: ", figure.caption), figure.caption
        assert "Responder definition: " in figure.caption
        texts = [text.get_text() for text in figure.figure.texts]
        assert any(text.replace("\n", " ").startswith("n = ") for text in texts)
    responder = [figure for figure in figures if figure.title.startswith("Responders")]
    assert "odi_pct30: ODI improved by at least 30% of baseline" in responder[0].caption


def test_axes_are_labelled_with_units(report: Report) -> None:
    """Each figure labels its measured axis with a unit in parentheses (points, mm, %, months,
    /mL …) and every drawn panel its x axis."""
    for section in report.sections:
        for item in section.figures:
            drawn = [axes for axes in item.figure.axes if axes.axison and axes.has_data()]
            assert drawn, item.title
            labels = [axes.get_xlabel() for axes in drawn] + [axes.get_ylabel() for axes in drawn]
            assert any("(" in text and ")" in text for text in labels), (item.title, labels)
            assert all(axes.get_xlabel() for axes in drawn), item.title
    trajectories = next(s for s in report.sections if s.key == "trajectories")
    labels = [axes.get_ylabel() for axes in trajectories.figures[0].figure.axes]
    assert "ODI (points, 0–100; lower is better)" in labels


def test_no_silent_nan_in_tables(report: Report) -> None:
    for section in report.sections:
        for table in section.tables:
            text = table.frame.astype(str)
            assert not text.isin(["nan", "NaN", "<NA>", "None"]).any().any(), (
                section.key,
                table.title,
            )


def test_the_html_is_self_contained_and_states_the_status(report: Report) -> None:
    page = render_html(report)
    assert STATEMENT in page
    assert SYNTHETIC_STATEMENT in page
    assert page.count("<svg") >= 10
    assert "<script" not in page
    assert 'href="http' not in page
    assert "src=" not in page
    for spec in SECTIONS:
        assert f'id="{spec.key}"' in page


def test_the_pdf_is_written(report: Report, tmp_path: Path) -> None:
    path = tmp_path / "report.pdf"
    render_pdf(report, path)
    content = path.read_bytes()
    assert content.startswith(b"%PDF")
    assert (
        content.count(b"/Type /Page\n") + content.count(b"/Type /Page ") >= 20
        or len(content) > 200_000
    )

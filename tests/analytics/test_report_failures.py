"""Bad input breaks one section with a clear message, never the whole report: a missing
column, an empty subgroup, a model that cannot be fitted, a constant covariate, an empty
dataset, and an unexpected bug in one section."""

from __future__ import annotations

from typing import Any

import pandas as pd
import pytest

from spinereg.analytics.report import SECTIONS, SectionSpec, build_report, render_html
from spinereg.analytics.report.model import Section
from tests.analytics.conftest import with_frames


def _sections(dataset: Any) -> dict[str, Section]:
    report = build_report(dataset, scope="test", synthetic=True, strict=True)
    render_html(report)  # renders whatever failed, too
    return {section.key: section for section in report.sections}


def test_a_missing_column_fails_only_the_sections_that_need_it(report_dataset: Any) -> None:
    dataset = with_frames(
        report_dataset, episodes=report_dataset.episodes.drop(columns="baseline_odi")
    )
    sections = _sections(dataset)
    assert "baseline_odi" in (sections["cohort"].error or "")
    assert "episodes table" in (sections["cohort"].error or "")
    assert sections["cox"].error
    assert "baseline_odi" in sections["cox"].error
    assert sections["trajectories"].error is None
    assert sections["safety"].error is None


def test_no_bmac_episodes_empties_the_dose_response(report_dataset: Any) -> None:
    episodes = report_dataset.episodes
    dataset = with_frames(report_dataset, episodes=episodes.loc[episodes["treatment"] != "bmac"])
    sections = _sections(dataset)
    assert sections["dose_response"].error == "no BMAC episodes in the dataset"
    assert sections["comparison"].error is not None
    assert sections["cohort"].error is None


def test_separation_in_a_propensity_model_is_reported_for_that_comparison(
    report_dataset: Any,
) -> None:
    episodes = report_dataset.episodes.copy()
    # Baseline NRS predicts BMAC exactly: the propensity model has no estimate.
    episodes["baseline_nrs"] = (episodes["treatment"] == "bmac").astype(float) * 9.0
    sections = _sections(with_frames(report_dataset, episodes=episodes))
    comparison = sections["comparison"]
    text = comparison.error or " ".join(comparison.notes)
    assert "separated" in text
    assert sections["dose_response"].error is None


def test_a_constant_covariate_is_named_and_left_out(report_dataset: Any) -> None:
    episodes = report_dataset.episodes.assign(sex="female")
    sections = _sections(with_frames(report_dataset, episodes=episodes))
    assert any("Female" in note and "constant" in note for note in sections["comparison"].notes)
    assert any("Female" in note and "constant" in note for note in sections["cox"].notes)
    assert sections["comparison"].error is None


def test_a_constant_baseline_stops_only_its_dose_response_panels(report_dataset: Any) -> None:
    episodes = report_dataset.episodes.assign(baseline_nrs=5.0)
    sections = _sections(with_frames(report_dataset, episodes=episodes))
    dose = sections["dose_response"]
    assert dose.error is None
    assert any("baseline_nrs" in note and "constant" in note for note in dose.notes)
    assert len(dose.tables[0].frame) == 4  # the ODI panels remain


def test_an_empty_dataset_gives_a_report_of_messages(report_dataset: Any) -> None:
    empty = with_frames(
        report_dataset, **{name: frame.iloc[:0] for name, frame in report_dataset.frames().items()}
    )
    sections = _sections(empty)
    assert all(section.error for section in sections.values())
    assert "no episodes in the dataset" in (sections["cohort"].error or "")


def test_a_missing_table_reads_as_missing_columns(report_dataset: Any) -> None:
    sections = _sections(with_frames(report_dataset, followup=pd.DataFrame()))
    assert "followup table" in (sections["attrition"].error or "")
    assert sections["safety"].error is None


def test_a_bug_in_one_section_does_not_stop_the_others(report_dataset: Any) -> None:
    def broken(_: Any) -> Section:
        raise KeyError("oops")

    specs = (SectionSpec("broken", "Broken", broken), *SECTIONS[:1])
    report = build_report(report_dataset, scope="t", synthetic=True, sections=specs)
    assert "internal error" in (report.sections[0].error or "")
    assert report.sections[1].error is None
    with pytest.raises(KeyError):
        build_report(report_dataset, scope="t", synthetic=True, sections=specs, strict=True)

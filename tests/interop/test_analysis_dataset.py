"""The analysis dataset: built from registry tables (here the synthetic cohort's Parquet and
small hand-made tables), de-identified, checked by `validate`, and written and read back
unchanged."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from spinereg.core.errors import RuleViolation
from spinereg.interop.analysis_build import (
    analysis_dataset_from_synthetic,
    build_analysis_dataset,
    read_registry_parquet,
)
from spinereg.interop.analysis_dataset import (
    TABLES,
    problems,
    read_analysis_dataset,
    validate,
    write_analysis_dataset,
)

AS_OF = date(2026, 1, 1)


def test_the_synthetic_cohort_gives_a_valid_dataset(synthetic_cohort: Path) -> None:
    dataset = analysis_dataset_from_synthetic(synthetic_cohort)
    validate(dataset.frames())
    assert dataset.is_synthetic
    assert len(dataset.episodes) > 350
    assert set(dataset.outcomes["instrument"]) >= {"odi-2.1a", "nrs-pain", "bpi-sf"}
    assert set(dataset.outcomes.loc[dataset.outcomes["instrument"] == "bpi-sf", "score"]) == {
        "interference",
        "severity",
    }
    bmac = dataset.episodes.loc[dataset.episodes["treatment"] == "bmac"]
    assert bmac["cfu_f_per_ml"].notna().mean() > 0.9
    assert dataset.episodes.loc[dataset.episodes["treatment"] != "bmac", "tnc_per_ml"].isna().all()


def test_nothing_identifying_leaves(synthetic_cohort: Path) -> None:
    dataset = analysis_dataset_from_synthetic(synthetic_cohort)
    identity = pd.read_parquet(synthetic_cohort / "patients.patientidentity.parquet")
    names = set(identity["family_name"]) | set(identity["mrn"]) | set(identity["email"].dropna())
    names.discard("")
    for table, frame in dataset.frames().items():
        for column in frame.columns:
            assert not pd.api.types.is_datetime64_any_dtype(frame[column]), (table, column)
            if frame[column].dtype != np.float64:
                assert not names & set(frame[column].dropna().astype(str)), (table, column)
    assert dataset.episodes["age_at_index"].max() <= 90
    assert {column for frame in dataset.frames().values() for column in frame.columns}.isdisjoint(
        {"birth_year", "index_date", "given_name", "mrn", "id", "patient_id", "episode_id"}
    )


def test_it_round_trips_through_parquet(synthetic_cohort: Path, tmp_path: Path) -> None:
    dataset = analysis_dataset_from_synthetic(synthetic_cohort)
    counts = write_analysis_dataset(dataset, tmp_path)
    again = read_analysis_dataset(tmp_path)
    assert counts == {table: len(frame) for table, frame in dataset.frames().items()}
    for table in TABLES:
        pd.testing.assert_frame_equal(again.frames()[table], dataset.frames()[table])
    manifest = json.loads((tmp_path / "dataset.json").read_text())
    assert manifest["synthetic"] is True
    assert manifest["schema_version"] == "1"


def _tables() -> dict[str, pd.DataFrame]:
    """Two patients: A (BMAC, 95 years old at index, died on day 200) and B (ESI)."""
    d = pd.Timestamp
    return {
        "accounts.clinic": pd.DataFrame({"id": [1], "code": ["north"]}),
        "patients.patient": pd.DataFrame(
            {
                "id": [10, 11],
                "pseudonym": ["PA", "PB"],
                "sex": ["female", "male"],
                "birth_year": [1930, 1980],
                "enrolled_date": [d("2025-01-01"), d("2025-01-01")],
                "deceased_date": [d("2025-07-20"), pd.NaT],
                "withdrawn_date": [pd.NaT, pd.NaT],
            }
        ),
        "episodes.episode": pd.DataFrame(
            {
                "id": [100, 101, 102],
                "clinic_id": [1, 1, 1],
                "patient_id": [10, 11, 11],
                "kind": ["bmac", "esi_interlaminar", "bmac"],
                "condition": ["discogenic", "discogenic", "discogenic"],
                "index_date": [d("2025-01-01"), d("2025-02-01"), pd.NaT],
                "status": ["completed", "active", "planned"],
            }
        ),
        "patients.diagnosis": pd.DataFrame(
            {
                "patient_id": [10, 10, 10, 11],
                "condition": ["discogenic", "discogenic", "facet", "discogenic"],
                "level": ["L5-S1", "L4-L5", "L3-L4", "L4-L5"],
            }
        ),
        "episodes.harvest": pd.DataFrame({"episode_id": [100], "aspirate_volume_ml": [60.0]}),
        "episodes.processing": pd.DataFrame(
            {"id": [7], "episode_id": [100], "concentrate_volume_ml": [6.0]}
        ),
        "episodes.composition": pd.DataFrame(
            {
                "processing_id": [7, 7],
                "fraction": ["aspirate", "concentrate"],
                "tnc_per_ml": [30e6, 120e6],
                "cfu_f_per_ml": [800.0, 2000.0],
                "cd34_per_ml": [0.4e6, 1.8e6],
            }
        ),
        "episodes.injection": pd.DataFrame({"episode_id": [100, 100], "volume_ml": [2.0, 1.5]}),
        "episodes.reintervention": pd.DataFrame(
            {
                "episode_id": [101],
                "kind": ["surgery"],
                "at_index_level": [True],
                "procedure_date": [d("2025-06-01")],
            }
        ),
        "followup.scheduleitem": pd.DataFrame(
            {
                "episode_id": [100, 100, 100, 101, 101],
                "visit": ["3mo", "6mo", "12mo", "12mo", "24mo"],
                "target_date": [
                    d("2025-04-02"),
                    d("2025-07-02"),
                    d("2026-01-01"),
                    d("2026-02-01"),
                    d("2027-02-01"),
                ],
                "window_start": [
                    d("2025-03-19"),
                    d("2025-06-02"),
                    d("2025-12-02"),
                    d("2026-01-02"),
                    d("2026-11-03"),
                ],
                "window_end": [
                    d("2025-04-16"),
                    d("2025-08-01"),
                    d("2026-01-31"),
                    d("2026-03-03"),
                    d("2027-05-02"),
                ],
                "completed_at": [d("2025-04-02", tz="UTC"), pd.NaT, pd.NaT, pd.NaT, pd.NaT],
            }
        ),
        "outcomes.questionnaireresponse": pd.DataFrame(
            {
                "id": [1, 2, 3, 4, 5, 6],
                "episode_id": [100, 100, 100, 100, 100, 101],
                "instrument_id": [
                    "odi-2.1a",
                    "odi-2.1a",
                    "odi-2.1a",
                    "bpi-sf",
                    "odi-2.1a",
                    "odi-2.1a",
                ],
                "value": [60.0, 30.0, 28.0, 4.0, 50.0, 40.0],
                "severity": [np.nan, np.nan, np.nan, 6.5, np.nan, np.nan],
                "timepoint": ["baseline", "3mo", "3mo", "baseline", "", "baseline"],
                "days_from_index": [-3, 88, 95, -3, 150, -1],
                "out_of_window": [False, False, False, False, True, False],
                "status": ["complete"] * 6,
            }
        ),
        "outcomes.adverseevent": pd.DataFrame(
            {
                "episode_id": [100, None],
                "code": ["anemia", "vasovagal"],
                "onset_date": [d("2025-01-05"), d("2025-03-01")],
                "resolved_date": [pd.NaT, pd.NaT],
                "severity_grade": [2, 1],
                "serious": [False, False],
                "related_harvest": ["possible", "not_related"],
                "related_injection": ["not_related"] * 2,
                "related_product": ["not_related"] * 2,
                "related_medication": ["not_related"] * 2,
            }
        ),
    }


def test_the_rules_of_the_dataset_on_a_hand_made_registry() -> None:
    dataset = build_analysis_dataset(_tables(), as_of=AS_OF)
    validate(dataset.frames())
    episodes = dataset.episodes.set_index("episode")
    # Only dated episodes; keys are pseudonym and number, never database ids.
    assert list(episodes.index) == ["PA-1", "PB-1"]
    a = episodes.loc["PA-1"]
    assert a["age_at_index"] == 90  # 95 at index: Safe Harbor's "90 or older"
    assert (a["deceased_day"], a["followup_days"], a["enrolled_day"]) == (200, 200, 0)
    assert (
        episodes.loc["PB-1", "followup_days"]
        == (pd.Timestamp(AS_OF) - pd.Timestamp("2025-02-01")).days
    )
    assert (a["levels"], a["level_count"]) == ("L4-L5;L5-S1", 2)
    assert a["concentration_factor"] == pytest.approx(4.0)
    assert a["injected_volume_ml"] == pytest.approx(3.5)
    assert a["cfu_f_injected"] == pytest.approx(7000.0)
    assert not a["cfu_f_above_2000"]  # exactly 2,000 is not above (Pettine: strictly greater)
    assert (a["baseline_odi"], a["baseline_bpi_severity"], a["baseline_bpi_interference"]) == (
        60.0,
        6.5,
        4.0,
    )
    outcomes = dataset.outcomes
    three_months = outcomes.loc[(outcomes["episode"] == "PA-1") & (outcomes["timepoint"] == "3mo")]
    assert three_months["value"].tolist() == [28.0]  # the later of two answers to one visit
    assert three_months["baseline_value"].tolist() == [60.0]
    assert outcomes["out_of_window"].sum() == 1  # kept, flagged
    followup = dataset.followup.set_index(["episode", "visit"])["status"]
    assert followup[("PA-1", "3mo")] == "completed"
    assert followup[("PA-1", "6mo")] == "not_expected"  # died on day 200, before the window closed
    assert followup[("PA-1", "12mo")] == "not_expected"
    assert followup[("PB-1", "12mo")] == "pending"  # window still open at the cut-off
    assert followup[("PB-1", "24mo")] == "pending"
    assert dataset.adverse_events["code"].tolist() == ["anemia"]  # the unattached one is left out
    assert bool(dataset.adverse_events["related"].iloc[0])
    assert dataset.adverse_events["onset_day"].tolist() == [4]
    assert dataset.reinterventions[["episode", "kind", "day"]].values.tolist() == [
        ["PB-1", "surgery", 120]
    ]


def test_a_missed_visit_is_one_whose_window_closed_in_life() -> None:
    dataset = build_analysis_dataset(_tables(), as_of=date(2027, 6, 1))
    followup = dataset.followup.set_index(["episode", "visit"])["status"]
    assert followup[("PB-1", "12mo")] == "missed"


def test_registry_tables_must_carry_their_columns() -> None:
    tables = _tables()
    tables["episodes.episode"] = tables["episodes.episode"].drop(columns="index_date")
    with pytest.raises(RuleViolation, match=r"episodes\.episode\.index_date"):
        build_analysis_dataset(tables, as_of=AS_OF)
    with pytest.raises(RuleViolation, match="directory_exists"):
        read_registry_parquet(Path("/nonexistent"))


def test_validate_names_the_table_column_and_rule() -> None:
    dataset = build_analysis_dataset(_tables(), as_of=AS_OF)
    frames = dataset.frames()
    frames["episodes"] = frames["episodes"].drop(columns="baseline_odi")
    with pytest.raises(RuleViolation, match=r"episodes\.baseline_odi: the column is missing"):
        validate(frames)
    frames = dataset.frames()
    frames["episodes"] = pd.concat([frames["episodes"], frames["episodes"].iloc[:1]])
    frames["outcomes"] = frames["outcomes"].assign(episode="ZZ-1")
    frames["followup"] = frames["followup"].assign(status="lost")
    rules = {problem.rule for problem in problems(frames)}
    assert {"unique", "known_episode", "known_status"} <= rules
    frames = dataset.frames()
    frames["outcomes"] = frames["outcomes"].assign(value="high")
    with pytest.raises(RuleViolation, match=r"outcomes\.value.*float_column"):
        validate(frames)
    del frames["followup"]
    assert any(problem.rule == "table_present" for problem in problems(frames))


def test_writing_refuses_a_dataset_that_breaks_the_schema(tmp_path: Path) -> None:
    dataset = build_analysis_dataset(_tables(), as_of=AS_OF)
    broken = type(dataset)(**{**dataset.frames(), "episodes": dataset.episodes.drop(columns="sex")})
    with pytest.raises(RuleViolation, match=r"episodes\.sex"):
        write_analysis_dataset(broken, tmp_path / "out")
    assert not (tmp_path / "out").exists()

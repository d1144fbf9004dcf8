"""score_frame: the same numbers as score, row by row, for whole DataFrames; bad cells named by
column and row. (Speed is measured in benchmarks/bench_scoring.py, not here.)"""

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from spinereg.core.errors import RuleViolation
from spinereg.core.instruments import (
    INSUFFICIENT_ITEMS,
    Instrument,
    instrument_ids,
    load_instrument,
    score,
    score_frame,
)

ODI_LINKS = [f"section-{n}" for n in range(1, 11)]


def assert_rows_agree(spec: Instrument, rows: list[dict[str, object]], result: pd.DataFrame):
    """Each row of `result` equals `score` on the same answers, exactly."""
    assert len(result) == len(rows)
    for position, answers in enumerate(rows):
        expected = score(spec, answers)
        row = result.iloc[position]
        if expected.value is None:
            assert math.isnan(row["value"])
        else:
            assert row["value"] == expected.value
        assert row["answered"] == expected.answered
        assert (None if pd.isna(row["reason"]) else row["reason"]) == expected.reason
        for name, subscore in expected.subscores.items():
            if subscore is None:
                assert math.isnan(row[name])
            else:
                assert row[name] == subscore
        if spec.reports_category:
            assert (None if pd.isna(row["category"]) else row["category"]) == expected.category


def test_known_odi_rows_match_the_hand_worked_values():
    frame = pd.DataFrame(
        [
            [1, 2, 3, 4, 5, 0, 1, 2, 3, 4],  # 25 / 50
            [2, 2, 2, 2, 2, 2, 2, np.nan, 1, 1],  # 16 / 45
            [3, 1, 2, 2, 1, 2, 1, np.nan, 2, np.nan],  # 14 / 40
            [3, 1, 2, 2, 1, 2, 1, np.nan, np.nan, np.nan],  # 7 answered
        ],
        columns=ODI_LINKS,
        index=["a", "b", "c", "d"],
    )
    result = score_frame("odi-2.1a", frame)
    assert list(result.index) == ["a", "b", "c", "d"]
    assert result["value"].iloc[:3].tolist() == pytest.approx(
        [100 * 25 / 50, 100 * 16 / 45, 100 * 14 / 40], rel=1e-12
    )
    assert math.isnan(result.loc["d", "value"])
    assert result["answered"].tolist() == [10, 9, 8, 7]
    assert result["reason"].isna().tolist() == [True, True, True, False]
    assert result.loc["d", "reason"] == INSUFFICIENT_ITEMS


def test_the_result_has_value_answered_reason_and_subscore_columns():
    result = score_frame("bpi-sf", pd.DataFrame({"worst": [3.0]}))
    assert list(result.columns) == ["value", "answered", "reason", "severity", "interference"]
    assert result["answered"].dtype == np.int64
    assert isinstance(result["reason"].dtype, pd.CategoricalDtype)


def test_categorical_instruments_get_an_ordered_category_column():
    result = score_frame("vps", pd.DataFrame({"vps": [0.0, 2.0, np.nan, 4.0]}))
    assert result["category"].cat.ordered
    assert result["category"].tolist()[:2] == ["None", "Moderate"]
    assert pd.isna(result["category"].iloc[2])
    assert result["category"].iloc[3] == "Very severe"


def test_missing_columns_count_as_unanswered():
    frame = pd.DataFrame({link: [1.0] for link in ODI_LINKS[:8]})
    result = score_frame("odi-2.1a", frame)
    assert result["value"].iloc[0] == pytest.approx(100 * 8 / 40, rel=1e-12)
    assert result["answered"].iloc[0] == 8


def test_integer_and_nullable_integer_columns_are_read_as_answers():
    frame = pd.DataFrame(
        {
            "pain": pd.array([4, None], dtype="Int64"),
            "enjoyment": np.array([6, 6], dtype=np.int64),
            "general-activity": np.array([7, 7], dtype=np.int8),
        }
    )
    result = score_frame("peg-3", frame)
    assert result["value"].iloc[0] == pytest.approx(17 / 3, rel=1e-12)
    assert math.isnan(result["value"].iloc[1])


def test_double_ticked_sections_in_an_object_column_score_the_higher_code():
    rows: list[dict[str, object]] = [
        dict.fromkeys(ODI_LINKS, 1) | {"section-3": (2, 4)},
        dict.fromkeys(ODI_LINKS, 1) | {"section-3": None},
    ]
    frame = pd.DataFrame(rows, columns=ODI_LINKS)
    assert frame["section-3"].dtype == object
    result = score_frame("odi-2.1a", frame)
    assert result["value"].iloc[0] == pytest.approx(100 * 13 / 50, rel=1e-12)
    assert_rows_agree(load_instrument("odi-2.1a"), rows, result)


def test_an_empty_frame_gives_an_empty_result_with_all_columns():
    result = score_frame("bpi-sf", pd.DataFrame({"worst": pd.Series([], dtype=float)}))
    assert result.empty
    assert list(result.columns) == ["value", "answered", "reason", "severity", "interference"]


def test_more_rows_than_one_chunk_are_all_scored():
    """Rows straddle the chunk boundary inside score_frame (65,536 rows)."""
    rng = np.random.default_rng(20240607)
    rows = 70_001
    data = {link: rng.integers(0, 6, rows).astype(float) for link in ODI_LINKS}
    data["section-8"][rng.random(rows) < 0.3] = np.nan
    frame = pd.DataFrame(data)
    result = score_frame("odi-2.1a", frame)
    sample = [0, 65_535, 65_536, 70_000]
    expected = [score("odi-2.1a", frame.iloc[i].to_dict()).value for i in sample]
    assert result["value"].iloc[sample].tolist() == expected


# ---------------------------------------------------------------------------- errors


def test_an_out_of_range_cell_is_named_by_column_and_first_offending_row():
    frame = pd.DataFrame(
        {"section-1": [1.0, 2.0, 3.0], "section-3": [1.0, 7.0, 9.0]}, index=["p1", "p2", "p3"]
    )
    with pytest.raises(RuleViolation, match=r"section-3: row 'p2': 7 .*0–5") as caught:
        score_frame("odi-2.1a", frame)
    assert caught.value.field == "section-3"
    assert caught.value.rule == "item_range"


def test_a_fraction_is_named_by_column_and_row():
    frame = pd.DataFrame({"nrs": [1.0, np.nan, 2.5]})
    with pytest.raises(RuleViolation, match=r"nrs: row 2: 2\.5 is not a whole number") as caught:
        score_frame("nrs-pain", frame)
    assert caught.value.rule == "whole_number"


def test_the_first_bad_column_in_item_order_is_reported():
    frame = pd.DataFrame({"section-5": [9.0, 1.0], "section-2": [1.0, 9.0]})
    with pytest.raises(RuleViolation, match=r"section-2: row 1"):
        score_frame("odi-2.1a", frame)


def test_an_offending_row_past_the_first_chunk_is_found():
    frame = pd.DataFrame({"vas": np.full(100_000, 50.0)})
    frame.loc[80_000, "vas"] = 50.05
    with pytest.raises(RuleViolation, match=r"vas: row 80000: 50\.05 has too many decimals"):
        score_frame("vas-pain", frame)


def test_an_unknown_column_is_refused():
    frame = pd.DataFrame({"section-1": [1.0], "patient_id": [7.0]})
    with pytest.raises(RuleViolation, match=r"'patient_id' is not an item of odi-2.1a"):
        score_frame("odi-2.1a", frame)


def test_a_boolean_column_is_refused():
    with pytest.raises(RuleViolation, match="nrs: column holds booleans"):
        score_frame("nrs-pain", pd.DataFrame({"nrs": [True, False]}))


def test_a_text_cell_is_refused_with_its_row():
    frame = pd.DataFrame({"nrs": pd.Series([1, "seven"], dtype=object)})
    with pytest.raises(RuleViolation, match="nrs: row 1: 'seven' is not a number"):
        score_frame("nrs-pain", frame)


# ---------------------------------------------------------------------------- agreement


def answer_strategy(spec: Instrument, link_id: str) -> st.SearchStrategy[float | None]:
    item = spec.item(link_id)
    if item.codes is not None:
        values = st.sampled_from([float(code) for code in item.codes])
    else:
        tenths = st.integers(int(item.minimum * 10), int(item.maximum * 10))
        values = tenths.map(lambda k: k / 10)
    return st.one_of(st.none(), values)


@pytest.mark.parametrize("instrument_id", instrument_ids())
@settings(deadline=None, max_examples=60)
@given(data=st.data())
def test_score_frame_agrees_with_score_on_random_forms(instrument_id, data):
    spec = load_instrument(instrument_id)
    form = st.fixed_dictionaries({link: answer_strategy(spec, link) for link in spec.link_ids})
    rows = data.draw(st.lists(form, min_size=1, max_size=25), label="rows")
    dropped = data.draw(st.sets(st.sampled_from(spec.link_ids)), label="dropped columns")
    kept = [link for link in spec.link_ids if link not in dropped]
    rows = [{link: (None if link in dropped else row[link]) for link in row} for row in rows]
    frame = pd.DataFrame(
        {link: [np.nan if row[link] is None else row[link] for row in rows] for link in kept},
        index=range(len(rows)),
        dtype=float,
    )
    assert_rows_agree(spec, rows, score_frame(spec, frame))

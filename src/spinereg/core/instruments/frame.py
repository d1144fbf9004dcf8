"""Score many forms at once: a DataFrame of answers (columns = linkIds, NaN = unanswered) in, a
DataFrame of scores out, equal to `score` row by row.

Why chunks: the work per row is a handful of additions, so the cost is memory traffic. Each
column is read once, in slices of `CHUNK_ROWS` rows that stay in the CPU cache while they are
checked (range, whole number, decimals), filled (NaN → 0), summed and counted; the part scores
of a slice are written straight into the output arrays. A slice that breaks a rule sends the
whole frame to a slow, column-by-column scan that names the first offending column (in item
order) and its first offending row, with the same message `score` gives for that answer.

Same numbers as `score`: items are added in item order starting from 0.0 (adding 0.0 for an
unanswered item changes nothing), and each part ends in the one division scoring.py makes, so
the floats agree exactly.

Double-ticked ODI sections can only arrive in an object column (a list or tuple in a cell);
such a column is converted cell by cell, which is slow but keeps `score`'s rule. Numeric
columns (float, int, nullable Int64/Float64) take the vectorised path.
"""

from __future__ import annotations  # pandas-stubs generics (pd.Series[Any]) are not runtime types

from collections.abc import Hashable
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from spinereg.core.errors import RuleViolation
from spinereg.core.instruments.scoring import (
    DECIMAL_GRID_TOLERANCE,
    INSUFFICIENT_ITEMS,
    check_answer,
    resolve_answer,
    resolve_instrument,
)
from spinereg.core.instruments.spec import Instrument, Item, ScoreKind

CHUNK_ROWS = 1 << 16

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]


def _check_columns(spec: Instrument, frame: pd.DataFrame) -> None:
    """Every column must be an item: a typo such as "section_1" would otherwise score every
    row as if that section were blank."""
    if frame.columns.has_duplicates:
        raise RuleViolation(
            field="columns", rule="distinct_columns", message="the frame has duplicate columns"
        )
    for column in frame.columns:
        if column not in spec.link_ids:
            raise RuleViolation(
                field=str(column),
                rule="unknown_item",
                message=f"column {column!r} is not an item of {spec.id}; select the item "
                "columns first (frame.filter(items=instrument.link_ids)); its items are "
                + ", ".join(spec.link_ids),
            )


def _row_error(error: RuleViolation, label: Hashable) -> RuleViolation:
    return RuleViolation(
        field=error.field, rule=error.rule, message=f"row {label!r}: {error.message}"
    )


def _column_values(spec: Instrument, item: Item, series: pd.Series[Any]) -> FloatArray:
    """The column as float64 with NaN for unanswered, without copying a float64 column."""
    dtype = series.dtype
    if pd.api.types.is_bool_dtype(dtype):
        raise RuleViolation(
            field=item.link_id,
            rule="numeric_answer",
            message=f"column holds booleans; allowed: {item.allowed_text()}",
        )
    if dtype == np.float64:
        values: FloatArray = series.to_numpy()
        return values
    if pd.api.types.is_numeric_dtype(dtype):
        return series.to_numpy(dtype=np.float64, na_value=np.nan)
    converted = np.empty(len(series), dtype=np.float64)
    for position, (label, cell) in enumerate(series.items()):
        try:
            resolved = resolve_answer(spec, item, cell)
        except RuleViolation as error:
            raise _row_error(error, label) from None
        converted[position] = np.nan if resolved is None else resolved
    return converted


def _offending_rows(item: Item, values: FloatArray) -> BoolArray:
    """Rows whose answer breaks any rule of the item (slow path, whole column)."""
    answered = ~np.isnan(values)
    with np.errstate(invalid="ignore"):
        bad = answered & ~((values >= item.minimum) & (values <= item.maximum))
        if item.is_whole_number:
            bad |= answered & np.isfinite(values) & (np.floor(values) != values)
        if item.codes is not None and not item.is_contiguous:
            bad |= answered & ~np.isin(values, np.asarray(item.codes, dtype=np.float64))
        if item.decimal_places:
            scaled = values * 10.0**item.decimal_places
            bad |= answered & (np.abs(scaled - np.rint(scaled)) > DECIMAL_GRID_TOLERANCE)
    result: BoolArray = bad
    return result


def _raise_first_violation(
    spec: Instrument, columns: list[FloatArray | None], index: pd.Index[Any]
) -> None:
    for item, values in zip(spec.items, columns, strict=True):
        if values is None:
            continue
        offending = np.flatnonzero(_offending_rows(item, values))
        if offending.size:
            position = int(offending[0])
            try:
                check_answer(item, float(values[position]))
            except RuleViolation as error:
                raise _row_error(error, index[position]) from None
    raise AssertionError("a chunk broke a rule that the column scan did not find")


def _empty_result(spec: Instrument, index: pd.Index[Any]) -> pd.DataFrame:
    return _assemble(
        spec,
        index,
        value=np.empty(0),
        answered=np.empty(0, dtype=np.int64),
        reason_codes=np.empty(0, dtype=np.int8),
        subscores={name: np.empty(0) for name in spec.subscore_names},
    )


def _assemble(
    spec: Instrument,
    index: pd.Index[Any],
    *,
    value: FloatArray,
    answered: npt.NDArray[np.int64],
    reason_codes: npt.NDArray[np.int8],
    subscores: dict[str, FloatArray],
) -> pd.DataFrame:
    data: dict[str, Any] = {
        "value": value,
        "answered": answered,
        "reason": pd.Categorical.from_codes(
            reason_codes, categories=pd.Index([INSUFFICIENT_ITEMS])
        ),
    }
    data.update(subscores)
    if spec.reports_category:
        item = spec.item(spec.part(spec.value_part).link_ids[0])
        assert item.codes is not None  # checked when the instrument was built
        codes = np.asarray(item.codes, dtype=np.float64)
        answered_value = ~np.isnan(value)
        positions = np.searchsorted(codes, np.where(answered_value, value, codes[0]))
        category_codes = np.where(answered_value, positions, -1).astype(np.int16)
        data["category"] = pd.Categorical.from_codes(
            category_codes, categories=pd.Index(list(item.code_labels)), ordered=True
        )
    return pd.DataFrame(data, index=index, copy=False)


def score_frame(instrument: str | Instrument, frame: pd.DataFrame) -> pd.DataFrame:
    """Score every row of `frame`. Returns a frame with the same index and the columns
    `value` (float, NaN when unscorable), `answered` (int), `reason` (categorical; NaN when
    scored, else "insufficient_items"), one float column per subscore, and `category`
    (ordered categorical) for categorical instruments. Bad answers raise RuleViolation naming
    the column and the first offending row."""
    spec = resolve_instrument(instrument)
    _check_columns(spec, frame)
    rows = len(frame)
    if rows == 0:
        return _empty_result(spec, frame.index)
    columns: list[FloatArray | None] = [
        _column_values(spec, item, frame[item.link_id]) if item.link_id in frame.columns else None
        for item in spec.items
    ]
    parts = spec.parts
    # Part indices each item feeds; items are visited in item order, the order in which
    # scoring.py adds them (spec.py keeps every part's linkIds in item order).
    feeds = [
        [p for p, part in enumerate(parts) if item.link_id in part.link_ids] for item in spec.items
    ]
    uniform_maximum = [
        len({spec.item(link_id).maximum for link_id in part.link_ids}) == 1 for part in parts
    ]
    whole_form_part = next(
        (p for p, part in enumerate(parts) if set(part.link_ids) == set(spec.link_ids)), None
    )

    part_out = [np.full(rows, np.nan) for _ in parts]
    answered_out = np.empty(rows, dtype=np.int64)
    reason_out = np.empty(rows, dtype=np.int8)
    value_index = next(p for p, part in enumerate(parts) if part.name == spec.value_part)

    size = min(CHUNK_ROWS, rows)
    totals = [np.empty(size) for _ in parts]
    counts = [np.empty(size, dtype=np.int64) for _ in parts]
    maxima = [np.empty(size) for _ in parts]
    all_count = np.empty(size, dtype=np.int64)
    filled = np.empty(size)
    scratch = np.empty(size)
    flag = np.empty(size, dtype=np.bool_)
    enough = np.empty(size, dtype=np.bool_)

    for start in range(0, rows, CHUNK_ROWS):
        stop = min(start + CHUNK_ROWS, rows)
        m = stop - start
        for p in range(len(parts)):
            totals[p][:m] = 0.0
            counts[p][:m] = 0
            maxima[p][:m] = 0.0
        all_count[:m] = 0
        for i, values in enumerate(columns):
            if values is None:
                continue
            item = spec.items[i]
            chunk = values[start:stop]
            low, high = np.fmin.reduce(chunk), np.fmax.reduce(chunk)  # NaN-ignoring
            broken = bool(low < item.minimum or high > item.maximum)
            if not broken and item.is_whole_number:
                np.floor(chunk, out=scratch[:m])
                np.less(scratch[:m], chunk, out=flag[:m])  # False for NaN and whole numbers
                broken = bool(flag[:m].any())
            if not broken and item.decimal_places:
                np.multiply(chunk, 10.0**item.decimal_places, out=scratch[:m])
                np.subtract(scratch[:m], np.rint(scratch[:m]), out=scratch[:m])
                np.abs(scratch[:m], out=scratch[:m])
                broken = bool(np.fmax.reduce(scratch[:m]) > DECIMAL_GRID_TOLERANCE)
            if not broken and item.codes is not None and not item.is_contiguous:
                present = chunk[~np.isnan(chunk)]
                broken = not bool(np.isin(present, np.asarray(item.codes, dtype=float)).all())
            if broken:
                _raise_first_violation(spec, columns, frame.index)
            np.fmax(chunk, 0.0, out=filled[:m])  # NaN → 0; items are ≥ 0 (spec.py)
            np.isnan(chunk, out=flag[:m])
            np.logical_not(flag[:m], out=flag[:m])
            for p in feeds[i]:
                np.add(totals[p][:m], filled[:m], out=totals[p][:m])
                np.add(counts[p][:m], flag[:m], out=counts[p][:m])
                if not uniform_maximum[p]:
                    np.multiply(flag[:m], item.maximum, out=scratch[:m])
                    np.add(maxima[p][:m], scratch[:m], out=maxima[p][:m])
            if whole_form_part is None:
                np.add(all_count[:m], flag[:m], out=all_count[:m])

        for p, part in enumerate(parts):
            np.greater_equal(counts[p][:m], part.min_answered, out=enough[:m])
            out = part_out[p][start:stop]
            if part.kind is ScoreKind.VALUE or part.kind is ScoreKind.SUM:
                np.copyto(out, totals[p][:m], where=enough[:m])
            elif part.kind is ScoreKind.MEAN:
                np.divide(totals[p][:m], counts[p][:m], out=out, where=enough[:m])
            else:
                if uniform_maximum[p]:
                    maximum = spec.item(part.link_ids[0]).maximum
                    np.multiply(counts[p][:m], maximum, out=maxima[p][:m])
                np.multiply(totals[p][:m], 100.0, out=scratch[:m])
                np.divide(scratch[:m], maxima[p][:m], out=out, where=enough[:m])
            if p == value_index:
                # Reason code -1 (no reason) where scored, 0 ("insufficient_items") where not.
                np.subtract(0, enough[:m].view(np.int8), out=reason_out[start:stop])
        count_source = all_count if whole_form_part is None else counts[whole_form_part]
        answered_out[start:stop] = count_source[:m]

    return _assemble(
        spec,
        frame.index,
        value=part_out[value_index],
        answered=answered_out,
        reason_codes=reason_out,
        subscores={
            part.name: part_out[p].copy() if p == value_index else part_out[p]
            for p, part in enumerate(parts)
            if part.is_subscore
        },
    )

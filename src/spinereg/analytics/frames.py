"""Checks and filters on the analysis dataset's frames shared by the estimators: a required
column present, and the answers given inside their visit window."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pandas as pd

from spinereg.analytics.exceptions import MissingColumnError


def require_columns(frame: pd.DataFrame, columns: Sequence[str]) -> None:
    """Raise MissingColumnError for the first of `columns` absent from `frame`."""
    for column in columns:
        if column not in frame.columns:
            raise MissingColumnError(column, available=[str(name) for name in frame.columns])


def in_window(outcomes: pd.DataFrame) -> pd.Series[Any]:
    """True for the answers given inside their visit window (a missing flag counts as in)."""
    return ~outcomes["out_of_window"].fillna(False).astype(bool)

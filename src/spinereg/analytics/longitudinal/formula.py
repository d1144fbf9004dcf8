"""R-style model formulas turned into design matrices, the way R's `model.matrix` does it.

Only what registry models need: `y ~ a + b + a:b + c*d`, an intercept unless the formula says
`0` or `-1`, numeric columns entered as they are, and categorical columns (strings, pandas
categoricals, booleans) in treatment coding with the first level as reference, as R's default
`contr.treatment` does. The first level is the first pandas category for a categorical column
(R's factor levels), otherwise the smallest value in sorted order (R sorts the levels of a
character column; booleans become FALSE/TRUE, as R treats a logical). Column names follow R
(`treatmentepidural`, `months:treatmentepidural`, `(Intercept)`) so that results line up with
`fixef()` term by term. Terms are ordered by degree, main effects first, in the order written,
as R's `terms()` orders them.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd
from pandas.api.types import is_bool_dtype, is_numeric_dtype

from spinereg.core.errors import RuleViolation

INTERCEPT = "(Intercept)"


@dataclass(frozen=True, slots=True)
class ParsedFormula:
    response: str
    has_intercept: bool
    terms: tuple[tuple[str, ...], ...]  # each term is a tuple of column names; () never appears

    @property
    def variables(self) -> list[str]:
        seen: dict[str, None] = {}
        for term in self.terms:
            for name in term:
                seen.setdefault(name, None)
        return list(seen)


def parse_formula(formula: str) -> ParsedFormula:
    """Split `response ~ rhs` into a response and ordered terms (main effects first)."""
    if formula.count("~") != 1:
        raise RuleViolation(
            field="formula", rule="formula_syntax", message=f"need one '~' in {formula!r}"
        )
    left, right = (part.strip() for part in formula.split("~"))
    if not left.isidentifier():
        raise RuleViolation(
            field="formula", rule="formula_syntax", message=f"response {left!r} is not a column"
        )
    has_intercept, terms = parse_terms(right, field="formula")
    return ParsedFormula(response=left, has_intercept=has_intercept, terms=terms)


def parse_terms(rhs: str, *, field: str) -> tuple[bool, tuple[tuple[str, ...], ...]]:
    """Parse the right-hand side: `+`-separated terms, `a:b` interactions, `a*b` = a + b + a:b."""
    has_intercept = True
    ordered: dict[tuple[str, ...], None] = {}
    pieces = rhs.replace("-1", "+0").replace("- 1", "+0").split("+")
    for raw in pieces:
        piece = raw.strip()
        if piece == "1":
            continue
        if piece == "0":
            has_intercept = False
            continue
        if not piece:
            raise RuleViolation(
                field=field, rule="formula_syntax", message=f"empty term in {rhs!r}"
            )
        if "*" in piece:
            factors = [name.strip() for name in piece.split("*")]
            for size in range(1, len(factors) + 1):
                for combination in itertools.combinations(factors, size):
                    ordered.setdefault(_check_term(combination, field), None)
        else:
            ordered.setdefault(_check_term(piece.split(":"), field), None)
    terms = sorted(ordered, key=len)  # stable: by degree, then as written (R's terms())
    return has_intercept, tuple(terms)


def _check_term(names: Sequence[str], field: str) -> tuple[str, ...]:
    term = tuple(name.strip() for name in names)
    for name in term:
        if not name.isidentifier():
            raise RuleViolation(
                field=field, rule="formula_syntax", message=f"{name!r} is not a column name"
            )
    if len(set(term)) != len(term):
        raise RuleViolation(field=field, rule="formula_syntax", message=f"{term} repeats a column")
    return term


@dataclass(frozen=True, slots=True)
class _Coded:
    names: list[str]  # column-name suffixes ("" for numeric, level name for dummies)
    columns: list[npt.NDArray[np.float64]]
    is_factor: bool


def _code_variable(frame: pd.DataFrame, name: str) -> _Coded:
    series = frame[name]
    if is_bool_dtype(series.dtype):
        levels: list[object] = [False, True]
        labels = ["FALSE", "TRUE"]
    elif isinstance(series.dtype, pd.CategoricalDtype):
        levels = [level for level in series.cat.categories if (series == level).any()]
        labels = [str(level) for level in levels]
    elif is_numeric_dtype(series.dtype):
        return _Coded([""], [series.to_numpy(dtype=np.float64)], is_factor=False)
    else:
        levels = sorted(series.unique().tolist(), key=str)
        labels = [str(level) for level in levels]
    return _Coded(
        labels[1:],
        [np.asarray(series == level, dtype=np.float64) for level in levels[1:]],
        is_factor=True,
    )


def design_matrix(
    frame: pd.DataFrame, parsed: ParsedFormula
) -> tuple[npt.NDArray[np.float64], list[str]]:
    """The fixed-effects model matrix of `parsed` on `frame` (rows already complete)."""
    coded = {name: _code_variable(frame, name) for name in parsed.variables}
    main_effects = {term[0] for term in parsed.terms if len(term) == 1}
    columns: list[npt.NDArray[np.float64]] = []
    names: list[str] = []
    if parsed.has_intercept:
        columns.append(np.ones(len(frame)))
        names.append(INTERCEPT)
    for term in parsed.terms:
        for name in term:
            needs_more = not parsed.has_intercept or (len(term) > 1 and name not in main_effects)
            if coded[name].is_factor and needs_more:
                # R switches to full dummy coding here; we keep one coding and refuse instead.
                raise RuleViolation(
                    field="formula",
                    rule="marginality",
                    message=(
                        f"categorical {name!r} in {':'.join(term)!r} needs the intercept and, "
                        "in an interaction, its own main effect"
                    ),
                )
        # R varies the first factor fastest within an interaction's columns.
        choices = [list(zip(coded[n].names, coded[n].columns, strict=True)) for n in term]
        for combination in itertools.product(*reversed(choices)):
            parts = list(reversed(combination))
            column = np.ones(len(frame))
            for _, values in parts:
                column = column * values
            columns.append(column)
            names.append(
                ":".join(f"{n}{suffix}" for n, (suffix, _) in zip(term, parts, strict=True))
            )
    return np.column_stack(columns) if columns else np.empty((len(frame), 0)), names

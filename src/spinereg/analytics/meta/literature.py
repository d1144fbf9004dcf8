"""The published BMAC / comparator literature table: reading it, and turning it into
effect-size inputs without imputing anything.

The table (`bmac_spine_studies.csv`, described in `bmac_spine_studies.md`) has one row per study
arm x outcome x follow-up time point. `read_literature(path)` validates it against that
description. `literature_effect_inputs(frame, outcome=..., measure=..., timepoint_months=...)`
answers one question - e.g. "ODI mean change at 12 months in BMAC arms" - and returns the rows
that can enter the analysis as `effect_size` arguments, plus every other row that matches the
question with the reason it cannot, so a reader can audit the pool.

Rules, in the order they are applied (each excluded row gets the first reason that applies):

1. A row whose `notes` contain one of `exclude_flags` (e.g. "SECONDARY SOURCE", "DERIVED") is
   left out: the sensitivity analysis the data description suggests.
2. Overlapping cohorts: pettine2015, pettine2016 and pettine2017 report the same 26 patients.
   At each time point only the earliest of them that reports it is used (2015 for 3-12 months,
   2016 for 24, 2017 for 36); the others are "duplicate cohort at this time point".
3. One row per arm: if an arm has several rows for the question (two responder definitions,
   back and leg pain under one outcome code, or two time points inside the tolerance window), the
   row nearest the requested time point and first in the file is used. An arm that has rows of
   the kind the measure needs (means for MD/SMD/MC/SMCR, responder counts for RR/PR/PLO) is
   represented by those rows only.
4. Comparisons (MD, SMD, RR) need a treated arm and a control arm (product `saline` or `other`)
   in the same study with the same responder definition; single-arm series and studies with two
   active arms are excluded with that reason.
5. Missing numbers: no SD is back-calculated, no percentage is turned into a count
   (responders_pct in `notes` stays out), no baseline SD is borrowed. Rows lacking what the
   measure needs are excluded naming the missing column.

Pre-post measures (MC, SMCR) map the columns as metafor's escalc expects: m1i = `mean` (at the
time point), m2i = `baseline_mean`, sd1i = `baseline_sd` (SMCR's standardiser), sd2i = `sd`,
ni = `n`, with the pre-post correlation `ri` a required, stated assumption. A row reporting
`change_mean` and `change_sd` uses them directly (m1i = change, m2i = 0, sd1i = change SD,
sd2i = 0, ri = 0: escalc's documented recipe for MC), so needs no correlation; SMCR still needs
the baseline SD.
"""

import math
from collections.abc import Collection, Hashable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from spinereg.analytics.meta.effect_sizes import MEASURES, EffectSizes, effect_size
from spinereg.core.errors import RuleViolation

COLUMNS = (
    "study_id", "first_author", "year", "journal", "doi_or_pmid", "design", "product", "target",
    "condition", "arm", "n", "outcome", "scale_max", "timepoint_months", "mean", "sd",
    "baseline_mean", "baseline_sd", "change_mean", "change_sd", "responders",
    "responder_definition", "notes",
)  # fmt: skip
VOCABULARY: dict[str, frozenset[str]] = {
    "design": frozenset(
        {"rct", "prospective_cohort", "retrospective_cohort", "case_series", "systematic_review"}
    ),
    "product": frozenset(
        {
            "bmac",
            "cultured_msc",
            "allogeneic_msc",
            "esi",
            "facet_steroid",
            "mbb",
            "rfa",
            "saline",
            "other",
        }
    ),
    "target": frozenset({"intradiscal", "facet", "epidural", "other"}),
    "condition": frozenset({"discogenic", "facet", "stenosis", "radiculopathy", "mixed"}),
    "outcome": frozenset(
        {"odi", "vas", "nrs", "bpi_interference", "bpi_severity", "disc_height", "other"}
    ),
}
MEASUREMENT_COLUMNS = (
    "mean", "sd", "baseline_mean", "baseline_sd", "change_mean", "change_sd",
)  # fmt: skip
SCORE_OUTCOMES = frozenset({"odi", "vas", "nrs", "bpi_interference", "bpi_severity"})
SCALE_MAXIMA = frozenset({10.0, 100.0})
CONTROL_PRODUCTS = frozenset({"saline", "other"})
# Publications that report the same patients, in the order of preference at a time point.
OVERLAPPING_COHORTS: dict[str, tuple[str, ...]] = {
    "Pettine BMC pilot (26 patients)": ("pettine2015", "pettine2016", "pettine2017"),
}
COMPARISON_MEASURES = frozenset({"MD", "SMD", "RR"})
ARM_COLUMNS = (
    "study_id", "label", "arm", "product", "source_row", "outcome", "scale_max",
    "timepoint_months",
)  # fmt: skip
COMPARISON_COLUMNS = (
    "study_id", "label", "arm_1", "arm_2", "product", "source_row_1", "source_row_2",
    "outcome", "scale_max", "timepoint_months",
)  # fmt: skip
INPUT_COLUMNS: dict[str, tuple[str, ...]] = {
    "PR": ("xi", "ni"),
    "PLO": ("xi", "ni"),
    "MC": ("m1i", "m2i", "sd1i", "sd2i", "ni", "ri"),
    "SMCR": ("m1i", "m2i", "sd1i", "sd2i", "ni", "ri"),
    "MD": ("m1i", "sd1i", "n1i", "m2i", "sd2i", "n2i"),
    "SMD": ("m1i", "sd1i", "n1i", "m2i", "sd2i", "n2i"),
    "RR": ("ai", "n1i", "ci", "n2i"),
}
COUNT_MEASURES = frozenset({"RR", "PR", "PLO"})


@dataclass(frozen=True, eq=False)
class LiteratureSelection:
    """Rows that answer one question, as effect_size() inputs, and the rows that cannot.

    `included` has one row per study arm (PR, PLO, MC, SMCR) or per comparison (MD, SMD, RR) with
    the escalc argument columns; `excluded` is the matching input rows with a `reason` column.
    `source_row` is the line number in the CSV file (header = line 1).
    """

    measure: str
    included: pd.DataFrame
    excluded: pd.DataFrame


def read_literature(path: str | Path) -> pd.DataFrame:
    """Read the literature CSV, checking columns, vocabularies, counts and ranges.

    Returns one row per CSV row with numeric columns as floats (NaN = not reported), `year` and
    `n` as integers, empty text as "", and a `source_row` column (the CSV line number).
    """
    raw = pd.read_csv(path, dtype=str, keep_default_na=False)
    missing = [column for column in COLUMNS if column not in raw.columns]
    if missing:
        raise RuleViolation(
            field="columns",
            rule="required_columns",
            message=f"{Path(path).name} lacks {', '.join(missing)}",
        )
    frame = pd.DataFrame({"source_row": np.arange(len(raw), dtype=int) + 2})
    for column in COLUMNS:
        frame[column] = raw[column].astype(str).str.strip()
    for column in ("year", "n"):
        frame[column] = [
            _integer(value, column, row)
            for value, row in zip(frame[column], frame.source_row, strict=True)
        ]
    for column in ("scale_max", "timepoint_months", *MEASUREMENT_COLUMNS, "responders"):
        frame[column] = [
            _number(value, column, row)
            for value, row in zip(frame[column], frame.source_row, strict=True)
        ]
    for record in frame.to_dict("records"):
        _check_record(record)
    return frame


def literature_effect_inputs(
    frame: pd.DataFrame,
    *,
    outcome: str | Collection[str],
    measure: str,
    timepoint_months: float,
    timepoint_tolerance_months: float = 0.0,
    products: Collection[str] | None = None,
    ri: float | None = None,
    rescale_to: float | None = None,
    exclude_flags: Sequence[str] = (),
) -> LiteratureSelection:
    """The effect-size inputs answering one question, and every matching row left out, why.

    `outcome` is one code or several (e.g. {"vas", "nrs"} with `rescale_to=10`); rows within
    `timepoint_tolerance_months` of `timepoint_months` match. `products` restricts the arms
    (for comparisons: the treated arm). `ri` is the assumed pre-post correlation, required for
    MC and SMCR. `rescale_to` converts means and SDs to a common scale maximum via `scale_max`
    (needed for MD and MC when the matching rows use different scales).
    """
    if measure not in MEASURES:
        raise RuleViolation(
            field="measure", rule="known_measure", message=f"{measure!r} is not one of {MEASURES}"
        )
    outcomes = {outcome} if isinstance(outcome, str) else set(outcome)
    unknown = outcomes - VOCABULARY["outcome"]
    if unknown or not outcomes:
        raise RuleViolation(
            field="outcome",
            rule="vocabulary",
            message=f"{sorted(unknown) or 'nothing'} is not among {sorted(VOCABULARY['outcome'])}",
        )
    if measure in ("MC", "SMCR") and ri is None:
        raise RuleViolation(
            field="ri",
            rule="required",
            message=f"{measure} needs an assumed pre-post correlation; none is ever reported",
        )
    if ri is not None and not -1 <= ri <= 1:
        raise RuleViolation(field="ri", rule="correlation_range", message=f"{ri} is not in [-1, 1]")
    if timepoint_tolerance_months < 0:
        raise RuleViolation(
            field="timepoint_tolerance_months",
            rule="non_negative",
            message=f"{timepoint_tolerance_months} is negative",
        )

    matching = frame[
        frame.outcome.isin(outcomes)
        & ((frame.timepoint_months - timepoint_months).abs() <= timepoint_tolerance_months)
    ].copy()
    if products is not None:
        chosen = set(products)
        if measure in COMPARISON_MEASURES:
            treated = matching[~matching["product"].isin(CONTROL_PRODUCTS)]
            studies = set(treated.loc[treated["product"].isin(chosen), "study_id"])
            matching = matching[matching.study_id.isin(studies)]
        else:
            matching = matching[matching["product"].isin(chosen)]

    matching = matching[~matching.source_row.isin(_rows_of_another_kind(matching, measure))]
    reasons: dict[int, str] = {}
    _flag_rows(matching, exclude_flags, reasons)
    _drop_overlapping_cohorts(matching, reasons)
    _one_row_per_arm(matching, timepoint_months, reasons)
    remaining = matching[~matching.source_row.isin(reasons)]
    if measure in COMPARISON_MEASURES:
        included = _comparisons(remaining, measure, reasons)
    else:
        included = _single_arms(remaining, measure, ri, reasons)
    included = _rescale(included, measure, rescale_to, reasons)

    excluded = matching[matching.source_row.isin(reasons)].copy()
    excluded["reason"] = [reasons[row] for row in excluded.source_row]
    return LiteratureSelection(
        measure=measure,
        included=included.reset_index(drop=True),
        excluded=excluded.reset_index(drop=True),
    )


def literature_effect_sizes(selection: LiteratureSelection) -> EffectSizes:
    """effect_size() on the included rows, labelled by study and arm."""
    if selection.included.empty:
        raise RuleViolation(
            field="included",
            rule="not_empty",
            message=f"no row can enter a {selection.measure} analysis; see the excluded rows",
        )
    arguments: dict[str, Any] = {
        name: selection.included[name].to_numpy(dtype=float)
        for name in INPUT_COLUMNS[selection.measure]
    }
    return effect_size(selection.measure, labels=list(selection.included["label"]), **arguments)


def _integer(value: str, column: str, row: int) -> int:
    number = _number(value, column, row)
    if math.isnan(number) or number != int(number):
        raise RuleViolation(
            field=f"{column} (row {row})",
            rule="integer",
            message=f"{value!r} is not a whole number",
        )
    return int(number)


def _number(value: str, column: str, row: int) -> float:
    if value == "":
        return math.nan
    try:
        return float(value)
    except ValueError as error:
        raise RuleViolation(
            field=f"{column} (row {row})", rule="numeric", message=f"{value!r} is not a number"
        ) from error


def _check_record(record: dict[Hashable, Any]) -> None:
    row = record["source_row"]

    def fail(column: str, rule: str, message: str) -> None:
        raise RuleViolation(field=f"{column} (row {row})", rule=rule, message=message)

    if not record["study_id"]:
        fail("study_id", "required", "is empty")
    for column, allowed in VOCABULARY.items():
        if record[column] not in allowed:
            fail(column, "vocabulary", f"{record[column]!r} is not one of {sorted(allowed)}")
    if record["n"] < 1:
        fail("n", "positive", f"{record['n']} patients")
    if record["timepoint_months"] < 0 or math.isnan(record["timepoint_months"]):
        fail("timepoint_months", "non_negative", f"{record['timepoint_months']} is not >= 0")
    scale = record["scale_max"]
    if record["outcome"] in SCORE_OUTCOMES and scale not in SCALE_MAXIMA:
        fail("scale_max", "known_scale", f"{scale} is not 10 or 100 for a {record['outcome']} row")
    for column in ("sd", "baseline_sd", "change_sd"):
        if record[column] <= 0:
            fail(column, "positive", f"{record[column]} is not > 0")
    responders = record["responders"]
    if not math.isnan(responders):
        if responders != int(responders) or not 0 <= responders <= record["n"]:
            fail(
                "responders",
                "count",
                f"{responders} is not a count between 0 and n = {record['n']}",
            )
        if not record["responder_definition"]:
            fail("responder_definition", "required", "a responder count needs its definition")


def _flag_rows(matching: pd.DataFrame, flags: Sequence[str], reasons: dict[int, str]) -> None:
    for row, notes in zip(matching.source_row, matching.notes, strict=True):
        for flag in flags:
            if flag and flag.lower() in notes.lower():
                reasons[row] = f"notes flag '{flag}' (excluded for sensitivity analysis)"
                break


def _drop_overlapping_cohorts(matching: pd.DataFrame, reasons: dict[int, str]) -> None:
    live = matching[~matching.source_row.isin(reasons)]
    for cohort, publications in OVERLAPPING_COHORTS.items():
        present = [study for study in publications if (live.study_id == study).any()]
        if len(present) < 2:
            continue
        kept = present[0]
        for study in present[1:]:
            for row in live.loc[live.study_id == study, "source_row"]:
                reasons[int(row)] = (
                    f"duplicate cohort at this time point ({cohort}: "
                    f"{'/'.join(publications)} are one cohort; keep one per time point, "
                    f"kept {kept})"
                )


def _has_needed_kind(row: pd.Series, measure: str) -> bool:
    if measure in COUNT_MEASURES:
        return not math.isnan(row["responders"]) or bool(row["responder_definition"])
    return any(not math.isnan(row[column]) for column in ("mean", "baseline_mean", "change_mean"))


def _rows_of_another_kind(matching: pd.DataFrame, measure: str) -> set[int]:
    """Rows not of the kind the measure needs, in arms that do have rows of that kind.

    Such an arm is represented by its rows of the needed kind (means for MD/SMD/MC/SMCR,
    responders for RR/PR/PLO); its other rows (e.g. responder rows when pooling means) are not
    part of the question, so they are dropped rather than reported as excluded.
    """
    other_kind: set[int] = set()
    for _, arm_rows in matching.groupby(["study_id", "arm"], sort=False):
        needed = [_has_needed_kind(row, measure) for _, row in arm_rows.iterrows()]
        if any(needed):
            other_kind |= {
                int(row) for row, keep in zip(arm_rows.source_row, needed, strict=True) if not keep
            }
    return other_kind


def _one_row_per_arm(
    matching: pd.DataFrame, timepoint_months: float, reasons: dict[int, str]
) -> None:
    """Keep the row nearest the time point (then first in the file) of each arm."""
    live = matching[~matching.source_row.isin(reasons)]
    for _, arm_rows in live.groupby(["study_id", "arm"], sort=False):
        if len(arm_rows) < 2:
            continue
        ordered = arm_rows.assign(
            distance=(arm_rows.timepoint_months - timepoint_months).abs()
        ).sort_values(["distance", "timepoint_months", "source_row"], kind="stable")
        kept = ordered.iloc[0]
        for _, other in ordered.iloc[1:].iterrows():
            reasons[int(other.source_row)] = (
                f"another row of this arm is used (row {kept.source_row}, "
                f"{_describe(kept)}); this row: {_describe(other)}"
            )


def _describe(row: pd.Series) -> str:
    text = row["responder_definition"] or row["notes"].split(".")[0]
    return f"{row['timepoint_months']:g} months, {text[:80]}"


def _missing(row: pd.Series, columns: Sequence[str]) -> list[str]:
    return [column for column in columns if math.isnan(row[column])]


def _no_count_reason(row: pd.Series) -> str:
    notes = row["notes"]
    if "responders_pct=" in notes:
        pct = notes.split("responders_pct=")[1].split()[0].rstrip(".,;)")
        return f"no responder count (only responders_pct={pct} reported; denominator unknown)"
    if not row["responder_definition"]:
        return "no responder count (the row reports means only)"
    return "no responder count"


def _label(row: pd.Series) -> str:
    return f"{row['first_author']} {row['year']} ({row['arm']})"


def _single_arms(
    rows: pd.DataFrame, measure: str, ri: float | None, reasons: dict[int, str]
) -> pd.DataFrame:
    records = []
    for _, row in rows.iterrows():
        source = int(row.source_row)
        base = {
            "study_id": row.study_id,
            "label": _label(row),
            "arm": row.arm,
            "product": row["product"],
            "source_row": source,
            "outcome": row.outcome,
            "scale_max": row.scale_max,
            "timepoint_months": row.timepoint_months,
        }
        if measure in ("PR", "PLO"):
            if math.isnan(row.responders):
                reasons[source] = _no_count_reason(row)
                continue
            records.append(base | {"xi": row.responders, "ni": float(row.n)})
            continue
        has_change = not _missing(row, ("change_mean", "change_sd"))
        if measure == "MC" and has_change:
            records.append(
                base
                | {"m1i": row.change_mean, "m2i": 0.0, "sd1i": row.change_sd, "sd2i": 0.0,
                   "ni": float(row.n), "ri": 0.0}
            )  # fmt: skip
            continue
        needed = (
            ("mean", "sd", "baseline_mean", "baseline_sd")
            if measure == "MC"
            else ("mean", "baseline_mean", "baseline_sd")
        )
        absent = _missing(row, needed)
        if absent:
            reasons[source] = f"{', '.join(absent)} missing"
            continue
        records.append(
            base
            | {"m1i": row["mean"], "m2i": row.baseline_mean, "sd1i": row.baseline_sd,
               "sd2i": row.sd, "ni": float(row.n), "ri": ri}
        )  # fmt: skip
    return pd.DataFrame.from_records(records, columns=[*ARM_COLUMNS, *INPUT_COLUMNS[measure]])


def _comparisons(rows: pd.DataFrame, measure: str, reasons: dict[int, str]) -> pd.DataFrame:
    records = []
    for study_id, study_rows in rows.groupby("study_id", sort=False):
        arms = [row for _, row in study_rows.iterrows()]
        controls = [row for row in arms if row["product"] in CONTROL_PRODUCTS]
        treated = [row for row in arms if row["product"] not in CONTROL_PRODUCTS]
        reason = None
        if len(arms) == 1:
            reason = "single arm: no comparison group in this study"
        elif len(controls) != 1 or len(treated) != 1:
            products = ", ".join(sorted(str(row["product"]) for row in arms))
            reason = f"no single treated-vs-control pair (arm products: {products})"
        elif measure == "RR" and (
            treated[0].responder_definition != controls[0].responder_definition
        ):
            reason = "the arms report different responder definitions"
        if reason is None:
            one, two = treated[0], controls[0]
            if measure == "RR":
                absent = [f"{arm} responders" for arm, row in (("treated", one), ("control", two))
                          if math.isnan(row.responders)]  # fmt: skip
            else:
                absent = [f"{arm} {column}" for arm, row in (("treated", one), ("control", two))
                          for column in _missing(row, ("mean", "sd"))]  # fmt: skip
            if absent:
                reason = f"{', '.join(absent)} missing"
        if reason is not None:
            for row in arms:
                reasons[int(row.source_row)] = reason
            continue
        record = {
            "study_id": study_id,
            "label": f"{one.first_author} {one.year}",
            "arm_1": one.arm,
            "arm_2": two.arm,
            "product": one["product"],
            "source_row_1": int(one.source_row),
            "source_row_2": int(two.source_row),
            "outcome": one.outcome,
            "scale_max": one.scale_max,
            "timepoint_months": one.timepoint_months,
        }
        if measure == "RR":
            record |= {"ai": one.responders, "n1i": float(one.n), "ci": two.responders,
                       "n2i": float(two.n)}  # fmt: skip
        else:
            record |= {"m1i": one["mean"], "sd1i": one.sd, "n1i": float(one.n),
                       "m2i": two["mean"], "sd2i": two.sd, "n2i": float(two.n)}  # fmt: skip
        records.append(record)
    return pd.DataFrame.from_records(
        records, columns=[*COMPARISON_COLUMNS, *INPUT_COLUMNS[measure]]
    )


def _rescale(
    included: pd.DataFrame, measure: str, rescale_to: float | None, reasons: dict[int, str]
) -> pd.DataFrame:
    """Raw-unit measures (MD, MC) need one scale; standardised and count measures do not."""
    if included.empty or measure not in ("MD", "MC"):
        return included
    if rescale_to is None:
        scales = set(included.scale_max.dropna())
        if len(scales) > 1:
            raise RuleViolation(
                field="rescale_to",
                rule="common_scale",
                message=(
                    f"the rows use scales up to {sorted(scales)}; pass rescale_to "
                    "(e.g. 10) to put raw differences on one scale"
                ),
            )
        return included
    if rescale_to <= 0:
        raise RuleViolation(field="rescale_to", rule="positive", message=f"{rescale_to} <= 0")
    unknown = included.scale_max.isna()
    for row in included.loc[unknown, "source_row" if measure == "MC" else "source_row_1"]:
        reasons[int(row)] = "scale_max missing: cannot rescale"
    included = included[~unknown].copy()
    factor = rescale_to / included.scale_max
    for column in ("m1i", "m2i", "sd1i", "sd2i"):
        included[column] = included[column] * factor
    included["scale_max"] = float(rescale_to)
    return included

"""The standardisation report: distributions match R, rates count what they say."""

import csv
import json
from pathlib import Path

import pytest

from spinereg.core.product.report import (
    CSV_COLUMNS,
    ProcedureSummary,
    distribution,
    report_rows,
    standardisation_report,
)

KNOWN = Path(__file__).resolve().parents[1] / "known_answers"


def test_distributions_match_r_quantile_type_7_mean_and_sd():
    """From product_distribution.R, which also records R's version:

    quantile(x, c(0.25, 0.5, 0.75), type = 7); mean(x); sd(x); min(x); max(x)
    """
    expected = json.loads((KNOWN / "product_distribution.json").read_text())
    with (KNOWN / "product_distribution.csv").open() as handle:
        rows = list(csv.DictReader(handle))
    samples = {row["sample"] for row in rows}
    assert samples == set(expected) - {"r_version"}
    for sample in samples:
        values = [float(row["value"]) for row in rows if row["sample"] == sample]
        got = distribution(values)
        want = expected[sample]
        assert got.n == want["n"]
        for name in ("mean", "minimum", "q1", "median", "q3", "maximum"):
            assert getattr(got, name) == pytest.approx(want[name], rel=1e-6), (sample, name)
        if want["sd"] is None:
            assert got.sd is None
        else:
            assert got.sd == pytest.approx(want["sd"], rel=1e-6)


def test_missing_values_are_left_out_of_a_distribution():
    assert distribution([None, 2.0, None, 4.0]).n == 2
    assert distribution([None]).median is None


def _summary(viability, minutes, deviations=(), measured=(), complete=True, qc=True, missing=()):
    return ProcedureSummary(
        observed={
            "concentrate.viability_percent": viability,
            "timing.minutes_harvest_to_injection": minutes,
            "processing.system": "SmartPrep2",
        },
        qc_evaluated=qc,
        deviations=tuple(deviations),
        measured=tuple(measured),
        mibo_complete=complete,
        mibo_missing=tuple(missing),
        flagged_same_procedure=False,
    )


def test_rates_count_procedures_with_a_deviation_among_those_evaluated():
    report = standardisation_report(
        [
            _summary(95.0, 100.0, measured=["concentrate.viability_percent"]),
            _summary(
                85.0,
                130.0,
                deviations=["concentrate.viability_percent", "timing.minutes_harvest_to_injection"],
                measured=["concentrate.viability_percent", "timing.minutes_harvest_to_injection"],
                complete=False,
                missing=["composition.cfu_f"],
            ),
            _summary(92.0, None, measured=["concentrate.viability_percent"]),
            _summary(None, None, qc=False, complete=False, missing=["composition.cfu_f"]),
        ]
    )
    assert report.procedures == 4
    assert (report.qc_evaluated, report.with_deviation) == (3, 1)
    assert report.deviation_rate == pytest.approx(1 / 3)
    rates = {rate.quantity: (rate.evaluated, rate.deviations) for rate in report.rule_rates}
    assert rates == {
        "concentrate.viability_percent": (3, 1),
        "timing.minutes_harvest_to_injection": (1, 1),
    }
    assert report.mibo_complete_share == pytest.approx(2 / 4)
    assert report.mibo_missing_counts == {"composition.cfu_f": 2}
    assert report.minutes_harvest_to_injection.n == 2
    assert report.minutes_harvest_to_injection.median == pytest.approx(115.0)
    viability = next(r for r in report.quantities if r.quantity == "concentrate.viability_percent")
    assert viability.distribution.n == 3
    assert viability.unit == "%"
    # Text values (the system name) are not distributions.
    assert "processing.system" not in {row.quantity for row in report.quantities}


def test_the_rows_for_csv_use_the_declared_columns():
    report = standardisation_report(
        [_summary(95.0, 100.0, measured=["concentrate.viability_percent"])]
    )
    rows = report_rows(report)
    assert all(set(row) <= set(CSV_COLUMNS) for row in rows)
    sections = [row["section"] for row in rows]
    assert sections[:2] == ["distribution", "distribution"]
    assert "mibo" in sections
    assert "same_procedure" in sections


def test_an_empty_report_has_no_rates():
    report = standardisation_report([])
    assert report.deviation_rate is None
    assert report.mibo_complete_share is None
    assert report.quantities == ()

"""Every stored value is exactly what the instrument's scoring rule gives for the stored
answers (ODI: Fairbank & Pynsent 2000; BPI: Cleeland 2009), so re-scoring reproduces it."""

import json

import pytest

from spinereg.core.instruments import load_instrument, score
from spinereg.synth.outcomes import BPI_INTERFERENCE, BPI_SEVERITY, INSTRUMENTS


def _responses(cohort, instrument):
    frame = cohort["outcomes.questionnaireresponse"]
    rows = frame[frame["instrument_id"] == instrument]
    assert len(rows) > 100
    return rows


def test_odi_values_reproduce_exactly_from_the_answers(cohort):
    rows = _responses(cohort, "odi-2.1a")
    blank_section_eight = 0
    for answers_text, value in zip(rows["answers"], rows["value"], strict=True):
        answers = json.loads(answers_text)
        assert set(answers) <= {f"section-{n}" for n in range(1, 11)}
        assert all(isinstance(a, int) and 0 <= a <= 5 for a in answers.values())
        assert len(answers) >= 9
        blank_section_eight += "section-8" not in answers
        assert value == 100 * sum(answers.values()) / (5 * len(answers))
    assert 0.05 < blank_section_eight / len(rows) < 0.2


def test_bpi_value_is_the_interference_mean_and_subscores_match(cohort):
    rows = _responses(cohort, "bpi-sf")
    for answers_text, subscores_text, value in zip(
        rows["answers"], rows["subscores"], rows["value"], strict=True
    ):
        answers = json.loads(answers_text)
        assert list(answers) == [*BPI_SEVERITY, *BPI_INTERFERENCE]
        assert all(0 <= a <= 10 for a in answers.values())
        assert answers["worst"] >= answers["average"] >= answers["least"]
        interference = [answers[link_id] for link_id in BPI_INTERFERENCE]
        severity = [answers[link_id] for link_id in BPI_SEVERITY]
        subscores = json.loads(subscores_text)
        assert value == sum(interference) / 7
        assert subscores == {"severity": sum(severity) / 4, "interference": value}


@pytest.mark.parametrize(
    ("instrument", "link_id", "low", "high"),
    [("nrs-pain", "nrs", 0, 10), ("vas-pain", "vas", 0, 100), ("pgic", "pgic", 1, 7)],
)
def test_single_item_values_are_the_answer(cohort, instrument, link_id, low, high):
    rows = _responses(cohort, instrument)
    for answers_text, value in zip(rows["answers"], rows["value"], strict=True):
        answers = json.loads(answers_text)
        assert list(answers) == [link_id]
        assert answers[link_id] == value
        assert low <= value <= high
        if instrument != "vas-pain":
            assert isinstance(answers[link_id], int)
        else:
            assert round(value, 1) == value
    assert (rows["subscores"] == "{}").all()


@pytest.mark.parametrize("instrument", INSTRUMENTS)
def test_the_registry_scorer_gives_the_stored_value_bit_for_bit(cohort, instrument):
    """Cross-check with `spinereg.core.instruments.score`, the scorer the registry uses,
    and its instrument and scoring versions."""
    spec = load_instrument(instrument)
    rows = _responses(cohort, instrument).head(3000)
    assert (rows["instrument_version"] == spec.version).all()
    assert (rows["scoring_version"] == spec.scoring_version).all()
    for answers, subscores, value in zip(
        rows["answers"], rows["subscores"], rows["value"], strict=True
    ):
        result = score(instrument, json.loads(answers))
        assert result.value == value
        assert result.subscores == json.loads(subscores)


def test_every_response_is_complete(cohort):
    rows = cohort["outcomes.questionnaireresponse"]
    assert (rows["status"] == "complete").all()
    assert (rows["not_scored_reason"] == "").all()
    assert rows["value"].notna().all()
    assert set(rows["mode"]) == {"web", "clinic", "phone", "paper"}
    assert (rows["mode"] == "web").mean() > 0.5


def test_nrs_follows_vas_at_the_same_visit(cohort):
    rows = cohort["outcomes.questionnaireresponse"]
    wide = rows.pivot_table(
        index="schedule_item_id", columns="instrument_id", values="value", aggfunc="first"
    ).dropna(subset=["nrs-pain", "vas-pain"])
    difference = (wide["nrs-pain"] - wide["vas-pain"] / 10).abs()
    assert difference.mean() < 1.0
    assert wide["nrs-pain"].corr(wide["vas-pain"]) > 0.9

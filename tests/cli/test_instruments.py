"""`spinereg instruments`: load-text and rescore."""

import json
from datetime import UTC, datetime

from click.testing import CliRunner

from spinereg.cli.main import cli
from spinereg.registry.instruments.models import LicensedText
from spinereg.registry.outcomes.models import QuestionnaireResponse
from spinereg.registry.outcomes.services import response_create
from tests.registry.test_licensed_text import overlay_for


def test_load_text_stores_the_overlay(clinic_world, tmp_path):
    path = tmp_path / "odi.json"
    path.write_text(json.dumps(overlay_for("odi-2.1a", "es")))
    result = CliRunner().invoke(cli, ["instruments", "load-text", str(path), "--clinic", "north"])
    assert result.exit_code == 0, result.output
    assert LicensedText.objects.get().language == "es"


def test_load_text_refuses_a_bad_overlay_in_one_line(clinic_world, tmp_path):
    overlay = overlay_for("odi-2.1a")
    overlay["items"]["section-11"] = {"text": "x", "answers": {}}
    path = tmp_path / "odi.json"
    path.write_text(json.dumps(overlay))
    result = CliRunner().invoke(cli, ["instruments", "load-text", str(path), "--clinic", "north"])
    assert result.exit_code == 1
    assert "Error: items.section-11:" in result.output
    assert "(unknown_item)" in result.output
    assert not LicensedText.objects.exists()


def test_rescore_reports_exactly_the_rows_whose_stored_score_moved(clinic_world):
    def store(instrument_id, answers):
        return response_create(
            patient=clinic_world.patient,
            instrument_id=instrument_id,
            answers=answers,
            completed_at=datetime(2025, 5, 1, tzinfo=UTC),
            mode="web",
            actor=clinic_world.coordinator,
        )

    odi = store("odi-2.1a", {f"section-{i}": 2 for i in range(1, 11)})
    store("odi-2.1a", {f"section-{i}": 3 for i in range(1, 9)})
    bpi = store(
        "bpi-sf",
        {
            "worst": 8,
            "least": 2,
            "average": 5,
            "now": 5,
            "interference-general-activity": 6,
            "interference-mood": 4,
            "interference-walking": 5,
            "interference-normal-work": 7,
        },
    )
    store("nrs-pain", {"nrs": 6})
    # Simulate a scoring change that moved two stored numbers.
    QuestionnaireResponse.objects.filter(pk=odi.pk).update(value=41.0)
    QuestionnaireResponse.objects.filter(pk=bpi.pk).update(
        subscores={"severity": 5.0, "interference": 5.0}
    )
    result = CliRunner().invoke(cli, ["instruments", "rescore", "--fail-on-difference"])
    assert result.exit_code == 1
    lines = result.output.strip().splitlines()
    assert lines[:-1] == [  # instruments in alphabetical order
        f"response {bpi.pk} bpi-sf interference: stored 5.0 → recomputed 5.5",
        f"response {odi.pk} odi-2.1a value: stored 41.0 → recomputed 40.0",
    ]
    assert lines[-1] == "re-scored 4 responses: 2 differences"


def test_rescore_of_untouched_scores_finds_nothing(clinic_world):
    response_create(
        patient=clinic_world.patient,
        instrument_id="vas-pain",
        answers={"vas": 42.5},
        completed_at=datetime(2025, 5, 1, tzinfo=UTC),
        mode="web",
        actor=clinic_world.coordinator,
    )
    result = CliRunner().invoke(cli, ["instruments", "rescore", "--fail-on-difference"])
    assert result.exit_code == 0
    assert result.output.strip() == "re-scored 1 responses: 0 differences"

"""`spinereg export analysis` and `spinereg report`: from a synthetic cohort on disk (no
database), from the database, one clinic, and a damaged dataset that still gives a report."""

from datetime import date
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from spinereg.cli.main import cli
from spinereg.interop.analysis_dataset import read_analysis_dataset
from spinereg.registry.accounts.models import Clinic
from spinereg.registry.evidence.services import load_packaged_literature
from spinereg.registry.synthetic import synth_config, synth_load
from spinereg.synth import reference_tables, standalone_config, write_parquet

LITERATURE = (
    Path(__file__).parents[2] / "src/spinereg/registry/evidence/data/bmac_spine_studies.csv"
)


@pytest.fixture(scope="module")
def cohort(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("cli-cohort")
    config = standalone_config(
        clinic_codes=("north", "south"), patients=300, seed=2, today=date(2026, 11, 1)
    )
    write_parquet(config, out, reference=reference_tables(config, {"north": "N", "south": "S"}))
    return out


def test_export_then_report_without_a_database(cohort: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    dataset = tmp_path / "dataset"
    result = runner.invoke(
        cli, ["export", "analysis", "--from-synthetic", str(cohort), "--out", str(dataset)]
    )
    assert result.exit_code == 0, result.output
    assert "episodes" in result.output
    assert (dataset / "outcomes.parquet").exists()
    html, pdf = tmp_path / "report.html", tmp_path / "report.pdf"
    result = runner.invoke(
        cli,
        ["report", "--dataset", str(dataset), "--out", str(html), "--pdf", str(pdf),
         "--literature", str(LITERATURE)],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    page = html.read_text()
    assert "SYNTHETIC DATA" in page
    assert "BMAC for the spine is investigational" in page
    assert "Scope: north, south" in page
    assert "Published evidence beside this registry" in page
    assert "Registry (north, south), odi-2.1a" in page  # the registry's own row, not pooled
    assert pdf.read_bytes().startswith(b"%PDF")


def test_one_clinic_only(cohort: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    dataset = tmp_path / "north"
    result = runner.invoke(
        cli,
        [
            "export",
            "analysis",
            "--from-synthetic",
            str(cohort),
            "--out",
            str(dataset),
            "--clinic",
            "north",
        ],
    )
    assert result.exit_code == 0, result.output
    assert set(read_analysis_dataset(dataset).episodes["clinic"]) == {"north"}


def test_a_damaged_dataset_still_gives_a_report(cohort: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    dataset = tmp_path / "dataset"
    runner.invoke(
        cli, ["export", "analysis", "--from-synthetic", str(cohort), "--out", str(dataset)]
    )
    episodes = pd.read_parquet(dataset / "episodes.parquet").drop(columns="cfu_f_per_ml")
    episodes.to_parquet(dataset / "episodes.parquet")
    (dataset / "followup.parquet").unlink()
    html = tmp_path / "report.html"
    result = runner.invoke(cli, ["report", "--dataset", str(dataset), "--out", str(html)])
    assert result.exit_code == 0, result.output
    assert "sections not computed" in result.output
    assert "Follow-up and attrition" in result.output
    assert "evidence section left out: pass --literature FILE" in result.output
    page = html.read_text()
    assert "episodes.cfu_f_per_ml: the column is missing" in page
    assert "column &#x27;cfu_f_per_ml&#x27; is missing from the episodes table" in page


def test_a_missing_dataset_is_one_clear_line(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        cli, ["report", "--dataset", str(tmp_path / "none"), "--out", str(tmp_path / "r.html")]
    )
    assert result.exit_code == 2
    assert "does not exist" in result.output


def test_report_from_the_database(db, tmp_path: Path) -> None:
    Clinic.objects.create(code="north", name="North")
    synth_load(config=synth_config(patients=120, seed=4, today=date(2026, 11, 1), chunk_size=60))
    dataset = tmp_path / "dataset"
    runner = CliRunner()
    result = runner.invoke(cli, ["export", "analysis", "--out", str(dataset), "--clinic", "north"])
    assert result.exit_code == 0, result.output
    assert len(read_analysis_dataset(dataset).episodes) > 100
    html = tmp_path / "r.html"
    result = runner.invoke(cli, ["report", "--out", str(html), "--clinic", "north"])
    assert result.exit_code == 0, result.output
    assert "Scope: north" in html.read_text()
    assert "the literature table is empty: load it with" in html.read_text()
    load_packaged_literature()
    result = runner.invoke(cli, ["report", "--out", str(html), "--clinic", "north"])
    assert result.exit_code == 0, result.output
    assert "Registry (north), odi-2.1a" in html.read_text()
    result = runner.invoke(cli, ["report", "--out", str(html), "--clinic", "east"])
    assert result.exit_code == 1
    assert "Error: clinic: no clinic ['east'] (exists)" in result.output

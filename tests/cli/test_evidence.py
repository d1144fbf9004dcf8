"""`spinereg evidence load` and `spinereg evidence report`."""

from pathlib import Path

import pandas as pd
from click.testing import CliRunner

from spinereg.cli.main import cli
from spinereg.registry.audit.models import AuditEntry
from spinereg.registry.evidence.models import LiteratureRow

PACKAGED_CSV = (
    Path(__file__).parents[2] / "src/spinereg/registry/evidence/data/bmac_spine_studies.csv"
)


def test_load_then_report_writes_plots_rows_and_index(clinic_world, tmp_path):
    runner = CliRunner()
    loaded = runner.invoke(cli, ["evidence", "load", str(PACKAGED_CSV), "--reason", "seed"])
    assert loaded.exit_code == 0, loaded.output
    rows = LiteratureRow.objects.count()
    assert f"{rows} rows added" in loaded.output
    assert AuditEntry.objects.filter(model="evidence.literaturerow", reason="seed").count() == rows

    out = tmp_path / "report"
    result = runner.invoke(cli, ["evidence", "report", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert (out / "forest_odi_12mo_PLO.png").read_bytes().startswith(b"\x89PNG")
    assert "<svg" in (out / "forest_odi_12mo_PLO.svg").read_text()
    table = pd.read_csv(out / "rows.csv")
    excluded = table[table.status == "excluded"]
    assert len(excluded) > 0
    assert excluded.reason.notna().all()
    index = (out / "index.html").read_text()
    assert "forest_odi_12mo_PLO.svg" in index
    assert "fewer than two studies" in index
    assert "Not run: leave-one-out: 2 studies" in index
    cumulative = pd.read_csv(out / "cumulative_odi_12mo_PLO.csv")
    assert list(cumulative.k) == [1, 2]
    assert cumulative.estimate.between(0, 1).all()  # shown as proportions


def test_a_file_without_a_source_is_one_clear_line(clinic_world, tmp_path):
    text = PACKAGED_CSV.read_text(encoding="utf-8").splitlines()
    bad = tmp_path / "bad.csv"
    bad.write_text("\n".join([text[0], text[1].replace("10.1002/stem.1845", "")]) + "\n")
    result = CliRunner().invoke(cli, ["evidence", "load", str(bad)])
    assert result.exit_code == 1
    assert "doi_or_pmid (row 2)" in result.output
    assert "Traceback" not in result.output
    assert LiteratureRow.objects.count() == 0

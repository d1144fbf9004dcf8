"""`spinereg synth --out DIR` writes a standalone Parquet cohort without touching a database."""

import hashlib
import json
from pathlib import Path

import pyarrow.parquet as pq
from click.testing import CliRunner

from spinereg.cli.main import cli


def _run(*arguments: str):
    return CliRunner().invoke(cli, ["synth", *arguments], catch_exceptions=False)


def test_it_writes_one_parquet_file_per_table_and_a_manifest(tmp_path: Path):
    result = _run("--patients", "120", "--seed", "3", "--chunk-size", "50", "--out", str(tmp_path))
    assert result.exit_code == 0, result.output
    assert "120 patients written" in result.output
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    assert manifest["patients"] == 120
    assert manifest["seed"] == 3
    assert manifest["today"] == "2026-11-01"
    for label, rows in manifest["rows"].items():
        assert pq.read_metadata(tmp_path / f"{label}.parquet").num_rows == rows, label
    assert manifest["rows"]["patients.patient"] == 120
    clinics = pq.read_table(tmp_path / "accounts.clinic.parquet").to_pylist()
    assert [(c["id"], c["code"]) for c in clinics] == [(1, "north"), (2, "south")]
    patients = pq.read_table(tmp_path / "patients.patient.parquet")
    assert set(patients.column("clinic_id").to_pylist()) == {1, 2}
    documents = pq.read_table(tmp_path / "consent.consentdocument.parquet")
    signatures = pq.read_table(tmp_path / "consent.consentsignature.parquet")
    assert set(signatures.column("document_id").to_pylist()) <= set(
        documents.column("id").to_pylist()
    )


def test_the_same_options_write_the_same_bytes(tmp_path: Path):
    def digests(where: Path) -> dict[str, str]:
        result = _run("--patients", "80", "--today", "2025-06-30", "--out", str(where))
        assert result.exit_code == 0, result.output
        return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in where.iterdir()}

    assert digests(tmp_path / "a") == digests(tmp_path / "b")


def test_named_clinics_are_used_in_order(tmp_path: Path):
    result = _run("--patients", "60", "--clinics", "east, west,centre", "--out", str(tmp_path))
    assert result.exit_code == 0, result.output
    clinics = pq.read_table(tmp_path / "accounts.clinic.parquet").column("code").to_pylist()
    assert clinics == ["east", "west", "centre"]


def test_it_rejects_a_negative_patient_count(tmp_path: Path):
    result = _run("--patients", "-1", "--out", str(tmp_path))
    assert result.exit_code == 2
    assert "--patients" in result.output
    assert not (tmp_path / "manifest.json").exists()


def test_a_duplicate_clinic_code_is_one_clean_error_line(tmp_path: Path):
    result = CliRunner().invoke(
        cli, ["synth", "--patients", "5", "--clinics", "a,a", "--out", str(tmp_path)]
    )
    assert result.exit_code == 1
    assert "clinics:" in result.output
    assert "(unique)" in result.output
    assert "Traceback" not in result.output

"""`spinereg export analysis`: write the de-identified analysis dataset (Parquet, schema in
`spinereg.interop.analysis_dataset`) from the database, or from a synthetic cohort's Parquet
files without a database (docs/registry-report.md)."""

import time
from datetime import datetime
from pathlib import Path

import click

from spinereg.cli.main import clean_errors, setup_django


@click.group("export")
def export() -> None:
    """Export registry data for analysis (de-identified)."""


@export.command("analysis")
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    required=True,
    help="Directory to write the Parquet tables and dataset.json into.",
)
@click.option(
    "--clinic",
    "clinics",
    multiple=True,
    help="Clinic code to include (repeat for several) [default: every clinic].",
)
@click.option(
    "--as-of",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    help="Data cut-off day [default: today]; follow-up is counted up to it.",
)
@click.option(
    "--from-synthetic",
    type=click.Path(file_okay=False, exists=True, path_type=Path),
    default=None,
    help="Read a synthetic cohort written by `spinereg synth --out DIR` instead of the database.",
)
@clean_errors
def analysis(
    out: Path, clinics: tuple[str, ...], as_of: datetime | None, from_synthetic: Path | None
) -> None:
    """Write the analysis dataset: outcomes (long), episodes, adverse events,
    reinterventions and follow-up, with pseudonyms, capped ages and days from index only."""
    from spinereg.interop.analysis_dataset import filter_clinics, write_analysis_dataset

    started = time.perf_counter()
    if from_synthetic is not None:
        from spinereg.interop.analysis_build import analysis_dataset_from_synthetic

        dataset = analysis_dataset_from_synthetic(from_synthetic)
        if clinics:
            dataset = filter_clinics(dataset, clinics)
    else:
        setup_django()
        from spinereg.registry.exports import analysis_dataset_for_clinics

        dataset = analysis_dataset_for_clinics(
            list(clinics) or None, as_of=as_of.date() if as_of else None
        )
    counts = write_analysis_dataset(dataset, out)
    elapsed = time.perf_counter() - started
    click.echo(f"analysis dataset written to {out} in {elapsed:.1f} s")
    for table, rows in counts.items():
        click.echo(f"  {table:16} {rows:>12,}")

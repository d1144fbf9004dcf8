"""`spinereg synth`: a deterministic synthetic cohort, loaded into the database in bulk or
written to a directory of Parquet files (docs/synthetic-cohort.md)."""

import time
from datetime import date, datetime
from pathlib import Path

import click
from tqdm import tqdm

from spinereg.cli.main import clean_errors, setup_django
from spinereg.synth.config import DEFAULT_CHUNK_SIZE, DEFAULT_TODAY

DEMO_CLINIC_CODES = ("north", "south")


@click.command("synth")
@click.option("--patients", type=click.IntRange(min=0), default=300, show_default=True)
@click.option("--seed", type=click.IntRange(min=0), default=1, show_default=True)
@click.option(
    "--today",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=DEFAULT_TODAY.isoformat(),
    show_default=True,
    help="Reference date: enrolment, follow-up and events never pass it.",
)
@click.option(
    "--clinics",
    default=None,
    help="Comma-separated clinic codes [default: every clinic; two demo clinics "
    "'north' and 'south' if there is none].",
)
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Write Parquet files to this directory instead of the database.",
)
@click.option(
    "--chunk-size",
    type=click.IntRange(min=1),
    default=DEFAULT_CHUNK_SIZE,
    show_default=True,
    help="Patients per chunk (and per transaction); part of what makes the output.",
)
@click.option(
    "--workers",
    type=click.IntRange(min=1),
    default=2,
    show_default=True,
    help="PostgreSQL: chunks written in parallel, each on its own connection.",
)
@clean_errors
def synth(
    patients: int,
    seed: int,
    today: datetime,
    clinics: str | None,
    out: Path | None,
    chunk_size: int,
    workers: int,
) -> None:
    """Generate a synthetic cohort: the same options give the same rows."""
    reference_day = today.date()
    codes = tuple(code.strip() for code in clinics.split(",") if code.strip()) if clinics else ()
    started = time.perf_counter()
    with tqdm(total=patients, unit="patient", unit_scale=True, desc="synth") as bar:
        if out is not None:
            counts = _to_parquet(
                patients, seed, reference_day, codes or DEMO_CLINIC_CODES, out, chunk_size, bar
            )
            where = str(out)
        else:
            counts = _to_database(patients, seed, reference_day, codes, chunk_size, workers, bar)
            where = "the database"
    elapsed = time.perf_counter() - started
    click.echo(f"{patients} patients written to {where} in {elapsed:.1f} s")
    for label, rows in counts.items():
        click.echo(f"  {label:34} {rows:>12,}")


def _to_parquet(
    patients: int,
    seed: int,
    today: date,
    codes: tuple[str, ...],
    out: Path,
    chunk_size: int,
    bar: tqdm,
) -> dict[str, int]:
    from spinereg.synth import reference_tables, standalone_config, write_parquet

    config = standalone_config(
        clinic_codes=codes, patients=patients, seed=seed, today=today, chunk_size=chunk_size
    )
    names = {code: f"{code.title()} Spine Clinic (demo)" for code in codes}
    return write_parquet(
        config, out, reference=reference_tables(config, names), progress=bar.update
    )


def _to_database(
    patients: int,
    seed: int,
    today: date,
    codes: tuple[str, ...],
    chunk_size: int,
    workers: int,
    bar: tqdm,
) -> dict[str, int]:
    setup_django()
    from spinereg.registry.synthetic import synth_config, synth_load

    config = synth_config(
        patients=patients, seed=seed, today=today, clinic_codes=codes or None, chunk_size=chunk_size
    )
    return synth_load(config=config, progress=bar.update, workers=workers)

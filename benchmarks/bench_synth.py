"""Speed of the synthetic cohort (`spinereg synth`).

Targets (brief): 1,000,000 patients to Parquet in ≤ 120 s, and 100,000 patients into
PostgreSQL in ≤ 120 s, on the 2-core machine. The PostgreSQL part creates a throwaway
database `spinereg_bench` on 127.0.0.1:5432 (trust auth), migrates it, runs `spinereg synth`
against it (wall time of the whole command, start-up included) and drops it again.

    uv run python benchmarks/bench_synth.py
    uv run python benchmarks/bench_synth.py --parquet-patients 200000 --skip-postgres
"""

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

from spinereg.synth import standalone_config, write_parquet

ROOT = Path(__file__).resolve().parents[1]
PG_HOST, PG_USER, PG_DATABASE = "127.0.0.1", "postgres", "spinereg_bench"
TARGET_SECONDS = 120.0


def bench_parquet(patients: int) -> None:
    out = Path(tempfile.mkdtemp(prefix="spinereg-synth-"))
    try:
        config = standalone_config(
            clinic_codes=("north", "south"), patients=patients, seed=1, today=date(2026, 11, 1)
        )
        started = time.perf_counter()
        counts = write_parquet(config, out)
        seconds = time.perf_counter() - started
        size_mb = sum(path.stat().st_size for path in out.iterdir()) / 1e6
    finally:
        shutil.rmtree(out)
    rows = sum(counts.values())
    _report("Parquet", patients, rows, seconds, extra=f"{size_mb:,.0f} MB on disk")
    print(f"  responses {counts['outcomes.questionnaireresponse']:,}, "
          f"schedule items {counts['followup.scheduleitem']:,}")  # fmt: skip


def bench_postgres(patients: int, workers: int) -> None:
    url = f"postgres://{PG_USER}@{PG_HOST}:5432/{PG_DATABASE}"
    environment = {**os.environ, "DATABASE_URL": url}
    connect = ["-h", PG_HOST, "-U", PG_USER]
    subprocess.run(["dropdb", *connect, "--if-exists", PG_DATABASE], check=True)
    subprocess.run(["createdb", *connect, PG_DATABASE], check=True)
    try:
        subprocess.run(
            [sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env=environment, check=True
        )
        command = [
            sys.executable, "-c", "from spinereg.cli.main import cli; cli()", "synth",
            "--patients", str(patients), "--workers", str(workers),
        ]  # fmt: skip
        started = time.perf_counter()
        result = subprocess.run(
            command, cwd=ROOT, env=environment, check=True, capture_output=True, text=True
        )
        seconds = time.perf_counter() - started
        count = subprocess.run(
            ["psql", *connect, "-d", PG_DATABASE, "-tAc",
             "SELECT (SELECT count(*) FROM patients_patient), "
             "(SELECT count(*) FROM outcomes_questionnaireresponse)"],
            check=True, capture_output=True, text=True,
        ).stdout.strip()  # fmt: skip
    finally:
        subprocess.run(["dropdb", *connect, "--if-exists", PG_DATABASE], check=True)
    rows = sum(int(line.split()[-1].replace(",", "")) for line in result.stdout.splitlines()[1:])
    _report(f"PostgreSQL ({workers} writers)", patients, rows, seconds)
    stored_patients, stored_responses = count.split("|")
    print(f"  stored: {int(stored_patients):,} patients, {int(stored_responses):,} responses")


def _report(what: str, patients: int, rows: int, seconds: float, extra: str = "") -> None:
    verdict = "meets" if seconds <= TARGET_SECONDS else "MISSES"
    print(
        f"{what}: {patients:,} patients, {rows:,} rows in {seconds:.1f} s "
        f"({patients / seconds:,.0f} patients/s, {rows / seconds:,.0f} rows/s)"
        f"{', ' + extra if extra else ''} — {verdict} the {TARGET_SECONDS:.0f} s target"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--parquet-patients", type=int, default=1_000_000)
    parser.add_argument("--postgres-patients", type=int, default=100_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--skip-postgres", action="store_true")
    parser.add_argument("--skip-parquet", action="store_true")
    arguments = parser.parse_args()
    print(f"load average before: {os.getloadavg()[0]:.2f} (2 cores, shared)")
    if not arguments.skip_parquet:
        bench_parquet(arguments.parquet_patients)
    if not arguments.skip_postgres:
        bench_postgres(arguments.postgres_patients, arguments.workers)


if __name__ == "__main__":
    main()

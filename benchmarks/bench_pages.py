"""Patient list and timeline with 100,000 patients in PostgreSQL: median latency and SQL
queries per page. Target (issue: foundation): median ≤ 100 ms, query count flat in the data.

    uv run python benchmarks/bench_pages.py [--patients 100000] [--reuse]

Creates (or reuses) the database `spinereg_bench_pages` on the local server, loads the synthetic
cohort with `spinereg synth`, then requests pages in-process through Django's test client (the
full middleware, template and ORM stack; no network), as a signed-in coordinator."""

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SERVER = "postgres://postgres@127.0.0.1:5432"
NAME = "spinereg_bench_pages"


def sh(*args: str, env: dict[str, str] | None = None) -> None:
    subprocess.run(args, check=True, cwd=ROOT, env={**os.environ, **(env or {})})


def prepare(patients: int, reuse: bool) -> None:
    env = {"DATABASE_URL": f"{SERVER}/{NAME}"}
    if not reuse:
        sh("psql", f"{SERVER}/postgres", "-qc", f"DROP DATABASE IF EXISTS {NAME}")
        sh("psql", f"{SERVER}/postgres", "-qc", f"CREATE DATABASE {NAME}")
        sh(sys.executable, "manage.py", "migrate", "-v0", env=env)
        started = time.perf_counter()
        sh(
            sys.executable,
            "-m",
            "spinereg.cli",
            "synth",
            "--patients",
            str(patients),
            "--seed",
            "7",
            env=env,
        )
        print(f"loaded {patients:,} patients in {time.perf_counter() - started:.1f} s")
    os.environ.update(env)


def measure(client, url: str, repeat: int) -> tuple[float, float, int]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.get(url)  # warm caches and connections
    times = []
    queries = 0
    for _ in range(repeat):
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            response = client.get(url)
            times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (url, response.status_code)
        queries = len(captured)
    times.sort()
    return statistics.median(times), times[int(len(times) * 0.95) - 1], queries


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--patients", type=int, default=100_000)
    parser.add_argument("--reuse", action="store_true")
    parser.add_argument("--repeat", type=int, default=30)
    args = parser.parse_args()
    prepare(args.patients, args.reuse)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "spinereg.config.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.db.models import Count
    from django.test import Client

    from spinereg.registry.accounts.models import Clinic, Membership, User
    from spinereg.registry.patients.models import Patient

    settings.ALLOWED_HOSTS = ["testserver"]
    settings.DEBUG = False
    clinic = Clinic.objects.order_by("pk").first()
    user, _ = User.objects.get_or_create(username="bench-coordinator")
    Membership.objects.get_or_create(user=user, clinic=clinic, role="coordinator")
    client = Client()
    client.force_login(user)
    total = Patient.objects.count()
    in_clinic = Patient.objects.filter(clinic=clinic).count()
    ranked = (
        Patient.objects.filter(clinic=clinic)
        .annotate(n=Count("responses"))
        .order_by("n")
        .values_list("pk", "n")
    )
    smallest = ranked.first()
    largest = ranked.last()
    some = ranked[in_clinic // 2]
    print(f"patients: {total:,} in the database, {in_clinic:,} in the coordinator's clinic")
    pages = [
        ("patient list, page 1", "/patients/"),
        ("patient list, page 200", "/patients/?page=200"),
        ("list: BMAC + facet", "/patients/?treatment=bmac&condition=facet"),
        ("list: overdue follow-up", "/patients/?followup=overdue"),
        ("list: search by family name", "/patients/?q=Gar"),
        (f"timeline, {smallest[1]} responses", f"/patients/{smallest[0]}/"),
        (f"timeline, {some[1]} responses", f"/patients/{some[0]}/"),
        (f"timeline, {largest[1]} responses", f"/patients/{largest[0]}/"),
    ]
    print(f"{'page':36} {'median ms':>10} {'p95 ms':>8} {'queries':>8}")
    worst_median = 0.0
    timeline_queries = set()
    for label, url in pages:
        median, p95, queries = measure(client, url, args.repeat)
        worst_median = max(worst_median, median)
        # Compare records that hold the same kinds of rows and differ in size: Django skips the
        # prefetch of a relation the record lacks entirely (one query fewer), which is not growth.
        if label.startswith("timeline") and url != pages[-3][1]:
            timeline_queries.add(queries)
        print(f"{label:36} {median:10.1f} {p95:8.1f} {queries:8d}")
    print(
        f"worst median {worst_median:.1f} ms (target ≤ 100 ms): "
        f"{'met' if worst_median <= 100 else 'NOT met'}"
    )
    print(
        f"timeline query counts, {some[1]} vs {largest[1]} responses: {sorted(timeline_queries)} "
        f"({'flat' if len(timeline_queries) == 1 else 'NOT flat'})"
    )


if __name__ == "__main__":
    main()

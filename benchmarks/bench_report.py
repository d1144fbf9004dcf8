"""Speed and memory of the whole registry report (`spinereg report`) on a synthetic network.

Target (issue): the whole report for 100,000 synthetic patients in ≤ 60 s and ≤ 4 GB peak
memory on the 2-core machine. The cohort is generated to Parquet first, in a child process
(`spinereg synth --out`, timed apart and not counted), so the figures here are the report's
own: building the analysis dataset from the Parquet tables, computing every section, and
writing the HTML and the PDF. Peak memory is this process's maximum resident set size
(`resource.getrusage(RUSAGE_SELF).ru_maxrss`).

There is no R counterpart of the whole report; each estimator's agreement with R is checked
in the tests (tests/known_answers/report_*.R).

    uv run python benchmarks/bench_report.py
    uv run python benchmarks/bench_report.py --patients 20000
"""

import argparse
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from spinereg.analytics.report import build_report, render_html, render_pdf
from spinereg.interop.analysis_build import analysis_dataset_from_synthetic
from spinereg.interop.analysis_dataset import problems

TARGET_SECONDS = 60.0
TARGET_PEAK_GB = 4.0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--patients", type=int, default=100_000)
    parser.add_argument("--keep", action="store_true", help="keep the output directory")
    options = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="spinereg-report-"))
    cohort = work / "cohort"
    try:
        started = time.perf_counter()
        subprocess.run(
            [
                str(Path(sys.executable).with_name("spinereg")),
                "synth",
                "--patients",
                str(options.patients),
                "--out",
                str(cohort),
            ],
            check=True,
            capture_output=True,
        )
        print(
            f"synthetic cohort: {options.patients:,} patients in "
            f"{time.perf_counter() - started:.1f} s (not counted)"
        )

        timings: dict[str, float] = {}
        started = time.perf_counter()
        dataset = analysis_dataset_from_synthetic(cohort)
        timings["analysis dataset"] = time.perf_counter() - started
        rows = {table: len(frame) for table, frame in dataset.frames().items()}
        print("analysis dataset rows: " + ", ".join(f"{t} {n:,}" for t, n in rows.items()))

        section_started = time.perf_counter()
        section_times: dict[str, float] = {}

        def tick(key: str) -> None:
            nonlocal section_started
            now = time.perf_counter()
            section_times[key] = now - section_started
            section_started = now

        started = section_started = time.perf_counter()
        report = build_report(
            dataset,
            scope="synthetic network",
            synthetic=True,
            dataset_problems=[str(problem) for problem in problems(dataset.frames())],
            progress=tick,
            strict=True,
        )
        timings["sections"] = time.perf_counter() - started
        started = time.perf_counter()
        html = work / "report.html"
        html.write_text(render_html(report), encoding="utf-8")
        timings["HTML"] = time.perf_counter() - started
        started = time.perf_counter()
        pdf = work / "report.pdf"
        render_pdf(report, pdf)
        timings["PDF"] = time.perf_counter() - started

        total = sum(timings.values())
        peak_gb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 / 1e9
        for name, seconds in timings.items():
            print(f"  {name:18} {seconds:6.1f} s")
        for key, seconds in section_times.items():
            print(f"    section {key:14} {seconds:6.1f} s")
        failed = [section.key for section in report.sections if section.error]
        print(f"sections not computed: {failed or 'none'}")
        print(f"HTML {html.stat().st_size / 1e6:.1f} MB, PDF {pdf.stat().st_size / 1e6:.1f} MB")
        print(
            f"whole report: {total:.1f} s (target ≤ {TARGET_SECONDS:.0f} s), "
            f"peak memory {peak_gb:.2f} GB (target ≤ {TARGET_PEAK_GB:.0f} GB)"
        )
        ok = total <= TARGET_SECONDS and peak_gb <= TARGET_PEAK_GB and not failed
        print("PASS" if ok else "OVER TARGET")
        return 0 if ok else 1
    finally:
        if options.keep:
            print(f"kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())

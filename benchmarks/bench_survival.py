"""Kaplan–Meier and Efron Cox on 1,000,000 rows: ours vs R's survival package, same data.

Run: `uv run python benchmarks/bench_survival.py [--rows N] [--repeats K] [--continuous-times]`.
Simulates a registry-sized follow-up table (integer days to reintervention, so many tied times;
uniform censoring over five years; three numeric covariates; with `--continuous-times` the days
get a uniform fraction, so nearly every time is distinct), writes it to a temporary CSV, and in
the same run times

  * `kaplan_meier(t, e)` against R's `survfit(Surv(t, e) ~ 1)`,
  * `cox_ph(d, "t", "e", ["x1", "x2", "x3"], ties="efron")` against R's
    `coxph(Surv(t, e) ~ x1 + x2 + x3, data = d, ties = "efron")`,

each the best of K runs, excluding the CSV read on both sides (R: `system.time()` around the
fit alone). It prints both wall-clock times, their ratio and whether ours is no slower, then how
far the two fits are apart (largest relative difference).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from spinereg.analytics.survival import cox_ph, kaplan_meier

R_SCRIPT = r"""
suppressPackageStartupMessages({library(survival); library(jsonlite)})
args <- commandArgs(trailingOnly = TRUE)
d <- read.csv(args[1], colClasses = c("numeric", "integer", "numeric", "numeric", "numeric"))
repeats <- as.integer(args[3])
best <- function(expr_fn) {
  seconds <- Inf
  for (i in seq_len(repeats)) {
    gc()
    timing <- system.time(result <- expr_fn())
    seconds <- min(seconds, unname(timing["elapsed"]))
  }
  list(seconds = seconds, result = result)
}
km <- best(function() survfit(Surv(t, e) ~ 1, data = d))
cox <- best(function() coxph(Surv(t, e) ~ x1 + x2 + x3, data = d, ties = "efron"))
q <- quantile(km$result, 0.5)
fit <- cox$result
write_json(list(
  km_seconds = km$seconds, cox_seconds = cox$seconds,
  km_time = km$result$time, km_survival = km$result$surv,
  km_median = unname(q$quantile), km_median_lower = unname(q$lower),
  km_median_upper = unname(q$upper),
  coef = unname(coef(fit)), se = unname(sqrt(diag(fit$var))), loglik = fit$loglik[2],
  concordance = unname(fit$concordance["concordance"]), iterations = fit$iter,
  r_version = R.version.string, survival_version = as.character(packageVersion("survival"))
), args[2], digits = NA, auto_unbox = TRUE)
"""


def simulate(rows: int, *, continuous_times: bool = False, seed: int = 20240611) -> pd.DataFrame:
    """Integer days to reintervention with a proportional-hazards effect of x1..x3."""
    rng = np.random.default_rng(seed)
    x1 = rng.normal(0, 1, rows).round(4)
    x2 = rng.normal(0, 1, rows).round(4)
    x3 = rng.integers(0, 2, rows).astype(float)
    hazard_per_day = 0.0008 * np.exp(0.5 * x1 - 0.3 * x2 + 0.2 * x3)
    event_day = np.ceil(rng.exponential(1 / hazard_per_day))
    censor_day = np.ceil(rng.uniform(0, 1825, rows))
    days = np.minimum(event_day, censor_day)
    if continuous_times:
        days = (days - rng.uniform(0, 1, rows)).round(6)
    return pd.DataFrame(
        {
            "t": days if continuous_times else days.astype(np.int64),
            "e": (event_day <= censor_day).astype(np.int64),
            "x1": x1,
            "x2": x2,
            "x3": x3,
        }
    )


def best_of(repeats: int, run: Callable[[], Any]) -> tuple[float, Any]:
    seconds = float("inf")
    result = None
    for _ in range(repeats):
        started = time.perf_counter()
        result = run()
        seconds = min(seconds, time.perf_counter() - started)
    return seconds, result


def relative_difference(ours: Any, theirs: Any) -> float:
    ours_array = np.asarray(ours, dtype=float)
    theirs_array = np.asarray(theirs, dtype=float)
    return float(np.max(np.abs(ours_array - theirs_array) / np.abs(theirs_array)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--continuous-times", action="store_true")
    arguments = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        csv_path, json_path = Path(folder) / "followup.csv", Path(folder) / "r.json"
        simulate(arguments.rows, continuous_times=arguments.continuous_times).to_csv(
            csv_path, index=False
        )
        frame = pd.read_csv(csv_path)
        subprocess.run(
            ["Rscript", "-e", R_SCRIPT, str(csv_path), str(json_path), str(arguments.repeats)],
            check=True,
        )
        r = json.loads(json_path.read_text())

    km_seconds, km = best_of(arguments.repeats, lambda: kaplan_meier(frame["t"], frame["e"]))
    cox_seconds, cox = best_of(
        arguments.repeats, lambda: cox_ph(frame, "t", "e", ["x1", "x2", "x3"], ties="efron")
    )
    # R's survfit defaults to conf.type = "log"; the median itself does not depend on it.
    events = int(frame["e"].sum())
    print(
        f"{len(frame):,} rows, {events:,} events, {frame['t'].nunique():,} distinct times; "
        f"{r['r_version']}, survival {r['survival_version']}; best of {arguments.repeats}"
    )
    print(f"{'fit':<32}{'ours (s)':>10}{'R (s)':>10}{'R / ours':>10}  verdict")
    for label, ours, theirs in (
        ("kaplan_meier vs survfit", km_seconds, r["km_seconds"]),
        ("cox_ph efron vs coxph efron", cox_seconds, r["cox_seconds"]),
    ):
        verdict = "ours no slower" if ours <= theirs else "OURS SLOWER"
        print(f"{label:<32}{ours:>10.3f}{theirs:>10.3f}{theirs / ours:>10.2f}  {verdict}")

    print("agreement with R (largest relative difference):")
    agreement = {
        "KM curve times (exact)": float(np.max(np.abs(km.curve["time"] - r["km_time"]))),
        "KM survival, all times": relative_difference(km.curve["survival"], r["km_survival"]),
        "KM median": relative_difference(km.median, r["km_median"]),
        "Cox coef": relative_difference(cox.summary["coef"], r["coef"]),
        "Cox se": relative_difference(cox.summary["se"], r["se"]),
        "Cox loglik": relative_difference(cox.loglik, r["loglik"]),
        "Cox concordance": relative_difference(cox.concordance, r["concordance"]),
    }
    for label, value in agreement.items():
        print(f"  {label:<28}{value:.2e}")
    print(f"  Cox iterations: ours {cox.iterations}, R {r['iterations']}")


if __name__ == "__main__":
    main()

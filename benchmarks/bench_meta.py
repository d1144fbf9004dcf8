"""Speed of spinereg.analytics.meta against R's metafor on the same simulated data.

Run: uv run python benchmarks/bench_meta.py [--quick] [--full] [--metafor-sizes 1000,10000]
    [--metafor-leave1out-size 1000]

1. REML random-effects fit (`random_effects` vs `rma(yi, vi, method = "REML")`) on 10,000
   simulated studies, both timed in the same run on the same numbers, and on the first 1,000
   and 2,000 of them. metafor forms k x k matrices (P, PP) and multiplies them, O(k³) time and
   ~0.8 GB per matrix at k = 10,000: on this machine (reference BLAS) its 10,000-study fit
   takes about 40 minutes and 5 GB of RAM. `--quick` times metafor at 1,000 and 2,000 only.
2. Leave-one-out over 1,000 studies (target <= 5 s). metafor's leave1out() refits k models of
   k - 1 studies; it is timed on the first 200 studies (`--full` or
   `--metafor-leave1out-size`: on all 1,000, another ~45 min).

Only the fit is timed on both sides (R: system.time() around the call, elapsed and CPU seconds -
elapsed time grows when the shared machine is busy, CPU time much less; Python:
time.perf_counter(), best of several repeats), after both have read the same CSV. The script
also prints the largest relative difference between the two estimates, to show that the same
data gave the same answer.
"""

import argparse
import json
import subprocess
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

from spinereg.analytics.meta import leave_one_out, random_effects

STUDIES = 10_000
LEAVE_ONE_OUT_STUDIES = 1_000
LEAVE_ONE_OUT_TARGET_S = 5.0
SEED = 20240611

R_SCRIPT = r"""
suppressMessages(library(metafor)); suppressMessages(library(jsonlite))
args <- commandArgs(trailingOnly = TRUE)
d <- read.csv(args[1])
sizes <- as.integer(strsplit(args[2], ",")[[1]])
l1o_size <- as.integer(args[3])
out <- list(metafor = as.character(packageVersion("metafor")), r = R.version.string,
            blas = sessionInfo()$BLAS, reml = list())
for (k in sizes) {
  yi <- d$yi[seq_len(k)]; vi <- d$vi[seq_len(k)]
  timing <- system.time(res <- rma(yi, vi, method = "REML"))
  out$reml[[length(out$reml) + 1]] <- list(
    k = k, seconds = timing[["elapsed"]],
    cpu_seconds = timing[["user.self"]] + timing[["sys.self"]],
    tau2 = res$tau2, estimate = as.numeric(res$beta))
}
yi <- d$yi[seq_len(l1o_size)]; vi <- d$vi[seq_len(l1o_size)]
res <- rma(yi, vi, method = "REML")
timing <- system.time(l1o <- leave1out(res))
out$leave1out <- list(k = l1o_size, seconds = timing[["elapsed"]],
                      cpu_seconds = timing[["user.self"]] + timing[["sys.self"]],
                      estimate = as.numeric(l1o$estimate))
write_json(out, args[4], digits = NA, auto_unbox = TRUE)
"""


def simulate(k: int, seed: int) -> pd.DataFrame:
    """Log risk ratios of trials of 20-400 patients per arm around a true effect of -0.3."""
    rng = np.random.default_rng(seed)
    vi = 1 / rng.integers(20, 400, k) * rng.uniform(1.5, 6.0, k)
    yi = rng.normal(-0.3, np.sqrt(vi + 0.04))
    return pd.DataFrame({"yi": yi, "vi": vi})


def best_seconds(function: Callable[[], object], repeats: int) -> float:
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        function()
        best = min(best, time.perf_counter() - start)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--quick", action="store_true", help="metafor's fit at 1,000 and 2,000 only"
    )
    parser.add_argument("--full", action="store_true", help="metafor's leave1out at 1,000 too")
    parser.add_argument("--metafor-sizes", help="comma-separated k for metafor's REML fit")
    parser.add_argument("--metafor-leave1out-size", type=int, help="k for metafor's leave1out")
    options = parser.parse_args()
    metafor_sizes = [1_000, 2_000] + ([] if options.quick else [STUDIES])
    if options.metafor_sizes:
        metafor_sizes = [int(size) for size in options.metafor_sizes.split(",")]
    metafor_l1o = LEAVE_ONE_OUT_STUDIES if options.full else 200
    if options.metafor_leave1out_size:
        metafor_l1o = options.metafor_leave1out_size

    data = simulate(STUDIES, SEED)
    with tempfile.TemporaryDirectory() as folder:
        csv = Path(folder) / "studies.csv"
        data.to_csv(csv, index=False, float_format="%.17g")
        data = pd.read_csv(csv)  # the numbers R reads
        script = Path(folder) / "bench.R"
        script.write_text(R_SCRIPT)
        answer = Path(folder) / "metafor.json"
        print(f"Running metafor (REML at k = {metafor_sizes}, leave1out at k = {metafor_l1o}) ...")
        subprocess.run(
            [
                "Rscript",
                str(script),
                str(csv),
                ",".join(map(str, metafor_sizes)),
                str(metafor_l1o),
                str(answer),
            ],
            check=True,
        )
        metafor = json.loads(answer.read_text())
    print(f"R: {metafor['r']}; metafor {metafor['metafor']}; BLAS {metafor['blas']}")
    yi, vi = data.yi.to_numpy(), data.vi.to_numpy()

    print("\nREML random-effects fit (rma(yi, vi, method = 'REML'))")
    print(
        f"{'k':>7} {'spinereg s':>11} {'metafor s':>10} {'(cpu s)':>9} {'ratio':>9} "
        f"{'max rel diff':>13}"
    )
    timed = {entry["k"]: entry for entry in metafor["reml"]}
    for k in sorted({*metafor_sizes, STUDIES}):
        ours = best_seconds(lambda k=k: random_effects(yi[:k], vi[:k]), repeats=5)
        result = random_effects(yi[:k], vi[:k])
        if k in timed:
            theirs = timed[k]
            difference = max(
                abs(result.tau2 / theirs["tau2"] - 1), abs(result.estimate / theirs["estimate"] - 1)
            )
            print(f"{k:>7} {ours:>11.4f} {theirs['seconds']:>10.3f} {theirs['cpu_seconds']:>9.3f} "
                  f"{theirs['seconds'] / ours:>8.0f}x {difference:>13.2e}")  # fmt: skip
        else:
            print(f"{k:>7} {ours:>11.4f} {'not run':>10} {'':>9} {'':>9} {'(--quick)':>13}")

    print(f"\nLeave-one-out (leave1out), target <= {LEAVE_ONE_OUT_TARGET_S:.0f} s at k = "
          f"{LEAVE_ONE_OUT_STUDIES}")  # fmt: skip
    size = LEAVE_ONE_OUT_STUDIES
    ours_full = best_seconds(lambda: leave_one_out(yi[:size], vi[:size]), repeats=1)
    verdict = "meets" if ours_full <= LEAVE_ONE_OUT_TARGET_S else "MISSES"
    print(f"spinereg k = {size}: {ours_full:.3f} s ({verdict} the target)")
    theirs = metafor["leave1out"]
    small = theirs["k"]
    ours_same = best_seconds(lambda: leave_one_out(yi[:small], vi[:small]), repeats=3)
    table = leave_one_out(yi[:small], vi[:small])
    difference = float(np.max(np.abs(table.estimate.to_numpy() / theirs["estimate"] - 1)))
    print(
        f"k = {small}: spinereg {ours_same:.3f} s, metafor {theirs['seconds']:.3f} s, "
        f"ratio {theirs['seconds'] / ours_same:.0f}x, max rel diff {difference:.2e}"
    )


if __name__ == "__main__":
    main()

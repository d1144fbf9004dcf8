"""How fast `score_frame` scores the ODI, against `score` called in a Python loop.

Targets (task brief): 10,000,000 ODI rows in ≤ 2 s, and ≥ 50× the loop. The data are random
codes 0–5 with ~5% of cells missing, so a few rows fall below 8 answered sections and take the
"insufficient_items" path. The loop is timed on a sample and scaled (running it on 10 million
rows would take minutes); its input dicts are built before the clock starts, which flatters the
loop, so the ratio printed is conservative. Memory: ~0.8 GB of answers plus ~0.2 GB of results.

    uv run python benchmarks/bench_scoring.py [--rows N] [--loop-rows N] [--repeats N]
"""

import argparse
import math
import resource
import time

import numpy as np
import pandas as pd

from spinereg.core.instruments import score, score_frame

ODI_LINKS = [f"section-{n}" for n in range(1, 11)]
TARGET_SECONDS = 2.0
TARGET_RATIO = 50.0


def odi_frame(rows: int, missing_fraction: float, seed: int) -> pd.DataFrame:
    """Random ODI answers, built one column at a time to keep the peak memory near the
    frame's own size."""
    rng = np.random.default_rng(seed)
    columns = {}
    for link_id in ODI_LINKS:
        values = rng.integers(0, 6, rows, dtype=np.int8).astype(np.float64)
        values[rng.random(rows, dtype=np.float32) < missing_fraction] = np.nan
        columns[link_id] = values
    return pd.DataFrame(columns, copy=False)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--loop-rows", type=int, default=20_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--seed", type=int, default=20240607)
    args = parser.parse_args()

    frame = odi_frame(args.rows, missing_fraction=0.05, seed=args.seed)
    score_frame("odi-2.1a", frame.head(1000))  # load the definition before timing

    timings = []
    result = pd.DataFrame()
    for _ in range(args.repeats):
        started = time.perf_counter()
        result = score_frame("odi-2.1a", frame)
        timings.append(time.perf_counter() - started)
    frame_seconds = min(timings)

    sample = frame.iloc[: args.loop_rows]
    forms = [
        {link: value for link, value in zip(ODI_LINKS, row, strict=True) if not math.isnan(value)}
        for row in sample.itertuples(index=False, name=None)
    ]
    started = time.perf_counter()
    loop_values = [score("odi-2.1a", form).value for form in forms]
    loop_seconds_sample = time.perf_counter() - started
    loop_seconds = loop_seconds_sample * args.rows / len(forms)

    vectorised = result["value"].iloc[: len(forms)].to_numpy()
    looped = np.array([np.nan if v is None else v for v in loop_values])
    agree = bool(np.array_equal(vectorised, looped, equal_nan=True))

    ratio = loop_seconds / frame_seconds
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"rows                         {args.rows:,}")
    print(f"unscorable rows (< 8 answered) {int(result['reason'].notna().sum()):,}")
    print(f"score_frame seconds (best of {args.repeats})  {frame_seconds:.3f}")
    print(f"  all runs                   {', '.join(f'{t:.3f}' for t in timings)}")
    print(f"score_frame rows/s           {args.rows / frame_seconds:,.0f}")
    print(
        f"score loop seconds           {loop_seconds_sample:.3f} for {len(forms):,} rows, "
        f"{loop_seconds_sample / len(forms) * 1e6:.1f} µs/row"
    )
    print(f"score loop rows/s            {len(forms) / loop_seconds_sample:,.0f}")
    print(f"score loop scaled to {args.rows:,} rows  {loop_seconds:.1f} s")
    print(f"ratio (loop / score_frame)   {ratio:,.0f}×")
    print(f"loop and frame agree on the sample: {agree}")
    print(f"peak memory                  {peak_mb:,.0f} MB")
    time_met = frame_seconds <= TARGET_SECONDS * args.rows / 10_000_000
    print(f"target ≤ {TARGET_SECONDS:g} s per 10M rows: {'met' if time_met else 'NOT met'}")
    print(f"target ≥ {TARGET_RATIO:g}× the loop: {'met' if ratio >= TARGET_RATIO else 'NOT met'}")


if __name__ == "__main__":
    main()

"""Random intercept + slope REML on 200,000 rows (20,000 patients × 10 visits): ours vs lme4.

Run: `uv run python benchmarks/bench_mixed_model.py [--patients N]`. Simulates a registry-like
data set (visits at 0, 1.5, 3, 6, 9, 12, 18, 24, 36, 48 months with jitter, three treatment arms,
baseline ODI), writes it to a temporary CSV, fits `odi ~ months + treatment + baseline_odi` with
a correlated random intercept and slope per patient by `mixed_model` and by
`lme4::lmer(..., REML = TRUE)` with lmer's default control on the same CSV, and prints both
wall-clock times (R: `system.time()` around `lmer` alone, not the CSV read), their ratio and how
far apart the two fits are.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from spinereg.analytics.longitudinal import mixed_model

NOMINAL_MONTHS = np.array([0, 1.5, 3, 6, 9, 12, 18, 24, 36, 48])

R_SCRIPT = r"""
suppressPackageStartupMessages({library(lme4); library(jsonlite)})
args <- commandArgs(trailingOnly = TRUE)
registry <- read.csv(args[1])
timing <- system.time(
  fit <- lmer(odi ~ months + treatment + baseline_odi + (1 + months | patient_id),
              data = registry, REML = TRUE)
)
vc <- as.data.frame(VarCorr(fit))
write_json(list(seconds = unname(timing["elapsed"]), coef = unname(fixef(fit)),
                se = unname(sqrt(diag(as.matrix(vcov(fit))))), vcov = vc$vcov,
                loglik = as.numeric(logLik(fit))),
           args[2], digits = NA, auto_unbox = TRUE)
"""


def simulate(patients: int, seed: int = 7) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    visits = len(NOMINAL_MONTHS)
    patient = np.repeat(np.arange(patients), visits)
    months = np.tile(NOMINAL_MONTHS, patients)
    months = np.where(months > 0, months + rng.normal(0, 0.3, months.size), 0.0)
    arm = rng.choice(np.array(["bmac", "epidural", "physio"]), patients, p=[0.4, 0.3, 0.3])
    baseline = rng.normal(45, 12, patients).round(1)
    intercept = rng.normal(0, 8, patients)
    slope = -0.3 * intercept / 8 * 0.25 + rng.normal(0, 0.25, patients)
    effect = pd.Series({"bmac": -0.6, "epidural": -0.3, "physio": -0.2})[arm].to_numpy()
    odi = (
        40
        + 0.5 * (baseline[patient] - 45)
        + intercept[patient]
        + (effect[patient] + slope[patient]) * months
        + rng.normal(0, 6, months.size)
    )
    frame = pd.DataFrame(
        {
            "patient_id": [f"P{number:06d}" for number in patient],
            "months": months.round(2),
            "treatment": arm[patient],
            "baseline_odi": baseline[patient],
            "odi": odi.round(2),
        }
    )
    return frame


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--patients", type=int, default=20_000)
    arguments = parser.parse_args()
    frame = simulate(arguments.patients)
    with tempfile.TemporaryDirectory() as folder:
        csv_path, json_path = Path(folder) / "registry.csv", Path(folder) / "lmer.json"
        frame.to_csv(csv_path, index=False)
        frame = pd.read_csv(csv_path)  # fit exactly what R reads

        started = time.perf_counter()
        ours = mixed_model(
            frame,
            "odi ~ months + treatment + baseline_odi",
            groups="patient_id",
            random="1 + months",
            reml=True,
        )
        ours_seconds = time.perf_counter() - started

        script = Path(folder) / "lmer.R"
        script.write_text(R_SCRIPT)
        subprocess.run(["Rscript", str(script), str(csv_path), str(json_path)], check=True)
        lmer = json.loads(json_path.read_text())

    components = ours.variance_components
    ours_vcov = [components["intercept_var"], components["slope_var"], components["residual_var"]]
    r_vcov = [lmer["vcov"][0], lmer["vcov"][1], lmer["vcov"][3]]

    def worst(a: list[float] | np.ndarray, b: list[float]) -> float:
        return float(np.max(np.abs(np.asarray(a) - np.asarray(b)) / np.abs(np.asarray(b))))

    print(f"rows {ours.n_obs:,}, patients {ours.n_groups:,}, converged {ours.converged}")
    print(f"mixed_model (ours): {ours_seconds:8.3f} s")
    print(f"lme4::lmer (R):     {lmer['seconds']:8.3f} s")
    print(f"ratio ours / lmer:  {ours_seconds / lmer['seconds']:8.3f}")
    print(
        "largest relative difference vs lmer (default control): "
        f"coef {worst(ours.fixed['coef'].to_numpy(), lmer['coef']):.1e}, "
        f"se {worst(ours.fixed['se'].to_numpy(), lmer['se']):.1e}, "
        f"variances {worst(ours_vcov, r_vcov):.1e}, "
        f"logLik ours - lmer {ours.loglik - lmer['loglik']:.2e}"
    )


if __name__ == "__main__":
    main()

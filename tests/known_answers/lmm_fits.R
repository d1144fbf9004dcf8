# Known answers for spinereg.analytics.longitudinal.mixed_model, from lme4::lmer.
#
# Run from the repository root:  Rscript tests/known_answers/lmm_fits.R
# Writes lmm_sleepstudy.csv and lmm_registry.csv (the inputs, re-read before fitting so that R
# fits exactly what the Python tests read) and lmm_fits.json (the expected values).
#
# Each model is fitted three ways: with lmer's default control (nloptwrap BOBYQA, xtol_abs =
# ftol_abs = 1e-8); with a much tighter BOBYQA control; and "polished": Newton steps on lme4's own
# profiled deviance function (lmer(..., devFunOnly = TRUE)) from the tight optimum, with central
# differences, then lmer(..., start = polished θ, optimizer = NULL) to read off the fit there.
# BOBYQA sees only deviance values, which are flat to 1e-12 within 1e-6 of θ̂, so even the tight
# fit leaves small components of θ off by ~1e-6 relative; the Newton steps bring it to ~1e-9.
# The JSON keeps all three with their deviance; the tests compare against the polished fit.
suppressPackageStartupMessages({
  library(lme4)
  library(jsonlite)
})

here <- "tests/known_answers"

# --- lme4's sleepstudy (Belenky et al. 2003), exported unchanged ------------------------------
sleep <- lme4::sleepstudy
sleep$Subject <- as.character(sleep$Subject)
write.csv(sleep, file.path(here, "lmm_sleepstudy.csv"), row.names = FALSE)

# --- a registry-like simulation: 300 patients, up to 10 visits, unbalanced and missing ---------
set.seed(20261126)
nominal_months <- c(0, 1.5, 3, 6, 9, 12, 18, 24, 36, 48)
n_patients <- 300
rows <- list()
for (patient in seq_len(n_patients)) {
  treatment <- sample(c("bmac", "epidural", "physio"), 1, prob = c(0.4, 0.3, 0.3))
  baseline_odi <- round(rnorm(1, 45, 12), 1)
  n_visits <- sample(2:10, 1, prob = c(1, 1, 1, 1, 2, 2, 3, 4, 6))  # dropout
  months <- nominal_months[seq_len(n_visits)]
  months <- months[c(TRUE, runif(n_visits - 1) > 0.15)]            # missed visits
  months <- round(months + c(0, rnorm(length(months) - 1, 0, 0.3)), 2)
  intercept <- rnorm(1)
  slope <- -0.3 * intercept + sqrt(1 - 0.09) * rnorm(1)
  effect <- c(bmac = -0.6, epidural = -0.3, physio = -0.2)[[treatment]]
  odi <- 40 + 0.5 * (baseline_odi - 45) + 8 * intercept +
    (effect + 0.25 * slope) * months + rnorm(length(months), 0, 6)
  rows[[patient]] <- data.frame(
    patient_id = sprintf("P%04d", patient), months = months, treatment = treatment,
    baseline_odi = baseline_odi, odi = round(odi, 2)
  )
}
registry <- do.call(rbind, rows)
write.csv(registry, file.path(here, "lmm_registry.csv"), row.names = FALSE)

# --- a singular fit: no slope variance in truth, so lmer puts a variance on its bound 0 ------
set.seed(11)
singular <- data.frame(patient_id = rep(sprintf("S%03d", 1:40), each = 4),
                       months = rep(c(0, 3, 6, 12), 40))
singular$odi <- round(45 - 0.8 * singular$months + rep(rnorm(40, 0, 6), each = 4) +
                        rnorm(160, 0, 5), 2)
write.csv(singular, file.path(here, "lmm_singular.csv"), row.names = FALSE)

sleep <- read.csv(file.path(here, "lmm_sleepstudy.csv"))
singular <- read.csv(file.path(here, "lmm_singular.csv"))
registry <- read.csv(file.path(here, "lmm_registry.csv"))

tight <- lmerControl(optCtrl = list(xtol_abs = 1e-14, ftol_abs = 1e-15, xtol_rel = 1e-14,
                                    ftol_rel = 1e-15, maxeval = 1e6))

describe <- function(fit) {
  vc <- as.data.frame(VarCorr(fit))
  grouping <- names(getME(fit, "flist"))[1]
  comp <- vc[vc$grp == grouping, ]
  intercept_var <- comp$vcov[comp$var1 == "(Intercept)" & is.na(comp$var2)]
  slope_rows <- comp[!is.na(comp$var1) & comp$var1 != "(Intercept)" & is.na(comp$var2), ]
  corr_rows <- comp[!is.na(comp$var2), ]
  re <- ranef(fit)[[1]]
  list(
    fixed = list(term = names(fixef(fit)), coef = unname(fixef(fit)),
                 se = unname(sqrt(diag(as.matrix(vcov(fit)))))),
    intercept_var = intercept_var,
    slope_var = if (nrow(slope_rows)) slope_rows$vcov else NULL,
    correlation = if (nrow(corr_rows)) corr_rows$sdcor else NULL,
    residual_var = vc$vcov[vc$grp == "Residual"],
    loglik = as.numeric(logLik(fit)),
    deviance_criterion = unname(if (isREML(fit)) REMLcrit(fit) else deviance(fit)),
    theta = unname(getME(fit, "theta")),
    n_obs = nobs(fit),
    n_groups = unname(ngrps(fit)),
    random_effects = list(group = rownames(re), columns = names(re),
                          values = unname(as.list(re)))
  )
}

# Newton's method on f from x, derivatives by central differences with Richardson extrapolation
# (error O(h^4) in the gradient); components of x at a bound of 0 are left alone.
newton_polish <- function(f, x, steps = 5) {
  free <- which(abs(x) > 1e-4)
  for (iteration in seq_len(steps)) {
    h <- 1e-3 * pmax(abs(x), 0.1)
    gradient_at <- function(scale) {
      sapply(free, function(i) {
        e <- replace(numeric(length(x)), i, h[i] * scale)
        (f(x + e) - f(x - e)) / (2 * h[i] * scale)
      })
    }
    gradient <- (4 * gradient_at(0.5) - gradient_at(1)) / 3
    hessian <- matrix(0, length(free), length(free))
    for (a in seq_along(free)) for (b in seq_along(free)) {
      ea <- replace(numeric(length(x)), free[a], h[free[a]])
      eb <- replace(numeric(length(x)), free[b], h[free[b]])
      hessian[a, b] <- (f(x + ea + eb) - f(x + ea - eb) - f(x - ea + eb) + f(x - ea - eb)) /
        (4 * h[free[a]] * h[free[b]])
    }
    step <- solve(hessian, gradient)
    trial <- x
    trial[free] <- x[free] - step
    if (f(trial) > f(x) + 1e-10) break  # beyond rounding noise: a bad step
    x <- trial
  }
  x
}

fit_both <- function(formula, data, reml) {
  default_fit <- lmer(formula, data = data, REML = reml)
  tight_fit <- lmer(formula, data = data, REML = reml, control = tight)
  deviance_of <- lmer(formula, data = data, REML = reml, devFunOnly = TRUE)
  polished_theta <- newton_polish(deviance_of, unname(getME(tight_fit, "theta")))
  polished_fit <- lmer(formula, data = data, REML = reml, start = list(theta = polished_theta),
                       control = lmerControl(optimizer = NULL))
  list(formula = deparse(formula), reml = reml,
       polished = describe(polished_fit), tight = describe(tight_fit),
       default = describe(default_fit))
}

fits <- list(
  sleepstudy_slope_reml = fit_both(Reaction ~ Days + (Days | Subject), sleep, TRUE),
  sleepstudy_slope_ml = fit_both(Reaction ~ Days + (Days | Subject), sleep, FALSE),
  sleepstudy_intercept_reml = fit_both(Reaction ~ Days + (1 | Subject), sleep, TRUE),
  sleepstudy_intercept_ml = fit_both(Reaction ~ Days + (1 | Subject), sleep, FALSE),
  registry_slope_reml = fit_both(
    odi ~ months + treatment + baseline_odi + (1 + months | patient_id), registry, TRUE),
  registry_slope_ml = fit_both(
    odi ~ months + treatment + baseline_odi + (1 + months | patient_id), registry, FALSE),
  registry_intercept_reml = fit_both(
    odi ~ months + treatment + baseline_odi + (1 | patient_id), registry, TRUE),
  registry_interaction_reml = fit_both(
    odi ~ months * treatment + baseline_odi + (1 + months | patient_id), registry, TRUE),
  singular_slope_reml = fit_both(odi ~ months + (1 + months | patient_id), singular, TRUE)
)

out <- list(
  r_version = R.version.string,
  lme4_version = as.character(packageVersion("lme4")),
  fits = fits
)
write_json(out, file.path(here, "lmm_fits.json"), digits = NA, auto_unbox = TRUE, pretty = TRUE)

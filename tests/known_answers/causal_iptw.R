# Known answers for spinereg.analytics.causal.iptw, from stats::glm, stats::lm and
# sandwich::vcovHC.
#
# Run from the repository root:  Rscript tests/known_answers/causal_iptw.R
# Writes the inputs (causal_simulated.csv: confounded registry-like data; causal_birthwt.csv:
# MASS::birthwt, maternal smoking and birth weight, race as two 0/1 columns) and
# causal_iptw.json. Each data set is re-read from its CSV before fitting.
#
# Per data set and weighting (stabilized or not):
#   ps  <- fitted(glm(treatment ~ covariates, family = binomial))   (epsilon = 1e-15, so that
#          IRLS runs to the optimum rather than stopping at glm's default 1e-8)
#   w   <- stabilized: P(T = t) / P(T = t | X); unstabilized: 1 / P(T = t | X)
#   fit <- lm(outcome ~ treatment, weights = w)
#   se  <- sqrt(vcovHC(fit, type = "HC0")["treatment", "treatment"]); CI coef ± qnorm(0.975) se
# and the balance table (means before/after weighting, SMD over the pooled SD of the unweighted
# groups, sqrt((s1² + s0²) / 2)) and Kish's effective sample sizes (Σw)² / Σw².
suppressPackageStartupMessages({
  library(sandwich)
  library(jsonlite)
  library(MASS)
})

here <- "tests/known_answers"

set.seed(20261126)
n <- 1500
simulated <- data.frame(
  age = round(rnorm(n, 55, 12), 1),
  baseline_odi = round(rnorm(n, 45, 12), 1),
  smoker = rbinom(n, 1, 0.3),
  symptom_months = round(rexp(n, 1 / 24), 1)
)
linear <- with(simulated, -0.5 + 0.03 * (age - 55) + 0.04 * (baseline_odi - 45) -
                 0.6 * smoker + 0.01 * symptom_months)
simulated$treatment <- rbinom(n, 1, plogis(linear))
simulated$odi_change <- with(simulated, round(
  -10 - 6 * treatment + 0.2 * (baseline_odi - 45) - 0.1 * (age - 55) + 3 * smoker +
    rnorm(n, 0, 8), 2))
write.csv(simulated, file.path(here, "causal_simulated.csv"), row.names = FALSE)

birthwt <- MASS::birthwt
birthwt <- data.frame(
  age = birthwt$age, lwt = birthwt$lwt,
  race_black = as.integer(birthwt$race == 2), race_other = as.integer(birthwt$race == 3),
  ptl = birthwt$ptl, ht = birthwt$ht, ui = birthwt$ui,
  smoke = birthwt$smoke, bwt = birthwt$bwt
)
write.csv(birthwt, file.path(here, "causal_birthwt.csv"), row.names = FALSE)

analyse <- function(data, treatment, covariates, outcome) {
  model <- glm(reformulate(covariates, treatment), family = binomial, data = data,
               control = glm.control(epsilon = 1e-15, maxit = 100))
  ps <- unname(fitted(model))
  t <- data[[treatment]]
  p_treated <- mean(t)
  weighting <- function(stabilized) {
    w <- if (stabilized) ifelse(t == 1, p_treated / ps, (1 - p_treated) / (1 - ps))
         else ifelse(t == 1, 1 / ps, 1 / (1 - ps))
    data$.w <- w
    fit <- lm(reformulate(treatment, outcome), data = data, weights = .w)
    estimate <- unname(coef(fit)[treatment])
    se <- sqrt(vcovHC(fit, type = "HC0")[treatment, treatment])
    balance <- lapply(covariates, function(name) {
      x <- data[[name]]
      pooled_sd <- sqrt((var(x[t == 1]) + var(x[t == 0])) / 2)
      before <- c(mean(x[t == 1]), mean(x[t == 0]))
      after <- c(weighted.mean(x[t == 1], w[t == 1]), weighted.mean(x[t == 0], w[t == 0]))
      list(covariate = name,
           mean_treated_before = before[1], mean_control_before = before[2],
           mean_treated_after = after[1], mean_control_after = after[2],
           smd_before = (before[1] - before[2]) / pooled_sd,
           smd_after = (after[1] - after[2]) / pooled_sd)
    })
    list(weights = unname(w), ate = estimate, ate_se = se,
         ate_ci = estimate + c(-1, 1) * qnorm(0.975) * se,
         balance = balance,
         ess_treated = sum(w[t == 1])^2 / sum(w[t == 1]^2),
         ess_control = sum(w[t == 0])^2 / sum(w[t == 0]^2))
  }
  list(
    treatment = treatment, covariates = covariates, outcome = outcome,
    propensity = list(term = names(coef(model)), coef = unname(coef(model)),
                      se = unname(summary(model)$coefficients[, "Std. Error"]),
                      deviance = deviance(model), iterations = model$iter),
    propensity_score = ps,
    stabilized = weighting(TRUE),
    unstabilized = weighting(FALSE)
  )
}

simulated <- read.csv(file.path(here, "causal_simulated.csv"))
birthwt <- read.csv(file.path(here, "causal_birthwt.csv"))
out <- list(
  r_version = R.version.string,
  sandwich_version = as.character(packageVersion("sandwich")),
  simulated = analyse(simulated, "treatment",
                      c("age", "baseline_odi", "smoker", "symptom_months"), "odi_change"),
  birthwt = analyse(birthwt, "smoke",
                    c("age", "lwt", "race_black", "race_other", "ptl", "ht", "ui"), "bwt")
)
write_json(out, file.path(here, "causal_iptw.json"), digits = NA, auto_unbox = TRUE,
           pretty = TRUE)

# Known answers for spinereg.analytics.dose_response: a restricted cubic spline of log(exposure)
# adjusted for the baseline score, fitted by least squares.
#
# Run from the repository root:  Rscript tests/known_answers/report_dose_response.R
# Writes report_dose_response.csv (simulated BMAC episodes: CFU-F per mL of concentrate, baseline
# ODI and the 12-month ODI improvement) and report_dose_response.json.
#
# The spline space is fitted twice, independently:
#  1. splines::ns(log(x), knots = t[2:(k-1)], Boundary.knots = t[c(1, k)]): R's natural cubic
#     spline with the same knots spans the same functions as Harrell's restricted cubic spline,
#     so fitted values, the confidence band, sigma, logLik and the baseline coefficient agree;
#  2. Harrell's truncated-power basis written out below (Hmisc::rcspline.eval with norm = 2;
#     Hmisc is not installed here), whose coefficients spinereg reports.
# Knots: quantile(log(x), c(.05, .35, .65, .95)) (type 7) for k = 4; c(.05, .275, .5, .725, .95)
# for k = 5. Curve: predict(fit, newdata, interval = "confidence") on 100 equally spaced points
# of log(x) from its minimum to its maximum, the covariate at its mean. F tests: anova() of
# nested lm fits (association: without the spline; non-linearity: with log(x) linear only).
suppressPackageStartupMessages({
  library(splines)
  library(jsonlite)
})

here <- "tests/known_answers"

set.seed(20261201)
n <- 240
data <- data.frame(
  cfu_f_per_ml = round(exp(rnorm(n, log(2300), 0.7))),
  baseline_odi = round(pmin(pmax(rnorm(n, 51, 14), 12), 92), 1)
)
lx <- log(data$cfu_f_per_ml)
data$odi_change <- round(
  6 + 12 * plogis(2.2 * (lx - log(2000))) + 0.35 * (data$baseline_odi - 51) + rnorm(n, 0, 9), 2)
write.csv(data, file.path(here, "report_dose_response.csv"), row.names = FALSE)
data <- read.csv(file.path(here, "report_dose_response.csv"))

rcs_basis <- function(x, knots) {
  k <- length(knots)
  last <- knots[k]; before <- knots[k - 1]
  out <- cbind(x)
  for (j in seq_len(k - 2)) {
    term <- pmax(x - knots[j], 0)^3 -
      pmax(x - before, 0)^3 * (last - knots[j]) / (last - before) +
      pmax(x - last, 0)^3 * (before - knots[j]) / (last - before)
    out <- cbind(out, term / (last - knots[1])^2)
  }
  out
}

probabilities <- list(`4` = c(.05, .35, .65, .95), `5` = c(.05, .275, .5, .725, .95))

analyse <- function(k, covariates, log_scale) {
  x <- if (log_scale) log(data$cfu_f_per_ml) else data$cfu_f_per_ml
  knots <- unname(quantile(x, probabilities[[as.character(k)]]))
  d <- data.frame(y = data$odi_change, x = x, baseline_odi = data$baseline_odi)
  spline_term <- "ns(x, knots = knots[2:(k - 1)], Boundary.knots = knots[c(1, k)])"
  rhs <- paste(c(spline_term, covariates), collapse = " + ")
  fit <- lm(as.formula(paste("y ~", rhs)), data = d)
  basis <- rcs_basis(d$x, knots)
  design <- if (length(covariates)) cbind(basis, baseline_odi = d$baseline_odi) else basis
  fit_rcs <- lm(d$y ~ design)
  grid <- data.frame(x = seq(min(x), max(x), length.out = 100))
  if (length(covariates)) grid$baseline_odi <- mean(d$baseline_odi)
  band <- predict(fit, newdata = grid, interval = "confidence", level = 0.95)
  se_fit <- predict(fit, newdata = grid, se.fit = TRUE)$se.fit
  reduced <- lm(as.formula(paste("y ~", if (length(covariates)) paste(covariates, collapse = " + ") else "1")), data = d)
  linear <- lm(as.formula(paste("y ~", paste(c("x", covariates), collapse = " + "))), data = d)
  association <- anova(reduced, fit)
  nonlinearity <- anova(linear, fit)
  list(
    knots = knots,
    log = log_scale,
    covariates = covariates,
    n = nrow(d),
    df_residual = fit$df.residual,
    sigma = summary(fit)$sigma,
    loglik = as.numeric(logLik(fit)),
    grid_x = grid$x,
    fit = unname(band[, "fit"]),
    se = unname(se_fit),
    lower = unname(band[, "lwr"]),
    upper = unname(band[, "upr"]),
    rcs_coef = unname(coef(fit_rcs)),
    rcs_se = unname(sqrt(diag(vcov(fit_rcs)))),
    association = list(F = association$F[2], df1 = association$Df[2],
                       df2 = association$Res.Df[2], p = association$`Pr(>F)`[2]),
    nonlinearity = list(F = nonlinearity$F[2], df1 = nonlinearity$Df[2],
                        df2 = nonlinearity$Res.Df[2], p = nonlinearity$`Pr(>F)`[2])
  )
}

results <- list(
  r_version = R.version.string,
  adjusted_k4_log = analyse(4, c("baseline_odi"), TRUE),
  unadjusted_k5_raw = analyse(5, character(0), FALSE)
)
write_json(results, file.path(here, "report_dose_response.json"), digits = NA, auto_unbox = TRUE)

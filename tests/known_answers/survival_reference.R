# Known answers for spinereg.analytics.survival, computed with R's survival package.
#
# Run from the repository root:  Rscript tests/known_answers/survival_reference.R
#
# It exports the datasets it uses to survival_<name>.csv, reads them back (so R and Python start
# from the very same numbers), and writes every reference value to survival_reference.json with
# jsonlite's full precision (digits = NA). NA, NaN and Inf are written as the strings "NA", "NaN"
# and "Inf" (jsonlite's default), which the Python tests map back to floats.
suppressPackageStartupMessages({
  library(survival)
  library(jsonlite)
})

here <- "tests/known_answers"
csv_path <- function(name) file.path(here, paste0("survival_", name, ".csv"))
export <- function(frame, name) {
  write.csv(frame, csv_path(name), row.names = FALSE, na = "")
  read.csv(csv_path(name), na.strings = "")
}

# ---- datasets ------------------------------------------------------------------------------
lung_data <- export(data.frame(
  time = survival::lung$time, status = survival::lung$status - 1L, age = survival::lung$age,
  sex = survival::lung$sex, ph_ecog = survival::lung$ph.ecog
), "lung")
ovarian_data <- export(data.frame(
  futime = survival::ovarian$futime, fustat = survival::ovarian$fustat,
  age = survival::ovarian$age, resid_ds = survival::ovarian$resid.ds,
  rx = survival::ovarian$rx, ecog_ps = survival::ovarian$ecog.ps
), "ovarian")
veteran_data <- export(data.frame(
  time = survival::veteran$time, status = survival::veteran$status,
  trt = survival::veteran$trt, celltype = as.character(survival::veteran$celltype),
  karno = survival::veteran$karno, age = survival::veteran$age
), "veteran")
aml_data <- export(data.frame(
  time = survival::aml$time, status = survival::aml$status, x = as.character(survival::aml$x)
), "aml")

# 2,000 rows with integer follow-up days: heavy ties in time, in events and in the covariates.
set.seed(20240611)
n_sim <- 2000
sim_group <- sample(c("A", "B", "C"), n_sim, replace = TRUE)
x1 <- round(rnorm(n_sim), 3)
x2 <- rbinom(n_sim, 1, 0.4)
x3 <- sample(0:4, n_sim, replace = TRUE)
hazard <- 0.01 * exp(0.4 * x1 - 0.5 * x2 + 0.15 * x3 + ifelse(sim_group == "B", 0.3, 0))
event_day <- ceiling(rexp(n_sim, hazard))
censor_day <- ceiling(runif(n_sim, 20, 250))
simulated_data <- export(data.frame(
  time = pmin(event_day, censor_day), event = as.integer(event_day <= censor_day),
  group = sim_group, x1 = x1, x2 = x2, x3 = x3
), "simulated_ties")

# Small hand-made curves for the median rules of quantile.survfit and the Greenwood edge cases.
edge_cases <- list(
  flat_at_half = data.frame(time = 1:6, event = rep(1L, 6)),
  flat_at_half_censored = data.frame(time = 1:5, event = c(0L, 1L, 1L, 0L, 1L)),
  ends_at_half = data.frame(time = c(1, 2, 3, 4), event = c(1L, 1L, 0L, 0L)),
  median_not_reached = data.frame(time = c(2, 4, 5, 7, 9, 11), event = c(1L, 0L, 1L, 0L, 0L, 0L)),
  all_die_at_last_time = data.frame(time = c(1, 2, 2, 3, 3), event = c(1L, 1L, 0L, 1L, 1L)),
  near_tied_times = data.frame(time = c(1, 1.0000000001, 2, 2, 3.5, 4), event = c(1L, 1L, 0L, 1L, 1L, 0L)),
  event_at_time_zero = data.frame(time = c(0, 0, 1, 2, 3, 5, 8), event = c(1L, 0L, 1L, 1L, 0L, 1L, 0L))
)
edge_frame <- do.call(rbind, lapply(names(edge_cases), function(name) {
  cbind(case = name, edge_cases[[name]])
}))
edge_frame <- export(edge_frame, "km_edge_cases")

datasets <- list(
  lung = list(frame = lung_data, time = "time", event = "status"),
  ovarian = list(frame = ovarian_data, time = "futime", event = "fustat"),
  veteran = list(frame = veteran_data, time = "time", event = "status"),
  aml = list(frame = aml_data, time = "time", event = "status"),
  simulated_ties = list(frame = simulated_data, time = "time", event = "event"),
  km_edge_cases = list(frame = edge_frame, time = "time", event = "event")
)

# ---- Kaplan-Meier --------------------------------------------------------------------------
km_case <- function(name, dataset, subset_column = NULL, subset_value = NULL,
                    query_times = numeric(0)) {
  spec <- datasets[[dataset]]
  frame <- spec$frame
  if (!is.null(subset_column)) frame <- frame[frame[[subset_column]] == subset_value, ]
  y <- Surv(frame[[spec$time]], frame[[spec$event]])
  fits <- lapply(c("log-log", "log", "plain"), function(conf_type) {
    fit <- survfit(y ~ 1, conf.type = conf_type)
    table <- summary(fit, censored = FALSE)
    quant <- quantile(fit, probs = 0.5)
    printed <- summary(fit)$table
    out <- list(
      conf_type = conf_type,
      table = list(
        time = table$time, n_risk = table$n.risk, n_event = table$n.event,
        n_censor = table$n.censor, survival = table$surv, std_err = table$std.err,
        lower = table$lower, upper = table$upper
      ),
      curve = list(
        time = fit$time, n_risk = fit$n.risk, n_event = fit$n.event, n_censor = fit$n.censor,
        survival = fit$surv, std_err = fit$std.err * fit$surv, lower = fit$lower,
        upper = fit$upper
      ),
      median = unname(quant$quantile), median_lower = unname(quant$lower),
      median_upper = unname(quant$upper),
      print_median = unname(printed["median"]),
      print_median_lower = unname(printed["0.95LCL"]),
      print_median_upper = unname(printed["0.95UCL"])
    )
    if (length(query_times) > 0) {
      at <- summary(fit, times = query_times)
      out$survival_at <- list(time = at$time, survival = at$surv)
    }
    out
  })
  list(
    name = name, dataset = dataset,
    subset_column = if (is.null(subset_column)) NA else subset_column,
    subset_value = if (is.null(subset_value)) NA else subset_value,
    call = "survfit(Surv(time, event) ~ 1, conf.type = conf_type); summary(fit, censored = FALSE); quantile(fit, 0.5)",
    fits = fits
  )
}

km_cases <- list(
  km_case("lung", "lung", query_times = c(0, 5, 100, 180.5, 365, 730, 1022)),
  km_case("lung_male", "lung", "sex", 1),
  km_case("lung_female", "lung", "sex", 2),
  km_case("ovarian", "ovarian", query_times = c(59, 400, 1000)),
  km_case("veteran", "veteran", query_times = c(1, 30, 90, 365)),
  km_case("aml", "aml"),
  km_case("aml_maintained", "aml", "x", "Maintained"),
  km_case("aml_nonmaintained", "aml", "x", "Nonmaintained"),
  km_case("simulated_ties", "simulated_ties", query_times = c(10, 50, 100, 200)),
  km_case("simulated_ties_group_b", "simulated_ties", "group", "B")
)
for (edge in names(edge_cases)) {
  km_cases[[length(km_cases) + 1]] <- km_case(edge, "km_edge_cases", "case", edge)
}

# ---- log-rank ------------------------------------------------------------------------------
logrank_case <- function(name, dataset, group) {
  spec <- datasets[[dataset]]
  frame <- spec$frame
  test <- survdiff(Surv(frame[[spec$time]], frame[[spec$event]]) ~ frame[[group]])
  labels <- sub("^.*=", "", names(test$n))
  list(
    name = name, dataset = dataset, group = group,
    call = sprintf("survdiff(Surv(%s, %s) ~ %s, data = %s)", spec$time, spec$event, group, dataset),
    chi_square = test$chisq, df = length(test$n) - 1, p = test$pvalue,
    groups = labels, n = as.vector(test$n), observed = as.vector(test$obs),
    expected = as.vector(test$exp)
  )
}
logrank_cases <- list(
  logrank_case("lung_sex", "lung", "sex"),
  logrank_case("aml_x", "aml", "x"),
  logrank_case("veteran_trt", "veteran", "trt"),
  logrank_case("veteran_celltype", "veteran", "celltype"),
  logrank_case("ovarian_rx", "ovarian", "rx"),
  logrank_case("simulated_ties_group", "simulated_ties", "group")
)

# ---- Cox proportional hazards ---------------------------------------------------------------
cox_case <- function(name, dataset, covariates, ties) {
  spec <- datasets[[dataset]]
  frame <- na.omit(spec$frame[, c(spec$time, spec$event, covariates)])
  formula <- as.formula(sprintf(
    "Surv(%s, %s) ~ %s", spec$time, spec$event, paste(covariates, collapse = " + ")
  ))
  fit <- coxph(formula, data = frame, ties = ties)
  table <- summary(fit)
  coefs <- table$coefficients
  ci <- table$conf.int
  list(
    name = name, dataset = dataset, duration = spec$time, event = spec$event,
    covariates = covariates, terms = names(coef(fit)), ties = ties,
    call = sprintf("coxph(%s, data = na.omit(%s), ties = \"%s\")",
                   deparse(formula), dataset, ties),
    coef = unname(coefs[, "coef"]), se = unname(coefs[, "se(coef)"]),
    hazard_ratio = unname(coefs[, "exp(coef)"]), z = unname(coefs[, "z"]),
    p = unname(coefs[, "Pr(>|z|)"]), lower = unname(ci[, "lower .95"]),
    upper = unname(ci[, "upper .95"]), loglik = fit$loglik[2], loglik_null = fit$loglik[1],
    concordance = unname(fit$concordance["concordance"]),
    concordance_counts = as.list(fit$concordance[c("concordant", "discordant", "tied.x", "tied.y")]),
    likelihood_ratio = unname(table$logtest["test"]),
    likelihood_ratio_p = unname(table$logtest["pvalue"]),
    n = fit$n, n_events = fit$nevent, iterations = fit$iter
  )
}
cox_cases <- list()
for (ties in c("efron", "breslow")) {
  cox_cases[[length(cox_cases) + 1]] <- cox_case(paste0("lung_", ties), "lung", c("age", "sex", "ph_ecog"), ties)
  cox_cases[[length(cox_cases) + 1]] <- cox_case(paste0("veteran_", ties), "veteran", c("karno", "age", "trt"), ties)
  cox_cases[[length(cox_cases) + 1]] <- cox_case(paste0("ovarian_", ties), "ovarian", c("age", "ecog_ps"), ties)
  cox_cases[[length(cox_cases) + 1]] <- cox_case(paste0("simulated_ties_", ties), "simulated_ties", c("x1", "x2", "x3"), ties)
  # A character column is a factor to R (treatment coding, first level "A" the reference);
  # the Python test dummy-codes it with pandas.get_dummies(drop_first = True).
  cox_cases[[length(cox_cases) + 1]] <- cox_case(paste0("simulated_ties_factor_", ties), "simulated_ties", c("x1", "x2", "x3", "group"), ties)
}

write_json(
  list(
    r_version = R.version.string,
    survival_version = as.character(packageVersion("survival")),
    kaplan_meier = km_cases, logrank = logrank_cases, cox = cox_cases
  ),
  file.path(here, "survival_reference.json"),
  digits = NA, auto_unbox = TRUE, pretty = TRUE
)

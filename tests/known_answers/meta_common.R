# Shared helpers for the meta_*.R known-answer scripts (spinereg.analytics.meta).
# Each script sources this file, fits metafor models on one dataset, and writes
# <name>.csv (the exact input numbers) and <name>.json (metafor's answers, full precision).
suppressMessages(library(metafor))
suppressMessages(library(jsonlite))

script_dir <- function() {
  file_arg <- grep("^--file=", commandArgs(trailingOnly = FALSE), value = TRUE)
  dirname(normalizePath(sub("^--file=", "", file_arg[1])))
}

versions <- list(
  r = R.version.string,
  metafor = as.character(packageVersion("metafor")),
  jsonlite = as.character(packageVersion("jsonlite"))
)

methods <- c("FE", "DL", "REML")
tests <- c("z", "knha")

num <- function(x) if (is.null(x)) NA_real_ else as.numeric(x)

# One rma() fit as the numbers spinereg.analytics.meta.random_effects reports.
fit_summary <- function(res) {
  pr <- predict(res)
  list(
    k = res$k,
    estimate = num(res$beta[1]),
    se = num(res$se[1]),
    statistic = num(res$zval[1]),
    df = num(res$ddf[1]),
    ci_lower = num(res$ci.lb[1]),
    ci_upper = num(res$ci.ub[1]),
    pval = num(res$pval[1]),
    tau2 = num(res$tau2),
    se_tau2 = num(res$se.tau2),
    i2 = num(res$I2),
    h2 = num(res$H2),
    q = num(res$QE),
    q_df = res$k - res$p,
    q_pval = num(res$QEp),
    pi_lower = num(pr$pi.lb),
    pi_upper = num(pr$pi.ub),
    weights = as.numeric(weights(res))
  )
}

# rma(yi, vi, method = m, test = t) for every method x test. metafor warns that
# Knapp-Hartung is not meant for an FE model; the numbers are still what it computes.
all_fits <- function(yi, vi, control = list()) {
  out <- list()
  for (m in methods) for (t in tests) {
    res <- suppressWarnings(rma(yi, vi, method = m, test = t, control = control))
    out[[paste(m, t, sep = "_")]] <- fit_summary(res)
  }
  out
}

list_rma_summary <- function(x) {
  # leave1out()/cumul() results (class list.rma) as plain columns; FE drops tau2.
  cols <- c("estimate", "se", "zval", "tval", "pval", "ci.lb", "ci.ub", "Q", "Qp", "tau2", "I2", "H2")
  out <- list()
  for (cl in cols) if (!is.null(x[[cl]])) out[[cl]] <- as.numeric(x[[cl]])
  if (!is.null(out$tval)) { out$zval <- out$tval; out$tval <- NULL }
  out
}

write_answers <- function(answers, name) {
  answers$versions <- versions
  write_json(answers, file.path(script_dir(), paste0(name, ".json")),
             digits = NA, auto_unbox = TRUE, na = "null", pretty = TRUE)
}

write_input <- function(frame, name) {
  write.csv(frame, file.path(script_dir(), paste0(name, ".csv")), row.names = FALSE)
}

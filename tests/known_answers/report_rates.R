# Known answers for spinereg.analytics.response_rates: Wilson score intervals and responder
# shares by treatment and visit.
#
# Run from the repository root:  Rscript tests/known_answers/report_rates.R
# Writes report_rates.csv (simulated long outcomes: ODI at baseline and follow-up visits for two
# treatments) and report_rates.json.
#
# Wilson: prop.test(x, n, correct = FALSE)$conf.int on a grid of (x, n) including 0 and n.
# Responders: odi_pct30 (DOMAIN.md §2): (baseline - follow-up) / baseline >= 0.30, undefined when
# the baseline is below 10; computed here from the rule, not by spinereg; per treatment and visit
# the count of responders, of defined responses, and prop.test's Wilson limits.
suppressPackageStartupMessages(library(jsonlite))

here <- "tests/known_answers"

grid <- data.frame(
  x = c(0, 1, 5, 10, 3, 45, 0, 1, 250, 7, 99),
  n = c(10, 10, 10, 10, 17, 120, 1, 1, 1000, 8, 100)
)
wilson <- t(mapply(function(x, n) suppressWarnings(prop.test(x, n, correct = FALSE)$conf.int),
                   grid$x, grid$n))

set.seed(20261202)
patients <- 160
episodes <- data.frame(
  episode = sprintf("P%03d-1", seq_len(patients)),
  treatment = rep(c("bmac", "esi_interlaminar"), length.out = patients),
  condition = "discogenic",
  baseline = round(pmin(pmax(rnorm(patients, 45, 16), 4), 90), 1)
)
long <- do.call(rbind, lapply(c("3mo", "12mo"), function(visit) {
  keep <- runif(patients) < 0.85
  gain <- ifelse(episodes$treatment == "bmac", 0.35, 0.2) + rnorm(patients, 0, 0.25)
  data.frame(
    episode = episodes$episode[keep], treatment = episodes$treatment[keep],
    condition = episodes$condition[keep], timepoint = visit,
    baseline_value = episodes$baseline[keep],
    value = round(pmin(pmax(episodes$baseline[keep] * (1 - gain[keep]), 0), 100), 1)
  )
}))
write.csv(long, file.path(here, "report_rates.csv"), row.names = FALSE)
long <- read.csv(file.path(here, "report_rates.csv"))

long$defined <- long$baseline_value >= 10
long$met <- (long$baseline_value - long$value) / long$baseline_value >= 0.30 - 1e-9
rates <- do.call(rbind, lapply(split(long, list(long$treatment, long$timepoint)), function(d) {
  defined <- d[d$defined, ]
  x <- sum(defined$met); n <- nrow(defined)
  ci <- suppressWarnings(prop.test(x, n, correct = FALSE)$conf.int)
  data.frame(treatment = d$treatment[1], timepoint = d$timepoint[1], responders = x,
             evaluated = n, undefined = sum(!d$defined), lower = ci[1], upper = ci[2])
}))

write_json(list(
  r_version = R.version.string,
  wilson = list(x = grid$x, n = grid$n, lower = wilson[, 1], upper = wilson[, 2]),
  rates = rates
), file.path(here, "report_rates.json"), digits = NA, auto_unbox = TRUE, dataframe = "columns")

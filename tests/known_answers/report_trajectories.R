# Known answers for spinereg.analytics.trajectories (mean score by visit with t intervals) and
# for the numbers at risk and survival of the durability curves (spinereg.analytics.durability).
#
# Run from the repository root:  Rscript tests/known_answers/report_trajectories.R
# Writes report_trajectories.csv (simulated ODI by treatment and visit),
# report_durability.csv (simulated time to repeat procedure by treatment) and
# report_trajectories.json.
#
# Trajectories: per treatment and visit, n, mean, sd and t.test(x)$conf.int.
# Durability: survfit(Surv(time, event) ~ 1) per treatment; summary(fit, times)$n.risk and $surv.
suppressPackageStartupMessages({
  library(survival)
  library(jsonlite)
})

here <- "tests/known_answers"

set.seed(20261205)
visits <- c(baseline = 0, `3mo` = 91, `12mo` = 365)
long <- do.call(rbind, lapply(c("bmac", "rfa"), function(treatment) {
  do.call(rbind, lapply(names(visits), function(visit) {
    n <- if (visit == "12mo" && treatment == "rfa") 2 else sample(20:60, 1)
    drop <- if (visit == "baseline") 0 else if (treatment == "bmac") 22 else 12
    data.frame(treatment = treatment, timepoint = visit,
               days_from_index = visits[[visit]] + sample(-5:5, n, replace = TRUE),
               value = round(pmin(pmax(rnorm(n, 50 - drop, 15), 0), 100), 1))
  }))
}))
write.csv(long, file.path(here, "report_trajectories.csv"), row.names = FALSE)
long <- read.csv(file.path(here, "report_trajectories.csv"))
means <- do.call(rbind, lapply(split(long, list(long$treatment, long$timepoint)), function(d) {
  ci <- t.test(d$value)$conf.int
  data.frame(treatment = d$treatment[1], timepoint = d$timepoint[1], n = nrow(d),
             mean = mean(d$value), sd = sd(d$value), lower = ci[1], upper = ci[2])
}))

n <- 300
durability <- data.frame(
  treatment = sample(c("bmac", "esi_interlaminar"), n, replace = TRUE),
  followup_days = sample(30:1800, n, replace = TRUE)
)
event_day <- round(rweibull(n, 1.1, ifelse(durability$treatment == "bmac", 2500, 500)))
durability$event <- as.integer(event_day <= durability$followup_days)
durability$time <- ifelse(durability$event == 1, event_day, durability$followup_days)
write.csv(durability, file.path(here, "report_durability.csv"), row.names = FALSE)
durability <- read.csv(file.path(here, "report_durability.csv"))
times <- c(0, 182, 365, 730, 1095)
curves <- lapply(split(durability, durability$treatment), function(d) {
  s <- summary(survfit(Surv(time, event) ~ 1, data = d), times = times)
  list(n_risk = s$n.risk, surv = s$surv)
})

write_json(list(r_version = R.version.string, means = means, times = times, curves = curves),
           file.path(here, "report_trajectories.json"), digits = NA, auto_unbox = TRUE,
           dataframe = "columns")

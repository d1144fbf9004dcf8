# Known answers for spinereg.analytics.safety: exact (Clopper-Pearson) binomial limits and the
# one-sided upper bound with no events.
#
# Run from the repository root:  Rscript tests/known_answers/report_safety.R
# Writes report_safety_episodes.csv and report_safety_events.csv (simulated procedures and
# adverse events) and report_safety.json.
#
# binom.test(x, n)$conf.int on a grid; binom.test(0, n, alternative = "less")$conf.int[2];
# per treatment and event code: episodes with at least one event out of the procedures, with
# binom.test limits (two-sided when x > 0, the one-sided upper bound when x = 0).
suppressPackageStartupMessages(library(jsonlite))

here <- "tests/known_answers"

grid <- data.frame(x = c(1, 3, 10, 17, 5, 1, 999, 2), n = c(1, 10, 10, 523, 4804, 2, 1000, 26))
exact <- t(mapply(function(x, n) binom.test(x, n)$conf.int, grid$x, grid$n))
zero_n <- c(1, 5, 26, 157, 1000, 4804)
zero_upper <- sapply(zero_n, function(n) binom.test(0, n, alternative = "less")$conf.int[2])

set.seed(20261203)
procedures <- 300
episodes <- data.frame(
  episode = sprintf("E%03d-1", seq_len(procedures)),
  treatment = sample(c("bmac", "esi_interlaminar", "rfa"), procedures, replace = TRUE,
                     prob = c(0.5, 0.3, 0.2))
)
codes <- c("post_injection_flare", "anemia", "vasovagal")
rates <- c(0.08, 0.03, 0.015)
events <- do.call(rbind, lapply(seq_along(codes), function(i) {
  hit <- runif(procedures) < rates[i] & !(codes[i] == "anemia" & episodes$treatment != "bmac")
  # a second event of the same code for some: counted once per episode in the rate
  twice <- hit & runif(procedures) < 0.2
  rows <- c(which(hit), which(twice))
  data.frame(episode = episodes$episode[rows], code = codes[i],
             serious = runif(length(rows)) < 0.1)
}))
events <- events[order(events$episode, events$code), ]
write.csv(episodes, file.path(here, "report_safety_episodes.csv"), row.names = FALSE)
write.csv(events, file.path(here, "report_safety_events.csv"), row.names = FALSE)
episodes <- read.csv(file.path(here, "report_safety_episodes.csv"))
events <- read.csv(file.path(here, "report_safety_events.csv"))
events$treatment <- episodes$treatment[match(events$episode, episodes$episode)]

table <- do.call(rbind, lapply(sort(unique(episodes$treatment)), function(group) {
  n <- sum(episodes$treatment == group)
  do.call(rbind, lapply(codes, function(code) {
    hits <- events[events$treatment == group & events$code == code, ]
    x <- length(unique(hits$episode))
    limits <- if (x > 0) binom.test(x, n)$conf.int else
      c(0, binom.test(0, n, alternative = "less")$conf.int[2])
    data.frame(treatment = group, category = code, procedures = n, events = nrow(hits),
               episodes_with_event = x, lower = limits[1], upper = limits[2])
  }))
}))

write_json(list(
  r_version = R.version.string,
  exact = list(x = grid$x, n = grid$n, lower = exact[, 1], upper = exact[, 2]),
  zero = list(n = zero_n, upper = zero_upper),
  table = table
), file.path(here, "report_safety.json"), digits = NA, auto_unbox = TRUE, dataframe = "columns")

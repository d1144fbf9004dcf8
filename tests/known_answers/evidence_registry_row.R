# Known answers for spinereg.analytics.meta.synthesis.registry_outcome: the mean change with its
# t interval (t.test) and the responder share with its Wilson interval (prop.test, correct = FALSE).
# Run: Rscript tests/known_answers/evidence_registry_row.R (from the repository root).
library(jsonlite)
here <- "tests/known_answers"
pairs <- data.frame(
  baseline = c(56, 48, 62, 40, 71, 52, 45, 60, 38, 66),
  follow_up = c(30, 45, 41, 35, 40, 50, 20, 58, 30, 31)
)
write.csv(pairs, file.path(here, "evidence_registry_row.csv"), row.names = FALSE)
change <- pairs$follow_up - pairs$baseline
tt <- t.test(change, conf.level = 0.95)
responders <- sum(-change >= 10)
pt <- prop.test(responders, length(change), correct = FALSE, conf.level = 0.95)
write_json(
  list(
    mean_change = unname(tt$estimate), change_ci_lower = tt$conf.int[1],
    change_ci_upper = tt$conf.int[2], responders = responders,
    share_ci_lower = pt$conf.int[1], share_ci_upper = pt$conf.int[2]
  ),
  file.path(here, "evidence_registry_row.json"), auto_unbox = TRUE, digits = NA
)

# Known answers for spinereg.analytics.attrition: completion by visit with Wilson limits, and
# the baseline comparison of patients followed and lost at 12 months.
#
# Run from the repository root:  Rscript tests/known_answers/report_attrition.R
# Writes report_attrition_episodes.csv, report_attrition_followup.csv (simulated) and
# report_attrition.json.
#
# Completion: completed / (completed + missed) per visit, prop.test(x, n, correct = FALSE).
# Followed vs lost at 12mo: Welch t.test(x ~ followed) for age and baseline ODI (statistic,
# parameter = df, p.value); chisq.test(table(sex, followed), correct = FALSE) and the same for
# condition; standardised differences (followed - lost) / sqrt((s1^2 + s0^2) / 2), proportions
# with p(1 - p) as the variance.
suppressPackageStartupMessages(library(jsonlite))

here <- "tests/known_answers"

set.seed(20261204)
n <- 400
episodes <- data.frame(
  episode = sprintf("A%03d-1", seq_len(n)),
  age_at_index = round(rnorm(n, 47, 11)),
  sex = sample(c("female", "male", "other"), n, replace = TRUE, prob = c(0.52, 0.46, 0.02)),
  condition = sample(c("discogenic", "facet"), n, replace = TRUE, prob = c(0.7, 0.3)),
  baseline_odi = round(rnorm(n, 48, 15), 1)
)
visits <- data.frame(visit = c("3mo", "12mo", "24mo"), target_day = c(91, 365, 730))
followup <- do.call(rbind, lapply(seq_len(nrow(visits)), function(i) {
  logit <- 1.8 - 0.5 * i + 0.03 * (episodes$age_at_index - 47)
  status <- ifelse(runif(n) < plogis(logit), "completed", "missed")
  status[runif(n) < 0.05 * i] <- "pending"
  status[runif(n) < 0.01] <- "not_expected"
  data.frame(episode = episodes$episode, visit = visits$visit[i],
             target_day = visits$target_day[i], status = status)
}))
write.csv(episodes, file.path(here, "report_attrition_episodes.csv"), row.names = FALSE)
write.csv(followup, file.path(here, "report_attrition_followup.csv"), row.names = FALSE)
episodes <- read.csv(file.path(here, "report_attrition_episodes.csv"))
followup <- read.csv(file.path(here, "report_attrition_followup.csv"))

completion <- do.call(rbind, lapply(visits$visit, function(v) {
  d <- followup[followup$visit == v, ]
  x <- sum(d$status == "completed"); m <- sum(d$status == "missed")
  ci <- prop.test(x, x + m, correct = FALSE)$conf.int
  data.frame(visit = v, completed = x, missed = m, pending = sum(d$status == "pending"),
             not_expected = sum(d$status == "not_expected"), lower = ci[1], upper = ci[2])
}))

at12 <- followup[followup$visit == "12mo" & followup$status %in% c("completed", "missed"), ]
data <- merge(episodes, at12, by = "episode")
data$followed <- data$status == "completed"
welch <- function(name) {
  test <- t.test(data[[name]][data$followed], data[[name]][!data$followed])
  a <- data[[name]][data$followed]; b <- data[[name]][!data$followed]
  list(statistic = unname(test$statistic), df = unname(test$parameter), p = test$p.value,
       smd = (mean(a) - mean(b)) / sqrt((var(a) + var(b)) / 2))
}
chisq <- function(name) {
  test <- chisq.test(table(data[[name]], data$followed), correct = FALSE)
  levels <- sort(unique(data[[name]]))
  smd <- sapply(levels, function(level) {
    p1 <- mean(data[[name]][data$followed] == level)
    p0 <- mean(data[[name]][!data$followed] == level)
    (p1 - p0) / sqrt((p1 * (1 - p1) + p0 * (1 - p0)) / 2)
  })
  list(statistic = unname(test$statistic), df = unname(test$parameter), p = test$p.value,
       levels = levels, smd = unname(smd))
}

write_json(list(
  r_version = R.version.string,
  completion = completion,
  followed = sum(data$followed), lost = sum(!data$followed),
  age_at_index = welch("age_at_index"), baseline_odi = welch("baseline_odi"),
  sex = chisq("sex"), condition = chisq("condition")
), file.path(here, "report_attrition.json"), digits = NA, auto_unbox = TRUE, dataframe = "columns")

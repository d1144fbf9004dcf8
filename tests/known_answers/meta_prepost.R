# Known answers for the pre-post measures of spinereg.analytics.meta ("MC", "SMCR").
# The installed metadat has no pre-post dataset with means, SDs and correlations
# (dat.morris2008 is absent), so this script simulates one: 10 single-arm studies of ODI
# before and after treatment, patient-level bivariate normal data summarised per study and
# rounded (2 decimals; r to 3), then written to meta_prepost.csv and read back.
# Run: Rscript tests/known_answers/meta_prepost.R
#   escalc(measure = "MC" | "SMCR", m1i = m_post, m2i = m_pre, sd1i = sd_pre, sd2i = sd_post, ni, ri)
#   rma(yi, vi, method = m, test = t); predict(); weights()
#   sensitivity: the same with ri fixed at 0.3, 0.5, 0.7 for every study, REML and DL, z and knha
source(file.path(dirname(normalizePath(sub("^--file=", "", grep("^--file=", commandArgs(FALSE), value = TRUE)[1]))), "meta_common.R"))

set.seed(20240611)
k <- 10
rows <- lapply(seq_len(k), function(i) {
  n <- sample(12:60, 1)
  rho <- runif(1, 0.2, 0.8)
  true_change <- rnorm(1, -18, 8)
  pre <- rnorm(n, 52, 12)
  post <- 52 + true_change + rho * (pre - 52) * 1.1 + rnorm(n, 0, 12 * sqrt(1 - rho^2) * 1.1)
  data.frame(study = paste0("study", i), ni = n,
             m_pre = round(mean(pre), 2), sd_pre = round(sd(pre), 2),
             m_post = round(mean(post), 2), sd_post = round(sd(post), 2),
             ri = round(cor(pre, post), 3))
})
write_input(do.call(rbind, rows), "meta_prepost")
d <- read.csv(file.path(script_dir(), "meta_prepost.csv"))

answers <- list()
for (measure in c("MC", "SMCR")) {
  es <- escalc(measure = measure, m1i = m_post, m2i = m_pre, sd1i = sd_pre, sd2i = sd_post,
               ni = ni, ri = ri, data = d)
  sensitivity <- list()
  for (r in c(0.3, 0.5, 0.7)) {
    es_r <- escalc(measure = measure, m1i = m_post, m2i = m_pre, sd1i = sd_pre, sd2i = sd_post,
                   ni = ni, ri = rep(r, nrow(d)), data = d)
    fits <- list()
    for (m in c("DL", "REML")) for (t in tests) {
      fits[[paste(m, t, sep = "_")]] <- fit_summary(rma(es_r$yi, es_r$vi, method = m, test = t))
    }
    sensitivity[[length(sensitivity) + 1]] <- list(r = r, fits = fits)
  }
  answers[[measure]] <- list(
    escalc = list(yi = as.numeric(es$yi), vi = as.numeric(es$vi)),
    fits = all_fits(es$yi, es$vi),
    sensitivity = sensitivity
  )
}
write_answers(answers, "meta_prepost")

# Known answers for spinereg.analytics.meta on metafor's dat.bcg (13 BCG vaccine trials;
# Colditz et al. 1994). Run from anywhere: Rscript tests/known_answers/meta_bcg.R
#   dat <- escalc(measure = "RR", ai = tpos, n1i = tpos + tneg, ci = cpos, n2i = cpos + cneg)
#   rma(yi, vi, method = m, test = t) for m in FE, DL, REML and t in z, knha; predict(); weights()
#   subgroups by alloc: rma per subgroup; rma(estimates, sei = ses, method = "FE")$QE;
#     rma(yi, vi, mods = ~ factor(alloc), method = m, test = t)$QM
#   leave1out(); cumul(order = year); regtest() (model = "rma", predictor = "sei")
source(file.path(dirname(normalizePath(sub("^--file=", "", grep("^--file=", commandArgs(FALSE), value = TRUE)[1]))), "meta_common.R"))

input <- data.frame(
  trial = dat.bcg$trial, author = dat.bcg$author, year = dat.bcg$year,
  ai = dat.bcg$tpos, n1i = dat.bcg$tpos + dat.bcg$tneg,
  ci = dat.bcg$cpos, n2i = dat.bcg$cpos + dat.bcg$cneg,
  ablat = dat.bcg$ablat, alloc = dat.bcg$alloc
)
write_input(input, "meta_bcg")
d <- read.csv(file.path(script_dir(), "meta_bcg.csv"))
es <- escalc(measure = "RR", ai = ai, n1i = n1i, ci = ci, n2i = n2i, data = d)

answers <- list(escalc = list(yi = as.numeric(es$yi), vi = as.numeric(es$vi)))
answers$fits <- all_fits(es$yi, es$vi)
answers$fits_tight <- list(REML_z = fit_summary(rma(es$yi, es$vi, method = "REML",
                                                    control = list(threshold = 1e-10))))

groups <- sort(unique(d$alloc))
answers$groups <- groups
subgroups <- list(); leave1 <- list(); cumulative <- list(); egger <- list()
for (m in methods) for (t in tests) {
  key <- paste(m, t, sep = "_")
  per_group <- list(); est <- c(); ses <- c()
  for (g in groups) {
    res <- suppressWarnings(rma(es$yi, es$vi, method = m, test = t, subset = d$alloc == g))
    per_group[[g]] <- fit_summary(res)
    est <- c(est, as.numeric(res$beta)); ses <- c(ses, res$se)
  }
  between <- rma(est, sei = ses, method = "FE")
  moderator <- suppressWarnings(rma(es$yi, es$vi, mods = ~ factor(alloc), data = d, method = m, test = t))
  subgroups[[key]] <- list(
    groups = per_group,
    q_between = between$QE, q_between_df = between$k - 1, q_between_pval = between$QEp,
    qm = moderator$QM, qm_df = moderator$QMdf[1], qm_df2 = num(moderator$QMdf[2]),
    qm_pval = moderator$QMp, qm_tau2 = moderator$tau2
  )
  full <- suppressWarnings(rma(es$yi, es$vi, method = m, test = t))
  leave1[[key]] <- list_rma_summary(leave1out(full))
  cumulative[[key]] <- list_rma_summary(cumul(full, order = d$year))
  reg <- suppressWarnings(regtest(full))
  egger[[key]] <- list(statistic = num(reg$zval), pval = num(reg$pval), df = num(reg$ddf),
                       limit_estimate = num(reg$est), limit_ci_lower = num(reg$ci.lb),
                       limit_ci_upper = num(reg$ci.ub), tau2 = num(reg$fit$tau2))
}
answers$subgroups <- subgroups
answers$leave1out <- leave1
answers$cumul <- cumulative
answers$cumul_order <- order(d$year)
answers$regtest <- egger
write_answers(answers, "meta_bcg")

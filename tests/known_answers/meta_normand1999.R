# Known answers for spinereg.analytics.meta on metafor's dat.normand1999 (9 stroke-unit
# studies, length of stay in days; Normand 1999). Run: Rscript tests/known_answers/meta_normand1999.R
#   escalc(measure = "MD" | "SMD", m1i, sd1i, n1i, m2i, sd2i, n2i)   (defaults: vtype = "LS")
#   rma(yi, vi, method = m, test = t) for m in FE, DL, REML and t in z, knha; predict(); weights()
source(file.path(dirname(normalizePath(sub("^--file=", "", grep("^--file=", commandArgs(FALSE), value = TRUE)[1]))), "meta_common.R"))

write_input(dat.normand1999, "meta_normand1999")
d <- read.csv(file.path(script_dir(), "meta_normand1999.csv"))
answers <- list()
for (measure in c("MD", "SMD")) {
  es <- escalc(measure = measure, m1i = m1i, sd1i = sd1i, n1i = n1i,
               m2i = m2i, sd2i = sd2i, n2i = n2i, data = d)
  answers[[measure]] <- list(
    escalc = list(yi = as.numeric(es$yi), vi = as.numeric(es$vi)),
    fits = all_fits(es$yi, es$vi),
    fits_tight = list(REML_z = fit_summary(rma(es$yi, es$vi, method = "REML",
                                               control = list(threshold = 1e-10))))
  )
}
write_answers(answers, "meta_normand1999")

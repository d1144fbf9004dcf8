# Known answers for spinereg.analytics.meta on metafor's dat.nielweise2007 (18 trials of
# catheter-related infections; several zero cells and one trial, Yucel 2004, with no events
# in either arm). Run: Rscript tests/known_answers/meta_nielweise2007.R
#   escalc(measure = "RR", ai, n1i, ci, n2i)                  (add = 1/2, to = "only0", drop00 = FALSE)
#   escalc(measure = "RR", ai, n1i, ci, n2i, drop00 = TRUE)  (the double-zero trial becomes NA)
#   rma(yi, vi, method = m, test = t) on both; predict(); weights()
source(file.path(dirname(normalizePath(sub("^--file=", "", grep("^--file=", commandArgs(FALSE), value = TRUE)[1]))), "meta_common.R"))

write_input(dat.nielweise2007, "meta_nielweise2007")
d <- read.csv(file.path(script_dir(), "meta_nielweise2007.csv"))
answers <- list()
for (drop00 in c(FALSE, TRUE)) {
  es <- escalc(measure = "RR", ai = ai, n1i = n1i, ci = ci, n2i = n2i, data = d, drop00 = drop00)
  keep <- !is.na(es$yi)
  answers[[if (drop00) "drop00" else "default"]] <- list(
    escalc = list(yi = as.numeric(es$yi), vi = as.numeric(es$vi)),
    fits = all_fits(es$yi[keep], es$vi[keep])
  )
}
write_answers(answers, "meta_nielweise2007")

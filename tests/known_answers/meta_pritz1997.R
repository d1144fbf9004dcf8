# Known answers for spinereg.analytics.meta on metafor's dat.pritz1997 (14 studies of
# single-arm proportions; two have events in every patient, which triggers escalc's
# add = 1/2, to = "only0" correction). Run: Rscript tests/known_answers/meta_pritz1997.R
#   escalc(measure = "PR" | "PLO", xi, ni); rma(yi, vi, method = m, test = t); predict(); weights()
source(file.path(dirname(normalizePath(sub("^--file=", "", grep("^--file=", commandArgs(FALSE), value = TRUE)[1]))), "meta_common.R"))

write_input(dat.pritz1997, "meta_pritz1997")
d <- read.csv(file.path(script_dir(), "meta_pritz1997.csv"))
answers <- list()
for (measure in c("PR", "PLO")) {
  es <- escalc(measure = measure, xi = xi, ni = ni, data = d)
  answers[[measure]] <- list(
    escalc = list(yi = as.numeric(es$yi), vi = as.numeric(es$vi)),
    fits = all_fits(es$yi, es$vi)
  )
}
write_answers(answers, "meta_pritz1997")

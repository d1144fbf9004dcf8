# Known answers for the literature pipeline of spinereg.analytics.meta: effect sizes and pooled
# results for three questions on the BMAC literature table, with the rows chosen here by hand
# (so the Python row selection is checked against an independent choice).
# meta_bmac_spine_studies.csv is a snapshot of /work/shared/data/bmac_spine_studies.csv.
# Run: Rscript tests/known_answers/meta_literature.R
#   RR, NRS responders at 3 months: levi2025 (BMC vs sham, >=50% relief) and juch2017
#     (RF denervation vs exercise, first definition: reduction >30%);
#     escalc("RR", ai, n1i, ci, n2i); rma(method = "REML" | "DL", test = "z" | "knha")
#   PR, ODI responders (>=30% improvement) at 3 months: the two levi2025 arms (wolff2020 reports
#     only a percentage, so it has no count); escalc("PR", xi, ni); rma(method = "REML" | "DL")
#   MD, NRS at 3 months: juch2017 only (the one study with SDs; k = 1): escalc("MD", ...)
source(file.path(dirname(normalizePath(sub("^--file=", "", grep("^--file=", commandArgs(FALSE), value = TRUE)[1]))), "meta_common.R"))

d <- read.csv(file.path(script_dir(), "meta_bmac_spine_studies.csv"), stringsAsFactors = FALSE)
pick <- function(study, arm_product, outcome, months, definition_start = NULL) {
  rows <- d[d$study_id == study & d$product == arm_product & d$outcome == outcome &
              d$timepoint_months == months, ]
  if (!is.null(definition_start)) rows <- rows[startsWith(rows$responder_definition, definition_start), ]
  stopifnot(nrow(rows) == 1)
  rows
}

answers <- list()
levi_bmc <- pick("levi2025", "bmac", "nrs", 3)
levi_sham <- pick("levi2025", "saline", "nrs", 3)
juch_rf <- pick("juch2017", "rfa", "nrs", 3, "pain intensity reduction >30%")
juch_ex <- pick("juch2017", "other", "nrs", 3, "pain intensity reduction >30%")
rr <- escalc(measure = "RR", ai = c(levi_bmc$responders, juch_rf$responders),
             n1i = c(levi_bmc$n, juch_rf$n), ci = c(levi_sham$responders, juch_ex$responders),
             n2i = c(levi_sham$n, juch_ex$n))
answers$RR <- list(
  studies = c("levi2025", "juch2017"),
  escalc = list(yi = as.numeric(rr$yi), vi = as.numeric(rr$vi)),
  fits = list(REML_z = fit_summary(rma(rr$yi, rr$vi, method = "REML")),
              REML_knha = fit_summary(rma(rr$yi, rr$vi, method = "REML", test = "knha")),
              DL_z = fit_summary(rma(rr$yi, rr$vi, method = "DL")))
)

odi_bmc <- pick("levi2025", "bmac", "odi", 3)
odi_sham <- pick("levi2025", "saline", "odi", 3)
pr <- escalc(measure = "PR", xi = c(odi_bmc$responders, odi_sham$responders), ni = c(odi_bmc$n, odi_sham$n))
answers$PR <- list(
  arms = c(odi_bmc$arm, odi_sham$arm),
  escalc = list(yi = as.numeric(pr$yi), vi = as.numeric(pr$vi)),
  fits = list(REML_z = fit_summary(rma(pr$yi, pr$vi, method = "REML")),
              DL_z = fit_summary(rma(pr$yi, pr$vi, method = "DL")))
)

rf <- d[d$study_id == "juch2017" & d$product == "rfa" & d$outcome == "nrs" & d$timepoint_months == 3 & !is.na(d$mean), ]
ex <- d[d$study_id == "juch2017" & d$product == "other" & d$outcome == "nrs" & d$timepoint_months == 3 & !is.na(d$mean), ]
md <- escalc(measure = "MD", m1i = rf$mean, sd1i = rf$sd, n1i = rf$n, m2i = ex$mean, sd2i = ex$sd, n2i = ex$n)
answers$MD <- list(escalc = list(yi = as.numeric(md$yi), vi = as.numeric(md$vi)))
write_answers(answers, "meta_literature")

# Known answers for spinereg.core.product.report.distribution: R's default quantile
# (type 7), mean, sd (n - 1), min and max of each sample in product_distribution.csv.
# Run from this folder: Rscript product_distribution.R
library(jsonlite)
d <- read.csv("product_distribution.csv", stringsAsFactors = FALSE)
summarise <- function(x) {
  q <- quantile(x, c(0.25, 0.5, 0.75), type = 7, names = FALSE)
  list(
    n = length(x),
    mean = mean(x),
    sd = if (length(x) > 1) sd(x) else NA,
    minimum = min(x),
    q1 = q[1],
    median = q[2],
    q3 = q[3],
    maximum = max(x)
  )
}
samples <- unique(d$sample)
out <- setNames(lapply(samples, function(s) summarise(d$value[d$sample == s])), samples)
out$r_version <- R.version.string
write_json(out, "product_distribution.json", digits = NA, auto_unbox = TRUE, pretty = TRUE)

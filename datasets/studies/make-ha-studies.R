# SPDX-License-Identifier: GPL-3.0-or-later
# Rebuilds the two study-level files of datasets/studies/ from the arm-level
# hyaluronic-acid data (Jansen, Vieira & Cope 2015; MBNMAtime `hyalarthritis`).
# Usage: Rscript make-ha-studies.R ARMS.csv OUTDIR   (base R only)
args <- commandArgs(trailingOnly = TRUE)
a <- read.csv(args[1L], stringsAsFactors = FALSE)
outdir <- args[2L]

# The follow-up week nearest 12 weeks that both arms report; earlier on a tie.
common_week <- function(x, y) {
  wk <- intersect(x$week, y$week)
  wk[order(abs(wk - 12), wk)][1L]
}
injections <- function(code) as.integer(substr(code, 1L, 1L))
# Codes read as injections + "HY" + molecular-weight range in MDa; GF20 = hylan G-F 20.
mw_class <- function(code) ifelse(grepl("GF20|2\\.4-3\\.6", code), "high", "low")

contrasts <- function(reference, exclude) {
  out <- list()
  for (s in unique(a$study)) {
    d <- a[a$study == s, ]
    ref <- d[d$treatment == reference, ]
    if (!nrow(ref)) next
    for (tr in setdiff(unique(d$treatment), c(reference, exclude))) {
      arm <- d[d$treatment == tr, ]
      wk <- common_week(arm, ref)
      out[[length(out) + 1L]] <- list(s = s, tr = tr, wk = wk,
                                      arm = arm[arm$week == wk, ], ref = ref[ref$week == wk, ])
    }
  }
  out
}

# 1. Each HA arm (group 1) against its own study's placebo arm (group 2).
ha <- do.call(rbind, lapply(contrasts("placebo", character(0)), function(x)
  data.frame(study = paste(x$s, x$tr), m1i = x$arm$mean_change, sd1i = x$arm$sd, n1i = x$arm$n,
             m2i = x$ref$mean_change, sd2i = x$ref$sd, n2i = x$ref$n, product = x$tr,
             week = x$wk, injections = injections(x$tr), mw_class = mw_class(x$tr))))
write.csv(ha, file.path(outdir, "ha-knee-vas-12wk.csv"), row.names = FALSE, quote = FALSE, na = "")

# 2. Hylan G-F 20 (group 1) against each other HA arm of the same study (group 2).
hy <- do.call(rbind, lapply(contrasts("3HYGF20", "placebo"), function(x)
  data.frame(study = paste(x$s, x$tr), m1i = x$ref$mean_change, sd1i = x$ref$sd, n1i = x$ref$n,
             m2i = x$arm$mean_change, sd2i = x$arm$sd, n2i = x$arm$n, comparator = x$tr,
             week = x$wk, comparator_injections = injections(x$tr),
             comparator_mw_class = mw_class(x$tr))))
write.csv(hy, file.path(outdir, "hylan-vs-ha-knee-vas-12wk.csv"), row.names = FALSE, quote = FALSE,
          na = "")

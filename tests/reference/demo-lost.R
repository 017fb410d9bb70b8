# SPDX-License-Identifier: GPL-3.0-or-later
# An independent recomputation, in R, of the issue-13 figures that
# tests/cli/audit-demo.sh checks on the demo registry: PAIN_NRS at 730:90,
# PRP, all ages. Baseline = largest day in [-90, 0]; follow-up = the day in
# [640, 820] nearest to 730, the earlier on a tie; MCID 2 with a 1e-9
# tolerance; lost minus followed up by R's t.test (Welch). Its output, run
# with R 4.2.2, is written into audit-demo.sh. Run from the repository root:
#   Rscript tests/reference/demo-lost.R
d <- read.csv("datasets/demo-registry.csv", stringsAsFactors = FALSE)
d <- d[d$instrument == "PAIN_NRS", ]
d$u <- paste(d$patient_id, d$episode)
b <- d[d$day >= -90 & d$day <= 0, ]
b <- b[order(b$u, -b$day), ]
b <- b[!duplicated(b$u), ]
f <- d[d$day >= 640 & d$day <= 820, ]
f$dist <- abs(f$day - 730)
f <- f[order(f$u, f$dist, f$day), ]
f <- f[!duplicated(f$u), ]
b <- b[b$therapy == "PRP", ]
b$fu <- b$u %in% f$u
m <- merge(b, f[, c("u", "score")], by = "u", suffixes = c("", ".f"))
resp <- sum(m$score - m$score.f >= 2 - 1e-9)
nb <- nrow(b); nf <- sum(b$fu)
tb <- t.test(b$score[!b$fu], b$score[b$fu])
ta <- t.test(b$age[!b$fu & !is.na(b$age)], b$age[b$fu & !is.na(b$age)])
cat(sprintf("%d %d %d %.9f %.9f", nb, nf, resp, resp / nb, (resp + nb - nf) / nb),
    sprintf("%.9f", c(tb$estimate[1] - tb$estimate[2], tb$conf.int,
                      ta$estimate[1] - ta$estimate[2], ta$conf.int)), "\n")

# SPDX-License-Identifier: GPL-3.0-or-later
# Writes the expected outputs of the `promstat meta` JSON tests from R's
# metafor (3.8.1 was used), so that the golden files hold metafor's numbers,
# not promstat's. Not run by `make check` (R is not needed for the tests);
# run by hand from the source tree:  Rscript tests/cli/meta/make-expected.R
# Each case NAME has NAME.cmd (the promstat arguments) and NAME.json (what
# metafor computes, in the `promstat meta` JSON layout of issue 4).
suppressMessages(library(metafor))
options(warn = 1)
dir <- "tests/cli/meta"

num <- function(x) {
  if (length(x) == 0 || is.null(x) || is.na(x) || !is.finite(x)) "null"
  else sprintf("%.17g", as.numeric(x))
}
str <- function(s) paste0('"', gsub("\n", "\\\\n", gsub('"', '\\\\"', s)), '"')
obj <- function(keys, vals) paste0("{", paste0(str(keys), ": ", vals, collapse = ", "), "}")

summary_json <- function(res) {
  ci <- tryCatch(confint(res)$random, error = function(e) NULL)
  tlb <- if (is.null(ci) || res$method == "EE") NA else ci["tau^2", "ci.lb"]
  tub <- if (is.null(ci) || res$method == "EE") NA else ci["tau^2", "ci.ub"]
  pr <- predict(res)
  # As metafor_reference.json: no prediction interval for a common-effect
  # model (predict() repeats the CI there).
  pilb <- if (res$method == "EE" || is.null(pr$pi.lb)) NA else pr$pi.lb
  piub <- if (res$method == "EE" || is.null(pr$pi.ub)) NA else pr$pi.ub
  obj(c("k", "estimate", "se", "pval", "ci_lb", "ci_ub", "tau2", "tau2_ci_lb",
        "tau2_ci_ub", "I2", "H2", "Q", "Q_df", "Q_pval", "pi_lb", "pi_ub"),
      c(res$k, num(res$beta[1]), num(res$se[1]), num(res$pval[1]), num(res$ci.lb[1]),
        num(res$ci.ub[1]), num(res$tau2), num(tlb), num(tub), num(res$I2), num(res$H2),
        num(res$QE), num(res$k - 1), num(res$QEp), num(pilb), num(piub)))
}

rma1 <- function(yi, vi, method, test, threshold = 1e-12) {
  rma(yi, vi, method = if (length(yi) == 1) "EE" else method, test = test,
      control = list(threshold = threshold, maxiter = 1000))
}

write_case <- function(name, cmd, file, measure, method = "REML", test = "z",
                      by = NULL, mods = NULL, bias = FALSE, map = NULL, dat = NULL,
                      groups = NULL, levels = NULL, threshold = 1e-12) {
  if (is.null(dat)) dat <- read.csv(file, stringsAsFactors = FALSE)
  if (!is.null(map)) for (m in names(map)) dat[[m]] <- dat[[map[[m]]]]
  if (measure == "GEN") {
    es <- dat
    if (is.null(es$vi)) es$vi <- es$sei^2
  } else {
    es <- switch(measure,
      MD = , SMD = , ROM = escalc(measure, m1i = m1i, sd1i = sd1i, n1i = n1i, m2i = m2i,
                                  sd2i = sd2i, n2i = n2i, data = dat),
      RR = , OR = , RD = escalc(measure, ai = ai, bi = bi, ci = ci, di = di, data = dat),
      escalc(measure, xi = xi, ni = ni, data = dat))
  }
  res <- rma1(es$yi, es$vi, method, test, threshold)
  out <- c(paste0('  "measure": ', str(measure)),
           paste0('  "method": ', str(method)),
           paste0('  "test": ', str(test)),
           '  "converged": true',
           paste0('  "overall": ', summary_json(res)))
  w <- weights(res)
  studies <- sapply(seq_len(nrow(es)), function(i)
    paste0("    ", obj(c("study", "yi", "vi", "weight"),
                        c(str(dat$study[i]), num(es$yi[i]), num(es$vi[i]), num(w[i])))))
  out <- c(out, paste0('  "studies": [\n', paste(studies, collapse = ",\n"), "\n  ]"))
  if (!is.null(by)) {
    g <- if (is.null(groups)) dat[[by]] else groups
    lev <- if (is.null(levels)) sort(unique(g)) else levels
    keep <- !is.na(g)
    es <- es[keep, ]
    g <- g[keep]
    sub <- lapply(lev, function(l) rma1(es$yi[g == l], es$vi[g == l], method, test))
    blocks <- sapply(seq_along(lev), function(i)
      paste0("    ", str(lev[i]), ": ", summary_json(sub[[i]])))
    out <- c(out, paste0('  "subgroups": {\n', paste(blocks, collapse = ",\n"), "\n  }"))
    common <- rma(es$yi, es$vi, mods = ~ factor(g), method = method, test = test,
                  control = list(threshold = 1e-12))
    out <- c(out, paste0('  "subgroup_test_common_tau2": ',
                         obj(c("QM", "df", "pval"),
                             c(num(common$QM), num(common$QMdf[1]), num(common$QMp)))))
    est <- sapply(sub, function(r) r$beta[1])
    se <- sapply(sub, function(r) r$se)
    sep <- rma(est, sei = se, method = "EE")
    out <- c(out, paste0('  "subgroup_test_separate_tau2": ',
                         obj(c("Q", "df", "pval"),
                             c(num(sep$QE), num(length(lev) - 1), num(sep$QEp)))))
  }
  if (!is.null(mods)) {
    f <- as.formula(paste("~", paste(mods, collapse = " + ")))
    mr <- rma(es$yi, es$vi, mods = f, data = dat, method = method, test = test,
              control = list(threshold = 1e-12))
    nm <- rownames(mr$beta)
    coefs <- sapply(seq_along(nm), function(i)
      paste0("    ", obj(c("name", "estimate", "se", "pval", "ci_lb", "ci_ub"),
                          c(str(nm[i]), num(mr$beta[i]), num(mr$se[i]), num(mr$pval[i]),
                            num(mr$ci.lb[i]), num(mr$ci.ub[i])))))
    out <- c(out, paste0('  "moderators": [\n', paste(coefs, collapse = ",\n"), "\n  ]"))
    out <- c(out, paste0('  "moderator_test": ',
                         obj(c("QM", "pval", "tau2", "I2", "R2"),
                             c(num(mr$QM), num(mr$QMp), num(mr$tau2), num(mr$I2),
                               num(mr$R2)))))
  }
  if (bias) {
    eg <- regtest(res)
    rk <- ranktest(res)
    tf <- trimfill(res)
    l1 <- leave1out(res)
    out <- c(out, paste0('  "egger": ', obj(c("zval", "pval", "limit_estimate"),
                                            c(num(eg$zval), num(eg$pval), num(eg$est)))))
    out <- c(out, paste0('  "rank": ', obj(c("tau", "pval"), c(num(rk$tau), num(rk$pval)))))
    out <- c(out, paste0('  "trimfill": ',
                         obj(c("k0", "side", "estimate", "se", "tau2"),
                             c(tf$k0, str(tf$side), num(tf$beta[1]), num(tf$se),
                               num(tf$tau2)))))
    rows <- sapply(seq_len(nrow(es)), function(i)
      paste0("    ", obj(c("omitted", "estimate", "se", "tau2", "I2"),
                          c(str(dat$study[i]), num(l1$estimate[i]), num(l1$se[i]),
                            num(l1$tau2[i]), num(l1$I2[i])))))
    out <- c(out, paste0('  "leave1out": [\n', paste(rows, collapse = ",\n"), "\n  ]"))
  }
  writeLines(cmd, file.path(dir, paste0(name, ".cmd")))
  writeLines(c("{", paste(out, collapse = ",\n"), "}"), file.path(dir, paste0(name, ".json")))
}

write_case("bcg-rr", "meta datasets/studies/bcg.csv --measure RR --format json",
           "datasets/studies/bcg.csv", "RR")
write_case("bcg-rr-by-alloc",
           "meta datasets/studies/bcg.csv --measure RR --by alloc --format json",
           "datasets/studies/bcg.csv", "RR", by = "alloc")
write_case("bcg-rr-mods",
           "meta datasets/studies/bcg.csv --measure RR --mods ablat,alloc --format json",
           "datasets/studies/bcg.csv", "RR", mods = c("ablat", "alloc"))
write_case("bcg-rr-bias", "meta datasets/studies/bcg.csv --measure RR --bias --format json",
           "datasets/studies/bcg.csv", "RR", bias = TRUE)
write_case("bcg-or-dl", "meta datasets/studies/bcg.csv --measure OR --method DL --format json",
           "datasets/studies/bcg.csv", "OR", method = "DL")
write_case("normand-smd-knha",
           "meta datasets/studies/normand1999.csv --measure SMD --test knha --format json",
           "datasets/studies/normand1999.csv", "SMD", test = "knha")
write_case("pritz-pft", "meta datasets/studies/pritz1997.csv --measure PFT --format json",
           "datasets/studies/pritz1997.csv", "PFT")
write_case("hackshaw-gen-pm",
           "meta datasets/studies/hackshaw1998.csv --measure GEN --method PM --format json",
           "datasets/studies/hackshaw1998.csv", "GEN", method = "PM")
write_case("ha-knee-md",
           "meta datasets/studies/ha-knee-vas-12wk.csv --measure MD --format json",
           "datasets/studies/ha-knee-vas-12wk.csv", "MD")

# tests/data/studies-rejects.csv: of its ten rows only A, G, I and J can be
# pooled (see tests/check_studies.c); promstat reports the other six on
# standard error (NAME.stderr) and writes them to the --rejects file.
rej <- data.frame(study = c("A", "G\nsecond line", "I", "J"),
                  m1i = c(10, 11, 8, 7), sd1i = c(2, 2, 2, 2), n1i = c(20, 30, 15, 40),
                  m2i = c(12, 12, 11, 9), sd2i = c(3, 2.5, 2, 2), n2i = c(20, 30, 15, 40),
                  mean_age = c(55, 48, 66, NA), therapy = c("PRP", "HA", "HA", ""),
                  stringsAsFactors = FALSE)
write_case("rejects-md", "meta tests/data/studies-rejects.csv --measure MD --format json",
           NULL, "MD", dat = rej)
# tests/data/studies-age.csv: a small synthetic MD file (not real trials)
# with mean_age and therapy. --by age_band bins mean_age at 60 by default:
# levels "<60" and ">=60" (promstat's labels).
age <- read.csv("tests/data/studies-age.csv", stringsAsFactors = FALSE)
write_case("age-md-age-band",
           "meta tests/data/studies-age.csv --measure MD --by age_band --format json",
           NULL, "MD", dat = age, by = "age_band",
           groups = ifelse(age$mean_age < 60, "<60", ">=60"), levels = c("<60", ">=60"))
write_case("age-md-bands-55-65",
           "meta tests/data/studies-age.csv --measure MD --by age_band --age-bands 55,65 --format json",
           NULL, "MD", dat = age, by = "age_band",
           groups = ifelse(age$mean_age < 55, "<55",
                           ifelse(age$mean_age < 65, "[55,65)", ">=65")),
           levels = c("<55", "[55,65)", ">=65"))
write_case("age-md-mods",
           "meta tests/data/studies-age.csv --measure MD --mods therapy,mean_age --format json",
           NULL, "MD", dat = age, mods = c("therapy", "mean_age"))
write_case("age-md-by-therapy-knha",
           "meta tests/data/studies-age.csv --measure MD --by therapy --test knha --format json",
           NULL, "MD", dat = age, by = "therapy", test = "knha")

# CSV: one row per study, then the pooled row (columns of cmd_meta.c).
csv_case <- function(name, cmd, file, measure) {
  dat <- read.csv(file, stringsAsFactors = FALSE)
  es <- escalc(measure, ai = ai, bi = bi, ci = ci, di = di, data = dat)
  res <- rma(es$yi, es$vi, control = list(threshold = 1e-12))
  s <- summary(es)
  w <- weights(res)
  ci <- confint(res)$random
  pr <- predict(res)
  n <- function(x) if (is.na(x)) "" else sprintf("%.17g", x)
  lines <- "type,label,k,estimate,se,vi,ci_lb,ci_ub,weight,stat,df,pval,tau2,tau2_ci_lb,tau2_ci_ub,I2,H2,R2,Q,Q_df,Q_pval,pi_lb,pi_ub"
  for (i in seq_len(nrow(es)))
    lines <- c(lines, paste(c("study", dat$study[i], "", n(es$yi[i]), n(sqrt(es$vi[i])),
                              n(es$vi[i]), n(s$ci.lb[i]), n(s$ci.ub[i]), n(w[i]),
                              rep("", 14)), collapse = ","))
  lines <- c(lines, paste(c("overall", "REML", res$k, n(res$beta[1]), n(res$se), "",
                            n(res$ci.lb), n(res$ci.ub), "100", n(res$zval), "", n(res$pval),
                            n(res$tau2), n(ci["tau^2", "ci.lb"]), n(ci["tau^2", "ci.ub"]),
                            n(res$I2), n(res$H2), "", n(res$QE), res$k - 1, n(res$QEp),
                            n(pr$pi.lb), n(pr$pi.ub)), collapse = ","))
  writeLines(cmd, file.path(dir, paste0(name, ".cmd")))
  writeLines(lines, file.path(dir, paste0(name, ".csv")))
}
csv_case("bcg-rr-csv", "meta datasets/studies/bcg.csv --measure RR --format csv",
         "datasets/studies/bcg.csv", "RR")

# tests/data/studies-extreme-vi.csv: five studies whose sampling variances
# span 11 orders of magnitude (3.4e-9 to 465), one weight holding nearly all
# of sum w. REML converges to tau2 = 5075677.71 (promstat once failed here:
# its tr PP shortcut cancelled). metafor's Fisher scoring reaches that value
# in three steps but then alternates between two neighbouring doubles
# (5075677.711457218044 and ...218975): their spacing, 9.3e-10, is above a
# threshold of 1e-10, so metafor says "did not converge" at 1e-10 or 1e-12;
# its values at 1e-8 (as at the default 1e-5) are the reference.
write_case("extreme-vi-gen-reml",
           "meta tests/data/studies-extreme-vi.csv --measure GEN --format json",
           "tests/data/studies-extreme-vi.csv", "GEN", threshold = 1e-8)

# --method REML,DL: on tests/data/studies-reml-cycle.csv (one precise study
# among five imprecise ones) REML's Fisher scoring does not converge, in
# metafor either, whatever the threshold or maxiter: at the REML maximum
# (tau2 = 57.218) the observed information is 2.02 times the expected one,
# so the scoring step overshoots and the iterates settle into a two-cycle
# (by iteration 1000 they alternate between 6.80 and 117.43, as
# rma(yi, vi, verbose = TRUE) shows before it stops with "Fisher scoring
# algorithm did not converge"). The fallback DL is used and reported as the
# method.
write_case("fallback-reml-dl",
           "meta tests/data/studies-reml-cycle.csv --measure GEN --method REML,DL --format json",
           "tests/data/studies-reml-cycle.csv", "GEN", method = "DL")

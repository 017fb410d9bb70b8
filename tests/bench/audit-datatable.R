# SPDX-License-Identifier: GPL-3.0-or-later
# The data.table counterpart of one slice of `promstat audit`, for the
# benchmark in bench-audit.sh: the 6-month (180 +- 45 days) PAIN_NRS MCID
# (2 points) rate by therapy x age band (<60, >=60, unknown), with the
# audit's rules: unit = (patient_id, episode); baseline = the observation with
# the largest day in [-90, 0]; follow-up = the observation in [135, 225]
# nearest to day 180, the earlier one on a tie; improvement = baseline -
# follow-up (lower is better); responder when improvement >= 2 (1e-9 slack).
# Usage: Rscript audit-datatable.R FILE
suppressPackageStartupMessages(library(data.table))
args <- commandArgs(trailingOnly = TRUE)
if (length(args) != 1L) stop("usage: Rscript audit-datatable.R FILE")

d <- fread(args[1L], select = c("patient_id", "episode", "therapy", "age", "day",
                                "instrument", "score"),
           colClasses = list(character = c("patient_id", "episode")))
d <- d[instrument == "PAIN_NRS"]

base <- d[day >= -90L & day <= 0L][order(-day), .SD[1L], by = .(patient_id, episode),
                                      .SDcols = c("therapy", "age", "score")]
setnames(base, "score", "baseline")
fu <- d[day >= 135L & day <= 225L][, dist := abs(day - 180L)][
  order(dist, day), .SD[1L], by = .(patient_id, episode), .SDcols = "score"]
setnames(fu, "score", "followup")

u <- fu[base, on = .(patient_id, episode)]
u[, age_band := fifelse(is.na(age), "unknown", fifelse(age < 60, "<60", ">=60"))]
u[, responder := (baseline - followup) >= 2 - 1e-9]
res <- u[, .(n_baseline = .N, n_followup = sum(!is.na(followup)),
             mcid_responders = sum(responder, na.rm = TRUE)),
         keyby = .(therapy, age_band)]
res[, mcid_rate := mcid_responders / n_followup]
print(res)

#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# Benchmark of the meta-analysis engine: REML (with the Q-profile interval
# for tau^2) at k = 10^3, 10^4, 10^5, 10^6 and leave-one-out at k = 200 to
# 10^5 for six methods (PM to 2000), compiled against the build's libpromstat-core; then, when R and
# metafor are installed, metafor's rma(method = "REML") + confint() at
# k = 1000 and 2000 and leave1out() at k = 200 on data simulated the same
# way. Run by hand, not by make check.
#
# Usage: tests/bench/bench-meta.sh [BUILD_DIR]     (default ./build)
#   BENCH_MAXK=N     largest k for the engine (default 1000000)
#   BENCH_MAXL1O=N   largest k for leave-one-out (default 30000)
#   BENCH_NO_R=1     skip the metafor comparison
set -eu

build=${1:-./build}
here=$(cd "$(dirname "$0")" && pwd)
srcdir=$(cd "$here/../.." && pwd)
lib=$build/.libs/libpromstat-core.a
if [ ! -f "$lib" ]; then
	echo "bench-meta: $lib not found; build first (make) or pass the build directory" >&2
	exit 2
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM

${CC:-cc} -O2 -std=c99 -D_POSIX_C_SOURCE=200809L -I"$build" -I"$srcdir/engine" \
	-o "$tmp/bench_meta" "$here/bench_meta.c" "$lib" -lgsl -lgslcblas -lcsv -lm
echo "== promstat engine ($(uname -m), $(nproc 2>/dev/null || echo ?) CPUs)"
"$tmp/bench_meta" "${BENCH_MAXK:-1000000}" "${BENCH_MAXL1O:-30000}"

if [ "${BENCH_NO_R:-0}" = 1 ]; then
	exit 0
fi
if ! command -v Rscript >/dev/null 2>&1 ||
	! Rscript -e 'quit(status = !requireNamespace("metafor", quietly = TRUE))' >/dev/null 2>&1; then
	echo "== metafor: R or metafor not installed, comparison skipped"
	exit 0
fi
echo "== metafor $(Rscript -e 'cat(as.character(packageVersion("metafor")))' 2>/dev/null)"
cat >"$tmp/bench.R" <<'RSCRIPT'
suppressMessages(library(metafor))
set.seed(20261122)
sim <- function(k) {
	n <- 20 + floor(runif(k) * 200)
	vi <- 4 / n
	yi <- 0.3 + sqrt(0.1) * rnorm(k) + sqrt(vi) * rnorm(k)
	list(yi = yi, vi = vi)
}
cat(sprintf("%-28s %10s %12s %10s\n", "analysis", "k", "seconds", "tau2"))
for (k in c(1000, 2000)) {
	d <- sim(k)
	t1 <- system.time(r <- rma(d$yi, d$vi, method = "REML"))[["elapsed"]]
	t2 <- system.time(ci <- confint(r))[["elapsed"]]
	cat(sprintf("%-28s %10d %12.3f %10.5f\n", "REML fit (rma)", k, t1, r$tau2))
	cat(sprintf("%-28s %10d %12.3f %10.5f\n", "REML fit + Q-profile CI", k, t1 + t2, r$tau2))
}
d <- sim(200)
r <- rma(d$yi, d$vi, method = "REML")
t <- system.time(l <- leave1out(r))[["elapsed"]]
cat(sprintf("%-28s %10d %12.3f %10.5f\n", "REML leave-one-out", 200, t, l$tau2[1]))
RSCRIPT
Rscript "$tmp/bench.R"

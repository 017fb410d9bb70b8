#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# Benchmark of `promstat audit` on synthetic registries of 20k, 200k and 1M
# patients (datasets/gen-registry), with an idiomatic R data.table script
# computing the 6-month PAIN_NRS MCID rates by therapy x age band as the
# yardstick when R and data.table are installed. Run by hand, not by make check.
#
# Usage: tests/bench/bench-audit.sh [BUILD_DIR]     (default ./build)
#   BENCH_SIZES="20000 200000"  patient counts to run (default 20000 200000 1000000)
#   BENCH_SEED=N                generator seed (default 20261122)
#   BENCH_RUNS=N                runs of each program per size; the median
#                               wall time is shown, with that run's CPU and RSS
#                               (default 3)
#   TMPDIR=DIR                  where the registries go (the 1M file is ~770 MB)
#
# Needs GNU time as /usr/bin/time for wall time and peak RSS; on Debian it is
# the package `time` (apt-get install time), which the base image lacks.
# Wall time is elapsed seconds; peak RSS is GNU time's "maximum resident set
# size"; MB/s is input megabytes (10^6 bytes) per wall-clock second.
set -eu

build=${1:-./build}
here=$(cd "$(dirname "$0")" && pwd)
srcdir=$(cd "$here/../.." && pwd)
sizes=${BENCH_SIZES:-20000 200000 1000000}
seed=${BENCH_SEED:-20261122}
runs=${BENCH_RUNS:-3}

gen=$build/datasets/gen-registry
promstat=$build/promstat
for f in "$gen" "$promstat"; do
	if [ ! -x "$f" ]; then
		echo "bench-audit: $f not found; build first (make) or pass the build directory" >&2
		exit 2
	fi
done
if [ ! -x /usr/bin/time ] || ! /usr/bin/time -f %e true >/dev/null 2>&1; then
	echo "bench-audit: needs GNU time as /usr/bin/time (Debian: apt-get install time)" >&2
	exit 2
fi
PROMSTAT_INSTRUMENTS=${PROMSTAT_INSTRUMENTS:-$srcdir/datasets/instruments.csv}
export PROMSTAT_INSTRUMENTS

have_r=no
if command -v Rscript >/dev/null 2>&1 &&
	Rscript -e 'suppressPackageStartupMessages(library(data.table))' >/dev/null 2>&1; then
	have_r=yes
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/promstat-bench.XXXXXX")
trap 'rm -rf "$tmp"' EXIT INT TERM

# run LABEL CMD...: runs CMD (stdout discarded) under GNU time and sets
# $wall (s), $cpu (user + system s) and $rss (MB); a failing command stops
# the benchmark.
run() {
	label=$1
	shift
	if ! /usr/bin/time -f '%e %U %S %M' -o "$tmp/time" "$@" >/dev/null 2>"$tmp/stderr"; then
		echo "bench-audit: $label failed:" >&2
		cat "$tmp/stderr" >&2
		exit 1
	fi
	read -r wall user sys rss_kb <"$tmp/time"
	cpu=$(awk -v u="$user" -v s="$sys" 'BEGIN { printf "%.2f", u + s }')
	rss=$(awk -v k="$rss_kb" 'BEGIN { printf "%.1f", k / 1024 }')
}

# median LABEL CMD...: runs CMD $runs times and keeps, in $wall, $cpu and
# $rss, the figures of the run with the median wall time (a shared machine
# makes single runs noisy).
median() {
	: >"$tmp/runs"
	i=0
	while [ "$i" -lt "$runs" ]; do
		run "$@"
		echo "$wall $cpu $rss" >>"$tmp/runs"
		i=$((i + 1))
	done
	sort -n "$tmp/runs" | awk -v m=$(((runs + 1) / 2)) 'NR == m' >"$tmp/median"
	read -r wall cpu rss <"$tmp/median"
}

echo "promstat audit benchmark ($(uname -m), $(nproc 2>/dev/null || echo ?) CPUs, seed $seed)"
echo "R data.table comparison: $have_r; load average: $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo ?)"
echo
printf '%-8s %9s %7s %7s %7s %7s %6s' patients rows MB wall_s cpu_s RSS_MB MB/s
if [ "$have_r" = yes ]; then
	printf ' %7s %7s %7s %7s %7s' dt_s dt_cpu dt_RSS t_ratio m_ratio
fi
echo

for n in $sizes; do
	file=$tmp/registry-$n.csv
	"$gen" --seed "$seed" --patients "$n" --out "$file"
	bytes=$(wc -c <"$file")
	rows=$(($(wc -l <"$file") - 1))
	mb=$(awk -v b="$bytes" 'BEGIN { printf "%.1f", b / 1e6 }')

	median "promstat audit ($n patients)" "$promstat" audit "$file" --format json
	p_wall=$wall p_rss=$rss
	mbs=$(awk -v b="$bytes" -v t="$p_wall" 'BEGIN { printf "%.0f", (t > 0 ? b / 1e6 / t : 0) }')
	printf '%-8s %9s %7s %7s %7s %7s %6s' "$n" "$rows" "$mb" "$p_wall" "$cpu" "$p_rss" "$mbs"

	if [ "$have_r" = yes ]; then
		median "data.table ($n patients)" Rscript "$here/audit-datatable.R" "$file"
		# ratios: how many times slower / bigger data.table is than promstat
		t_ratio=$(awk -v a="$wall" -v b="$p_wall" 'BEGIN { printf "%.1f", (b > 0 ? a / b : 0) }')
		m_ratio=$(awk -v a="$rss" -v b="$p_rss" 'BEGIN { printf "%.1f", (b > 0 ? a / b : 0) }')
		printf ' %7s %7s %7s %7s %7s' "$wall" "$cpu" "$rss" "$t_ratio" "$m_ratio"
		if [ "$n" = 200000 ]; then
			target=$(awk -v t="$t_ratio" -v m="$m_ratio" 'BEGIN {
				print (t >= 3 && m >= 4) ? "met" : "NOT met" }')
		fi
	fi
	echo
	if [ "$have_r" = yes ] && [ -z "${checked:-}" ] && command -v python3 >/dev/null 2>&1; then
		# Once, untimed: do both programs give the same counts?
		"$promstat" audit "$file" --format json >"$tmp/audit.json"
		Rscript "$here/audit-datatable.R" "$file" >"$tmp/dt.txt"
		checked=$(python3 - "$tmp/audit.json" "$tmp/dt.txt" <<'PY'
import json, sys
got = {}
for r in json.load(open(sys.argv[1]))["results"]:
    if r["instrument"] == "PAIN_NRS" and r["timepoint"] == 180:
        got[(r["therapy"], r["age_band"])] = (r["n_baseline"], r["n_followup"], r["mcid_responders"])
rows = [l.split() for l in open(sys.argv[2]).read().splitlines()[1:]]
same = sum(got.get((f[1], f[2])) == tuple(int(x) for x in f[3:6]) for f in rows)
print("%d of %d strata" % (same, len(rows)))
PY
)
		echo "  check ($n patients): promstat and data.table agree on n_baseline, n_followup and"
		echo "  mcid_responders (6-month PAIN_NRS) in $checked"
	fi
	rm -f "$file"
done
echo
echo "wall_s/cpu_s/RSS_MB: promstat audit FILE --format json; dt_*: Rscript audit-datatable.R FILE"
echo "(cpu_s = user + system; data.table's fread is multi-threaded, so its cpu can exceed its wall)"
echo "t_ratio = dt_s / wall_s, m_ratio = dt_RSS / RSS_MB (above 1: promstat is faster / smaller)"
echo "each figure: the run with the median wall time of $runs"
if [ -n "${target:-}" ]; then
	echo "audit issue target at 200k patients (t_ratio >= 3 and m_ratio >= 4): $target"
fi

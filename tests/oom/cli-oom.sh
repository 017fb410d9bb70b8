#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# Out of memory through the CLI: each command below is run by
# tests/oom/oom-promstat (the promstat program with its library's N-th
# allocation failing) for N = 1, 2, ... up to the number of allocations of
# an unfailed run. Every run must exit 70 saying "out of memory" on stderr
# and writing nothing on stdout,
# with nothing leaked (oom-promstat exits 99 for a library block left
# allocated, LeakSanitizer 23 in the sanitizer build for any leak); or,
# where the engine has a memory-free fallback (reading a chunk without
# preparing it ahead), exit 0 with the unfailed run's output and messages, byte for byte.
srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
builddir=${top_builddir:-.}
case $builddir in /*) ;; *) builddir=$(cd "$builddir" && pwd) ;; esac
oom=$builddir/tests/oom/oom-promstat
if [ ! -x "$oom" ]; then
	echo "cli-oom: $oom not built" >&2
	exit 99
fi
LC_ALL=C
export LC_ALL
cd "$srcdir" || exit 99
tmp=$(mktemp -d "${TMPDIR:-/tmp}/cli-oom.XXXXXX") || exit 99
trap 'rm -rf "$tmp"' EXIT
OOM_PROMSTAT_COUNT=$tmp/count
export OOM_PROMSTAT_COUNT
cat=tests/data/audit-instruments.csv
fail=0

check() {
	"$oom" 0 "$@" >"$tmp/ref.out" 2>"$tmp/ref.err"
	st=$?
	if [ $st -ne 0 ]; then
		echo "cli-oom: unfailed run of promstat $* exited $st:" >&2
		cat "$tmp/ref.err" >&2
		fail=1
		return
	fi
	read -r total _ <"$tmp/count"
	n=1 nomem=0 fallbacks=0
	while [ "$n" -le "$total" ]; do
		"$oom" "$n" "$@" >"$tmp/out" 2>"$tmp/err"
		st=$?
		read -r _ failed <"$tmp/count"
		if [ $st -eq 70 ] && grep -q 'out of memory' "$tmp/err" && [ "$failed" = 1 ] &&
			[ ! -s "$tmp/out" ]; then
			nomem=$((nomem + 1))
		elif [ $st -eq 0 ] && cmp -s "$tmp/out" "$tmp/ref.out" && cmp -s "$tmp/err" "$tmp/ref.err"; then
			fallbacks=$((fallbacks + 1))
		else
			echo "cli-oom: promstat $* with allocation $n failing: exit $st" >&2
			cat "$tmp/err" >&2
			fail=1
			return
		fi
		n=$((n + 1))
	done
	echo "cli-oom: promstat $*: $total allocations, $nomem out of memory (exit 70), $fallbacks fallbacks"
}

check validate --instruments "$cat" tests/data/audit-small.csv
check audit --instruments "$cat" --reference HA --format json tests/data/audit-small.csv
check meta tests/data/studies-bcg.csv --measure RR --bias --format json
check meta tests/data/studies-bcg.csv --measure RR --by alloc --method DL --test knha
check meta tests/data/studies-bcg.csv --measure RR --mods ablat,alloc --format csv
# the audit's case-mix models, provider funnel and durability, and mcid
# (ROC, DeLong, predictive and adjusted MIC, a small bootstrap)
check audit --instruments "$cat" --reference PRP --durability \
	--funnel-by provider --format json tests/data/registry-small.csv
check mcid --instruments "$cat" --instrument PAIN_NRS --bootstrap 20 \
	--format json tests/data/registry-small.csv
exit $fail

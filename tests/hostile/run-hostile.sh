#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# The hostile-input suite: attacks a user or an untrusted data file could
# bring, run through the promstat program with the exit code and the
# file-system effects each must have (issue 10). Each tests/hostile/t-NAME.sh
# is one attack family; it sources lib.sh, runs its cases with the helpers
# there and returns non-zero when any case fails. Run by `make check`, or by
# hand: top_builddir=build tests/hostile/run-hostile.sh [t-NAME.sh ...]
srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
builddir=${top_builddir:-.}
case $builddir in /*) ;; *) builddir=$(cd "$builddir" && pwd) ;; esac
export srcdir builddir
LC_ALL=C
export LC_ALL
[ -x "$builddir/promstat" ] || { echo "run-hostile: $builddir/promstat not built" >&2; exit 99; }
if [ $# -gt 0 ]; then
	list=$*
else
	list=$(ls "$srcdir"/tests/hostile/t-*.sh 2>/dev/null)
fi
[ -n "$list" ] || exit 77
failed=0
for t in $list; do
	case $t in /*) ;; *) t=$srcdir/tests/hostile/$t ;; esac
	if sh "$t"; then
		echo "PASS: ${t##*/}"
	else
		echo "FAIL: ${t##*/}"
		failed=$((failed + 1))
	fi
done
[ "$failed" -eq 0 ]

#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# `promstat meta` against metafor: for each tests/cli/meta/NAME.cmd, runs
# promstat with those arguments (from the source tree) and compares its
# standard output with NAME.json (or NAME.csv), which make-expected.R wrote
# from R's metafor. Numbers must agree to 1e-6 relative (1e-9 absolute);
# keys, strings and their order must be identical (numcmp.awk). The command
# must exit 0 and print nothing on standard error, unless NAME.stderr holds
# the exact standard error expected.

srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../../.." && pwd)}
builddir=${top_builddir:-.}
case $builddir in /*) ;; *) builddir=$(cd "$builddir" && pwd) ;; esac
promstat=$builddir/promstat
if [ ! -x "$promstat" ]; then
	echo "run-meta-json-tests: $promstat not built" >&2
	exit 99
fi
jsoncheck=$builddir/tests/json-strict
if [ ! -x "$jsoncheck" ]; then
	echo "run-meta-json-tests: $jsoncheck not built" >&2
	exit 99
fi
LC_ALL=C
export LC_ALL
tmp=$(mktemp -d "${TMPDIR:-/tmp}/promstat-meta.XXXXXX") || exit 99
trap 'rm -rf "$tmp"' EXIT INT TERM
cd "$srcdir" || exit 99

ran=0
failed=0
for cmdfile in tests/cli/meta/*.cmd; do
	[ -f "$cmdfile" ] || continue
	name=$(basename "$cmdfile" .cmd)
	expected=${cmdfile%.cmd}.json
	[ -f "$expected" ] || expected=${cmdfile%.cmd}.csv
	experr=${cmdfile%.cmd}.stderr
	args=$(cat "$cmdfile")
	eval "set -- $args"
	"$promstat" "$@" </dev/null >"$tmp/stdout" 2>"$tmp/stderr"
	status=$?
	ran=$((ran + 1))
	ok=1
	if [ "$status" != 0 ]; then
		echo "FAIL: $name: exit status $status"
		ok=0
	fi
	if [ -f "$experr" ]; then
		if ! diff -u "$experr" "$tmp/stderr" >"$tmp/diff"; then
			echo "FAIL: $name: standard error differs:"
			sed 's/^/    /' "$tmp/diff"
			ok=0
		fi
	elif [ -s "$tmp/stderr" ]; then
		echo "FAIL: $name: unexpected standard error:"
		sed 's/^/    /' "$tmp/stderr"
		ok=0
	fi
	# Every JSON document is strictly valid, not only close to metafor's.
	case $expected in
	*.json)
		if ! "$jsoncheck" "$tmp/stdout" >"$tmp/jsonerr"; then
			echo "FAIL: $name: not valid JSON: $(cat "$tmp/jsonerr")"
			ok=0
		fi ;;
	esac
	if ! awk -f tests/cli/meta/numcmp.awk "$expected" "$tmp/stdout" >"$tmp/cmp"; then
		echo "FAIL: $name: $(cat "$tmp/cmp")"
		ok=0
	fi
	if [ $ok = 1 ]; then
		echo "ok: meta/$name"
	else
		echo "    command: promstat $args"
		failed=$((failed + 1))
	fi
done
if [ $ran = 0 ]; then
	echo "run-meta-json-tests: nothing to run"
	exit 77
fi
echo "run-meta-json-tests: $ran run, $failed failed"
[ $failed = 0 ]

#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# CLI golden tests. Run by `make check` (which sets top_srcdir and
# top_builddir), or by hand: top_builddir=build tests/cli/run-cli-tests.sh
#
# 1. Each directory tests/cli/cases/NAME holds
#      cmd     one line: the arguments given to promstat, run from the source
#              tree (so paths are relative to it); shell quoting works, and
#              $OUT names an empty scratch directory for files the command
#              writes
#      stdout  expected standard output   (a missing file means "empty")
#      stderr  expected standard error    (a missing file means "empty")
#      status  expected exit code         (a missing file means 0)
#      stdin   optional: fed to standard input (else /dev/null)
#      out/    optional: expected files the command wrote into $OUT
# 2. Each tests/malformed/NAME.csv is run as
#      promstat validate --instruments tests/data/instruments-test.csv \
#          tests/malformed/NAME.csv
#    and NAME.expected holds "exit N" on its first line, then the exact
#    standard error.
#
# A mismatch prints a diff and fails the run. PROMSTAT_CLI_ONLY='PATTERN'
# (a shell pattern such as 'validate-*' or 'malformed/*') runs only the
# matching tests. With PROMSTAT_REGEN=1 the expected files are rewritten
# from the actual output instead: use it with PROMSTAT_CLI_ONLY on your own
# cases and review the git diff before committing. Exit 77 (skip) when there
# is nothing to run.

srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
builddir=${top_builddir:-.}
case $builddir in /*) ;; *) builddir=$(cd "$builddir" && pwd) ;; esac
promstat=$builddir/promstat
if [ ! -x "$promstat" ]; then
	echo "run-cli-tests: $promstat not built" >&2
	exit 99
fi
# Messages and number formatting must not depend on the caller's locale.
LC_ALL=C
export LC_ALL

# Every JSON document a case writes must pass the strict validator.
jsoncheck=$builddir/tests/json-strict
if [ ! -x "$jsoncheck" ]; then
	echo "run-cli-tests: $jsoncheck not built" >&2
	exit 99
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/promstat-cli.XXXXXX") || exit 99
trap 'rm -rf "$tmp"' EXIT INT TERM

ran=0
failed=0

# compare NAME EXPECTED-FILE ACTUAL-FILE
compare() {
	if [ -n "$PROMSTAT_REGEN" ]; then
		if [ -s "$3" ] || [ -f "$2" ]; then
			cp "$3" "$2"
		fi
		return 0
	fi
	if [ -f "$2" ]; then
		exp=$2
	else
		exp=/dev/null
	fi
	if ! diff -u "$exp" "$3" >"$tmp/diff"; then
		echo "FAIL: $1: $(basename "$2") differs:"
		sed 's/^/    /' "$tmp/diff"
		return 1
	fi
	return 0
}

# selected NAME: whether PROMSTAT_CLI_ONLY (if set) matches NAME
selected() {
	[ -z "$PROMSTAT_CLI_ONLY" ] && return 0
	case $1 in $PROMSTAT_CLI_ONLY) return 0 ;; esac
	return 1
}

cd "$srcdir" || exit 99

for dir in tests/cli/cases/*/; do
	[ -f "$dir/cmd" ] || continue
	name=$(basename "$dir")
	selected "$name" || continue
	OUT=$tmp/out-$name
	rm -rf "$OUT"
	mkdir -p "$OUT"
	export OUT
	input=/dev/null
	[ -f "$dir/stdin" ] && input=$dir/stdin
	args=$(cat "$dir/cmd")
	eval "set -- $args"
	"$promstat" "$@" <"$input" >"$tmp/stdout" 2>"$tmp/stderr"
	status=$?
	echo "$status" >"$tmp/status"
	ok=1
	compare "$name" "$dir/stdout" "$tmp/stdout" || ok=0
	compare "$name" "$dir/stderr" "$tmp/stderr" || ok=0
	if [ -n "$PROMSTAT_REGEN" ]; then
		[ "$status" = 0 ] && [ ! -f "$dir/status" ] || echo "$status" >"$dir/status"
	else
		expected_status=0
		[ -f "$dir/status" ] && expected_status=$(cat "$dir/status")
		if [ "$status" != "$expected_status" ]; then
			echo "FAIL: $name: exit status $status, expected $expected_status"
			ok=0
		fi
	fi
	# JSON on standard output (asked for, or shaped so): strictly valid.
	case " $args " in
	*" --format json "* | *" --format=json "*) is_json=1 ;;
	*) is_json=0; [ "$(head -c 1 "$tmp/stdout")" = "{" ] && is_json=1 ;;
	esac
	if [ $is_json = 1 ] && ! "$jsoncheck" "$tmp/stdout" >"$tmp/jsonerr"; then
		echo "FAIL: $name: standard output is not valid JSON: $(cat "$tmp/jsonerr")"
		ok=0
	fi
	if [ -d "$dir/out" ]; then
		for f in "$dir"/out/*; do
			[ -f "$f" ] || continue
			if [ ! -f "$OUT/$(basename "$f")" ]; then
				echo "FAIL: $name: the command did not write $(basename "$f")"
				ok=0
			else
				compare "$name" "$f" "$OUT/$(basename "$f")" || ok=0
				case $f in
				*.json)
					"$jsoncheck" "$OUT/$(basename "$f")" >"$tmp/jsonerr" ||
						{ echo "FAIL: $name: $(cat "$tmp/jsonerr")"; ok=0; } ;;
				esac
			fi
		done
	fi
	ran=$((ran + 1))
	if [ $ok = 1 ]; then
		echo "ok: $name"
	else
		echo "    command: promstat $args"
		failed=$((failed + 1))
	fi
done

for csv in tests/malformed/*.csv; do
	[ -f "$csv" ] || continue
	name=malformed/$(basename "$csv" .csv)
	selected "$name" || continue
	expected=${csv%.csv}.expected
	"$promstat" validate --instruments tests/data/instruments-test.csv "$csv" \
		</dev/null >/dev/null 2>"$tmp/stderr"
	status=$?
	{
		echo "exit $status"
		cat "$tmp/stderr"
	} >"$tmp/actual"
	ran=$((ran + 1))
	if [ -n "$PROMSTAT_REGEN" ]; then
		cp "$tmp/actual" "$expected"
	elif [ ! -f "$expected" ]; then
		echo "FAIL: $name: no $expected"
		failed=$((failed + 1))
	elif compare "$name" "$expected" "$tmp/actual"; then
		echo "ok: $name"
	else
		failed=$((failed + 1))
	fi
done

if [ $ran = 0 ]; then
	echo "run-cli-tests: nothing to run"
	exit 77
fi
echo "run-cli-tests: $ran run, $failed failed"
[ $failed = 0 ]

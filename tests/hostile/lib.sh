# SPDX-License-Identifier: GPL-3.0-or-later
# Helpers for tests/hostile/t-*.sh (sourced). Each case runs promstat in a
# fresh scratch directory $W (the working directory while it runs), records
# stdout, stderr and the exit status, and checks them with the expect_*
# helpers. A failed check prints "CASE: what was wrong" and marks the family
# failed; hostile_done returns the family's status.
promstat=$builddir/promstat
PROMSTAT_INSTRUMENTS=${PROMSTAT_INSTRUMENTS:-$srcdir/datasets/instruments.csv}
export PROMSTAT_INSTRUMENTS
hostile_tmp=$(mktemp -d "${TMPDIR:-/tmp}/promstat-hostile.XXXXXX") || exit 99
trap 'rm -rf "$hostile_tmp"' EXIT INT TERM
hostile_failed=0
hostile_case=

# new_case NAME: start a case with an empty scratch directory $W.
new_case() {
	hostile_case=$1
	W=$hostile_tmp/$1
	rm -rf "$W"
	mkdir -p "$W"
}

fail() {
	echo "$hostile_case: $*" >&2
	hostile_failed=1
}

# run ARGS...: run promstat in $W; sets $status, files $W/.stdout, $W/.stderr.
run() {
	(cd "$W" && "$promstat" "$@" >.stdout 2>.stderr)
	status=$?
	# Every JSON document any case gets is strictly valid (issue 10 item 7).
	case $(head -c 1 "$W/.stdout") in
	'{' | '[') expect_json_valid "$W/.stdout" ;;
	esac
}

expect_status() {
	[ "$status" -eq "$1" ] || fail "exit $status, expected $1; stderr: $(head -c 400 "$W/.stderr")"
}

# expect_stderr PATTERN: grep -E PATTERN must match standard error.
expect_stderr() {
	grep -Eq -- "$1" "$W/.stderr" || fail "stderr lacks /$1/: $(head -c 400 "$W/.stderr")"
}

# expect_same FILE COPY: FILE is unchanged (byte-identical to COPY).
expect_same() {
	cmp -s "$1" "$2" || fail "$1 was changed"
}

expect_exists() { [ -e "$1" ] || fail "$1 does not exist"; }
expect_absent() { [ ! -e "$1" ] || fail "$1 exists"; }

# expect_only_files DIR FILE...: DIR holds exactly these names (plus the
# case's .stdout/.stderr), so nothing was created elsewhere in it.
expect_only_files() {
	d=$1
	shift
	want=$(for f in .stderr .stdout "$@"; do echo "$f"; done | LC_ALL=C sort)
	have=$(cd "$d" && ls -A | LC_ALL=C sort)
	[ "$want" = "$have" ] || fail "$d holds [$(echo $have)], expected [$(echo $want)]"
}

# expect_no_raw_controls FILE: no C0 control other than tab and newline, no
# DEL, and no C1 control (U+0080..U+009F, UTF-8 C2 80..C2 9F).
expect_no_raw_controls() {
	if LC_ALL=C grep -q "$(printf '[\001-\010\013-\037\177]')" "$1"; then
		fail "$1 holds a raw control character"
	fi
	if LC_ALL=C grep -q "$(printf '\302[\200-\237]')" "$1"; then
		fail "$1 holds a raw C1 control character"
	fi
}

# expect_json_valid FILE: FILE is one strictly valid JSON document (RFC 8259,
# valid UTF-8, no repeated name in an object: tests/json-strict.c).
expect_json_valid() {
	if ! "$builddir/tests/json-strict" "$1" >"$hostile_tmp/.jsonerr" 2>&1; then
		fail "$1 is not valid JSON: $(cat "$hostile_tmp/.jsonerr")"
	fi
}

hostile_done() {
	return "$hostile_failed"
}

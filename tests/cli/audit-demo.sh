#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# End-to-end test of `promstat audit` on the committed demo registry:
# it runs, accounts for every row, and one stratum (PAIN_NRS at 180+/-45
# days, PRP, age <60) agrees with an independent computation in awk of the
# issue's rules (baseline = largest day in [-90, 0]; follow-up = the day in
# [135, 225] nearest to 180, the earlier on a tie; improvement = baseline -
# follow-up; MCID 2 reached with a 1e-9 tolerance).
srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
builddir=${top_builddir:-.}
case $builddir in /*) ;; *) builddir=$(cd "$builddir" && pwd) ;; esac
promstat=$builddir/promstat
demo=$srcdir/datasets/demo-registry.csv
cat=$srcdir/datasets/instruments.csv
[ -x "$promstat" ] || { echo "audit-demo: $promstat not built" >&2; exit 99; }
[ -f "$demo" ] || { echo "audit-demo: no $demo" >&2; exit 77; }
LC_ALL=C
export LC_ALL
tmp=$(mktemp -d "${TMPDIR:-/tmp}/promstat-demo.XXXXXX") || exit 99
trap 'rm -rf "$tmp"' EXIT INT TERM
fail() { echo "FAIL: audit-demo: $*"; exit 1; }

"$promstat" audit --instruments "$cat" "$demo" >"$tmp/table" 2>"$tmp/err" ||
	fail "table audit exited $?: $(cat "$tmp/err")"
grep -q '^PAIN_NRS: ' "$tmp/table" || fail "the table has no PAIN_NRS section"
"$promstat" audit --instruments "$cat" --format json "$demo" >"$tmp/json" 2>"$tmp/err" ||
	fail "json audit exited $?"
"$builddir/tests/json-strict" "$tmp/json" || fail "the audit's JSON is not valid"
"$promstat" audit --instruments "$cat" --format csv --instrument PAIN_NRS \
	--timepoints 180:45 "$demo" >"$tmp/csv" 2>"$tmp/err" || fail "csv audit exited $?"

# every row accounted for (the demo has no quoted newlines: lines - header)
rows=$(($(wc -l <"$demo") - 1))
counts=$(sed -n 's/.*"rows_read": \([0-9]*\), "rows_accepted": \([0-9]*\), "rows_rejected": \([0-9]*\).*/\1 \2 \3/p' "$tmp/json")
set -- $counts
[ "$1" = "$rows" ] || fail "rows_read $1, the file has $rows data rows"
[ $(($2 + $3)) = "$1" ] || fail "rows_accepted $2 + rows_rejected $3 != rows_read $1"
[ "$3" = 0 ] || fail "the demo registry should have no rejected rows (got $3)"

# the audit's row for PRP, <60
got=$(awk -F, '$1 == "PAIN_NRS" && $2 == 180 && $3 == "PRP" && $4 == "<60" {
	print $5, $6, $15, $10 }' "$tmp/csv")
[ -n "$got" ] || fail "no PAIN_NRS/180/PRP/<60 row in the CSV"

# the same computed independently from the raw rows
want=$(awk -F, '
NR == 1 { for (i = 1; i <= NF; i++) col[$i] = i; next }
$col["instrument"] == "PAIN_NRS" {
	u = $col["patient_id"] SUBSEP $col["episode"]
	th[u] = $col["therapy"]; age[u] = $col["age"]
	d = $col["day"] + 0; s = $col["score"] + 0
	if (d >= -90 && d <= 0 && (!(u in bd) || d > bd[u])) { bd[u] = d; bs[u] = s }
	if (d >= 135 && d <= 225) {
		dist = d > 180 ? d - 180 : 180 - d
		if (!(u in fd) || dist < fdist[u] || (dist == fdist[u] && d < fd[u])) {
			fd[u] = d; fdist[u] = dist; fs[u] = s
		}
	}
}
END {
	for (u in bd) {
		if (th[u] != "PRP" || age[u] == "" || age[u] + 0 >= 60) continue
		nb++
		if (!(u in fd)) continue
		nf++; imp = bs[u] - fs[u]; sum += imp
		if (imp >= 2 - 1e-9) r++
	}
	printf "%d %d %d %.9f\n", nb, nf, r, sum / nf
}' "$demo")
set -- $got
g="$1 $2 $3 $(printf '%.9f' "$4")"
[ "$g" = "$want" ] || fail "PAIN_NRS/180/PRP/<60: promstat says $g, awk says $want"

# Missing follow-up (issue 13): PAIN_NRS at 730:90, PRP, all ages. The
# expected line is what tests/reference/demo-lost.R prints (R 4.2.2): n with a
# baseline, followed up, responders, NRI and best-case rates, then lost minus
# followed up in baseline score and in age with Welch's interval (t.test).
want2="648 270 93 0.143518519 0.726851852 -0.210052910 -0.494664980 0.074559160 0.504185087 -1.310713710 2.319083884"
"$promstat" audit --instruments "$cat" --format csv --instrument PAIN_NRS \
	--timepoints 730:90 "$demo" >"$tmp/csv730" 2>"$tmp/err" || fail "csv audit at 730 exited $?"
got2=$(awk -F, '
NR == 1 { for (i = 1; i <= NF; i++) col[$i] = i; next }
$col["therapy"] == "PRP" && $col["age_band"] == "ALL" {
	printf "%d %d %d", $col["n_baseline"], $col["n_followup"], $col["mcid_responders"]
	n = split("mcid_rate_nri mcid_rate_best lost_baseline_diff lost_baseline_diff_ci_lb " \
		  "lost_baseline_diff_ci_ub lost_age_diff lost_age_diff_ci_lb lost_age_diff_ci_ub", k, " ")
	for (i = 1; i <= n; i++) printf " %.9f", $col[k[i]]
	printf "\n"
}' "$tmp/csv730")
[ "$got2" = "$want2" ] || fail "PAIN_NRS/730/PRP/ALL: promstat says $got2, R says $want2"
echo "ok: audit-demo (rows $rows; PAIN_NRS 180 PRP <60: n_baseline n_followup responders mean = $want; 730 PRP NRI/best/lost = R)"

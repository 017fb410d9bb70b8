#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# The chart options of 'promstat meta' and 'promstat audit', end to end:
# files written and named, numbers unchanged on stdout, exit codes 69
# (gnuplot missing), 73 (folder missing), 2 (bad format), and hostile study
# names drawn for real without anything running.
set -u
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
top_builddir=${top_builddir:-.}
promstat="$(cd "$top_builddir" && pwd)/promstat"
if [ -z "${GNUPLOT:-}" ] || [ ! -x "$GNUPLOT" ]; then
	echo "gnuplot not installed: chart tests skipped"
	exit 77
fi
tmp=$(mktemp -d "${TMPDIR:-/tmp}/promstat-cli-charts.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
bcg="$top_srcdir/datasets/studies/bcg.csv"
demo="$top_srcdir/datasets/demo-registry.csv"

# meta: forest and funnel next to the numbers
"$promstat" meta "$bcg" --measure RR >"$tmp/plain.txt" 2>/dev/null
"$promstat" meta "$bcg" --measure RR --bias --forest "$tmp/f.svg" --funnel "$tmp/u.png" \
	--gnuplot-script "$tmp/s.gp" >"$tmp/out.txt" 2>"$tmp/err.txt"
rc=$?
[ $rc -eq 0 ] || fail "meta with charts exited $rc: $(cat "$tmp/err.txt")"
grep -q "wrote $tmp/f.svg" "$tmp/err.txt" || fail "forest file not named on stderr"
grep -q "wrote $tmp/u.png" "$tmp/err.txt" || fail "funnel file not named on stderr"
xmllint --noout "$tmp/f.svg" 2>/dev/null || fail "forest SVG is not XML"
head -c 8 "$tmp/u.png" | od -An -c | grep -q 'P   N   G' || fail "funnel is not a PNG"
grep -q "Aronson 1948" "$tmp/f.svg" || fail "study label missing from the forest plot"
grep -q "set output '$tmp/u.png'" "$tmp/s.gp" || fail "saved script lacks the funnel"
"$promstat" meta "$bcg" --measure RR --bias >"$tmp/plain-bias.txt" 2>/dev/null
cmp -s "$tmp/plain-bias.txt" "$tmp/out.txt" || fail "charts changed the numbers on stdout"

# text chart on stdout
"$promstat" meta "$bcg" --measure RR --forest - --plot-format dumb >"$tmp/dumb.txt" 2>/dev/null \
	|| fail "dumb forest failed"
grep -q "Comstock et al 1976" "$tmp/dumb.txt" || fail "dumb forest lacks a study"

# gnuplot missing: numbers still printed, 69, the package named
GNUPLOT=/nonexistent/gnuplot "$promstat" meta "$bcg" --measure RR --forest "$tmp/g.svg" \
	>"$tmp/out69.txt" 2>"$tmp/err69.txt"
rc=$?
[ $rc -eq 69 ] || fail "missing gnuplot exited $rc, not 69"
grep -q gnuplot-nox "$tmp/err69.txt" || fail "missing gnuplot message lacks the package"
cmp -s "$tmp/plain.txt" "$tmp/out69.txt" || fail "numbers not printed without gnuplot"

# usage and output errors
"$promstat" meta "$bcg" --measure RR --forest "$tmp/x.jpg" >/dev/null 2>&1
[ $? -eq 2 ] || fail ".jpg forest should be a usage error"
"$promstat" meta "$bcg" --measure RR --forest x.svg --plot-format gif >/dev/null 2>&1
[ $? -eq 2 ] || fail "--plot-format gif should be a usage error"
"$promstat" meta "$bcg" --measure RR --forest /nonexistent-dir/f.svg >/dev/null 2>&1
[ $? -eq 73 ] || fail "forest into a missing folder should exit 73"

# hostile study names, drawn in an empty folder
mkdir "$tmp/h"
cat >"$tmp/hostile.csv" <<'CSV'
study,ai,bi,ci,di
"`touch pwned`",4,119,11,128
"x'; system('touch PWNED'); '",6,300,29,274
"a
system(""touch PWNED2"")",3,228,11,209
EOD,62,13536,248,12619
@var,33,5036,47,5761
CSV
(cd "$tmp/h" && "$promstat" meta ../hostile.csv --measure RR --forest f.svg --funnel u.svg \
	>/dev/null 2>"$tmp/errh.txt") || fail "hostile forest failed: $(cat "$tmp/errh.txt")"
left=$(ls "$tmp/h" | tr '\n' ' ')
[ "$left" = "f.svg u.svg " ] || fail "files appeared next to the charts: $left"
for label in '`touch pwned`' "x'; system('touch PWNED'); '" 'EOD' '@var'; do
	grep -qF "$label" "$tmp/h/f.svg" || fail "label $label not drawn as text"
done

# proportions: the forest shows what the table's back-transformed column
# shows. Pritz 1997, PFT: metafor 3.8.1 transf.ipft(yi, ni) per study
# (Giannotta 16/17 = 0.9412 [0.7646, 1.0000]), predict(res, transf =
# transf.ipft.hm, targs = list(ni = ni)) pooled 0.8029 [0.7022, 0.8893],
# PI [0.4646, 0.9989] (tests/cli/cases/meta-pritz-pft-table/NOTES).
pritz="$top_srcdir/datasets/studies/pritz1997.csv"
"$promstat" meta "$pritz" --measure PFT --forest "$tmp/p.svg" --mcid-band 0.1 \
	--gnuplot-script "$tmp/p.gp" >/dev/null 2>"$tmp/p-err.txt" || fail "PFT forest failed"
grep -q "set label '0.94 \[0.76, 1.00\]'" "$tmp/p.gp" || fail "PFT study row not at its own n"
grep -q "set label '0.80 \[0.70, 0.89\]'" "$tmp/p.gp" || fail "PFT pooled not back-transformed"
grep -q "^0.46463[0-9]* 2 0.99894[0-9]*$" "$tmp/p.gp" || fail "PFT prediction interval"
grep -q "set xlabel 'Proportion (" "$tmp/p.gp" || fail "PFT axis not labelled a proportion"
grep -q "set arrow from first 0" "$tmp/p.gp" && fail "a line of no effect on a proportion axis"
grep -q "mcid-band is not drawn for a proportion" "$tmp/p-err.txt" \
	|| fail "--mcid-band on a proportion not explained"
# PLO: metafor predict(rma(PLO), transf = transf.ilogit) 0.757479 [0.660522, 0.833716]
"$promstat" meta "$pritz" --measure PLO --forest "$tmp/l.svg" --gnuplot-script "$tmp/l.gp" \
	>/dev/null 2>&1 || fail "PLO forest failed"
grep -q "set label '0.76 \[0.66, 0.83\]'" "$tmp/l.gp" || fail "PLO pooled not back-transformed"
xmllint --noout "$tmp/l.svg" 2>/dev/null || fail "PLO forest SVG is not XML"

# audit: charts in a folder, stdout unchanged
"$promstat" audit "$demo" >"$tmp/a-plain.txt" 2>/dev/null
"$promstat" audit "$demo" --plots "$tmp/charts" >"$tmp/a-out.txt" 2>"$tmp/a-err.txt"
rc=$?
[ $rc -eq 0 ] || fail "audit --plots exited $rc"
cmp -s "$tmp/a-plain.txt" "$tmp/a-out.txt" || fail "audit --plots changed stdout"
for f in trajectory-PAIN_NRS.svg responders-PAIN_NRS-90.svg followup.svg; do
	[ -s "$tmp/charts/$f" ] || fail "audit did not write $f"
	grep -q "wrote $tmp/charts/$f" "$tmp/a-err.txt" || fail "$f not named on stderr"
	xmllint --noout "$tmp/charts/$f" 2>/dev/null || fail "$f is not XML"
done
# follow-up: a panel for every instrument, and what the bars are a share of
for code in PAIN_NRS WOMAC_FUNCTION KOOS_PAIN; do
	grep -q "$code (" "$tmp/charts/followup.svg" || fail "follow-up chart lacks $code"
done
grep -q "% of units with a baseline" "$tmp/charts/followup.svg" \
	|| fail "follow-up chart does not name its denominator"
# small cells (--min-n, default 10): the demo's "unknown" age band (1-6
# units) gets no panel and the caption says how many points were left out;
# --min-n 0 draws it again and says nothing
grep -q '>unknown<' "$tmp/charts/trajectory-PAIN_NRS.svg" \
	&& fail "trajectory draws the small unknown age band"
grep -q 'points with fewer than 10 patients followed up are not drawn (--min-n 10)' \
	"$tmp/charts/trajectory-PAIN_NRS.svg" || fail "trajectory does not say what it left out"
grep -q 'groups with fewer than 10 patients followed up are not drawn' \
	"$tmp/charts/responders-PAIN_NRS-90.svg" || fail "responders do not say what they left out"
"$promstat" audit "$demo" --min-n 0 --instrument PAIN_NRS --plots "$tmp/charts0" \
	>/dev/null 2>&1 || fail "audit --min-n 0 --plots failed"
grep -q '>unknown<' "$tmp/charts0/trajectory-PAIN_NRS.svg" \
	|| fail "--min-n 0 does not draw the unknown age band"
grep -q 'not drawn (--min-n' "$tmp/charts0/trajectory-PAIN_NRS.svg" \
	&& fail "--min-n 0 still says cells were left out"

# rates with no unit behind them: no bar, a note; nobody followed up at a
# timepoint: every responder rate undefined, the chart still drawn
cat >"$tmp/sparse.csv" <<'CSV'
patient_id,episode,therapy,age,day,instrument,score
P1,1,HA,51,-5,PAIN_NRS,5
P1,1,HA,51,42,PAIN_NRS,3
P1,1,HA,51,-5,KOOS_PAIN,40
P1,1,HA,51,90,KOOS_PAIN,60
P2,1,PRP,61,-5,PAIN_NRS,6
P2,1,PRP,61,90,PAIN_NRS,3
P2,1,PRP,61,42,KOOS_PAIN,60
CSV
"$promstat" audit "$tmp/sparse.csv" --plots "$tmp/sparse" >/dev/null 2>"$tmp/s-err.txt"
rc=$?
[ $rc -eq 0 ] || fail "audit --plots on sparse data exited $rc: $(cat "$tmp/s-err.txt")"
grep -q "5 bars left out: no unit with a baseline" "$tmp/sparse/followup.svg" \
	|| fail "follow-up chart does not say undefined rates were left out"

[ $fails -eq 0 ] && echo "all chart CLI checks passed"
[ $fails -eq 0 ]

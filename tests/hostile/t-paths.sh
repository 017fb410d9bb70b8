# SPDX-License-Identifier: GPL-3.0-or-later
# Output paths (issue 10, items 1-4 and 10): no output overwrites an input or
# another output of the run, paths reach gnuplot whole and unchanged, chart
# names never collide, and a chart that could not be written is exit 73 with
# no file left behind. Each case is named after the defect it guards.
. "$srcdir/tests/hostile/lib.sh"
bcg=$srcdir/datasets/studies/bcg.csv

# A small registry: two instruments, two follow-up points.
small_registry() {
	cat >"$1" <<'CSV'
patient_id,episode,therapy,age,day,instrument,score
P1,1,HA,51,-5,PAIN_NRS,7
P1,1,HA,51,42,PAIN_NRS,3
P1,1,HA,51,90,PAIN_NRS,2
P2,1,PRP,61,-5,PAIN_NRS,6
P2,1,PRP,61,42,PAIN_NRS,5
P2,1,PRP,61,90,PAIN_NRS,2
P1,1,HA,51,-5,KOOS_PAIN,40
P1,1,HA,51,90,KOOS_PAIN,70
CSV
}

# ---- item 1: an output names the input, or another output ----

new_case gnuplot-script-overwrites-input
cp "$bcg" "$W/bcg.csv"
cp "$bcg" "$W/.orig"
run meta bcg.csv --measure RR --forest f.svg --gnuplot-script bcg.csv
expect_status 2
expect_stderr '^promstat: --gnuplot-script bcg.csv would overwrite the input file'
expect_same "$W/bcg.csv" "$W/.orig"
expect_only_files "$W" bcg.csv .orig

new_case forest-overwrites-input
cp "$bcg" "$W/bcg.csv"
cp "$bcg" "$W/.orig"
run meta bcg.csv --measure RR --forest bcg.csv --plot-format svg
expect_status 2
expect_stderr '^promstat: --forest bcg.csv would overwrite the input file'
expect_same "$W/bcg.csv" "$W/.orig"
expect_only_files "$W" bcg.csv .orig

new_case funnel-overwrites-input-through-links
cp "$bcg" "$W/bcg.csv"
cp "$bcg" "$W/.orig"
ln -s bcg.csv "$W/soft.svg"
ln "$W/bcg.csv" "$W/hard.svg"
run meta bcg.csv --measure RR --funnel soft.svg
expect_status 2
expect_stderr 'funnel soft.svg would overwrite the input file'
run meta ./bcg.csv --measure RR --funnel hard.svg
expect_status 2
expect_stderr 'funnel hard.svg would overwrite the input file'
expect_same "$W/bcg.csv" "$W/.orig"
expect_only_files "$W" bcg.csv .orig soft.svg hard.svg

new_case output-overwrites-input-on-stdin
cp "$bcg" "$W/bcg.csv"
cp "$bcg" "$W/.orig"
(cd "$W" && "$promstat" meta - --measure RR --forest f.svg --gnuplot-script bcg.csv \
	<bcg.csv >.stdout 2>.stderr)
status=$?
expect_status 2
expect_same "$W/bcg.csv" "$W/.orig"
expect_only_files "$W" bcg.csv .orig

new_case audit-gnuplot-script-overwrites-input
small_registry "$W/reg.csv"
cp "$W/reg.csv" "$W/.orig"
run audit reg.csv --plots d --gnuplot-script reg.csv
expect_status 2
expect_stderr '^promstat: --gnuplot-script reg.csv would overwrite the input file'
expect_same "$W/reg.csv" "$W/.orig"
expect_only_files "$W" reg.csv .orig

new_case rejects-overwrites-catalogue
small_registry "$W/reg.csv"
cp "$PROMSTAT_INSTRUMENTS" "$W/cat.csv"
cp "$W/cat.csv" "$W/.orig"
run validate reg.csv --instruments cat.csv --rejects cat.csv
expect_status 2
expect_stderr 'rejects cat.csv would overwrite the instrument catalogue'
expect_same "$W/cat.csv" "$W/.orig"
expect_only_files "$W" reg.csv cat.csv .orig

new_case forest-and-funnel-same-file
cp "$bcg" "$W/bcg.csv"
run meta bcg.csv --measure RR --forest x.svg --funnel ./x.svg
expect_status 2
expect_stderr '^promstat: --forest x.svg and --funnel ./x.svg name the same file'
expect_only_files "$W" bcg.csv
mkdir "$W/sub"
run meta bcg.csv --measure RR --forest sub/new/x.svg --gnuplot-script sub//new/./x.svg
expect_status 2
expect_stderr 'name the same file'
expect_only_files "$W" bcg.csv sub

new_case rejects-and-script-same-file
cp "$bcg" "$W/bcg.csv"
run meta bcg.csv --measure RR --forest f.svg --rejects out --gnuplot-script out
expect_status 2
expect_stderr '^promstat: --rejects out and --gnuplot-script out name the same file'
expect_only_files "$W" bcg.csv

new_case rejects-and-script-both-dash
# "-" is a file for both (only a chart's "-" means standard output).
cp "$bcg" "$W/bcg.csv"
run meta bcg.csv --measure RR --forest - --plot-format dumb --rejects - --gnuplot-script -
expect_status 2
expect_stderr '^promstat: --rejects - and --gnuplot-script - name the same file'
expect_only_files "$W" bcg.csv

new_case output-path-gnuplot-cannot-take
# A newline would end gnuplot's command; refused before anything is written
# (the --rejects file included), and the name is not echoed raw.
cp "$bcg" "$W/bcg.csv"
run meta bcg.csv --measure RR --rejects r.csv --forest "$(printf 'a\nset output "x"\nb.svg')"
expect_status 2
expect_stderr '^promstat: the file name given to --forest contains a control character'
expect_no_raw_controls "$W/.stderr"
expect_only_files "$W" bcg.csv
run meta bcg.csv --measure RR --rejects r.csv --funnel ''
expect_status 2
expect_stderr 'the file name given to --funnel is empty'
expect_only_files "$W" bcg.csv

new_case audit-script-is-a-chart
small_registry "$W/reg.csv"
mkdir "$W/d"
run audit reg.csv --plots d --gnuplot-script d/followup.svg
expect_status 2
expect_stderr 'gnuplot-script d/followup.svg and --plots d/followup.svg name the same file'
expect_only_files "$W" reg.csv d
[ -z "$(ls -A "$W/d")" ] || fail "d holds $(ls -A "$W/d")"

new_case plots-chart-overwrites-input
# The registry is where a chart would go: refused once the charts are named,
# before the first is drawn.
mkdir "$W/d"
small_registry "$W/d/followup.svg"
cp "$W/d/followup.svg" "$W/.orig"
run audit d/followup.svg --plots d
expect_status 2
expect_stderr '^promstat: --plots d/followup.svg would overwrite the input file'
expect_same "$W/d/followup.svg" "$W/.orig"
[ "$(ls -A "$W/d")" = followup.svg ] || fail "d holds $(ls -A "$W/d")"

new_case plots-chart-overwrites-catalogue
mkdir "$W/d"
small_registry "$W/reg.csv"
cp "$PROMSTAT_INSTRUMENTS" "$W/d/trajectory-PAIN_NRS.svg"
cp "$W/d/trajectory-PAIN_NRS.svg" "$W/.orig"
run audit reg.csv --instruments d/trajectory-PAIN_NRS.svg --plots d
expect_status 2
expect_stderr 'plots d/trajectory-PAIN_NRS.svg would overwrite the instrument catalogue'
expect_same "$W/d/trajectory-PAIN_NRS.svg" "$W/.orig"
[ "$(ls -A "$W/d")" = trajectory-PAIN_NRS.svg ] || fail "d holds $(ls -A "$W/d")"

# ---- item 4: chart names never collide ----

if [ -n "${GNUPLOT:-}" ] && [ -x "$GNUPLOT" ]; then

new_case chart-names-collide
# A/B and A_B were both trajectory-A_B.svg; A%2FB is what A/B is now named,
# so a code spelt so must not take it; two 200-byte codes sharing 127 bytes
# were one file (the code was cut at 127).
L=$(printf 'L%.0s' $(seq 1 127))
long_a=$L/$(printf 'a%.0s' $(seq 1 72))
long_b=$L/$(printf 'b%.0s' $(seq 1 72))
{
	echo 'code,label,min,max,direction,mcid,mcid_source,pass,pass_source'
	for c in A/B A_B A%2FB "$long_a" "$long_b"; do
		echo "$c,test scale,0,10,lower_better,2,test,,"
	done
} >"$W/cat.csv"
{
	echo 'patient_id,episode,therapy,age,day,instrument,score'
	for c in A/B A_B A%2FB "$long_a" "$long_b"; do
		echo "P1,1,HA,51,-5,$c,7"
		echo "P1,1,HA,51,90,$c,3"
	done
} >"$W/reg.csv"
run audit reg.csv --instruments cat.csv --plots d
expect_status 0
# The names by hand: bytes outside [A-Za-z0-9_.-] as %XX; a name over 150
# bytes cut after 133 and ended with '~' and the code's 64-bit FNV-1a hash
# (computed apart from promstat, by a Python one-liner of the FNV spec).
for f in trajectory-A%2FB.svg trajectory-A_B.svg trajectory-A%252FB.svg \
	"trajectory-$L%2Faaa~74E36B5816C76524.svg" "trajectory-$L%2Fbbb~E807D41662BF189C.svg" \
	responders-A%2FB-90.svg responders-A_B-90.svg followup.svg; do
	[ -s "$W/d/$f" ] || fail "d/$f was not written"
done
reported=$(sed -n 's|^promstat: wrote d/||p' "$W/.stderr" | LC_ALL=C sort)
there=$(ls "$W/d" | LC_ALL=C sort)
[ "$reported" = "$there" ] || fail "reported [$(echo $reported)], in d [$(echo $there)]"
[ "$(echo "$reported" | sort -u | wc -l)" -eq "$(echo "$reported" | wc -l)" ] \
	|| fail "a chart was reported twice"
# Each chart is its own instrument's.
grep -q ">A/B: mean improvement" "$W/d/trajectory-A%2FB.svg" || fail "A/B's chart is not A/B's"
grep -q ">A_B: mean improvement" "$W/d/trajectory-A_B.svg" || fail "A_B's chart is not A_B's"
expect_only_files "$W" reg.csv cat.csv d

new_case durability-chart-names-collide
# The durability charts name their files as the audit's do: A/B and A_B
# were both durability-A_B.svg (the run was refused, exit 2).
{
	echo 'code,label,min,max,direction,mcid,mcid_source,pass,pass_source'
	echo 'A/B,test scale,0,10,lower_better,2,test,,'
	echo 'A_B,test scale,0,10,lower_better,2,test,,'
} >"$W/cat.csv"
{
	echo 'patient_id,episode,therapy,age,day,instrument,score'
	for c in A/B A_B; do
		for p in 1 2 3 4 5 6; do
			echo "P$p,1,HA,51,-5,$c,8"
			echo "P$p,1,HA,51,42,$c,$((8 - p))"
			echo "P$p,1,HA,51,90,$c,$((8 - p))"
			echo "P$p,1,HA,51,180,$c,$((9 - p))"
		done
	done
} >"$W/reg.csv"
run audit reg.csv --instruments cat.csv --plots d --durability --min-n 1
expect_status 0
expect_stderr '^promstat: wrote d/durability-A%2FB\.svg$'
expect_stderr '^promstat: wrote d/durability-A_B\.svg$'
[ -s "$W/d/durability-A%2FB.svg" ] && [ -s "$W/d/durability-A_B.svg" ] \
	|| fail "the two durability charts are not both there: $(ls "$W/d")"

fi # gnuplot

# ---- items 2, 3, 10: paths reach gnuplot whole; failures are exit 73 ----

if [ -n "${GNUPLOT:-}" ] && [ -x "$GNUPLOT" ]; then

new_case plots-dir-230-chars-charts-stay-inside
small_registry "$W/reg.csv"
long=$(printf 'p%.0s' $(seq 1 230))
run audit reg.csv --plots "$long"
expect_status 0
expect_only_files "$W" reg.csv "$long"
# Every chart reported is in the folder, and every file there was reported.
reported=$(sed -n "s|^promstat: wrote $long/||p" "$W/.stderr" | LC_ALL=C sort)
there=$(ls "$W/$long" | LC_ALL=C sort)
[ -n "$there" ] && [ "$reported" = "$there" ] \
	|| fail "reported [$(echo $reported)], in the folder [$(echo $there)]"
for f in trajectory-PAIN_NRS.svg responders-PAIN_NRS-90.svg trajectory-KOOS_PAIN.svg \
	followup.svg; do
	[ -s "$W/$long/$f" ] || fail "$long/$f was not written"
done

new_case forest-path-1400-chars
cp "$bcg" "$W/bcg.csv"
deep=$long/$long/$long/$long/$long/$long
mkdir -p "$W/$deep"
run meta bcg.csv --measure RR --forest "$deep/f.svg"
expect_status 0
[ -s "$W/$deep/f.svg" ] || fail "the forest plot is not at the end of the long path"
expect_only_files "$W" bcg.csv "$long"

new_case forest-path-with-pipe-runs-nothing
cp "$bcg" "$W/bcg.csv"
run meta bcg.csv --measure RR --forest '|touch PWNED; cat >x.svg' --funnel "o'k.svg"
expect_status 0
expect_stderr "^promstat: wrote \|touch PWNED; cat >x.svg\$"
expect_only_files "$W" bcg.csv '|touch PWNED; cat >x.svg' "o'k.svg"

new_case forest-path-not-utf8-unchanged
cp "$bcg" "$W/bcg.csv"
latin1=$(printf 'caf\351.svg')
run meta bcg.csv --measure RR --forest "$latin1"
expect_status 0
expect_only_files "$W" bcg.csv "$latin1"
[ -s "$W/$latin1" ] || fail "caf\\351.svg is empty"
# Named on stderr as the terminal writer shows such a byte (cli/term.h).
expect_stderr '^promstat: wrote caf\\xe9\.svg$'


new_case forest-dev-full-exit-73
cp "$bcg" "$W/bcg.csv"
if [ -w /dev/full ]; then
	run meta bcg.csv --measure RR --forest /dev/full --plot-format svg
	expect_status 73
	expect_stderr '^promstat: /dev/full: cannot write the forest plot there: No space left'
	grep -q 'wrote /dev/full' "$W/.stderr" && fail "/dev/full reported as written"
	expect_only_files "$W" bcg.csv
fi

fi # gnuplot

new_case plots-is-a-file-exit-73
small_registry "$W/reg.csv"
echo keep >"$W/charts"
cp "$W/charts" "$W/.orig"
run audit reg.csv --plots charts
expect_status 73
expect_stderr '^promstat: charts: cannot draw the charts there: it is a file, not a folder'
expect_same "$W/charts" "$W/.orig"
expect_only_files "$W" reg.csv charts .orig

# A stand-in gnuplot for the failures a real one gives only on a full disk:
# it writes half a chart to the file the script names and fails, or writes
# nothing and exits 0, or says it cannot open the file.
fake=$hostile_tmp/fake-gnuplot
cat >"$fake" <<'SH'
#!/bin/sh
out=$(sed -n "s/^set output '\(.*\)'\$/\1/p" | head -n 1)
case $FAKE_GNUPLOT in
half) printf '<svg><g>' >"$out"; echo 'line 90: all wrong' >&2; exit 1 ;;
nothing) exit 0 ;;
noopen) echo "line 5: cannot open file; output not changed" >&2; exit 1 ;;
slow) printf '<svg>' >"$out"; sleep 3 ;;
cut) printf '<svg><g>\n' >"$out"; exit 0 ;;
esac
SH
chmod +x "$fake"

new_case failed-chart-leaves-no-partial-file
cp "$bcg" "$W/bcg.csv"
GNUPLOT=$fake FAKE_GNUPLOT=half run meta bcg.csv --measure RR --forest f.svg
expect_status 70
expect_stderr 'all wrong'
expect_only_files "$W" bcg.csv
echo old >"$W/f.svg"
cp "$W/f.svg" "$W/.orig"
GNUPLOT=$fake FAKE_GNUPLOT=half run meta bcg.csv --measure RR --forest f.svg
expect_status 70
expect_same "$W/f.svg" "$W/.orig"
expect_only_files "$W" bcg.csv f.svg .orig

new_case chart-written-empty-exit-73
cp "$bcg" "$W/bcg.csv"
GNUPLOT=$fake FAKE_GNUPLOT=nothing run meta bcg.csv --measure RR --forest f.svg
expect_status 73
expect_stderr '^promstat: f.svg: gnuplot wrote nothing for the forest plot'
grep -q 'wrote f.svg' "$W/.stderr" && fail "f.svg reported as written"
expect_only_files "$W" bcg.csv

new_case chart-cut-short-exit-73
# A full disk cuts the file and gnuplot still exits 0: the chart's own end
# ("</svg>", "%%EOF", PNG's IEND) is missing, so it is not put in place.
cp "$bcg" "$W/bcg.csv"
for f in f.svg f.pdf f.png; do
	GNUPLOT=$fake FAKE_GNUPLOT=cut run meta bcg.csv --measure RR --forest $f
	expect_status 73
	expect_stderr "^promstat: $f: the forest plot gnuplot wrote is cut short"
done
expect_only_files "$W" bcg.csv

new_case gnuplot-cannot-open-exit-73
cp "$bcg" "$W/bcg.csv"
GNUPLOT=$fake FAKE_GNUPLOT=noopen run meta bcg.csv --measure RR --forest f.svg
expect_status 73
expect_stderr 'cannot open file'
expect_only_files "$W" bcg.csv

new_case killed-while-drawing-leaves-no-file
cp "$bcg" "$W/bcg.csv"
(cd "$W" && GNUPLOT=$fake FAKE_GNUPLOT=slow exec "$promstat" meta bcg.csv --measure RR \
	--forest f.svg >.stdout 2>.stderr) &
pid=$!
i=0
while [ $i -lt 50 ] && ! ls -A "$W" | grep -q '^\.promstat-chart-'; do
	sleep 0.1
	i=$((i + 1))
done
ls -A "$W" | grep -q '^\.promstat-chart-' || fail "no chart was being drawn"
kill -TERM "$pid"
wait "$pid"
status=$?
expect_status 143
expect_only_files "$W" bcg.csv

new_case gnuplot-script-dev-full-exit-73
cp "$bcg" "$W/bcg.csv"
if [ -w /dev/full ]; then
	run meta bcg.csv --measure RR --forest f.svg --gnuplot-script /dev/full
	expect_status 73
	expect_stderr '^promstat: /dev/full: cannot save the gnuplot script'
	expect_only_files "$W" bcg.csv
fi

hostile_done

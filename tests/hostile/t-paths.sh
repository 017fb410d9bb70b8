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

new_case audit-script-is-a-chart
small_registry "$W/reg.csv"
mkdir "$W/d"
run audit reg.csv --plots d --gnuplot-script d/followup.svg
expect_status 2
expect_stderr 'gnuplot-script d/followup.svg and --plots d/followup.svg name the same file'
expect_only_files "$W" reg.csv d
[ -z "$(ls -A "$W/d")" ] || fail "d holds $(ls -A "$W/d")"

hostile_done

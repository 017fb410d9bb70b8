# SPDX-License-Identifier: GPL-3.0-or-later
# Issue 13 (sections 1-3) options and small cells under attack: malformed
# --min-n and --min-followup values are misuse (exit 2, nothing written);
# a --min-n that makes every cell small still prints every number, compares
# nothing and draws every chart, saying what it left out; hostile therapy
# names in small cells stay text in the table, JSON and charts.
. "$srcdir/tests/hostile/lib.sh"
demo=$srcdir/datasets/demo-registry.csv

for v in '' 1e3 10x -1 ' 10' 0x10 99999999999999999999 1000001; do
	new_case "min-n-$(printf '%s' "$v" | tr -c 'A-Za-z0-9' _)"
	run audit --min-n "$v" --plots charts "$demo"
	expect_status 2
	expect_stderr "--min-n must be a whole number"
	expect_only_files "$W"
done
for v in '' nan -0.1 1.5 60 inf 0,6; do
	new_case "min-followup-$(printf '%s' "$v" | tr -c 'A-Za-z0-9' _)"
	run audit --min-followup "$v" --format json "$demo"
	expect_status 2
	expect_stderr "--min-followup must be a rate from 0 to 1"
	expect_only_files "$W"
done

# every cell small: numbers kept, nothing compared, every chart drawn and
# captioned (a trajectory with no point left says so instead of drawing)
new_case all-small
run audit --min-n 1000000 --reference HA --instrument PAIN_NRS --format json \
	--plots charts "$demo"
expect_status 0
expect_json_valid "$W/.stdout"
grep -q '"small": false' "$W/.stdout" && fail "a cell is not small at --min-n 1000000"
grep -q '"risk_difference": [-0-9]' "$W/.stdout" && fail "a small comparison was computed"
grep -q '"reason": "fewer than 1000000 units followed up"' "$W/.stdout" ||
	fail "comparisons lack the reason"
grep -q '"mcid_rate_nri": 0.14351851851851852' "$W/.stdout" ||
	fail "the numbers of small cells were dropped"
if [ -n "${GNUPLOT:-}" ] && [ -x "$GNUPLOT" ]; then
	expect_exists "$W/charts/trajectory-PAIN_NRS.svg"
	expect_exists "$W/charts/responders-PAIN_NRS-730.svg"
	grep -q 'not drawn (--min-n 1000000)' "$W/charts/responders-PAIN_NRS-730.svg" ||
		fail "the responder chart does not say what it left out"
fi

# hostile therapy names in small cells: the "*" rows and "not compared"
# lines escape them, JSON stays valid, charts draw them as text
new_case hostile-small
{
	printf 'patient_id,therapy,age,day,instrument,score\n'
	i=0
	for th in HA "$(printf 'PRP\033]0;pwned\007')" "x'; system('touch PWNED'); '"; do
		n=12
		[ "$th" = HA ] || n=3
		k=0
		while [ $k -lt $n ]; do
			i=$((i + 1)); k=$((k + 1))
			th_q=$(printf '%s' "$th" | sed 's/"/""/g')
			printf 'U%d,"%s",50,-5,PAIN_NRS,8\nU%d,"%s",50,90,PAIN_NRS,%d\n' \
				"$i" "$th_q" "$i" "$th_q" $((k % 8))
		done
	done
} >"$W/reg.csv"
run audit reg.csv --instrument PAIN_NRS --reference HA --timepoints 90:30 --plots charts
expect_status 0
expect_no_raw_controls "$W/.stdout"
grep -q 'not compared: fewer than 10 units followed up' "$W/.stdout" ||
	fail "small comparisons are not marked"
grep -q '   3\*' "$W/.stdout" || fail "small rows are not marked"
expect_absent "$W/PWNED"
expect_absent "$W/charts/PWNED"
run audit reg.csv --instrument PAIN_NRS --reference HA --timepoints 90:30 --format json
expect_status 0
expect_json_valid "$W/.stdout"
hostile_done

# SPDX-License-Identifier: GPL-3.0-or-later
# promstat mcid and audit --durability: bad option values are misuse (exit 2)
# and write nothing; therapy labels with control characters, quotes and
# backslashes reach the table, the JSON and the charts' scripts safely.
. "$srcdir/tests/hostile/lib.sh"
demo=$srcdir/tests/data/mcid-demo300.csv

for opt in "--bootstrap -1" "--bootstrap x" "--seed 1.5" "--min-n -3" "--reliability 2" \
	"--anchor-scale -1" "--anchor-improved nan" "--anchor-stable -1"; do
	new_case "mcid-option-$(echo "$opt" | tr -c 'a-z0-9' '_')"
	# shellcheck disable=SC2086
	run mcid --instrument PAIN_NRS $opt --plots charts "$demo"
	expect_status 2
	expect_only_files "$W"
done

new_case mcid-reliability-and-test-retest
run mcid --instrument PAIN_NRS --reliability 0.8 --test-retest "$demo"
expect_status 2
expect_stderr "not both"

new_case mcid-unknown-instrument
run mcid --instrument NO_SUCH "$demo"
expect_status 2

new_case durability-rule
run audit --durability-rule never --plots charts "$demo"
expect_status 2
expect_only_files "$W"

# A registry whose therapy names carry an escape sequence, a carriage
# return inside quotes, a quote and a backslash: rename the demo's therapies.
new_case mcid-hostile-labels
esc=$(printf '\033')
awk -F, -v OFS=, -v e="$esc" 'NR > 1 && $3 == "PRP" { $3 = "\"P" e "[31mRP\r\"" }
	NR > 1 && $3 == "HA" { $3 = "\"H'"'"'A\\\\x\"" } { print }' "$demo" >"$W/hostile.csv"
run mcid --instrument PAIN_NRS --bootstrap 20 --min-n 10 hostile.csv
expect_status 0
expect_no_raw_controls "$W/.stdout"
run mcid --instrument PAIN_NRS --bootstrap 20 --min-n 10 --format json hostile.csv
expect_status 0
expect_no_raw_controls "$W/.stdout"
expect_json_valid "$W/.stdout"
run audit --instrument PAIN_NRS --durability --format json hostile.csv
expect_status 0
expect_json_valid "$W/.stdout"
run audit --instrument PAIN_NRS --durability --plots charts --gnuplot-script all.gp hostile.csv
expect_status 0
# the durability section (the audit's own table is issue 10's terminal writer)
sed -n '/^Durability of response/,$p' "$W/.stdout" >"$W/dur.txt"
[ -s "$W/dur.txt" ] || fail "no durability section"
expect_no_raw_controls "$W/dur.txt"
expect_exists "$W/charts/durability-PAIN_NRS.svg"
expect_no_raw_controls "$W/all.gp"

# the charts are drawn, named on stderr, and nothing else is written
new_case mcid-charts
run mcid --instrument PAIN_NRS --bootstrap 10 --timepoints 180:45 --plots charts "$demo"
expect_status 0
expect_exists "$W/charts/mcid-roc-PAIN_NRS-180.svg"
expect_exists "$W/charts/mcid-change-PAIN_NRS-180.svg"
expect_stderr "wrote charts/mcid-roc-PAIN_NRS-180.svg"
[ "$(ls "$W/charts" | wc -l)" -eq 2 ] || fail "charts holds $(ls "$W/charts")"
if command -v xmllint >/dev/null 2>&1; then
	for f in "$W"/charts/*.svg; do
		xmllint --noout "$f" 2>/dev/null || fail "$f is not well-formed XML"
	done
fi

# a chart may not overwrite the input: the input named like the chart
new_case mcid-chart-over-input
mkdir -p "$W/charts"
cp "$demo" "$W/charts/mcid-roc-PAIN_NRS-180.svg"
cp "$demo" "$W/copy"
run mcid --instrument PAIN_NRS --bootstrap 0 --timepoints 180:45 --plots charts charts/mcid-roc-PAIN_NRS-180.svg
expect_status 2
expect_same "$W/charts/mcid-roc-PAIN_NRS-180.svg" "$W/copy"
hostile_done

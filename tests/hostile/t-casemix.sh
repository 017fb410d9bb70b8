# SPDX-License-Identifier: GPL-3.0-or-later
# Hostile provider names on the funnel (issue 13, section 5): names that
# try to run gnuplot commands (a quote that ends the string, backquotes,
# system()), terminal escapes, a Latin-1 byte and a spreadsheet
# formula reach the table, the JSON and the funnel chart. Nothing may run,
# the table shows the controls escaped, the JSON stays valid, the chart is
# drawn with every name in it; and --funnel-by misuse is exit 2.
. "$srcdir/tests/hostile/lib.sh"

# hostile_funnel_registry FILE: tests/data/casemix-registry.csv with its
# providers p01-p05 renamed.
hostile_funnel_registry() {
	awk -F, -v OFS=, -v q="'" '
		NR == 1 { print; next }
		{
			if ($5 == "p01") $5 = "\"x" q "; system(" q "touch PWNED" q "); " q "\""
			else if ($5 == "p02") $5 = "`touch PWNED2`"
			else if ($5 == "p03") $5 = "dr\033[1mbold\033]0;title\007"
			else if ($5 == "p04") $5 = "caf\351"
			else if ($5 == "p05") $5 = "\"=HYPERLINK(\"\"http://x\"\")\""
			print
		}' "$srcdir/tests/data/casemix-registry.csv" >"$1"
}

new_case funnel-table-escapes-providers
hostile_funnel_registry "$W/reg.csv"
run audit reg.csv --by therapy --timepoints 90:30 --reference A --funnel-by provider
expect_status 0
expect_no_raw_controls "$W/.stdout"
expect_no_raw_controls "$W/.stderr"
grep -Fq 'dr\x1b[1mbold\x1b]0;title\x07' "$W/.stdout" || fail "the escapes are not shown escaped"
# a file that is not UTF-8 reads as Windows-1252 and is converted
grep -Fq "$(printf 'caf\303\251')" "$W/.stdout" || fail "the Latin-1 name is not shown converted"
grep -Fq "x'; system('touch PWNED'); '" "$W/.stdout" || fail "the quoted name is not printed"
expect_absent "$W/PWNED"

new_case funnel-json-valid
hostile_funnel_registry "$W/reg.csv"
run audit reg.csv --format json --by therapy --timepoints 90:30 --reference A \
	--funnel-by provider --overdispersion
expect_status 0
expect_json_valid "$W/.stdout"
grep -Fq '"level": "`touch PWNED2`"' "$W/.stdout" || fail "the backquoted name is not in the JSON"
grep -Fq "\"level\": \"$(printf 'caf\303\251')\"" "$W/.stdout" ||
	fail "the Latin-1 name is not converted in the JSON"

if [ -n "${GNUPLOT:-}" ] && [ -x "$GNUPLOT" ]; then
	new_case funnel-chart-runs-nothing
	hostile_funnel_registry "$W/reg.csv"
	run audit reg.csv --by therapy --timepoints 90:30 --funnel-by provider --plots charts \
		--gnuplot-script f.gp
	expect_status 0
	expect_exists "$W/charts/funnel-provider-PAIN_NRS-90.svg"
	expect_absent "$W/PWNED"
	expect_absent "$W/PWNED2"
	expect_absent "$W/charts/PWNED"
	# every name is a label of the chart, as text
	grep -Fq "touch PWNED2" "$W/charts/funnel-provider-PAIN_NRS-90.svg" ||
		fail "the backquoted name is not drawn"
	grep -Fq "x'; system('touch PWNED'); '" "$W/charts/funnel-provider-PAIN_NRS-90.svg" ||
		fail "the quoted name is not drawn"
	grep -Eq "^set label [0-9]+ 'x''; system\(''touch PWNED''\); ''' at " "$W/f.gp" ||
		fail "the quote is not doubled in the script"
	if command -v xmllint >/dev/null 2>&1; then
		xmllint --noout "$W/charts/funnel-provider-PAIN_NRS-90.svg" 2>/dev/null ||
			fail "the funnel SVG is not XML"
	fi
fi

new_case funnel-by-therapy-is-misuse
hostile_funnel_registry "$W/reg.csv"
run audit reg.csv --funnel-by therapy
expect_status 2
expect_stderr '^promstat: --funnel-by therapy: the funnel compares providers after adjusting'
expect_only_files "$W" reg.csv

new_case funnel-by-missing-column
hostile_funnel_registry "$W/reg.csv"
run audit reg.csv --funnel-by "$(printf 'clinic\033[2J')"
expect_status 2
expect_no_raw_controls "$W/.stderr"
expect_stderr 'funnel-by "clinic\\x1b\[2J": the registry has no such column'
hostile_done

# SPDX-License-Identifier: GPL-3.0-or-later
# Hostile labels (issue 10, items 5-8): therapy, provider, site, study,
# subgroup and moderator values and catalogue codes that carry terminal
# escapes (ESC, OSC titles, BEL, CR, DEL, the 8-bit CSI U+009B and a raw
# 0x9B byte), bytes that are not UTF-8, quotes, backslashes and spreadsheet
# formulas. Every output must stay what it claims to be: tables show the
# controls escaped, JSON is strictly valid, CSV cells are neutralised and
# every chart is drawn.
. "$srcdir/tests/hostile/lib.sh"

# hostile_catalogue FILE: an instrument code holding '"' and '\', and a
# label with colour escapes.
hostile_catalogue() {
	printf 'code,label,min,max,direction,mcid,mcid_source,pass,pass_source\n' >"$1"
	printf '"Q""X\\Y",Hostile \033[31mred\033[0m label,0,10,lower_better,2,test,3,test\n' >>"$1"
	printf 'PAIN_NRS,Pain,0,10,lower_better,2,test,,\n' >>"$1"
}

# hostile_registry FILE: 7 therapies x 3 providers, one unit each, scored on
# both instruments at baseline and day 90.
hostile_registry() {
	printf 'patient_id,therapy,age,provider,site,day,instrument,score\n' >"$1"
	i=0
	for th in "$(printf 'PRP\033]0;pwned\007')" "$(printf 'HA\033[2J\r')" \
		"$(printf 'MSC\302\23331m')" "$(printf 'caf\351')" "'t Hart PRP" \
		'=HYPERLINK("http://x")' "$(printf 'DEL\177x')"; do
		th_q=$(printf '%s' "$th" | sed 's/"/""/g')
		for p in 1 2 3; do
			i=$((i + 1))
			for row in "-10,\"Q\"\"X\\Y\",8" "90,\"Q\"\"X\\Y\",$((p + 2))" \
				"-10,PAIN_NRS,7" "90,PAIN_NRS,$p"; do
				printf 'P%d,"%s",50,"dr\033[1m%d","site\2337",%s\n' "$i" "$th_q" \
					"$p" "$row" >>"$1"
			done
		done
	done
}

# hostile_studies FILE: study labels with C1 CSI, OSC, Latin-1, formulas and
# a leading apostrophe; subgroup levels with escapes.
hostile_studies() {
	{
		printf 'study,yi,vi,grp,dose\n'
		printf '"%s",0.5,0.04,"%s",1\n' "$(printf 'A\302\2331m 2001')" "$(printf 'g\033[31m1')"
		printf '"%s",0.3,0.05,"%s",2\n' "'t Hooft 2001" "$(printf 'g\033[31m1')"
		printf '"%s",0.8,0.03,"%s",3\n' "$(printf 'caf\351 study')" "$(printf 'g\0332\007')"
		printf '"%s",0.1,0.06,"%s",4\n' "=cmd|' /C calc'!A0" "$(printf 'g\0332\007')"
		printf '"%s",0.4,0.02,"%s",5\n' "$(printf 'E\033]0;t\007')" "$(printf 'g\0332\007')"
		printf '"%s",0.6,0.05,"%s",6\n' "@SUM(1+1)" "$(printf 'g\033[31m1')"
	} >"$1"
}

# --- item 6: no raw control character reaches a table or a message ---

new_case validate-table-escapes-controls
hostile_catalogue "$W/cat.csv"
hostile_registry "$W/reg.csv"
run validate --instruments cat.csv reg.csv
expect_status 0
expect_no_raw_controls "$W/.stdout"
expect_no_raw_controls "$W/.stderr"
grep -Fq 'PRP\x1b]0;pwned\x07' "$W/.stdout" || fail "the OSC title is not shown escaped"
grep -Fq 'MSC\u009b31m' "$W/.stdout" || fail "the C1 CSI is not shown escaped"
# (a registry's bytes that are not UTF-8 are U+FFFD from the reader on, issue 12)
grep -Fq "$(printf 'caf\357\277\275')" "$W/.stdout" || fail "the Latin-1 byte is not U+FFFD"

new_case audit-table-escapes-controls
hostile_catalogue "$W/cat.csv"
hostile_registry "$W/reg.csv"
run audit --instruments cat.csv reg.csv --by therapy,provider,site --timepoints 90:30 \
	--reference "$(printf 'HA\033[2J\r')"
expect_status 0
expect_no_raw_controls "$W/.stdout"
expect_no_raw_controls "$W/.stderr"
grep -Fq "dr\\x1b[1m1 site$(printf '\357\277\275')7" "$W/.stdout" ||
	fail "provider and site are not shown escaped"
grep -Fq 'compared with HA\x1b[2J\x0d' "$W/.stdout" || fail "the reference is not shown escaped"
grep -Fq 'Hostile \x1b[31mred\x1b[0m label' "$W/.stdout" ||
	fail "the instrument label is not shown escaped"

new_case meta-table-escapes-controls
hostile_studies "$W/st.csv"
run meta st.csv --measure GEN --by grp --bias
expect_status 0
expect_no_raw_controls "$W/.stdout"
expect_no_raw_controls "$W/.stderr"
grep -Fq 'grp = g\x1b[31m1' "$W/.stdout" || fail "the subgroup header is not shown escaped"
grep -Fq 'A\u009b1m 2001' "$W/.stdout" || fail "the C1 CSI in a study label is not escaped"

new_case meta-moderator-names-escaped
hostile_studies "$W/st.csv"
run meta st.csv --measure GEN --mods grp
expect_status 0
expect_no_raw_controls "$W/.stdout"
grep -Fq 'grpg\x1b[31m1' "$W/.stdout" || fail "the moderator name is not shown escaped"

new_case messages-escape-controls
printf 'study,yi,vi,grp\n"%s",1,0.1,\nB,2,0.1,a\nC,2.5,0.2,a\nD,1.5,0.1,b\nE,1.2,0.1,b\n' \
	"$(printf 'bad\033]0;x\007')" >"$W/miss.csv"
run meta miss.csv --measure GEN --by grp
expect_status 0
expect_no_raw_controls "$W/.stderr"
grep -Fq 'study "bad\x1b]0;x\x07" has no grp' "$W/.stderr" || fail "the note does not escape the label"
run meta miss.csv --measure GEN --by "$(printf 'col\033[2J')"
expect_status 2
expect_no_raw_controls "$W/.stderr"
grep -Fq 'no column "col\x1b[2J"' "$W/.stderr" || fail "the usage error does not escape the name"

# --- item 7: every JSON document is valid, whatever the labels hold ---

new_case validate-json-valid
hostile_catalogue "$W/cat.csv"
hostile_registry "$W/reg.csv"
run validate --instruments cat.csv reg.csv --format json
expect_status 0
expect_json_valid "$W/.stdout"
[ "$(grep -c 'U+FFFD' "$W/.stderr")" = 1 ] || fail "the U+FFFD note is not said exactly once"

new_case audit-json-code-keys-escaped
hostile_catalogue "$W/cat.csv"
hostile_registry "$W/reg.csv"
run audit --instruments cat.csv reg.csv --by therapy,provider,site --timepoints 90:30 \
	--format json --mcid 'Q"X\Y=2.5' --reference "'t Hart PRP"
expect_status 0
expect_json_valid "$W/.stdout"
grep -Fq '"mcid": {"Q\"X\\Y": 2.5, "PAIN_NRS": 2}' "$W/.stdout" ||
	fail "options.mcid does not escape the code"
grep -Fq '"pass": {"Q\"X\\Y": 3, "PAIN_NRS": null}' "$W/.stdout" ||
	fail "options.pass does not escape the code"
grep -Fq "\"therapy\": \"$(printf 'caf\357\277\275')\"" "$W/.stdout" ||
	fail "the Latin-1 byte is not U+FFFD"
grep -Fq '"therapy": "PRP\u001b]0;pwned\u0007"' "$W/.stdout" || fail "ESC and BEL not escaped"
grep -Fq "\"site\": \"site$(printf '\357\277\275')7\"" "$W/.stdout" ||
	fail "the raw 0x9B byte is not U+FFFD"
[ "$(grep -c 'U+FFFD' "$W/.stderr")" = 1 ] || fail "the U+FFFD note is not said exactly once"

new_case audit-json-path-not-utf8
hostile_catalogue "$W/cat.csv"
hostile_registry "$W/reg.csv"
cp "$W/reg.csv" "$W/$(printf 'reg\351.csv')"
run audit --instruments cat.csv "$(printf 'reg\351.csv')" --timepoints 90:30 --format json
expect_status 0
expect_json_valid "$W/.stdout"
grep -Fq '"path": "reg\ufffd.csv"' "$W/.stdout" || fail "the path's Latin-1 byte is not U+FFFD"

new_case meta-json-valid
hostile_studies "$W/st.csv"
run meta st.csv --measure GEN --by grp --mods grp --bias --format json
expect_status 0
expect_json_valid "$W/.stdout"
grep -Fq '"study": "A\u009b1m 2001"' "$W/.stdout" || fail "the C1 CSI is not escaped in JSON"
grep -Fq '"g\u001b[31m1": {' "$W/.stdout" || fail "the subgroup key is not escaped"
[ "$(grep -c 'U+FFFD' "$W/.stderr")" = 1 ] || fail "the U+FFFD note is not said exactly once"

# Subgroups that differ only in bytes that are not UTF-8 would be one JSON
# name twice once those bytes become U+FFFD: the second gets a suffix.
new_case meta-json-subgroups-not-utf8
printf 'study,yi,vi,grp\nA,1,0.1,"g\351"\nB,2,0.1,"g\351"\nC,1.5,0.2,"g\350"\nD,1.2,0.1,"g\350"\n' \
	>"$W/fd.csv"
run meta fd.csv --measure GEN --by grp --format json
expect_status 0
expect_json_valid "$W/.stdout"
grep -Fq '"g\ufffd (subgroup 2)": {' "$W/.stdout" || fail "the second subgroup is not told apart"
expect_stderr 'differ only in bytes that are not UTF-8'
expect_no_raw_controls "$W/.stderr"

# A --by column named like a field of the results would be a repeated name
# in every JSON result (and a repeated CSV column): refused, exit 2.
new_case audit-by-column-clash-refused
printf 'patient_id,therapy,age,day,instrument,score,timepoint,n_baseline\n' >"$W/dup.csv"
printf 'P1,PRP,50,-10,PAIN_NRS,7,x,y\nP1,PRP,50,90,PAIN_NRS,3,x,y\n' >>"$W/dup.csv"
run audit dup.csv --by timepoint --format json --min-n 1
expect_status 2
expect_stderr 'the column "timepoint" has the name of another field'
[ -s "$W/.stdout" ] && fail "JSON was written"
run audit dup.csv --by therapy,n_baseline --format csv --min-n 1
expect_status 2
expect_stderr 'the column "n_baseline" has the name of another field'
run audit dup.csv --by n_baseline --min-n 1
expect_status 0
printf 'patient_id,therapy,age,day,instrument,score,curve\n' >"$W/dd.csv"
printf 'P1,PRP,50,-10,PAIN_NRS,7,x\nP1,PRP,50,90,PAIN_NRS,3,x\n' >>"$W/dd.csv"
run audit dd.csv --by curve --durability --format json --min-n 1
expect_status 2
expect_stderr 'the column "curve" has the name of another field'

# The same for promstat mcid's cells.
new_case mcid-by-column-clash-refused
printf 'patient_id,therapy,age,day,instrument,score,anchor,auc\n' >"$W/md.csv"
i=1
while [ $i -le 12 ]; do
	printf 'P%d,PRP,50,-10,PAIN_NRS,7,,z\nP%d,PRP,50,90,PAIN_NRS,%d,%d,z\n' $i $i \
		$((i % 7)) $((i % 5 - 1)) >>"$W/md.csv"
	i=$((i + 1))
done
run mcid md.csv --instrument PAIN_NRS --by auc --format json --timepoints 90:30
expect_status 2
expect_stderr 'the column "auc" has the name of another field'
run mcid md.csv --instrument PAIN_NRS --by auc --timepoints 90:30
expect_status 0

# --- item 8: no CSV cell is a spreadsheet formula ---

# formula_registry FILE: rejected rows (unknown instrument) whose cells are
# formulas, numbers and apostrophe-led text; two good rows.
formula_registry() {
	{
		printf 'patient_id,therapy,age,day,instrument,score\n'
		printf 'P1,PRP,50,-10,PAIN_NRS,7\nP1,PRP,50,90,PAIN_NRS,3\n'
		printf '"=HYPERLINK(""http://x"",""y"")",PRP,50,-10,NOPE,5\n'
		printf 'P3,@SUM(A1),50,-10,NOPE,5\n'
		printf 'P4,+1+1,-3,-10,NOPE,-3\n'
		printf 'P5,-x,50,90,NOPE,4\n'
		printf 'P6,\tTAB,50,90,NOPE,4\n'
		printf "P7,'=quoted,50,90,NOPE,4\n"
		printf "P8,'t Hart,+2.5,90,NOPE,4\n"
	} >"$1"
}

new_case rejects-formulas-neutralised
formula_registry "$W/f.csv"
run validate f.csv --rejects rejects.csv
expect_status 0
grep -Fxq '4,unknown_instrument,"'"'"'=HYPERLINK(""http://x"",""y"")",PRP,50,-10,NOPE,5' \
	"$W/rejects.csv" || fail "the =HYPERLINK cell is not neutralised"
grep -Fxq "5,unknown_instrument,P3,'@SUM(A1),50,-10,NOPE,5" "$W/rejects.csv" ||
	fail "the @SUM cell is not neutralised"
grep -Fxq "6,unknown_instrument,P4,'+1+1,-3,-10,NOPE,-3" "$W/rejects.csv" ||
	fail "+1+1 is not neutralised, or the number -3 is"
grep -Fxq "8,unknown_instrument,P6,'$(printf '\t')TAB,50,90,NOPE,4" "$W/rejects.csv" ||
	fail "the tab-led cell is not neutralised"
grep -Fxq "10,unknown_instrument,P8,'t Hart,+2.5,90,NOPE,4" "$W/rejects.csv" ||
	fail "'t Hart or the number +2.5 was changed"
# Recoverable as the man page says: drop line and reason, then take one
# apostrophe off each field that starts with apostrophes and = + - @ tab CR
# (no field here holds a comma after such an apostrophe, so sed can do it).
tail -n +2 "$W/rejects.csv" |
	sed -E "s/^[0-9]+,[a-z_]+,//; s/(^|,)(\"?)'('*[-=+@$(printf '\t')])/\1\2\3/g" \
		>"$W/recovered.csv"
tail -n +4 "$W/f.csv" | cmp -s - "$W/recovered.csv" ||
	fail "the rejected rows do not read back: $(tail -n +4 "$W/f.csv" | diff - "$W/recovered.csv")"

new_case audit-csv-formulas-neutralised
hostile_catalogue "$W/cat.csv"
hostile_registry "$W/reg.csv"
run audit --instruments cat.csv reg.csv --timepoints 90:30 --format csv
expect_status 0
grep -Fq "\"'=HYPERLINK(\"\"http://x\"\")\"" "$W/.stdout" ||
	fail "the =HYPERLINK therapy is not neutralised"
grep -Eq '(^|,)"?[=+@]' "$W/.stdout" && fail "a CSV cell starts with = + or @"
grep -Eq '(^|,)"?-[^0-9]' "$W/.stdout" && fail "a CSV cell starts with - and is not a number"

new_case meta-csv-formulas-neutralised
hostile_studies "$W/st.csv"
run meta st.csv --measure GEN --by grp --bias --format csv
expect_status 0
grep -Fq "\"'=cmd|' /C calc'!A0\"" "$W/.stdout" ||
	grep -Fq "'=cmd|' /C calc'!A0" "$W/.stdout" || fail "the =cmd study is not neutralised"
grep -Fq "'@SUM(1+1)" "$W/.stdout" || fail "the @SUM study is not neutralised"
grep -Eq '(^|,)"?[=+@]' "$W/.stdout" && fail "a CSV cell starts with = + or @"

# --- item 5: gnuplot draws every label as its own text ---

gp=${GNUPLOT:-$(command -v gnuplot)}
if [ -n "$gp" ] && [ -x "$gp" ]; then
	# apostrophe_studies FILE: labels that start or end with apostrophes,
	# backslashes, @ macros, a '#', enhanced-text markup and escapes.
	apostrophe_studies() {
		{
			printf 'study,yi,vi,grp\n'
			printf '"%s",0.5,0.04,a\n' "'t Hooft 2001"
			printf '"%s",0.3,0.05,a\n' "O'Brien's 'trial'"
			printf '"%s",0.8,0.03,b\n' "'"
			printf '"%s",0.1,0.06,b\n' '\back\slash\'
			printf '"%s",0.4,0.02,b\n' "'@x @GPVAL_PWD #c"
			printf '"%s",0.6,0.05,a\n' '{/:Bold x}^2_y & ~z'
			printf '"%s",0.2,0.04,a\n' "'@x''''"
			printf '"%s",0.7,0.05,b\n' "$(printf "'esc\\033[31m \\302\\233 caf\\351")"
		} >"$1"
	}

	new_case meta-charts-apostrophe-labels
	apostrophe_studies "$W/ap.csv"
	run meta ap.csv --measure GEN --by grp --bias --forest forest.svg --funnel funnel.svg \
		--gnuplot-script forest.gp
	expect_status 0
	expect_exists "$W/forest.svg"
	expect_exists "$W/funnel.svg"
	grep -Eq 'unexpected|unrecognized|rror|not a string variable' "$W/.stderr" && fail "gnuplot complained: $(cat "$W/.stderr")"
	for label in "'t Hooft 2001" "O'Brien's 'trial'" "'@x @GPVAL_PWD #c" "'@x''''" \
		'\back\slash\' '{/:Bold x}^2_y &amp; ~z'; do
		grep -Fq ">$label<" "$W/forest.svg" || fail "the forest plot does not show $label"
	done
	expect_only_files "$W" ap.csv forest.svg funnel.svg forest.gp

	new_case audit-charts-apostrophe-therapy
	hostile_catalogue "$W/cat.csv"
	hostile_registry "$W/reg.csv"
	run audit --instruments cat.csv reg.csv --timepoints 90:30 --min-n 1 --plots charts
	expect_status 0
	grep -Eq 'unexpected|unrecognized|rror|not a string variable' "$W/.stderr" && fail "gnuplot complained: $(cat "$W/.stderr")"
	[ "$(ls "$W/charts" | wc -l)" -eq 5 ] || fail "charts/ holds $(ls "$W/charts" | wc -l) charts, not 5"
	grep -Fq ">'t Hart PRP<" "$W/charts/responders-PAIN_NRS-90.svg" ||
		fail "the responder chart does not show 't Hart PRP"
	expect_no_raw_controls "$W/.stderr"

	# A chart gnuplot fails on leaves no file: a gnuplot that draws, then
	# fails, stands in for any failure after the output was opened.
	new_case failed-chart-leaves-no-file
	apostrophe_studies "$W/ap.csv"
	printf '#!/bin/sh\n"%s" "$@"\nexit 1\n' "$gp" >"$W/failing-gnuplot"
	chmod +x "$W/failing-gnuplot"
	saved_gnuplot=${GNUPLOT-}
	GNUPLOT=$W/failing-gnuplot
	export GNUPLOT
	run meta ap.csv --measure GEN --forest forest.png
	GNUPLOT=$saved_gnuplot
	expect_status 70
	expect_absent "$W/forest.png"
	expect_only_files "$W" ap.csv failing-gnuplot

	# A chart's own name may start with an apostrophe too.
	new_case chart-name-leading-apostrophe
	apostrophe_studies "$W/ap.csv"
	run meta ap.csv --measure GEN --forest "'t Hooft''s.svg"
	expect_status 0
	expect_exists "$W/'t Hooft''s.svg"
	expect_only_files "$W" ap.csv "'t Hooft''s.svg"
fi

hostile_done

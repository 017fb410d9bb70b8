# SPDX-License-Identifier: GPL-3.0-or-later
# promstat report (issue 17): labels from the data are text in the page, the
# page is valid UTF-8 and refers to nothing outside itself, and -o never
# names the input. The browser's view of the same pages is
# tests/report-browser.sh.
. "$srcdir/tests/hostile/lib.sh"

# report_registry FILE: the demo registry with three therapies renamed to
# markup (no comma or quote, so the CSV needs no quoting).
report_registry() {
	sed -e 's/,PRP,/,<script>alert(1)<\/script>,/' -e 's/,MSC,/,<img src=x onerror=alert(2)>,/' \
		-e "s/,MFAT,/,M\&amp;F 'q',/" -e 's/,dr10,/,<b onmouseover=x>dr10<\/b>,/' \
		"$srcdir/datasets/demo-registry.csv" >"$1"
}

# expect_self_contained PAGE: no reference a browser would fetch, looked for
# in the markup only (every tag; text is escaped, so a raw '<' starts one):
# no script element, no src, srcset, action, poster, data or formaction
# attribute, no href but to "#id", no url() but to "#id", no @import.
expect_self_contained() {
	grep -o '<[^>]*>' "$1" >"$W/.tags"
	if grep -Eiq '^<script|[[:space:]](src|srcset|action|poster|data|formaction)[[:space:]]*=' "$W/.tags"; then
		fail "$1 has a script or a fetching attribute: $(grep -Ei '^<script|[[:space:]](src|srcset|action|poster|data|formaction)[[:space:]]*=' "$W/.tags" | head -3)"
	fi
	if grep -Eio "href[[:space:]]*=[[:space:]]*['\"][^'\"#]" "$W/.tags" | grep -q .; then
		fail "$1 has an href to something other than #id"
	fi
	if grep -Eio "url\([[:space:]]*['\"]?[^#'\"[:space:]]" "$1" | grep -q .; then
		fail "$1 has a url() to something other than #id"
	fi
	if grep -Eiq '@import' "$1"; then
		fail "$1 has an @import"
	fi
	rm -f "$W/.tags"
}

new_case report-hostile-labels-are-text
report_registry "$W/reg.csv"
run report reg.csv --reference HA --funnel-by provider --durability -o page.html
expect_status 0
expect_exists "$W/page.html"
expect_stderr 'wrote page.html'
grep -q '&lt;script&gt;alert(1)&lt;/script&gt;' "$W/page.html" || fail "the script label is not escaped text"
grep -q '&lt;img src=x onerror=alert(2)&gt;' "$W/page.html" || fail "the img label is not escaped text"
grep -q "M&amp;amp;F &#39;q&#39;" "$W/page.html" || fail "& and ' are not escaped"
grep -q '<img' "$W/page.html" && fail "an img element reached the page"
# the provider is flagged, so it is in the providers' table (and on the funnel charts)
grep -q '<td>&lt;b onmouseover=x&gt;dr10&lt;/b&gt;</td>' "$W/page.html" || fail "the provider label is not escaped text in the providers' table"
grep -q '<b ' "$W/page.html" && fail "a b element reached the page"
expect_self_contained "$W/page.html"
expect_no_raw_controls "$W/page.html"
iconv -f UTF-8 -t UTF-8 "$W/page.html" >/dev/null 2>&1 || fail "page.html is not valid UTF-8"
for id in headline data-quality outcomes providers safety thresholds methods provenance; do
	grep -q "<section id=\"$id\">" "$W/page.html" || fail "no section $id"
done
# sections in the issue's order
order=$(grep -o '<section id="[a-z-]*"' "$W/page.html" | sed 's/.*id="//; s/"//' | tr '\n' ' ')
[ "$order" = "headline data-quality outcomes providers safety thresholds methods provenance " ] ||
	fail "sections out of order: $order"
# provenance: the input's SHA-256 as sha256sum computes it, and the catalogue's
sum=$(sha256sum "$W/reg.csv" | cut -d' ' -f1)
grep -q "$sum" "$W/page.html" || fail "the input's SHA-256 $sum is not in the provenance"
csum=$(sha256sum "$PROMSTAT_INSTRUMENTS" | cut -d' ' -f1)
grep -q "$csum" "$W/page.html" || fail "the catalogue's SHA-256 is not in the provenance"
grep -q "promstat report reg.csv --reference HA --funnel-by provider --durability -o page.html" "$W/page.html" ||
	fail "the command line is not in the provenance"

new_case report-output-is-input-refused
report_registry "$W/reg.csv"
cp "$W/reg.csv" "$W/copy.csv"
run report reg.csv -o reg.csv
expect_status 2
expect_stderr 'reg.csv'
expect_same "$W/reg.csv" "$W/copy.csv"

new_case report-needs-output
report_registry "$W/reg.csv"
run report reg.csv
expect_status 2
expect_stderr '-o FILE'
expect_only_files "$W" reg.csv

new_case report-refuses-format
report_registry "$W/reg.csv"
run report reg.csv --format json -o p.html
expect_status 2
expect_only_files "$W" reg.csv

new_case audit-has-no-output-option
report_registry "$W/reg.csv"
run audit reg.csv -o p.html
expect_status 2
run audit reg.csv --output p.html
expect_status 2
expect_only_files "$W" reg.csv

new_case report-folder-unwritable
report_registry "$W/reg.csv"
run report reg.csv -o no/such/dir/p.html
expect_status 73
expect_only_files "$W" reg.csv

new_case report-without-gnuplot
report_registry "$W/reg.csv"
(cd "$W" && GNUPLOT=/nonexistent/gnuplot "$promstat" report reg.csv -o p.html >.stdout 2>.stderr)
status=$?
expect_status 0
expect_stderr 'no charts'
grep -q '<svg' "$W/p.html" && fail "charts without gnuplot"
expect_self_contained "$W/p.html"

new_case meta-report-hostile-study-names
# the second name is x\");q("no"); # : a quote and a backslash for the R code
cat >"$W/s.csv" <<'CSV'
study,yi,vi,grp
"<script>alert(1)</script>",0.5,0.04,a
"x\"");q(""no""); #",0.3,0.05,a
"<img src=x onerror=alert(2)>",0.8,0.03,b
plain,0.1,0.06,b
CSV
run meta s.csv --measure GEN --by grp --bias --report m.html
expect_status 0
expect_exists "$W/m.html"
grep -q '&lt;script&gt;alert(1)&lt;/script&gt;' "$W/m.html" || fail "the study name is not escaped text"
grep -q '<img' "$W/m.html" && fail "an img element reached the meta page"
expect_self_contained "$W/m.html"
iconv -f UTF-8 -t UTF-8 "$W/m.html" >/dev/null 2>&1 || fail "m.html is not valid UTF-8"
order=$(grep -o '<section id="[a-z-]*"' "$W/m.html" | sed 's/.*id="//; s/"//' | tr '\n' ' ')
[ "$order" = "studies heterogeneity subgroups bias methods r-code provenance " ] ||
	fail "meta sections: $order"
# the R code's string literals escape the quote and backslash of a name
grep -qF '&quot;x\\\&quot;);q(\&quot;no\&quot;); #&quot;' "$W/m.html" ||
	fail "the R code does not escape the study names as R strings: $(grep -o 'study = c([^)]*' "$W/m.html" | head -1)"
grep -q 'rma(yi, vi, data = dat, method = &quot;REML&quot;, test = &quot;z&quot;, level = 95)' "$W/m.html" ||
	fail "no rma() call with the options used"

new_case meta-report-is-input-refused
printf 'study,yi,vi\nA,0.5,0.04\nB,0.3,0.05\n' >"$W/s.csv"
cp "$W/s.csv" "$W/copy.csv"
run meta s.csv --measure GEN --report s.csv
expect_status 2
expect_same "$W/s.csv" "$W/copy.csv"

hostile_done

#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# promstat report in a real browser (issue 17): Chromium headless renders
# the demo's report, a report whose therapies are markup, and the meta
# --report of the HA worked example; screenshots at
# 1280 and 390 px wide must be real pictures, the DOM Chromium built (parsed
# with xmllint's HTML parser) must hold every section in order, the hostile
# labels as text and no element they would have made, and the page must have
# made no network request. Skipped (77) without chromium or gnuplot.
#
# No network request, checked two ways:
#  - Chromium runs with a proxy that refuses everything (--proxy-server to
#    the discard port, --proxy-bypass-list='<-loopback>' so that not even
#    loopback is exempt), so nothing could leave the machine anyway;
#  - its NetLog (--log-net-log, the record of every request the network
#    service saw, which is what the DevTools network panel shows) must have
#    no request started by the page. Chromium's own background requests
#    (update and account checks its flags do not all turn off) are there,
#    with initiator "not an origin"; a request from a page opened from a
#    file has initiator "null" (its opaque origin). A control page with an
#    <img> and a stylesheet by URL is run first and must be seen to make
#    its requests, so this check is known to be able to fail.
#  A static check of the HTML for any fetching reference is in
#  tests/hostile/t-report.sh (it also runs without a browser).
set -u
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}
top_builddir=${top_builddir:-.}
promstat="$(cd "$top_builddir" && pwd)/promstat"
chromium=${CHROMIUM:-$(command -v chromium || true)}
if [ -z "$chromium" ]; then
	echo "chromium not installed: browser tests skipped"
	exit 77
fi
if [ -z "${GNUPLOT:-}" ] || [ ! -x "$GNUPLOT" ]; then
	echo "gnuplot not installed: browser tests skipped"
	exit 77
fi
command -v xmllint >/dev/null || { echo "xmllint not installed: skipped"; exit 77; }
tmp=$(mktemp -d "${TMPDIR:-/tmp}/promstat-browser.XXXXXX")
trap 'rm -rf "$tmp"' EXIT INT TERM
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }

# browse PAGE NAME ARGS...: Chromium on file PAGE with a fresh profile; its
# NetLog goes to $tmp/NAME.net.json, its stderr to $tmp/NAME.err.
browse() {
	page=$1
	name=$2
	shift 2
	profile=$(mktemp -d "$tmp/profile.XXXXXX")
	timeout 120 "$chromium" --headless --no-sandbox --disable-gpu --disable-quic \
		--no-first-run --disable-background-networking --disable-component-update \
		--disable-sync --user-data-dir="$profile" --hide-scrollbars \
		--proxy-server=127.0.0.1:9 --proxy-bypass-list='<-loopback>' \
		--log-net-log="$tmp/$name.net.json" "$@" "file://$page" 2>"$tmp/$name.err"
}

# page_requests NETLOG: how many requests the page itself started.
page_requests() {
	grep -o '"initiator":"[^"]*"' "$1" | grep -vc '"initiator":"not an origin"'
}

# png_width FILE: the width in a PNG's IHDR (bytes 17-20, big-endian).
png_width() {
	od -An -tu1 -j16 -N4 "$1" | awk '{ print $1 * 16777216 + $2 * 65536 + $3 * 256 + $4 }'
}

# the control: a page that does fetch
printf '<!DOCTYPE html><html><body><img src="http://example.invalid/x.png"><link rel="stylesheet" href="https://cdn.example.invalid/a.css"></body></html>\n' >"$tmp/fetching.html"
browse "$tmp/fetching.html" control --dump-dom >/dev/null
n=$(page_requests "$tmp/control.net.json")
[ "$n" -gt 0 ] || fail "the control page's requests were not seen in the NetLog (check cannot fail)"

# the reports: the demo's (the issue's command), and one with hostile labels
sed -e 's/,PRP,/,<script>alert(1)<\/script>,/' -e 's/,MSC,/,<img src=x onerror=alert(2)>,/' \
	"$top_srcdir/datasets/demo-registry.csv" >"$tmp/hostile.csv"
"$promstat" report "$top_srcdir/datasets/demo-registry.csv" --reference HA --funnel-by provider \
	--durability -o "$tmp/demo.html" 2>"$tmp/demo.promstat.err" || fail "report of the demo: $(cat "$tmp/demo.promstat.err")"
"$promstat" report "$tmp/hostile.csv" --reference HA -o "$tmp/hostile.html" \
	2>"$tmp/hostile.promstat.err" || fail "report of the hostile file: $(cat "$tmp/hostile.promstat.err")"

"$promstat" meta "$top_srcdir/datasets/studies/ha-knee-vas-12wk.csv" --measure MD --by mw_class \
	--bias --report "$tmp/meta.html" >/dev/null 2>"$tmp/meta.promstat.err" ||
	fail "meta --report of the HA example: $(cat "$tmp/meta.promstat.err")"

for r in demo hostile meta; do
	[ -s "$tmp/$r.html" ] || continue
	for w in 1280 390; do
		browse "$tmp/$r.html" "$r-$w" --window-size="$w,2400" --screenshot="$tmp/$r-$w.png"
		size=$(wc -c <"$tmp/$r-$w.png" 2>/dev/null || echo 0)
		# a blank 1280x2400 PNG is about 10 kB; the demo's first screen of
		# text, tables and a chart is several hundred
		[ "$size" -gt 60000 ] || fail "$r at $w px: screenshot of $size bytes"
		[ "$(png_width "$tmp/$r-$w.png")" = "$w" ] || fail "$r at $w px: screenshot is $(png_width "$tmp/$r-$w.png") px wide"
		[ "$(page_requests "$tmp/$r-$w.net.json")" = 0 ] ||
			fail "$r at $w px: the page made a network request: $(grep -o '"url":"[^"]*"' "$tmp/$r-$w.net.json" | sort -u | head -5)"
	done
	browse "$tmp/$r.html" "$r-dom" --dump-dom >"$tmp/$r.dom.html"
	[ "$(page_requests "$tmp/$r-dom.net.json")" = 0 ] || fail "$r: the page made a network request"
	xp() { xmllint --html --xpath "$1" "$tmp/$r.dom.html" 2>/dev/null; }
	ids=$(xp '//section/@id' | tr -d '\n' | sed 's/ *id="\([^"]*\)"/\1 /g')
	case $r in
	meta) want="studies heterogeneity subgroups bias methods r-code provenance " ;;
	*) want="headline data-quality outcomes providers safety thresholds methods provenance " ;;
	esac
	[ "$ids" = "$want" ] || fail "$r: sections in the DOM: [$ids]"
	[ "$(xp 'count(//script)')" = 0 ] || fail "$r: a script element in the DOM"
	[ "$(xp 'count(//img)')" = 0 ] || fail "$r: an img element in the DOM"
	[ "$(xp 'count(//link)')" = 0 ] || fail "$r: a link element in the DOM"
	nsvg=$(xp 'count(//svg)')
	case $r in meta) least=2 ;; *) least=6 ;; esac
	[ "${nsvg:-0}" -ge "$least" ] || fail "$r: $nsvg charts in the DOM"
done
if [ -s "$tmp/hostile.dom.html" ]; then
	# the labels are text: a headline item starts with each, as written
	xp() { xmllint --html --xpath "$1" "$tmp/hostile.dom.html" 2>/dev/null; }
	[ "$(xp 'count(//li[starts-with(., "<script>alert(1)</script>: ")])')" = 3 ] ||
		fail "the <script> therapy is not a text label in each instrument's headline"
	[ "$(xp 'count(//li[starts-with(., "<img src=x onerror=alert(2)>: ")])')" = 3 ] ||
		fail "the <img> therapy is not a text label in each instrument's headline"
	[ "$(xp 'count(//*[@onerror])')" = 0 ] || fail "an onerror attribute reached the DOM"
fi
# keep the screenshots for a look when asked (make check leaves none behind)
if [ -n "${PROMSTAT_KEEP_SCREENSHOTS:-}" ]; then
	cp "$tmp"/*.png "$PROMSTAT_KEEP_SCREENSHOTS"/
fi
[ "$fails" -eq 0 ] || exit 1
echo "browser: demo and hostile reports rendered at 1280 and 390 px, no request"

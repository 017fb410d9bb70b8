#!/bin/sh
# Issue 11: the CLI (cli/) and the chart emitters (plots/) use only the
# library's public headers. Fails, naming the files, when any source file
# outside engine/ includes the engine's private internal.h.
top=${top_srcdir:-.}
bad=$(grep -lE '^[[:space:]]*#[[:space:]]*include[[:space:]]*[<"]([^">]*/)?internal\.h[">]' \
	"$top"/cli/*.c "$top"/cli/*.h "$top"/plots/*.c "$top"/plots/*.h 2>/dev/null)
if [ -n "$bad" ]; then
	echo "layering: these files outside engine/ include internal.h:" >&2
	echo "$bad" >&2
	exit 1
fi
# the check must see the tree: no sources at all means a wrong top_srcdir
ls "$top"/cli/*.c >/dev/null 2>&1 || { echo "layering: no cli/*.c under $top" >&2; exit 99; }
exit 0

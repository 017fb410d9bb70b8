#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# Engine code allocates only through ps_malloc/ps_calloc/ps_realloc/
# ps_strdup/ps_free (engine/alloc.c), so that the caller's allocator sees
# every byte and the out-of-memory tests reach every allocation. Fails,
# naming the line, when an engine file calls the C library's directly.
: "${top_srcdir:=.}"
bad=$(grep -nE '(^|[^_[:alnum:].>])(malloc|calloc|realloc|strdup|strndup|free|aligned_alloc|posix_memalign|asprintf|vasprintf|getline|getdelim|open_memstream)[[:space:]]*\(' \
	"$top_srcdir"/engine/*.c | grep -v '^[^:]*/engine/alloc\.c:' |
	grep -vE '^[^:]*:[0-9]+:[[:space:]]*(/?\*|//)')
if [ -n "$bad" ]; then
	echo "engine code must allocate through ps_malloc & co. (engine/internal.h):" >&2
	echo "$bad" >&2
	exit 1
fi
exit 0

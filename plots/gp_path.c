/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Output paths in a gnuplot script. Paths are not labels (ps_gp_quote in
 * gp.c): a label may be cut, and bytes that would spoil a chart replaced,
 * but a path names a file, and any change to it writes a different one.
 */
#include <stdio.h>

#include "gp.h"

void ps_gp_path(FILE *out, const char *path)
{
	const char *p = path ? path : "";

	putc('\'', out);
	/*
	 * gnuplot's "set output" reads a leading '|' as a command to pipe the
	 * chart into, and a leading '~' as the home folder: "./" keeps either
	 * a plain file name in the current folder, the file it names.
	 */
	if (*p == '|' || *p == '~')
		fputs("./", out);
	for (; *p; p++) {
		/* Inside single quotes gnuplot reads '' as one quote and nothing
		   else specially: every other byte is the path's own. */
		if (*p == '\'')
			putc('\'', out);
		putc(*p, out);
	}
	putc('\'', out);
}

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
	ps_gp_sq w = { out, 0, 0, 0 };

	/*
	 * gnuplot's "set output" reads a leading '|' as a command to pipe the
	 * chart into, and a leading '~' as the home folder: "./" keeps either
	 * a plain file name in the current folder, the file it names.
	 */
	if (*p == '|' || *p == '~')
		ps_gp_sq_bytes(&w, "./", 2);
	/* Inside single quotes gnuplot reads nothing specially but the quote,
	   written as ps_gp_quote writes it (a leading one as "\047"): every
	   other byte is the path's own. */
	for (; *p; p++)
		if (*p == '\'')
			ps_gp_sq_apostrophe(&w);
		else
			ps_gp_sq_bytes(&w, p, 1);
	ps_gp_sq_end(&w);
}

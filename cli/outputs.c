/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The one check of a run's output paths (see outputs.h). Files are told
 * apart the way the kernel does: an existing file by its device and inode,
 * so a hard link, a symbolic link or "./x" is the same file as "x"; a file
 * not yet there by the nearest folder above it that exists (its device
 * and inode again) and the rest of the path below that folder.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "outputs.h"

#ifndef PATH_MAX
#define PATH_MAX 4096
#endif

void cli_paths_input(cli_paths *p, const char *path, const char *what)
{
	if (!path || !*path || p->n_inputs >= CLI_PATHS_MAX)
		return;
	p->inputs[p->n_inputs].path = path;
	p->inputs[p->n_inputs].what = what;
	p->n_inputs++;
}

void cli_paths_output(cli_paths *p, const char *option, const char *path)
{
	if (!path || p->n_outputs >= CLI_PATHS_MAX)
		return;
	p->outputs[p->n_outputs].option = option;
	p->outputs[p->n_outputs].path = path;
	p->n_outputs++;
}

/* Where a path leads, for comparing two paths without creating either. */
typedef struct file_id {
	int exists;	/* 1: dev, ino are the file's own; 0: its nearest existing folder's */
	dev_t dev;
	ino_t ino;
	char *rest;	/* exists == 0: the path below that folder, without "" and "." parts */
	const char *option, *path; /* for messages */
	size_t index;		   /* order given, so messages name the first output first */
} file_id;

/* Appends the parts of s that name something ("" and "." do not) to out. */
static void normalise_into(char *out, const char *s)
{
	size_t n = 0;

	while (*s) {
		size_t len = strcspn(s, "/");
		if (len && !(len == 1 && s[0] == '.')) {
			if (n)
				out[n++] = '/';
			memcpy(out + n, s, len);
			n += len;
		}
		s += len;
		s += strspn(s, "/");
	}
	out[n] = '\0';
}

/*
 * Fills id for path. Returns 0, or -1 when out of memory. A path whose
 * folders cannot be looked at is compared by its nearest folder that can.
 */
static int file_id_of(const char *path, file_id *id)
{
	struct stat st;
	char *buf;
	size_t len;

	id->rest = NULL;
	if (stat(path, &st) == 0 || lstat(path, &st) == 0) {
		/* lstat: a dangling symbolic link stands for itself. */
		id->exists = 1;
		id->dev = st.st_dev;
		id->ino = st.st_ino;
		return 0;
	}
	id->exists = 0;
	if (!(buf = strdup(path)) || !(id->rest = malloc(strlen(path) + 1))) {
		free(buf);
		return -1;
	}
	len = strlen(buf);
	for (;;) {
		char *slash;
		/* Drop the last part of buf; what is left is the folder to try. */
		while (len > 1 && buf[len - 1] == '/')
			buf[--len] = '\0';
		slash = strrchr(buf, '/');
		if (!slash) {
			normalise_into(id->rest, path);
			if (stat(".", &st) != 0)
				st.st_dev = 0, st.st_ino = 0;
			break;
		}
		*slash = '\0';
		len = (size_t)(slash - buf);
		if (stat(len ? buf : "/", &st) == 0) {
			normalise_into(id->rest, path + len + 1);
			break;
		}
	}
	id->dev = st.st_dev;
	id->ino = st.st_ino;
	free(buf);
	return 0;
}

static int same_file(const file_id *a, const file_id *b)
{
	if (a->exists != b->exists || a->dev != b->dev || a->ino != b->ino)
		return 0;
	return a->exists || !strcmp(a->rest, b->rest);
}

static int id_order(const void *pa, const void *pb)
{
	const file_id *a = pa, *b = pb;

	if (a->exists != b->exists)
		return a->exists < b->exists ? -1 : 1;
	if (a->dev != b->dev)
		return a->dev < b->dev ? -1 : 1;
	if (a->ino != b->ino)
		return a->ino < b->ino ? -1 : 1;
	if (!a->exists) {
		int c = strcmp(a->rest, b->rest);
		if (c)
			return c;
	}
	return a->index < b->index ? -1 : a->index > b->index;
}

/*
 * NULL when promstat can write to path as given, else why not. A control
 * character (C0, DEL, or C1 as UTF-8) would end a gnuplot command and
 * reach the terminal in every message naming the file; a path of PATH_MAX
 * bytes or more cannot be opened at all.
 */
static const char *unwritable_name(const char *path)
{
	const unsigned char *s = (const unsigned char *)path;

	if (!*s)
		return "is empty";
	if (strlen(path) >= PATH_MAX)
		return "is too long for a file name on this system";
	for (; *s; s++)
		if (*s < 0x20 || *s == 0x7F || (s[0] == 0xC2 && s[1] >= 0x80 && s[1] <= 0x9F))
			return "contains a control character";
	return NULL;
}

int cli_paths_check(const cli_paths *p, const char *cmd, const char *extra_option,
		    const char *const *extra, size_t n_extra)
{
	size_t n = p->n_outputs + n_extra, i, j;
	file_id *ids = NULL, in_ids[CLI_PATHS_MAX];
	const char *why;
	int rc = EXIT_OK;

	for (i = 0; i < n; i++) {
		const char *opt = i < p->n_outputs ? p->outputs[i].option : extra_option;
		const char *path = i < p->n_outputs ? p->outputs[i].path : extra[i - p->n_outputs];
		if ((why = unwritable_name(path)))
			/* Not printed: the name is what cannot be shown safely. */
			return cli_usage_error(cmd, "the file name given to %s %s", opt, why);
	}
	if (n == 0)
		return EXIT_OK;
	if (!(ids = calloc(n, sizeof *ids))) {
		fputs("promstat: out of memory\n", stderr);
		return EXIT_SOFTWARE;
	}
	for (i = 0; i < n; i++) {
		ids[i].option = i < p->n_outputs ? p->outputs[i].option : extra_option;
		ids[i].path = i < p->n_outputs ? p->outputs[i].path : extra[i - p->n_outputs];
		ids[i].index = i;
		if (file_id_of(ids[i].path, &ids[i]) != 0) {
			fputs("promstat: out of memory\n", stderr);
			rc = EXIT_SOFTWARE;
			goto done;
		}
	}
	/* Inputs: only a regular file holds data an output could destroy. */
	for (j = 0; j < p->n_inputs; j++) {
		struct stat st;
		int ok = strcmp(p->inputs[j].path, "-") ? stat(p->inputs[j].path, &st) == 0
							: fstat(STDIN_FILENO, &st) == 0;
		in_ids[j].exists = ok && S_ISREG(st.st_mode);
		in_ids[j].dev = ok ? st.st_dev : 0;
		in_ids[j].ino = ok ? st.st_ino : 0;
	}
	for (i = 0; i < n; i++)
		for (j = 0; j < p->n_inputs; j++)
			if (ids[i].exists && in_ids[j].exists && ids[i].dev == in_ids[j].dev &&
			    ids[i].ino == in_ids[j].ino) {
				rc = cli_usage_error(cmd, "%s %s would overwrite %s", ids[i].option,
						     ids[i].path, p->inputs[j].what);
				goto done;
			}
	/* Sorted, two outputs naming one file are neighbours. */
	qsort(ids, n, sizeof *ids, id_order);
	for (i = 1; i < n; i++)
		if (same_file(&ids[i - 1], &ids[i])) {
			const file_id *a = &ids[i - 1], *b = &ids[i];
			if (a->index >= p->n_outputs && b->index >= p->n_outputs)
				rc = cli_usage_error(cmd, "two of the files %s stands for would be "
							  "written to one file, %s", a->option, a->path);
			else
				rc = cli_usage_error(cmd, "%s %s and %s %s name the same file; "
							  "each output needs its own", a->option,
						     a->path, b->option, b->path);
			goto done;
		}
done:
	for (i = 0; i < n; i++)
		free(ids[i].rest);
	free(ids);
	return rc;
}

/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Runs gnuplot on a chart script through a pipe (popen), never linking a
 * plotting library. gnuplot's standard error goes to a temporary file so a
 * failure can be explained in its own words; its standard output is ours,
 * which is where a terminal ("dumb") chart belongs.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "config.h"
#include "cli.h"
#include "gnuplot.h"

#ifndef PROMSTAT_GNUPLOT
#define PROMSTAT_GNUPLOT "gnuplot"
#endif

/* What gnuplot says is quoted up to this many bytes. */
#define STDERR_QUOTE_MAX 2000

int cli_script_open(cli_script *s)
{
	s->text = NULL;
	s->len = 0;
	s->f = open_memstream(&s->text, &s->len);
	return s->f ? 0 : -1;
}

void cli_script_free(cli_script *s)
{
	if (!s)
		return;
	if (s->f)
		fclose(s->f);
	s->f = NULL;
	free(s->text);
	s->text = NULL;
	s->len = 0;
}

const char *cli_gnuplot_program(void)
{
	const char *env = getenv("GNUPLOT");

	return env && *env ? env : PROMSTAT_GNUPLOT;
}

static int executable(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISREG(st.st_mode) && access(path, X_OK) == 0;
}

int cli_gnuplot_available(const char *program)
{
	const char *path, *p;
	char buf[4096];

	if (!program || !*program)
		return 0;
	if (strchr(program, '/'))
		return executable(program);
	path = getenv("PATH");
	if (!path)
		path = "/usr/bin:/bin";
	for (p = path;; p++) {
		const char *end = strchr(p, ':');
		size_t n = end ? (size_t)(end - p) : strlen(p);
		/* An empty PATH entry means the current directory. */
		if (snprintf(buf, sizeof buf, "%.*s/%s", (int)n, n ? p : ".", program) <
			    (int)sizeof buf &&
		    executable(buf))
			return 1;
		if (!end)
			return 0;
		p = end;
	}
}

/* Appends s to buf as one shell word in single quotes. */
static int shell_word(char *buf, size_t size, const char *s)
{
	size_t n = strlen(buf);

	if (n + 1 >= size)
		return -1;
	buf[n++] = '\'';
	for (; *s; s++) {
		const char *piece = *s == '\'' ? "'\\''" : NULL;
		size_t m = piece ? 4 : 1;
		if (n + m + 2 >= size)
			return -1;
		if (piece)
			memcpy(buf + n, piece, m);
		else
			buf[n] = *s;
		n += m;
	}
	buf[n++] = '\'';
	buf[n] = '\0';
	return 0;
}

/* The folder of path must exist and be writable for gnuplot to write there. */
static int folder_writable(const char *path)
{
	char dir[4096];
	const char *slash = strrchr(path, '/');

	if (!slash)
		return access(".", W_OK) == 0;
	if ((size_t)(slash - path) >= sizeof dir)
		return 0;
	if (slash == path)
		return access("/", W_OK) == 0;
	memcpy(dir, path, (size_t)(slash - path));
	dir[slash - path] = '\0';
	return access(dir, W_OK) == 0;
}

/* Prints the first lines of what gnuplot wrote to standard error. */
static void quote_stderr(FILE *log)
{
	char buf[STDERR_QUOTE_MAX + 1];
	size_t n;

	rewind(log);
	n = fread(buf, 1, STDERR_QUOTE_MAX, log);
	buf[n] = '\0';
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
		buf[--n] = '\0';
	if (n == 0)
		return;
	fputs("gnuplot said:\n", stderr);
	for (char *line = strtok(buf, "\n"); line; line = strtok(NULL, "\n"))
		fprintf(stderr, "  %s\n", line);
}

int cli_gnuplot_draw(cli_script *s, const char *what, const char *output, const char *save)
{
	const char *program = cli_gnuplot_program();
	char logname[4096], cmd[8192] = "exec ";
	const char *tmpdir = getenv("TMPDIR");
	struct sigaction ignore, old;
	FILE *pipe = NULL, *log = NULL;
	int fd, status, rc = EXIT_OK, write_failed;

	if (!s->f || fflush(s->f) != 0 || ferror(s->f)) {
		fprintf(stderr, "promstat: could not build the %s script (out of memory?)\n", what);
		cli_script_free(s);
		return EXIT_SOFTWARE;
	}
	if (save) {
		FILE *f = fopen(save, "wb");
		if (!f || fwrite(s->text, 1, s->len, f) != s->len || fclose(f) != 0) {
			fprintf(stderr, "promstat: %s: cannot save the %s script: %s\n", save, what,
				strerror(errno));
			cli_script_free(s);
			return EXIT_CANTCREAT;
		}
	}
	if (output && !folder_writable(output)) {
		fprintf(stderr, "promstat: %s: cannot write the %s there: %s\n", output, what,
			strerror(errno ? errno : EACCES));
		cli_script_free(s);
		return EXIT_CANTCREAT;
	}
	if (!cli_gnuplot_available(program)) {
		fprintf(stderr,
			"promstat: cannot draw the %s: gnuplot is not installed (looked for \"%s\").\n"
			"Install the Debian package gnuplot-nox, or set GNUPLOT to gnuplot's path.\n",
			what, program);
		cli_script_free(s);
		return EXIT_UNAVAILABLE;
	}

	snprintf(logname, sizeof logname, "%s/promstat-gnuplot-XXXXXX",
		 tmpdir && *tmpdir ? tmpdir : "/tmp");
	fd = mkstemp(logname);
	if (fd < 0 || !(log = fdopen(fd, "w+"))) {
		fprintf(stderr, "promstat: cannot create a temporary file in %s to run gnuplot: %s\n",
			tmpdir && *tmpdir ? tmpdir : "/tmp", strerror(errno));
		if (fd >= 0) {
			close(fd);
			unlink(logname);
		}
		cli_script_free(s);
		return EXIT_CANTCREAT;
	}
	/* exec 'PROGRAM' 2>'LOG': quoted, so odd characters in paths stay inert. */
	if (shell_word(cmd, sizeof cmd, program) == 0 && strlen(cmd) + 3 < sizeof cmd)
		strcat(cmd, " 2>");
	else
		cmd[0] = '\0';
	if (!cmd[0] || shell_word(cmd, sizeof cmd, logname) != 0) {
		fprintf(stderr, "promstat: the gnuplot path is too long\n");
		rc = EXIT_SOFTWARE;
		goto out;
	}

	/* A gnuplot that dies early must not take promstat down with SIGPIPE. */
	memset(&ignore, 0, sizeof ignore);
	ignore.sa_handler = SIG_IGN;
	sigemptyset(&ignore.sa_mask);
	sigaction(SIGPIPE, &ignore, &old);
	fflush(stdout);
	fflush(stderr);
	pipe = popen(cmd, "w");
	if (!pipe) {
		sigaction(SIGPIPE, &old, NULL);
		fprintf(stderr, "promstat: cannot start gnuplot to draw the %s: %s\n", what,
			strerror(errno));
		rc = EXIT_SOFTWARE;
		goto out;
	}
	write_failed = fwrite(s->text, 1, s->len, pipe) != s->len || fflush(pipe) != 0;
	status = pclose(pipe);
	sigaction(SIGPIPE, &old, NULL);

	if (status == -1 || !WIFEXITED(status)) {
		fprintf(stderr, "promstat: gnuplot stopped abnormally while drawing the %s\n", what);
		quote_stderr(log);
		rc = EXIT_SOFTWARE;
	} else if (WEXITSTATUS(status) == 127 || WEXITSTATUS(status) == 126) {
		fprintf(stderr,
			"promstat: cannot draw the %s: \"%s\" could not be run.\n"
			"Install the Debian package gnuplot-nox, or set GNUPLOT to gnuplot's path.\n",
			what, program);
		rc = EXIT_UNAVAILABLE;
	} else if (WEXITSTATUS(status) != 0 || write_failed) {
		fprintf(stderr, "promstat: gnuplot could not draw the %s%s%s (exit status %d)\n", what,
			output ? " into " : "", output ? output : "", WEXITSTATUS(status));
		quote_stderr(log);
		rc = EXIT_SOFTWARE;
	} else {
		/* Drawn; gnuplot's warnings still deserve to be seen. */
		quote_stderr(log);
	}
out:
	fclose(log);
	unlink(logname);
	cli_script_free(s);
	return rc;
}

/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Runs gnuplot on a chart script through a pipe (popen), never linking a
 * plotting library. gnuplot's standard error goes to a temporary file so a
 * failure can be explained in its own words; its standard output is ours,
 * which is where a terminal ("dumb") chart belongs.
 */
/* realpath() is XSI, beyond the POSIX 2008 the build asks for. */
#define _XOPEN_SOURCE 700
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "config.h"
#include "cli.h"
#include "term.h"
#include "gnuplot.h"
#include "promstat_plots.h"

#ifndef PROMSTAT_GNUPLOT
#define PROMSTAT_GNUPLOT "gnuplot"
#endif

/* gnuplot's standard error file while gnuplot runs, for the signal handler below. */
static char *volatile pending_log;

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

/* Does what gnuplot wrote to standard error contain needle? */
static int log_says(FILE *log, const char *needle)
{
	char buf[STDERR_QUOTE_MAX + 1];
	size_t n;

	rewind(log);
	n = fread(buf, 1, STDERR_QUOTE_MAX, log);
	buf[n] = '\0';
	return strstr(buf, needle) != NULL;
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
		cli_term_printf(stderr, "  %s\n", line);
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
		cli_term_printf(stderr, "promstat: could not build the %s script (out of memory?)\n", what);
		cli_script_free(s);
		return EXIT_SOFTWARE;
	}
	if (save) {
		FILE *f = fopen(save, "wb");
		if (!f || fwrite(s->text, 1, s->len, f) != s->len || fclose(f) != 0) {
			cli_term_printf(stderr, "promstat: %s: cannot save the %s script: %s\n", save, what,
				strerror(errno));
			cli_script_free(s);
			return EXIT_CANTCREAT;
		}
	}
	if (!cli_gnuplot_available(program)) {
		cli_term_printf(stderr,
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
		cli_term_printf(stderr, "promstat: cannot create a temporary file in %s to run gnuplot: %s\n",
			tmpdir && *tmpdir ? tmpdir : "/tmp", strerror(errno));
		if (fd >= 0) {
			close(fd);
			unlink(logname);
		}
		cli_script_free(s);
		return EXIT_CANTCREAT;
	}
	pending_log = logname; /* removed by the handler when a chart is pending */
	/* exec 'PROGRAM' 2>'LOG': quoted, so odd characters in paths stay inert. */
	if (shell_word(cmd, sizeof cmd, program) == 0 && strlen(cmd) + 3 < sizeof cmd)
		strcat(cmd, " 2>");
	else
		cmd[0] = '\0';
	if (!cmd[0] || shell_word(cmd, sizeof cmd, logname) != 0) {
		cli_term_printf(stderr, "promstat: the gnuplot path is too long\n");
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
		cli_term_printf(stderr, "promstat: cannot start gnuplot to draw the %s: %s\n", what,
			strerror(errno));
		rc = EXIT_SOFTWARE;
		goto out;
	}
	write_failed = fwrite(s->text, 1, s->len, pipe) != s->len || fflush(pipe) != 0;
	status = pclose(pipe);
	sigaction(SIGPIPE, &old, NULL);

	if (status == -1 || !WIFEXITED(status)) {
		cli_term_printf(stderr, "promstat: gnuplot stopped abnormally while drawing the %s\n", what);
		quote_stderr(log);
		rc = EXIT_SOFTWARE;
	} else if (WEXITSTATUS(status) == 127 || WEXITSTATUS(status) == 126) {
		cli_term_printf(stderr,
			"promstat: cannot draw the %s: \"%s\" could not be run.\n"
			"Install the Debian package gnuplot-nox, or set GNUPLOT to gnuplot's path.\n",
			what, program);
		rc = EXIT_UNAVAILABLE;
	} else if (WEXITSTATUS(status) != 0 && log_says(log, "cannot open file")) {
		/* gnuplot's words for an output it could not open ("set output"). */
		cli_term_printf(stderr, "promstat: gnuplot could not write the %s%s%s (exit status %d)\n",
			what, output ? " into " : "", output ? output : "", WEXITSTATUS(status));
		quote_stderr(log);
		rc = EXIT_CANTCREAT;
	} else if (WEXITSTATUS(status) != 0 || write_failed) {
		cli_term_printf(stderr, "promstat: gnuplot could not draw the %s%s%s (exit status %d)\n", what,
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
	pending_log = NULL;
	cli_script_free(s);
	return rc;
}

/* ---- chart files: whole where asked for, or not there at all ---- */

/* The folder part of path ("." when it has none), malloc'd. */
static char *folder_of(const char *path)
{
	const char *slash = strrchr(path, '/');
	size_t n = slash ? (size_t)(slash - path) : 0;
	char *d;

	if (!slash)
		return strdup(".");
	if (n == 0)
		n = 1; /* "/x": the root */
	if ((d = malloc(n + 1))) {
		memcpy(d, path, n);
		d[n] = '\0';
	}
	return d;
}

/*
 * A new empty file *name in a new folder *folder, dir/.promstat-chart-XXXXXX/
 * (mkdtemp). The folder is what makes the file go for good when promstat is
 * stopped: a gnuplot still running after it would otherwise create the file
 * again when it opens its output, and now finds no folder to create it in.
 * Returns an open descriptor, or -1 with errno (nothing left to free).
 */
static int make_temp(const char *dir, char **folder, char **name)
{
	size_t n = strlen(dir) + sizeof "/.promstat-chart-XXXXXX/chart";
	int fd = -1, e;

	*folder = malloc(n);
	*name = malloc(n);
	if (!*folder || !*name) {
		e = ENOMEM;
		goto fail;
	}
	snprintf(*folder, n, "%s/.promstat-chart-XXXXXX", dir);
	if (!mkdtemp(*folder)) {
		e = errno;
		goto fail;
	}
	snprintf(*name, n, "%s/chart", *folder);
	if ((fd = open(*name, O_WRONLY | O_CREAT | O_EXCL, 0600)) >= 0)
		return fd;
	e = errno;
	rmdir(*folder);
fail:
	free(*folder);
	free(*name);
	*folder = *name = NULL;
	errno = e;
	return -1;
}

/*
 * The temporary file and its folder while gnuplot may be drawing into it,
 * so that a run stopped by Ctrl-C, kill or a closed terminal leaves nothing
 * in the chart's folder: the handler removes both (again if a gnuplot that
 * outlives promstat made the file anew in between), then dies of the signal
 * as if it had not been caught (unlink, rmdir, signal and raise are
 * async-signal-safe).
 */
static char *volatile pending_temp, *volatile pending_folder;
static const int cleanup_signals[] = { SIGINT, SIGTERM, SIGHUP };
static struct sigaction saved_actions[3];

static void remove_pending(int sig)
{
	char *p = pending_temp, *d = pending_folder, *log = pending_log;

	if (log)
		unlink(log);

	for (int i = 0; i < 3 && d; i++) {
		if (p)
			unlink(p);
		if (rmdir(d) == 0)
			break;
	}
	signal(sig, SIG_DFL);
	raise(sig);
}

static void watch_temp(char *folder, char *path)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = remove_pending;
	sigemptyset(&sa.sa_mask);
	pending_temp = path;
	pending_folder = folder;
	for (size_t i = 0; i < 3; i++)
		sigaction(cleanup_signals[i], &sa, &saved_actions[i]);
}

static void unwatch_temp(void)
{
	if (!pending_folder)
		return;
	for (size_t i = 0; i < 3; i++)
		sigaction(cleanup_signals[i], &saved_actions[i], NULL);
	pending_temp = pending_folder = NULL;
}

static void chart_file_clear(cli_chart_file *cf)
{
	unwatch_temp();
	if (cf->draw_path)
		unlink(cf->draw_path);
	if (cf->draw_folder)
		rmdir(cf->draw_folder);
	free(cf->draw_path);
	free(cf->draw_folder);
	free(cf->target);
	cf->draw_path = cf->draw_folder = cf->target = NULL;
}

int cli_chart_file_open(cli_chart_file *cf, const char *path, const char *what)
{
	struct stat st, lst;
	int exists, fd = -1, e = 0;
	mode_t mask;
	char *dir;

	memset(cf, 0, sizeof *cf);
	cf->path = path;
	/* Through a symbolic link to a file: the file is what gets replaced. */
	if (lstat(path, &lst) == 0 && S_ISLNK(lst.st_mode) && stat(path, &st) == 0)
		cf->target = realpath(path, NULL);
	else
		cf->target = strdup(path);
	if (!cf->target) {
		fputs("promstat: out of memory\n", stderr);
		return EXIT_SOFTWARE;
	}
	exists = stat(cf->target, &st) == 0;
	if (exists && S_ISDIR(st.st_mode)) {
		cli_term_printf(stderr, "promstat: %s: cannot write the %s there: it is a folder\n", path,
			what);
		chart_file_clear(cf);
		return EXIT_CANTCREAT;
	}
	/* A device or a pipe cannot be renamed onto: copy into it. */
	cf->copy = exists && !S_ISREG(st.st_mode);
	if (!cf->copy) {
		if (!(dir = folder_of(cf->target))) {
			fputs("promstat: out of memory\n", stderr);
			chart_file_clear(cf);
			return EXIT_SOFTWARE;
		}
		fd = make_temp(dir, &cf->draw_folder, &cf->draw_path);
		e = errno;
		free(dir);
		if (fd < 0 && exists && access(cf->target, W_OK) == 0)
			cf->copy = 1; /* a writable file in a folder that is not */
	}
	if (cf->copy) {
		const char *tmpdir = getenv("TMPDIR");
		fd = make_temp(tmpdir && *tmpdir ? tmpdir : "/tmp", &cf->draw_folder, &cf->draw_path);
		e = errno;
	}
	if (fd < 0) {
		cli_term_printf(stderr, "promstat: %s: cannot write the %s there: %s\n", path, what,
			strerror(e));
		chart_file_clear(cf);
		return e == ENOMEM ? EXIT_SOFTWARE : EXIT_CANTCREAT;
	}
	/* Renamed into place, the chart keeps the old file's mode, or gets the
	   mode a new file would have had (mkstemp's is 0600). */
	mask = umask(0);
	umask(mask);
	if (!cf->copy)
		fchmod(fd, exists ? (st.st_mode & 07777) : (0666 & ~mask));
	close(fd);
	watch_temp(cf->draw_folder, cf->draw_path);
	return EXIT_OK;
}

/* Copies the file from into the existing file to, every write checked. */
static int copy_into(const char *from, const char *to)
{
	char buf[65536];
	int in = open(from, O_RDONLY), out = -1, e = 0;
	ssize_t n = 0;

	if (in < 0)
		return -1;
	if ((out = open(to, O_WRONLY)) < 0) {
		e = errno;
		close(in);
		errno = e;
		return -1;
	}
	while ((n = read(in, buf, sizeof buf)) > 0) {
		for (ssize_t done = 0; done < n;) {
			ssize_t w = write(out, buf + done, (size_t)(n - done));
			if (w < 0 && errno == EINTR)
				continue;
			if (w <= 0) {
				e = w < 0 ? errno : EIO;
				goto out;
			}
			done += w;
		}
	}
	if (n < 0)
		e = errno;
out:
	close(in);
	if (close(out) != 0 && !e)
		e = errno;
	errno = e;
	return e ? -1 : 0;
}

void cli_chart_file_expect(cli_chart_file *cf, int format)
{
	/* The PNG IEND chunk: length 0, type, CRC (PNG specification, 11.2.5). */
	static const char png_end[12] = { 0, 0, 0, 0, 'I', 'E', 'N', 'D', '\xAE', 'B', '`', '\x82' };

	switch (format) {
	case PROMSTAT_PLOT_SVG: cf->trailer = "</svg>", cf->trailer_len = 6; break;
	case PROMSTAT_PLOT_PDF: cf->trailer = "%%EOF", cf->trailer_len = 5; break;
	case PROMSTAT_PLOT_PNG: cf->trailer = png_end, cf->trailer_len = sizeof png_end; break;
	default: cf->trailer = NULL, cf->trailer_len = 0; break;
	}
}

/*
 * Does the size-byte file path end in end (n bytes)? A text trailer may be
 * followed by line ends and spaces (gnuplot's SVG ends "</svg>\n\n").
 */
static int ends_with(const char *path, off_t size, const char *end, size_t n, int text)
{
	char buf[64];
	size_t got;
	ssize_t r;
	int fd;

	if ((fd = open(path, O_RDONLY)) < 0)
		return 0;
	got = size < (off_t)sizeof buf ? (size_t)size : sizeof buf;
	r = pread(fd, buf, got, size - (off_t)got);
	close(fd);
	if (r != (ssize_t)got)
		return 0;
	while (text && got > 0 && strchr(" \r\n", buf[got - 1]))
		got--;
	return got >= n && memcmp(buf + got - n, end, n) == 0;
}

int cli_chart_file_close(cli_chart_file *cf, int rc, const char *what)
{
	struct stat drawn, there;

	if (rc != EXIT_OK || !cf->draw_path) {
		chart_file_clear(cf);
		return rc;
	}
	/* gnuplot does not check its own writes: an empty file is a chart
	   that was never written. */
	if (stat(cf->draw_path, &drawn) != 0 || drawn.st_size == 0) {
		cli_term_printf(stderr, "promstat: %s: gnuplot wrote nothing for the %s\n", cf->path, what);
		chart_file_clear(cf);
		return EXIT_CANTCREAT;
	}
	if (cf->trailer && !ends_with(cf->draw_path, drawn.st_size, cf->trailer, cf->trailer_len,
						cf->trailer[0] != '\0')) {
		cli_term_printf(stderr, "promstat: %s: the %s gnuplot wrote is cut short (disk full?)\n",
				cf->path, what);
		chart_file_clear(cf);
		return EXIT_CANTCREAT;
	}
	if (cf->copy) {
		if (copy_into(cf->draw_path, cf->target) != 0) {
			cli_term_printf(stderr, "promstat: %s: cannot write the %s there: %s\n", cf->path, what,
				strerror(errno));
			chart_file_clear(cf);
			return EXIT_CANTCREAT;
		}
		chart_file_clear(cf);
		return EXIT_OK;
	}
	if (rename(cf->draw_path, cf->target) != 0) {
		cli_term_printf(stderr, "promstat: %s: cannot write the %s there: %s\n", cf->path, what,
			strerror(errno));
		chart_file_clear(cf);
		return EXIT_CANTCREAT;
	}
	/* Renamed: it is the chart now, not to be removed; its folder is. */
	unwatch_temp();
	free(cf->draw_path);
	cf->draw_path = NULL;
	rmdir(cf->draw_folder);
	/* Reported as written only when it is where it was asked for. */
	if (stat(cf->path, &there) != 0 || there.st_dev != drawn.st_dev ||
	    there.st_ino != drawn.st_ino || there.st_size != drawn.st_size) {
		cli_term_printf(stderr, "promstat: %s: the %s is not there after writing it\n", cf->path,
			what);
		chart_file_clear(cf);
		return EXIT_CANTCREAT;
	}
	chart_file_clear(cf);
	return EXIT_OK;
}

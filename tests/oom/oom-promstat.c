/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The promstat program with its library's n-th allocation failing, for
 * tests/oom/cli-oom.sh: "oom-promstat N ARGS..." runs "promstat ARGS..."
 * (the CLI's own sources, its main renamed to promstat_cli_main by the
 * Makefile) under an allocator that fails its N-th call (N = 0: none).
 *
 * It is a separate test program, not a switch of the installed promstat:
 * a fault-injection variable read by the real program would be an
 * undocumented way to make a clinic's run fail, and would have to be
 * compiled out of releases anyway. Linking the same CLI objects' sources
 * tests the same code paths from the engine's ENOMEM to the exit code.
 *
 * After the CLI returns, a block of the library's still allocated is a
 * leak (the CLI frees every object it made): exit 99 with a message. When
 * OOM_PROMSTAT_COUNT names a file, the number of allocation calls and
 * whether the N-th failed ("calls failed") are written there.
 */
#undef main
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "promstat.h"

int promstat_cli_main(int argc, char **argv);

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static unsigned long calls, fail_at;
static long live;
static int failed;

/* As check_oom.c's: counts calls and live blocks, fails call fail_at. */
static void *oom_alloc(void *ud, void *ptr, size_t size)
{
	void *p;

	(void)ud;
	pthread_mutex_lock(&mu);
	if (size == 0) {
		free(ptr);
		live--;
		pthread_mutex_unlock(&mu);
		return NULL;
	}
	if (++calls == fail_at) {
		failed = 1;
		pthread_mutex_unlock(&mu);
		return NULL;
	}
	p = realloc(ptr, size);
	if (p && !ptr)
		live++;
	pthread_mutex_unlock(&mu);
	return p;
}

int main(int argc, char **argv)
{
	const char *report = getenv("OOM_PROMSTAT_COUNT");
	char *end;
	int rc;

	if (argc < 2 || (fail_at = strtoul(argv[1], &end, 10), *end != '\0')) {
		fputs("usage: oom-promstat N COMMAND [ARGS...]\n", stderr);
		return 2;
	}
	promstat_set_allocator(oom_alloc, NULL);
	/* argv[1] becomes the program name the CLI sees */
	argv[1] = argv[0];
	rc = promstat_cli_main(argc - 1, argv + 1);
	promstat_set_allocator(NULL, NULL);
	if (report) {
		FILE *f = fopen(report, "w");
		if (f) {
			fprintf(f, "%lu %d\n", calls, failed);
			fclose(f);
		}
	}
	if (live != 0) {
		fprintf(stderr, "oom-promstat: %ld library blocks left allocated (allocation %lu %s)\n",
			live, fail_at, failed ? "failed" : "did not fail");
		return 99;
	}
	return rc;
}

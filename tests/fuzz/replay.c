/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Replays every stored fuzz input (tests/fuzz/corpus) and the malformed
 * corpus (tests/malformed) through the ingest fuzz target, or the study
 * corpus (tests/fuzz/corpus-meta) through the meta target, so inputs that
 * once crashed stay fixed; run by `make check` (under the sanitizers in the
 * sanitizer build). A failure aborts inside the target.
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The directories (under top_srcdir) replayed through the target this is
 * linked with; the Makefile sets them for each target. */
#ifndef REPLAY_DIRS
#define REPLAY_DIRS "tests/fuzz/corpus", "tests/malformed"
#endif

static int replay_dir(const char *top, const char *rel, size_t *count)
{
	char dir[4096], path[8192];
	struct dirent *e;
	DIR *d;

	snprintf(dir, sizeof dir, "%s/%s", top, rel);
	d = opendir(dir);
	if (!d) {
		fprintf(stderr, "replay: cannot list %s\n", dir);
		return -1;
	}
	while ((e = readdir(d))) {
		FILE *f;
		long n;
		uint8_t *buf;

		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
		f = fopen(path, "rb");
		if (!f || fseek(f, 0, SEEK_END) || (n = ftell(f)) < 0) {
			fprintf(stderr, "replay: cannot read %s\n", path);
			closedir(d);
			return -1;
		}
		rewind(f);
		buf = malloc((size_t)n + 1);
		if (!buf || fread(buf, 1, (size_t)n, f) != (size_t)n) {
			fprintf(stderr, "replay: cannot read %s\n", path);
			closedir(d);
			return -1;
		}
		fclose(f);
		LLVMFuzzerTestOneInput(buf, (size_t)n);
		free(buf);
		++*count;
	}
	closedir(d);
	return 0;
}

int main(void)
{
	static const char *const dirs[] = { REPLAY_DIRS };
	const char *top = getenv("top_srcdir");
	size_t count = 0, i;

	if (!top || !*top)
		top = "..";
	for (i = 0; i < sizeof dirs / sizeof dirs[0]; i++)
		if (replay_dir(top, dirs[i], &count))
			return 1;
	printf("replay: %zu inputs\n", count);
	return count ? 0 : 77;
}

/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Benchmark of the meta-analysis engine (run by hand through
 * tests/bench/bench-meta.sh, never by make check): a REML fit (with its
 * Q-profile tau^2 interval) at k = 10^3 ... 10^6 and leave-one-out at
 * k = 200 ... 10^5 with REML, ML, EB, DL, SJ and EE (PM, refitted in full,
 * up to k = 2000), on simulated studies with true tau^2 = 0.1.
 *
 * Usage: bench_meta [max_k [max_l1o_k]]   (defaults 1000000 and 30000)
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "promstat.h"

static uint64_t rng = 0x9E3779B97F4A7C15u;

/* xorshift64*: deterministic across runs and machines */
static double unif(void)
{
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return (double)((rng * 2685821657736338717u) >> 11) / 9007199254740992.0;
}

static double norm(void)
{
	double u = unif(), v = unif();

	return sqrt(-2 * log(u > 0 ? u : 1e-300)) * cos(6.283185307179586 * v);
}

static void simulate(double *y, double *v, size_t k)
{
	size_t i;

	for (i = 0; i < k; i++) {
		double n = 20 + floor(unif() * 200);

		v[i] = 4 / n;
		y[i] = 0.3 + sqrt(0.1) * norm() + sqrt(v[i]) * norm();
	}
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	size_t maxk = argc > 1 ? (size_t)strtoul(argv[1], NULL, 10) : 1000000;
	size_t ks[] = {1000, 10000, 100000, 1000000};
	size_t maxl1o = argc > 2 ? (size_t)strtoul(argv[2], NULL, 10) : 30000;
	size_t l1o[] = {200, 2000, 10000, 30000, 100000};
	double *y, *v;
	size_t i;

	y = malloc(maxk * sizeof *y);
	v = malloc(maxk * sizeof *v);
	if (y == NULL || v == NULL)
		return 1;
	printf("%-28s %10s %12s %10s %s\n", "analysis", "k", "seconds", "tau2", "iterations");
	for (i = 0; i < sizeof ks / sizeof ks[0]; i++) {
		promstat_meta_summary s;
		promstat_error err;
		double t0, t1;
		int reps = ks[i] <= 10000 ? 20 : 1, r;

		if (ks[i] > maxk)
			break;
		simulate(y, v, ks[i]);
		t0 = now();
		for (r = 0; r < reps; r++)
			if (promstat_meta_fit(y, v, ks[i], NULL, &s, NULL, &err) != PROMSTAT_OK) {
				fprintf(stderr, "fit failed: %s\n", err.message);
				return 1;
			}
		t1 = now();
		printf("%-28s %10zu %12.6f %10.5f %d\n", "REML fit + Q-profile CI", ks[i],
		       (t1 - t0) / reps, s.tau2, s.iterations);
	}
	for (i = 0; i < sizeof l1o / sizeof l1o[0]; i++) {
		static const char *const methods[] = {"REML", "ML", "EB", "DL", "SJ", "EE", "PM"};
		promstat_meta_l1o *out;
		size_t m;

		if (l1o[i] > maxk || l1o[i] > maxl1o)
			break;
		out = malloc(l1o[i] * sizeof *out);
		if (out == NULL)
			return 1;
		simulate(y, v, l1o[i]);
		for (m = 0; m < sizeof methods / sizeof methods[0]; m++) {
			promstat_meta_options o;
			promstat_error err;
			char name[64];
			double t0, t1;

			if (!strcmp(methods[m], "PM") && l1o[i] > 2000)
				continue; /* a full refit per omission: O(k^2) per root search */
			promstat_meta_options_init(&o);
			if (promstat_meta_methods_parse(methods[m], &o, &err) != PROMSTAT_OK)
				return 1;
			t0 = now();
			if (promstat_meta_leave1out(y, v, l1o[i], &o, out, &err) != PROMSTAT_OK) {
				fprintf(stderr, "leave1out failed: %s\n", err.message);
				return 1;
			}
			t1 = now();
			snprintf(name, sizeof name, "%s leave-one-out", methods[m]);
			printf("%-28s %10zu %12.6f %10.5f\n", name, l1o[i], t1 - t0, out[0].tau2);
		}
		free(out);
	}
	free(y);
	free(v);
	return 0;
}

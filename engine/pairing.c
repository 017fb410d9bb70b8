/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Baseline and follow-up selection for one unit and one instrument (issue 3):
 * the baseline is the observation with the largest day in [-W, 0]; the
 * follow-up at timepoint T with half-width H is the observation with day in
 * [T-H, T+H] nearest to T, the earlier one on a tie. The observations come
 * in ascending day order (the registry sorts them), and ingest rejects a
 * second observation of the same day, so "largest" and "earlier" are exact.
 */
#include <stdlib.h>

#include "registry.h"

long ps_pair_baseline(const ps_obs *obs, size_t n, long window)
{
	size_t i = n;

	/* the last observation on or before day 0 is the latest candidate */
	while (i > 0 && obs[i - 1].day > 0)
		i--;
	if (i == 0 || obs[i - 1].day < -window)
		return -1;
	return (long)(i - 1);
}

long ps_pair_followup(const ps_obs *obs, size_t n, long t, long h)
{
	long best = -1, best_dist = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		long d = obs[i].day, dist;

		if (d < t - h)
			continue;
		if (d > t + h)
			break;
		dist = labs(d - t);
		/* ascending days: a later observation wins only when strictly
		 * nearer, so a tie keeps the earlier one */
		if (best < 0 || dist < best_dist) {
			best = (long)i;
			best_dist = dist;
		}
	}
	return best;
}

const ps_obs *ps_unit_block(const promstat_registry *reg, size_t u, size_t instrument,
			    size_t *n)
{
	const ps_obs *o = reg->obs + reg->unit_start[u], *end = reg->obs + reg->unit_start[u + 1];

	/* a unit's observations are sorted by (instrument, day) */
	while (o < end && o->instrument < instrument)
		o++;
	*n = 0;
	while (o + *n < end && o[*n].instrument == instrument)
		(*n)++;
	return o;
}

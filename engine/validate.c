/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The validate summary: row accounting, units, patients, therapies,
 * instruments, baselines and follow-up windows of an ingested registry.
 * One pass over the observations, which ingest left grouped by unit and
 * sorted by (instrument, day).
 */
#include <stdlib.h>
#include <string.h>

#include "registry.h"

/* The audit's default windows (issue 3): 6 weeks, 3, 6, 12 and 24 months. */
const int promstat_validate_window_target[PROMSTAT_VALIDATE_NWINDOWS] = { 42, 90, 180, 365, 730 };
const int promstat_validate_window_half[PROMSTAT_VALIDATE_NWINDOWS] = { 14, 30, 45, 60, 90 };

static int therapy_cmp(const void *a_, const void *b_)
{
	const promstat_validate_therapy *a = a_, *b = b_;

	return strcmp(a->therapy, b->therapy);
}

int promstat_validate_summarize(const promstat_registry *reg, promstat_validate_summary **out,
				promstat_error *err)
{
	promstat_validate_summary *s;
	size_t ncat, npool, i, w;
	size_t *per_inst_obs = NULL, *per_inst_units = NULL, *per_inst_base = NULL;
	size_t *per_inst_win = NULL;
	long *therapy_slot = NULL;

	if (out)
		*out = NULL;
	if (!reg || !out)
		return ps_error(err, PROMSTAT_EINVAL, NULL, 0, 0,
				"promstat_validate_summarize needs a registry and a result");
	ncat = promstat_catalogue_count(reg->cat);
	npool = ps_strpool_count(reg->pool);
	s = ps_calloc(1, sizeof *s);
	per_inst_obs = ps_calloc(ncat + 1, sizeof *per_inst_obs);
	per_inst_units = ps_calloc(ncat + 1, sizeof *per_inst_units);
	per_inst_base = ps_calloc(ncat + 1, sizeof *per_inst_base);
	per_inst_win = ps_calloc((ncat + 1) * PROMSTAT_VALIDATE_NWINDOWS, sizeof *per_inst_win);
	therapy_slot = ps_malloc((npool + 1) * sizeof *therapy_slot);
	if (!s || !per_inst_obs || !per_inst_units || !per_inst_base || !per_inst_win ||
	    !therapy_slot)
		goto nomem;
	s->counts = reg->counts;
	memcpy(s->sha256, reg->sha256, sizeof s->sha256);
	s->units = reg->n_units;
	s->patients = reg->n_patients;
	s->observations = reg->n_obs;

	/* therapies: one slot per distinct pool id, then sorted by name */
	for (i = 0; i < npool; i++)
		therapy_slot[i] = -1;
	s->therapies = ps_calloc(reg->n_units ? reg->n_units : 1, sizeof *s->therapies);
	if (!s->therapies)
		goto nomem;
	for (i = 0; i < reg->n_units; i++) {
		long t = reg->units[i].therapy;
		if (therapy_slot[t] < 0) {
			therapy_slot[t] = (long)s->n_therapies;
			s->therapies[s->n_therapies].therapy = ps_strpool_get(reg->pool, t);
			s->n_therapies++;
		}
		s->therapies[therapy_slot[t]].units++;
	}
	if (s->n_therapies > 1)
		qsort(s->therapies, s->n_therapies, sizeof *s->therapies, therapy_cmp);

	s->report = &reg->report;
	/* Observations of a unit and instrument are contiguous: a run. */
	for (i = 0; i < reg->n_units; i++) {
		size_t a = reg->unit_start[i], b = reg->unit_start[i + 1], j;
		int unit_base = 0, unit_follow = 0;
		for (j = a; j < b; j++) {
			const ps_obs *o = &reg->obs[j];
			size_t in = o->instrument;
			int first_of_run = j == a || reg->obs[j - 1].instrument != o->instrument;
			int base_seen;
			if (first_of_run) {
				size_t k;
				per_inst_units[in]++;
				/* one baseline per unit and instrument, however many rows */
				base_seen = 0;
				for (k = j; k < b && reg->obs[k].instrument == o->instrument; k++)
					if (reg->obs[k].day >= PROMSTAT_BASELINE_FIRST_DAY &&
					    reg->obs[k].day <= PROMSTAT_BASELINE_LAST_DAY)
						base_seen = 1;
				per_inst_base[in] += (size_t)base_seen;
				unit_base |= base_seen;
			}
			per_inst_obs[in]++;
			for (w = 0; w < PROMSTAT_VALIDATE_NWINDOWS; w++) {
				long lo = promstat_validate_window_target[w] -
					  promstat_validate_window_half[w];
				long hi = promstat_validate_window_target[w] +
					  promstat_validate_window_half[w];
				if (o->day >= lo && o->day <= hi) {
					per_inst_win[in * PROMSTAT_VALIDATE_NWINDOWS + w]++;
					s->window_obs[w]++;
					unit_follow = 1;
				}
			}
		}
		/* nothing vanishes: units that cannot pair are counted and named */
		if (!unit_base) {
			if (s->n_no_baseline_listed < PROMSTAT_REPORT_IDS) {
				s->no_baseline_listed[2 * s->n_no_baseline_listed] =
					ps_strpool_get(reg->pool, reg->units[i].patient);
				s->no_baseline_listed[2 * s->n_no_baseline_listed++ + 1] =
					ps_strpool_get(reg->pool, reg->units[i].episode);
			}
			s->units_without_baseline++;
		} else if (!unit_follow) {
			if (s->n_no_followup_listed < PROMSTAT_REPORT_IDS) {
				s->no_followup_listed[2 * s->n_no_followup_listed] =
					ps_strpool_get(reg->pool, reg->units[i].patient);
				s->no_followup_listed[2 * s->n_no_followup_listed++ + 1] =
					ps_strpool_get(reg->pool, reg->units[i].episode);
			}
			s->units_without_followup++;
		}
	}
	for (i = 0; i < ncat; i++)
		if (per_inst_obs[i])
			s->n_instruments++;
	s->instruments = ps_calloc(s->n_instruments ? s->n_instruments : 1, sizeof *s->instruments);
	if (!s->instruments)
		goto nomem;
	for (i = 0, w = 0; i < ncat; i++) {
		promstat_validate_instrument *it;
		if (!per_inst_obs[i])
			continue;
		it = &s->instruments[w++];
		it->code = promstat_catalogue_get(reg->cat, i)->code;
		it->observations = per_inst_obs[i];
		it->units = per_inst_units[i];
		it->baseline_units = per_inst_base[i];
		memcpy(it->window_obs, per_inst_win + i * PROMSTAT_VALIDATE_NWINDOWS,
		       sizeof it->window_obs);
	}
	ps_free(per_inst_obs);
	ps_free(per_inst_units);
	ps_free(per_inst_base);
	ps_free(per_inst_win);
	ps_free(therapy_slot);
	*out = s;
	return PROMSTAT_OK;
nomem:
	ps_free(per_inst_obs);
	ps_free(per_inst_units);
	ps_free(per_inst_base);
	ps_free(per_inst_win);
	ps_free(therapy_slot);
	promstat_validate_summary_free(s);
	return ps_error(err, PROMSTAT_ENOMEM, NULL, 0, 0, "out of memory");
}

void promstat_validate_summary_free(promstat_validate_summary *s)
{
	if (!s)
		return;
	ps_free(s->therapies);
	ps_free(s->instruments);
	ps_free(s);
}

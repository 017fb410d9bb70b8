/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Durability of a response (issue 14): per audit stratum, the Kaplan-Meier
 * curve of "response maintained" among the units that ever responded, the
 * number at risk and the share still responding at each timepoint, and the
 * log-rank test between therapies. Definitions in promstat_mcid.h.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "promstat_mcid.h"
#include "registry.h"

#define TOL PROMSTAT_AUDIT_TOLERANCE

struct promstat_durability {
	promstat_durability_rule rule;
	promstat_durability_cell *cells;
	size_t n_cells;
	promstat_durability_test *tests;
	size_t n_tests;
	size_t ntp;
	/* owned per cell: the curve and the per-timepoint arrays */
	promstat_km **kms;
	size_t *counts;	 /* n_cells * 3 * ntp: n_risk, n_observed, n_still */
	double *curves;	 /* n_cells * 4 * ntp: surv, lb, ub, share */
	promstat_logrank **lrs;
	const char **therapy_names; /* n_tests * (therapy levels) */
};

/* What the pass over a unit found, for one instrument. */
typedef struct unit_resp {
	int entered;	/* baseline and at least one follow-up */
	int responder;
	double time;	/* day of loss, or of the last follow-up (censored) */
	int event;
	unsigned char *observed, *still; /* per timepoint: seen there; responding by then and not lost */
	unsigned char *responded_by;	   /* per timepoint: responded at or before it */
} unit_resp;

void promstat_durability_free(promstat_durability *d)
{
	size_t i;

	if (!d)
		return;
	for (i = 0; i < d->n_cells; i++)
		if (d->kms)
			promstat_km_free(d->kms[i]);
	for (i = 0; i < d->n_tests; i++)
		if (d->lrs)
			promstat_logrank_free(d->lrs[i]);
	ps_free(d->kms);
	ps_free(d->lrs);
	ps_free(d->counts);
	ps_free(d->curves);
	ps_free(d->therapy_names);
	ps_free(d->cells);
	ps_free(d->tests);
	ps_free(d);
}

size_t promstat_durability_count(const promstat_durability *d)
{
	return d->n_cells;
}

const promstat_durability_cell *promstat_durability_get(const promstat_durability *d, size_t i)
{
	return i < d->n_cells ? &d->cells[i] : NULL;
}

size_t promstat_durability_n_tests(const promstat_durability *d)
{
	return d->n_tests;
}

const promstat_durability_test *promstat_durability_test_get(const promstat_durability *d,
							     size_t i)
{
	return i < d->n_tests ? &d->tests[i] : NULL;
}

promstat_durability_rule promstat_durability_rule_used(const promstat_durability *d)
{
	return d->rule;
}

static int nomem(promstat_error *err)
{
	return ps_error(err, PROMSTAT_ENOMEM, NULL, 0, 0, "out of memory");
}

/* Whether a follow-up with improvement imp and score f still counts as a
 * response: the audit's MCID rule, or its PASS rule (at least as good as
 * the PASS, within the tolerance). */
static int responding(promstat_durability_rule rule, const promstat_instrument *ins, double mcid,
		      double pass, double imp, double f)
{
	if (rule == PROMSTAT_DURABILITY_PASS)
		return ins->higher_better ? f >= pass - TOL : f <= pass + TOL;
	return imp >= mcid - TOL;
}

/* The responses of every unit to one instrument. */
static void follow_units(const promstat_registry *reg, const promstat_audit *a, size_t ii,
			 promstat_durability_rule rule, unit_resp *ur, size_t ntp)
{
	const promstat_audit_options *o = promstat_audit_options_used(a);
	const promstat_instrument *ins = promstat_audit_instrument(a, ii);
	double mcid = promstat_audit_mcid(a, ii), pass = promstat_audit_pass(a, ii);
	size_t u, t, n, ci = ps_audit_inst_cat(a, ii);

	for (u = 0; u < reg->n_units; u++) {
		const ps_obs *ob = ps_unit_block(reg, u, ci, &n);
		unit_resp *r = &ur[u];
		long b = n ? ps_pair_baseline(ob, n, o->baseline_window) : -1;
		int state = 0; /* 0 not yet responded, 1 responding, 2 lost */

		r->entered = r->responder = r->event = 0;
		r->time = NAN;
		memset(r->observed, 0, ntp);
		memset(r->still, 0, ntp);
		memset(r->responded_by, 0, ntp);
		if (b < 0)
			continue;
		for (t = 0; t < ntp; t++) {
			promstat_audit_timepoint tp = promstat_audit_timepoint_get(a, t);
			long f = ps_pair_followup(ob, n, tp.day, tp.halfwidth);
			double imp;
			int ok;

			if (state)
				r->responded_by[t] = 1;
			if (f < 0) {
				if (state == 1)
					r->still[t] = 1; /* not seen; only counted where seen */
				continue;
			}
			r->entered = 1;
			r->observed[t] = 1;
			imp = ins->higher_better ? ob[f].score - ob[b].score : ob[b].score - ob[f].score;
			ok = responding(rule, ins, mcid, pass, imp, ob[f].score);
			if (state == 0 && imp >= mcid - TOL) {
				/* a response starts with the MCID under either rule */
				state = 1;
				r->responder = 1;
				r->responded_by[t] = 1;
				r->time = ob[f].day;
			} else if (state == 1 && !ok) {
				state = 2;
				r->event = 1;
				r->time = ob[f].day;
			} else if (state == 1) {
				r->time = ob[f].day; /* censored here unless lost later */
			}
			r->still[t] = state == 1;
		}
	}
}

static int in_cell(const promstat_audit *a, const promstat_audit_result *res, size_t u)
{
	size_t j, nby = promstat_audit_n_by(a);

	for (j = 0; j < nby; j++)
		if (res->level_index[j] >= 0 && ps_audit_unit_level(a, j, u) != res->level_index[j])
			return 0;
	return 1;
}

int promstat_durability_run(const promstat_registry *reg, const promstat_audit *a,
			    promstat_durability_rule rule, promstat_durability **out,
			    promstat_error *err)
{
	promstat_durability *d;
	size_t nres = promstat_audit_count(a), ntp = promstat_audit_n_timepoints(a);
	size_t nby = promstat_audit_n_by(a), ncap = 0, i, u, t, j, cur = (size_t)-1;
	size_t nu = reg->n_units, tcol = (size_t)-1, nther = 0;
	unit_resp *ur = NULL;
	unsigned char *flags = NULL;
	double *tt = NULL;
	int *ev = NULL, rc = PROMSTAT_OK;
	size_t *grp = NULL, *map = NULL;

	*out = NULL;
	if (rule != PROMSTAT_DURABILITY_MCID && rule != PROMSTAT_DURABILITY_PASS)
		return ps_error(err, PROMSTAT_EINVAL, NULL, 0, 0, "unknown durability rule %d", (int)rule);
	for (j = 0; j < nby; j++)
		if (!strcmp(promstat_audit_by_name(a, j), "therapy")) {
			tcol = j;
			nther = promstat_audit_n_levels(a, j);
		}
	d = ps_calloc(1, sizeof *d);
	if (!d)
		return nomem(err);
	d->rule = rule;
	d->ntp = ntp;
	/* the strata: the audit's cells at its first timepoint */
	for (i = 0; i < nres; i++)
		if (promstat_audit_get(a, i)->timepoint == 0)
			ncap++;
	d->cells = ps_calloc(ncap ? ncap : 1, sizeof *d->cells);
	d->kms = ps_calloc(ncap ? ncap : 1, sizeof *d->kms);
	d->counts = ps_calloc((ncap ? ncap : 1) * 3 * (ntp ? ntp : 1), sizeof *d->counts);
	d->curves = ps_calloc((ncap ? ncap : 1) * 4 * (ntp ? ntp : 1), sizeof *d->curves);
	d->tests = ps_calloc(ncap ? ncap : 1, sizeof *d->tests);
	d->lrs = ps_calloc(ncap ? ncap : 1, sizeof *d->lrs);
	d->therapy_names = ps_calloc((ncap ? ncap : 1) * (nther ? nther : 1), sizeof *d->therapy_names);
	ur = ps_calloc(nu ? nu : 1, sizeof *ur);
	flags = ps_calloc((nu ? nu : 1) * 3 * (ntp ? ntp : 1), 1);
	tt = ps_malloc((nu ? nu : 1) * sizeof *tt);
	ev = ps_malloc((nu ? nu : 1) * sizeof *ev);
	grp = ps_malloc((nu ? nu : 1) * sizeof *grp);
	map = ps_malloc((nther ? nther : 1) * sizeof *map);
	if (!d->cells || !d->kms || !d->counts || !d->curves || !d->tests || !d->lrs ||
	    !d->therapy_names || !ur || !flags || !tt || !ev || !grp || !map) {
		rc = nomem(err);
		goto fail;
	}
	for (u = 0; u < nu; u++) {
		ur[u].observed = flags + u * 3 * ntp;
		ur[u].still = ur[u].observed + ntp;
		ur[u].responded_by = ur[u].still + ntp;
	}
	for (i = 0; i < nres; i++) {
		const promstat_audit_result *res = promstat_audit_get(a, i);
		promstat_durability_cell *c;
		size_t *cnt;
		double *cv;
		size_t n = 0, k;
		int all_but_therapy;

		if (res->timepoint != 0)
			continue;
		if (isnan(promstat_audit_mcid(a, res->instrument)) ||
		    (rule == PROMSTAT_DURABILITY_PASS && isnan(promstat_audit_pass(a, res->instrument))))
			continue;
		if (res->instrument != cur) {
			follow_units(reg, a, res->instrument, rule, ur, ntp);
			cur = res->instrument;
		}
		c = &d->cells[d->n_cells];
		cnt = d->counts + d->n_cells * 3 * ntp;
		cv = d->curves + d->n_cells * 4 * ntp;
		c->instrument = res->instrument;
		c->instrument_code = res->instrument_code;
		c->levels = res->levels;
		for (u = 0; u < nu; u++) {
			if (!ur[u].entered || !in_cell(a, res, u))
				continue;
			c->n_units++;
			if (!ur[u].responder) {
				c->n_never++;
				continue;
			}
			tt[n] = ur[u].time;
			ev[n] = ur[u].event;
			n++;
			for (t = 0; t < ntp; t++)
				if (ur[u].observed[t] && ur[u].responded_by[t]) {
					cnt[ntp + t]++;
					cnt[2 * ntp + t] += ur[u].still[t];
				}
		}
		c->n_responders = n;
		if ((rc = promstat_km_fit(tt, ev, n, promstat_audit_options_used(a)->level,
					  &d->kms[d->n_cells], err)))
			goto fail;
		c->km = d->kms[d->n_cells];
		c->n_lost = c->km->n_events;
		c->n_censored = n - c->n_lost;
		for (t = 0; t < ntp; t++) {
			promstat_km_at(c->km, promstat_audit_timepoint_get(a, t).day, &cnt[t], &cv[t],
				       &cv[ntp + t], &cv[2 * ntp + t]);
			cv[3 * ntp + t] = cnt[ntp + t] ? (double)cnt[2 * ntp + t] / (double)cnt[ntp + t] : NAN;
		}
		if (!n) { /* no responder: no curve to read a value from */
			for (t = 0; t < ntp; t++)
				cv[t] = cv[ntp + t] = cv[2 * ntp + t] = NAN;
		}
		c->n_risk = cnt;
		c->n_observed = cnt + ntp;
		c->n_still = cnt + 2 * ntp;
		c->surv = cv;
		c->surv_lb = cv + ntp;
		c->surv_ub = cv + 2 * ntp;
		c->share_still = cv + 3 * ntp;
		d->n_cells++;

		/* a cell whose therapy is ALL: test between its therapies */
		all_but_therapy = tcol != (size_t)-1 && res->level_index[tcol] < 0;
		if (!all_but_therapy)
			continue;
		{
			promstat_durability_test *te = &d->tests[d->n_tests];
			const char **names = d->therapy_names + d->n_tests * nther;

			for (k = 0; k < nther; k++)
				map[k] = (size_t)-1;
			n = 0;
			k = 0;
			for (u = 0; u < nu; u++) {
				int lv;

				if (!ur[u].entered || !ur[u].responder || !in_cell(a, res, u))
					continue;
				lv = ps_audit_unit_level(a, tcol, u);
				if (map[lv] == (size_t)-1) {
					map[lv] = k++;
				}
				tt[n] = ur[u].time;
				ev[n] = ur[u].event;
				grp[n] = map[lv];
				n++;
			}
			/* therapies in the audit's level order, not first-seen order */
			{
				size_t q = 0, lv;

				for (lv = 0; lv < nther; lv++)
					if (map[lv] != (size_t)-1) {
						size_t old = map[lv];

						names[q] = promstat_audit_level(a, tcol, lv);
						for (u = 0; u < n; u++)
							if (grp[u] == old)
								grp[u] = q + nther; /* new ids, kept apart */
						q++;
					}
				for (u = 0; u < n; u++)
					grp[u] -= nther;
			}
			te->instrument = res->instrument;
			te->instrument_code = res->instrument_code;
			te->levels = res->levels;
			te->k = k;
			te->therapies = names;
			if (k) {
				if ((rc = promstat_logrank_test(tt, ev, grp, n, k, &d->lrs[d->n_tests], err)))
					goto fail;
				te->test = d->lrs[d->n_tests];
			}
			d->n_tests++;
		}
	}
	goto done;
fail:
	promstat_durability_free(d);
	d = NULL;
done:
	ps_free(ur);
	ps_free(flags);
	ps_free(tt);
	ps_free(ev);
	ps_free(grp);
	ps_free(map);
	*out = d;
	return rc;
}

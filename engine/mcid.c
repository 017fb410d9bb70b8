/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * promstat mcid: minimal important change derived from the registry's own
 * anchor, per audit cell (see promstat_mcid.h for every definition and its
 * source). The cells, windows and pairing are the audit's, so a cell of
 * promstat mcid holds the audit cell's paired units that carry an anchor.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>

#include "promstat_glm.h"
#include "promstat_mcid.h"
#include "registry.h"

struct promstat_mcid {
	promstat_mcid_options opt;
	promstat_audit *audit;
	size_t out_of_scale;
	promstat_mcid_cell *cells;
	size_t n_cells;
	/* per cell, owned: */
	promstat_roc **rocs;
	double **imp;
	int **group;
};

void promstat_mcid_options_init(promstat_mcid_options *opt)
{
	memset(opt, 0, sizeof *opt);
	opt->audit = NULL;
	opt->anchor_improved = 1;
	opt->anchor_stable = 0;
	opt->reliability = NAN;
	opt->test_retest = 0;
	opt->bootstrap = 1000;
	opt->seed = 1;
	opt->min_n = 30;
	opt->anchor_scale = 7;
}

size_t promstat_mcid_n_out_of_scale(const promstat_mcid *m)
{
	return m->out_of_scale;
}

void promstat_mcid_free(promstat_mcid *m)
{
	size_t i;

	if (!m)
		return;
	for (i = 0; i < m->n_cells; i++) {
		if (m->rocs)
			promstat_roc_free(m->rocs[i]);
		if (m->imp)
			ps_free(m->imp[i]);
		if (m->group)
			ps_free(m->group[i]);
	}
	ps_free(m->rocs);
	ps_free(m->imp);
	ps_free(m->group);
	ps_free(m->cells);
	promstat_audit_free(m->audit);
	ps_free(m);
}

const promstat_audit *promstat_mcid_audit(const promstat_mcid *m)
{
	return m->audit;
}

size_t promstat_mcid_count(const promstat_mcid *m)
{
	return m->n_cells;
}

const promstat_mcid_cell *promstat_mcid_get(const promstat_mcid *m, size_t i)
{
	return i < m->n_cells ? &m->cells[i] : NULL;
}

const promstat_mcid_options *promstat_mcid_options_used(const promstat_mcid *m)
{
	return &m->opt;
}

/* ---- random numbers for the bootstrap: xoshiro256** 1.0 (Blackman &
 * Vigna 2018) seeded through splitmix64, one stream per cell ---- */

typedef struct rng {
	uint64_t s[4];
} rng;

static uint64_t splitmix64(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static uint64_t rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

static uint64_t rng_next(rng *r)
{
	uint64_t *s = r->s, result = rotl(s[1] * 5, 7) * 9, t = s[1] << 17;

	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return result;
}

/* A stream that depends on the seed and the cell only, so a cell's
 * interval does not depend on which other cells were computed. */
static void rng_seed(rng *r, uint64_t seed, uint64_t cell)
{
	uint64_t x = seed ^ splitmix64(&cell);
	int i;

	for (i = 0; i < 4; i++)
		r->s[i] = splitmix64(&x);
}

/* The stream as a GSL generator, for gsl_ran_binomial: the gsl_rng is the
 * caller's struct (no GSL allocation), its state our rng. */
static unsigned long gsl_get(void *state)
{
	return (unsigned long)(rng_next(state) >> 32);
}

static double gsl_get_double(void *state)
{
	return (double)(rng_next(state) >> 11) * 0x1.0p-53;
}

static void gsl_set(void *state, unsigned long seed)
{
	(void)state;
	(void)seed; /* seeded by rng_seed */
}

static const gsl_rng_type xoshiro_type = { "xoshiro256**", 0xffffffffUL, 0, sizeof(rng),
					   gsl_set, gsl_get, gsl_get_double };

/* The stream key of a cell: its instrument, day and levels, so that a
 * cell's interval does not depend on which other cells were computed. */
static uint64_t cell_key(const promstat_mcid_cell *c, size_t n_by)
{
	uint64_t h = ps_hash_bytes(c->instrument_code, strlen(c->instrument_code), 0x6d636964ULL);
	size_t j;

	h = ps_mix64(h ^ (uint64_t)(int64_t)c->day);
	for (j = 0; j < n_by; j++)
		h = ps_hash_bytes(c->levels[j], strlen(c->levels[j]) + 1, h);
	return h;
}

/* ---- small statistics ---- */

static double mean_of(const double *x, size_t n)
{
	double s = 0;
	size_t i;

	if (!n)
		return NAN;
	for (i = 0; i < n; i++)
		s += x[i];
	return s / (double)n;
}

/* Sample SD (n - 1) by two passes; NaN for n < 2. */
static double sd_of(const double *x, size_t n)
{
	double m = mean_of(x, n), s = 0;
	size_t i;

	if (n < 2)
		return NAN;
	for (i = 0; i < n; i++)
		s += (x[i] - m) * (x[i] - m);
	return sqrt(s / (double)(n - 1));
}

/* Pearson correlation; NaN when either variable is constant. */
static double pearson(const double *x, const double *y, size_t n)
{
	double mx = mean_of(x, n), my = mean_of(y, n), sxy = 0, sxx = 0, syy = 0;
	size_t i;

	if (n < 2)
		return NAN;
	for (i = 0; i < n; i++) {
		sxy += (x[i] - mx) * (y[i] - my);
		sxx += (x[i] - mx) * (x[i] - mx);
		syy += (y[i] - my) * (y[i] - my);
	}
	return sxx > 0 && syy > 0 ? sxy / sqrt(sxx * syy) : NAN;
}

static int cmp_double(const void *p, const void *q)
{
	double a = *(const double *)p, b = *(const double *)q;

	return a < b ? -1 : a > b;
}

/* R's quantile type 7 of the sorted x[0..n): x[h] + (h - floor h)(x[h+1] - x[h]),
 * h = (n - 1) p (Hyndman & Fan 1996). */
static double quantile7(const double *x, size_t n, double p)
{
	double h = (double)(n - 1) * p;
	size_t lo = (size_t)floor(h);

	if (!n)
		return NAN;
	if (lo + 1 >= n)
		return x[n - 1];
	return x[lo] + (h - (double)lo) * (x[lo + 1] - x[lo]);
}

/* ---- one cell ---- */

/* The predictive MIC of Terluin 2015 and its adjustment of Terluin 2017
 * for n units with improvement imp and improved flag y (0/1 doubles).
 * Returns the logistic fit's status (PROMSTAT_GLM_OK or why not), or -1
 * when out of memory. design is scratch of 2n doubles. */
static int predictive(const double *imp, const double *y, size_t n, double *design,
		      double *pred, double *adj)
{
	promstat_glm *g = NULL;
	size_t i, k = 0;
	int st;
	double p, lo, c, b, r, sd;

	*pred = *adj = NAN;
	for (i = 0; i < n; i++) {
		design[2 * i] = 1.0;
		design[2 * i + 1] = imp[i];
		k += y[i] != 0;
	}
	if (promstat_glm_logistic(design, n, 2, y, NULL, NULL, &g, NULL)) {
		promstat_glm_free(g);
		return -1;
	}
	st = (int)promstat_glm_state(g);
	if (st == PROMSTAT_GLM_OK && k > 0 && k < n) {
		c = promstat_glm_coef(g)[0];
		b = promstat_glm_coef(g)[1];
		p = (double)k / (double)n;
		lo = log(p / (1 - p));
		if (b != 0) {
			*pred = (lo - c) / b;
			r = pearson(y, imp, n);
			sd = sd_of(imp, n);
			/* Terluin 2017, J Clin Epidemiol 83:90, eq. (3) */
			*adj = *pred - (0.090 + 0.103 * r) * sd * lo;
		}
	}
	promstat_glm_free(g);
	return st;
}

typedef struct cell_data {
	size_t n;
	double *imp, *anchor, *base, *fu, *y; /* y: improved as 0/1 */
} cell_data;

static int nomem(promstat_error *err)
{
	return ps_error(err, PROMSTAT_ENOMEM, NULL, 0, 0, "out of memory");
}

/* The predictive and adjusted MIC from grouped data: the m distinct
 * improvements vals with c1[j] improved and c0[j] other units. The
 * logistic likelihood of units that share an improvement is that of one
 * binomial observation with their count as weight, so the fit is the
 * units' fit; r and SD_change come from the same counts. x, y, w: scratch
 * of 2m, m, m doubles. Returns as predictive(). */
int ps_mcid_predictive_grouped(const double *vals, const size_t *c1, const size_t *c0, size_t m,
			       double *x, double *y, double *w, double *pred, double *adj)
{
	promstat_glm *g = NULL;
	size_t j, k = 0, n1 = 0, n = 0;
	double mean = 0, sxx = 0, sxy = 0, p, lo, c, b, r, sd;
	int st;

	*pred = *adj = NAN;
	for (j = 0; j < m; j++) {
		size_t t = c1[j] + c0[j];

		if (!t)
			continue;
		x[2 * k] = 1.0;
		x[2 * k + 1] = vals[j];
		y[k] = (double)c1[j] / (double)t;
		w[k] = (double)t;
		k++;
		n1 += c1[j];
		n += t;
		mean += (double)t * vals[j];
	}
	if (!n1 || n1 == n)
		return PROMSTAT_GLM_OK;
	mean /= (double)n;
	for (j = 0; j < k; j++) {
		double d = x[2 * j + 1] - mean;

		sxx += w[j] * d * d;
		sxy += w[j] * y[j] * d; /* sum over improved units of (x - mean) */
	}
	if (promstat_glm_logistic(x, k, 2, y, w, NULL, &g, NULL)) {
		promstat_glm_free(g);
		return -1;
	}
	st = (int)promstat_glm_state(g);
	if (st == PROMSTAT_GLM_OK) {
		c = promstat_glm_coef(g)[0];
		b = promstat_glm_coef(g)[1];
		p = (double)n1 / (double)n;
		lo = log(p / (1 - p));
		/* point-biserial r: Sxy / sqrt(Sxx Syy), Syy = n1 (n - n1) / n */
		r = sxx > 0 ? sxy / sqrt(sxx * ((double)n1 * (double)(n - n1) / (double)n)) : NAN;
		sd = n > 1 ? sqrt(sxx / (double)(n - 1)) : NAN;
		if (b != 0) {
			*pred = (lo - c) / b;
			*adj = *pred - (0.090 + 0.103 * r) * sd * lo;
		}
	}
	promstat_glm_free(g);
	return st;
}

/* Bootstrap percentile intervals of the ROC threshold and both MICs
 * (Efron & Tibshirani 1993, ch. 13). A resample of the cell's n units is
 * held as counts per distinct improvement and anchor group, drawn as one
 * multinomial, so it costs O(m) for m distinct values and needs no sort;
 * its ROC threshold is what promstat_roc_fit gives on the resampled units,
 * its MICs what the logistic fit of them gives. */
static int bootstrap(const cell_data *d, const promstat_mcid_options *o, double level,
		     uint64_t cell, promstat_mcid_cell *c, promstat_error *err)
{
	size_t b, i, n = d->n, nb = o->bootstrap, used = 0, nroc = 0, m = 0;
	double *vals = ps_malloc(n * sizeof *vals), *x = ps_malloc(2 * n * sizeof *x);
	double *yy = ps_malloc(n * sizeof *yy), *ww = ps_malloc(n * sizeof *ww);
	size_t *rank = ps_malloc(n * sizeof *rank), *c1 = ps_malloc(n * sizeof *c1);
	size_t *c0 = ps_malloc(n * sizeof *c0), *k1 = ps_malloc(n * sizeof *k1);
	size_t *k0 = ps_malloc(n * sizeof *k0);
	gsl_rng gr;
	double *s_roc = ps_malloc(nb * sizeof *s_roc), *s_pred = ps_malloc(nb * sizeof *s_pred);
	double *s_adj = ps_malloc(nb * sizeof *s_adj);
	double alpha = (1 - level / 100) / 2;
	rng r;
	int rc = PROMSTAT_OK;

	if (!vals || !x || !yy || !ww || !rank || !c1 || !c0 || !k1 || !k0 || !s_roc || !s_pred ||
	    !s_adj) {
		rc = nomem(err);
		goto done;
	}
	memcpy(vals, d->imp, n * sizeof *vals);
	qsort(vals, n, sizeof *vals, cmp_double);
	for (i = 0; i < n; i++)
		if (!m || vals[i] != vals[m - 1])
			vals[m++] = vals[i];
	for (i = 0; i < n; i++) {
		size_t lo = 0, hi = m - 1;

		while (lo < hi) { /* the value's place among the distinct values */
			size_t mid = lo + (hi - lo) / 2;

			if (vals[mid] < d->imp[i])
				lo = mid + 1;
			else
				hi = mid;
		}
		rank[i] = lo;
	}
	rng_seed(&r, o->seed, cell);
	gr.type = &xoshiro_type;
	gr.state = &r;
	/* the cell's units as counts per (distinct improvement, improved) */
	memset(k1, 0, m * sizeof *k1);
	memset(k0, 0, m * sizeof *k0);
	for (i = 0; i < n; i++) {
		if (d->y[i] != 0)
			k1[rank[i]]++;
		else
			k0[rank[i]]++;
	}
	for (b = 0; b < nb; b++) {
		double thr, pred, adj;
		size_t left = n, weight = n, g;
		int st;

		/* n draws with replacement, as counts per group: a multinomial
		 * draw made of conditional binomials (Devroye 1986, XI.1.5), so a
		 * resample costs O(m), not O(n) */
		for (g = 0; g < 2 * m; g++) {
			size_t k = g < m ? k1[g] : k0[g - m], x;

			if (!k || !left) {
				x = 0;
			} else if (k >= weight) {
				x = left;
			} else {
				x = gsl_ran_binomial(&gr, (double)k / (double)weight, (unsigned)left);
			}
			if (g < m)
				c1[g] = x;
			else
				c0[g - m] = x;
			left -= x;
			weight -= k;
		}
		thr = ps_roc_youden_grouped(vals, c1, c0, m);
		if (!isnan(thr))
			s_roc[nroc++] = thr;
		st = ps_mcid_predictive_grouped(vals, c1, c0, m, x, yy, ww, &pred, &adj);
		if (st < 0) {
			rc = nomem(err);
			goto done;
		}
		if (!isnan(pred) && !isnan(adj)) {
			s_pred[used] = pred;
			s_adj[used] = adj;
			used++;
		}
	}
	qsort(s_roc, nroc, sizeof *s_roc, cmp_double);
	qsort(s_pred, used, sizeof *s_pred, cmp_double);
	qsort(s_adj, used, sizeof *s_adj, cmp_double);
	if (nroc) {
		c->roc_ci_lb = quantile7(s_roc, nroc, alpha);
		c->roc_ci_ub = quantile7(s_roc, nroc, 1 - alpha);
	}
	if (used) {
		c->mic_predictive_ci_lb = quantile7(s_pred, used, alpha);
		c->mic_predictive_ci_ub = quantile7(s_pred, used, 1 - alpha);
		c->mic_adjusted_ci_lb = quantile7(s_adj, used, alpha);
		c->mic_adjusted_ci_ub = quantile7(s_adj, used, 1 - alpha);
	}
	c->boot_used = used < nroc ? used : nroc;
done:
	ps_free(vals);
	ps_free(x);
	ps_free(yy);
	ps_free(ww);
	ps_free(rank);
	ps_free(c1);
	ps_free(c0);
	ps_free(k1);
	ps_free(k0);
	ps_free(s_roc);
	ps_free(s_pred);
	ps_free(s_adj);
	return rc;
}

static void set_undefined(promstat_mcid_cell *c)
{
	c->roc_threshold = c->roc_ci_lb = c->roc_ci_ub = NAN;
	c->auc = c->auc_ci_lb = c->auc_ci_ub = NAN;
	c->sensitivity = c->specificity = NAN;
	c->mean_change_improved = c->mean_change_stable = c->mean_change_difference = NAN;
	c->mic_predictive = c->mic_predictive_ci_lb = c->mic_predictive_ci_ub = NAN;
	c->mic_adjusted = c->mic_adjusted_ci_lb = c->mic_adjusted_ci_ub = NAN;
	c->half_sd = c->sem = c->mdc95 = c->reliability = NAN;
	c->anchor_correlation = NAN;
	c->credible = -1;
	c->model_status = "";
	c->roc_ties = 0;
	c->boot_used = 0;
}

static int cell_stats(const cell_data *d, const promstat_mcid_options *o, double level,
		      uint64_t cell, promstat_mcid_cell *c, promstat_roc **roc_out, int *group,
		      promstat_error *err)
{
	size_t i, n = d->n, ni = 0, ns = 0, nsb = 0;
	double *tmp = NULL, *tb = NULL, *tf = NULL, *design = NULL;
	int *isc = NULL, rc = PROMSTAT_OK, st;
	promstat_roc *roc = NULL;

	set_undefined(c);
	for (i = 0; i < n; i++) {
		int improved = d->anchor[i] >= o->anchor_improved;
		int stable = fabs(d->anchor[i]) <= o->anchor_stable;

		group[i] = improved ? PROMSTAT_MCID_IMPROVED
				    : stable ? PROMSTAT_MCID_STABLE : PROMSTAT_MCID_OTHER;
		ni += improved;
		ns += stable && !improved;
	}
	c->n = n;
	c->n_improved = ni;
	c->n_stable = ns;
	c->too_small = ni < o->min_n || n - ni < o->min_n || ni == 0 || ni == n;
	if (c->too_small)
		return PROMSTAT_OK;
	tmp = ps_malloc(n * sizeof *tmp);
	tb = ps_malloc(n * sizeof *tb);
	tf = ps_malloc(n * sizeof *tf);
	design = ps_malloc(2 * n * sizeof *design);
	isc = ps_malloc(n * sizeof *isc);
	if (!tmp || !tb || !tf || !design || !isc) {
		rc = nomem(err);
		goto done;
	}
	for (i = 0; i < n; i++)
		isc[i] = group[i] == PROMSTAT_MCID_IMPROVED;
	if ((rc = promstat_roc_fit(d->imp, isc, n, level, &roc, err)))
		goto done;
	c->roc_threshold = roc->threshold;
	c->roc_ties = roc->n_best;
	c->sensitivity = roc->sensitivity;
	c->specificity = roc->specificity;
	c->auc = roc->auc;
	c->auc_ci_lb = roc->auc_ci_lb;
	c->auc_ci_ub = roc->auc_ci_ub;

	/* mean change of the improved and of the stable group */
	for (i = 0, nsb = 0; i < n; i++)
		if (group[i] == PROMSTAT_MCID_IMPROVED)
			tmp[nsb++] = d->imp[i];
	c->mean_change_improved = mean_of(tmp, nsb);
	for (i = 0, nsb = 0; i < n; i++)
		if (group[i] == PROMSTAT_MCID_STABLE) {
			tmp[nsb] = d->imp[i];
			tb[nsb] = d->base[i];
			tf[nsb] = d->fu[i];
			nsb++;
		}
	c->mean_change_stable = mean_of(tmp, nsb);
	c->mean_change_difference = c->mean_change_improved - c->mean_change_stable;

	st = predictive(d->imp, d->y, n, design, &c->mic_predictive, &c->mic_adjusted);
	if (st < 0) {
		rc = nomem(err);
		goto done;
	}
	c->model_status = promstat_glm_status_name((promstat_glm_status)st);

	/* distribution-based values: the SD of baseline over the cell's units */
	{
		double sdb = sd_of(d->base, n);

		c->half_sd = 0.5 * sdb;
		/* test-retest: the stable group's baseline and follow-up as two
		 * measurements of an unchanged state (ICC(2,1), absolute agreement) */
		c->reliability = o->test_retest ? promstat_icc21(tb, tf, nsb) : o->reliability;
		if (!isnan(c->reliability) && c->reliability <= 1) {
			c->sem = sdb * sqrt(1 - c->reliability);
			c->mdc95 = 1.96 * sqrt(2.0) * c->sem;
		}
	}
	c->anchor_correlation = pearson(d->anchor, d->imp, n);
	/* Revicki 2008 (J Clin Epidemiol 61:102): an anchor correlating below 0.3
	 * with the change is not a credible anchor */
	c->credible = isnan(c->anchor_correlation) ? -1 : c->anchor_correlation >= 0.3;
	if (o->bootstrap)
		rc = bootstrap(d, o, level, cell, c, err);
done:
	if (rc) {
		promstat_roc_free(roc);
		roc = NULL;
	}
	*roc_out = roc;
	ps_free(tmp);
	ps_free(tb);
	ps_free(tf);
	ps_free(design);
	ps_free(isc);
	return rc;
}

/* ---- the run ---- */

/* Per unit, for one instrument and timepoint: its paired values, or
 * have = 0 when the unit is not paired or its follow-up has no anchor. */
typedef struct unit_pair {
	int have;
	double imp, anchor, base, fu;
} unit_pair;

static size_t pair_units(const promstat_registry *reg, size_t cat_index, int higher_better,
			 long window, promstat_audit_timepoint tp, int scale, unit_pair *up)
{
	size_t u, n, out = 0;

	for (u = 0; u < reg->n_units; u++) {
		const ps_obs *o = ps_unit_block(reg, u, cat_index, &n);
		long b, f;

		up[u].have = 0;
		if (!n)
			continue;
		b = ps_pair_baseline(o, n, window);
		f = b < 0 ? -1 : ps_pair_followup(o, n, tp.day, tp.halfwidth);
		if (f < 0 || o[f].anchor == PS_NO_ANCHOR)
			continue;
		if (scale > 0 && (o[f].anchor < -scale || o[f].anchor > scale)) {
			out++;
			continue;
		}
		up[u].have = 1;
		up[u].base = o[b].score;
		up[u].fu = o[f].score;
		up[u].imp = higher_better ? o[f].score - o[b].score : o[b].score - o[f].score;
		up[u].anchor = o[f].anchor;
	}
	return out;
}

static int in_cell(const promstat_audit *a, const promstat_audit_result *r, size_t u)
{
	size_t j, nby = promstat_audit_n_by(a);

	for (j = 0; j < nby; j++)
		if (r->level_index[j] >= 0 && ps_audit_unit_level(a, j, u) != r->level_index[j])
			return 0;
	return 1;
}

int promstat_mcid_run(const promstat_registry *reg, const promstat_mcid_options *opt,
		      promstat_mcid **out, promstat_error *err)
{
	promstat_mcid *m;
	promstat_mcid_options defaults;
	unit_pair *up = NULL;
	cell_data d;
	size_t i, u, nres, cur_inst = (size_t)-1, cur_tp = (size_t)-1;
	int rc = PROMSTAT_OK;
	double level;

	*out = NULL;
	memset(&d, 0, sizeof d);
	if (!opt) {
		promstat_mcid_options_init(&defaults);
		opt = &defaults;
	}
	if (!isnan(opt->reliability) && !(opt->reliability >= 0 && opt->reliability <= 1))
		return ps_error(err, PROMSTAT_EINVAL, NULL, 0, 0,
				"reliability %g is not between 0 and 1", opt->reliability);
	if (opt->anchor_scale < 0)
		return ps_error(err, PROMSTAT_EINVAL, NULL, 0, 0, "the anchor scale must be 0 or more");
	if (!isfinite(opt->anchor_improved) || !isfinite(opt->anchor_stable) ||
	    opt->anchor_stable < 0 || opt->anchor_stable >= opt->anchor_improved)
		return ps_error(err, PROMSTAT_EINVAL, NULL, 0, 0,
				"the stable band |anchor| <= %g must lie below the improved "
				"threshold anchor >= %g",
				opt->anchor_stable, opt->anchor_improved);
	m = ps_calloc(1, sizeof *m);
	if (!m)
		return nomem(err);
	m->opt = *opt;
	if ((rc = promstat_audit_run(reg, opt->audit, &m->audit, err)))
		goto fail;
	m->opt.audit = promstat_audit_options_used(m->audit);
	level = m->opt.audit->level;
	nres = promstat_audit_count(m->audit);
	m->cells = ps_calloc(nres ? nres : 1, sizeof *m->cells);
	m->rocs = ps_calloc(nres ? nres : 1, sizeof *m->rocs);
	m->imp = ps_calloc(nres ? nres : 1, sizeof *m->imp);
	m->group = ps_calloc(nres ? nres : 1, sizeof *m->group);
	up = ps_malloc((reg->n_units ? reg->n_units : 1) * sizeof *up);
	d.imp = ps_malloc((reg->n_units ? reg->n_units : 1) * sizeof *d.imp);
	d.anchor = ps_malloc((reg->n_units ? reg->n_units : 1) * sizeof *d.anchor);
	d.base = ps_malloc((reg->n_units ? reg->n_units : 1) * sizeof *d.base);
	d.fu = ps_malloc((reg->n_units ? reg->n_units : 1) * sizeof *d.fu);
	d.y = ps_malloc((reg->n_units ? reg->n_units : 1) * sizeof *d.y);
	if (!m->cells || !m->rocs || !m->imp || !m->group || !up || !d.imp || !d.anchor ||
	    !d.base || !d.fu || !d.y) {
		rc = nomem(err);
		goto fail;
	}
	for (i = 0; i < nres; i++) {
		const promstat_audit_result *r = promstat_audit_get(m->audit, i);
		promstat_mcid_cell *c = &m->cells[i];

		if (r->instrument != cur_inst || r->timepoint != cur_tp) {
			const promstat_instrument *ins = promstat_audit_instrument(m->audit, r->instrument);

			m->out_of_scale += pair_units(reg, ps_audit_inst_cat(m->audit, r->instrument),
						      ins->higher_better, m->opt.audit->baseline_window,
						      promstat_audit_timepoint_get(m->audit, r->timepoint),
						      m->opt.anchor_scale, up);
			cur_inst = r->instrument;
			cur_tp = r->timepoint;
		}
		d.n = 0;
		for (u = 0; u < reg->n_units; u++)
			if (up[u].have && in_cell(m->audit, r, u)) {
				d.imp[d.n] = up[u].imp;
				d.anchor[d.n] = up[u].anchor;
				d.base[d.n] = up[u].base;
				d.fu[d.n] = up[u].fu;
				d.y[d.n] = up[u].anchor >= opt->anchor_improved;
				d.n++;
			}
		c->instrument = r->instrument;
		c->instrument_code = r->instrument_code;
		c->timepoint = r->timepoint;
		c->day = r->day;
		c->levels = r->levels;
		m->n_cells = i + 1;
		m->imp[i] = ps_malloc((d.n ? d.n : 1) * sizeof **m->imp);
		m->group[i] = ps_malloc((d.n ? d.n : 1) * sizeof **m->group);
		if (!m->imp[i] || !m->group[i]) {
			rc = nomem(err);
			goto fail;
		}
		memcpy(m->imp[i], d.imp, d.n * sizeof *d.imp);
		if ((rc = cell_stats(&d, &m->opt, level, cell_key(c, promstat_audit_n_by(m->audit)), c, &m->rocs[i], m->group[i],
				     err)))
			goto fail;
		c->roc = m->rocs[i];
		c->improvement = m->imp[i];
		c->group = m->group[i];
	}
	goto done;
fail:
	promstat_mcid_free(m);
	m = NULL;
done:
	ps_free(up);
	ps_free(d.imp);
	ps_free(d.anchor);
	ps_free(d.base);
	ps_free(d.fu);
	ps_free(d.y);
	*out = m;
	return rc;
}

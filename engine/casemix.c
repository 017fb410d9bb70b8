/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Regression-based readings of the audit (casemix.h): per instrument and
 * timepoint, units are paired again (pairing.c) and three sets of models
 * are fitted with promstat_glm.h:
 *
 *  - follow-up (all units with a baseline): followed up 0/1 on therapy,
 *    age (unknown: the mean and an indicator), sex and baseline score; the
 *    paired units' stabilised weights P(followed) / p_i give each result
 *    cell's inverse-probability-weighted MCID rate (Hajek's ratio
 *    estimator; Seaman & White 2013, Stat Methods Med Res 22:278);
 *  - case mix (paired units with a known age, of therapies with at least
 *    min_n of them): MCID attainment (logistic) and improvement (linear)
 *    on therapy, age, sex and baseline. Marginal standardisation of the
 *    logistic model gives the adjusted risk differences (Greenland 2004;
 *    the delta method through the analytic gradient of the averaged
 *    predictions), the linear model's therapy coefficients the adjusted
 *    mean differences;
 *  - the same models give the funnel's expected values per provider
 *    (Spiegelhalter 2005, Stat Med 24:1185), the provider never being a
 *    term of them.
 *
 * A model that cannot be fitted leaves its numbers NaN with a note; it is
 * never an error of the audit.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <pthread.h>

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_errno.h>

#include "casemix.h"
#include "promstat_glm.h"

#define TOL PROMSTAT_AUDIT_TOLERANCE
#define IPW_MIN_UNITS 20 /* the floor for the follow-up model (and its note) */
#define IPW_SPLIT_UNITS 100000 /* from here the IPW models run on two threads */

/* ---- what one instrument's units hold ---- */

typedef struct ent_set {
	size_t n, cap;
	size_t *unit;	/* registry unit */
	double *base;	/* baseline score */
	double *fu;	/* n * ntp follow-up scores, NaN when none in the window */
} ent_set;

static void ent_free(ent_set *e)
{
	ps_free(e->unit);
	ps_free(e->base);
	ps_free(e->fu);
	memset(e, 0, sizeof *e);
}

/* Pairs every unit's observations of catalogue instrument ic. */
static int collect(const ps_casemix_in *in, size_t ic, ent_set *e)
{
	const promstat_registry *reg = in->reg;
	size_t u, t, ntp = in->ntp;

	e->n = 0;
	for (u = 0; u < reg->n_units; u++) {
		const ps_obs *o = reg->obs + reg->unit_start[u];
		size_t n = reg->unit_start[u + 1] - reg->unit_start[u], s, end;
		long bi;

		for (s = 0; s < n && o[s].instrument != ic; s++)
			;
		if (s == n)
			continue;
		for (end = s; end < n && o[end].instrument == ic; end++)
			;
		if ((bi = ps_pair_baseline(o + s, end - s, in->opt->baseline_window)) < 0)
			continue;
		if (e->n == e->cap) {
			size_t cap = e->cap ? 2 * e->cap : 256;
			size_t *un = ps_realloc(e->unit, cap * sizeof *un);
			double *b, *f;

			if (!un)
				return -1;
			e->unit = un;
			if (!(b = ps_realloc(e->base, cap * sizeof *b)))
				return -1;
			e->base = b;
			if (!(f = ps_realloc(e->fu, cap * ntp * sizeof *f)))
				return -1;
			e->fu = f;
			e->cap = cap;
		}
		e->unit[e->n] = u;
		e->base[e->n] = o[s + (size_t)bi].score;
		for (t = 0; t < ntp; t++) {
			long fi = ps_pair_followup(o + s, end - s, in->tps[t].day,
						   in->tps[t].halfwidth);

			e->fu[e->n * ntp + t] = fi < 0 ? NAN : o[s + (size_t)fi].score;
		}
		e->n++;
	}
	return 0;
}

/* ---- design matrices ---- */

/* Which column each covariate takes. Factors are treatment-coded: the
 * base level (and any level with no unit) has no column. */
typedef struct design {
	size_t p;
	int *ther_col;	 /* per therapy level, -1: none */
	int *sex_col;	 /* per sex level, -1: none */
	int age_col, age_na_col, base_col;
	double age_mean; /* given to units of unknown age when age_na_col >= 0 */
	char covariates[96];
} design;

static void design_free(design *d)
{
	ps_free(d->ther_col);
	ps_free(d->sex_col);
}

/*
 * Lays out the design for the units rows[0..n) (entry indices): an
 * intercept, the therapies present other than base (base -1: the first
 * present), age, its indicator when impute_age and some age is unknown,
 * the sex levels present other than the first, the baseline score.
 */
static int design_init(design *d, const ps_casemix_in *in, const ent_set *e,
		       const size_t *rows, size_t n, long base, int impute_age)
{
	const promstat_registry *reg = in->reg;
	size_t nt = in->therapy.n_levels, ns = in->sex.unit_level ? in->sex.n_levels : 0, k, r;
	size_t *tc = ps_calloc(nt + ns + 1, sizeof *tc), *sc = tc + nt;
	size_t known = 0, nsex = 0;
	double sum = 0;
	int first = 1;

	memset(d, 0, sizeof *d);
	d->ther_col = ps_malloc((nt + 1) * sizeof *d->ther_col);
	d->sex_col = ps_malloc((ns + 1) * sizeof *d->sex_col);
	if (!tc || !d->ther_col || !d->sex_col) {
		ps_free(tc);
		design_free(d);
		return -1;
	}
	for (r = 0; r < n; r++) {
		size_t u = e->unit[rows[r]];
		double age = reg->units[u].age;

		tc[in->therapy.unit_level[u]]++;
		if (ns)
			sc[in->sex.unit_level[u]]++;
		if (!isnan(age)) {
			known++;
			sum += age;
		}
	}
	d->p = 1;
	if (base < 0)
		for (k = 0; k < nt && base < 0; k++)
			if (tc[k])
				base = (long)k;
	for (k = 0; k < nt; k++)
		d->ther_col[k] = tc[k] && (long)k != base ? (int)d->p++ : -1;
	d->age_col = d->age_na_col = -1;
	if (known) {
		d->age_col = (int)d->p++;
		d->age_mean = sum / (double)known;
		if (impute_age && known < n)
			d->age_na_col = (int)d->p++;
	}
	for (k = 0; k < ns; k++) {
		d->sex_col[k] = -1;
		if (!sc[k])
			continue;
		nsex++;
		if (first)
			first = 0;
		else
			d->sex_col[k] = (int)d->p++;
	}
	d->base_col = (int)d->p++;
	snprintf(d->covariates, sizeof d->covariates, "therapy%s%s + baseline",
		 known ? " + age" : "", nsex > 1 ? " + sex" : "");
	ps_free(tc);
	return 0;
}

/* Unit's row of the design; therapy >= 0 puts the unit in that therapy. */
static void design_row(const design *d, const ps_casemix_in *in, const ent_set *e,
		       size_t row, long therapy, double *x)
{
	size_t u = e->unit[row], k;
	double age = in->reg->units[u].age;
	int tl = therapy >= 0 ? (int)therapy : in->therapy.unit_level[u];

	for (k = 0; k < d->p; k++)
		x[k] = 0;
	x[0] = 1;
	if (d->ther_col[tl] >= 0)
		x[d->ther_col[tl]] = 1;
	if (d->age_col >= 0)
		x[d->age_col] = isnan(age) ? d->age_mean : age;
	if (d->age_na_col >= 0)
		x[d->age_na_col] = isnan(age);
	if (in->sex.unit_level) {
		int sl = d->sex_col[in->sex.unit_level[u]];

		if (sl >= 0)
			x[sl] = 1;
	}
	x[d->base_col] = e->base[row];
}

static double *design_matrix(const design *d, const ps_casemix_in *in, const ent_set *e,
			     const size_t *rows, size_t n, long therapy)
{
	double *x = ps_malloc((n ? n : 1) * d->p * sizeof *x);
	size_t r;

	if (x)
		for (r = 0; r < n; r++)
			design_row(d, in, e, rows[r], therapy, x + r * d->p);
	return x;
}

/* ---- small helpers ---- */

static const char *own(ps_casemix *cm, const char *s)
{
	long id = ps_strpool_intern(cm->strings, s, strlen(s));

	return id < 0 ? NULL : ps_strpool_get(cm->strings, id);
}

/* A note in the pool from a format with one %zu; NULL when out of memory. */
static const char *note_n(ps_casemix *cm, const char *fmt, size_t n)
{
	char buf[256];

	snprintf(buf, sizeof buf, fmt, n);
	return own(cm, buf);
}

static double zquant(double level)
{
	return gsl_cdf_ugaussian_Qinv((1 - level / 100) / 2);
}

static double clamp(double x, double lo, double hi)
{
	return x < lo ? lo : x > hi ? hi : x;
}

/* Positive = better, as the audit's mean improvement. */
static double improvement(const promstat_instrument *ins, double b, double f)
{
	return ins->higher_better ? f - b : b - f;
}

static int nomem(promstat_error *err)
{
	return ps_error(err, PROMSTAT_ENOMEM, NULL, 0, 0, "out of memory");
}

/* A fit status other than a bad argument is a property of the data. */
static int fit_error(int rc, promstat_error *err)
{
	if (rc == PROMSTAT_ENOMEM)
		return rc;
	return ps_error(err, PROMSTAT_EINTERNAL, NULL, 0, 0,
			"the case-mix model rejected its own design (%s)", err ? err->message : "");
}

/* ---- IPW (section 1) ---- */

typedef struct ipw_acc {
	size_t n;
	double sw, swy, sw2_1, sw2_0; /* sums of w, w y, w^2 over y = 1 and y = 0 */
} ipw_acc;

static void ipw_set_all(const ps_casemix_in *in, size_t i, size_t t, const char *note)
{
	size_t c;

	for (c = 0; c < in->n_cells; c++) {
		promstat_audit_result *r = &in->res[(i * in->ntp + t) * in->n_cells + c];

		r->mcid_rate_ipw = r->mcid_ipw_ci_lb = r->mcid_ipw_ci_ub = NAN;
		r->ipw_note = note;
	}
}

/* What a follow-up model that gave nothing says: static text, as the IPW
 * pass may run on two threads and the note pool is not shared. */
static const char *ipw_status_note(promstat_glm_status s)
{
	switch (s) {
	case PROMSTAT_GLM_RANK_DEFICIENT:
		return "follow-up model not fitted: rank-deficient design";
	case PROMSTAT_GLM_SEPARATION:
		return "follow-up model not fitted: separation";
	case PROMSTAT_GLM_NOT_CONVERGED:
		return "follow-up model not fitted: did not converge";
	default:
		return "follow-up model not fitted: no residual degrees of freedom";
	}
}

static int ipw(const ps_casemix_in *in, size_t i, size_t t, const ent_set *e, ipw_acc *cells,
	       promstat_error *err)
{
	const promstat_instrument *ins = promstat_catalogue_get(in->reg->cat, in->inst_cat[i]);
	double mcid = in->mcid[i], z = zquant(in->opt->level), pbar;
	size_t n = e->n, nf = 0, r, c, *rows = NULL;
	double *x = NULL, *y = NULL;
	const double *fit = NULL;
	promstat_glm *g = NULL;
	promstat_glm_options go;
	design d;
	int rc = PROMSTAT_OK;

	if (!isfinite(mcid)) {
		ipw_set_all(in, i, t, "no MCID is known");
		return PROMSTAT_OK;
	}
	if (n < IPW_MIN_UNITS) {
		ipw_set_all(in, i, t, "follow-up model not fitted: fewer than 20 units with a "
				      "baseline");
		return PROMSTAT_OK;
	}
	rows = ps_malloc(n * sizeof *rows);
	y = ps_malloc(n * sizeof *y);
	if (!rows || !y) {
		rc = nomem(err);
		goto done;
	}
	for (r = 0; r < n; r++) {
		rows[r] = r;
		y[r] = !isnan(e->fu[r * in->ntp + t]);
		nf += y[r] > 0;
	}
	if (nf == 0) {
		ipw_set_all(in, i, t, "no unit was followed up");
		goto done;
	}
	pbar = (double)nf / (double)n;
	if (nf < n) {
		if (design_init(&d, in, e, rows, n, -1, 1)) {
			rc = nomem(err);
			goto done;
		}
		x = design_matrix(&d, in, e, rows, n, -1);
		if (!x) {
			design_free(&d);
			rc = nomem(err);
			goto done;
		}
		promstat_glm_options_init(&go);
		go.covariance = 0; /* the weights are taken as known */
		rc = promstat_glm_logistic(x, n, d.p, y, NULL, &go, &g, err);
		design_free(&d);
		if (rc) {
			rc = fit_error(rc, err);
			goto done;
		}
		if (promstat_glm_state(g) != PROMSTAT_GLM_OK) {
			ipw_set_all(in, i, t, ipw_status_note(promstat_glm_state(g)));
			goto done;
		}
		fit = promstat_glm_fitted(g);
	}
	memset(cells, 0, in->n_cells * sizeof *cells);
	for (r = 0; r < n; r++) {
		size_t u = e->unit[r], m;
		double f = e->fu[r * in->ntp + t], dd, w;
		int resp;

		if (isnan(f))
			continue;
		dd = improvement(ins, e->base[r], f);
		resp = dd >= mcid - TOL;
		/* stabilised weight; with no unit lost every weight is 1 */
		w = fit ? pbar / fit[r] : 1;
		for (m = 0; m < in->nmask; m++) {
			ipw_acc *a = &cells[in->combo_cells[(size_t)in->unit_combo[u] * in->nmask + m]];

			a->n++;
			a->sw += w;
			if (resp) {
				a->swy += w;
				a->sw2_1 += w * w;
			} else {
				a->sw2_0 += w * w;
			}
		}
	}
	for (c = 0; c < in->n_cells; c++) {
		promstat_audit_result *res = &in->res[(i * in->ntp + t) * in->n_cells + c];
		const ipw_acc *a = &cells[c];
		double p, v;

		res->mcid_rate_ipw = res->mcid_ipw_ci_lb = res->mcid_ipw_ci_ub = NAN;
		res->ipw_note = NULL;
		if (a->n == 0) {
			res->ipw_note = "no unit was followed up";
			continue;
		}
		p = a->swy / a->sw;
		res->mcid_rate_ipw = p;
		if (a->n < 2) {
			res->ipw_note = "one unit followed up: no interval";
			continue;
		}
		/* svymean with weights known: n/(n-1) sum (w (y - p))^2 / (sum w)^2,
		 * split by y so that nothing cancels */
		v = (double)a->n / (double)(a->n - 1) *
		    ((1 - p) * (1 - p) * a->sw2_1 + p * p * a->sw2_0) / (a->sw * a->sw);
		res->mcid_ipw_ci_lb = clamp(p - z * sqrt(v), 0, 1);
		res->mcid_ipw_ci_ub = clamp(p + z * sqrt(v), 0, 1);
	}
done:
	promstat_glm_free(g);
	ps_free(rows);
	ps_free(y);
	ps_free(x);
	return rc;
}

/* ---- the case-mix models (sections 4 and 5) ---- */

/* What the two models of one instrument and timepoint give. */
typedef struct cm_models {
	size_t *rows;	    /* entries in the models */
	size_t n, n_excluded, n_unknown_age;
	size_t *ther_n;	    /* paired units of known age per therapy level */
	int *ther_in;	    /* whether the level is in the models */
	double *y, *d;	    /* MCID attained, improvement */
	design des;
	int have_design;
	double *x;
	promstat_glm *logit, *lin;
	const char *logit_note, *lin_note;
} cm_models;

static void models_free(cm_models *m)
{
	ps_free(m->rows);
	ps_free(m->ther_n);
	ps_free(m->ther_in);
	ps_free(m->y);
	ps_free(m->d);
	ps_free(m->x);
	if (m->have_design)
		design_free(&m->des);
	promstat_glm_free(m->logit);
	promstat_glm_free(m->lin);
	memset(m, 0, sizeof *m);
}

/* The note for a model that gave nothing. */
static const char *model_note(ps_casemix *cm, const char *what, const promstat_glm *g)
{
	char buf[160];

	snprintf(buf, sizeof buf, "%s model not fitted: %s", what,
		 promstat_glm_status_name(promstat_glm_state(g)));
	return own(cm, buf);
}

/*
 * Fits both models over the paired units with a known age whose therapy
 * has at least min_n of them (base: the reference level or -1).
 */
static int fit_models(const ps_casemix_in *in, ps_casemix *cm, size_t i, size_t t,
		      const ent_set *e, long base, cm_models *m, promstat_error *err)
{
	const promstat_instrument *ins = promstat_catalogue_get(in->reg->cat, in->inst_cat[i]);
	double mcid = in->mcid[i];
	size_t nt = in->therapy.n_levels, r, k, np = 0, floor = in->min_n ? in->min_n : 1;
	int rc;

	memset(m, 0, sizeof *m);
	m->rows = ps_malloc((e->n ? e->n : 1) * sizeof *m->rows);
	m->ther_n = ps_calloc(nt + 1, sizeof *m->ther_n);
	m->ther_in = ps_calloc(nt + 1, sizeof *m->ther_in);
	if (!m->rows || !m->ther_n || !m->ther_in)
		return nomem(err);
	for (r = 0; r < e->n; r++) {
		size_t u = e->unit[r];

		if (isnan(e->fu[r * in->ntp + t]))
			continue;
		np++;
		if (isnan(in->reg->units[u].age))
			m->n_unknown_age++;
		else
			m->ther_n[in->therapy.unit_level[u]]++;
	}
	for (k = 0; k < nt; k++)
		m->ther_in[k] = m->ther_n[k] >= floor;
	for (r = 0; r < e->n; r++) {
		size_t u = e->unit[r];

		if (!isnan(e->fu[r * in->ntp + t]) && !isnan(in->reg->units[u].age) &&
		    m->ther_in[in->therapy.unit_level[u]])
			m->rows[m->n++] = r;
	}
	m->n_excluded = np - m->n;
	if (m->n == 0) {
		m->logit_note = m->lin_note = "no paired unit with a known age";
		return PROMSTAT_OK;
	}
	if (base >= 0 && !m->ther_in[base])
		base = -1; /* the caller reports the reference as too small */
	if (design_init(&m->des, in, e, m->rows, m->n, base, 0))
		return nomem(err);
	m->have_design = 1;
	m->y = ps_malloc(m->n * sizeof *m->y);
	m->d = ps_malloc(m->n * sizeof *m->d);
	m->x = design_matrix(&m->des, in, e, m->rows, m->n, -1);
	if (!m->y || !m->d || !m->x)
		return nomem(err);
	for (r = 0; r < m->n; r++) {
		size_t row = m->rows[r];

		m->d[r] = improvement(ins, e->base[row], e->fu[row * in->ntp + t]);
		m->y[r] = isfinite(mcid) && m->d[r] >= mcid - TOL;
	}
	if (isfinite(mcid)) {
		if ((rc = promstat_glm_logistic(m->x, m->n, m->des.p, m->y, NULL, NULL, &m->logit,
						err)))
			return fit_error(rc, err);
		if (promstat_glm_state(m->logit) != PROMSTAT_GLM_OK &&
		    !(m->logit_note = model_note(cm, "MCID", m->logit)))
			return nomem(err);
	} else {
		m->logit_note = "no MCID is known";
	}
	if ((rc = promstat_glm_linear(m->x, m->n, m->des.p, m->d, NULL, NULL, &m->lin, err)))
		return fit_error(rc, err);
	if (promstat_glm_state(m->lin) != PROMSTAT_GLM_OK &&
	    !(m->lin_note = model_note(cm, "improvement", m->lin)))
		return nomem(err);
	return PROMSTAT_OK;
}

static int grow(void **p, size_t *cap, size_t need, size_t elem, promstat_error *err)
{
	return ps_reserve(p, cap, need, elem) ? nomem(err) : PROMSTAT_OK;
}

/* Joins two notes ("a; b"), either of which may be NULL. */
static const char *join(ps_casemix *cm, const char *a, const char *b, int *oom)
{
	char buf[512];
	const char *s;

	if (!a || !b || a == b || !strcmp(a, b))
		return a ? a : b;
	snprintf(buf, sizeof buf, "%s; %s", a, b);
	if (!(s = own(cm, buf)))
		*oom = 1;
	return s;
}

static int adjusted(const ps_casemix_in *in, ps_casemix *cm, size_t i, size_t t,
		    const ent_set *e, size_t *cap, promstat_error *err)
{
	size_t nt = in->therapy.n_levels, k, floor = in->min_n ? in->min_n : 1;
	long ref = in->ref_level;
	double z = zquant(in->opt->level);
	cm_models m;
	double *xs = NULL, *x0 = NULL, *g0 = NULL, *gk = NULL, m0 = NAN;
	const char *small_note = NULL, *ref_note = NULL;
	int rc, oom = 0;

	if ((rc = fit_models(in, cm, i, t, e, ref, &m, err)))
		goto done;
	if (!(small_note = note_n(cm, "fewer than %zu units followed up", floor))) {
		rc = nomem(err);
		goto done;
	}
	if (!m.ther_in[ref])
		ref_note = note_n(cm, "the reference has fewer than %zu units followed up", floor);
	if (m.have_design) {
		size_t p = m.des.p;

		x0 = design_matrix(&m.des, in, e, m.rows, m.n, ref);
		g0 = ps_malloc(p * sizeof *g0);
		gk = ps_malloc(p * sizeof *gk);
		if (!x0 || !g0 || !gk) {
			rc = nomem(err);
			goto done;
		}
		if (m.logit && promstat_glm_state(m.logit) == PROMSTAT_GLM_OK && m.ther_in[ref] &&
		    promstat_glm_mean_prediction(m.logit, x0, m.n, NULL, &m0, g0, err)) {
			rc = fit_error(PROMSTAT_EINVAL, err);
			goto done;
		}
	}
	for (k = 0; k < nt; k++) {
		promstat_audit_adjusted *q;

		if ((long)k == ref)
			continue;
		if ((rc = grow((void **)&cm->adj, cap, cm->n_adj + 1, sizeof *cm->adj, err)))
			goto done;
		q = &cm->adj[cm->n_adj++];
		memset(q, 0, sizeof *q);
		q->instrument = i;
		q->instrument_code = in->inst_codes[i];
		q->timepoint = t;
		q->day = in->tps[t].day;
		q->therapy = in->therapy.labels[k];
		q->reference = in->therapy.labels[ref];
		q->n = m.n;
		q->n_excluded = m.n_excluded;
		q->n_therapy = m.ther_n[k];
		q->n_reference = m.ther_n[ref];
		q->covariates = m.have_design ? own(cm, m.des.covariates) : NULL;
		q->rd_adjusted = q->rd_adjusted_ci_lb = q->rd_adjusted_ci_ub = NAN;
		q->mean_diff_adjusted = q->mean_diff_adjusted_ci_lb = q->mean_diff_adjusted_ci_ub =
			NAN;
		if (ref_note || !m.ther_in[k]) {
			q->note = ref_note ? ref_note : small_note;
			continue;
		}
		if (!m.have_design) {
			q->note = m.logit_note;
			continue;
		}
		/* risk difference by marginal standardisation */
		if (m.logit && promstat_glm_state(m.logit) == PROMSTAT_GLM_OK) {
			double mk, v;
			size_t j, p = m.des.p;

			xs = design_matrix(&m.des, in, e, m.rows, m.n, (long)k);
			if (!xs) {
				rc = nomem(err);
				goto done;
			}
			if (promstat_glm_mean_prediction(m.logit, xs, m.n, NULL, &mk, gk, err)) {
				rc = fit_error(PROMSTAT_EINVAL, err);
				goto done;
			}
			ps_free(xs);
			xs = NULL;
			for (j = 0; j < p; j++)
				gk[j] -= g0[j];
			v = promstat_glm_delta_variance(m.logit, gk);
			q->rd_adjusted = mk - m0;
			q->rd_adjusted_ci_lb = clamp(q->rd_adjusted - z * sqrt(v), -1, 1);
			q->rd_adjusted_ci_ub = clamp(q->rd_adjusted + z * sqrt(v), -1, 1);
		} else {
			q->note = m.logit_note;
		}
		if (promstat_glm_state(m.lin) == PROMSTAT_GLM_OK) {
			int col = m.des.ther_col[k];
			double b = promstat_glm_coef(m.lin)[col];
			double se = sqrt(promstat_glm_cov(m.lin)[(size_t)col * m.des.p + (size_t)col]);
			double tq = gsl_cdf_tdist_Qinv((1 - in->opt->level / 100) / 2,
						       promstat_glm_df_residual(m.lin));

			q->mean_diff_adjusted = b;
			q->mean_diff_adjusted_ci_lb = b - tq * se;
			q->mean_diff_adjusted_ci_ub = b + tq * se;
		} else {
			q->note = join(cm, q->note, m.lin_note, &oom);
		}
		if (oom || (!q->covariates && m.have_design)) {
			rc = nomem(err);
			goto done;
		}
	}
done:
	models_free(&m);
	ps_free(xs);
	ps_free(x0);
	ps_free(g0);
	ps_free(gk);
	return rc;
}

/* ---- the funnel (section 5) ---- */

static promstat_funnel_flag flag_of(double z)
{
	if (isnan(z))
		return PROMSTAT_FUNNEL_UNDEFINED;
	if (z > PROMSTAT_FUNNEL_Z998)
		return PROMSTAT_FUNNEL_ABOVE_998;
	if (z > PROMSTAT_FUNNEL_Z95)
		return PROMSTAT_FUNNEL_ABOVE_95;
	if (z < -PROMSTAT_FUNNEL_Z998)
		return PROMSTAT_FUNNEL_BELOW_998;
	if (z < -PROMSTAT_FUNNEL_Z95)
		return PROMSTAT_FUNNEL_BELOW_95;
	return PROMSTAT_FUNNEL_WITHIN;
}

const char *promstat_funnel_flag_name(promstat_funnel_flag f)
{
	switch (f) {
	case PROMSTAT_FUNNEL_WITHIN: return "within";
	case PROMSTAT_FUNNEL_ABOVE_95: return "above_95";
	case PROMSTAT_FUNNEL_ABOVE_998: return "above_99.8";
	case PROMSTAT_FUNNEL_BELOW_95: return "below_95";
	case PROMSTAT_FUNNEL_BELOW_998: return "below_99.8";
	default: return NULL;
	}
}

static int cmp_double(const void *x, const void *y)
{
	double a = *(const double *)x, b = *(const double *)y;

	return (a > b) - (a < b);
}

/* R's quantile(type = 7) of sorted v[0..n). */
static double quantile7(const double *v, size_t n, double q)
{
	double h = (double)(n - 1) * q, lo = floor(h);
	size_t j = (size_t)lo;

	if (j + 1 >= n)
		return v[n - 1];
	return v[j] + (h - lo) * (v[j + 1] - v[j]);
}

void ps_funnel_overdispersion(const double *z, const double *s, size_t n, double *work,
			      double *phi, double *tau2)
{
	double lo, hi, sz2 = 0, sw = 0, sw2 = 0, den;
	size_t k;

	*phi = *tau2 = NAN;
	if (n < 2)
		return;
	memcpy(work, z, n * sizeof *work);
	qsort(work, n, sizeof *work, cmp_double);
	lo = quantile7(work, n, 0.1);
	hi = quantile7(work, n, 0.9);
	for (k = 0; k < n; k++) {
		double zw = z[k] < lo ? lo : z[k] > hi ? hi : z[k], w = 1 / (s[k] * s[k]);

		sz2 += zw * zw;
		sw += w;
		sw2 += w * w;
	}
	*phi = sz2 / (double)n;
	den = sw - sw2 / sw;
	/* Spiegelhalter (2005) sec. 6.2: the additive random-effects
	 * variance by the method of moments, 0 when phi shows no excess */
	*tau2 = den > 0 ? fmax(0, ((double)n * *phi - (double)(n - 1)) / den) : NAN;
}

typedef struct prov_acc {
	size_t n;
	double o, e, v;	  /* responders, sum p, sum p (1 - p) */
	double od, ed;	  /* sums of improvement and of its fitted values */
} prov_acc;

static int funnel(const ps_casemix_in *in, ps_casemix *cm, size_t i, size_t t,
		  const ent_set *e, size_t *gcap, size_t *pcap, prov_acc *acc, double *work,
		  promstat_error *err)
{
	size_t nl = in->funnel.n_levels, k, r, floor = in->min_n ? in->min_n : 1;
	promstat_audit_funnel_group *g;
	cm_models m;
	const double *pr = NULL, *fv = NULL;
	double sigma = NAN, *zs, *ss;
	size_t nz = 0, nzm = 0;
	int rc, oom = 0;

	if ((rc = fit_models(in, cm, i, t, e, -1, &m, err)))
		goto done;
	if ((rc = grow((void **)&cm->fg, gcap, cm->n_fg + 1, sizeof *cm->fg, err)))
		goto done;
	g = &cm->fg[cm->n_fg++];
	memset(g, 0, sizeof *g);
	g->instrument = i;
	g->instrument_code = in->inst_codes[i];
	g->timepoint = t;
	g->day = in->tps[t].day;
	g->n = m.n;
	g->n_excluded = m.n_excluded;
	g->overall_rate = g->residual_sd = NAN;
	g->phi = g->tau2 = g->phi_mean = g->tau2_mean = NAN;
	g->first_point = cm->n_fp;
	g->note = join(cm, m.logit_note, m.lin_note, &oom);
	if (oom) {
		rc = nomem(err);
		goto done;
	}
	if (m.logit && promstat_glm_state(m.logit) == PROMSTAT_GLM_OK)
		pr = promstat_glm_fitted(m.logit);
	if (m.lin && promstat_glm_state(m.lin) == PROMSTAT_GLM_OK) {
		fv = promstat_glm_fitted(m.lin);
		sigma = promstat_glm_sigma(m.lin);
		g->residual_sd = sigma;
	}
	memset(acc, 0, nl * sizeof *acc);
	{
		double ys = 0;

		for (r = 0; r < m.n; r++) {
			size_t u = e->unit[m.rows[r]];
			prov_acc *a = &acc[in->funnel.unit_level[u]];

			ys += m.y[r];
			a->n++;
			a->o += m.y[r];
			a->od += m.d[r];
			if (pr) {
				a->e += pr[r];
				a->v += pr[r] * (1 - pr[r]);
			}
			if (fv)
				a->ed += fv[r];
		}
		if (pr && m.n)
			g->overall_rate = ys / (double)m.n;
	}
	zs = work;
	ss = work + nl;
	for (k = 0; k < nl; k++) {
		const prov_acc *a = &acc[k];
		promstat_audit_funnel_point *q;

		/* a unit with no value in the funnel column is no provider's */
		if (!strcmp(in->funnel.labels[k], PROMSTAT_AUDIT_UNKNOWN) || a->n == 0)
			continue;
		if ((rc = grow((void **)&cm->fp, pcap, cm->n_fp + 1, sizeof *cm->fp, err)))
			goto done;
		q = &cm->fp[cm->n_fp++];
		memset(q, 0, sizeof *q);
		q->group = cm->n_fg - 1;
		q->level = in->funnel.labels[k];
		q->n = a->n;
		q->observed_rate = q->expected_rate = q->rate_diff = q->rate_se = q->z = NAN;
		q->observed_mean = q->expected_mean = q->mean_diff = q->mean_se = q->z_mean = NAN;
		if (a->n < floor) {
			if (!(q->note = note_n(cm, "fewer than %zu units followed up", floor))) {
				rc = nomem(err);
				goto done;
			}
			continue;
		}
		if (pr) {
			double n = (double)a->n;

			q->observed_rate = a->o / n;
			q->expected_rate = a->e / n;
			q->rate_diff = q->observed_rate - q->expected_rate;
			q->rate_se = sqrt(a->v) / n;
			q->z = a->v > 0 ? (a->o - a->e) / sqrt(a->v) : NAN;
			q->flag = flag_of(q->z);
		}
		if (fv && isfinite(sigma)) {
			double n = (double)a->n;

			q->observed_mean = a->od / n;
			q->expected_mean = a->ed / n;
			q->mean_diff = q->observed_mean - q->expected_mean;
			q->mean_se = sigma / sqrt(n);
			q->z_mean = q->mean_se > 0 ? q->mean_diff / q->mean_se : NAN;
			q->flag_mean = flag_of(q->z_mean);
		}
		q->note = g->note;
	}
	g->n_points = cm->n_fp - g->first_point;
	if (in->opt->overdispersion) {
		promstat_audit_funnel_point *pts = cm->fp + g->first_point;

		for (k = 0; k < g->n_points; k++)
			if (isfinite(pts[k].z) && pts[k].rate_se > 0) {
				zs[nz] = pts[k].z;
				ss[nz++] = pts[k].rate_se;
			}
		ps_funnel_overdispersion(zs, ss, nz, work + 2 * nl, &g->phi, &g->tau2);
		for (k = 0; k < g->n_points; k++)
			if (isfinite(pts[k].z_mean) && pts[k].mean_se > 0) {
				zs[nzm] = pts[k].z_mean;
				ss[nzm++] = pts[k].mean_se;
			}
		ps_funnel_overdispersion(zs, ss, nzm, work + 2 * nl, &g->phi_mean, &g->tau2_mean);
		/* flags against the inflated limits: z = d / sqrt(s^2 + tau^2) */
		for (k = 0; k < g->n_points; k++) {
			promstat_audit_funnel_point *q = &pts[k];

			if (isfinite(q->z) && isfinite(g->tau2)) {
				q->z = q->rate_diff / sqrt(q->rate_se * q->rate_se + g->tau2);
				q->flag = flag_of(q->z);
			}
			if (isfinite(q->z_mean) && isfinite(g->tau2_mean)) {
				q->z_mean = q->mean_diff /
					    sqrt(q->mean_se * q->mean_se + g->tau2_mean);
				q->flag_mean = flag_of(q->z_mean);
			}
		}
	}
done:
	models_free(&m);
	return rc;
}

/* One half of the IPW pass: every instrument, the timepoints t with
 * t % 2 == part (or all of them when part < 0). */
typedef struct ipw_pass {
	const ps_casemix_in *in;
	int part;
	int rc;
	promstat_error err;
} ipw_pass;

static void *ipw_run(void *arg)
{
	ipw_pass *p = arg;
	const ps_casemix_in *in = p->in;
	ent_set e;
	ipw_acc *cells = ps_calloc(in->n_cells ? in->n_cells : 1, sizeof *cells);
	size_t i, t;

	memset(&e, 0, sizeof e);
	p->rc = PROMSTAT_OK;
	if (!cells) {
		p->rc = nomem(&p->err);
		return NULL;
	}
	for (i = 0; i < in->ni && !p->rc; i++) {
		if (collect(in, in->inst_cat[i], &e)) {
			p->rc = nomem(&p->err);
			break;
		}
		for (t = 0; t < in->ntp && !p->rc; t++)
			if (p->part < 0 || (int)(t % 2) == p->part)
				p->rc = ipw(in, i, t, &e, cells, &p->err);
	}
	ent_free(&e);
	ps_free(cells);
	return NULL;
}

int ps_casemix_run(const ps_casemix_in *in, ps_casemix *cm, promstat_error *err)
{
	ent_set e;
	prov_acc *pacc = NULL;
	double *work = NULL;
	size_t i, t, acap = 0, gcap = 0, pcap = 0, nl = in->funnel.n_levels;
	ipw_pass first, second;
	gsl_error_handler_t *old;
	pthread_t thread;
	int rc = PROMSTAT_OK, threaded = 0;

	memset(cm, 0, sizeof *cm);
	memset(&e, 0, sizeof e);
	if (!(cm->strings = ps_strpool_new()))
		return nomem(err);
	/*
	 * GSL's error handler is a process-wide setting that the Cholesky
	 * steps of promstat_glm_logistic switch off and back; switched off
	 * here first, two threads only ever set it from off to off.
	 */
	old = gsl_set_error_handler_off();
	/* IPW: the models of a large registry on two threads (timepoints
	 * split odd and even); every result cell is written by one of them */
	memset(&first, 0, sizeof first);
	memset(&second, 0, sizeof second);
	first.in = second.in = in;
	first.part = -1;
	if (in->reg->n_units >= IPW_SPLIT_UNITS && in->ntp > 1) {
		first.part = 0;
		second.part = 1;
		threaded = pthread_create(&thread, NULL, ipw_run, &second) == 0;
		if (!threaded)
			first.part = -1;
	}
	ipw_run(&first);
	if (threaded)
		pthread_join(thread, NULL);
	if (first.rc || (threaded && second.rc)) {
		const ipw_pass *bad = first.rc ? &first : &second;

		rc = bad->rc;
		if (err)
			*err = bad->err;
		goto done;
	}
	if (in->ref_level < 0 && !in->funnel.unit_level)
		goto done;
	pacc = ps_calloc(nl + 1, sizeof *pacc);
	work = ps_malloc((3 * nl + 1) * sizeof *work);
	if (!pacc || !work) {
		rc = nomem(err);
		goto done;
	}
	for (i = 0; i < in->ni; i++) {
		if (collect(in, in->inst_cat[i], &e)) {
			rc = nomem(err);
			goto done;
		}
		for (t = 0; t < in->ntp; t++) {
			if (in->ref_level >= 0 &&
			    (rc = adjusted(in, cm, i, t, &e, &acap, err)))
				goto done;
			if (in->funnel.unit_level &&
			    (rc = funnel(in, cm, i, t, &e, &gcap, &pcap, pacc, work, err)))
				goto done;
		}
	}
done:
	gsl_set_error_handler(old);
	ent_free(&e);
	ps_free(pacc);
	ps_free(work);
	return rc;
}

void ps_casemix_free(ps_casemix *cm)
{
	if (!cm)
		return;
	ps_free(cm->adj);
	ps_free(cm->fg);
	ps_free(cm->fp);
	ps_strpool_free(cm->strings);
	memset(cm, 0, sizeof *cm);
}

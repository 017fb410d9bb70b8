/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Meta-analysis: effect sizes, common- and random-effects models,
 * heterogeneity, subgroups, meta-regression and small-study bias, giving
 * the numbers R's metafor 3.8.1 gives (escalc, rma.uni, confint, predict,
 * regtest, ranktest, trimfill, leave1out with their defaults).
 *
 * Memory: every result is a plain struct, or an array of them, that the
 * caller owns (usually on its stack); arrays whose length depends on the
 * data are supplied by the caller with the length documented at each
 * function. Nothing here allocates memory the caller must free.
 *
 * Undefined statistics are NaN (promstat_isundef()). Every function that
 * can fail returns a promstat_status and fills the caller's promstat_error
 * (which may be NULL). The library never aborts: GSL's error handler is
 * switched off around each GSL call (and restored after it), so callers
 * need not call gsl_set_error_handler_off(); as GSL's handler is a global,
 * do not change it from another thread while these functions run.
 *
 * "level" is the confidence level in percent (95), as in metafor.
 */
#ifndef PROMSTAT_META_H
#define PROMSTAT_META_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------ */
/* Effect size measures (metafor's escalc codes).                       */
/* ------------------------------------------------------------------ */

typedef enum promstat_meta_measure {
	PROMSTAT_MEASURE_MD = 0, /* raw mean difference                        */
	PROMSTAT_MEASURE_SMD,	 /* Hedges' g, exact bias correction            */
	PROMSTAT_MEASURE_ROM,	 /* log ratio of means                          */
	PROMSTAT_MEASURE_RR,	 /* log risk ratio                              */
	PROMSTAT_MEASURE_OR,	 /* log odds ratio                              */
	PROMSTAT_MEASURE_RD,	 /* risk difference                             */
	PROMSTAT_MEASURE_PR,	 /* raw proportion                              */
	PROMSTAT_MEASURE_PLO,	 /* logit of a proportion                       */
	PROMSTAT_MEASURE_PFT,	 /* Freeman-Tukey double arcsine of a proportion */
	PROMSTAT_MEASURE_PAS,	 /* arcsine square root of a proportion         */
	PROMSTAT_MEASURE_GEN	 /* precomputed yi with vi (or sei)             */
} promstat_meta_measure;

#define PROMSTAT_MEASURE_COUNT 11

/* What data a measure is computed from. */
typedef enum promstat_meta_input {
	PROMSTAT_META_INPUT_MEANS,	/* m1i,sd1i,n1i,m2i,sd2i,n2i */
	PROMSTAT_META_INPUT_TABLE,	/* ai,bi,ci,di (or ai,n1i,ci,n2i) */
	PROMSTAT_META_INPUT_PROPORTION, /* xi,ni */
	PROMSTAT_META_INPUT_GENERIC	/* yi,vi (or yi,sei) */
} promstat_meta_input;

/*
 * Parses a measure code ("MD", "SMD", ..., exactly as metafor spells it,
 * upper case). Returns PROMSTAT_OK, or PROMSTAT_EINVAL with a sentence
 * listing the accepted codes when s is NULL or not a known code.
 */
int promstat_meta_measure_parse(const char *s, promstat_meta_measure *out, promstat_error *err);

/* The code of a measure ("SMD"), or "?" for a value outside the enum. */
const char *promstat_meta_measure_name(promstat_meta_measure m);

/* The input a measure needs; PROMSTAT_META_INPUT_GENERIC for unknown values. */
promstat_meta_input promstat_meta_measure_input(promstat_meta_measure m);

/*
 * Back-transforms a value on the analysis scale to the scale a reader
 * expects: exp() for RR, OR, ROM; inverse logit for PLO; sin(x)^2 for PAS;
 * Miller's (1978) inverse of the double arcsine for PFT, which needs the
 * harmonic mean of the studies' ni as n_hm (as metafor's transf.ipft.hm);
 * identity for MD, SMD, RD, PR, GEN. Proportions are clamped to [0, 1].
 * NaN in, NaN out; n_hm is ignored except for PFT (NaN result if n_hm <= 0).
 */
double promstat_meta_backtransform(promstat_meta_measure m, double x, double n_hm);

/* Nonzero when the measure's natural back-transform is not the identity
 * (RR, OR, ROM, PLO, PAS, PFT). */
int promstat_meta_measure_has_backtransform(promstat_meta_measure m);

/*
 * What a measure is, in one place: every printer and plot that asks "is this
 * a ratio, a proportion, back-transformed?" reads it here.
 */
typedef struct promstat_meta_measure_info {
	promstat_meta_measure measure;
	const char *name;	     /* escalc code, "RR" */
	promstat_meta_input input;   /* the data a study supplies */
	const char *scale;	     /* the analysis scale's short title, "log RR" */
	const char *back_name;	     /* the natural back-transformed scale ("RR",
					"Proportion"), NULL when the identity */
	int ratio;		     /* analysed on the log scale of a ratio */
	int proportion;		     /* a single-arm proportion (PR, PLO, PFT, PAS) */
	int back_needs_n;	     /* back-transform needs the harmonic mean n (PFT) */
	double null_value;	     /* no effect, on the analysis scale: 0 for
					differences and log ratios; NaN for the
					single-arm proportions, which have none */
	const char *axis_label;	     /* a plot axis on the analysis scale */
	const char *back_axis_label; /* a plot axis drawn back-transformed
					(proportions), NULL otherwise */
} promstat_meta_measure_info;

/*
 * The descriptor of measure m: a pointer into a static table (valid for the
 * life of the program, never to be freed), or NULL when m is not one of the
 * PROMSTAT_MEASURE_* values.
 */
const promstat_meta_measure_info *promstat_meta_measure_describe(promstat_meta_measure m);

/*
 * Per-study effect sizes, as metafor's escalc() with its defaults. Each
 * writes the effect yi and its sampling variance vi and returns PROMSTAT_OK,
 * or returns PROMSTAT_EDATA with a sentence saying why the study cannot
 * contribute (err->file/line/column left 0: the caller adds the position),
 * leaving *yi and *vi untouched. yi and vi must not be NULL. Non-finite
 * input is always rejected. A measure of the wrong input kind gives
 * PROMSTAT_EINVAL.
 *
 * Means (MD, SMD, ROM): n1, n2 >= 2 (counts, integral or not), sd > 0
 * (sd >= 0 for MD with at least one positive sd); ROM needs m1 > 0 and m2 > 0.
 *   MD:  yi = m1-m2, vi = sd1^2/n1 + sd2^2/n2.
 *   SMD: yi = c(n1+n2-2) * (m1-m2)/sp, c(m) = exp(lgamma(m/2) - log(m/2)/2
 *        - lgamma((m-1)/2)), vi = 1/n1 + 1/n2 + yi^2/(2(n1+n2)).
 *   ROM: yi = log(m1/m2), vi = sd1^2/(n1 m1^2) + sd2^2/(n2 m2^2).
 *
 * 2x2 tables (RR, OR, RD): ai, bi, ci, di >= 0 whole numbers, each arm with
 * at least one participant (ai+bi > 0, ci+di > 0). When any cell is 0, 1/2
 * is added to every cell of that table (escalc add=1/2, to="only0"), for
 * RD too; tables with no events (or only events) in both arms are kept
 * (escalc drop00=FALSE). Callers with ai,n1i,ci,n2i pass bi = n1i-ai,
 * di = n2i-ci.
 *   RR: log(p1/p2), vi = 1/a - 1/n1 + 1/c - 1/n2.  OR: vi = 1/a+1/b+1/c+1/d.
 *   RD: p1-p2, vi = p1(1-p1)/n1 + p2(1-p2)/n2.
 *
 * Proportions (PR, PLO, PFT, PAS): 0 <= xi <= ni, ni >= 1, whole numbers.
 * PR and PLO add 1/2 to xi and to ni-xi when either is 0 (escalc's
 * default); PFT and PAS add nothing.
 *   PR:  yi = xi/ni, vi = yi(1-yi)/ni.  PLO: log(x/(n-x)), vi = 1/x + 1/(n-x).
 *   PFT: yi = (asin(sqrt(x/(n+1))) + asin(sqrt((x+1)/(n+1))))/2,
 *        vi = 1/(4n+2).  PAS: yi = asin(sqrt(x/n)), vi = 1/(4n).
 *
 * Generic (GEN): finite yi, vi > 0.
 */
int promstat_meta_es_means(promstat_meta_measure m, double m1, double sd1, double n1, double m2,
			   double sd2, double n2, double *yi, double *vi, promstat_error *err);
int promstat_meta_es_table(promstat_meta_measure m, double ai, double bi, double ci, double di,
			   double *yi, double *vi, promstat_error *err);
int promstat_meta_es_proportion(promstat_meta_measure m, double xi, double ni, double *yi,
				double *vi, promstat_error *err);
int promstat_meta_es_generic(double yi_in, double vi_in, double *yi, double *vi,
			     promstat_error *err);

/*
 * One study's own Wald interval yi -/+ z(level) * sqrt(vi), on the analysis
 * scale, as metafor's forest plots and summary(escalc) show it whatever the
 * model's test. level is in percent (0, 100); NaN bounds when it is not or
 * vi < 0.
 */
void promstat_meta_study_ci(double yi, double vi, double level, double *ci_lb, double *ci_ub);

/* ------------------------------------------------------------------ */
/* Models and options.                                                  */
/* ------------------------------------------------------------------ */

typedef enum promstat_meta_method {
	PROMSTAT_METHOD_EE = 0, /* equal/common effect (inverse variance); "FE" too */
	PROMSTAT_METHOD_DL,	/* DerSimonian-Laird                       */
	PROMSTAT_METHOD_HE,	/* Hedges (method of moments, unweighted)   */
	PROMSTAT_METHOD_HS,	/* Hunter-Schmidt                           */
	PROMSTAT_METHOD_SJ,	/* Sidik-Jonkman                            */
	PROMSTAT_METHOD_ML,	/* maximum likelihood                       */
	PROMSTAT_METHOD_REML,	/* restricted maximum likelihood (default)  */
	PROMSTAT_METHOD_EB,	/* empirical Bayes (Morris)                 */
	PROMSTAT_METHOD_PM	/* Paule-Mandel                             */
} promstat_meta_method;

#define PROMSTAT_METHOD_COUNT 9

typedef enum promstat_meta_test {
	PROMSTAT_TEST_Z = 0, /* normal (Wald) tests and intervals */
	PROMSTAT_TEST_KNHA   /* Knapp-Hartung: t with k-p df, F for the omnibus test */
} promstat_meta_test;

/* Parses one method code ("REML", "FE" = "EE", case as metafor spells it,
 * upper case). PROMSTAT_EINVAL with a sentence for anything else. */
int promstat_meta_method_parse(const char *s, promstat_meta_method *out, promstat_error *err);
/* "REML"...; "?" for an out-of-range value. EE is named "EE". */
const char *promstat_meta_method_name(promstat_meta_method m);

/* Parses "z" or "knha" (PROMSTAT_EINVAL otherwise). */
int promstat_meta_test_parse(const char *s, promstat_meta_test *out, promstat_error *err);
const char *promstat_meta_test_name(promstat_meta_test t);

#define PROMSTAT_META_MAX_METHODS 9

typedef struct promstat_meta_options {
	/* Methods to try in order: the first that converges is used
	 * ("--method REML,DL"). nmethods >= 1. */
	promstat_meta_method methods[PROMSTAT_META_MAX_METHODS];
	size_t nmethods;
	promstat_meta_test test;
	double level;	/* confidence level in percent, 0 < level < 100 */
	double tol;	/* convergence threshold on the change of tau^2 between
			   Fisher scoring steps (ML, REML, EB): metafor's
			   control "threshold" */
	double root_tol; /* tolerance of the bracketing root finder (Brent's
			    zeroin, as R's uniroot) used by Paule-Mandel and the
			    Q-profile interval: metafor's default
			    .Machine$double.eps^0.25, kept so that the numbers
			    are metafor's; smaller gives the exact root */
	int maxiter;	/* iterations before giving up (iterative methods) */
} promstat_meta_options;

/* Defaults: REML only, z test, level 95, tol 1e-10, root_tol
 * DBL_EPSILON^0.25 (1.22e-4), maxiter 1000. Does nothing when o is NULL. */
void promstat_meta_options_init(promstat_meta_options *o);

/*
 * Parses a comma-separated method list ("REML,DL") into o->methods and
 * o->nmethods (other fields untouched). Empty items, unknown codes and more
 * than PROMSTAT_META_MAX_METHODS items give PROMSTAT_EINVAL, o unchanged.
 */
int promstat_meta_methods_parse(const char *list, promstat_meta_options *o, promstat_error *err);

/*
 * Checks an options struct (NULL, nmethods 0, methods out of range, level
 * outside (0,100), tol or root_tol <= 0, maxiter < 1 give PROMSTAT_EINVAL).
 */
int promstat_meta_options_check(const promstat_meta_options *o, promstat_error *err);

/* ------------------------------------------------------------------ */
/* The univariate model (metafor rma.uni without moderators).           */
/* ------------------------------------------------------------------ */

#define PROMSTAT_META_REASON_MAX 256

typedef struct promstat_meta_summary {
	size_t k;		     /* studies pooled */
	promstat_meta_method method; /* the method actually used */
	promstat_meta_test test;
	int converged;		     /* 1, or 0 with reason filled and the rest NaN */
	char reason[PROMSTAT_META_REASON_MAX]; /* why not converged; also notes
						   on fallback ("REML did not
						   converge ...; used DL") */
	double estimate, se;
	double stat;	/* zval, or tval under knha */
	double df;	/* t df under knha (k-1), NaN under z */
	double pval, ci_lb, ci_ub;
	double tau2, tau;	 /* 0 for EE */
	double tau2_se;		 /* metafor's se.tau2 for DL, HS, ML, REML, EB, PM;
				    NaN for EE, HE and SJ (not computed) */
	double tau2_ci_lb, tau2_ci_ub; /* Q-profile (confint.rma.uni); NaN for EE or k < 2 */
	double I2, H2;		 /* metafor's definitions (percent for I2) */
	double Q, Q_df, Q_pval;	 /* Cochran's Q with EE weights, df k-1 */
	double pi_lb, pi_ub;	 /* prediction interval (predict.rma); NaN for EE,
				    as metafor gives none for a common effect */
	int iterations;		 /* used by the iterative estimator, 0 otherwise */
} promstat_meta_summary;

/*
 * Fits the random-effects (or common-effect) model to yi, vi (k studies,
 * vi > 0, all finite; k >= 1) with the options (NULL = defaults). When
 * weights is not NULL it receives k per-study weights in percent (summing
 * to 100) of the model used.
 *
 * With one study every method reduces to EE, as in metafor: tau2 = 0,
 * Q = 0, Q_df = 0, Q_pval = 1, I2 = 0, H2 = 1, tau2 CI NaN.
 *
 * Returns PROMSTAT_OK with out->converged = 1. When no method of the list
 * converges, returns PROMSTAT_ENUMERIC with err and out->reason saying why,
 * out->converged = 0, out->method the last one tried and every statistic
 * NaN. Invalid arguments (NULL arrays, k = 0, vi <= 0, non-finite values)
 * give PROMSTAT_EINVAL / PROMSTAT_EDATA. out must not be NULL.
 */
int promstat_meta_fit(const double *yi, const double *vi, size_t k,
		      const promstat_meta_options *opt, promstat_meta_summary *out,
		      double *weights, promstat_error *err);

/* ------------------------------------------------------------------ */
/* Subgroups.                                                           */
/* ------------------------------------------------------------------ */

typedef struct promstat_meta_subgroup_test {
	/* Common tau^2: metafor's QM from rma(yi, vi, mods = ~ factor(group))
	 * with the same method and test (under knha QM is an F value with
	 * df = levels-1 and df2 = k-levels). */
	double common_QM, common_df, common_df2, common_pval;
	int common_converged;
	/* Separate tau^2: Q between the subgroup estimates (an EE model over
	 * them with their squared standard errors), df = levels-1. */
	double separate_Q, separate_df, separate_pval;
} promstat_meta_subgroup_test;

/*
 * Fits one model per level of group[] (values 0..nlevels-1, one per study)
 * into levels[0..nlevels-1] (caller array of nlevels summaries); a level
 * with one study uses EE, a level with none gets k = 0 and NaN statistics
 * and is left out of the tests. Then the two tests for subgroup
 * differences. The tests are NaN when fewer than two levels have studies;
 * the common-tau^2 test is also NaN when it has no residual df.
 * Returns PROMSTAT_OK even when some level did not converge (see each
 * levels[i].converged); argument errors as promstat_meta_fit.
 */
int promstat_meta_subgroups(const double *yi, const double *vi, const size_t *group, size_t k,
			    size_t nlevels, const promstat_meta_options *opt,
			    promstat_meta_summary *levels, promstat_meta_subgroup_test *test,
			    promstat_error *err);

/* ------------------------------------------------------------------ */
/* Meta-regression (rma.uni with mods).                                 */
/* ------------------------------------------------------------------ */

typedef struct promstat_meta_coef {
	double estimate, se;
	double stat; /* z, or t with k-p df under knha */
	double pval, ci_lb, ci_ub;
} promstat_meta_coef;

typedef struct promstat_meta_reg_summary {
	size_t k, p;
	promstat_meta_method method;
	int converged;
	char reason[PROMSTAT_META_REASON_MAX];
	/* Omnibus test of every coefficient but the first (the intercept):
	 * Wald chi^2 with QM_df = p-1 under z; under knha metafor's F value
	 * (QM/(p-1)) with QM_df = p-1 and QM_df2 = k-p. */
	double QM, QM_df, QM_df2, QM_pval;
	double tau2;	   /* residual heterogeneity */
	double I2, H2;	   /* residual, metafor's definitions */
	double R2;	   /* percent, as metafor: 100 max(0, (tau2_0 - tau2)/tau2_0)
			      vs the model without moderators (same method), 0
			      when tau2_0 = 0; for EE the adjusted R^2 of the
			      weighted least-squares fit; NaN when the model
			      without moderators does not converge */
	double QE, QE_df, QE_pval; /* test for residual heterogeneity */
	double df;	   /* k-p under knha, NaN under z */
} promstat_meta_reg_summary;

/*
 * Fits the mixed-effects meta-regression yi = X b + u + e. X is k x p,
 * row-major (X[i*p + j]), its first column the intercept (all ones) as the
 * caller builds it; p >= 1 and k > p (k = p + 1, one residual df, is
 * fitted by every method as rma.uni does). coefs receives p coefficients
 * (caller array). With p = 1 the omnibus test is NaN. A rank-deficient X gives
 * PROMSTAT_EDATA ("the moderators are collinear"). Non-convergence as
 * promstat_meta_fit (PROMSTAT_ENUMERIC, out->converged = 0).
 */
int promstat_meta_regress(const double *yi, const double *vi, size_t k, const double *X,
			  size_t p, const promstat_meta_options *opt, promstat_meta_coef *coefs,
			  promstat_meta_reg_summary *out, promstat_error *err);

/* ------------------------------------------------------------------ */
/* Small-study effects and influence (bias.c).                          */
/* ------------------------------------------------------------------ */

/* Egger's regression test as metafor's regtest() default: the model's own
 * method with sei as the predictor. */
typedef struct promstat_meta_egger {
	double zval;	      /* z, or t under knha */
	double df;	      /* k-2 under knha, NaN under z */
	double pval;
	double limit_estimate; /* the intercept: the estimate as sei -> 0 */
	double limit_ci_lb, limit_ci_ub;
} promstat_meta_egger;

/* Needs k >= 3 and sampling variances that are not all equal (sei would be
 * collinear with the intercept, as regtest's "Model matrix no longer of
 * full rank"); otherwise PROMSTAT_EDATA. Non-convergence: PROMSTAT_ENUMERIC. */
int promstat_meta_egger_test(const double *yi, const double *vi, size_t k,
			     const promstat_meta_options *opt, promstat_meta_egger *out,
			     promstat_error *err);

/* Begg and Mazumdar's rank correlation test as metafor's ranktest(). */
typedef struct promstat_meta_rank {
	double tau;  /* Kendall's tau between standardized effects and vi */
	double pval; /* as cor.test(exact = TRUE), which ranktest() asks for:
			the exact null distribution when there are no ties
			(here up to k = 500; beyond that, and with ties, the
			normal approximation with tie-corrected variance) */
	char reason[PROMSTAT_META_REASON_MAX]; /* empty, or why tau and pval
			are undefined (NaN) */
} promstat_meta_rank;

/* Needs k >= 3; otherwise PROMSTAT_EDATA. opt is not used (ranktest
 * standardizes with the common-effect estimate whatever the model) and may
 * be NULL. When every sampling variance, or every standardized effect, is
 * the same, Kendall's tau is 0/0: tau and pval are NaN, reason says which,
 * and the call returns PROMSTAT_OK (cor.test gives NA). PROMSTAT_ENOMEM
 * only when memory runs out. O(k log k) time (plus O(k^3) for the exact
 * p-value, k <= 500). */
int promstat_meta_rank_test(const double *yi, const double *vi, size_t k,
			    const promstat_meta_options *opt, promstat_meta_rank *out,
			    promstat_error *err);

/* Trim and fill as metafor's trimfill() default: L0 estimator; the side
 * of the missing studies from the sign of the slope of the regression on
 * sei (left when positive); the model's method (the one used); and, as
 * trimfill calls rma.uni without the model's control, metafor's default
 * convergence threshold 1e-5 and 100 iterations for its fits. */
typedef struct promstat_meta_trimfill {
	size_t k0;
	int side; /* -1 = studies missing on the left, +1 = on the right */
	promstat_meta_summary filled; /* the model over the k + k0 studies */
} promstat_meta_trimfill;

/* "left" or "right" for side -1 / +1. */
const char *promstat_meta_side_name(int side);

/*
 * Runs trim and fill. fill_yi and fill_vi (may be NULL) are caller arrays
 * of k entries receiving the k0 imputed studies (for the funnel plot).
 * Needs k >= 3 and sampling variances that are not all equal (the side
 * comes from the slope on sei); otherwise PROMSTAT_EDATA.
 * Non-convergence: PROMSTAT_ENUMERIC.
 */
int promstat_meta_trimfill_run(const double *yi, const double *vi, size_t k,
			       const promstat_meta_options *opt, promstat_meta_trimfill *out,
			       double *fill_yi, double *fill_vi, promstat_error *err);

/* One leave-one-out fit. */
typedef struct promstat_meta_l1o {
	double estimate, se, stat, pval, ci_lb, ci_ub;
	double tau2, I2, H2, Q, Q_pval;
	int converged;
} promstat_meta_l1o;

/*
 * Refits the model without each study in turn, as metafor's leave1out();
 * out is a caller array of k entries (out[i] = without study i). Needs
 * k >= 2. A fit that does not converge has converged = 0 and NaN
 * statistics; the call still returns PROMSTAT_OK (PROMSTAT_ENOMEM only
 * when memory runs out). The refits use the method the full model used, so
 * when no method of the list converges on all k studies the call returns
 * PROMSTAT_ENUMERIC, as promstat_meta_fit does.
 *
 * Cost: O(k) time and memory for every method but PM, not one O(k) refit
 * per omission. The common-effect sums, Q, tr P and the moments HE and SJ
 * start from are prefix and suffix summaries merged around the omitted
 * study (no study is subtracted back out of a sum); the sums at the
 * refit's own tau^2 are series in tau^2 - T about the full model's T, whose
 * moments are the full ones minus the omitted study's terms, so each
 * evaluation is O(1); ML, REML and EB score from T (a step that would
 * cross 0 restarts from rma.uni's own start, the Hedges estimate). Where a
 * series would leave out more than 1e-16 of a sum, or a difference would
 * cancel, that evaluation passes over the k - 1 studies instead (O(k)),
 * and a scoring that does not converge is refitted from scratch. PM is
 * refitted from scratch for every study, O(k^2 x root-search steps), so
 * that its uniroot steps are metafor's. k = 10^4 takes about 0.01-0.1 s
 * with REML (tests/bench/bench-meta.sh).
 */
int promstat_meta_leave1out(const double *yi, const double *vi, size_t k,
			    const promstat_meta_options *opt, promstat_meta_l1o *out,
			    promstat_error *err);

#ifdef __cplusplus
}
#endif

#endif

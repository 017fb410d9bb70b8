/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Clinic audit: paired change, follow-up completeness, responder and MCID
 * rates per instrument, follow-up timepoint and stratum, with intervals;
 * MCID-rate comparisons against a reference therapy; adverse-event and
 * satisfaction rates; the OMERACT-OARSI responder rate.
 *
 * Semantics (issue 3; every number can be recomputed by hand from these):
 *  - The unit is (patient_id, episode). For each unit and instrument the
 *    baseline is the observation with the largest day in [-W, 0]
 *    (W = baseline_window), and the follow-up at timepoint T with half-width
 *    H is the observation with day in [T-H, T+H] nearest to T, the earlier
 *    one on a tie.
 *  - improvement = follow-up - baseline for higher-better instruments,
 *    baseline - follow-up for lower-better ones (positive = better).
 *  - Thresholds (MCID, 30%/50% of the possible improvement, PASS) are met
 *    with an absolute tolerance of PROMSTAT_AUDIT_TOLERANCE, so that
 *    7.2 -> 5.2 (an improvement of exactly 2.0 on paper) reaches an MCID of 2.
 *  - Strata: the full cube of the --by columns' observed combinations, with
 *    "ALL" standing for any subset of them (PROMSTAT_AUDIT_ALL).
 *
 * Memory: a promstat_audit owns everything its accessors return; pointers
 * stay valid until promstat_audit_free(). Undefined statistics are NaN.
 */
#ifndef PROMSTAT_AUDIT_H
#define PROMSTAT_AUDIT_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

struct promstat_error;
struct promstat_registry;
struct promstat_instrument;

#define PROMSTAT_AUDIT_TOLERANCE 1e-9
#define PROMSTAT_AUDIT_ALL "ALL"
#define PROMSTAT_AUDIT_UNKNOWN "unknown" /* level of a missing value */
#define PROMSTAT_AUDIT_MAX_BY 8		 /* --by columns (the cube has 2^k faces) */

/* ------------------------------------------------------------------ */
/* Intervals for proportions, differences of proportions and means.    */
/* level is the confidence level in percent (95); it must be in (0,100). */
/* Each returns PROMSTAT_OK or PROMSTAT_EINVAL (x > n, bad level);      */
/* with n = 0 the interval is undefined (NaN, NaN) and PROMSTAT_OK.     */
/* ------------------------------------------------------------------ */

typedef enum promstat_ci_method {
	PROMSTAT_CI_WILSON = 0,	     /* Wilson 1927 score interval (default) */
	PROMSTAT_CI_CLOPPER_PEARSON  /* exact (Clopper & Pearson 1934) */
} promstat_ci_method;

/* Wilson score interval for x successes in n (Newcombe 1998a, method 3). */
int promstat_ci_wilson(size_t x, size_t n, double level, double *lb, double *ub,
		       struct promstat_error *err);
/* Clopper-Pearson exact interval from beta quantiles; [0, .] at x = 0, [., 1] at x = n. */
int promstat_ci_clopper_pearson(size_t x, size_t n, double level, double *lb, double *ub,
				struct promstat_error *err);
/* Either of the two, by method. */
int promstat_ci_proportion(promstat_ci_method method, size_t x, size_t n, double level,
			   double *lb, double *ub, struct promstat_error *err);
/*
 * Newcombe (1998b, Stat Med 17:873, method 10) hybrid score interval for
 * p1 - p2 = x1/n1 - x2/n2, built from the two Wilson intervals. NaN when
 * n1 or n2 is 0.
 */
int promstat_ci_newcombe(size_t x1, size_t n1, size_t x2, size_t n2, double level,
			 double *lb, double *ub, struct promstat_error *err);
/*
 * t-based interval for a mean from n values with sample SD sd:
 * mean +- t(n-1) sd / sqrt(n). NaN bounds when n < 2 or sd is NaN.
 */
int promstat_ci_mean(double mean, double sd, size_t n, double level, double *lb, double *ub,
		     struct promstat_error *err);
/*
 * Welch's t interval for the difference of two means, mean1 - mean2, from
 * two independent samples of n1 and n2 values with sample SDs sd1 and sd2
 * (Welch 1947, Biometrika 34:28; as R's t.test(var.equal = FALSE)):
 * diff +- t(df) se, se^2 = sd1^2/n1 + sd2^2/n2, df by Satterthwaite's
 * approximation. NaN bounds when n1 or n2 is below 2, a mean or SD is not
 * finite, or both samples are constant (se = 0, where R stops with "data
 * are essentially constant"). PROMSTAT_EINVAL only for a bad level.
 */
int promstat_ci_welch(double mean1, double sd1, size_t n1, double mean2, double sd2, size_t n2,
		      double level, double *lb, double *ub, struct promstat_error *err);

/*
 * Number needed to treat from a risk difference rd (positive = benefit) and
 * its interval [rd_lb, rd_ub] (Altman 1998, BMJ 317:1309). Values are
 * signed: positive = NNTB (benefit), negative = NNTH (harm).
 *   nnt = 1/rd (NaN when rd is 0 or NaN: the NNT is infinite or unknown);
 *   nnt_lb = 1/rd_lb, nnt_ub = 1/rd_ub (NaN at a bound that is 0).
 * When the rd interval excludes 0 the NNT interval lies between nnt_ub and
 * nnt_lb, both of one sign. When it includes 0, *crosses_infinity is 1 and
 * the interval runs from nnt_lb (an NNTH, negative) through infinity to
 * nnt_ub (an NNTB): "NNTH |nnt_lb| to infinity to NNTB nnt_ub".
 */
void promstat_nnt(double rd, double rd_lb, double rd_ub, double *nnt, double *nnt_lb,
		  double *nnt_ub, int *crosses_infinity);

/*
 * Writes an Altman-style description into buf: "NNTB 4.2 (2.5 to 13.1)",
 * "NNTH 6.0 (3.1 to 90.2)", "NNTB 10.0 (NNTH 10.3 to inf to NNTB 3.3)",
 * "NNT inf (NNTH 9.1 to inf to NNTB 8.4)" or "" when undefined. Returns buf.
 */
char *promstat_nnt_format(double rd, double rd_lb, double rd_ub, char *buf, size_t size);

/* ------------------------------------------------------------------ */
/* Options.                                                            */
/* ------------------------------------------------------------------ */

/* A follow-up timepoint: day T with half-width H, window [T-H, T+H]. */
typedef struct promstat_audit_timepoint {
	int day;
	int halfwidth;
} promstat_audit_timepoint;

/* An instrument-specific threshold override (--mcid CODE=V, --pass CODE=V). */
typedef struct promstat_audit_threshold {
	const char *code;
	double value;
} promstat_audit_threshold;

typedef struct promstat_audit_options {
	int baseline_window;	/* days before index, >= 0 (default 90) */
	const promstat_audit_timepoint *timepoints; /* NULL: the defaults */
	size_t n_timepoints;	/* 42:14,90:30,180:45,365:60,730:90 */
	const double *age_cuts;	/* strictly increasing; NULL: {60} */
	size_t n_age_cuts;
	const char *const *by;	/* column names; NULL: therapy, age_band */
	size_t n_by;
	const char *const *instruments; /* codes; NULL: every instrument with data */
	size_t n_instruments;
	const promstat_audit_threshold *mcid; /* overrides of the catalogue */
	size_t n_mcid;
	const promstat_audit_threshold *pass;
	size_t n_pass;
	double level;		/* confidence level in percent (default 95) */
	promstat_ci_method ci;	/* for rates (default Wilson) */
	const char *reference;	/* therapy compared against; NULL: none */
	const char *oarsi_pain;	/* OMERACT-OARSI instruments; NULL: no OARSI */
	const char *oarsi_function;
	const char *oarsi_global; /* optional */
	double min_followup;	/* follow-up rate in [0, 1] flagged as low below it (0.6) */
	size_t min_n;		/* cells with fewer paired units are small (default 10; 0: none) */
	const char *funnel_by;	/* provider column of the funnel plot; NULL: none */
	int overdispersion;	/* funnel limits with Spiegelhalter's tau^2 (0) */
	size_t max_cells;	/* result cells (strata x instruments x timepoints) allowed;
				   0: PROMSTAT_AUDIT_MAX_CELLS. Beyond it the run is refused
				   (PROMSTAT_EDATA) before the cube is built */
} promstat_audit_options;

#define PROMSTAT_AUDIT_MAX_CELLS 1000000 /* default max_cells */

/* Fills opt with the defaults above (NULL arrays mean the defaults). */
void promstat_audit_options_init(promstat_audit_options *opt);

/*
 * Parses "42:14,90:30" (DAY:HALFWIDTH, comma-separated, whole days, DAY > 0,
 * 0 <= HALFWIDTH < DAY). Windows that overlap (share any day) are rejected.
 * On success *out is an array (sorted by day) the caller frees with
 * promstat_free(), and *n its length. Returns PROMSTAT_OK or PROMSTAT_EINVAL with a sentence.
 */
int promstat_audit_parse_timepoints(const char *spec, promstat_audit_timepoint **out,
				    size_t *n, struct promstat_error *err);
/*
 * Parses "60" or "40,60": strictly increasing finite cut-points (ages in
 * years). The caller frees *out with promstat_free(). PROMSTAT_OK or EINVAL.
 */
int promstat_audit_parse_age_cuts(const char *spec, double **out, size_t *n,
				  struct promstat_error *err);
/*
 * The label of the age band holding age for the given cuts: "<40",
 * "40-59" (for [40, 60) when both cuts are whole numbers, else "40-<62.5"),
 * ">=60", or "unknown" for NaN. Writes into buf (32 bytes are enough).
 */
char *promstat_audit_age_band(double age, const double *cuts, size_t n, char *buf,
			      size_t size);

/* ------------------------------------------------------------------ */
/* Running an audit and reading its results.                           */
/* ------------------------------------------------------------------ */

typedef struct promstat_audit promstat_audit;

/* One (instrument, timepoint, stratum). Counts of paired units. */
typedef struct promstat_audit_result {
	size_t instrument;	    /* index for promstat_audit_instrument() */
	const char *instrument_code;
	size_t timepoint;	    /* index for promstat_audit_timepoint_get() */
	int day, halfwidth;
	const char *const *levels;  /* one label per --by column; "ALL" for totals */
	const int *level_index;	    /* index in promstat_audit_level(), -1 for ALL */
	size_t n_baseline;	    /* units with a baseline */
	size_t n_followup;	    /* of those, units with a follow-up (paired units) */
	double followup_rate, followup_ci_lb, followup_ci_ub;
	double baseline_mean, followup_mean; /* over paired units */
	double mean_improvement, sd_improvement; /* sd: n-1 denominator */
	double improvement_ci_lb, improvement_ci_ub; /* t-based */
	double mcid;		    /* NaN when unknown; then the next four are undefined */
	size_t mcid_responders;
	double mcid_rate, mcid_ci_lb, mcid_ci_ub;
	size_t pct30_responders, pct50_responders;
	size_t pct_excluded;	    /* paired units with no room to improve */
	double pct30_rate, pct50_rate; /* over n_followup - pct_excluded */
	double pass;		    /* NaN when unknown; then pass_* are undefined */
	size_t pass_count;
	double pass_rate, pass_ci_lb, pass_ci_ub;
	/*
	 * Missing follow-up (issue 13, section 1; followup_bounds.c). The
	 * completer rates above count only the units that came back. With the
	 * n_baseline - n_followup units lost counted as non-responders (NRI,
	 * the worst case) and as responders (the best case), the two rates
	 * bound the rate over all units with a baseline under any missingness.
	 * Undefined without an MCID (a PASS) or without a unit with a baseline.
	 */
	double mcid_rate_nri, mcid_nri_ci_lb, mcid_nri_ci_ub; /* responders / n_baseline */
	double mcid_rate_best;	    /* (responders + lost) / n_baseline */
	double pass_rate_nri, pass_nri_ci_lb, pass_nri_ci_ub;
	double pass_rate_best;
	/* Mean baseline score (age) of the units lost minus that of the units
	 * followed up, with Welch's t interval (promstat_ci_welch): positive =
	 * those who did not come back started with a higher score (were older).
	 * Ages count units with a known age only (n_age_lost, n_age_followup). */
	double lost_baseline_diff, lost_baseline_diff_ci_lb, lost_baseline_diff_ci_ub;
	size_t n_age_lost, n_age_followup;
	double lost_age_diff, lost_age_diff_ci_lb, lost_age_diff_ci_ub;
	int low_followup;	    /* followup_rate < min_followup */
	/* Small cell (issue 13, section 2): n_followup < min_n. Its numbers are
	 * computed as usual, but too few units stand behind them to be read:
	 * the CLI marks it, charts leave it out, and no comparison uses it. */
	int small;
	/*
	 * Floors and PASS at baseline (issue 13, section 3), over the paired
	 * units. A unit whose baseline is less than one MCID from the scale's
	 * best end (room < mcid, with the tolerance) cannot respond and would
	 * count as a non-responder: mcid_unreachable of them; the reachable
	 * rate is responders / (n_followup - mcid_unreachable). PASS credits
	 * units already in an acceptable state: pass_baseline of them were in
	 * it at baseline (rate over n_followup), and pass_gained of the others
	 * reached it (rate over n_followup - pass_baseline). Undefined without
	 * an MCID (a PASS) or a denominator; intervals by --ci.
	 */
	size_t mcid_unreachable;
	double mcid_rate_reachable, mcid_reachable_ci_lb, mcid_reachable_ci_ub;
	size_t pass_baseline, pass_gained;
	double pass_baseline_rate, pass_baseline_ci_lb, pass_baseline_ci_ub;
	double pass_gained_rate, pass_gained_ci_lb, pass_gained_ci_ub;
	/*
	 * The MCID rate among the paired units weighted by the inverse of
	 * their probability of follow-up (casemix.c): a logistic model of
	 * follow-up (0/1) on therapy, age (linear; an unknown age gets the
	 * mean and an indicator), sex (when the registry has it) and baseline
	 * score, fitted per instrument and timepoint over every unit with a
	 * baseline; stabilised weights P(followed) / p_i; the interval from
	 * the weighted proportion's sandwich variance with the weights taken
	 * as known, as R's survey::svymean (a Wald interval, cut to [0, 1]).
	 * Undefined, with ipw_note saying why, when the model cannot be
	 * fitted (fewer than 20 units, separation...) or there is no MCID.
	 */
	double mcid_rate_ipw, mcid_ipw_ci_lb, mcid_ipw_ci_ub;
	const char *ipw_note;	    /* NULL when the rate is defined */
} promstat_audit_result;

/* MCID-rate risk difference of one therapy against the reference. */
typedef struct promstat_audit_comparison {
	size_t instrument;
	const char *instrument_code;
	size_t timepoint;
	int day;
	const char *age_band;	    /* a band label or "ALL" */
	const char *therapy;
	const char *reference;
	size_t n, responders;	    /* paired units and MCID responders */
	double rate;
	size_t reference_n, reference_responders;
	double reference_rate;
	double risk_difference, rd_ci_lb, rd_ci_ub; /* Newcombe method 10 */
	double nnt, nnt_ci_lb, nnt_ci_ub; /* signed, see promstat_nnt() */
	int nnt_crosses_infinity;
	/* 1 when n or reference_n is below min_n: the difference, its interval
	 * and the NNT are then not computed (NaN) and reason says why
	 * ("fewer than 10 units followed up"); reason is NULL otherwise. */
	int small;
	const char *reason;
} promstat_audit_comparison;

/*
 * Case-mix-adjusted comparison of one therapy against the reference at one
 * instrument and timepoint (issue 13, section 4; casemix.c), over the
 * paired units with a known age of every therapy with at least min_n
 * paired units. rd_adjusted: marginal standardisation of a logistic model
 * of MCID attainment on therapy (treatment-coded against the reference),
 * age, sex (when present) and baseline score: the mean predicted rate with
 * every unit given this therapy minus the same with every unit given the
 * reference, with a delta-method interval. mean_diff_adjusted: the
 * therapy's coefficient in the linear model of improvement on the same
 * covariates, with its t interval. Both compare units who were treated
 * differently in routine care, not randomised ones: they remove the
 * differences in the covariates named, and no others. Undefined values
 * come with a note (separation, rank deficiency, fewer than min_n...).
 */
typedef struct promstat_audit_adjusted {
	size_t instrument;
	const char *instrument_code;
	size_t timepoint;
	int day;
	const char *therapy;
	const char *reference;
	size_t n;		    /* paired units in the models */
	size_t n_excluded;	    /* paired units left out: unknown age, or a therapy
				       with fewer than min_n paired units */
	size_t n_therapy, n_reference; /* paired units of the two therapies */
	const char *covariates;	    /* e.g. "therapy + age + sex + baseline" */
	double rd_adjusted, rd_adjusted_ci_lb, rd_adjusted_ci_ub;
	double mean_diff_adjusted, mean_diff_adjusted_ci_lb, mean_diff_adjusted_ci_ub;
	const char *note;	    /* why something is undefined; NULL when nothing is */
} promstat_audit_adjusted;

/* Where a provider lies on the funnel (|z| against the 95% and 99.8%
 * two-sided normal quantiles 1.960 and 3.090). */
typedef enum promstat_funnel_flag {
	PROMSTAT_FUNNEL_UNDEFINED = 0,
	PROMSTAT_FUNNEL_WITHIN,
	PROMSTAT_FUNNEL_ABOVE_95,
	PROMSTAT_FUNNEL_ABOVE_998,
	PROMSTAT_FUNNEL_BELOW_95,
	PROMSTAT_FUNNEL_BELOW_998
} promstat_funnel_flag;

/* "within", "above_95", "above_99.8", "below_95", "below_99.8"; NULL for
 * PROMSTAT_FUNNEL_UNDEFINED. */
const char *promstat_funnel_flag_name(promstat_funnel_flag f);

#define PROMSTAT_FUNNEL_Z95 1.959963984540054   /* qnorm(0.975) */
#define PROMSTAT_FUNNEL_Z998 3.090232306167813  /* qnorm(0.999) */

/*
 * One provider (a level of the funnel column) at one instrument and
 * timepoint (issue 13, section 5). Expected values come from the case-mix
 * models of the group (therapy, age, sex, baseline; no provider term)
 * fitted on all its paired units: expected_rate is the mean of the units'
 * predicted probabilities, z = (O - E) / sqrt(sum p_i (1 - p_i)); for the
 * mean improvement, observed minus expected (the mean of the linear
 * model's fitted values) over s = residual SD / sqrt(n). With
 * overdispersion, z = difference / sqrt(s^2 + tau^2). Undefined (note
 * "fewer than N") for providers with fewer than min_n units.
 */
typedef struct promstat_audit_funnel_point {
	size_t group;		    /* index for promstat_audit_funnel_group_get() */
	const char *level;
	size_t n;
	double observed_rate, expected_rate, rate_diff, rate_se, z;
	promstat_funnel_flag flag;
	double observed_mean, expected_mean, mean_diff, mean_se, z_mean;
	promstat_funnel_flag flag_mean;
	const char *note;
} promstat_audit_funnel_point;

/* The models behind one instrument and timepoint's funnel. */
typedef struct promstat_audit_funnel_group {
	size_t instrument;
	const char *instrument_code;
	size_t timepoint;
	int day;
	size_t n;		    /* paired units in the models */
	size_t n_excluded;	    /* paired units left out (unknown age, small therapy) */
	double overall_rate;	    /* p-bar: responders / n, centre of the limits */
	double residual_sd;	    /* of the linear model */
	/* Spiegelhalter (2005, Stat Med 24:1185) additive overdispersion,
	 * NaN without it: phi = the mean of the squared z-scores Winsorised
	 * at their 10th and 90th percentiles, tau^2 = max(0, (N phi - (N - 1))
	 * / (sum w - sum w^2 / sum w)), w = 1 / s^2. */
	double phi, tau2, phi_mean, tau2_mean;
	const char *note;	    /* why the models gave nothing, or NULL */
	size_t first_point, n_points; /* its providers in promstat_audit_funnel_point_get() */
} promstat_audit_funnel_group;

/* Adverse events and satisfaction of one therapy ("ALL" for every unit). */
typedef struct promstat_audit_safety {
	const char *therapy;
	size_t units;
	size_t ae_units;	    /* units with any adverse event */
	double ae_rate, ae_ci_lb, ae_ci_ub;
	size_t satisfied_known;	    /* units with a satisfied value */
	size_t satisfied_units;
	double satisfied_rate, satisfied_ci_lb, satisfied_ci_ub; /* over satisfied_known */
} promstat_audit_safety;

/* OMERACT-OARSI responders at one (timepoint, stratum). */
typedef struct promstat_audit_oarsi {
	size_t timepoint;
	int day;
	const char *const *levels;
	const int *level_index;
	size_t n;		    /* units paired on every named instrument */
	size_t responders;
	double rate, ci_lb, ci_ub;
} promstat_audit_oarsi;

/*
 * Runs the audit of reg with opt (NULL for the defaults). Returns
 * PROMSTAT_OK with *out a new audit the caller frees, PROMSTAT_EINVAL when
 * an option does not fit the data (unknown --by column or instrument code,
 * overlapping timepoints, a reference therapy absent from the registry...),
 * or PROMSTAT_ENOMEM.
 *
 * From 100,000 units on, the pass over units runs as two halves, the second
 * on a thread that ends before this function returns; reg is only read.
 * Means are compensated sums divided by n, and SDs come from Welford's
 * running sums; cells with ALL, and every cell when the pass is split,
 * are merged from partial sums, so an SD's last digits may differ from a
 * single pass over the same units.
 */
int promstat_audit_run(const struct promstat_registry *reg, const promstat_audit_options *opt,
		       promstat_audit **out, struct promstat_error *err);
void promstat_audit_free(promstat_audit *a);

/*
 * The options actually used, defaults filled in (arrays owned by a):
 * timepoints sorted by day, the by names as given, instruments as resolved.
 */
const promstat_audit_options *promstat_audit_options_used(const promstat_audit *a);

/* Instruments audited, in catalogue order. */
size_t promstat_audit_n_instruments(const promstat_audit *a);
const struct promstat_instrument *promstat_audit_instrument(const promstat_audit *a, size_t i);
/* The MCID and PASS used for instrument i (override, catalogue, or NaN). */
double promstat_audit_mcid(const promstat_audit *a, size_t i);
double promstat_audit_pass(const promstat_audit *a, size_t i);

size_t promstat_audit_n_timepoints(const promstat_audit *a);
promstat_audit_timepoint promstat_audit_timepoint_get(const promstat_audit *a, size_t i);

/* The --by columns and, for each, its observed levels in output order. */
size_t promstat_audit_n_by(const promstat_audit *a);
const char *promstat_audit_by_name(const promstat_audit *a, size_t j);
size_t promstat_audit_n_levels(const promstat_audit *a, size_t j);
const char *promstat_audit_level(const promstat_audit *a, size_t j, size_t k);

/*
 * Results in output order: by instrument, then timepoint, then stratum
 * (each column's levels in order, ALL after them). NULL when out of range.
 */
size_t promstat_audit_count(const promstat_audit *a);
const promstat_audit_result *promstat_audit_get(const promstat_audit *a, size_t i);

/* Comparisons (empty without a reference): instrument, timepoint, age band
 * (bands then ALL), therapy. */
size_t promstat_audit_n_comparisons(const promstat_audit *a);
const promstat_audit_comparison *promstat_audit_comparison_get(const promstat_audit *a,
								 size_t i);

/* Adjusted comparisons (empty without a reference): instrument, timepoint,
 * therapy. Notes that apply to all of them are among promstat_audit_note(). */
size_t promstat_audit_n_adjusted(const promstat_audit *a);
const promstat_audit_adjusted *promstat_audit_adjusted_get(const promstat_audit *a, size_t i);

/* Funnel groups (empty without funnel_by): instrument, timepoint; their
 * points in the funnel column's level order. */
size_t promstat_audit_n_funnel_groups(const promstat_audit *a);
const promstat_audit_funnel_group *promstat_audit_funnel_group_get(const promstat_audit *a,
								    size_t i);
size_t promstat_audit_n_funnel_points(const promstat_audit *a);
const promstat_audit_funnel_point *promstat_audit_funnel_point_get(const promstat_audit *a,
								    size_t i);
/* The funnel column's name as resolved (e.g. "provider"), or NULL. */
const char *promstat_audit_funnel_by(const promstat_audit *a);

/* Safety rows: one per therapy in name order, then ALL. */
size_t promstat_audit_n_safety(const promstat_audit *a);
const promstat_audit_safety *promstat_audit_safety_get(const promstat_audit *a, size_t i);

/* OARSI rows (empty without oarsi_pain): timepoint, then stratum. */
size_t promstat_audit_n_oarsi(const promstat_audit *a);
const promstat_audit_oarsi *promstat_audit_oarsi_get(const promstat_audit *a, size_t i);

/*
 * Notes for the analyst the library cannot print itself, e.g. "no MCID is
 * known for KOOS_PAIN; pass --mcid KOOS_PAIN=VALUE" (once per instrument).
 */
size_t promstat_audit_n_notes(const promstat_audit *a);
/* The SHA-256 (64 hex digits) of the audited registry's input bytes. */
const char *promstat_audit_sha256(const promstat_audit *a);
const char *promstat_audit_note(const promstat_audit *a, size_t i);

#ifdef __cplusplus
}
#endif
#endif

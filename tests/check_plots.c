/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Chart emitters and the gnuplot pipe.
 *
 * What is tested:
 *  - safe quoting of user text (the security boundary), formats, palette;
 *  - each chart's script against a golden file in tests/plots/NAME.gp;
 *  - with gnuplot installed ($GNUPLOT, set by make check): every chart
 *    rendered as SVG (must parse as XML), PNG and PDF (magic bytes, a
 *    non-trivial size), with no warning from gnuplot, and as text (dumb)
 *    against tests/plots/NAME.txt when the gnuplot version matches the one
 *    the goldens were drawn with;
 *  - hostile labels (backquotes, system(), quotes, newlines, "EOD", macros,
 *    enhanced-text and XML specials, invalid UTF-8) rendered for real in an
 *    empty folder: afterwards the folder holds only the chart and its
 *    script (nothing ran), and the labels appear in the SVG as text.
 *  - the pipe runner: gnuplot missing (69), gnuplot failing (70, its words
 *    quoted), an unwritable folder (73), the saved script.
 *
 * Fixture numbers are display inputs, not statistics under test: the BCG
 * values are metafor 3.8.1's (tests' reference JSON), the audit values are
 * made up. Weights are 100 w_i / sum w, w_i = 1 / (v_i + tau^2) (random
 * effects weights, metafor's weights()).
 *
 * Run "check_plots --write-goldens DIR" to rewrite the goldens after a
 * deliberate change to a chart, then look at the diff and the PNGs.
 *
 * Exit status: 0 all passed; 77 the script tests passed but gnuplot is not
 * installed, so nothing was rendered; 1 a failure.
 */
#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli.h"
#include "gnuplot.h"
#include "gp.h"
#include "promstat_plots.h"
#include "promstat_plots_mcid.h"

/* ---- fixtures ---- */

static const char *const bcg_labels[13] = {
	"Aronson 1948", "Ferguson & Simes 1949", "Rosenthal et al 1960",
	"Hart & Sutherland 1977", "Frimodt-Moller et al 1973", "Stein & Aronson 1953",
	"Vandiviere et al 1973", "TPT Madras 1980", "Coetzee & Berjak 1968",
	"Rosenthal et al 1961", "Comstock et al 1974", "Comstock & Webster 1969",
	"Comstock et al 1976"};
static const char *const bcg_alloc[13] = {
	"random", "random", "random", "random", "alternate", "alternate", "random",
	"random", "random", "systematic", "systematic", "systematic", "systematic"};
/* metafor: escalc("RR", ai, bi, ci, di, data = dat.bcg) */
static const double bcg_yi[13] = {
	-0.889311333920205, -1.58538865720143, -1.34807314829969, -1.44155119002131,
	-0.217547322211296, -0.786115585818864, -1.62089822359839, 0.0119523335238405,
	-0.469417648738149, -1.37134480347278, -0.339358828338391, 0.445913400571379,
	-0.0173139482168798};
static const double bcg_vi[13] = {
	0.325584765003961, 0.194581121398144, 0.415367965367965, 0.0200100319022476,
	0.0512101721696309, 0.00690561845590876, 0.223017247572315, 0.00396157929781773,
	0.056434210463249, 0.0730247936130289, 0.0124122139715597, 0.532505845200153,
	0.0714046596839863};
#define BCG_TAU2 0.313243258137274
#define Z95 1.959963984540054

/* rma(yi, vi, method = "REML") on dat.bcg, metafor 3.8.1 */
static const promstat_forest_summary bcg_re = {
	"Random-effects model (REML)", -0.714532342158212, -1.06689763881078,
	-0.362167045505642, -1.86669221790439, 0.437627533587968, 0.313243258137274,
	92.2213845212871, 152.233008082373, 12, 1.99676459084597e-26, NAN};

static void bcg_rows(promstat_forest_row rows[13], const char *const *labels, double tau2)
{
	double sum = 0;

	for (int i = 0; i < 13; i++)
		sum += 1 / (bcg_vi[i] + tau2);
	for (int i = 0; i < 13; i++) {
		rows[i].label = labels[i];
		rows[i].estimate = bcg_yi[i];
		rows[i].ci_lb = bcg_yi[i] - Z95 * sqrt(bcg_vi[i]);
		rows[i].ci_ub = bcg_yi[i] + Z95 * sqrt(bcg_vi[i]);
		rows[i].weight_pct = 100 / (bcg_vi[i] + tau2) / sum;
	}
}

static promstat_forest_row forest_rows[13];
static promstat_forest_block forest_blocks[3];
static promstat_forest forest;

static const promstat_forest *fixture_forest_bcg(void)
{
	bcg_rows(forest_rows, bcg_labels, BCG_TAU2);
	memset(forest_blocks, 0, sizeof forest_blocks);
	forest_blocks[0].rows = forest_rows;
	forest_blocks[0].n_rows = 13;
	forest_blocks[0].summary = bcg_re;
	memset(&forest, 0, sizeof forest);
	forest.title = "BCG vaccine and tuberculosis: risk ratio (13 trials, 357,347 participants)";
	forest.effect_name = "RR";
	forest.axis_label = "Risk ratio";
	forest.level = 95;
	forest.log_scale = 1;
	forest.blocks = forest_blocks;
	forest.n_blocks = 1;
	forest.overall.label = NULL;
	forest.mcid_lb = forest.mcid_ub = NAN;
	forest.favours_left = "Favours vaccine";
	forest.favours_right = "Favours control";
	return &forest;
}

/* Subgroups by allocation, rows in the order of the blocks. */
static const promstat_forest *fixture_forest_subgroups(const char *const *labels)
{
	static const char *const groups[3] = {"alternate", "random", "systematic"};
	/* metafor: one rma() per level of alloc */
	static const promstat_forest_summary sums[3] = {
		{"RE model for alternate", -0.540792961849345, -1.09272198152135,
		 0.0111360578226575, -1.44296527466842, 0.361379350969727, 0.132577039878093,
		 82.0225155666642, 5.56251350798385, 1, 0.018349051409957, NAN},
		{"RE model for random", -0.97096470426302, -1.51182872740344, -0.430100681122602,
		 -2.31275979517833, 0.370830386652286, 0.392528006900335, 89.9343157012523,
		 110.213261175188, 6, 1.83920754465706e-21, NAN},
		{"RE model for systematic", -0.424207391510768, -1.12929509069033,
		 0.280880307668798, -1.85076299023976, 1.00234820721822, 0.400345880176012,
		 86.4221195900938, 16.5918635795358, 3, 0.00085732963238795, NAN}};
	promstat_forest_row all[13];
	size_t n = 0;

	bcg_rows(all, labels, BCG_TAU2);
	memset(forest_blocks, 0, sizeof forest_blocks);
	for (int g = 0; g < 3; g++) {
		forest_blocks[g].label = groups[g];
		forest_blocks[g].rows = forest_rows + n;
		for (int i = 0; i < 13; i++)
			if (!strcmp(bcg_alloc[i], groups[g]))
				forest_rows[n++] = all[i];
		forest_blocks[g].n_rows = (size_t)(forest_rows + n - forest_blocks[g].rows);
		forest_blocks[g].summary = sums[g];
	}
	memset(&forest, 0, sizeof forest);
	forest.title = "BCG vaccine by allocation method";
	forest.effect_name = "RR";
	forest.axis_label = "Risk ratio";
	forest.level = 95;
	forest.log_scale = 1;
	forest.blocks = forest_blocks;
	forest.n_blocks = 3;
	forest.overall = bcg_re;
	forest.overall.label = "RE model for all studies";
	/* metafor: rma(yi, vi, mods = ~ factor(alloc)) QM test */
	forest.subgroup_test = "Test for subgroup differences: QM = 1.77, df = 2, p = 0.413";
	/* Risk ratios between 0.8 and 1.25 taken as clinically unimportant. */
	forest.mcid_lb = log(0.8);
	forest.mcid_ub = log(1.25);
	forest.favours_left = "Favours vaccine";
	forest.favours_right = "Favours control";
	return &forest;
}

/*
 * A small PLO example, drawn on the proportion scale. Three studies, xi of
 * ni: 4/20, 9/30, 20/50. escalc("PLO"): yi = log(xi / (ni - xi)), vi =
 * 1/xi + 1/(ni - xi); study CI yi -+ 1.959964 sqrt(vi) (metafor's forest()).
 * Pooled: DerSimonian-Laird by hand (bc -l), w = 1/vi = 3.2, 6.3, 12,
 * sum w = 21.5, common mean = -0.680916, Q = 2.677068,
 * tau^2 = (Q - 2) / (21.5 - sum w^2 / 21.5) = 0.0542523; RE weights
 * 1/(vi + tau^2) give mu = -0.7287359, se = 0.2609085, CI mu -+ 1.959964 se,
 * PI mu -+ 1.959964 sqrt(se^2 + tau^2). Identical in metafor 3.8.1:
 * rma(yi, vi, method = "DL") on escalc("PLO", xi = c(4, 9, 20),
 * ni = c(20, 30, 50)).
 */
static const double plo_xi[3] = {4, 9, 20}, plo_ni[3] = {20, 30, 50};
static const char *const plo_labels[3] = {"Clinic A 2019", "Clinic B 2021", "Clinic C 2023"};
static const promstat_forest_summary plo_re = {
	"Random-effects model (DL)", -0.728735902205123, -1.240107129044344,
	-0.217364675365902, -1.414234556047691, -0.043237248362555, 0.0542522730318543,
	25.291411144857, 2.677068367438, 2, 0.262229767665, NAN};
static promstat_forest_row plo_rows[3];
static promstat_forest_block plo_block;

static const promstat_forest *fixture_forest_plo(void)
{
	for (int i = 0; i < 3; i++) {
		double x = plo_xi[i], n = plo_ni[i], yi = log(x / (n - x));
		double vi = 1 / x + 1 / (n - x);
		plo_rows[i].label = plo_labels[i];
		plo_rows[i].estimate = yi;
		plo_rows[i].ci_lb = yi - Z95 * sqrt(vi);
		plo_rows[i].ci_ub = yi + Z95 * sqrt(vi);
		plo_rows[i].n = NAN;
	}
	/* metafor's weights(): 100 (1/(vi + tau^2)) / sum */
	plo_rows[0].weight_pct = 18.5610944174;
	plo_rows[1].weight_pct = 31.9619017927;
	plo_rows[2].weight_pct = 49.4770037898;
	memset(&plo_block, 0, sizeof plo_block);
	plo_block.rows = plo_rows;
	plo_block.n_rows = 3;
	plo_block.summary = plo_re;
	memset(&forest, 0, sizeof forest);
	forest.title = "Responders at 12 weeks: proportion (k = 3 studies)";
	forest.effect_name = "Proportion";
	forest.axis_label = "Proportion (pooled on the logit scale, back-transformed)";
	forest.level = 95;
	forest.proportion = 1;
	forest.measure = PROMSTAT_MEASURE_PLO;
	forest.blocks = &plo_block;
	forest.n_blocks = 1;
	forest.mcid_lb = -0.5; /* ignored on a proportion axis */
	forest.mcid_ub = 0.5;
	return &forest;
}

static promstat_funnel_point funnel_points[14];
static promstat_funnel funnel;

static const promstat_funnel *fixture_funnel(void)
{
	for (int i = 0; i < 13; i++) {
		funnel_points[i].yi = bcg_yi[i];
		funnel_points[i].sei = sqrt(bcg_vi[i]);
		funnel_points[i].imputed = 0;
	}
	/*
	 * metafor's trimfill() adds k0 = 1 study on the right: the mirror image
	 * of the most extreme left study (Vandiviere, yi = -1.621) about the
	 * trimmed estimate; drawn here about -0.657, illustratively.
	 */
	funnel_points[13].yi = 2 * -0.657082800760365 - bcg_yi[6];
	funnel_points[13].sei = sqrt(bcg_vi[6]);
	funnel_points[13].imputed = 1;
	memset(&funnel, 0, sizeof funnel);
	funnel.axis_label = "Risk ratio";
	funnel.log_scale = 1;
	funnel.points = funnel_points;
	funnel.n_points = 14;
	funnel.pooled = bcg_re.estimate;
	funnel.pooled_filled = -0.657082800760365;
	funnel.contours = 1;
	return &funnel;
}

static const char *const therapies[3] = {"Physiotherapy", "Injection", "Surgery"};
static const char *const age_bands[3] = {"18-44", "45-64", "65+"};
static const char *const timepoints[3] = {"6 weeks", "3 months", "12 months"};
static const promstat_plot_palette palette = {therapies, 3};

static promstat_trajectory_point traj_points[27];
static promstat_trajectory trajectory;

static const promstat_trajectory *fixture_trajectory(const char *const *ther,
						      const char *const *ages,
						      const char *const *tps)
{
	/* Made-up improvements (points on a 0-10 scale), rising then levelling. */
	static const double base[3] = {1.6, 2.4, 3.1}, gain[3] = {0.9, 0.4, 1.2};
	size_t n = 0;

	for (int a = 0; a < 3; a++)
		for (int s = 0; s < 3; s++)
			for (int t = 0; t < 3; t++) {
				promstat_trajectory_point *p = &traj_points[n++];
				double m = base[s] * (t == 0 ? 0.6 : 1) + gain[s] * t * 0.5 -
					   0.3 * a;
				size_t cnt = (size_t)(60 - 12 * t - 8 * a + 5 * s);
				double half = 1.96 * 2.2 / sqrt((double)cnt);
				p->therapy = ther[s];
				p->age_band = ages[a];
				p->timepoint = (size_t)t;
				p->mean = m;
				p->ci_lb = m - half;
				p->ci_ub = m + half;
				p->n = cnt;
			}
	memset(&trajectory, 0, sizeof trajectory);
	trajectory.instrument = "PAIN_NRS";
	trajectory.unit = "points";
	trajectory.timepoints = tps;
	trajectory.n_timepoints = 3;
	trajectory.age_bands = ages;
	trajectory.n_age_bands = 3;
	trajectory.points = traj_points;
	trajectory.n_points = n;
	trajectory.mcid = 2;
	return &trajectory;
}

/*
 * The last age band on 2 or 3 patients, like the demo's "unknown" band:
 * t intervals (t(0.975, 1) = 12.706, t(0.975, 2) = 4.303) run far past the
 * other bands' range and must stop at the axis with an arrow head; the
 * first therapy's first point rests on one patient and has no interval.
 */
static void shrink_last_band(promstat_trajectory *tr)
{
	for (size_t i = 0; i < tr->n_points; i++) {
		promstat_trajectory_point *p = &traj_points[i]; /* tr->points, writable */
		double half;

		if (strcmp(p->age_band, tr->age_bands[2]))
			continue;
		p->n = 2 + p->timepoint % 2;
		half = (p->n == 2 ? 12.706 : 4.303) * 2.2 / sqrt((double)p->n);
		p->ci_lb = p->mean - half;
		p->ci_ub = p->mean + half;
		if (p->timepoint == 0 && !strcmp(p->therapy, therapies[0])) {
			p->n = 1;
			p->ci_lb = p->ci_ub = NAN;
		}
	}
}

static promstat_responders_bar resp_bars[9];
static promstat_responders responders;

static const promstat_responders *fixture_responders(const char *const *ther,
						      const char *const *ages, const char *tp)
{
	/* Made-up counts; rates and Wilson intervals by hand (z = 1.96). */
	static const size_t resp[9] = {30, 22, 41, 25, 15, 33, 12, 6, 18};
	static const size_t tot[9] = {52, 47, 60, 44, 38, 51, 29, 23, 31};
	size_t n = 0;

	for (int a = 0; a < 3; a++)
		for (int s = 0; s < 3; s++, n++) {
			double k = (double)resp[n], m = (double)tot[n], p = k / m, z = 1.96;
			double centre = (p + z * z / (2 * m)) / (1 + z * z / m);
			double half = z / (1 + z * z / m) * sqrt(p * (1 - p) / m + z * z / (4 * m * m));
			resp_bars[n].therapy = ther[s];
			resp_bars[n].age_band = ages[a];
			resp_bars[n].rate = p;
			resp_bars[n].ci_lb = centre - half;
			resp_bars[n].ci_ub = centre + half;
			resp_bars[n].n = tot[n];
		}
	memset(&responders, 0, sizeof responders);
	responders.instrument = "PAIN_NRS";
	responders.timepoint = tp;
	responders.mcid = 2;
	responders.age_bands = ages;
	responders.n_age_bands = 3;
	responders.bars = resp_bars;
	responders.n_bars = n;
	return &responders;
}

static promstat_followup_bar fu_bars[36];
static promstat_followup followup;

/*
 * Made-up counts of units with a baseline and with a follow-up, per
 * instrument (n_instr of them, panel titles instr), timepoint and therapy.
 * The rate is followed-up / with a baseline, as the audit's followup_rate;
 * the second instrument has no unit with a baseline for the third therapy,
 * so those three rates are undefined (NaN) and must not be drawn.
 */
static const promstat_followup *fixture_followup(const char *const *ther, const char *const *tps,
						  const char *const *instr, size_t n_instr)
{
	static const size_t due[9] = {160, 120, 150, 160, 118, 149, 140, 100, 131};
	static const size_t got[9] = {141, 104, 139, 122, 80, 121, 90, 51, 97};
	size_t n = 0;

	for (size_t in = 0; in < n_instr; in++)
		for (int t = 0; t < 3; t++)
			for (int s = 0; s < 3; s++, n++) {
				size_t k = (size_t)(3 * t + s), nb = due[k] - 7 * in;
				fu_bars[n].therapy = ther[s];
				fu_bars[n].instrument = in;
				fu_bars[n].timepoint = (size_t)t;
				if (in == 1 && s == 2) {
					fu_bars[n].n_baseline = 0;
					fu_bars[n].rate = NAN;
				} else {
					fu_bars[n].n_baseline = nb;
					fu_bars[n].rate = (double)(got[k] - 5 * in) / (double)nb;
				}
			}
	memset(&followup, 0, sizeof followup);
	followup.instruments = instr;
	followup.n_instruments = n_instr;
	followup.timepoints = tps;
	followup.n_timepoints = 3;
	followup.bars = fu_bars;
	followup.n_bars = n;
	return &followup;
}

static const char *const instruments[4] = {"PAIN_NRS (Pain numeric rating scale)",
					   "KOOS_PAIN (KOOS pain)", "WOMAC_PAIN", "PAIN_VAS"};

/* Labels written to break out of a gnuplot script, each a different way. */
static const char *const hostile[] = {
	"`touch pwned`",
	"x'; system('touch PWNED'); '",
	"a\nsystem(\"touch PWNED2\")",
	"EOD",
	"@var",
	"\"; system(\"touch PWNED3\"); \"",
	"{/:Bold ^2_x} & <b> ~a \\",
	"tab\there\r\nbad\xff\xfe utf8",
};
#define N_HOSTILE (sizeof hostile / sizeof hostile[0])

/* What each hostile label must read as in the SVG (XML-escaped, controls as spaces). */
static const char *const hostile_svg[] = {
	"`touch pwned`",
	"x'; system('touch PWNED'); '",
	"a system(\"touch PWNED2\")",
	"EOD",
	"@var",
	"\"; system(\"touch PWNED3\"); \"",
	"{/:Bold ^2_x} &amp; &lt;b> ~a \\", /* gnuplot escapes < but not > */
	"tab here  bad?? utf8",
};

static const promstat_forest *fixture_forest_hostile(void)
{
	static const char *labels[13];

	for (int i = 0; i < 13; i++)
		labels[i] = i < (int)N_HOSTILE ? hostile[i] : bcg_labels[i];
	fixture_forest_subgroups(labels);
	/* Headings, summary labels and captions are user text too. */
	forest_blocks[0].label = hostile[0];
	forest_blocks[1].summary.label = hostile[1];
	forest.effect_name = hostile[4];
	forest.subgroup_test = hostile[2];
	forest.favours_left = hostile[5];
	return &forest;
}


/* ---- promstat mcid and durability charts (plots/mcid.c, plots/durability.c) ---- */

/* A ROC curve of 5 points with its Youden point (written by hand: a step
 * curve from (0,0) to (1,1)). */
static const double roc_fpr[5] = {1, 0.5, 0.2, 0.05, 0};
static const double roc_tpr[5] = {1, 0.97, 0.86, 0.4, 0};
static promstat_roc_chart roc_chart;

static const promstat_roc_chart *fixture_roc(const char *title)
{
	memset(&roc_chart, 0, sizeof roc_chart);
	roc_chart.title = title;
	roc_chart.fpr = roc_fpr;
	roc_chart.tpr = roc_tpr;
	roc_chart.n_points = 5;
	roc_chart.best_fpr = 0.2;
	roc_chart.best_tpr = 0.86;
	roc_chart.threshold = 1.5;
	roc_chart.auc = 0.91;
	roc_chart.auc_lb = 0.89;
	roc_chart.auc_ub = 0.93;
	roc_chart.n_cases = 804;
	roc_chart.n_controls = 628;
	return &roc_chart;
}

static const double chg_improved[8] = {2, 2, 3, 3, 3, 4, 5, 7};
static const double chg_stable[6] = {-1, 0, 0, 1, 1, 2};
static const double chg_other[4] = {-4, -3, -2, -2};
static promstat_change_group chg_groups[3];
static promstat_change_line chg_lines[4];
static promstat_change_chart change_chart;

static const promstat_change_chart *fixture_change(const char *const *labels)
{
	static const char *const plain[7] = {"improved (anchor >= 1)", "stable (|anchor| <= 0)",
					     "other", "ROC threshold 1.5", "predictive MIC 1.68",
					     "adjusted MIC 1.6", "PAIN_NRS at day 180"};
	const char *const *l = labels ? labels : plain;

	chg_groups[0] = (promstat_change_group){l[0], chg_improved, 8};
	chg_groups[1] = (promstat_change_group){l[1], chg_stable, 6};
	chg_groups[2] = (promstat_change_group){l[2], chg_other, 4};
	chg_lines[0] = (promstat_change_line){l[3], 1.5};
	chg_lines[1] = (promstat_change_line){l[4], 1.68};
	chg_lines[2] = (promstat_change_line){l[5], 1.6};
	chg_lines[3] = (promstat_change_line){labels ? l[6] : "published MCID 2", 2};
	memset(&change_chart, 0, sizeof change_chart);
	change_chart.title = labels ? l[7] : l[6];
	change_chart.unit = "Improvement (points)";
	change_chart.groups = chg_groups;
	change_chart.n_groups = 3;
	change_chart.lines = chg_lines;
	change_chart.n_lines = 4;
	return &change_chart;
}

/* Kaplan-Meier steps for 3 therapies x 3 age bands: S falls by a tenth of
 * the therapy's index + 1 at each of four visits (made-up numbers). */
static const double dur_ticks[5] = {0, 42, 90, 180, 365};
static double dur_time[9][4], dur_surv[9][4], dur_ctime[9][1], dur_csurv[9][1];
static size_t dur_risk[9][5];
static promstat_durability_curve dur_curves[9];
static promstat_durability_chart durability_chart;

static const promstat_durability_chart *fixture_durability(const char *const *ther,
							   const char *const *bands,
							   const char *title, const char *note)
{
	static const double visit[4] = {90, 180, 365, 400};

	for (int k = 0; k < 9; k++) {
		int th = k / 3;
		double s = 1;

		for (int i = 0; i < 4; i++) {
			s *= 1 - 0.1 * (th + 1);
			dur_time[k][i] = visit[i] + 3 * (k % 3);
			dur_surv[k][i] = s;
		}
		dur_ctime[k][0] = 200 + 10 * k;
		dur_csurv[k][0] = dur_surv[k][1];
		for (int i = 0; i < 5; i++)
			dur_risk[k][i] = (size_t)(100 - 20 * i - 5 * th);
		dur_curves[k] = (promstat_durability_curve){ther[th], bands[k % 3], dur_time[k],
							    dur_surv[k], 4, dur_ctime[k], dur_csurv[k],
							    1, dur_risk[k]};
	}
	memset(&durability_chart, 0, sizeof durability_chart);
	durability_chart.title = title;
	durability_chart.age_bands = bands;
	durability_chart.n_age_bands = 3;
	durability_chart.ticks = dur_ticks;
	durability_chart.n_ticks = 5;
	durability_chart.curves = dur_curves;
	durability_chart.n_curves = 9;
	durability_chart.note = note;
	return &durability_chart;
}

/*
 * Eight providers (labels from names) on two panels. The bands given are
 * those of the limits drawn, by hand: the rate panel has sd = 100 sqrt(.4
 * .6) = 48.99 points, so at n = 25 the limits are 1.96 * 9.80 = 19.2 and
 * 3.09 * 9.80 = 30.3 (+30: beyond 95% only) and at n = 100 they are 9.6
 * and 15.1 (+12: beyond 95%); the mean panel has sd 1.8 and tau^2 0.04,
 * so at n = 40 the limits are 1.96 * 0.348 = 0.68 and 1.08 (-0.9: beyond
 * 95%) and at n = 220 0.46 and 0.72 (+0.5: beyond 95%).
 */
static promstat_provider_point funnel_rate[8], funnel_mean[8];
static promstat_provider_panel funnel_panels[2];
static promstat_provider_funnel provider_funnel;

static const promstat_provider_funnel *fixture_provider_funnel(const char *const *names)
{
	static const double n[8] = {25, 40, 60, 100, 150, 220, 300, 12};
	static const double rate[8] = {30, -5, 2, 12, -1, 3, -4, 0};
	static const double mean[8] = {0.2, -0.9, 0.1, 0.35, -0.2, 0.5, 0.05, 0};
	static const int brate[8] = {1, 0, 0, 1, 0, 0, 0, 0}, bmean[8] = {0, 1, 0, 0, 0, 1, 0, 0};

	for (size_t i = 0; i < 8; i++) {
		funnel_rate[i].label = funnel_mean[i].label = names[i];
		funnel_rate[i].n = funnel_mean[i].n = n[i];
		funnel_rate[i].value = rate[i];
		funnel_mean[i].value = mean[i];
		funnel_rate[i].beyond = brate[i];
		funnel_mean[i].beyond = bmean[i];
	}
	/* the last provider is below --min-n: no value, no point */
	funnel_rate[7].value = funnel_mean[7].value = NAN;
	memset(funnel_panels, 0, sizeof funnel_panels);
	funnel_panels[0].title = "MCID rate: observed - expected";
	funnel_panels[0].ylabel = "Difference (percentage points)";
	funnel_panels[0].sd = 48.98979485566356;
	funnel_panels[0].points = funnel_rate;
	funnel_panels[0].n_points = 8;
	funnel_panels[1].title = "Mean improvement: observed - expected";
	funnel_panels[1].ylabel = "Difference (points)";
	funnel_panels[1].sd = 1.8;
	funnel_panels[1].tau2 = 0.04;
	funnel_panels[1].points = funnel_mean;
	funnel_panels[1].n_points = 8;
	memset(&provider_funnel, 0, sizeof provider_funnel);
	provider_funnel.title = names == hostile ? hostile[0] : "PAIN_NRS at 3 months: providers";
	provider_funnel.note = names == hostile ? hostile[5] : "1 provider with fewer than 10 units";
	provider_funnel.panels = funnel_panels;
	provider_funnel.n_panels = 2;
	return &provider_funnel;
}

/* ---- running charts by name ---- */

enum chart_kind { FOREST, FUNNEL, TRAJECTORY, RESPONDERS, FOLLOWUP, ROC, CHANGE, DURABILITY,
		  PROVIDER_FUNNEL };

struct chart {
	const char *name;
	enum chart_kind kind;
	int hostile;
	int dumb_golden; /* has a text golden */
};

static const struct chart charts[] = {
	{"forest-bcg", FOREST, 0, 1},
	{"forest-subgroups", FOREST, 0, 1},
	{"forest-plo", FOREST, 0, 1},
	{"funnel-bcg", FUNNEL, 0, 1},
	{"trajectory", TRAJECTORY, 0, 1},
	{"trajectory-small-n", TRAJECTORY, 0, 1},
	{"responders", RESPONDERS, 0, 1},
	{"followup", FOLLOWUP, 0, 1},
	{"followup-grid", FOLLOWUP, 0, 1},
	{"forest-hostile", FOREST, 1, 0},
	{"trajectory-hostile", TRAJECTORY, 1, 0},
	{"responders-hostile", RESPONDERS, 1, 0},
	{"followup-hostile", FOLLOWUP, 1, 0},
	{"mcid-roc", ROC, 0, 1},
	{"mcid-change", CHANGE, 0, 1},
	{"durability", DURABILITY, 0, 1},
	{"mcid-change-hostile", CHANGE, 1, 0},
	{"durability-hostile", DURABILITY, 1, 0},
	{"provider-funnel", PROVIDER_FUNNEL, 0, 1},
	{"provider-funnel-hostile", PROVIDER_FUNNEL, 1, 0},
};
#define N_CHARTS (sizeof charts / sizeof charts[0])

static int emit(const struct chart *c, FILE *out, const promstat_plot_target *t,
		promstat_error *err)
{
	const char *const *ther = c->hostile ? hostile : therapies;
	const char *const *ages = c->hostile ? hostile + 3 : age_bands;
	const char *const *tps = c->hostile ? hostile + 5 : timepoints;
	promstat_plot_palette pal = {ther, 3};

	switch (c->kind) {
	case FOREST:
		if (c->hostile)
			return promstat_plot_forest_write(out, fixture_forest_hostile(), t, err);
		if (!strcmp(c->name, "forest-bcg"))
			return promstat_plot_forest_write(out, fixture_forest_bcg(), t, err);
		if (!strcmp(c->name, "forest-plo"))
			return promstat_plot_forest_write(out, fixture_forest_plo(), t, err);
		return promstat_plot_forest_write(out, fixture_forest_subgroups(bcg_labels), t, err);
	case FUNNEL:
		return promstat_plot_funnel_write(out, fixture_funnel(), t, err);
	case TRAJECTORY: {
		promstat_trajectory *tr = (promstat_trajectory *)fixture_trajectory(ther, ages, tps);
		if (c->hostile) {
			tr->instrument = hostile[6];
			tr->unit = hostile[7];
		}
		if (!strcmp(c->name, "trajectory-small-n"))
			shrink_last_band(tr);
		return promstat_plot_trajectory_write(out, tr, &pal, t, err);
	}
	case RESPONDERS:
		return promstat_plot_responders_write(
			out, fixture_responders(ther, ages, c->hostile ? hostile[1] : "3 months"), &pal,
			t, err);
	case PROVIDER_FUNNEL: {
		static const char *const names[8] = {"dr01", "dr02", "dr03", "dr04",
						     "dr05", "dr06", "dr07", "tiny"};
		return promstat_plot_provider_funnel_write(
			out, fixture_provider_funnel(c->hostile ? hostile : names), t, err);
	}
	case FOLLOWUP:
		/* Hostile instrument names are panel titles, so user text too. */
		return promstat_plot_followup_write(
			out,
			fixture_followup(ther, tps, c->hostile ? hostile + 3 : instruments,
					 !strcmp(c->name, "followup-grid") ? 4 : 2),
			&pal, t, err);
	case ROC:
		return promstat_plot_roc_write(out, fixture_roc(c->hostile ? hostile[1]
									   : "PAIN_NRS at day 180"),
					       t, err);
	case CHANGE:
		return promstat_plot_change_write(out, fixture_change(c->hostile ? hostile : NULL), t,
						  err);
	case DURABILITY:
		/* therapies, bands, title and the note under the chart are user text */
		return promstat_plot_durability_write(
			out,
			/* the note's lines are split at '\n': the hostile note has none */
			fixture_durability(ther, ages, c->hostile ? hostile[7] : "PAIN_NRS: durability",
					   c->hostile ? hostile[6] : "Loss is only seen at visits.\nA second line."),
			&pal, t, err);
	}
	return PROMSTAT_EINTERNAL;
}

/* The chart's script as a malloc'd string. */
static char *script_of(const struct chart *c, const promstat_plot_target *t)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	promstat_error err;
	int rc;

	ck_assert_ptr_nonnull(f);
	promstat_error_clear(&err);
	rc = emit(c, f, t, &err);
	fclose(f);
	ck_assert_msg(rc == PROMSTAT_OK, "%s: %s", c->name, err.message);
	return text;
}

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t cap = 0, n = 0;

	if (!f)
		return NULL;
	for (;;) {
		if (n + 4096 + 1 > cap) {
			cap = 2 * cap + 8192;
			buf = realloc(buf, cap);
			if (!buf)
				abort();
		}
		size_t got = fread(buf + n, 1, 4096, f);
		n += got;
		if (got == 0)
			break;
	}
	fclose(f);
	buf[n] = '\0';
	if (len)
		*len = n;
	return buf;
}

static int write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "wb");

	if (!f)
		return -1;
	fputs(text, f);
	return fclose(f);
}

static const char *srcdir(void)
{
	const char *s = getenv("top_srcdir");

	return s && *s ? s : PROMSTAT_SRCDIR;
}

static const char *gnuplot(void)
{
	const char *g = getenv("GNUPLOT");

	return g && *g && access(g, X_OK) == 0 ? g : NULL;
}

/*
 * Runs gnuplot on script (a file name relative to dir) inside dir, its
 * standard output into out_name and standard error into err_name there.
 * Returns gnuplot's exit status, or -1.
 */
static int run_gnuplot(const char *dir, const char *script, const char *out_name,
		       const char *err_name)
{
	pid_t pid = fork();
	int status;

	if (pid < 0)
		return -1;
	if (pid == 0) {
		if (chdir(dir) != 0 || !freopen(out_name, "w", stdout) ||
		    !freopen(err_name, "w", stderr))
			_exit(126);
		execl(gnuplot(), "gnuplot", script, (char *)NULL);
		_exit(127);
	}
	if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

static char *make_tmpdir(void)
{
	const char *t = getenv("TMPDIR");
	char *dir = malloc(4096);

	snprintf(dir, 4096, "%s/promstat-plots-XXXXXX", t && *t ? t : "/tmp");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	return dir;
}

static void remove_tree(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char path[4200];

	if (!d)
		return;
	while ((e = readdir(d)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) {
			snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
			unlink(path);
		}
	closedir(d);
	rmdir(dir);
}

/* Names in dir other than those listed, as one string for a message ("" = none). */
static void unexpected_files(const char *dir, const char *const *expected, size_t n, char *buf,
			     size_t size)
{
	DIR *d = opendir(dir);
	struct dirent *e;

	buf[0] = '\0';
	if (!d)
		return;
	while ((e = readdir(d))) {
		int ok = !strcmp(e->d_name, ".") || !strcmp(e->d_name, "..");
		for (size_t i = 0; i < n && !ok; i++)
			ok = !strcmp(e->d_name, expected[i]);
		if (!ok) {
			strncat(buf, e->d_name, size - strlen(buf) - 2);
			strncat(buf, " ", size - strlen(buf) - 1);
		}
	}
	closedir(d);
}

static int xmllint_ok(const char *path)
{
	char cmd[4300];

	/* Debian's libxml2-utils; without it, the well-formedness check is skipped. */
	if (system("command -v xmllint >/dev/null 2>&1") != 0)
		return 1;
	snprintf(cmd, sizeof cmd, "xmllint --noout '%s'", path);
	return system(cmd) == 0;
}

/*
 * Renders chart c in format fmt into a fresh folder and checks the result.
 * Returns the folder (caller removes it) so callers can look further.
 */
static char *render(const struct chart *c, enum promstat_plot_format fmt)
{
	static const char *const ext[] = {"svg", "png", "pdf", "txt"};
	char *dir = make_tmpdir(), outname[64], path[4200], *script, *log;
	promstat_plot_target t;
	size_t len = 0;
	int rc;

	snprintf(outname, sizeof outname, "chart.%s", ext[fmt]);
	t.format = fmt;
	t.path = fmt == PROMSTAT_PLOT_DUMB ? NULL : outname;
	script = script_of(c, &t);
	snprintf(path, sizeof path, "%s/chart.gp", dir);
	ck_assert_int_eq(write_file(path, script), 0);
	free(script);

	rc = run_gnuplot(dir, "chart.gp", fmt == PROMSTAT_PLOT_DUMB ? "chart.txt" : "stdout.txt",
			 "stderr.txt");
	snprintf(path, sizeof path, "%s/stderr.txt", dir);
	log = slurp(path, NULL);
	ck_assert_msg(rc == 0, "%s (%s): gnuplot exited %d: %s", c->name, ext[fmt], rc,
		      log ? log : "");
	/* A warning means the script asked for something odd: treat it as a defect. */
	ck_assert_msg(log && !log[0], "%s (%s): gnuplot warned: %s", c->name, ext[fmt], log);
	free(log);

	snprintf(path, sizeof path, "%s/%s", dir, outname);
	char *data = slurp(path, &len);
	ck_assert_msg(data != NULL, "%s: no %s written", c->name, outname);
	switch (fmt) {
	case PROMSTAT_PLOT_SVG:
		ck_assert_msg(len > 2000, "%s: SVG is only %zu bytes", c->name, len);
		ck_assert_msg(strstr(data, "<svg") && strstr(data, "</svg>"), "%s: not an SVG",
			      c->name);
		ck_assert_msg(xmllint_ok(path), "%s: SVG is not well-formed XML", c->name);
		break;
	case PROMSTAT_PLOT_PNG:
		ck_assert_msg(len > 5000, "%s: PNG is only %zu bytes", c->name, len);
		ck_assert_msg(!memcmp(data, "\x89PNG\r\n\x1a\n", 8), "%s: not a PNG", c->name);
		break;
	case PROMSTAT_PLOT_PDF:
		ck_assert_msg(len > 2000, "%s: PDF is only %zu bytes", c->name, len);
		ck_assert_msg(!memcmp(data, "%PDF-", 5), "%s: not a PDF", c->name);
		break;
	case PROMSTAT_PLOT_DUMB:
		ck_assert_msg(len > 500, "%s: text chart is only %zu bytes", c->name, len);
		break;
	}
	free(data);
	return dir;
}

/* ---- unit tests: quoting, formats, palette ---- */

static char *quoted(const char *s, size_t max)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	ps_gp_quote(f, s, max);
	fclose(f);
	return text;
}

#define CK_QUOTE(in, max, want)                                                                 \
	do {                                                                                    \
		char *q_ = quoted(in, max);                                                      \
		ck_assert_str_eq(q_, want);                                                     \
		free(q_);                                                                       \
	} while (0)

START_TEST(quote_plain_and_quotes)
{
	CK_QUOTE("Aronson 1948", 0, "'Aronson 1948'");
	CK_QUOTE("it's", 0, "'it''s'");
	/* gnuplot 5.4 reads a leading '' as an empty string (issue 10, item 5) */
	CK_QUOTE("''", 0, "\"\\047\".\"\\047\"");
	CK_QUOTE(NULL, 0, "''");
	CK_QUOTE("", 0, "''");
	/* Backquotes and backslashes are inert inside single quotes: kept as text. */
	CK_QUOTE("`id` \\n $x @m", 0, "'`id` \\n $x @m'");
}
END_TEST

START_TEST(quote_controls_and_utf8)
{
	CK_QUOTE("a\nb\rc\td\x7f" "e", 0, "'a b c d e'");
	CK_QUOTE("x\xc2\x85y", 0, "'x y'");		 /* NEL, a C1 control */
	CK_QUOTE("caf\xc3\xa9 \xcf\x84\xc2\xb2", 0, "'caf\xc3\xa9 \xcf\x84\xc2\xb2'");
	CK_QUOTE("bad\xff\xfe", 0, "'bad?\?'");
	CK_QUOTE("\xc0\xaf", 0, "'?\?'");		 /* overlong "/" */
	CK_QUOTE("\xed\xa0\x80", 0, "'?\?\?'");		 /* a surrogate */
	CK_QUOTE("\xef\xbf\xbf", 0, "'?\?\?'");		 /* U+FFFF, not XML */
	CK_QUOTE("\xe2\x82", 0, "'?\?'");		 /* cut short */
	CK_QUOTE("\xf0\x9f\x98\x80", 0, "'\xf0\x9f\x98\x80'");
}
END_TEST

START_TEST(quote_truncates)
{
	CK_QUOTE("abcdefghij", 5, "'abcd\xe2\x80\xa6'");
	CK_QUOTE("abcde", 5, "'abcde'");
	CK_QUOTE("\xc3\xa9\xc3\xa9\xc3\xa9", 2, "'\xc3\xa9\xe2\x80\xa6'");
	/* A doubled quote is one character and never split. */
	CK_QUOTE("ab'cdef", 4, "'ab''\xe2\x80\xa6'");
}
END_TEST

/*
 * Issue 10, item 5: a label that starts with an apostrophe ('t Hooft 2001)
 * broke every chart, because gnuplot 5.4 reads a leading '' as an empty
 * string. Each label here is quoted, printed back by gnuplot itself and
 * must come out as the same text: apostrophes anywhere and in runs,
 * backslashes at either end, @ macros, backquotes and the characters
 * enhanced text would interpret.
 */
static const char *const apostrophe_labels[] = {
	"'t Hooft 2001", "'t Hart PRP", "'", "''", "'''", "a''b", "a'''b", "x'", "'a'", "'\\",
	"\\", "a\\", "\\'", "x\\'", "'@x'", "@x", "@", "`echo hi`", "'`id`'", "O'Brien's 'quote'",
	"{/:Bold a}^2_x&~{}", "%s %d", "\"dq\" 'sq'", "caf\xc3\xa9 'l\xc3\xa9'",
	"'#not a comment", "'@GPVAL_PWD", "\"'@x", "'\"@x\"'",
};

START_TEST(quote_apostrophe_labels_read_back)
{
	char *dir, path[4200], *text = NULL, *said;
	size_t len = 0, i, n = sizeof apostrophe_labels / sizeof *apostrophe_labels;
	FILE *f;

	/* The quoting itself: a leading apostrophe is a separate "\047" string. */
	CK_QUOTE("'t Hooft 2001", 0, "\"\\047\".'t Hooft 2001'");
	CK_QUOTE("a''b", 0, "'a'''.\"\\047\".'b'");
	CK_QUOTE("'", 0, "\"\\047\"");
	CK_QUOTE("'@x", 0, "\"\\047\".'@x'");
	if (!gnuplot())
		return;
	dir = make_tmpdir();
	f = open_memstream(&text, &len);
	fputs("set print 'labels.txt'\n", f);
	for (i = 0; i < n; i++) {
		fputs("print ", f);
		ps_gp_quote(f, apostrophe_labels[i], 0);
		/* and in the places charts use: a label, a title, a tic, a key */
		fputs("\nset label 1 ", f);
		ps_gp_quote(f, apostrophe_labels[i], 0);
		fputs(" at 0,0\nset title ", f);
		ps_gp_quote(f, apostrophe_labels[i], 0);
		fputs("\nset xtics (", f);
		ps_gp_quote(f, apostrophe_labels[i], 0);
		fputs(" 0)\n", f);
	}
	fputs("set terminal dumb\nset output 'chart.txt'\nplot x title ", f);
	ps_gp_quote(f, apostrophe_labels[0], 0);
	fputs("\n", f);
	fclose(f);
	snprintf(path, sizeof path, "%s/chart.gp", dir);
	ck_assert_int_eq(write_file(path, text), 0);
	ck_assert_msg(run_gnuplot(dir, "chart.gp", "out.txt", "err.txt") == 0,
		      "gnuplot refused the quoted labels:\n%s", text);
	snprintf(path, sizeof path, "%s/labels.txt", dir);
	said = slurp(path, NULL);
	ck_assert_ptr_nonnull(said);
	{
		const char *p = said;
		for (i = 0; i < n; i++) {
			size_t k = strlen(apostrophe_labels[i]);
			ck_assert_msg(!strncmp(p, apostrophe_labels[i], k) && p[k] == '\n',
				      "label %zu (%s) read back as %.*s", i, apostrophe_labels[i],
				      (int)strcspn(p, "\n"), p);
			p += k + 1;
		}
		ck_assert_str_eq(p, "");
	}
	snprintf(path, sizeof path, "%s/chart.txt", dir);
	free(text);
	text = slurp(path, NULL);
	ck_assert_ptr_nonnull(strstr(text, "'t Hooft 2001"));
	free(text);
	free(said);
	remove_tree(dir);
	free(dir);
}
END_TEST

START_TEST(formats)
{
	enum promstat_plot_format f;
	promstat_error err;

	ck_assert_int_eq(promstat_plot_format_from_path("a/b.svg", &f, &err), PROMSTAT_OK);
	ck_assert_int_eq(f, PROMSTAT_PLOT_SVG);
	ck_assert_int_eq(promstat_plot_format_from_path("B.PNG", &f, &err), PROMSTAT_OK);
	ck_assert_int_eq(f, PROMSTAT_PLOT_PNG);
	ck_assert_int_eq(promstat_plot_format_from_path("x.pdf", &f, &err), PROMSTAT_OK);
	ck_assert_int_eq(f, PROMSTAT_PLOT_PDF);
	ck_assert_int_eq(promstat_plot_format_from_path("x.txt", &f, &err), PROMSTAT_OK);
	ck_assert_int_eq(f, PROMSTAT_PLOT_DUMB);
	ck_assert_int_eq(promstat_plot_format_from_path("forest", &f, &err), PROMSTAT_OK);
	ck_assert_int_eq(f, PROMSTAT_PLOT_SVG);
	ck_assert_int_eq(promstat_plot_format_from_path("dir.v2/forest", &f, &err), PROMSTAT_OK);
	ck_assert_int_eq(f, PROMSTAT_PLOT_SVG);
	ck_assert_int_eq(promstat_plot_format_from_path("x.jpg", &f, &err), PROMSTAT_EINVAL);
	ck_assert_ptr_nonnull(strstr(err.message, ".svg, .png, .pdf"));
	ck_assert_int_eq(promstat_plot_format_parse("dumb", &f), 0);
	ck_assert_int_eq(f, PROMSTAT_PLOT_DUMB);
	ck_assert_int_eq(promstat_plot_format_parse("SVG", &f), -1);
	ck_assert_str_eq(promstat_plot_format_name(PROMSTAT_PLOT_PDF), "pdf");
}
END_TEST

START_TEST(palette_is_fixed_per_therapy)
{
	const char *order[9] = {"a", "b", "c", "d", "e", "f", "g", "h", "i"};
	promstat_plot_palette pal = {order, 9};

	ck_assert_str_eq(promstat_plot_palette_colour(&pal, "a"), "#0072B2");
	ck_assert_str_eq(promstat_plot_palette_colour(&pal, "b"), "#E69F00");
	ck_assert_str_eq(promstat_plot_palette_colour(&pal, "i"), "#0072B2"); /* cycles */
	ck_assert_str_eq(promstat_plot_palette_colour(&pal, "zz"), "#999999");
	ck_assert_str_eq(promstat_plot_palette_colour(NULL, "a"), "#999999");
}
END_TEST

START_TEST(therapy_order_follows_palette)
{
	const char *names[5] = {"Surgery", NULL, "Other", "Physiotherapy", "Surgery"};
	size_t n;
	const char **got = ps_gp_therapies(&palette, names, 5, &n);

	ck_assert_uint_eq(n, 3);
	ck_assert_str_eq(got[0], "Physiotherapy");
	ck_assert_str_eq(got[1], "Surgery");
	ck_assert_str_eq(got[2], "Other");
	free(got);
}
END_TEST

START_TEST(ratio_ticks)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	/* RR 0.15 to 2.2: powers of two read best. */
	ps_gp_ratio_tics(f, "x", log(0.15), log(2.2));
	fclose(f);
	ck_assert_msg(strstr(text, "'0.25' ") && strstr(text, "'1' 0") && strstr(text, "'2' "),
		      "%s", text);
	free(text);
}
END_TEST

START_TEST(path_with_control_rejected)
{
	promstat_plot_target t = {PROMSTAT_PLOT_SVG, "a\nb.svg"};
	promstat_error err;
	FILE *f = fopen("/dev/null", "w");

	ck_assert_int_eq(promstat_plot_forest_write(f, fixture_forest_bcg(), &t, &err),
			 PROMSTAT_EINVAL);
	t.path = NULL;
	ck_assert_int_eq(promstat_plot_forest_write(f, fixture_forest_bcg(), &t, &err),
			 PROMSTAT_EINVAL);
	ck_assert_int_eq(promstat_plot_forest_write(f, NULL, &t, &err), PROMSTAT_EINVAL);
	fclose(f);
}
END_TEST

START_TEST(empty_charts_still_draw)
{
	promstat_forest fo = {0};
	promstat_funnel fn = {0};
	promstat_trajectory tr = {0};
	promstat_responders re = {0};
	promstat_followup fu = {0};
	promstat_plot_target t = {PROMSTAT_PLOT_SVG, "x.svg"};
	promstat_error err;
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	fo.mcid_lb = fo.mcid_ub = NAN;
	fn.pooled = fn.pooled_filled = NAN;
	tr.mcid = NAN;
	ck_assert_int_eq(promstat_plot_forest_write(f, &fo, &t, &err), PROMSTAT_OK);
	ck_assert_int_eq(promstat_plot_funnel_write(f, &fn, &t, &err), PROMSTAT_OK);
	ck_assert_int_eq(promstat_plot_trajectory_write(f, &tr, NULL, &t, &err), PROMSTAT_OK);
	ck_assert_int_eq(promstat_plot_responders_write(f, &re, NULL, &t, &err), PROMSTAT_OK);
	ck_assert_int_eq(promstat_plot_followup_write(f, &fu, NULL, &t, &err), PROMSTAT_OK);
	fclose(f);
	ck_assert_ptr_nonnull(strstr(text, "No studies to draw"));
	ck_assert_ptr_nonnull(strstr(text, "No follow-up to draw"));
	if (gnuplot()) {
		char *dir = make_tmpdir(), path[4200];
		snprintf(path, sizeof path, "%s/chart.gp", dir);
		ck_assert_int_eq(write_file(path, text), 0);
		ck_assert_int_eq(run_gnuplot(dir, "chart.gp", "out.txt", "err.txt"), 0);
		remove_tree(dir);
		free(dir);
	}
	free(text);
}
END_TEST

START_TEST(trajectory_small_n_whiskers_stop_at_the_axis)
{
	const struct chart small = {"trajectory-small-n", TRAJECTORY, 0, 0};
	const struct chart plain = {"trajectory", TRAJECTORY, 0, 0};
	promstat_plot_target t = {PROMSTAT_PLOT_SVG, "x.svg"};
	char *with = script_of(&small, &t), *without = script_of(&plain, &t);

	/* The arrows are explained in the key, and only where there are some. */
	ck_assert_ptr_nonnull(strstr(with, "title 'CI beyond the axis (n < 10)'"));
	ck_assert_ptr_nonnull(strstr(with, "with vectors head filled"));
	/* Each cut interval is kept whole in the script, as a comment. */
	ck_assert_ptr_nonnull(strstr(with, "# CI "));
	ck_assert_ptr_null(strstr(without, "beyond the axis"));
	ck_assert_ptr_null(strstr(without, "with vectors"));
	free(with);
	free(without);
}
END_TEST

/* The numbers of the datablock that starts with header ("$studies << EOD\n"). */
static size_t datablock(const char *script, const char *header, double rows[][5], size_t max,
			int cols)
{
	const char *p = strstr(script, header);
	size_t n = 0;

	ck_assert_msg(p != NULL, "no %s", header);
	p += strlen(header);
	while (strncmp(p, "EOD\n", 4) && n < max) {
		int got = cols == 5 ? sscanf(p, "%lf %lf %lf %lf %lf", &rows[n][0], &rows[n][1],
					     &rows[n][2], &rows[n][3], &rows[n][4])
				    : sscanf(p, "%lf %lf %lf", &rows[n][0], &rows[n][1], &rows[n][2]);
		ck_assert_int_eq(got, cols);
		n++;
		p = strchr(p, '\n');
		ck_assert_ptr_nonnull(p);
		p++;
	}
	return n;
}

/* The script prints 10 significant digits. */
#define CK_NEAR(got, want) ck_assert_double_eq_tol(got, want, 1e-9)

START_TEST(forest_plo_back_transformed)
{
	const struct chart c = {"forest-plo", FOREST, 0, 0};
	promstat_plot_target t = {PROMSTAT_PLOT_SVG, "x.svg"};
	char *script = script_of(&c, &t);
	double st[4][5], pr[2][5], lo, hi, d[5];
	const char *p;
	/*
	 * Expected, by hand with ilogit(x) = 1 / (1 + exp(-x)) (bc -l; metafor's
	 * transf.ilogit is plogis, the same function):
	 *   estimates: ilogit(log(x / (n - x))) = x / n = 0.2, 0.3, 0.4;
	 *   A: ilogit(log(4/16) -+ 1.959964 sqrt(1/4 + 1/16))
	 *      = ilogit(-2.481947), ilogit(-0.290641) = 0.0771334547, 0.4278469015
	 *   B: ilogit(log(9/21) -+ 1.959964 sqrt(1/9 + 1/21))
	 *      = ilogit(-1.627177), ilogit(-0.067419) = 0.1640817279, 0.4833987250
	 *   C: ilogit(log(20/30) -+ 1.959964 sqrt(1/20 + 1/30))
	 *      = ilogit(-0.971256), ilogit(0.160326) = 0.2746298321, 0.5399963010
	 *   pooled: ilogit(-0.7287359) = 0.3254721863,
	 *      CI ilogit(-1.2401071), ilogit(-0.2173647) = 0.2244173389, 0.4458717817,
	 *      PI ilogit(-1.4142346), ilogit(-0.0432372) = 0.1955670147, 0.4891923716
	 * (metafor: predict(res, transf = transf.ilogit) gives the same to 12 digits).
	 */
	static const double want[3][3] = {{0.2, 0.0771334546771, 0.427846901518},
					  {0.3, 0.164081727927, 0.483398725041},
					  {0.4, 0.274629832101, 0.539996301037}};

	ck_assert_uint_eq(datablock(script, "$studies << EOD\n", st, 4, 5), 3);
	for (int i = 0; i < 3; i++) {
		CK_NEAR(st[i][0], want[i][0]); /* the square */
		CK_NEAR(st[i][3], want[i][1]); /* the whisker */
		CK_NEAR(st[i][4], want[i][2]);
	}
	ck_assert_uint_eq(datablock(script, "$predictions << EOD\n", pr, 2, 3), 1);
	CK_NEAR(pr[0][0], 0.195567014735);
	CK_NEAR(pr[0][2], 0.489192371559);
	/* The diamond: lower, estimate, upper. */
	p = strstr(script, "set object polygon from ");
	ck_assert_ptr_nonnull(p);
	ck_assert_int_eq(sscanf(p, "set object polygon from %lf,%lf to %lf,%lf to %lf,%lf", &d[0],
				&d[4], &d[1], &d[4], &d[2], &d[4]),
			 6);
	CK_NEAR(d[0], 0.224417338921);
	CK_NEAR(d[1], 0.325472186251);
	CK_NEAR(d[2], 0.445871781667);
	/* The text columns say the same, rounded. */
	ck_assert_ptr_nonnull(strstr(script, "'0.20 [0.08, 0.43]'"));
	ck_assert_ptr_nonnull(strstr(script, "'0.33 [0.22, 0.45]'"));
	ck_assert_ptr_nonnull(strstr(script, "'Proportion [95% CI]'"));
	ck_assert_ptr_nonnull(
		strstr(script, "set xlabel 'Proportion (pooled on the logit scale, back-transformed)'"));
	/* A linear axis inside [0, 1]; no line of no effect, no MCID band. */
	p = strstr(script, "set xrange [");
	ck_assert_ptr_nonnull(p);
	ck_assert_int_eq(sscanf(p, "set xrange [%lf:%lf]", &lo, &hi), 2);
	ck_assert(lo >= 0 && lo < 0.0771334546771 && hi <= 1 && hi > 0.539996301037);
	ck_assert_ptr_null(strstr(script, "set arrow from first 0"));
	ck_assert_ptr_null(strstr(script, "set object rectangle"));
	ck_assert_ptr_null(strstr(script, "log scale"));
	free(script);
}
END_TEST

/*
 * PFT: a study row is inverted at its own n, a pooled value at its n (the
 * harmonic mean). Study 16/17 (Giannotta et al. in dat.pritz1997): yi =
 * (asin(sqrt(16/18)) + asin(sqrt(17/18))) / 2; Miller's inverse at n = 17
 * gives back 16/17 = 0.9411764706 exactly. A row without n uses its
 * block's summary n: metafor 3.8.1 transf.ipft(yi, 12.58754) = 0.947989662364.
 */
START_TEST(forest_pft_study_n)
{
	double yi = (asin(sqrt(16.0 / 18)) + asin(sqrt(17.0 / 18))) / 2, st[2][5];
	promstat_forest_row rows[2] = {{"own n", yi, yi, yi, NAN, 17},
				       {"no n", yi, yi, yi, NAN, NAN}};
	promstat_forest_block blk;
	promstat_forest f;
	promstat_plot_target t = {PROMSTAT_PLOT_SVG, "x.svg"};
	promstat_error err;
	char *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);

	memset(&blk, 0, sizeof blk);
	memset(&f, 0, sizeof f);
	blk.rows = rows;
	blk.n_rows = 2;
	blk.summary.label = "Pooled";
	blk.summary.estimate = blk.summary.ci_lb = blk.summary.ci_ub = yi;
	blk.summary.pi_lb = blk.summary.pi_ub = NAN;
	blk.summary.tau2 = blk.summary.i2_pct = blk.summary.q = NAN;
	blk.summary.n = 12.58754;
	f.blocks = &blk;
	f.n_blocks = 1;
	f.proportion = 1;
	f.measure = PROMSTAT_MEASURE_PFT;
	f.mcid_lb = f.mcid_ub = NAN;
	ck_assert_int_eq(promstat_plot_forest_write(out, &f, &t, &err), PROMSTAT_OK);
	fclose(out);
	ck_assert_uint_eq(datablock(text, "$studies << EOD\n", st, 2, 5), 2);
	CK_NEAR(st[0][0], 16.0 / 17);
	CK_NEAR(st[1][0], 0.947989662364);
	free(text);
}
END_TEST

/*
 * Every instrument gets a panel, the denominator is named, and an undefined
 * rate (no unit with a baseline) is left out and said to be, never drawn
 * as 0%.
 */
START_TEST(followup_every_instrument_and_undefined_rates)
{
	const struct chart two = {"followup", FOLLOWUP, 0, 0};
	const struct chart four = {"followup-grid", FOLLOWUP, 0, 0};
	promstat_plot_target t = {PROMSTAT_PLOT_SVG, "x.svg"};
	char *s2 = script_of(&two, &t), *s4 = script_of(&four, &t);

	for (size_t i = 0; i < 4; i++) {
		char want[128];
		snprintf(want, sizeof want, "set title '%s'", instruments[i]);
		ck_assert_msg(i >= 2 || strstr(s2, want), "panel %zu missing: %s", i, want);
		ck_assert_msg(strstr(s4, want) != NULL, "grid panel %zu missing: %s", i, want);
	}
	ck_assert_ptr_nonnull(strstr(s2, "'Followed up (% of units with a baseline)'"));
	ck_assert_ptr_nonnull(strstr(s2, "as a share of units with a baseline (n under each bar)"));
	/* Three undefined rates: the slots keep "n=0" and the note counts them. */
	ck_assert_ptr_nonnull(strstr(s2, "'3 bars left out: no unit with a baseline (n=0)"));
	ck_assert_ptr_nonnull(strstr(s2, "set label 'n=0'"));
	/* Two panels side by side (1120 px); four in a 2 x 2 grid (1120 x 1102). */
	ck_assert_ptr_nonnull(strstr(s2, "size 1120,622 "));
	ck_assert_ptr_nonnull(strstr(s4, "size 1120,1102 "));
	/*
	 * The third therapy's datablock ($s2) holds the first panel's three
	 * bars and none of the second's: no row for an undefined rate, so no
	 * bar at 0 (rates from the fixture: 139/150, 121/149, 97/131).
	 */
	{
		const char *p = s2;
		size_t blocks = 0;
		while ((p = strstr(p, "$s2 << EOD\n")) != NULL) {
			const char *end = strstr(p, "EOD\nplot");
			size_t rows = 0;
			ck_assert_ptr_nonnull(end);
			for (const char *q = strchr(p, '\n') + 1; q < end; q = strchr(q, '\n') + 1) {
				if (!strncmp(q, "EOD\n", 4))
					break;
				rows++;
			}
			ck_assert_uint_eq(rows, blocks == 0 ? 3 : 0);
			blocks++;
			p = end;
		}
		ck_assert_uint_eq(blocks, 2);
	}
	ck_assert_ptr_nonnull(strstr(s2, "92.66666667 92.66666667 92.66666667"));
	free(s2);
	free(s4);
}
END_TEST

/* A chart whose every rate is undefined still draws (gnuplot 5.4 keyentry assertion). */
START_TEST(all_undefined_rates_still_render)
{
	promstat_followup_bar fb[2] = {{"Physiotherapy", 0, 0, 0, NAN}, {"Injection", 0, 1, 0, NAN}};
	promstat_followup fu = {NULL, NULL, 0, timepoints, 2, fb, 2};
	promstat_responders_bar rb[1] = {{"Physiotherapy", "18-44", NAN, NAN, NAN, 0}};
	promstat_responders re = {NULL, "PAIN_NRS", "3 months", 2, age_bands, 1, rb, 1, NULL};
	promstat_plot_target t = {PROMSTAT_PLOT_SVG, "x.svg"};
	promstat_error err;
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	ck_assert_int_eq(promstat_plot_followup_write(f, &fu, &palette, &t, &err), PROMSTAT_OK);
	ck_assert_int_eq(promstat_plot_responders_write(f, &re, &palette, &t, &err), PROMSTAT_OK);
	fclose(f);
	ck_assert_ptr_nonnull(strstr(text, "'2 bars left out: "));
	if (gnuplot()) {
		char *dir = make_tmpdir(), path[4200], *log;
		snprintf(path, sizeof path, "%s/chart.gp", dir);
		ck_assert_int_eq(write_file(path, text), 0);
		ck_assert_int_eq(run_gnuplot(dir, "chart.gp", "out.txt", "err.txt"), 0);
		snprintf(path, sizeof path, "%s/err.txt", dir);
		log = slurp(path, NULL);
		ck_assert_msg(log && !log[0], "gnuplot said: %s", log ? log : "");
		free(log);
		remove_tree(dir);
		free(dir);
	}
	free(text);
}
END_TEST

/* ---- goldens ---- */

START_TEST(golden_scripts)
{
	const struct chart *c = &charts[_i];
	char golden[4200], outname[64];
	promstat_plot_target t;
	char *script, *want;

	snprintf(outname, sizeof outname, "%s.svg", c->name);
	t.format = PROMSTAT_PLOT_SVG;
	t.path = outname;
	script = script_of(c, &t);
	snprintf(golden, sizeof golden, "%s/tests/plots/%s.gp", srcdir(), c->name);
	want = slurp(golden, NULL);
	ck_assert_msg(want != NULL, "missing golden %s", golden);
	ck_assert_msg(!strcmp(script, want),
		      "%s: script differs from %s (rewrite with check_plots --write-goldens "
		      "after checking the change)",
		      c->name, golden);
	free(script);
	free(want);
}
END_TEST

/* Every label reaches the script only inside single quotes. */
START_TEST(hostile_script_text)
{
	const struct chart *c = &charts[_i];
	promstat_plot_target t = {PROMSTAT_PLOT_SVG, "chart.svg"};
	char *script;

	if (!c->hostile)
		return;
	script = script_of(c, &t);
	/* No line may be a bare EOD except the datablocks' own terminators. */
	for (char *line = script; line && *line;) {
		char *nl = strchr(line, '\n');
		size_t n = nl ? (size_t)(nl - line) : strlen(line);
		ck_assert_msg(!(n >= 6 && !strncmp(line, "system", 6)), "a label started a line: %.*s",
			      (int)n, line);
		ck_assert_msg(memchr(line, '\r', n) == NULL && memchr(line, '\t', n) == NULL,
			      "control character in script");
		line = nl ? nl + 1 : NULL;
	}
	ck_assert_ptr_nonnull(strstr(script, "'x''; system(''touch PWNED''); ''"));
	ck_assert_ptr_null(strstr(script, "set macros"));
	free(script);
}
END_TEST

/* ---- rendering with gnuplot ---- */

START_TEST(render_svg_png_pdf)
{
	const struct chart *c = &charts[_i];
	for (int f = PROMSTAT_PLOT_SVG; f <= PROMSTAT_PLOT_PDF; f++) {
		char *dir = render(c, (enum promstat_plot_format)f);
		remove_tree(dir);
		free(dir);
	}
}
END_TEST

static int same_gnuplot_as_goldens(void)
{
	char path[4200], cmd[4400], *want, *have;
	int same;

	snprintf(path, sizeof path, "%s/tests/plots/gnuplot-version.txt", srcdir());
	want = slurp(path, NULL);
	snprintf(cmd, sizeof cmd, "'%s' --version", gnuplot());
	FILE *p = popen(cmd, "r");
	have = calloc(1, 256);
	if (p) {
		if (!fgets(have, 256, p))
			have[0] = '\0';
		pclose(p);
	}
	same = want && !strcmp(want, have);
	free(want);
	free(have);
	return same;
}

START_TEST(render_dumb_matches_golden)
{
	const struct chart *c = &charts[_i];
	char path[4200], *dir, *have, *want;

	if (!c->dumb_golden)
		return;
	dir = render(c, PROMSTAT_PLOT_DUMB);
	snprintf(path, sizeof path, "%s/chart.txt", dir);
	have = slurp(path, NULL);
	if (same_gnuplot_as_goldens()) {
		snprintf(path, sizeof path, "%s/tests/plots/%s.txt", srcdir(), c->name);
		want = slurp(path, NULL);
		ck_assert_msg(want != NULL, "missing golden %s", path);
		ck_assert_msg(!strcmp(have, want), "%s: text chart differs from %s", c->name, path);
		free(want);
	} else {
		fprintf(stderr, "%s: gnuplot differs from the one the text goldens were drawn "
				"with; text comparison skipped\n", c->name);
	}
	free(have);
	remove_tree(dir);
	free(dir);
}
END_TEST

/*
 * The hostile charts, drawn for real in an empty folder where "touch
 * pwned" and friends would land: afterwards only the script, the chart and
 * gnuplot's (empty) output may be there, and every label is text in the SVG.
 */
START_TEST(render_hostile_runs_nothing)
{
	const struct chart *c = &charts[_i];
	static const char *const allowed[] = {"chart.gp", "chart.svg", "stdout.txt", "stderr.txt"};
	char path[4200], extra[1024], *dir, *svg;

	if (!c->hostile)
		return;
	dir = render(c, PROMSTAT_PLOT_SVG);
	unexpected_files(dir, allowed, 4, extra, sizeof extra);
	ck_assert_msg(extra[0] == '\0', "%s: gnuplot created files: %s", c->name, extra);
	snprintf(path, sizeof path, "%s/chart.svg", dir);
	svg = slurp(path, NULL);
	for (size_t i = 0; i < N_HOSTILE; i++) {
		/* The forest, trajectory and follow-up draw all eight; responders six. */
		int used = c->kind == FOREST || c->kind == TRAJECTORY ||
			   (c->kind == RESPONDERS && i <= 5) ||
			   c->kind == FOLLOWUP || c->kind == CHANGE || c->kind == DURABILITY;
		if (!used)
			continue;
		ck_assert_msg(strstr(svg, hostile_svg[i]) != NULL, "%s: label %zu (%s) not in SVG",
			      c->name, i, hostile_svg[i]);
	}
	free(svg);
	remove_tree(dir);
	free(dir);
}
END_TEST

/* ---- the pipe runner (cli/gnuplot.c) ---- */

/* Runs draw with stderr captured; returns the exit code, *said what it printed. */
static int draw_captured(const char *script, const char *output, const char *save, char **said)
{
	char *dir = make_tmpdir(), path[4200];
	cli_script s;
	int saved = dup(2), fd, rc;

	snprintf(path, sizeof path, "%s/stderr", dir);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(cli_script_open(&s), 0);
	fputs(script, s.f);
	fflush(stderr);
	dup2(fd, 2);
	close(fd);
	rc = cli_gnuplot_draw(&s, "test chart", output, save);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	*said = slurp(path, NULL);
	remove_tree(dir);
	free(dir);
	return rc;
}

START_TEST(runner_gnuplot_missing)
{
	char *said;

	setenv("GNUPLOT", "/nonexistent/gnuplot", 1);
	ck_assert_int_eq(draw_captured("plot x\n", NULL, NULL, &said), EXIT_UNAVAILABLE);
	ck_assert_msg(strstr(said, "gnuplot-nox") != NULL, "%s", said);
	free(said);
}
END_TEST

START_TEST(runner_reports_failure_and_success)
{
	char *dir = make_tmpdir(), out[4200], save[4200], script[9000], *said, *text;

	if (!gnuplot()) {
		remove_tree(dir);
		free(dir);
		return;
	}
	/* gnuplot's own complaint is quoted, with exit 70. */
	ck_assert_int_eq(draw_captured("plot sin(x) with nonsense\n", NULL, NULL, &said),
			 EXIT_SOFTWARE);
	ck_assert_msg(strstr(said, "gnuplot said") && strstr(said, "nonsense"), "%s", said);
	free(said);

	/* A chart and its saved script. */
	snprintf(out, sizeof out, "%s/c.svg", dir);
	snprintf(save, sizeof save, "%s/c.gp", dir);
	snprintf(script, sizeof script, "set terminal svg\nset output '%s'\nplot x\nunset output\n",
		 out);
	ck_assert_int_eq(draw_captured(script, out, save, &said), EXIT_OK);
	ck_assert_str_eq(said, "");
	free(said);
	ck_assert_int_eq(access(out, F_OK), 0);
	text = slurp(save, NULL);
	ck_assert_str_eq(text, script);
	free(text);

	/* gnuplot that cannot open its output: its words, and 73, not 70. */
	snprintf(script, sizeof script,
		 "set terminal svg\nset output '/nonexistent-dir/c.svg'\n");
	ck_assert_int_eq(draw_captured(script, "/nonexistent-dir/c.svg", NULL, &said),
			 EXIT_CANTCREAT);
	ck_assert_msg(strstr(said, "/nonexistent-dir/c.svg") && strstr(said, "cannot open file"),
		      "%s", said);
	free(said);
	remove_tree(dir);
	free(dir);
}
END_TEST

/* ---- output paths (issue 10 items 2, 3, 10) ---- */

/* Paths are not labels: ps_gp_path writes them whole, bytes as given. */
START_TEST(path_quoted_whole_not_as_label)
{
	char path[3001], want[6100], *got = NULL;
	size_t len = 0, n = 0;
	FILE *f;

	/* 3000 bytes: quotes, a backslash, '@', '`', and bytes that are not UTF-8. */
	for (size_t i = 0; i < 3000; i++)
		path[i] = "ab'\\@`\xe9/"[i % 8];
	path[3000] = '\0';
	want[n++] = '\'';
	for (size_t i = 0; i < 3000; i++) {
		if (path[i] == '\'')
			want[n++] = '\'';
		want[n++] = path[i];
	}
	want[n++] = '\'';
	want[n] = '\0';
	f = open_memstream(&got, &len);
	ps_gp_path(f, path);
	fclose(f);
	ck_assert_uint_eq(len, n);
	ck_assert_int_eq(memcmp(got, want, n), 0);
	free(got);

	/* gnuplot reads a leading '|' as a pipe and '~' as the home folder. */
	f = open_memstream(&got, &len);
	ps_gp_path(f, "|touch x.svg");
	fputc(' ', f);
	ps_gp_path(f, "~/c.svg");
	fputc(' ', f);
	ps_gp_path(f, "/a/|b~.svg");
	fclose(f);
	ck_assert_str_eq(got, "'./|touch x.svg' './~/c.svg' '/a/|b~.svg'");
	free(got);
}
END_TEST

/* The script's set output names a 230-byte path whole (it was cut at 200). */
START_TEST(script_output_path_not_truncated)
{
	char path[300], want[320], *got = NULL;
	size_t len = 0;
	promstat_plot_target t = {PROMSTAT_PLOT_SVG, path};
	FILE *f;

	memset(path, 'd', 225);
	memcpy(path + 225, "/.svg", 6);
	snprintf(want, sizeof want, "set output '%s'\n", path);
	f = open_memstream(&got, &len);
	ck_assert_int_eq(ps_gp_begin(f, "test", &t, 600, 400, NULL), PROMSTAT_OK);
	fclose(f);
	ck_assert_msg(strstr(got, want) != NULL, "%s", got);
	free(got);
}
END_TEST

/* Runs a chart file through open, gnuplot (script with %s for its output) and close. */
static int draw_file(const char *path, const char *script_fmt, char **said)
{
	char *dir = make_tmpdir(), err_path[4200], script[9000];
	cli_chart_file cf;
	cli_script s;
	int saved = dup(2), fd, rc;

	snprintf(err_path, sizeof err_path, "%s/stderr", dir);
	fd = open(err_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	ck_assert_int_ge(fd, 0);
	fflush(stderr);
	dup2(fd, 2);
	close(fd);
	rc = cli_chart_file_open(&cf, path, "test chart");
	if (rc == EXIT_OK) {
		snprintf(script, sizeof script, script_fmt, cf.draw_path);
		ck_assert_int_eq(cli_script_open(&s), 0);
		fputs(script, s.f);
		rc = cli_gnuplot_draw(&s, "test chart", path, NULL);
		rc = cli_chart_file_close(&cf, rc, "test chart");
	}
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	*said = slurp(err_path, NULL);
	remove_tree(dir);
	free(dir);
	return rc;
}

/* How many names dir holds besides . and .. */
static size_t count_files(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	size_t n = 0;

	ck_assert_ptr_nonnull(d);
	while ((e = readdir(d)))
		n += strcmp(e->d_name, ".") && strcmp(e->d_name, "..");
	closedir(d);
	return n;
}

START_TEST(chart_file_whole_or_absent)
{
	char *dir = make_tmpdir(), out[4200], *said, *text;
	const char *good = "set terminal svg\nset output '%s'\nplot x\nunset output\n";
	struct stat st;
	mode_t mask = umask(022);
	FILE *f;

	if (!gnuplot()) {
		umask(mask);
		remove_tree(dir);
		free(dir);
		return;
	}
	snprintf(out, sizeof out, "%s/c.svg", dir);

	/* Drawn: in place, a new file's mode, nothing else left in the folder. */
	ck_assert_int_eq(draw_file(out, good, &said), EXIT_OK);
	free(said);
	ck_assert_int_eq(stat(out, &st), 0);
	ck_assert_int_gt(st.st_size, 0);
	ck_assert_uint_eq(st.st_mode & 0777, 0644);
	ck_assert_uint_eq(count_files(dir), 1);

	/* A failed script leaves the old chart as it was, and no other file. */
	f = fopen(out, "w");
	fputs("old chart\n", f);
	fclose(f);
	chmod(out, 0640);
	ck_assert_int_eq(draw_file(out, "set terminal svg\nset output '%s'\nplot x with nonsense\n",
				   &said),
			 EXIT_SOFTWARE);
	free(said);
	text = slurp(out, NULL);
	ck_assert_str_eq(text, "old chart\n");
	free(text);
	ck_assert_uint_eq(count_files(dir), 1);

	/* Redrawn over it: the old file's mode is kept. */
	ck_assert_int_eq(draw_file(out, good, &said), EXIT_OK);
	free(said);
	ck_assert_int_eq(stat(out, &st), 0);
	ck_assert_uint_eq(st.st_mode & 0777, 0640);
	unlink(out);

	/* gnuplot exits 0 having written nothing: 73, no file. */
	ck_assert_int_eq(draw_file(out, "set terminal svg\nset output '%s'\nunset output\n", &said),
			 EXIT_CANTCREAT);
	ck_assert_msg(strstr(said, "wrote nothing") != NULL, "%s", said);
	free(said);
	ck_assert_uint_eq(count_files(dir), 0);

	/* A failing new chart leaves no partial file. */
	ck_assert_int_eq(draw_file(out, "set terminal svg\nset output '%s'\nplot x\nplot nonsense(\n",
				   &said),
			 EXIT_SOFTWARE);
	free(said);
	ck_assert_uint_eq(count_files(dir), 0);

	/* A full device: gnuplot does not see it, the copy does (exit 73). */
	if (access("/dev/full", W_OK) == 0) {
		ck_assert_int_eq(draw_file("/dev/full", good, &said), EXIT_CANTCREAT);
		ck_assert_msg(strstr(said, "/dev/full") && strstr(said, strerror(ENOSPC)), "%s", said);
		free(said);
	}

	/* A folder that is not there, or a folder as the chart: 73 before gnuplot runs. */
	ck_assert_int_eq(draw_file("/nonexistent-dir/c.svg", good, &said), EXIT_CANTCREAT);
	ck_assert_msg(strstr(said, "/nonexistent-dir/c.svg") != NULL, "%s", said);
	free(said);
	ck_assert_int_eq(draw_file(dir, good, &said), EXIT_CANTCREAT);
	ck_assert_msg(strstr(said, "it is a folder") != NULL, "%s", said);
	free(said);
	umask(mask);
	remove_tree(dir);
	free(dir);
}
END_TEST

/* ---- goldens writer ---- */

static int write_goldens(const char *dir)
{
	for (size_t i = 0; i < N_CHARTS; i++) {
		char outname[64], path[4200], *script;
		promstat_plot_target t = {PROMSTAT_PLOT_SVG, outname};
		promstat_error err;
		FILE *f;

		snprintf(outname, sizeof outname, "%s.svg", charts[i].name);
		snprintf(path, sizeof path, "%s/%s.gp", dir, charts[i].name);
		f = fopen(path, "wb");
		if (!f || emit(&charts[i], f, &t, &err) != PROMSTAT_OK || fclose(f) != 0) {
			fprintf(stderr, "%s: cannot write\n", path);
			return 1;
		}
		if (charts[i].dumb_golden && gnuplot()) {
			char cmd[9000];
			t.format = PROMSTAT_PLOT_DUMB;
			t.path = NULL;
			script = NULL;
			size_t len = 0;
			FILE *m = open_memstream(&script, &len);
			emit(&charts[i], m, &t, &err);
			fclose(m);
			snprintf(path, sizeof path, "%s/%s.dumb.gp", dir, charts[i].name);
			write_file(path, script);
			free(script);
			snprintf(cmd, sizeof cmd, "'%s' '%s' > '%s/%s.txt' && rm '%s'", gnuplot(), path,
				 dir, charts[i].name, path);
			if (system(cmd) != 0)
				return 1;
		}
		printf("wrote %s\n", charts[i].name);
	}
	if (gnuplot()) {
		char cmd[4400];
		snprintf(cmd, sizeof cmd, "'%s' --version > '%s/gnuplot-version.txt'", gnuplot(), dir);
		return system(cmd) != 0;
	}
	return 0;
}

/* "check_plots --script NAME FORMAT PATH": one chart's script, to look at by hand. */
static int write_one(const char *name, const char *format, const char *path)
{
	promstat_plot_target t;
	promstat_error err;

	if (promstat_plot_format_parse(format, &t.format) != 0)
		return 2;
	t.path = strcmp(path, "-") ? path : NULL;
	for (size_t i = 0; i < N_CHARTS; i++)
		if (!strcmp(charts[i].name, name))
			return emit(&charts[i], stdout, &t, &err) != PROMSTAT_OK;
	return 2;
}

/*
 * A note (what the audit left out) is one quoted label under the title,
 * drawn once in the trajectory's multiplot; hostile text stays text.
 * Without a note the scripts have no such label (goldens unchanged).
 */
START_TEST(charts_carry_a_note)
{
	static const char *const note = "2 groups left out; it's `touch PWNED` @x";
	promstat_trajectory tr = *fixture_trajectory(therapies, age_bands, timepoints);
	promstat_responders re = *fixture_responders(therapies, age_bands, "3 months");
	promstat_plot_target t = {PROMSTAT_PLOT_SVG, "x.svg"};
	promstat_error err;
	char *text = NULL, *p;
	size_t len = 0, count = 0;
	FILE *f = open_memstream(&text, &len);

	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(promstat_plot_trajectory_write(f, &tr, &palette, &t, &err), PROMSTAT_OK);
	ck_assert_int_eq(promstat_plot_responders_write(f, &re, &palette, &t, &err), PROMSTAT_OK);
	fflush(f);
	ck_assert_ptr_null(strstr(text, "set label 9"));
	tr.note = note;
	re.note = note;
	ck_assert_int_eq(promstat_plot_trajectory_write(f, &tr, &palette, &t, &err), PROMSTAT_OK);
	ck_assert_int_eq(promstat_plot_responders_write(f, &re, &palette, &t, &err), PROMSTAT_OK);
	fclose(f);
	for (p = text; (p = strstr(p, "set label 9 '2 groups left out; it''s `touch PWNED` @x'"));
	     p++)
		count++;
	ck_assert_uint_eq(count, 2);
	/* the trajectory's is unset after its first panel: drawn once */
	ck_assert_ptr_nonnull(strstr(text, "unset label 9"));
	if (gnuplot()) {
		char *dir = make_tmpdir(), path[4200];
		snprintf(path, sizeof path, "%s/chart.gp", dir);
		ck_assert_int_eq(write_file(path, text), 0);
		ck_assert_int_eq(run_gnuplot(dir, "chart.gp", "out.txt", "err.txt"), 0);
		snprintf(path, sizeof path, "%s/PWNED", dir);
		ck_assert_int_ne(access(path, F_OK), 0);
		remove_tree(dir);
		free(dir);
	}
	free(text);
}
END_TEST

int main(int argc, char **argv)
{
	Suite *s = suite_create("plots");
	TCase *unit = tcase_create("unit"), *golden = tcase_create("golden"),
	      *runner = tcase_create("runner"), *gp = tcase_create("gnuplot");
	SRunner *sr;
	int failed;

	if (argc == 3 && !strcmp(argv[1], "--write-goldens"))
		return write_goldens(argv[2]);
	if (argc == 5 && !strcmp(argv[1], "--script"))
		return write_one(argv[2], argv[3], argv[4]);

	tcase_add_test(unit, quote_plain_and_quotes);
	tcase_add_test(unit, quote_controls_and_utf8);
	tcase_add_test(unit, quote_truncates);
	tcase_add_test(unit, quote_apostrophe_labels_read_back);
	tcase_add_test(unit, formats);
	tcase_add_test(unit, palette_is_fixed_per_therapy);
	tcase_add_test(unit, therapy_order_follows_palette);
	tcase_add_test(unit, ratio_ticks);
	tcase_add_test(unit, path_with_control_rejected);
	tcase_add_test(unit, trajectory_small_n_whiskers_stop_at_the_axis);
	tcase_add_test(unit, empty_charts_still_draw);
	tcase_add_test(unit, forest_plo_back_transformed);
	tcase_add_test(unit, forest_pft_study_n);
	tcase_add_test(unit, followup_every_instrument_and_undefined_rates);
	tcase_add_test(unit, all_undefined_rates_still_render);
	tcase_add_test(unit, charts_carry_a_note);
	suite_add_tcase(s, unit);
	tcase_add_loop_test(golden, golden_scripts, 0, N_CHARTS);
	tcase_add_loop_test(golden, hostile_script_text, 0, N_CHARTS);
	suite_add_tcase(s, golden);
	tcase_add_test(runner, runner_gnuplot_missing);
	tcase_add_test(runner, runner_reports_failure_and_success);
	tcase_add_test(runner, chart_file_whole_or_absent);
	tcase_add_test(unit, path_quoted_whole_not_as_label);
	tcase_add_test(unit, script_output_path_not_truncated);
	tcase_set_timeout(runner, 60);
	suite_add_tcase(s, runner);
	if (gnuplot()) {
		tcase_add_loop_test(gp, render_svg_png_pdf, 0, N_CHARTS);
		tcase_add_loop_test(gp, render_dumb_matches_golden, 0, N_CHARTS);
		tcase_add_loop_test(gp, render_hostile_runs_nothing, 0, N_CHARTS);
		tcase_set_timeout(gp, 120);
		suite_add_tcase(s, gp);
	}
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	if (failed)
		return 1;
	if (!gnuplot()) {
		fprintf(stderr, "gnuplot not installed ($GNUPLOT unset): charts were not rendered\n");
		return 77;
	}
	return 0;
}

/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * gen-registry: writes a synthetic knee-injection registry in promstat's
 * long input format (one row per patient, episode, visit and instrument).
 * Every figure it writes is simulated; none comes from a real patient.
 *
 * The output depends only on --seed and --patients: the generator uses its
 * own PRNG (xoshiro256** seeded through splitmix64, Blackman & Vigna 2018)
 * and formats numbers itself, so neither the C library's rand() nor the
 * locale can change a byte. Units are simulated and written one at a time,
 * so memory stays constant whatever the patient count.
 *
 * The model, in short (datasets/README.md has the details):
 * - therapies PRP, HA, PROLO, MSC, MFAT; ages 25-90; 12 providers at 4 sites;
 * - about 10% of patients have a second episode (the other knee);
 * - PAIN_NRS (integer 0-10), WOMAC_FUNCTION and KOOS_PAIN (0-100, one
 *   decimal) at baseline (day -30..0, sometimes an earlier screening visit)
 *   and at 6 weeks, 3, 6, 12 and 24 months with day jitter, mostly inside
 *   the windows 42+-14, 90+-30, 180+-45, 365+-60, 730+-90;
 * - growing loss to follow-up, heavier among patients who do not improve;
 * - a response that depends on therapy, is stronger under 60 and wanes
 *   after 12 months;
 * - a global rating of change `anchor` on the 15-point scale -7..7
 *   (Jaeschke 1989) that follows the observed pain change with noise around
 *   a known true MIC of 1.5 NRS points (see rate_change);
 * - occasional adverse events and `satisfied` (0/1) at the last visit.
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define EXIT_USAGE 2
#define EXIT_CANTCREAT 73
#define TWO_PI 6.283185307179586476925286766559

/* ---- random numbers ---- */

typedef struct rng {
	uint64_t s[4];
	int have_normal;
	double next_normal;
} rng;

static uint64_t splitmix64(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static void rng_seed(rng *r, uint64_t seed)
{
	int i;

	for (i = 0; i < 4; i++)
		r->s[i] = splitmix64(&seed);
	r->have_normal = 0;
}

static uint64_t rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

/* xoshiro256** 1.0 (Blackman & Vigna). */
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

/* Uniform on [0, 1), 53 random bits. */
static double unif(rng *r)
{
	return (double)(rng_next(r) >> 11) * 0x1.0p-53;
}

/* Uniform integer on [lo, hi]; the modulo bias is below 2^-40 here. */
static long unif_int(rng *r, long lo, long hi)
{
	return lo + (long)(rng_next(r) % (uint64_t)(hi - lo + 1));
}

/* Standard normal by the Box-Muller transform, both deviates used. */
static double normal(rng *r)
{
	double u1, u2, rad;

	if (r->have_normal) {
		r->have_normal = 0;
		return r->next_normal;
	}
	do
		u1 = unif(r);
	while (u1 <= 0.0);
	u2 = unif(r);
	rad = sqrt(-2.0 * log(u1));
	r->next_normal = rad * sin(TWO_PI * u2);
	r->have_normal = 1;
	return rad * cos(TWO_PI * u2);
}

static int bernoulli(rng *r, double p)
{
	return unif(r) < p;
}

/* Index drawn from the cumulative weights cum[0..n-1] (cum[n-1] = 1). */
static int pick(rng *r, const double *cum, int n)
{
	double u = unif(r);
	int i;

	for (i = 0; i < n - 1; i++)
		if (u < cum[i])
			return i;
	return n - 1;
}

static double clip(double x, double lo, double hi)
{
	return x < lo ? lo : x > hi ? hi : x;
}

/* ---- the model (every constant is made up for the simulation) ---- */

enum { N_THERAPIES = 5, N_PROVIDERS = 12, N_SITES = 4, N_TIMES = 5, N_INSTR = 3 };

static const char *const therapy_name[N_THERAPIES] = { "PRP", "HA", "PROLO", "MSC", "MFAT" };
static const double therapy_cum[N_THERAPIES] = { 0.30, 0.60, 0.72, 0.85, 1.00 };
/* Mean peak improvement on the 0-10 pain scale, before the age effect. */
static const double therapy_effect[N_THERAPIES] = { 2.1, 1.3, 1.2, 1.9, 2.0 };
/* Chance that a unit has an adverse event recorded. */
static const double therapy_ae[N_THERAPIES] = { 0.06, 0.04, 0.08, 0.07, 0.11 };

static const char *const site_name[N_SITES] = { "north", "south", "east", "central" };
/* Providers 3s..3s+2 work at site s; volumes are deliberately unequal. */
static const double provider_cum[N_PROVIDERS] = { 0.14, 0.24, 0.30, 0.40, 0.47, 0.52,
						  0.63, 0.71, 0.76, 0.86, 0.96, 1.00 };
/* Provider shift of the pain response; provider 9 does noticeably worse. */
static const double provider_effect[N_PROVIDERS] = { 0.2, 0.0, -0.1, 0.1, -0.2, 0.3,
						     0.0, 0.1, -0.1, -0.9, 0.1, 0.0 };

static const int visit_day[N_TIMES] = { 42, 90, 180, 365, 730 };
static const int visit_halfwidth[N_TIMES] = { 14, 30, 45, 60, 90 };
/* Chance of still being followed at each visit given followed at the last. */
static const double stay[N_TIMES] = { 0.90, 0.91, 0.87, 0.84, 0.74 };

/* Share of the peak response present on a given day: builds up over three
 * months, peaks at six, wanes after twelve (piecewise linear). */
static double response_profile(int day)
{
	static const double kd[] = { 0, 42, 90, 180, 365, 730, 1100 };
	static const double kf[] = { 0, 0.65, 0.9, 1.0, 0.85, 0.45, 0.35 };
	size_t i;

	if (day <= 0)
		return 0.0;
	for (i = 1; i < sizeof kd / sizeof kd[0]; i++)
		if (day <= kd[i])
			return kf[i - 1] + (kf[i] - kf[i - 1]) * (day - kd[i - 1]) / (kd[i] - kd[i - 1]);
	return kf[sizeof kf / sizeof kf[0] - 1];
}

/* ---- output: a hand-rolled formatter, locale-free and fast ---- */

typedef struct out {
	FILE *f;
	char buf[1 << 16];
	size_t len;
	int failed;
} out;

static void out_flush(out *o)
{
	if (o->len && fwrite(o->buf, 1, o->len, o->f) != o->len)
		o->failed = 1;
	o->len = 0;
}

static void put_str(out *o, const char *s)
{
	size_t n = strlen(s);

	if (o->len + n > sizeof o->buf)
		out_flush(o);
	memcpy(o->buf + o->len, s, n);
	o->len += n;
}

static void put_long(out *o, long v)
{
	char tmp[24];
	int i = 0;
	unsigned long u = v < 0 ? 0UL - (unsigned long)v : (unsigned long)v;

	do
		tmp[i++] = (char)('0' + u % 10);
	while (u /= 10);
	if (v < 0)
		tmp[i++] = '-';
	if (o->len + (size_t)i > sizeof o->buf)
		out_flush(o);
	while (i)
		o->buf[o->len++] = tmp[--i];
}

/* Writes x (>= 0) rounded to one decimal. */
static void put_tenths(out *o, double x)
{
	long t = lround(x * 10.0);

	put_long(o, t / 10);
	put_str(o, ".");
	put_long(o, t % 10);
}

/* ---- one unit: simulated in full, then written ---- */

typedef struct visit {
	int day;
	int present[N_INSTR];
	double score[N_INSTR]; /* PAIN_NRS, WOMAC_FUNCTION, KOOS_PAIN */
	int anchor;	       /* -99 = none (baseline) */
	const char *ae;	       /* NULL = none */
	int satisfied;	       /* -1 = blank */
} visit;

typedef struct unit {
	char patient[32];
	int episode, therapy, age, sex, provider; /* age < 0 = missing; sex 0 F, 1 M, -1 missing */
	visit v[2 + N_TIMES];
	int nv;
} unit;

static const char *const instrument_name[N_INSTR] = { "PAIN_NRS", "WOMAC_FUNCTION", "KOOS_PAIN" };

/* Baseline state of a unit: one severity drives all three instruments. */
typedef struct state {
	double nrs, womac, koos;
} state;

static void baseline_scores(rng *r, int age, state *s)
{
	double z = normal(r);
	double aged = age >= 0 ? age - 60 : 0;

	s->nrs = 6.2 + 1.5 * z + 0.6 * normal(r);
	s->womac = 46.0 + 13.0 * z + 0.15 * aged + 6.0 * normal(r);
	s->koos = 44.0 - 12.0 * z + 6.0 * normal(r);
}

/* Scores at a visit where the unit has gained `gain` pain points. */
static void visit_scores(rng *r, const state *s, double gain, visit *v)
{
	v->score[0] = clip(round(s->nrs - gain + 0.9 * normal(r)), 0, 10);
	v->score[1] = clip(s->womac - 7.0 * gain + 7.0 * normal(r), 0, 100);
	v->score[2] = clip(s->koos + 7.5 * gain + 7.0 * normal(r), 0, 100);
	/* Real forms have a few items blank: an instrument is missing now and then. */
	v->present[0] = !bernoulli(r, 0.02);
	v->present[1] = !bernoulli(r, 0.04);
	v->present[2] = !bernoulli(r, 0.04);
}

/*
 * The anchor model. A unit rates itself improved (anchor >= 1) when the
 * improvement it perceives (the observed NRS improvement since baseline plus
 * N(0, PERCEPTION_SD^2) at each visit) exceeds its own MIC, drawn once per unit
 * from N(TRUE_MIC, OWN_MIC_SD^2); worse (anchor <= -1) when it perceives a
 * worsening beyond WORSE_THRESHOLD; unchanged (0) in between. So
 * P(improved | observed improvement x) = Phi((x - TRUE_MIC) / sqrt(OWN_MIC_SD^2 +
 * PERCEPTION_SD^2)): one half at x = TRUE_MIC, which is the population's true MIC
 * in the sense of Terluin 2015/2017 (the mean of the individual MICs).
 */
#define TRUE_MIC 1.5
#define OWN_MIC_SD 1.0
#define PERCEPTION_SD 0.5
#define WORSE_THRESHOLD 1.5
/* Anchor points per NRS point beyond the threshold crossed. */
#define ANCHOR_SLOPE 1.1

/* Global rating of change, -7 (a very great deal worse) to 7, of a unit that
 * perceives an improvement of `perceived` NRS points and whose own MIC is
 * `own_mic`. */
static int rate_change(double perceived, double own_mic)
{
	if (perceived > own_mic)
		return (int)clip(1.0 + floor(ANCHOR_SLOPE * (perceived - own_mic)), 1, 7);
	if (perceived < -WORSE_THRESHOLD)
		return (int)clip(-1.0 - floor(ANCHOR_SLOPE * (-WORSE_THRESHOLD - perceived)), -7, -1);
	return 0;
}

static void simulate_unit(rng *r, rng *ra, unit *u)
{
	state s;
	double peak, mult, own_mic;
	int t, day, prev, followed = 1, last_fu = -1, first_fu = -1;
	visit *v, *base;

	u->nv = 0;
	baseline_scores(r, u->age, &s);

	/* Sometimes an earlier screening visit: the later one is the baseline. */
	if (bernoulli(r, 0.06)) {
		v = &u->v[u->nv++];
		v->day = (int)unif_int(r, -90, -31);
		visit_scores(r, &s, -0.3 * normal(r), v);
	}
	v = &u->v[u->nv++];
	v->day = bernoulli(r, 0.25) ? 0 : (int)unif_int(r, -30, -1);
	visit_scores(r, &s, 0.0, v);
	base = v;

	mult = u->age >= 0 && u->age < 60 ? 1.3 : 0.8;
	peak = therapy_effect[u->therapy] * mult + provider_effect[u->provider] + 1.4 * normal(r);

	prev = 0;
	for (t = 0; t < N_TIMES && followed; t++) {
		double gain;

		/* Patients who are not helped drift away more. */
		double p_stay = stay[t] + (peak < 1.0 ? -0.06 : 0.03);
		if (!bernoulli(r, p_stay)) {
			followed = 0;
			break;
		}
		if (bernoulli(r, 0.04)) /* an occasional missed visit */
			continue;
		if (bernoulli(r, 0.03)) /* booked well outside the window */
			day = visit_day[t] + (int)unif_int(r, -2 * visit_halfwidth[t],
							    2 * visit_halfwidth[t]);
		else
			day = visit_day[t] + (int)lround(0.45 * visit_halfwidth[t] * normal(r));
		if (day <= prev + 7)
			day = prev + 7;
		prev = day;
		v = &u->v[u->nv++];
		v->day = day;
		gain = peak * response_profile(day);
		visit_scores(r, &s, gain, v);
		if (first_fu < 0)
			first_fu = u->nv - 1;
		last_fu = u->nv - 1;
	}

	/* The unit's own threshold of a worthwhile improvement (its individual
	 * MIC, Terluin 2015), from the anchor stream so that every other column
	 * is what it was before the anchor followed a known MIC. */
	own_mic = TRUE_MIC + OWN_MIC_SD * normal(ra);
	for (t = 0; t < u->nv; t++) {
		v = &u->v[t];
		v->ae = NULL;
		v->satisfied = -1;
		v->anchor = -99;
		if (v->day > 0) {
			/* Drawn here whatever the anchor model, to keep the main stream
			 * (and so every other column) unchanged. */
			double z = normal(r);
			v->anchor = rate_change(base->score[0] - v->score[0] + PERCEPTION_SD * z,
						own_mic);
		}
	}
	if (first_fu >= 0 && bernoulli(r, therapy_ae[u->therapy])) {
		double a = unif(r);
		const char *code;

		if (u->therapy == 4 && a < 0.4)
			code = "donor_site_pain";
		else if (a < 0.002)
			code = "infection";
		else if (a < 0.65)
			code = "pain_flare";
		else
			code = "effusion";
		u->v[first_fu].ae = code;
	}
	if (last_fu >= 0) {
		double change = s.nrs - u->v[last_fu].score[0];
		double p = 1.0 / (1.0 + exp(-1.2 * (change - 1.5)));
		u->v[last_fu].satisfied = bernoulli(r, p);
	}
}

static void write_unit(out *o, const unit *u)
{
	int t, k;

	for (t = 0; t < u->nv; t++) {
		const visit *v = &u->v[t];

		for (k = 0; k < N_INSTR; k++) {
			if (!v->present[k])
				continue;
			put_str(o, u->patient);
			put_str(o, ",");
			put_long(o, u->episode);
			put_str(o, ",");
			put_str(o, therapy_name[u->therapy]);
			put_str(o, ",");
			if (u->age >= 0)
				put_long(o, u->age);
			put_str(o, u->sex == 0 ? ",F," : u->sex == 1 ? ",M," : ",,");
			put_str(o, "dr");
			if (u->provider + 1 < 10)
				put_str(o, "0");
			put_long(o, u->provider + 1);
			put_str(o, ",");
			put_str(o, site_name[u->provider / 3]);
			put_str(o, ",");
			put_long(o, v->day);
			put_str(o, ",");
			put_str(o, instrument_name[k]);
			put_str(o, ",");
			if (k == 0)
				put_long(o, (long)v->score[k]);
			else
				put_tenths(o, v->score[k]);
			put_str(o, ",");
			if (v->anchor != -99)
				put_long(o, v->anchor);
			put_str(o, ",");
			if (v->ae)
				put_str(o, v->ae);
			put_str(o, ",");
			if (v->satisfied >= 0)
				put_long(o, v->satisfied);
			put_str(o, "\n");
		}
	}
}

static int draw_age(rng *r)
{
	double a;

	do
		a = 58.0 + 12.0 * normal(r);
	while (a < 25.0 || a >= 91.0);
	return (int)a;
}

static void usage(FILE *f)
{
	fputs("usage: gen-registry [--seed N] [--patients N] [--out FILE]\n"
	      "Writes a synthetic (simulated) knee-injection registry as CSV, to stdout\n"
	      "unless --out is given. Defaults: --seed 1 --patients 2000.\n",
	      f);
}

static int parse_count(const char *s, unsigned long long *v)
{
	char *end;

	if (!s || *s < '0' || *s > '9')
		return -1;
	errno = 0;
	*v = strtoull(s, &end, 10);
	return errno || *end ? -1 : 0;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = { { "seed", required_argument, NULL, 's' },
					      { "patients", required_argument, NULL, 'n' },
					      { "out", required_argument, NULL, 'o' },
					      { "help", no_argument, NULL, 'h' },
					      { NULL, 0, NULL, 0 } };
	static out o;
	static unit u;
	unsigned long long seed = 1, patients = 2000, p;
	const char *path = NULL;
	rng r, ra;
	int c;

	while ((c = getopt_long(argc, argv, "s:n:o:h", opts, NULL)) != -1) {
		switch (c) {
		case 's':
			if (parse_count(optarg, &seed)) {
				fprintf(stderr, "gen-registry: --seed needs a non-negative integer, not \"%s\"\n", optarg);
				return EXIT_USAGE;
			}
			break;
		case 'n':
			if (parse_count(optarg, &patients) || patients > 99999999ULL) {
				fprintf(stderr, "gen-registry: --patients needs an integer 0..99999999, not \"%s\"\n", optarg);
				return EXIT_USAGE;
			}
			break;
		case 'o':
			path = optarg;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "gen-registry: unexpected argument \"%s\"\n", argv[optind]);
		usage(stderr);
		return EXIT_USAGE;
	}
	o.f = path ? fopen(path, "wb") : stdout;
	if (!o.f) {
		fprintf(stderr, "gen-registry: cannot write %s: %s\n", path, strerror(errno));
		return EXIT_CANTCREAT;
	}
	rng_seed(&r, seed);
	/* A second stream for the anchor model's own MICs ("anchor" in ASCII). */
	rng_seed(&ra, seed ^ 0x616e63686f72ULL);
	put_str(&o, "patient_id,episode,therapy,age,sex,provider,site,day,instrument,score,anchor,ae,satisfied\n");
	for (p = 1; p <= patients && !o.failed; p++) {
		int second, later;
		double a;

		snprintf(u.patient, sizeof u.patient, "P%07llu", p);
		u.episode = 1;
		u.therapy = pick(&r, therapy_cum, N_THERAPIES);
		u.age = draw_age(&r);
		a = unif(&r);
		u.sex = a < 0.005 ? -1 : a < 0.585 ? 0 : 1;
		u.provider = pick(&r, provider_cum, N_PROVIDERS);
		second = bernoulli(&r, 0.10);
		if (bernoulli(&r, 0.003)) /* age not recorded */
			u.age = -1;
		simulate_unit(&r, &ra, &u);
		write_unit(&o, &u);
		if (second) {
			/* The other knee, treated up to two years later, often with the
			 * same therapy; its own baseline and day 0. */
			u.episode = 2;
			later = (int)unif_int(&r, 0, 2);
			if (u.age >= 0)
				u.age = u.age + later > 90 ? 90 : u.age + later;
			if (!bernoulli(&r, 0.6))
				u.therapy = pick(&r, therapy_cum, N_THERAPIES);
			simulate_unit(&r, &ra, &u);
			write_unit(&o, &u);
		}
	}
	out_flush(&o);
	if (o.failed || ferror(o.f) || (path ? fclose(o.f) : fflush(o.f))) {
		fprintf(stderr, "gen-registry: cannot write %s: %s\n", path ? path : "standard output",
			strerror(errno));
		return EXIT_CANTCREAT;
	}
	return 0;
}

/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Responder chart: at one timepoint, the share of patients whose score
 * improved by at least the MCID, as bars per therapy (its fixed colour)
 * grouped by age band, with Wilson-interval whiskers and each bar's n under
 * it, so a small group's wide interval is seen for what it is.
 */
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gp.h"
#include "promstat.h"

int promstat_plot_responders_write(FILE *out, const promstat_responders *r,
				   const promstat_plot_palette *pal,
				   const promstat_plot_target *t, promstat_error *err)
{
	const char *all_ages[1] = {"All ages"};
	const char *const *clusters;
	struct ps_gp_therapy_bars tb;
	size_t n_clusters;
	int status;

	if (!r)
		return promstat_error_set(err, PROMSTAT_EINVAL, NULL, 0, 0, "no responder data given");
	if ((r->n_bars && !r->bars) || (r->n_age_bands && !r->age_bands))
		return promstat_error_set(err, PROMSTAT_EINVAL, NULL, 0, 0, "responder data are incomplete");
	clusters = r->n_age_bands ? r->age_bands : all_ages;
	n_clusters = r->n_age_bands ? r->n_age_bands : 1;

	if ((status = ps_gp_therapy_bars_init(&tb, pal, r->bars, r->n_bars, sizeof *r->bars,
					      offsetof(promstat_responders_bar, therapy),
					      "responders", err)) != PROMSTAT_OK)
		return status;
	for (size_t i = 0; i < r->n_bars; i++) {
		const promstat_responders_bar *b = &r->bars[i];
		size_t c = r->n_age_bands ? ps_gp_index(r->age_bands, r->n_age_bands, b->age_band) : 0;
		struct ps_gp_bar *bar = &tb.bars[tb.n_bars];

		if (c == n_clusters || !b->therapy)
			continue;
		bar->cluster = c;
		bar->series = ps_gp_index(tb.therapies, tb.n_therapies, b->therapy);
		/* Percentages read more easily than proportions on a page. */
		bar->value = isfinite(b->rate) ? 100 * b->rate : NAN;
		bar->lb = 100 * b->ci_lb;
		bar->ub = 100 * b->ci_ub;
		snprintf(bar->below, sizeof bar->below, "n=%zu", b->n);
		tb.n_bars++;
	}

	if ((status = ps_gp_begin(out, "responders", t, 1000, 620, err)) != PROMSTAT_OK)
		goto done;
	fputs("set title ", out);
	if (r->title)
		ps_gp_quote(out, r->title, 110);
	else
		ps_gp_quotef(out, 110, "%s at %s: patients improving by at least the MCID",
			     r->instrument ? r->instrument : "Score", r->timepoint ? r->timepoint : "");
	fputs(" font ',13'\n", out);
	if (r->note) {
		/* under the title, with room made for it above the bars */
		fputs("set label 9 ", out);
		ps_gp_quote(out, r->note, 160);
		fputs(" at screen 0.5, screen 0.915 center font ',10'\n"
		      "set tmargin 5\nset title offset 0,1.5\n", out);
	}
	if (tb.n_bars == 0) {
		ps_gp_empty(out, "No responder rates to draw");
		status = ps_gp_end(out, err);
		goto done;
	}
	fputs("set ylabel ", out);
	if (isfinite(r->mcid))
		ps_gp_quotef(out, 80, "Responders (%%, improved by \xE2\x89\xA5 %g points) with 95%% CI",
			     r->mcid);
	else
		ps_gp_quote(out, "Responders (%) with 95% CI", 80);
	fputs("\n", out);
	ps_gp_therapy_bars_percent(out, &tb, clusters, n_clusters);
	status = ps_gp_end(out, err);
done:
	ps_gp_therapy_bars_free(&tb);
	return status;
}

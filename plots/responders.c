/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Responder chart: at one timepoint, the share of patients whose score
 * improved by at least the MCID, as bars per therapy (its fixed colour)
 * grouped by age band, with Wilson-interval whiskers and each bar's n under
 * it, so a small group's wide interval is seen for what it is.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gp.h"
#include "internal.h"

int promstat_plot_responders_write(FILE *out, const promstat_responders *r,
				   const promstat_plot_palette *pal,
				   const promstat_plot_target *t, promstat_error *err)
{
	const char **names, **therapies = NULL, **colours = NULL;
	const char *all_ages[1] = {"All ages"};
	const char *const *clusters;
	struct ps_gp_bar *bars = NULL;
	size_t n_ther = 0, n_clusters, nb = 0;
	int status;

	if (!r)
		return ps_error(err, PROMSTAT_EINVAL, NULL, 0, 0, "no responder data given");
	if ((r->n_bars && !r->bars) || (r->n_age_bands && !r->age_bands))
		return ps_error(err, PROMSTAT_EINVAL, NULL, 0, 0, "responder data are incomplete");
	clusters = r->n_age_bands ? r->age_bands : all_ages;
	n_clusters = r->n_age_bands ? r->n_age_bands : 1;

	names = malloc((r->n_bars + 1) * sizeof *names);
	if (!names)
		return ps_error(err, PROMSTAT_ENOMEM, NULL, 0, 0, "out of memory drawing responders");
	for (size_t i = 0; i < r->n_bars; i++)
		names[i] = r->bars[i].therapy;
	therapies = ps_gp_therapies(pal, names, r->n_bars, &n_ther);
	colours = malloc((n_ther + 1) * sizeof *colours);
	bars = malloc((r->n_bars + 1) * sizeof *bars);
	if (!therapies || !colours || !bars) {
		status = ps_error(err, PROMSTAT_ENOMEM, NULL, 0, 0, "out of memory drawing responders");
		goto done;
	}
	for (size_t s = 0; s < n_ther; s++)
		colours[s] = promstat_plot_palette_colour(pal, therapies[s]);
	for (size_t i = 0; i < r->n_bars; i++) {
		const promstat_responders_bar *b = &r->bars[i];
		size_t c = r->n_age_bands ? ps_gp_index(r->age_bands, r->n_age_bands, b->age_band) : 0;

		if (c == n_clusters || !b->therapy)
			continue;
		bars[nb].cluster = c;
		bars[nb].series = ps_gp_index(therapies, n_ther, b->therapy);
		/* Percentages read more easily than proportions on a page. */
		bars[nb].value = isfinite(b->rate) ? 100 * b->rate : NAN;
		bars[nb].lb = 100 * b->ci_lb;
		bars[nb].ub = 100 * b->ci_ub;
		snprintf(bars[nb].below, sizeof bars[nb].below, "n=%zu", b->n);
		nb++;
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
	if (nb == 0) {
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
	fputs("\nset ytics 0,20,100\nset format y '%g'\nset grid ytics lc rgb '#E0E0E0'\n", out);
	fputs("set bmargin 7\nset key at screen 0.5, screen 0.02 center bottom horizontal Left reverse samplen 2 width 2\n",
	      out);
	ps_gp_grouped_bars(out, clusters, n_clusters, therapies, colours, n_ther, bars, nb, 105);
	status = ps_gp_end(out, err);
done:
	free(names);
	free(therapies);
	free(colours);
	free(bars);
	return status;
}

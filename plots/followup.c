/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Follow-up completeness: of the patients due a score at each timepoint,
 * the share who gave one, as bars per therapy (its fixed colour) grouped by
 * timepoint, with the number due under each bar. Falling completeness
 * is the first thing to check before trusting any improvement figure.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gp.h"
#include "internal.h"

int promstat_plot_followup_write(FILE *out, const promstat_followup *fu,
				 const promstat_plot_palette *pal,
				 const promstat_plot_target *t, promstat_error *err)
{
	const char **names, **therapies = NULL, **colours = NULL;
	struct ps_gp_bar *bars = NULL;
	size_t n_ther = 0, nb = 0;
	int status;

	if (!fu)
		return ps_error(err, PROMSTAT_EINVAL, NULL, 0, 0, "no follow-up data given");
	if ((fu->n_bars && !fu->bars) || (fu->n_timepoints && !fu->timepoints))
		return ps_error(err, PROMSTAT_EINVAL, NULL, 0, 0, "follow-up data are incomplete");

	names = malloc((fu->n_bars + 1) * sizeof *names);
	if (!names)
		return ps_error(err, PROMSTAT_ENOMEM, NULL, 0, 0, "out of memory drawing follow-up");
	for (size_t i = 0; i < fu->n_bars; i++)
		names[i] = fu->bars[i].therapy;
	therapies = ps_gp_therapies(pal, names, fu->n_bars, &n_ther);
	colours = malloc((n_ther + 1) * sizeof *colours);
	bars = malloc((fu->n_bars + 1) * sizeof *bars);
	if (!therapies || !colours || !bars) {
		status = ps_error(err, PROMSTAT_ENOMEM, NULL, 0, 0, "out of memory drawing follow-up");
		goto done;
	}
	for (size_t s = 0; s < n_ther; s++)
		colours[s] = promstat_plot_palette_colour(pal, therapies[s]);
	for (size_t i = 0; i < fu->n_bars; i++) {
		const promstat_followup_bar *b = &fu->bars[i];

		if (b->timepoint >= fu->n_timepoints || !b->therapy)
			continue;
		bars[nb].cluster = b->timepoint;
		bars[nb].series = ps_gp_index(therapies, n_ther, b->therapy);
		bars[nb].value = b->expected ? 100.0 * (double)b->observed / (double)b->expected : NAN;
		bars[nb].lb = bars[nb].ub = NAN;
		/* The denominator; the bar's height gives the share. */
		snprintf(bars[nb].below, sizeof bars[nb].below, "n=%zu", b->expected);
		nb++;
	}

	if ((status = ps_gp_begin(out, "followup", t, 1000, 620, err)) != PROMSTAT_OK)
		goto done;
	fputs("set title ", out);
	ps_gp_quote(out, fu->title ? fu->title : "Follow-up completeness by timepoint and therapy",
		    110);
	fputs(" font ',13'\n", out);
	if (nb == 0) {
		ps_gp_empty(out, "No follow-up to draw");
		status = ps_gp_end(out, err);
		goto done;
	}
	fputs("set ylabel 'Patients with a score (% of those due)'\n", out);
	fputs("set ytics 0,20,100\nset format y '%g'\nset grid ytics lc rgb '#E0E0E0'\n", out);
	fputs("set bmargin 7\nset key at screen 0.5, screen 0.02 center bottom horizontal Left reverse samplen 2 width 2\n",
	      out);
	ps_gp_grouped_bars(out, fu->timepoints, fu->n_timepoints, therapies, colours, n_ther, bars,
			   nb, 105);
	status = ps_gp_end(out, err);
done:
	free(names);
	free(therapies);
	free(colours);
	free(bars);
	return status;
}

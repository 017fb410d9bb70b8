/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Follow-up completeness: of the patients due a score at each timepoint,
 * the share who gave one, as bars per therapy (its fixed colour) grouped by
 * timepoint, with the number due under each bar. Falling completeness
 * is the first thing to check before trusting any improvement figure.
 */
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gp.h"
#include "internal.h"

int promstat_plot_followup_write(FILE *out, const promstat_followup *fu,
				 const promstat_plot_palette *pal,
				 const promstat_plot_target *t, promstat_error *err)
{
	struct ps_gp_therapy_bars tb;
	int status;

	if (!fu)
		return ps_error(err, PROMSTAT_EINVAL, NULL, 0, 0, "no follow-up data given");
	if ((fu->n_bars && !fu->bars) || (fu->n_timepoints && !fu->timepoints))
		return ps_error(err, PROMSTAT_EINVAL, NULL, 0, 0, "follow-up data are incomplete");

	if ((status = ps_gp_therapy_bars_init(&tb, pal, fu->bars, fu->n_bars, sizeof *fu->bars,
					      offsetof(promstat_followup_bar, therapy),
					      "follow-up", err)) != PROMSTAT_OK)
		return status;
	for (size_t i = 0; i < fu->n_bars; i++) {
		const promstat_followup_bar *b = &fu->bars[i];
		struct ps_gp_bar *bar = &tb.bars[tb.n_bars];

		if (b->timepoint >= fu->n_timepoints || !b->therapy)
			continue;
		bar->cluster = b->timepoint;
		bar->series = ps_gp_index(tb.therapies, tb.n_therapies, b->therapy);
		bar->value = b->expected ? 100.0 * (double)b->observed / (double)b->expected : NAN;
		bar->lb = bar->ub = NAN;
		/* The denominator; the bar's height gives the share. */
		snprintf(bar->below, sizeof bar->below, "n=%zu", b->expected);
		tb.n_bars++;
	}

	if ((status = ps_gp_begin(out, "followup", t, 1000, 620, err)) != PROMSTAT_OK)
		goto done;
	fputs("set title ", out);
	ps_gp_quote(out, fu->title ? fu->title : "Follow-up completeness by timepoint and therapy",
		    110);
	fputs(" font ',13'\n", out);
	if (tb.n_bars == 0) {
		ps_gp_empty(out, "No follow-up to draw");
		status = ps_gp_end(out, err);
		goto done;
	}
	fputs("set ylabel 'Patients with a score (% of those due)'\n", out);
	ps_gp_therapy_bars_percent(out, &tb, fu->timepoints, fu->n_timepoints);
	status = ps_gp_end(out, err);
done:
	ps_gp_therapy_bars_free(&tb);
	return status;
}

/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Meta-analysis: effect sizes, models, heterogeneity, subgroups, bias.
 * (Filled by the meta-analysis issue.) */
#ifndef PROMSTAT_META_H
#define PROMSTAT_META_H
#endif

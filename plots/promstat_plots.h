/* SPDX-License-Identifier: GPL-3.0-or-later */
#ifndef PROMSTAT_PLOTS_H
#define PROMSTAT_PLOTS_H
#endif

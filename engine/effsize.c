/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Placeholder: filled by its issue. */
typedef int ps_placeholder_effsize;

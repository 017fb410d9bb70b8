/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Error reporting shared by every module: codes, positions, sentences. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "config.h"
#include "internal.h"

void promstat_error_clear(promstat_error *err)
{
	if (err)
		memset(err, 0, sizeof *err);
}

int ps_error(promstat_error *err, int code, const char *file, unsigned long line,
	     unsigned long column, const char *fmt, ...)
{
	va_list ap;

	if (!err)
		return code;
	err->code = code;
	snprintf(err->file, sizeof err->file, "%s", file ? file : "");
	err->line = line;
	err->column = column;
	va_start(ap, fmt);
	vsnprintf(err->message, sizeof err->message, fmt, ap);
	va_end(ap);
	return code;
}

int promstat_error_set(promstat_error *err, int code, const char *file, unsigned long line,
		       unsigned long column, const char *fmt, ...)
{
	va_list ap;

	if (!err)
		return code;
	err->code = code;
	snprintf(err->file, sizeof err->file, "%s", file ? file : "");
	err->line = line;
	err->column = column;
	va_start(ap, fmt);
	vsnprintf(err->message, sizeof err->message, fmt, ap);
	va_end(ap);
	return code;
}

char *promstat_error_format(const promstat_error *err, char *buf, size_t size)
{
	if (!buf || size == 0)
		return buf;
	if (!err) {
		snprintf(buf, size, "unknown error");
	} else if (err->file[0] && err->line && err->column) {
		snprintf(buf, size, "%s:%lu:%lu: %s", err->file, err->line, err->column,
			 err->message);
	} else if (err->file[0] && err->line) {
		snprintf(buf, size, "%s:%lu: %s", err->file, err->line, err->message);
	} else if (err->file[0]) {
		snprintf(buf, size, "%s: %s", err->file, err->message);
	} else {
		snprintf(buf, size, "%s", err->message);
	}
	return buf;
}

const char *promstat_status_name(int code)
{
	switch (code) {
	case PROMSTAT_OK: return "success";
	case PROMSTAT_EINVAL: return "invalid argument";
	case PROMSTAT_EDATA: return "data error";
	case PROMSTAT_EOPEN: return "cannot open input";
	case PROMSTAT_ENOMEM: return "out of memory";
	case PROMSTAT_ENUMERIC: return "numerical failure";
	case PROMSTAT_EWRITE: return "cannot write output";
	case PROMSTAT_EINTERNAL: return "internal error";
	default: return "unknown status";
	}
}

const char *promstat_version(void)
{
	return PACKAGE_VERSION;
}

int promstat_isundef(double x)
{
	return isnan(x);
}

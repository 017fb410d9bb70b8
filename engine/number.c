/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Strict, locale-independent number and date parsing. strtod() is not used:
 * it honours the locale's decimal point, skips leading space and accepts
 * hex, "nan" and "inf", all of which a registry extract must not contain.
 */
#include <errno.h>
#include <float.h>
#include <limits.h>
#include <locale.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

static int is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/*
 * Checks the grammar [+-]? (d+ (.d*)? | .d+) ([eE][+-]?d+)? and hands the
 * checked text to strtod in a private buffer with '.' replaced by the
 * locale's decimal point, so the conversion itself is correctly rounded.
 */
int ps_parse_double(const char *s, size_t len, double *out)
{
	size_t i = 0, ndig = 0, nfrac = 0;
	char buf[128];
	char *end;
	double v;
	uint64_t m = 0; /* the digits as an integer, exact while ndig <= 19 */
	int has_exp = 0;

	if (!s || len == 0 || len >= sizeof buf)
		return -1;
	if (s[i] == '+' || s[i] == '-')
		i++;
	for (; i < len && is_digit(s[i]); i++, ndig++)
		m = m * 10 + (uint64_t)(s[i] - '0');
	if (i < len && s[i] == '.') {
		for (i++; i < len && is_digit(s[i]); i++, ndig++, nfrac++)
			m = m * 10 + (uint64_t)(s[i] - '0');
	}
	if (ndig == 0)
		return -1;
	if (i < len && (s[i] == 'e' || s[i] == 'E')) {
		size_t edig = 0;
		has_exp = 1;
		i++;
		if (i < len && (s[i] == '+' || s[i] == '-'))
			i++;
		while (i < len && is_digit(s[i]))
			i++, edig++;
		if (edig == 0)
			return -1;
	}
	if (i != len)
		return -1;
#if defined(FLT_EVAL_METHOD) && FLT_EVAL_METHOD == 0
	/* Fast path, exact by construction (Clinger, "How to read floating
	 * point numbers accurately", PLDI 1990): with at most 15 digits the
	 * digits form an integer m < 2^53 and 10^k (k <= 15) is a double too,
	 * so the one correctly rounded IEEE division m / 10^k is the correctly
	 * rounded value strtod would return. Registry scores always take it. */
	if (ndig <= 15 && !has_exp) {
		static const double p10[16] = { 1e0, 1e1, 1e2,	1e3,  1e4,  1e5,  1e6,  1e7,
						 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15 };
		v = (double)m / p10[nfrac];
		*out = s[0] == '-' ? -v : v;
		return 0;
	}
#endif
	memcpy(buf, s, len);
	buf[len] = '\0';
	{
		/* The C library's decimal point may not be '.' if the program
		 * changed the locale; we never do, but a host application might. */
		const char *dp = localeconv()->decimal_point;
		if (dp[0] != '.') {
			char *p = strchr(buf, '.');
			if (p)
				*p = dp[0];
		}
	}
	errno = 0;
	v = strtod(buf, &end);
	if (*end != '\0' || !isfinite(v) || (errno == ERANGE && fabs(v) > 1.0))
		return -1;
	*out = v;
	return 0;
}

/* Digits that always fit in a long: 18 for 64 bits, 9 for 32. */
#define SAFE_DIGITS (LONG_MAX / 1000000000L / 1000000000L > 0 ? 18 : 9)

int ps_parse_long(const char *s, size_t len, long min, long max, long *out)
{
	size_t i = 0;
	int neg = 0;
	unsigned long acc = 0, limit;

	if (!s || len == 0)
		return -1;
	if (s[0] == '+' || s[0] == '-') {
		neg = s[0] == '-';
		i++;
	}
	if (i == len)
		return -1;
	limit = neg ? (unsigned long)LONG_MAX + 1UL : (unsigned long)LONG_MAX;
	for (; i < len; i++) {
		unsigned d;
		if (!is_digit(s[i]))
			return -1;
		d = (unsigned)(s[i] - '0');
		/* the first SAFE_DIGITS digits cannot overflow; past them, check */
		if (i >= SAFE_DIGITS + (size_t)(s[0] == '+' || s[0] == '-') &&
		    acc > (limit - d) / 10)
			return -1;
		acc = acc * 10 + d;
	}
	{
		long v = neg ? (acc == (unsigned long)LONG_MAX + 1UL ? LONG_MIN : -(long)acc)
			     : (long)acc;
		if (v < min || v > max)
			return -1;
		*out = v;
	}
	return 0;
}

/* Days from 1970-01-01 to y-m-d in the proleptic Gregorian calendar
 * (Howard Hinnant's days_from_civil algorithm). */
static long days_from_civil(long y, long m, long d)
{
	long era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

int ps_parse_date(const char *s, size_t len, long *days)
{
	static const int mdays[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	long y, m, d;
	int leap;

	if (!s || len != 10 || s[4] != '-' || s[7] != '-')
		return -1;
	if (ps_parse_long(s, 4, 1, 9999, &y) || ps_parse_long(s + 5, 2, 1, 12, &m) ||
	    ps_parse_long(s + 8, 2, 1, 31, &d))
		return -1;
	if (s[0] == '+' || s[0] == '-' || s[5] == '+' || s[5] == '-' || s[8] == '+' ||
	    s[8] == '-')
		return -1;
	leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	if (d > mdays[m - 1] + (m == 2 && leap))
		return -1;
	*days = days_from_civil(y, m, d);
	return 0;
}

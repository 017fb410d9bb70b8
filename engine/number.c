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

/* Whether y-m-d is a day of the Gregorian calendar. */
static int real_day(long y, long m, long d)
{
	static const int mdays[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;

	return y >= 1 && y <= 9999 && m >= 1 && m <= 12 && d >= 1 &&
	       d <= mdays[m - 1] + (m == 2 && leap);
}

/* The number of digits of s[0..len) from i on (at most max+1 are counted). */
static size_t digits_at(const char *s, size_t len, size_t i, size_t max)
{
	size_t n = 0;

	while (i + n < len && n <= max && is_digit(s[i + n]))
		n++;
	return n;
}

static long digits_value(const char *s, size_t n)
{
	long v = 0;
	size_t i;

	for (i = 0; i < n; i++)
		v = v * 10 + (s[i] - '0');
	return v;
}

/*
 * Whether s[0..len) is a time of day an export appends to a date:
 * HH:MM, HH:MM:SS or HH:MM:SS.fff, then perhaps Z or an offset +HH:MM.
 * The time itself is not used (days are counted between calendar dates).
 */
static int is_time(const char *s, size_t len)
{
	size_t i = 0, n;

	if (digits_at(s, len, 0, 2) != 2 || len < 5 || s[2] != ':' ||
	    digits_at(s, len, 3, 2) != 2 || digits_value(s, 2) > 23 || digits_value(s + 3, 2) > 59)
		return 0;
	i = 5;
	if (i < len && s[i] == ':') {
		if (digits_at(s, len, i + 1, 2) != 2 || digits_value(s + i + 1, 2) > 60)
			return 0;
		i += 3;
		if (i < len && (s[i] == '.' || s[i] == ',')) {
			n = digits_at(s, len, i + 1, 9);
			if (n == 0 || n > 9)
				return 0;
			i += 1 + n;
		}
	}
	if (i < len && s[i] == 'Z')
		i++;
	else if (i < len && (s[i] == '+' || s[i] == '-')) {
		if (digits_at(s, len, i + 1, 2) != 2)
			return 0;
		i += 3;
		if (i < len && s[i] == ':')
			i++;
		if (i < len) {
			if (digits_at(s, len, i, 2) != 2)
				return 0;
			i += 2;
		}
	}
	return i == len;
}

int ps_parse_date_fmt(const char *s, size_t len, int format, long *days)
{
	size_t n1, n2, n3, i;
	long a, b, y, m, d;
	char sep;

	if (!s || len < 8)
		return PS_DATE_FORM;
	/* ISO first, whatever the format: a four-digit year in front is never
	 * ambiguous. A time after a space or a T is allowed and ignored. */
	if (digits_at(s, len, 0, 4) == 4 && len >= 10 && s[4] == '-' && s[7] == '-' &&
	    digits_at(s, len, 5, 2) == 2 && digits_at(s, len, 8, 2) == 2) {
		if (len > 10 && !((s[10] == ' ' || s[10] == 'T') && is_time(s + 11, len - 11)))
			return PS_DATE_FORM;
		y = digits_value(s, 4);
		m = digits_value(s + 5, 2);
		d = digits_value(s + 8, 2);
		if (!real_day(y, m, d))
			return PS_DATE_IMPOSSIBLE;
		*days = days_from_civil(y, m, d);
		return 0;
	}
	/* D/M/YYYY or M/D/YYYY with '/', '-' or '.', one or two digits */
	n1 = digits_at(s, len, 0, 2);
	if (n1 < 1 || n1 > 2 || n1 >= len)
		return PS_DATE_FORM;
	sep = s[n1];
	if (sep != '/' && sep != '-' && sep != '.')
		return PS_DATE_FORM;
	n2 = digits_at(s, len, n1 + 1, 2);
	if (n2 < 1 || n2 > 2 || n1 + 1 + n2 >= len || s[n1 + 1 + n2] != sep)
		return PS_DATE_FORM;
	i = n1 + 1 + n2 + 1;
	n3 = digits_at(s, len, i, 4);
	if (n3 != 4)
		return PS_DATE_FORM;
	if (i + 4 < len && !((s[i + 4] == ' ' || s[i + 4] == 'T') && is_time(s + i + 5, len - i - 5)))
		return PS_DATE_FORM;
	a = digits_value(s, n1);
	b = digits_value(s + n1 + 1, n2);
	y = digits_value(s + i, 4);
	if (format == PS_DATE_DMY) {
		d = a;
		m = b;
	} else if (format == PS_DATE_MDY) {
		m = a;
		d = b;
	} else {
		return PS_DATE_NEEDS_FORMAT;
	}
	if (!real_day(y, m, d))
		return PS_DATE_IMPOSSIBLE;
	*days = days_from_civil(y, m, d);
	return 0;
}

/* The civil date of a day count (Hinnant's civil_from_days). */
static void civil_from_days(long z, long *y, long *m, long *d)
{
	long era, doe, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	*y = yoe + era * 400;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = doy - (153 * mp + 2) / 5 + 1;
	*m = mp + (mp < 10 ? 3 : -9);
	*y += *m <= 2;
}

long ps_completed_years(long born, long on)
{
	long by, bm, bd, ty, tm, td, years;

	civil_from_days(born, &by, &bm, &bd);
	civil_from_days(on, &ty, &tm, &td);
	years = ty - by;
	/* a birthday not yet reached this year; 29 February counts as reached
	 * on 1 March in a common year */
	if (tm < bm || (tm == bm && td < bd))
		years--;
	return years;
}

int promstat_parse_double(const char *s, size_t len, double *out)
{
	return ps_parse_double(s, len, out);
}

int promstat_parse_long(const char *s, size_t len, long min, long max, long *out)
{
	return ps_parse_long(s, len, min, max, out);
}

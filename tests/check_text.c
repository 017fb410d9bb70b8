/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Tests of the CLI's two text writers (issue 10, items 6 and 7): the
 * terminal writer (cli/term.c) and the JSON writer (cli/json.c). Every
 * expected string is written out by hand from the rules in term.h and
 * json.h, byte by byte.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "term.h"

/* Captures what fn writes into a FILE. */
typedef struct capture {
	FILE *f;
	char *text;
	size_t len;
} capture;

static FILE *cap_open(capture *c)
{
	c->text = NULL;
	c->len = 0;
	c->f = open_memstream(&c->text, &c->len);
	ck_assert_ptr_nonnull(c->f);
	return c->f;
}

/* Closes the capture and checks its text; frees it. */
static void cap_is(capture *c, const char *want)
{
	fclose(c->f);
	ck_assert_msg(strcmp(c->text, want) == 0, "wrote \"%s\", expected \"%s\"", c->text, want);
	free(c->text);
}

static void term_is(const char *s, const char *want)
{
	capture c;

	cli_term_puts(cap_open(&c), s);
	cap_is(&c, want);
}

static void json_is(const char *s, const char *want)
{
	capture c;

	cli_json_string(cap_open(&c), s);
	cap_is(&c, want);
}

START_TEST(test_utf8_char)
{
	uint32_t cp = 0;

	ck_assert_uint_eq(cli_utf8_char("A", &cp), 1);
	ck_assert_uint_eq(cp, 0x41);
	ck_assert_uint_eq(cli_utf8_char("\xC3\xA9", &cp), 2); /* é */
	ck_assert_uint_eq(cp, 0xE9);
	ck_assert_uint_eq(cli_utf8_char("\xE2\x82\xAC", &cp), 3); /* € */
	ck_assert_uint_eq(cp, 0x20AC);
	ck_assert_uint_eq(cli_utf8_char("\xF0\x9F\x98\x80", &cp), 4); /* U+1F600 */
	ck_assert_uint_eq(cp, 0x1F600);
	ck_assert_uint_eq(cli_utf8_char("\xC2\x9B", &cp), 2); /* C1 CSI is valid UTF-8 */
	ck_assert_uint_eq(cp, 0x9B);
	/* RFC 3629: no overlong form, no surrogate, nothing past U+10FFFF,
	 * no stray or cut sequence */
	ck_assert_uint_eq(cli_utf8_char("\xC0\xAF", NULL), 0);
	ck_assert_uint_eq(cli_utf8_char("\xC1\xBF", NULL), 0);
	ck_assert_uint_eq(cli_utf8_char("\xE0\x80\xAF", NULL), 0);
	ck_assert_uint_eq(cli_utf8_char("\xF0\x80\x80\xAF", NULL), 0);
	ck_assert_uint_eq(cli_utf8_char("\xED\xA0\x80", NULL), 0);
	ck_assert_uint_eq(cli_utf8_char("\xF4\x90\x80\x80", NULL), 0);
	ck_assert_uint_eq(cli_utf8_char("\xF5\x80\x80\x80", NULL), 0);
	ck_assert_uint_eq(cli_utf8_char("\x9B", NULL), 0);
	ck_assert_uint_eq(cli_utf8_char("\xE9t", NULL), 0);
	ck_assert_uint_eq(cli_utf8_char("\xE2\x82", NULL), 0);
}
END_TEST

START_TEST(test_term_escapes)
{
	term_is("plain label", "plain label");
	term_is("back\\slash 'quote' \"dq\" @x", "back\\slash 'quote' \"dq\" @x");
	term_is("PRP\x1b]0;pwned\x07", "PRP\\x1b]0;pwned\\x07");
	term_is("HA\x1b[2J\r\n\t", "HA\\x1b[2J\\x0d\\x0a\\x09");
	term_is("DEL\x7f", "DEL\\x7f");
	term_is("MSC\xC2\x9B" "31m", "MSC\\u009b31m");	     /* 8-bit CSI as UTF-8 */
	term_is("site\x9B" "7", "site\\x9b7");		     /* a raw 0x9B byte */
	term_is("caf\xE9", "caf\\xe9");			     /* Latin-1 */
	term_is("caf\xC3\xA9 \xE2\x82\xAC", "caf\xC3\xA9 \xE2\x82\xAC"); /* valid text stays */
	term_is("a\xE2\x80\xAE" "b", "a\\u202eb");	     /* RIGHT-TO-LEFT OVERRIDE */
	term_is("\xE2\x80\x8B\xEF\xBB\xBF", "\\u200b\\ufeff"); /* zero width, BOM */
	term_is("\xF3\xA0\x80\x81", "\\U000e0001");	     /* LANGUAGE TAG */
	term_is("", "");
	term_is(NULL, "");
}
END_TEST

START_TEST(test_term_width_pad_fit)
{
	capture c;
	char buf[64];

	ck_assert_uint_eq(cli_term_width("abc"), 3);
	ck_assert_uint_eq(cli_term_width("caf\xC3\xA9"), 4);   /* é is one column */
	ck_assert_uint_eq(cli_term_width("a\x1b" "b"), 6);     /* a \x1b b */
	ck_assert_uint_eq(cli_term_width("\xC2\x9B"), 6);      /* \u009b */
	ck_assert_uint_eq(cli_term_width(NULL), 0);

	cli_term_pad(cap_open(&c), "caf\xC3\xA9", 6);
	cap_is(&c, "caf\xC3\xA9  ");
	cli_term_padr(cap_open(&c), "x\x07", 7);
	cap_is(&c, "  x\\x07");
	cli_term_pad(cap_open(&c), "toolong", 3); /* never cut */
	cap_is(&c, "toolong");

	ck_assert_uint_eq(cli_term_fit(buf, sizeof buf, "short", 10), 5);
	ck_assert_str_eq(buf, "short");
	ck_assert_uint_eq(cli_term_fit(buf, sizeof buf, "abcdefghij", 8), 8);
	ck_assert_str_eq(buf, "abcde...");
	/* an escape is never split: "ab\x1b" needs 6 columns, 5 are left */
	ck_assert_uint_eq(cli_term_fit(buf, sizeof buf, "ab\x1b" "cdefgh", 8), 5);
	ck_assert_str_eq(buf, "ab...");
	/* nor a UTF-8 character */
	ck_assert_uint_eq(cli_term_fit(buf, sizeof buf, "\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9", 4),
			  4);
	ck_assert_str_eq(buf, "\xC3\xA9...");
	/* the buffer's size bounds it too */
	cli_term_fit(buf, 8, "abcdefghijkl", 0);
	ck_assert_uint_lt(strlen(buf), 8);
	ck_assert_ptr_nonnull(strstr(buf, "..."));
}
END_TEST

START_TEST(test_term_printf)
{
	capture c;

	cli_term_printf(cap_open(&c), "%-8s|%6s|%s", "a\x1b", "caf\xC3\xA9", "x");
	cap_is(&c, "a\\x1b   |  caf\xC3\xA9|x");
	cli_term_printf(cap_open(&c), "%-*s|%*s|", 5, "ab", 4, "c");
	cap_is(&c, "ab   |   c|");
	cli_term_printf(cap_open(&c), "%zu %d %ld %u %x %5.2f %g %e %c %% %lu", (size_t)12, -3,
			-4L, 5u, 255u, 3.14159, 0.5, 1e10, 'q', 7UL);
	cap_is(&c, "12 -3 -4 5 ff  3.14 0.5 1.000000e+10 q % 7");
	cli_term_printf(cap_open(&c), "%.*f|%*.1f|%-6d|", 3, 2.0, 6, 1.25, 42);
	cap_is(&c, "2.000|   1.2|42    |");
	cli_term_printf(cap_open(&c), "%.3s|%c", "a\x1b" "bcd", '\x07');
	cap_is(&c, "a|\\x07"); /* the precision counts columns; an escape is not split */
	static const char *volatile nothing = NULL; /* not a constant GCC can see */
	cli_term_printf(cap_open(&c), "%s", nothing);
	cap_is(&c, "(null)");
}
END_TEST

START_TEST(test_json_string)
{
	json_is("plain", "\"plain\"");
	json_is("Q\"X\\Y", "\"Q\\\"X\\\\Y\"");
	json_is("a\nb\rc\td", "\"a\\nb\\rc\\td\"");
	json_is("\x01\x1b\x1f", "\"\\u0001\\u001b\\u001f\"");
	json_is("DEL\x7f", "\"DEL\\u007f\"");
	json_is("\xC2\x9B", "\"\\u009b\"");
	json_is("\xE2\x80\xA8\xE2\x80\xA9", "\"\\u2028\\u2029\"");
	json_is("caf\xC3\xA9 \xF0\x9F\x98\x80", "\"caf\xC3\xA9 \xF0\x9F\x98\x80\"");
	json_is("/", "\"/\"");
	json_is(NULL, "\"\"");
	json_is("", "\"\"");
}
END_TEST

START_TEST(test_json_replacement_counted)
{
	capture c;

	cli_json_report(); /* start afresh */
	json_is("caf\xE9", "\"caf\\ufffd\"");
	json_is("\x9B\xC0\xAF", "\"\\ufffd\\ufffd\\ufffd\"");  /* one per byte */
	json_is("\xE2\x82", "\"\\ufffd\\ufffd\"");	     /* a cut sequence */
	ck_assert_uint_eq(cli_json_replaced(), 6);
	cli_json_key(cap_open(&c), "k\xFF");
	cap_is(&c, "\"k\\ufffd\": ");
	ck_assert_uint_eq(cli_json_replaced(), 7);
	ck_assert_uint_eq(cli_json_report(), 7); /* says it on stderr and resets */
	ck_assert_uint_eq(cli_json_replaced(), 0);
	ck_assert_uint_eq(cli_json_report(), 0);
}
END_TEST

START_TEST(test_json_members)
{
	capture c;
	FILE *f = cap_open(&c);

	putc('{', f);
	cli_json_member_number(f, "x", 0.1, 1);
	cli_json_member_number(f, "nan", 0.0 / 0.0, 0);
	cli_json_member_size(f, "n", 3, 0);
	cli_json_member_string(f, "s\"", "v", 0);
	fputs(", ", f);
	cli_json_key(f, NULL);
	cli_json_bool(f, 1);
	fputs(", ", f);
	cli_json_key(f, "z");
	cli_json_null(f);
	putc('}', f);
	cap_is(&c, "{\"x\": 0.10000000000000001, \"nan\": null, \"n\": 3, \"s\\\"\": \"v\", \"\": true, "
		   "\"z\": null}");
}
END_TEST

START_TEST(test_json_same_string)
{
	ck_assert(cli_json_same_string("g\xE9", "g\xE8"));	 /* both g U+FFFD */
	ck_assert(cli_json_same_string("g\xE9", "g\xEF\xBF\xBD")); /* and U+FFFD itself */
	ck_assert(!cli_json_same_string("g\xC3\xA9", "g\xC3\xA8")); /* é and è */
	ck_assert(!cli_json_same_string("g\xE9", "g\xE9x"));
	ck_assert(cli_json_same_string(NULL, ""));
	ck_assert(cli_json_is_utf8("caf\xC3\xA9"));
	ck_assert(!cli_json_is_utf8("caf\xE9"));
	ck_assert(cli_json_is_utf8(NULL));
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("cli text writers");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_utf8_char);
	tcase_add_test(tc, test_term_escapes);
	tcase_add_test(tc, test_term_width_pad_fit);
	tcase_add_test(tc, test_term_printf);
	tcase_add_test(tc, test_json_string);
	tcase_add_test(tc, test_json_replacement_counted);
	tcase_add_test(tc, test_json_members);
	tcase_add_test(tc, test_json_same_string);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

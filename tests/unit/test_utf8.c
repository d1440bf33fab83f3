/* test_utf8.c -- the UTF-8 module: code points read and written the way the
 * JSON reader and the email check need them, surrogates, hex digits. */
#include <stdint.h>

#include "../../src/base/utf8.h"
#include "unit.h"

/* The code points of s[0..n), written as "U+XXXX " each. */
static const char *code_points(const char *s, size_t n)
{
	static char out[256];
	size_t at = 0;
	uint32_t cp;
	for (size_t i = 0; i < n && at < sizeof out - 16;) {
		i = utf8_next((const unsigned char *)s, n, i, &cp);
		at += (size_t)snprintf(out + at, sizeof out - at, "U+%04X ", (unsigned)cp);
	}
	out[at] = '\0';
	return out;
}

static void test_next_reads_code_points(void)
{
	CHECK_STR(code_points("a\xC3\xA1\xE6\xBC\xA2\xF0\x9F\x98\x80", 10), "U+0061 U+00E1 U+6F22 U+1F600 ");
}

static void test_next_keeps_surrogates_and_escapes_bad_bytes(void)
{
	CHECK_STR(code_points("\xED\xA0\x80", 3), "U+D800 ");
	CHECK_STR(code_points("\xFF\xC0\xAF", 3), "U+DCFF U+DCC0 U+DCAF "); /* overlong: byte by byte */
	CHECK_STR(code_points("\xE2\x82", 2), "U+DCE2 U+DC82 ");            /* truncated */
}

static void test_encode_round_trips(void)
{
	static const uint32_t cps[] = {0x41, 0xE1, 0x6F22, 0xD800, 0x1F600, 0x10FFFF};
	char out[4];
	for (size_t i = 0; i < sizeof cps / sizeof *cps; i++) {
		uint32_t back = 0;
		size_t n = utf8_encode(cps[i], out);
		CHECK(utf8_next((const unsigned char *)out, n, 0, &back) == n);
		CHECK(back == cps[i]);
	}
}

static void test_surrogates_found(void)
{
	CHECK(utf8_has_surrogate("ab\xED\xBF\xBF", 5));
	CHECK(!utf8_has_surrogate("ab\xED\x9F\xBF", 5)); /* U+D7FF */
	CHECK(!utf8_has_surrogate("ab\xED\xA0", 4));     /* cut short */
	CHECK(!utf8_valid("\xED\xA0\x80", 3));
}

static void test_hex_digits(void)
{
	CHECK(hex_digit('0') == 0 && hex_digit('9') == 9 && hex_digit('a') == 10 && hex_digit('F') == 15);
	CHECK(hex_digit('g') == -1 && hex_digit('/') == -1 && hex_digit((char)0xC3) == -1);
}

int main(void)
{
	RUN(test_next_reads_code_points);
	RUN(test_next_keeps_surrogates_and_escapes_bad_bytes);
	RUN(test_encode_round_trips);
	RUN(test_surrogates_found);
	RUN(test_hex_digits);
	return unit_done();
}

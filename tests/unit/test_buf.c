/* test_buf.c -- the JSON text writer matches Python's json.dumps(ensure_ascii=False). */
#include <string.h>
#include <stdio.h>
#include "../../src/base/buf.h"
#include "unit.h"
#include "../../src/compat/json_write.h"

static void test_json_str_escapes_like_python(void)
{
	struct buf b;
	buf_init(&b);
	json_add_cstr(&b, "a\"b\\c/d\n\x01\x7f Olá");
	CHECK_STR(buf_cstr(&b), "\"a\\\"b\\\\c/d\\n\\u0001\x7f Olá\"");
	buf_free(&b);
}

static void test_json_str_writes_lone_surrogate_as_replacement(void)
{
	struct buf b;
	buf_init(&b);
	json_add_str(&b, "x\xed\xa0\x80y", 5);
	CHECK_STR(buf_cstr(&b), "\"x\xEF\xBF\xBDy\"");
	buf_free(&b);
}

static void test_buf_printf_grows(void)
{
	struct buf b;
	buf_init(&b);
	for (int i = 0; i < 1000; i++)
		buf_printf(&b, "%d,", i);
	CHECK(buf_ok(&b));
	CHECK(b.len == 3890);
	buf_free(&b);
}

static void test_json_int_digits(void)
{
	struct buf b;
	buf_init(&b);
	json_add_int(&b, 0);
	buf_addc(&b, ' ');
	json_add_int(&b, -42);
	buf_addc(&b, ' ');
	json_add_int(&b, INT64_MAX);
	buf_addc(&b, ' ');
	json_add_int(&b, INT64_MIN);
	CHECK_STR(buf_cstr(&b), "0 -42 9223372036854775807 -9223372036854775808");
	buf_free(&b);
}

/* Strings are scanned 8 bytes a step: a byte that needs escaping is found
 * at every position of a long string, whatever the bytes around it. */
static void test_json_str_finds_escapes_at_every_position(void)
{
	static const struct {
		const char *raw, *escaped;
	} specials[] = {{"\"", "\\\""},
			{"\\", "\\\\"},
			{"\n", "\\n"},
			{"\x01", "\\u0001"},
			{"\x1f", "\\u001f"},
			{"\x7f", "\x7f"},
			{"\xed\xa0\x80", "\xef\xbf\xbd"}};
	const char fill[] = "abcdefghijklmnopqrstuvwx\xc3\xa9\xe2\x82\xac~ !#";
	for (size_t k = 0; k < sizeof specials / sizeof *specials; k++) {
		for (size_t at = 0; at + 1 < sizeof fill; at++) {
			char in[128], want[160];
			int n = snprintf(in, sizeof in, "%.*s%s%s", (int)at, fill, specials[k].raw,
					 fill + at);
			snprintf(want, sizeof want, "\"%.*s%s%s\"", (int)at, fill, specials[k].escaped,
				 fill + at);
			struct buf b;
			buf_init(&b);
			json_add_str(&b, in, (size_t)n);
			CHECK(b.len == strlen(want) && memcmp(b.data, want, b.len) == 0);
			buf_free(&b);
		}
	}
}

int main(void)
{
	RUN(test_json_str_finds_escapes_at_every_position);
	RUN(test_json_str_escapes_like_python);
	RUN(test_json_str_writes_lone_surrogate_as_replacement);
	RUN(test_buf_printf_grows);
	RUN(test_json_int_digits);
	return unit_done();
}

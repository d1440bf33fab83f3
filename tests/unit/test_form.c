/* test_form.c -- urlencoded decoding as Starlette does it, and the UTF-8 check. */
#include "../../src/wire/form.h"
#include "../../src/base/utf8.h"
#include "unit.h"

static void test_pairs_plus_and_percent(void)
{
	struct form f;
	size_t len;
	form_init(&f);
	const char *q = "username=a%40b.com&password=x+y%2Bz&empty=&flag";
	CHECK(form_parse(&f, q, strlen(q)) == 0);
	CHECK_STR(form_get(&f, "username", &len), "a@b.com");
	CHECK_STR(form_get(&f, "password", &len), "x y+z");
	CHECK(len == 5);
	CHECK_STR(form_get(&f, "empty", &len), "");
	CHECK_STR(form_get(&f, "flag", &len), "");
	CHECK(form_get(&f, "nope", &len) == NULL);
	form_free(&f);
}

static void test_last_value_wins(void)
{
	struct form f;
	size_t len;
	form_init(&f);
	CHECK(form_parse(&f, "limit=1&limit=2", 15) == 0);
	CHECK_STR(form_get(&f, "limit", &len), "2");
	form_free(&f);
}

static void test_bad_escapes_kept_and_bad_utf8_replaced(void)
{
	struct form f;
	size_t len;
	form_init(&f);
	CHECK(form_parse(&f, "a=%zz%4&b=%ff&c=%00x", 20) == 0);
	CHECK_STR(form_get(&f, "a", &len), "%zz%4");
	CHECK_STR(form_get(&f, "b", &len), "\xEF\xBF\xBD");
	form_get(&f, "c", &len);
	CHECK(len == 2); /* the NUL is kept */
	form_free(&f);
}

static void test_utf8_validity(void)
{
	CHECK(utf8_valid("Olá 漢字 😀", strlen("Olá 漢字 😀")));
	CHECK(!utf8_valid("\xff", 1));
	CHECK(!utf8_valid("\xc0\xaf", 2));         /* overlong */
	CHECK(!utf8_valid("\xed\xa0\x80", 3));     /* a surrogate */
	CHECK(!utf8_valid("\xf4\x90\x80\x80", 4)); /* beyond U+10FFFF */
	CHECK(!utf8_valid("\xe2\x82", 2));         /* truncated */
}

static void test_multipart_parts(void)
{
	static const char body[] = "--XyZ\r\nContent-Disposition: form-data; name=\"username\"\r\n\r\n"
				   "a@b.co\r\n--XyZ\r\nContent-Disposition: form-data; name=\"password\"\r\n"
				   "Content-Type: text/plain\r\n\r\nline1\r\nline2\r\n--XyZ--\r\n";
	struct form f;
	size_t len;
	form_init(&f);
	CHECK(form_parse_multipart(&f, body, sizeof body - 1, "multipart/form-data; boundary=XyZ") == 0);
	CHECK_STR(form_get(&f, "username", &len), "a@b.co");
	CHECK_STR(form_get(&f, "password", &len), "line1\r\nline2");
	CHECK(form_parse_multipart(&f, body, sizeof body - 1, "multipart/form-data; boundary=\"XyZ\"") == 0);
	CHECK(f.count == 2);
	CHECK(form_parse_multipart(&f, body, 20, "multipart/form-data; boundary=XyZ") == 0);
	CHECK(f.count == 0); /* truncated: nothing readable */
	CHECK(form_parse_multipart(&f, body, sizeof body - 1, "multipart/form-data") == 0);
	CHECK(f.count == 0); /* no boundary */
	form_free(&f);
}

static void test_invalid_utf8_replaced(void)
{
	struct buf b;
	buf_init(&b);
	utf8_add_replacing(&b,
			   "a\xe9"
			   "b\xed\xa0\x80",
			   6);
	CHECK_STR(buf_cstr(&b), "a\xEF\xBF\xBD"
				"b\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");
	buf_free(&b);
}

int main(void)
{
	RUN(test_pairs_plus_and_percent);
	RUN(test_last_value_wins);
	RUN(test_bad_escapes_kept_and_bad_utf8_replaced);
	RUN(test_utf8_validity);
	RUN(test_multipart_parts);
	RUN(test_invalid_utf8_replaced);
	return unit_done();
}

/* test_http.c -- the media type of a Content-Type, as Python's parsers read it. */
#include "../../src/http.h"
#include "unit.h"

static void test_media_type_is_before_the_parameters_stripped(void)
{
	size_t len;
	const char *t = http_media_type(" \tapplication/json \t; charset=utf-8", &len);
	CHECK(len == 16 && strncmp(t, "application/json", 16) == 0);
	t = http_media_type(NULL, &len);
	CHECK(len == 0);
	t = http_media_type(";", &len);
	CHECK(len == 0);
}

static void test_media_type_compared_in_any_case(void)
{
	CHECK(http_media_type_is("Application/X-WWW-Form-Urlencoded ; charset=utf-8",
				 "application/x-www-form-urlencoded"));
	CHECK(http_media_type_is("multipart/form-data; boundary=x", "multipart/form-data"));
	CHECK(!http_media_type_is("application/x-www-form-urlencoded x",
				  "application/x-www-form-urlencoded"));
	CHECK(!http_media_type_is("multipart/form-datax", "multipart/form-data"));
	CHECK(!http_media_type_is(NULL, "multipart/form-data"));
}

int main(void)
{
	RUN(test_media_type_is_before_the_parameters_stripped);
	RUN(test_media_type_compared_in_any_case);
	return unit_done();
}

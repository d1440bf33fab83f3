/* test_http.c -- the media type of a Content-Type, as Python's parsers read
 * it; when nginx passed a request on (REQUEST_START). */
#include "../../src/wire/fcgi.h"
#include "../../src/wire/http.h"
#include "unit.h"

/* The request fields of a PARAMS stream holding one parameter. */
static int64_t start_of(const char *value)
{
	struct fcgi_request fr;
	struct request req;
	unsigned char params[64];
	size_t n = strlen(value);
	params[0] = 13;
	params[1] = (unsigned char)n;
	memcpy(params + 2, "REQUEST_START", 13);
	memcpy(params + 15, value, n);
	CHECK(fcgi_request_init(&fr) == 0);
	CHECK(fcgi_parse_params(&fr, params, 15 + n) == 0);
	http_request_from(&req, &fr);
	fcgi_request_free(&fr);
	return req.start_ms;
}

static void test_request_start_is_nginx_msec(void)
{
	CHECK(start_of("1764576000.123") == 1764576000123LL);
	CHECK(start_of("1764576000.1") == 1764576000100LL);
	CHECK(start_of("1764576000") == 1764576000000LL);
	CHECK(start_of("") == -1);
	CHECK(start_of("1764576000.1234") == -1);
	CHECK(start_of("-1") == -1);
	CHECK(start_of("1.2.3") == -1);
	CHECK(start_of("99999999999999999999") == -1);
}

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
	RUN(test_request_start_is_nginx_msec);
	return unit_done();
}

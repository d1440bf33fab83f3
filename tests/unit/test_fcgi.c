/* test_fcgi.c -- decoding FastCGI name-value pairs, including hostile ones. */
#include "../../src/wire/fcgi.h"
#include "unit.h"

static void test_short_and_long_lengths(void)
{
	struct fcgi_request r;
	unsigned char d[300] = {14, 3};
	memcpy(d + 2, "REQUEST_METHODGET", 17);
	size_t n = 19;
	d[n++] = 4;
	d[n++] = 0x80, d[n++] = 0, d[n++] = 0, d[n++] = 200; /* a 4-byte length */
	memcpy(d + n, "PATH", 4);
	n += 4;
	memset(d + n, 'x', 200);
	n += 200;
	CHECK(fcgi_request_init(&r) == 0);
	CHECK(fcgi_parse_params(&r, d, n) == 0);
	CHECK_STR(fcgi_param(&r, "REQUEST_METHOD"), "GET");
	CHECK(fcgi_param(&r, "PATH") && strlen(fcgi_param(&r, "PATH")) == 200);
	CHECK(fcgi_param(&r, "NOPE") == NULL);
	fcgi_request_free(&r);
}

static void test_truncated_pairs_are_refused(void)
{
	struct fcgi_request r;
	const unsigned char lying[] = {4, 10, 'P', 'A', 'T', 'H', 'x'};
	const unsigned char cut_length[] = {0x80, 0};
	CHECK(fcgi_request_init(&r) == 0);
	CHECK(fcgi_parse_params(&r, lying, sizeof lying) == -1);
	CHECK(fcgi_parse_params(&r, cut_length, sizeof cut_length) == -1);
	CHECK(fcgi_parse_params(&r, lying, 0) == 0 && r.count == 0);
	fcgi_request_free(&r);
}

static void test_huge_declared_length_is_refused(void)
{
	struct fcgi_request r;
	const unsigned char d[] = {0xff, 0xff, 0xff, 0xff, 1, 'a'};
	CHECK(fcgi_request_init(&r) == 0);
	CHECK(fcgi_parse_params(&r, d, sizeof d) == -1);
	fcgi_request_free(&r);
}

int main(void)
{
	RUN(test_short_and_long_lengths);
	RUN(test_truncated_pairs_are_refused);
	RUN(test_huge_declared_length_is_refused);
	return unit_done();
}

/* test_validate.c -- pydantic's int parsing and the 422 list. */
#include <stdint.h>

#include "../../src/routes/router.h"
#include "../../src/routes/validate.h"
#include "unit.h"

static void test_parse_int_like_pydantic(void)
{
	int64_t v = 0;
	CHECK(parse_int("42", 2, &v) && v == 42);
	CHECK(parse_int(" -7 ", 4, &v) && v == -7);
	CHECK(parse_int("+5", 2, &v) && v == 5);
	CHECK(parse_int("10.00", 5, &v) && v == 10);
	CHECK(parse_int("9223372036854775807", 19, &v) && v == INT64_MAX);
	CHECK(parse_int("-9223372036854775808", 20, &v) && v == INT64_MIN);
	CHECK(!parse_int("9223372036854775808", 19, &v));
	CHECK(!parse_int("", 0, &v));
	CHECK(!parse_int("abc", 3, &v));
	CHECK(!parse_int("1.5", 3, &v));
	CHECK(!parse_int("1e3", 3, &v));
	CHECK(!parse_int("-", 1, &v));
	CHECK(!parse_int("1 2", 3, &v));
}

static void test_problems_are_listed_in_order(void)
{
	struct problems p;
	struct response res;
	struct request req = {.request_id = "-"};
	struct ctx c = {.req = &req, .res = &res};
	int64_t v;
	problems_init(&p);
	response_init(&res);
	CHECK(!problems_reply(&p, &c));
	CHECK(!int_param(&p, "path", "user_id", "abc", 3, INT64_MIN, &v));
	CHECK(!int_param(&p, "query", "offset", "-1", 2, 0, &v));
	CHECK(int_param(&p, "query", "limit", "5", 1, 1, &v) && v == 5);
	CHECK(problems_reply(&p, &c));
	CHECK(res.status == 422);
	CHECK_STR(buf_cstr(&res.body), "{\"detail\":[{\"type\":\"int_parsing\",\"loc\":[\"path\",\"user_id\"]"
				       ",\"msg\":\"Input should be a "
				       "valid integer, unable to parse string as an "
				       "integer\",\"input\":\"abc\"},{\"type\":\"greater_"
				       "than_equal\",\"loc\":[\"query\",\"offset\"],\"msg\":\"Input should "
				       "be greater than or equal to "
				       "0\",\"input\":\"-1\",\"ctx\":{\"ge\":0}}]}");
	problems_free(&p);
	response_free(&res);
}

int main(void)
{
	RUN(test_parse_int_like_pydantic);
	RUN(test_problems_are_listed_in_order);
	return unit_done();
}

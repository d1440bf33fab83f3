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

/* The 422 body of the problems in p, for a check. */
static const char *answer_of(struct problems *p, struct response *res)
{
	struct request req = {.request_id = "-"};
	struct ctx c = {.req = &req, .res = res};
	problems_reply(p, &c);
	return buf_cstr(&res->body);
}

static const char *const states[] = {"draft", "todo", "doing", "done", "trash"};

static void test_enum_param_lists_the_members_as_pydantic(void)
{
	struct problems p;
	struct response res;
	size_t i = 99;
	problems_init(&p);
	response_init(&res);
	CHECK(enum_param(&p, "query", "state", "done", 4, states, 5, &i) && i == 3);
	CHECK(!enum_param(&p, "query", "state", "Done", 4, states, 5, &i));
	CHECK(!enum_param(&p, "query", "state", "done\0", 5, states, 5, &i)); /* the NUL counts */
	CHECK(p.count == 2);
	problems_free(&p);
	problems_init(&p);
	CHECK(!enum_param(&p, "query", "state", "", 0, states, 5, &i));
	CHECK_STR(answer_of(&p, &res),
		  "{\"detail\":[{\"type\":\"enum\",\"loc\":[\"query\",\"state\"],"
		  "\"msg\":\"Input should be 'draft', 'todo', 'doing', 'done' or 'trash'\","
		  "\"input\":\"\",\"ctx\":{\"expected\":\"'draft', 'todo', 'doing', 'done' or "
		  "'trash'\"}}]}");
	problems_free(&p);
	response_free(&res);
}

static void test_str_param_counts_characters(void)
{
	struct problems p;
	struct response res;
	problems_init(&p);
	response_init(&res);
	CHECK(str_param(&p, "query", "title", "\xc3\xa7\xc3\xa3\xc3\xa9", 6, 3,
			20)); /* 3 characters, 6 bytes */
	CHECK(str_param(&p, "query", "title", "a\0b", 3, 3, 20));
	CHECK(!str_param(&p, "query", "title", "\xc3\xa7\xc3\xa3", 4, 3, 20));
	CHECK(!str_param(&p, "query", "description", "aaaaaaaaaaaaaaaaaaaaa", 21, 3, 20));
	CHECK_STR(
		answer_of(&p, &res),
		"{\"detail\":[{\"type\":\"string_too_short\",\"loc\":[\"query\",\"title\"],\"msg\":\"String "
		"should have at least 3 "
		"characters\",\"input\":\"\xc3\xa7\xc3\xa3\",\"ctx\":{\"min_length\":3}},"
		"{\"type\":\"string_too_long\",\"loc\":[\"query\",\"description\"],\"msg\":\"String should "
		"have at most 20 "
		"characters\",\"input\":\"aaaaaaaaaaaaaaaaaaaaa\",\"ctx\":{\"max_length\":20}}]}");
	problems_free(&p);
	response_free(&res);
}

int main(void)
{
	RUN(test_parse_int_like_pydantic);
	RUN(test_problems_are_listed_in_order);
	RUN(test_enum_param_lists_the_members_as_pydantic);
	RUN(test_str_param_counts_characters);
	return unit_done();
}

/* test_json.c -- the JSON reader accepts, rejects and reports like CPython
 * 3.11/3.12's json.loads, and the writer prints like json.dumps.
 *
 * Every expected msg/pos/output below was taken from python3 itself:
 *   python3 -c 'import json; json.loads(...)'  (e.msg, e.pos)
 *   json.dumps(obj, ensure_ascii=False, separators=(",", ":")) */
#include "../../src/compat/json.h"
#include "unit.h"
#include "../../src/compat/json_write.h"

#include <stdlib.h>

/* Parses text[0..len) from an exactly-sized heap copy, so ASan flags any
 * read past the end. */
static struct json_doc *parse_exact(const char *text, size_t len, struct json_error *err)
{
	char *copy = malloc(len ? len : 1);
	if (!copy)
		return NULL;
	memcpy(copy, text, len);
	struct json_doc *doc = json_parse(copy, len, err);
	free(copy);
	return doc;
}

/* Whether text[0..len) fails as a JSONDecodeError with this msg and pos. */
static bool fails_n(const char *text, size_t len, const char *msg, size_t pos)
{
	struct json_error err;
	struct json_doc *doc = parse_exact(text, len, &err);
	if (doc) {
		fprintf(stderr, "  parsed, want error \"%s\" at %zu\n", msg, pos);
		json_free(doc);
		return false;
	}
	if (err.kind != JSON_ERR_DECODE || strcmp(err.msg, msg) != 0 || err.pos != pos) {
		fprintf(stderr, "  got  kind %d \"%s\" at %zu\n  want \"%s\" at %zu\n", (int)err.kind,
			err.msg, err.pos, msg, pos);
		return false;
	}
	return true;
}

static bool fails(const char *text, const char *msg, size_t pos)
{
	return fails_n(text, strlen(text), msg, pos);
}

/* Whether text parses and writes back exactly as want. */
static bool dumps_as(const char *text, const char *want)
{
	struct json_error err;
	struct json_doc *doc = parse_exact(text, strlen(text), &err);
	if (!doc) {
		fprintf(stderr, "  %s: error \"%s\" at %zu, want %s\n", text, err.msg, err.pos, want);
		return false;
	}
	struct buf b;
	buf_init(&b);
	json_write(&b, json_root(doc));
	bool same = strcmp(buf_cstr(&b), want) == 0;
	if (!same)
		fprintf(stderr, "  %s: got %s, want %s\n", text, buf_cstr(&b), want);
	buf_free(&b);
	json_free(doc);
	return same;
}

static void test_reads_values_into_the_tree(void)
{
	struct json_error err;
	const char *text = "{\"n\": null, \"t\": true, \"f\": false, \"i\": -12, \"x\": 1.5e3, "
			   "\"s\": \"a\\nb\", \"a\": [1, \"two\", []], \"o\": {}}";
	struct json_doc *doc = json_parse(text, strlen(text), &err);
	CHECK(doc != NULL);
	if (!doc)
		return;
	const struct json_value *root = json_root(doc);
	CHECK(root->type == JSON_OBJECT && root->count == 8);
	CHECK(json_get(root, "n")->type == JSON_NULL);
	CHECK(json_get(root, "t")->type == JSON_TRUE);
	CHECK(json_get(root, "f")->type == JSON_FALSE);
	CHECK(json_get(root, "i")->type == JSON_INT);
	CHECK_STR(json_get(root, "i")->str, "-12");
	CHECK(json_get(root, "x")->type == JSON_FLOAT);
	CHECK_STR(json_get(root, "x")->str, "1.5e3");
	CHECK(json_get(root, "s")->type == JSON_STRING && json_get(root, "s")->len == 3);
	CHECK_STR(json_get(root, "s")->str, "a\nb");
	const struct json_value *a = json_get(root, "a");
	CHECK(a->type == JSON_ARRAY && a->count == 3);
	CHECK(a->items[1].type == JSON_STRING && a->items[2].type == JSON_ARRAY && a->items[2].count == 0);
	CHECK(json_get(root, "o")->type == JSON_OBJECT && json_get(root, "o")->count == 0);
	CHECK(json_get(root, "missing") == NULL);
	CHECK(json_get(a, "n") == NULL);
	CHECK_STR(root->keys[5], "s");
	json_free(doc);
}

static void test_writes_back_like_python_dumps(void)
{
	CHECK(dumps_as(" \t\n\r[1, 2]\r\n", "[1,2]"));
	CHECK(dumps_as("{\"a\" :1 , \"b\" : [ ] }", "{\"a\":1,\"b\":[]}"));
	CHECK(dumps_as("{\"a\":{\"b\":{\"c\":[1,{\"d\":null}]}}}",
		       "{\"a\":{\"b\":{\"c\":[1,{\"d\":null}]}}}"));
	CHECK(dumps_as("{}", "{}"));
	CHECK(dumps_as("[]", "[]"));
	CHECK(dumps_as("{\"\":\"\"}", "{\"\":\"\"}"));
	CHECK(dumps_as("[true,false,null]", "[true,false,null]"));
	CHECK(dumps_as("\"\\/\\b\\f\\n\\r\\t\\\"\\\\\"", "\"/\\b\\f\\n\\r\\t\\\"\\\\\""));
	CHECK(dumps_as("\"\\u00e9\"", "\"é\""));
	CHECK(dumps_as("\"a\\u0000b\"", "\"a\\u0000b\""));
	CHECK(dumps_as("{\"é\":\"😀 中\"}", "{\"é\":\"😀 中\"}"));
}

static void test_empty_document_expects_value(void)
{
	CHECK(fails("", "Expecting value", 0));
	CHECK(fails("  ", "Expecting value", 2));
	CHECK(fails("\xc2\xa0 1", "Expecting value", 0)); /* NBSP is not JSON whitespace */
	CHECK(fails_n("\0", 1, "Expecting value", 0));
}

static void test_structure_errors_match_cpython(void)
{
	CHECK(fails("[", "Expecting value", 1));
	CHECK(fails("{", "Expecting property name enclosed in double quotes", 1));
	CHECK(fails("{1:2}", "Expecting property name enclosed in double quotes", 1));
	CHECK(fails("{\"a\"}", "Expecting ':' delimiter", 4));
	CHECK(fails("{\"a\" 1}", "Expecting ':' delimiter", 5));
	CHECK(fails("{\"a\":}", "Expecting value", 5));
	CHECK(fails("{\"a\":1 \"b\":2}", "Expecting ',' delimiter", 7));
	CHECK(fails("[1 2]", "Expecting ',' delimiter", 3));
	CHECK(fails("[1,2", "Expecting ',' delimiter", 4));
	CHECK(fails("{\"a\":1", "Expecting ',' delimiter", 6));
	CHECK(fails("[1,,]", "Expecting value", 3));
	CHECK(fails("1 2", "Extra data", 2));
	CHECK(fails("{\"a\":1,\"b\":[1,2]} x", "Extra data", 18));
	CHECK(fails_n("[1]\0", 4, "Extra data", 3));
	CHECK(fails("tru", "Expecting value", 0));
	CHECK(fails("nul", "Expecting value", 0));
	CHECK(fails("True", "Expecting value", 0));
	CHECK(fails("-Inf", "Expecting value", 0));
}

/* 3.13 says "Illegal trailing comma before end of object/array"; we follow 3.12. */
static void test_trailing_commas_fail_as_in_3_12(void)
{
	CHECK(fails("[1,]", "Expecting value", 3));
	CHECK(fails("[1,2,]", "Expecting value", 5));
	CHECK(fails("{\"a\":1,}", "Expecting property name enclosed in double quotes", 7));
}

static void test_number_edges_match_match_number(void)
{
	CHECK(fails("-", "Expecting value", 0));
	CHECK(fails("[-]", "Expecting value", 1));
	CHECK(fails("[-x]", "Expecting value", 1));
	CHECK(fails("[.5]", "Expecting value", 1));
	CHECK(fails("[+1]", "Expecting value", 1));
	CHECK(fails("[01]", "Expecting ',' delimiter", 2));
	CHECK(fails("[1.]", "Expecting ',' delimiter", 2));
	CHECK(fails("[1e]", "Expecting ',' delimiter", 2));
	CHECK(fails("[1ea]", "Expecting ',' delimiter", 2));
	CHECK(fails("1e", "Extra data", 1));
	CHECK(fails("1e+", "Extra data", 1));
	CHECK(dumps_as("[1.0e1]", "[10.0]"));
	CHECK(dumps_as("1E+2", "100.0"));
}

static void test_string_errors_match_cpython(void)
{
	CHECK(fails("\"abc", "Unterminated string starting at", 0));
	CHECK(fails("[\"abc", "Unterminated string starting at", 1));
	CHECK(fails("\"\\", "Unterminated string starting at", 0));
	CHECK(fails("\"abc\\\"", "Unterminated string starting at", 0));
	CHECK(fails("\"\\x\"", "Invalid \\escape", 1));
	CHECK(fails("\"a\tb\"", "Invalid control character at", 2));
	CHECK(fails_n("\"\0\"", 3, "Invalid control character at", 1));
	CHECK(fails("\"\\u12\"", "Invalid \\uXXXX escape", 2));
	CHECK(fails("\"\\u00\"", "Invalid \\uXXXX escape", 2));
	CHECK(fails("\"\\u00e\"", "Invalid \\uXXXX escape", 2));
	/* The scanner wants one more character after the four digits. */
	CHECK(fails("\"\\u00e9", "Invalid \\uXXXX escape", 2));
	CHECK(fails("[\"a\\u00e9\\u12G4\"]", "Invalid \\uXXXX escape", 10));
	CHECK(fails("\"\\ud800\\u12\"", "Invalid \\uXXXX escape", 8));
	CHECK(fails("[\"\\ud800\\u12\", 1]", "Invalid \\uXXXX escape", 9));
	CHECK(fails("\"\\ud800\\udc00", "Invalid \\uXXXX escape", 8));
	CHECK(fails("\"\\ud800\\u\"", "Invalid \\uXXXX escape", 8));
	CHECK(fails("\"\\ud800\\uzzzz\"", "Invalid \\uXXXX escape", 8));
}

static void test_positions_count_code_points(void)
{
	CHECK(fails("\"日本語\\q\"", "Invalid \\escape", 4));
	CHECK(fails("\"é\\x\"", "Invalid \\escape", 2));
	CHECK(fails("[\"é\", \"😀\", nul]", "Expecting value", 11));
	CHECK(fails("{\"é\":\"😀\",\"x\":[}", "Expecting value", 14));
	CHECK(fails("\"😀\x01\"", "Invalid control character at", 2));
	CHECK(fails("{\"k\":\"é\"}x", "Extra data", 9));
}

static void test_surrogates_combine_or_stay_lone(void)
{
	CHECK(dumps_as("\"\\ud83d\\ude00\"", "\"😀\""));
	CHECK(dumps_as("\"\\uD83D\\uDE00\"", "\"😀\""));
	CHECK(dumps_as("\"\\ud800\\udc00\"", "\"\xf0\x90\x80\x80\""));
	/* A lone surrogate is written as U+FFFD (see buf.h). */
	CHECK(dumps_as("\"\\ud83d\"", "\"\xEF\xBF\xBD\""));
	CHECK(dumps_as("\"\\ude00\\ud83d\"", "\"\xEF\xBF\xBD\xEF\xBF\xBD\""));
	CHECK(dumps_as("\"\\ud83d\\u0041\"", "\"\xEF\xBF\xBD"
					     "A\""));
	CHECK(dumps_as("\"\\ud83d\\ud83d\\ude00\"", "\"\xEF\xBF\xBD😀\""));

	struct json_error err;
	struct json_doc *doc = json_parse("\"\\ud800x\"", 9, &err);
	CHECK(doc != NULL);
	if (!doc)
		return;
	const struct json_value *s = json_root(doc);
	CHECK(s->len == 4 && memcmp(s->str, "\xed\xa0\x80x", 4) == 0);
	json_free(doc);
}

static void test_duplicate_keys_keep_first_place_last_value(void)
{
	CHECK(dumps_as("{\"a\":1,\"b\":2,\"a\":3}", "{\"a\":3,\"b\":2}"));
	CHECK(dumps_as("{\"b\":1,\"a\":2,\"b\":3,\"c\":4,\"a\":5}", "{\"b\":3,\"a\":5,\"c\":4}"));
	/* "\u0061" is "a": keys compare decoded. */
	CHECK(dumps_as("{\"a\":1,\"\\u0061\":2}", "{\"a\":2}"));

	/* Large objects take the sorted path; compare with Python's dict. */
	struct buf in, want;
	buf_init(&in);
	buf_init(&want);
	buf_addc(&in, '{');
	for (int i = 0; i < 300; i++)
		buf_printf(&in, "%s\"k%d\":%d", i ? "," : "", (i * 7) % 50, i);
	buf_addc(&in, '}');
	buf_addc(&want, '{');
	for (int k = 0; k < 50; k++) {
		int key = (k * 7) % 50, last = 0;
		for (int i = 0; i < 300; i++)
			if ((i * 7) % 50 == key)
				last = i;
		buf_printf(&want, "%s\"k%d\":%d", k ? "," : "", key, last);
	}
	buf_addc(&want, '}');
	CHECK(dumps_as(buf_cstr(&in), buf_cstr(&want)));

	struct json_error err;
	struct json_doc *doc = json_parse(in.data, in.len, &err);
	CHECK(doc && json_root(doc)->count == 50);
	if (doc) {
		CHECK_STR(json_get(json_root(doc), "k7")->str, "251");
		CHECK(json_get(json_root(doc), "k50") == NULL);
	}
	json_free(doc);
	buf_free(&in);
	buf_free(&want);
}

static void test_big_ints_keep_their_text(void)
{
	CHECK(dumps_as("123456789012345678901234567890", "123456789012345678901234567890"));
	CHECK(dumps_as("[-98765432109876543210987654321]", "[-98765432109876543210987654321]"));
	CHECK(dumps_as("9007199254740993", "9007199254740993"));
	CHECK(dumps_as("-0", "0"));
	CHECK(dumps_as("[0,-0,100]", "[0,0,100]"));
}

/* Python's int() refuses more than 4300 digits with a ValueError, which is
 * not a JSONDecodeError (FastAPI answers 400). */
static void test_int_digit_limit_is_a_value_error(void)
{
	char text[4310];
	memset(text, '7', 4300);
	text[4300] = '\0';
	struct json_error err;
	struct json_doc *doc = parse_exact(text, 4300, &err);
	CHECK(doc != NULL);
	json_free(doc);

	text[0] = '-';
	memset(text + 1, '7', 4301);
	doc = parse_exact(text, 4302, &err);
	CHECK(doc == NULL && err.kind == JSON_ERR_INT_DIGITS && err.pos == 0);
	json_free(doc);

	/* Floats have no such limit. */
	memcpy(text + 4302, ".5", 2);
	text[0] = '1';
	doc = parse_exact(text, 4304, &err);
	CHECK(doc != NULL);
	json_free(doc);
}

static void test_floats_print_as_python_repr(void)
{
	static const char *const cases[][2] = {
		{"1.0", "1.0"},
		{"1e5", "100000.0"},
		{"1E5", "100000.0"},
		{"1e15", "1000000000000000.0"},
		{"1e16", "1e+16"},
		{"0.0001", "0.0001"},
		{"0.00001", "1e-05"},
		{"1e-7", "1e-07"},
		{"2.5e-5", "2.5e-05"},
		{"1.5", "1.5"},
		{"12.50", "12.5"},
		{"0.1", "0.1"},
		{"-0.0", "-0.0"},
		{"0e0", "0.0"},
		{"1e300", "1e+300"},
		{"1.25e+2", "125.0"},
		{"123.456e-2", "1.23456"},
		{"5e-324", "5e-324"},
		{"1.7976931348623157e308", "1.7976931348623157e+308"},
		{"1.0000000000000002", "1.0000000000000002"},
		{"1e-400", "0.0"},
		{"-1e-400", "-0.0"},
		{"0.30000000000000004", "0.30000000000000004"},
		{"123456789.123456789", "123456789.12345679"},
		{"9.999999999999999e22", "1e+23"},
		{"1e23", "1e+23"},
		{"8.98846567431158e307", "8.98846567431158e+307"},
		{"2.2250738585072014e-308", "2.2250738585072014e-308"},
		{"4.9406564584124654e-324", "5e-324"},
		{"-123.0e-20", "-1.23e-18"},
		{"3.141592653589793238462643383279", "3.141592653589793"},
		/* The fast path's cases: 15 digits or fewer, 16, 17, rounding carries. */
		{"1.0000000000000001", "1.0"},
		{"0.99999999999999999", "1.0"},
		{"9.9999999999999999e22", "1e+23"},
		{"123456789012345.0", "123456789012345.0"},
		{"1234567890123456.0", "1234567890123456.0"},
		{"0.1000000000000000055511151231257827", "0.1"},
		{"2.9999999999999996", "2.9999999999999996"},
		{"4.35", "4.35"},
		{"1.7976931348623158e308", "1.7976931348623157e+308"},
		{"2.2250738585072011e-308", "2.225073858507201e-308"},
		{"9007199254740993.0", "9007199254740992.0"},
		{"0.000123", "0.000123"},
		{"-5.5e-300", "-5.5e-300"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
		CHECK(dumps_as(cases[i][0], cases[i][1]));
}

/* Python holds nan/inf; JSONResponse would refuse them, we write null. */
static void test_non_finite_floats_write_null(void)
{
	CHECK(dumps_as("[NaN,Infinity,-Infinity]", "[null,null,null]"));
	CHECK(dumps_as("1E400", "null"));
	CHECK(dumps_as("-1e400", "null"));

	struct json_error err;
	struct json_doc *doc = json_parse("NaN", 3, &err);
	CHECK(doc && json_root(doc)->type == JSON_FLOAT);
	if (doc)
		CHECK_STR(json_root(doc)->str, "NaN");
	json_free(doc);
}

/* Python raises RecursionError near 1000 levels; we stop at exactly 1000,
 * iteratively, whatever the input's depth. */
static void test_deep_nesting_is_refused_without_recursing(void)
{
	enum { N = 10000 };
	static char text[5 * N + 8];
	struct json_error err;
	memset(text, '[', N);
	struct json_doc *doc = parse_exact(text, N, &err);
	CHECK(doc == NULL && err.kind == JSON_ERR_DEPTH && err.pos == 1000);
	CHECK_STR(err.msg, "Maximum nesting depth exceeded");

	memset(text + JSON_MAX_DEPTH, ']', JSON_MAX_DEPTH);
	doc = parse_exact(text, 2 * JSON_MAX_DEPTH, &err);
	CHECK(doc != NULL);
	json_free(doc);

	for (int i = 0; i < N; i++)
		memcpy(text + 5 * i, "{\"a\":", 5);
	doc = parse_exact(text, 5 * N, &err);
	CHECK(doc == NULL && err.kind == JSON_ERR_DEPTH && err.pos == 5 * JSON_MAX_DEPTH);

	/* An error met before the limit wins, as in Python. */
	memset(text, '[', 500);
	memcpy(text + 500, "x", 1);
	memset(text + 501, '[', 2000);
	CHECK(fails_n(text, 2501, "Expecting value", 500));
}

static void test_errors_never_read_past_the_end(void)
{
	static const char *const truncated[] = {
		"n",      "nul",     "t",           "fals", "Na",    "Infinit",         "-Infinit",
		"1.",     "1e",      "1e-",         "-",    "\"\\u", "\"\\ud83d\\ude0", "[1",
		"{\"a\"", "{\"a\":", "\"\\ud83d\\u"};
	for (size_t i = 0; i < sizeof truncated / sizeof truncated[0]; i++) {
		struct json_error err;
		struct json_doc *doc = parse_exact(truncated[i], strlen(truncated[i]), &err);
		json_free(doc);
	}
	CHECK(fails("1.", "Extra data", 1));
	CHECK(fails("-Infinit", "Expecting value", 0));
	CHECK(fails("Infinit", "Expecting value", 0));
}

int main(void)
{
	RUN(test_reads_values_into_the_tree);
	RUN(test_writes_back_like_python_dumps);
	RUN(test_empty_document_expects_value);
	RUN(test_structure_errors_match_cpython);
	RUN(test_trailing_commas_fail_as_in_3_12);
	RUN(test_number_edges_match_match_number);
	RUN(test_string_errors_match_cpython);
	RUN(test_positions_count_code_points);
	RUN(test_surrogates_combine_or_stay_lone);
	RUN(test_duplicate_keys_keep_first_place_last_value);
	RUN(test_big_ints_keep_their_text);
	RUN(test_int_digit_limit_is_a_value_error);
	RUN(test_floats_print_as_python_repr);
	RUN(test_non_finite_floats_write_null);
	RUN(test_deep_nesting_is_refused_without_recursing);
	RUN(test_errors_never_read_past_the_end);
	return unit_done();
}

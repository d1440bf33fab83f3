/* fuzz_json.c -- json_parse, json_write and json_get on any UTF-8 text.
 *
 * Every JSON request body reaches json_parse before anything else looks at
 * it, and pydantic's 422 answers echo the parsed value back through
 * json_write, so both see attacker bytes first. Besides the sanitizers, the
 * harness checks what the contract in src/compat/json.h promises:
 *   - a failed parse reports a message and a position inside the text
 *     (counted in code points);
 *   - what json_write prints is UTF-8 JSON that parses back to the same
 *     value (floats to the same double, non-finite ones to null, "-0" to 0),
 *     and printing that again gives the same text;
 *   - no float is printed with more digits than the shortest that reads back;
 *   - json_get finds each key of an object at its own value.
 * Input that is not UTF-8 is skipped: the caller rejects it (400) first. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../src/base/utf8.h"
#include "../../src/compat/json.h"
#include "common.h"
#include "../../src/compat/json_write.h"

static size_t code_points(const char *s, size_t n)
{
	size_t count = 0;
	for (size_t i = 0; i < n; i++)
		count += ((unsigned char)s[i] & 0xC0) != 0x80;
	return count;
}

/* Significant digits of a number's text: no sign, point, exponent, nor
 * leading or trailing zeros. */
static int digit_count(const char *s, size_t n)
{
	int count = 0, zeros = 0;
	bool leading = true;
	for (size_t i = 0; i < n && s[i] != 'e' && s[i] != 'E'; i++) {
		if (s[i] < '0' || s[i] > '9' || (leading && s[i] == '0'))
			continue;
		leading = false;
		count++;
		zeros = s[i] == '0' ? zeros + 1 : 0;
	}
	return count - zeros;
}

/* The fewest digits %.*e needs for x to read back (an upper bound on repr's). */
static int shortest_digits(double x)
{
	char s[48];
	for (int p = 1; p < 17; p++) {
		snprintf(s, sizeof s, "%.*e", p - 1, x);
		if (strtod(s, NULL) == x)
			return p;
	}
	return 17;
}

static void check_float_text(const struct json_value *v)
{
	struct buf out;
	double x = strtod(v->str, NULL);
	if (!isfinite(x) || x == 0)
		return;
	buf_init(&out);
	json_write(&out, v);
	FUZZ_CHECK(buf_ok(&out));
	FUZZ_CHECK(strtod(buf_cstr(&out), NULL) == x);
	FUZZ_CHECK(digit_count(out.data, out.len) <= shortest_digits(x));
	buf_free(&out);
}

static bool is_minus_zero(const struct json_value *v)
{
	return v->len == 2 && memcmp(v->str, "-0", 2) == 0;
}

/* Whether b (parsed from json_write(a)) is the value a stands for. */
/* Whether b is a as json_write prints it: a lone surrogate (ED A0..BF xx)
 * comes back as U+FFFD (EF BF BD), everything else byte for byte. */
static bool same_text(const char *a, size_t alen, const char *b, size_t blen)
{
	size_t i = 0, j = 0;
	while (i < alen && j < blen) {
		if (i + 2 < alen && (unsigned char)a[i] == 0xED && (unsigned char)a[i + 1] >= 0xA0) {
			if (blen - j < 3 || memcmp(b + j, "\xEF\xBF\xBD", 3) != 0)
				return false;
			i += 3;
			j += 3;
		} else if (a[i++] != b[j++]) {
			return false;
		}
	}
	return i == alen && j == blen;
}

static bool same_value(const struct json_value *a, const struct json_value *b)
{
	if (a->type == JSON_FLOAT) {
		double x = strtod(a->str, NULL);
		if (!isfinite(x))
			return b->type == JSON_NULL;
		return b->type == JSON_FLOAT && strtod(b->str, NULL) == x &&
		       signbit(strtod(b->str, NULL)) == signbit(x);
	}
	if (a->type != b->type)
		return false;
	if (a->type == JSON_INT)
		return is_minus_zero(a) ? strcmp(b->str, "0") == 0
					: a->len == b->len && !memcmp(a->str, b->str, a->len);
	if (a->type == JSON_STRING)
		return same_text(a->str, a->len, b->str, b->len);
	if (a->type != JSON_ARRAY && a->type != JSON_OBJECT)
		return true;
	if (a->count != b->count)
		return false;
	for (size_t i = 0; i < a->count; i++) {
		if (a->type == JSON_OBJECT &&
		    !same_text(a->keys[i], a->key_lens[i], b->keys[i], b->key_lens[i]))
			return false;
		if (!same_value(&a->items[i], &b->items[i]))
			return false;
	}
	return true;
}

/* Walks the value: json_get on every key, json_write on every float. */
static void check_tree(const struct json_value *v)
{
	if (v->type == JSON_FLOAT)
		check_float_text(v);
	if (v->type != JSON_ARRAY && v->type != JSON_OBJECT) {
		FUZZ_CHECK(json_get(v, "") == NULL);
		return;
	}
	for (size_t i = 0; i < v->count; i++) {
		if (v->type == JSON_OBJECT) {
			FUZZ_CHECK(v->keys[i][v->key_lens[i]] == '\0');
			if (strlen(v->keys[i]) == v->key_lens[i])
				FUZZ_CHECK(json_get(v, v->keys[i]) == &v->items[i]);
		}
		check_tree(&v->items[i]);
	}
}

static void check_error(const char *text, size_t len, const struct json_error *err)
{
	FUZZ_CHECK(memchr(err->msg, '\0', sizeof err->msg) != NULL);
	FUZZ_CHECK(err->msg[0] != '\0');
	FUZZ_CHECK(err->kind == JSON_ERR_NOMEM || err->pos <= code_points(text, len));
}

/* json_write(root), parsed again: the same value, printed the same. */
static void check_round_trip(const struct json_value *root)
{
	struct buf once, twice;
	struct json_error err;
	buf_init(&once);
	buf_init(&twice);
	json_write(&once, root);
	FUZZ_CHECK(buf_ok(&once));
	FUZZ_CHECK(fuzz_utf8_ok((const unsigned char *)once.data, once.len));
	struct json_doc *again = json_parse(once.data, once.len, &err);
	FUZZ_CHECK(again != NULL);
	FUZZ_CHECK(same_value(root, json_root(again)));
	json_write(&twice, json_root(again));
	FUZZ_CHECK(once.len == twice.len && memcmp(once.data, twice.data, once.len) == 0);
	json_free(again);
	buf_free(&once);
	buf_free(&twice);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *text = (const char *)data;
	struct json_error err;
	bool valid = utf8_valid(text, size);
	FUZZ_CHECK(valid == fuzz_utf8_ok(data, size));
	if (!valid)
		return 0;
	struct json_doc *doc = json_parse(text, size, &err);
	if (!doc) {
		check_error(text, size, &err);
		return 0;
	}
	check_tree(json_root(doc));
	check_round_trip(json_root(doc));
	json_free(doc);
	return 0;
}

/* fuzz_form.c -- form decoding: form_parse (urlencoded), form_parse_multipart,
 * form_get, utf8_valid, and the integer reading of query parameters
 * (parse_int, int_param).
 *
 * The login form (POST /auth/token, urlencoded or multipart) and every query
 * string (GET /users/?offset=..&limit=..) are decoded straight from the
 * client's bytes; utf8_valid is the gate in front of every JSON body. Each
 * input is decoded twice: as a urlencoded form, then as a multipart body --
 * under the Content-Type of its first line when it starts with "multipart/"
 * (the client chooses the boundary too), else under one with boundary "x".
 * The harness checks, besides the sanitizers:
 *   - utf8_valid agrees with an independent decoder (Unicode Table 3-7);
 *   - every decoded name and value is UTF-8 (bad bytes became U+FFFD) and
 *     NUL-terminated where form_get says it ends;
 *   - form_get finds the last pair of each name;
 *   - decoding is idempotent on what has no '%', '+', '&' or '=';
 *   - a value parse_int accepts prints back to the same integer, and
 *     int_param's 422 entry is UTF-8 JSON. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../src/wire/form.h"
#include "../../src/base/utf8.h"
#include "../../src/routes/validate.h"
#include "common.h"

/* Pairs checked one by one (the check is quadratic in their number). */
enum { MAX_CHECKED = 64 };

static const char *pair_name(const struct form *f, size_t i)
{
	return f->text.data + f->offsets[i * 2];
}

static size_t value_len(const struct form *f, size_t i)
{
	size_t start = f->offsets[i * 2 + 1];
	size_t stop = i + 1 < f->count ? f->offsets[(i + 1) * 2] : f->text.len;
	return stop - start - 1;
}

/* The index of the last pair called name. */
static size_t last_pair(const struct form *f, const char *name)
{
	size_t last = 0;
	for (size_t i = 0; i < f->count; i++)
		if (f->offsets[i * 2 + 1] - f->offsets[i * 2] - 1 == strlen(name) &&
		    strcmp(pair_name(f, i), name) == 0)
			last = i;
	return last;
}

static void check_int(const char *v, size_t len)
{
	int64_t n, again;
	char text[32];
	struct problems p;
	struct buf entry;
	if (parse_int(v, len, &n)) {
		snprintf(text, sizeof text, "%" PRId64, n);
		FUZZ_CHECK(parse_int(text, strlen(text), &again) && again == n);
	}
	problems_init(&p);
	buf_init(&entry);
	if (!int_param(&p, "query", "limit", v, len, 1, &n)) {
		FUZZ_CHECK(p.count == 1);
		buf_add(&entry, p.list.data, p.list.len);
		FUZZ_CHECK(fuzz_is_json(entry.data, entry.len));
	}
	buf_free(&entry);
	problems_free(&p);
}

static void check_pair(const struct form *f, size_t i)
{
	const char *name = pair_name(f, i);
	size_t len = value_len(f, i), got_len = 0;
	const char *value = f->text.data + f->offsets[i * 2 + 1];
	FUZZ_CHECK(value[len] == '\0');
	FUZZ_CHECK(fuzz_utf8_ok((const unsigned char *)value, len));
	FUZZ_CHECK(fuzz_utf8_ok((const unsigned char *)name, strlen(name)));
	const char *got = form_get(f, name, &got_len);
	/* A name holding a NUL is a name of its own: "a\0b" is not found as "a". */
	bool whole = strlen(name) == f->offsets[i * 2 + 1] - f->offsets[i * 2] - 1;
	FUZZ_CHECK(got != NULL || !whole);
	if (whole && last_pair(f, name) == i)
		FUZZ_CHECK(got == value && got_len == len);
	check_int(value, len);
}

/* Text without escapes, separators or '+' decodes to itself once valid UTF-8. */
static void check_plain(const char *s, size_t n)
{
	struct form f;
	size_t len;
	if (!n || memchr(s, '\0', n) || strpbrk(s, "%+&=") || !utf8_valid(s, n))
		return;
	form_init(&f);
	FUZZ_CHECK(form_parse(&f, s, n) == 0 && f.count == 1);
	FUZZ_CHECK(strcmp(pair_name(&f, 0), s) == 0);
	FUZZ_CHECK(form_get(&f, s, &len) != NULL && len == 0);
	form_free(&f);
}

static void check_pairs(const struct form *f)
{
	for (size_t i = 0; i < f->count && i < MAX_CHECKED; i++)
		check_pair(f, i);
}

/* The input as a multipart body, under the Content-Type of its first line
 * when that starts with "multipart/". */
static void check_multipart(struct form *f, const char *s, size_t n)
{
	const char *nl = memchr(s, '\n', n);
	char *type = NULL;
	if (n > 10 && memcmp(s, "multipart/", 10) == 0 && nl) {
		type = fuzz_cstr((const uint8_t *)s, (size_t)(nl - s));
		n -= (size_t)(nl + 1 - s);
		s = nl + 1;
	}
	FUZZ_CHECK(form_parse_multipart(f, s, n, type ? type : "multipart/form-data; boundary=x") == 0);
	check_pairs(f);
	free(type);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s = size ? (const char *)data : "";
	struct form f;
	FUZZ_CHECK(utf8_valid(s, size) == fuzz_utf8_ok(data, size));
	form_init(&f);
	FUZZ_CHECK(form_parse(&f, s, size) == 0);
	check_pairs(&f);
	check_multipart(&f, s, size);
	form_free(&f);
	char *c = fuzz_cstr(data, size);
	check_plain(c, strlen(c));
	free(c);
	return 0;
}

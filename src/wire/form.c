/* form.c -- urlencoded and multipart decoding (see form.h). */
#include "wire/form.h"

#include <stdlib.h>
#include <string.h>

#include "base/utf8.h"

void form_init(struct form *f)
{
	memset(f, 0, sizeof *f);
	buf_init(&f->text);
}

void form_free(struct form *f)
{
	buf_free(&f->text);
	free(f->offsets);
	form_init(f);
}

/* Appends s[0..n) with '+' and %XX decoded, as UTF-8, and a NUL. */
static void add_percent_decoded(struct buf *out, const char *s, size_t n)
{
	struct buf raw;
	buf_init(&raw);
	for (size_t i = 0; i < n; i++) {
		int hi, lo;
		if (s[i] == '+') {
			buf_addc(&raw, ' ');
		} else if (s[i] == '%' && i + 2 < n && (hi = hex_digit(s[i + 1])) >= 0 &&
			   (lo = hex_digit(s[i + 2])) >= 0) {
			buf_addc(&raw, (char)(hi << 4 | lo));
			i += 2;
		} else {
			buf_addc(&raw, s[i]);
		}
	}
	utf8_add_replacing(out, raw.data, raw.len);
	buf_addc(out, '\0');
	buf_free(&raw);
}

static void add_text(struct buf *out, const char *s, size_t n, bool percent_encoded)
{
	if (percent_encoded) {
		add_percent_decoded(out, s, n);
	} else {
		utf8_add_replacing(out, s, n);
		buf_addc(out, '\0');
	}
}

static int add_pair(struct form *f, const char *name, size_t name_len, const char *value, size_t value_len,
		    bool percent_encoded)
{
	if (f->count * 2 + 2 > f->cap) {
		size_t n = f->cap ? f->cap * 2 : 16;
		size_t *p = realloc(f->offsets, n * sizeof *p);
		if (!p)
			return -1;
		f->offsets = p;
		f->cap = n;
	}
	f->offsets[f->count * 2] = f->text.len;
	add_text(&f->text, name, name_len, percent_encoded);
	f->offsets[f->count * 2 + 1] = f->text.len;
	add_text(&f->text, value, value_len, percent_encoded);
	f->count++;
	return buf_ok(&f->text) ? 0 : -1;
}

static void form_reset(struct form *f)
{
	buf_reset(&f->text);
	f->count = 0;
}

int form_parse(struct form *f, const char *s, size_t n)
{
	form_reset(f);
	for (size_t at = 0; at < n;) {
		const char *amp = memchr(s + at, '&', n - at);
		size_t end = amp ? (size_t)(amp - s) : n;
		const char *eq = memchr(s + at, '=', end - at);
		size_t name_end = eq ? (size_t)(eq - s) : end;
		if (end > at && add_pair(f, s + at, name_end - at, s + name_end + (eq ? 1 : 0),
					 eq ? end - name_end - 1 : 0, true))
			return -1;
		at = end + 1;
	}
	return 0;
}

/* The boundary parameter of a multipart Content-Type; its length, or 0. */
static size_t multipart_boundary(const char *content_type, const char **out)
{
	const char *b = strcasestr(content_type, "boundary=");
	if (!b)
		return 0;
	b += 9;
	bool quoted = *b == '"';
	b += quoted;
	size_t n = strcspn(b, quoted ? "\"" : "; \t");
	*out = b;
	return n <= 70 ? n : 0; /* RFC 2046's limit */
}

/* The name="..." of a part's Content-Disposition header in h[0..n). */
static bool part_name(const char *h, size_t n, const char **name, size_t *len)
{
	for (const char *p = h; (p = memmem(p, n - (size_t)(p - h), "name=\"", 6)); p += 6) {
		if (p > h && (p[-1] == ' ' || p[-1] == ';')) {
			const char *start = p + 6, *end = memchr(start, '"', n - (size_t)(start - h));
			if (!end)
				return false;
			*name = start;
			*len = (size_t)(end - start);
			return true;
		}
	}
	return false;
}

/* Just past the first "--boundary" (which may open the body without the
 * CRLF that precedes the others), or NULL. */
static const char *first_delimiter_end(const char *body, size_t n, const char *delim, size_t dlen)
{
	if (n >= dlen - 2 && memcmp(body, delim + 2, dlen - 2) == 0)
		return body + dlen - 2;
	const char *p = memmem(body, n, delim, dlen);
	return p ? p + dlen : NULL;
}

int form_parse_multipart(struct form *f, const char *body, size_t n, const char *content_type)
{
	const char *boundary;
	size_t blen = multipart_boundary(content_type, &boundary);
	char delim[80] = "\r\n--";
	form_reset(f);
	if (!blen)
		return 0;
	memcpy(delim + 4, boundary, blen);
	size_t dlen = blen + 4;
	const char *end = body + n, *head_end, *next, *name;
	for (const char *at = first_delimiter_end(body, n, delim, dlen); at; at = next + dlen) {
		size_t name_len;
		if (end - at < 2 || memcmp(at, "\r\n", 2) != 0)
			break; /* "--" closes the body */
		at += 2;
		if (!(head_end = memmem(at, (size_t)(end - at), "\r\n\r\n", 4)) ||
		    !(next = memmem(head_end + 4, (size_t)(end - head_end - 4), delim, dlen)))
			break;
		if (part_name(at, (size_t)(head_end - at), &name, &name_len) &&
		    add_pair(f, name, name_len, head_end + 4, (size_t)(next - head_end - 4), false))
			return -1;
	}
	return 0;
}

const char *form_get(const struct form *f, const char *name, size_t *len)
{
	size_t name_len = strlen(name);
	for (size_t i = f->count; i-- > 0;) {
		/* Keys are compared whole: "username%00junk" is not "username", as in Starlette. */
		const char *key = f->text.data + f->offsets[i * 2];
		if (f->offsets[i * 2 + 1] - f->offsets[i * 2] - 1 != name_len ||
		    memcmp(key, name, name_len) != 0)
			continue;
		size_t start = f->offsets[i * 2 + 1];
		size_t stop = i + 1 < f->count ? f->offsets[(i + 1) * 2] : f->text.len;
		*len = stop - start - 1;
		return f->text.data + start;
	}
	return NULL;
}

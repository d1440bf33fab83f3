/* buf.c -- growable byte buffer and the JSON string writer (see buf.h). */
#include "buf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "utf8.h"

void buf_init(struct buf *b)
{
	memset(b, 0, sizeof *b);
}

void buf_free(struct buf *b)
{
	free(b->data);
	buf_init(b);
}

void buf_reset(struct buf *b)
{
	b->len = 0;
	b->failed = false;
}

bool buf_ok(const struct buf *b)
{
	return !b->failed;
}

bool buf_grow(struct buf *b, size_t n)
{
	if (b->failed)
		return false;
	if (n < b->cap - b->len)
		return true;
	size_t cap = b->cap ? b->cap : 256;
	while (cap - b->len <= n) {
		if (cap > SIZE_MAX / 2) {
			b->failed = true;
			return false;
		}
		cap *= 2;
	}
	char *p = realloc(b->data, cap);
	if (!p) {
		b->failed = true;
		return false;
	}
	b->data = p;
	b->cap = cap;
	return true;
}

void buf_printf(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || !buf_reserve(b, (size_t)n + 1))
		return;
	va_start(ap, fmt);
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

const char *buf_cstr(struct buf *b)
{
	if (!buf_reserve(b, 1))
		return "";
	b->data[b->len] = '\0';
	return b->data;
}

/* The escape Python's json module writes for byte c, or NULL to copy c. */
static const char *json_escape_of(unsigned char c)
{
	switch (c) {
	case '"': return "\\\"";
	case '\\': return "\\\\";
	case '\n': return "\\n";
	case '\r': return "\\r";
	case '\t': return "\\t";
	case '\b': return "\\b";
	case '\f': return "\\f";
	default: return NULL;
	}
}

/* The bytes json_add_str must look at: controls, '"', '\\', and 0xED (which
 * may open a surrogate). Every other byte is copied as it is. */
static bool needs_care(unsigned char c)
{
	return c < 0x20 || c == '"' || c == '\\' || c == 0xED;
}

/* Whether any of the 8 bytes in w may need care (false positives allowed,
 * never a false negative): the bit tricks of "Bit Twiddling Hacks" for a
 * byte below 0x20 and a byte equal to '"', '\\' or 0xED. Most strings are
 * copied 8 bytes a step this way. */
static bool word_needs_care(uint64_t w)
{
	const uint64_t ones = 0x0101010101010101u, highs = 0x8080808080808080u;
#define FZ_HAS_ZERO(v) (((v)-ones) & ~(v)&highs)
	return ((w - 0x20 * ones) & ~w & highs) || FZ_HAS_ZERO(w ^ ('"' * ones)) ||
	       FZ_HAS_ZERO(w ^ ('\\' * ones)) || FZ_HAS_ZERO(w ^ (0xED * ones));
#undef FZ_HAS_ZERO
}

void json_add_str(struct buf *b, const char *str, size_t n)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t run = 0; /* start of the bytes copied as they are */
	buf_addc(b, '"');
	for (size_t i = 0; i < n; i++) {
		uint64_t w;
		while (i + 8 <= n && (memcpy(&w, s + i, 8), !word_needs_care(w)))
			i += 8;
		if (i >= n)
			break;
		if (!needs_care(s[i]))
			continue;
		const char *esc = json_escape_of(s[i]);
		bool ctrl = s[i] < 0x20 && !esc;
		bool surrogate = s[i] == 0xED && utf8_is_surrogate(s + i, n - i);
		if (!esc && !ctrl && !surrogate)
			continue;
		buf_add(b, s + run, i - run);
		if (esc) {
			buf_adds(b, esc);
		} else if (ctrl) {
			buf_printf(b, "\\u%04x", s[i]);
		} else {
			buf_adds(b, "\xEF\xBF\xBD");
			i += 2;
		}
		run = i + 1;
	}
	buf_add(b, s + run, n - run);
	buf_addc(b, '"');
}

void json_add_cstr(struct buf *b, const char *s)
{
	json_add_str(b, s, strlen(s));
}

void json_add_int(struct buf *b, int64_t v)
{
	char digits[24], *p = digits + sizeof digits;
	uint64_t u = v < 0 ? 0 - (uint64_t)v : (uint64_t)v; /* INT64_MIN too */
	do {
		*--p = (char)('0' + u % 10);
		u /= 10;
	} while (u);
	if (v < 0)
		*--p = '-';
	buf_add(b, p, (size_t)(digits + sizeof digits - p));
}

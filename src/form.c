/* form.c -- urlencoded decoding and the UTF-8 check (see form.h). */
#include "form.h"

#include <stdlib.h>
#include <string.h>

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

static int hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Length of the valid UTF-8 sequence at s (left bytes available), or 0. */
static size_t utf8_seq_len(const unsigned char *s, size_t left)
{
	unsigned char c = s[0];
	size_t n = c < 0x80 ? 1 : c >= 0xC2 && c <= 0xDF ? 2 : c >= 0xE0 && c <= 0xEF ? 3 : c >= 0xF0 && c <= 0xF4 ? 4 : 0;
	if (n == 0 || n > left)
		return 0;
	for (size_t i = 1; i < n; i++)
		if ((s[i] & 0xC0) != 0x80)
			return 0;
	if ((c == 0xE0 && s[1] < 0xA0) || (c == 0xED && s[1] > 0x9F) || (c == 0xF0 && s[1] < 0x90) ||
	    (c == 0xF4 && s[1] > 0x8F))
		return 0; /* overlong, surrogate, or beyond U+10FFFF */
	return n;
}

bool utf8_valid(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	for (size_t i = 0; i < n;) {
		size_t k = utf8_seq_len(p + i, n - i);
		if (!k)
			return false;
		i += k;
	}
	return true;
}

/* Appends the decoded bytes, then re-validates them as UTF-8 in place. */
static void decode_part(struct buf *out, const char *s, size_t n)
{
	struct buf raw;
	buf_init(&raw);
	for (size_t i = 0; i < n; i++) {
		int hi, lo;
		if (s[i] == '+')
			buf_addc(&raw, ' ');
		else if (s[i] == '%' && i + 2 < n && (hi = hex_value(s[i + 1])) >= 0 &&
			 (lo = hex_value(s[i + 2])) >= 0) {
			buf_addc(&raw, (char)(hi << 4 | lo));
			i += 2;
		} else
			buf_addc(&raw, s[i]);
	}
	const unsigned char *p = (const unsigned char *)raw.data;
	for (size_t i = 0; i < raw.len;) {
		size_t k = utf8_seq_len(p + i, raw.len - i);
		if (k)
			buf_add(out, p + i, k);
		else
			buf_adds(out, "\xEF\xBF\xBD"); /* U+FFFD, as errors="replace" */
		i += k ? k : 1;
	}
	buf_addc(out, '\0');
	buf_free(&raw);
}

static int grow_offsets(struct form *f, size_t *cap)
{
	if (f->count * 2 + 2 > *cap) {
		size_t n = *cap ? *cap * 2 : 16;
		size_t *p = realloc(f->offsets, n * sizeof *p);
		if (!p)
			return -1;
		f->offsets = p;
		*cap = n;
	}
	return 0;
}

int form_parse(struct form *f, const char *s, size_t n)
{
	size_t cap = 0;
	buf_reset(&f->text);
	f->count = 0;
	free(f->offsets);
	f->offsets = NULL;
	for (size_t at = 0; at < n;) {
		const char *amp = memchr(s + at, '&', n - at);
		size_t end = amp ? (size_t)(amp - s) : n;
		const char *eq = memchr(s + at, '=', end - at);
		size_t name_end = eq ? (size_t)(eq - s) : end;
		if (end > at) {
			if (grow_offsets(f, &cap))
				return -1;
			f->offsets[f->count * 2] = f->text.len;
			decode_part(&f->text, s + at, name_end - at);
			f->offsets[f->count * 2 + 1] = f->text.len;
			decode_part(&f->text, s + name_end + (eq ? 1 : 0), eq ? end - name_end - 1 : 0);
			f->count++;
		}
		at = end + 1;
	}
	return buf_ok(&f->text) ? 0 : -1;
}

const char *form_get(const struct form *f, const char *name, size_t *len)
{
	for (size_t i = f->count; i-- > 0;) {
		const char *key = f->text.data + f->offsets[i * 2];
		if (strcmp(key, name) != 0)
			continue;
		size_t start = f->offsets[i * 2 + 1];
		size_t stop = i + 1 < f->count ? f->offsets[(i + 1) * 2] : f->text.len;
		*len = stop - start - 1;
		return f->text.data + start;
	}
	return NULL;
}

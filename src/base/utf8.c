/* utf8.c -- UTF-8 reading and writing (see utf8.h). */
#include "base/utf8.h"

#include <string.h>

size_t utf8_seq_len(const unsigned char *s, size_t left)
{
	unsigned char c = s[0];
	size_t n = c < 0x80                 ? 1
		   : c >= 0xC2 && c <= 0xDF ? 2
		   : c >= 0xE0 && c <= 0xEF ? 3
		   : c >= 0xF0 && c <= 0xF4 ? 4
					    : 0;
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

void utf8_add_replacing(struct buf *out, const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	for (size_t i = 0; i < n;) {
		size_t k = utf8_seq_len(p + i, n - i);
		if (k)
			buf_add(out, p + i, k);
		else
			buf_adds(out, "\xEF\xBF\xBD"); /* U+FFFD, as errors="replace" */
		i += k ? k : 1;
	}
}

/* The length a lead byte announces, surrogates allowed; 0 for a bad lead. */
static size_t lead_len(unsigned char c)
{
	if (c >= 0xC2 && c <= 0xDF)
		return 2;
	if (c >= 0xE0 && c <= 0xEF)
		return 3;
	if (c >= 0xF0 && c <= 0xF4)
		return 4;
	return 0;
}

size_t utf8_next(const unsigned char *s, size_t n, size_t i, uint32_t *cp)
{
	static const uint32_t min_of_len[5] = {0, 0, 0x80, 0x800, 0x10000};
	size_t len = lead_len(s[i]);
	*cp = s[i];
	if (s[i] < 0x80)
		return i + 1;
	uint32_t v = s[i] & (0x7Fu >> len);
	for (size_t k = 1; len && k < len; k++) {
		if (i + k >= n || (s[i + k] & 0xC0) != 0x80) {
			len = 0;
			break;
		}
		v = v << 6 | (s[i + k] & 0x3Fu);
	}
	if (!len || v < min_of_len[len] || v > 0x10FFFF) {
		*cp = 0xDC00 | s[i];
		return i + 1;
	}
	*cp = v;
	return i + len;
}

size_t utf8_encode(uint32_t cp, char out[4])
{
	if (cp < 0x80) {
		out[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = (char)(0xC0 | cp >> 6);
		out[1] = (char)(0x80 | (cp & 0x3F));
		return 2;
	}
	if (cp < 0x10000) {
		out[0] = (char)(0xE0 | cp >> 12);
		out[1] = (char)(0x80 | (cp >> 6 & 0x3F));
		out[2] = (char)(0x80 | (cp & 0x3F));
		return 3;
	}
	out[0] = (char)(0xF0 | cp >> 18);
	out[1] = (char)(0x80 | (cp >> 12 & 0x3F));
	out[2] = (char)(0x80 | (cp >> 6 & 0x3F));
	out[3] = (char)(0x80 | (cp & 0x3F));
	return 4;
}

bool utf8_has_surrogate(const char *s, size_t n)
{
	const unsigned char *u = (const unsigned char *)s;
	for (const unsigned char *p = u; (p = memchr(p, 0xED, n - (size_t)(p - u))); p++)
		if (utf8_is_surrogate(p, n - (size_t)(p - u)))
			return true;
	return false;
}

int hex_digit(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

size_t utf8_length(const char *s, size_t n)
{
	size_t count = 0;
	uint32_t cp;
	for (size_t i = 0; i < n; count++)
		i = utf8_next((const unsigned char *)s, n, i, &cp);
	return count;
}

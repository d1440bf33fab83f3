/* utf8.h -- UTF-8 as Python reads and writes it, in one place.
 *
 * Request text is read strictly, as Python's decoder does: no surrogates, no
 * overlong forms, nothing beyond U+10FFFF (utf8_valid, utf8_add_replacing).
 * Text the JSON reader produced may also hold a lone surrogate from a
 * "\udXXX" escape, which it keeps as the three bytes ED A0..BF xx (what
 * utf8_encode writes for one); utf8_next reads such text code point by code
 * point, and the writers turn those bytes into U+FFFD (buf.c) or refuse them
 * (validate.c). The hex digits of %XX and \uXXXX escapes are read here too. */
#ifndef FZ_UTF8_H
#define FZ_UTF8_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"

/* Length of the valid UTF-8 sequence at s (left bytes available), or 0. */
size_t utf8_seq_len(const unsigned char *s, size_t left);
/* Whether s[0..n) is valid UTF-8 as Python's strict decoder sees it. */
bool utf8_valid(const char *s, size_t n);
/* Appends s[0..n) with every byte that is not valid UTF-8 replaced by U+FFFD
 * (Python's errors="replace"). */
void utf8_add_replacing(struct buf *out, const char *s, size_t n);

/* The code point at s[i] (i < n); returns where the next one starts.
 * Surrogates (ED A0..BF xx) are read as code points; any other bad byte
 * stands alone, as U+DC00 + byte (Python's errors="surrogateescape"). */
size_t utf8_next(const unsigned char *s, size_t n, size_t i, uint32_t *cp);
/* How many code points s[0..n) holds, read as utf8_next reads them: what
 * Python's len() gives for the string (pydantic's max_length counts it). */
size_t utf8_length(const char *s, size_t n);
/* Writes code point cp (at most U+10FFFF; a surrogate as three bytes) into
 * out; returns its length. */
size_t utf8_encode(uint32_t cp, char out[4]);

/* Whether the bytes at s (left available) are a surrogate kept as ED A0..BF xx. */
static inline bool utf8_is_surrogate(const unsigned char *s, size_t left)
{
	return left >= 3 && s[0] == 0xED && s[1] >= 0xA0 && s[1] <= 0xBF;
}
/* Whether s[0..n) holds such a surrogate. */
bool utf8_has_surrogate(const char *s, size_t n);

/* The value of hex digit c (either case), or -1. */
int hex_digit(int c);

#endif

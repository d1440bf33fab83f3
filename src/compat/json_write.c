/* json_write.c -- the JSON writer (see json_write.h). */
#include "compat/json_write.h"

#include <inttypes.h>
#include <float.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compat/json.h"
#include "base/utf8.h"

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

/* Whether the decimal m * 10^exp reads back as x. */
static bool reads_back(uint64_t m, int exp, double x)
{
	char s[48];
	snprintf(s, sizeof s, "%" PRIu64 "e%d", m, exp);
	return strtod(s, NULL) == x;
}

/* The prec-digit decimal m * 10^exp that reads back as x > 0, the nearest to
 * x if several do; false if none does. The correctly rounded one can miss
 * while its neighbour on the other side of x still reads back (x a power of
 * two, whose lower gap is half the upper), so both neighbours are tried. */
static bool decimal_of_precision(double x, int prec, uint64_t *m_out, int *exp_out)
{
	char s[48];
	snprintf(s, sizeof s, "%.*e", prec - 1, x);
	uint64_t m = 0;
	const char *c = s;
	for (; *c != 'e'; c++) {
		if (*c != '.')
			m = m * 10 + (uint64_t)(*c - '0');
	}
	int exp = atoi(c + 1) - (prec - 1);
	const uint64_t candidates[3] = {m, m - 1, m + 1};
	for (int k = 0; k < 3; k++) {
		if (candidates[k] && reads_back(candidates[k], exp, x)) {
			*m_out = candidates[k];
			*exp_out = exp;
			return true;
		}
	}
	return false;
}

/* The shortest decimal that reads back as x > 0, as Python's repr picks it.
 * Every prec-digit decimal is also a (prec+1)-digit one, so "some decimal of
 * this precision reads back" only turns true once as prec grows: binary
 * search keeps long floats to about four tries instead of seventeen.
 * at_most is a precision known to be enough (the source's digit count),
 * at_least one known to be needed. */
static void shortest_decimal(double x, int at_least, int at_most, uint64_t *m_out, int *exp_out)
{
	int lo = at_least, hi = at_most >= at_least && at_most < 17 ? at_most : 17; /* 17 always read back */
	bool found = false;
	while (lo < hi) {
		int mid = lo + (hi - lo) / 2;
		if (decimal_of_precision(x, mid, m_out, exp_out)) {
			hi = mid;
			found = true;
		} else {
			lo = mid + 1;
		}
	}
	if (!found)
		decimal_of_precision(x, hi, m_out, exp_out);
}

static void add_zeros(struct buf *out, int n)
{
	for (int i = 0; i < n; i++)
		buf_addc(out, '0');
}

/* Python's float_repr layout of digits * 10^(decpt - len(digits)):
 * positional for 1e-4 <= |x| < 1e16, else d.ddde+XX. */
static void add_float_layout(struct buf *out, const char *digits, int decpt)
{
	int n = (int)strlen(digits);
	if (decpt <= -4 || decpt > 16) {
		buf_addc(out, digits[0]);
		if (n > 1) {
			buf_addc(out, '.');
			buf_adds(out, digits + 1);
		}
		int e = decpt - 1;
		buf_printf(out, "e%c%02d", e < 0 ? '-' : '+', e < 0 ? -e : e);
	} else if (decpt <= 0) {
		buf_adds(out, "0.");
		add_zeros(out, -decpt);
		buf_adds(out, digits);
	} else if (decpt < n) {
		buf_add(out, digits, (size_t)decpt);
		buf_addc(out, '.');
		buf_adds(out, digits + decpt);
	} else {
		buf_adds(out, digits);
		add_zeros(out, decpt - n);
		buf_adds(out, ".0");
	}
}

/* The significant digits of a JSON number's text: the text itself reads
 * back as its float, so repr never needs more. */
static int significant_digits(const char *text)
{
	int n = 0, trailing_zeros = 0;
	bool leading = true;
	for (const char *c = text; *c && *c != 'e' && *c != 'E'; c++) {
		if (*c < '0' || *c > '9')
			continue;
		if (leading && *c == '0')
			continue;
		leading = false;
		n++;
		trailing_zeros = *c == '0' ? trailing_zeros + 1 : 0;
	}
	return n - trailing_zeros;
}

/* text's decimal rounded half up to p significant digits: m (exactly p
 * digits) with text ~ m * 10^(decpt - p); *all gets how many significant
 * digits text has (0: zero). */
static void source_rounded(const char *text, int p, uint64_t *m, int *decpt, int *all)
{
	uint64_t v = 0, top = 1;
	int n = 0, point = 0;
	bool seen_point = false, round_up = false;
	const char *c = text;
	for (int i = 0; i < p; i++)
		top *= 10;
	for (; *c && *c != 'e' && *c != 'E'; c++) {
		if (*c == '.') {
			seen_point = true;
		} else if (*c >= '0' && *c <= '9') {
			if (n == 0 && *c == '0') {
				point -= seen_point;
				continue;
			}
			if (n == p)
				round_up = *c >= '5';
			if (n < p)
				v = v * 10 + (uint64_t)(*c - '0');
			n++;
			point += !seen_point;
		}
	}
	*all = n;
	for (int i = n; i < p; i++)
		v *= 10;
	*decpt = point + (*c && n ? atoi(c + 1) : 0);
	if (round_up && ++v == top) {
		v = top / 10;
		++*decpt;
	}
	*m = v;
}

enum decision { NO, YES, UNSURE };

/* 10^k in long double for |k| <= 340, from a table made once (powl is slow). */
static long double pow10l_of(int k)
{
	static long double table[681];
	static bool made;
	if (!made) {
		for (int i = 0; i < 681; i++)
			table[i] = powl(10.0L, (long double)(i - 340));
		made = true;
	}
	return k >= -340 && k <= 340 ? table[k + 340] : powl(10.0L, (long double)k);
}

/* Where the p-digit integer c falls against x scaled to p digits (xs, with
 * its gaps to the neighbouring floats lo and hi in the same units): whether
 * it reads back as x, and whether it is the nearest p-digit decimal. long
 * double's 64 bits leave an error far below margin; a case within margin of
 * a boundary is UNSURE and left to the exact search. */
static enum decision reads_as(long double c, long double xs, long double lo, long double hi,
			      long double margin)
{
	long double d = c - xs;
	if (d > -lo / 2 + margin && d < hi / 2 - margin)
		return YES;
	if (d < -lo / 2 - margin || d > hi / 2 + margin)
		return NO;
	return UNSURE;
}

/* The shortest decimal of x > 0 (as shortest_decimal), without printf or
 * strtod: a source of at most 15 significant digits (DBL_DIG) is its own
 * repr; otherwise x is scaled to 15, 16 and 17 digits in long double and the
 * nearest integers tried. False when a case is too close to call (about
 * 1 in 100 random floats): the exact search decides then, from the
 * precision in *needed. A 1 MiB body of 17-digit floats echoed in a 422
 * costs milliseconds this way instead of a second. */
static bool shortest_fast(const char *text, double x, uint64_t *m_out, int *exp_out, int *needed)
{
	uint64_t m;
	int decpt, all;
	source_rounded(text, 15, &m, &decpt, &all);
	if (all == 0 || decpt < -305 || decpt > 309) /* subnormals and the range's edges */
		return false;
	if (all <= 15) {
		*m_out = m;
		*exp_out = decpt - 15;
		return true;
	}
	long double lx = x, lo = lx - nextafter(x, 0), hi = x == DBL_MAX ? lo : nextafter(x, INFINITY) - lx;
	int e10 = decpt; /* x = 0.ddd * 10^e10, unless rounding crossed a power of ten */
	if (lx * pow10l_of(15 - e10) < pow10l_of(14))
		e10--;
	for (int p = 15; p <= 17; p++) {
		long double scale = pow10l_of(p - e10), xs = lx * scale;
		*needed = p;
		long double top = pow10l_of(p),
			    margin = xs * 4e-19L; /* thrice the error of two roundings and powl */
		if (xs < top / 10 || xs >= top)
			return false;
		long double c = roundl(xs);
		enum decision d = reads_as(c, xs, lo * scale, hi * scale, margin);
		if (d == NO && p == 16) { /* a power of two: the nearer gap may hold a neighbour */
			long double other = c - 1;
			d = reads_as(other, xs, lo * scale, hi * scale, margin);
			if (d == NO)
				d = reads_as(other = c + 1, xs, lo * scale, hi * scale, margin);
			c = other;
		}
		if (d == UNSURE || (d == YES && fabsl(c - xs) > 0.5L - margin))
			return false;
		if (d == YES || p == 17) {
			if (d != YES)
				return false;
			*m_out = (uint64_t)c;
			*exp_out = e10 - p;
			return true;
		}
	}
	return false;
}

/* repr(float(text)); null where Python would hold nan or inf. */
static void write_float(struct buf *out, const char *text)
{
	double x = strtod(text, NULL);
	if (!isfinite(x)) {
		buf_adds(out, "null");
		return;
	}
	if (x == 0) {
		buf_adds(out, signbit(x) ? "-0.0" : "0.0");
		return;
	}
	uint64_t m = 0;
	int exp = 0;
	int needed = 1;
	if (!shortest_fast(text, fabs(x), &m, &exp, &needed))
		shortest_decimal(fabs(x), needed, significant_digits(text), &m, &exp);
	while (m % 10 == 0) {
		m /= 10;
		exp++;
	}
	char digits[24];
	int n = snprintf(digits, sizeof digits, "%" PRIu64, m);
	if (signbit(x))
		buf_addc(out, '-');
	add_float_layout(out, digits, n + exp);
}

/* Python's int prints the parsed text unchanged, except that -0 is 0. */
static void write_int(struct buf *out, const struct json_value *v)
{
	if (v->len == 2 && memcmp(v->str, "-0", 2) == 0)
		buf_addc(out, '0');
	else
		buf_add(out, v->str, v->len);
}

void json_write(struct buf *out, const struct json_value *v)
{
	switch (v->type) {
	case JSON_NULL: buf_adds(out, "null"); break;
	case JSON_FALSE: buf_adds(out, "false"); break;
	case JSON_TRUE: buf_adds(out, "true"); break;
	case JSON_INT: write_int(out, v); break;
	case JSON_FLOAT: write_float(out, v->str); break;
	case JSON_STRING: json_add_str(out, v->str, v->len); break;
	case JSON_ARRAY:
		buf_addc(out, '[');
		for (size_t i = 0; i < v->count; i++) {
			if (i)
				buf_addc(out, ',');
			json_write(out, &v->items[i]);
		}
		buf_addc(out, ']');
		break;
	case JSON_OBJECT:
		buf_addc(out, '{');
		for (size_t i = 0; i < v->count; i++) {
			if (i)
				buf_addc(out, ',');
			json_add_str(out, v->keys[i], v->key_lens[i]);
			buf_addc(out, ':');
			json_write(out, &v->items[i]);
		}
		buf_addc(out, '}');
		break;
	}
}

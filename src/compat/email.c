/* email.c -- pydantic's EmailStr check with email_validator 2.2's rules and wording (see email.h).
 *
 * The steps, in the order the Python code takes them (and so the order in which
 * reasons win when an address has several faults):
 *   pydantic:        length <= 2048 characters; "Name <addr>" keeps addr; strip
 *   split_email:     local part / domain at the first unquoted '@'; display names
 *   local part:      empty, length, dot-atom, quoted string, unsafe characters;
 *                    then a quoted local part is refused
 *   domain:          empty, [literal], characters, dots and hyphens, lengths,
 *                    a period, a letter-ending TLD, special-use names
 *   whole address:   254 octets; then a display name is refused
 *
 * Unicode. Python works on code points with the full Unicode database; here the
 * properties come from small tables that cover what matters in practice:
 *   - unsafe characters (controls, format characters, separators, surrogates,
 *     private use, noncharacters, and combining marks of the main combining
 *     blocks) are recognised; other unassigned code points pass as letters;
 *   - Unicode NFC normalisation of the local part is skipped: text is kept as
 *     written (email_validator would compose e + U+0301 into U+00E9);
 *   - domains get only the one-to-one part of UTS-46 mapping (capitals of
 *     Latin, Greek and Cyrillic to small letters, fullwidth forms and
 *     ideographic full stops to ASCII; see uts46_map()), and no IDNA 2008
 *     validity check; their punycode form is computed for the length and
 *     top-level-domain checks; "xn--" labels are kept, not decoded;
 *   - pydantic's \w (for display names) treats non-ASCII letters as word
 *     characters and the common punctuation and symbol blocks as not.
 * Bytes that are not UTF-8 are decoded as Python's surrogateescape would
 * (U+DC80..U+DCFF), so they are refused as unsafe characters. */
#include "compat/email.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/utf8.h"

#define PYDANTIC_MAX_CHARS     2048
#define EMAIL_MAX_LENGTH       254
#define LOCAL_PART_MAX_LENGTH  64
#define DNS_LABEL_LENGTH_LIMIT 63
#define DOMAIN_MAX_LENGTH      253

/* A view of bytes that are not ours. */
struct text {
	const unsigned char *s;
	size_t n;
};

static struct text text_of(const void *s, size_t n)
{
	/* an empty buffer has no data: keep pointer arithmetic off NULL */
	struct text t = {s ? (const unsigned char *)s : (const unsigned char *)"", n};
	return t;
}

static struct text text_sub(struct text t, size_t from, size_t to)
{
	return text_of(t.s + from, to - from);
}

static struct text text_of_buf(const struct buf *b)
{
	return text_of(b->data, b->len);
}

static bool fail(struct buf *reason, const char *msg)
{
	buf_adds(reason, msg);
	return false;
}

/* A scratch buffer that ran short makes the reason fail too, so the caller
 * sees it through buf_ok(reason). */
static void pass_failure(struct buf *reason, const struct buf *scratch)
{
	if (scratch->failed)
		reason->failed = true;
}

/* Python's len(): code points. */
static size_t char_count(struct text t)
{
	size_t count = 0;
	uint32_t cp;
	for (size_t i = 0; i < t.n; count++)
		i = utf8_next(t.s, t.n, i, &cp);
	return count;
}

static bool is_ascii(struct text t)
{
	for (size_t i = 0; i < t.n; i++)
		if (t.s[i] >= 0x80)
			return false;
	return true;
}

static bool has_byte(struct text t, unsigned char c)
{
	return t.n && memchr(t.s, c, t.n) != NULL;
}

static bool has_pair(struct text t, unsigned char a, unsigned char b)
{
	for (size_t i = 0; i + 1 < t.n; i++)
		if (t.s[i] == a && t.s[i + 1] == b)
			return true;
	return false;
}

static unsigned char ascii_lower(unsigned char c)
{
	return c >= 'A' && c <= 'Z' ? (unsigned char)(c + 32) : c;
}

/* ---- Unicode properties ---- */

/* unicodedata.category() reduced to what check_unsafe_chars() tells apart. */
enum uclass {
	UC_GRAPHIC, /* L, N, P, S: letters, numbers, punctuation, symbols */
	UC_MARK,    /* M */
	UC_SPACE,   /* Zs */
	UC_OTHER,   /* C, Zl, Zp */
};

struct urange {
	uint32_t lo, hi;
	enum uclass cls;
};

/* Unicode 14 (Python 3.11): every Cc, Cf, Cs, Co, Zs, Zl, Zp range above ASCII,
 * and the main combining-mark blocks. */
static const struct urange uranges[] = {
	{0x0080, 0x009F, UC_OTHER},   {0x00A0, 0x00A0, UC_SPACE},   {0x00AD, 0x00AD, UC_OTHER},
	{0x0300, 0x036F, UC_MARK},    {0x0483, 0x0489, UC_MARK},    {0x0600, 0x0605, UC_OTHER},
	{0x061C, 0x061C, UC_OTHER},   {0x06DD, 0x06DD, UC_OTHER},   {0x070F, 0x070F, UC_OTHER},
	{0x0890, 0x0891, UC_OTHER},   {0x08E2, 0x08E2, UC_OTHER},   {0x1680, 0x1680, UC_SPACE},
	{0x180E, 0x180E, UC_OTHER},   {0x1AB0, 0x1ACE, UC_MARK},    {0x1DC0, 0x1DFF, UC_MARK},
	{0x2000, 0x200A, UC_SPACE},   {0x200B, 0x200F, UC_OTHER},   {0x2028, 0x202E, UC_OTHER},
	{0x202F, 0x202F, UC_SPACE},   {0x205F, 0x205F, UC_SPACE},   {0x2060, 0x2064, UC_OTHER},
	{0x2066, 0x206F, UC_OTHER},   {0x20D0, 0x20F0, UC_MARK},    {0x3000, 0x3000, UC_SPACE},
	{0xD800, 0xF8FF, UC_OTHER},   {0xFE00, 0xFE0F, UC_MARK},    {0xFE20, 0xFE2F, UC_MARK},
	{0xFEFF, 0xFEFF, UC_OTHER},   {0xFFF9, 0xFFFB, UC_OTHER},   {0x110BD, 0x110BD, UC_OTHER},
	{0x110CD, 0x110CD, UC_OTHER}, {0x13430, 0x13438, UC_OTHER}, {0x1BCA0, 0x1BCA3, UC_OTHER},
	{0x1D173, 0x1D17A, UC_OTHER}, {0xE0001, 0xE0001, UC_OTHER}, {0xE0020, 0xE007F, UC_OTHER},
	{0xE0100, 0xE01EF, UC_MARK},  {0xF0000, 0xFFFFD, UC_OTHER}, {0x100000, 0x10FFFD, UC_OTHER},
};

static const struct urange *urange_find(const struct urange *r, size_t n, uint32_t cp)
{
	size_t lo = 0, hi = n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (cp < r[mid].lo)
			hi = mid;
		else if (cp > r[mid].hi)
			lo = mid + 1;
		else
			return &r[mid];
	}
	return NULL;
}

static bool is_noncharacter(uint32_t cp)
{
	return (cp >= 0xFDD0 && cp <= 0xFDEF) || (cp & 0xFFFE) == 0xFFFE;
}

static enum uclass uclass_of(uint32_t cp)
{
	if (cp == ' ')
		return UC_SPACE;
	if (cp < 0x20 || cp == 0x7F)
		return UC_OTHER;
	if (cp < 0x80)
		return UC_GRAPHIC;
	if (is_noncharacter(cp))
		return UC_OTHER;
	const struct urange *r = urange_find(uranges, sizeof uranges / sizeof uranges[0], cp);
	return r ? r->cls : UC_GRAPHIC;
}

/* Python's str.isspace(), which is also what \s, strip() and rstrip() use. */
static bool is_space(uint32_t cp)
{
	return (cp >= 0x09 && cp <= 0x0D) || (cp >= 0x1C && cp <= 0x20) || cp == 0x85 || cp == 0xA0 ||
	       cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200A) || cp == 0x2028 || cp == 0x2029 ||
	       cp == 0x202F || cp == 0x205F || cp == 0x3000;
}

/* Non-ASCII graphic characters that Python's \w does not match (checked
 * against Python 3.11, block by block); anything else graphic counts as a
 * word character. */
static const struct urange nonword_ranges[] = {
	{0xA1, 0xA9, UC_GRAPHIC},     {0xAB, 0xB1, UC_GRAPHIC},       {0xB4, 0xB4, UC_GRAPHIC},
	{0xB6, 0xB8, UC_GRAPHIC},     {0xBB, 0xBB, UC_GRAPHIC},       {0xBF, 0xBF, UC_GRAPHIC},
	{0xD7, 0xD7, UC_GRAPHIC},     {0xF7, 0xF7, UC_GRAPHIC},       {0x2010, 0x2027, UC_GRAPHIC},
	{0x2030, 0x205E, UC_GRAPHIC}, {0x20A0, 0x20C0, UC_GRAPHIC},   {0x2190, 0x245F, UC_GRAPHIC},
	{0x249C, 0x24E9, UC_GRAPHIC}, {0x2500, 0x2775, UC_GRAPHIC},   {0x2794, 0x2BFF, UC_GRAPHIC},
	{0x3001, 0x3004, UC_GRAPHIC}, {0x3008, 0x3020, UC_GRAPHIC},   {0xFE30, 0xFE4F, UC_GRAPHIC},
	{0xFF01, 0xFF0F, UC_GRAPHIC}, {0xFF1A, 0xFF20, UC_GRAPHIC},   {0xFF3B, 0xFF40, UC_GRAPHIC},
	{0xFF5B, 0xFF65, UC_GRAPHIC}, {0x1F000, 0x1F0FF, UC_GRAPHIC}, {0x1F10D, 0x1FAFF, UC_GRAPHIC},
};

static bool is_ascii_alnum(uint32_t cp)
{
	return (cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z') || (cp >= '0' && cp <= '9');
}

/* Python's \w. */
static bool is_word(uint32_t cp)
{
	if (cp < 0x80)
		return is_ascii_alnum(cp) || cp == '_';
	return uclass_of(cp) == UC_GRAPHIC &&
	       !urange_find(nonword_ranges, sizeof nonword_ranges / sizeof nonword_ranges[0], cp);
}

/* What idna.uts46_remap() makes of cp, where that is one code point: capital
 * letters of Latin-1, Latin Extended-A, Greek and Cyrillic to small ones, the
 * ideographic and fullwidth full stops to '.', fullwidth ASCII to ASCII
 * (checked against idna 3 for every code point mapped here). Other code
 * points are kept, which UTS-46 would sometimes map or refuse. */
static uint32_t uts46_map(uint32_t cp)
{
	if ((cp >= 'A' && cp <= 'Z') || (cp >= 0xC0 && cp <= 0xDE && cp != 0xD7) ||
	    (cp >= 0x391 && cp <= 0x3A9 && cp != 0x3A2) || (cp >= 0x410 && cp <= 0x42F))
		return cp + 0x20;
	if (cp >= 0x400 && cp <= 0x40F)
		return cp + 0x50;
	if (cp == 0x178)
		return 0xFF;
	bool odd_capitals = (cp >= 0x139 && cp <= 0x148) || (cp >= 0x179 && cp <= 0x17E);
	bool even_capitals =
		cp >= 0x100 && cp <= 0x177 && !(cp >= 0x130 && cp <= 0x133) && !(cp >= 0x138 && cp <= 0x149);
	if ((odd_capitals && cp % 2 == 1) || (even_capitals && cp % 2 == 0))
		return cp + 1;
	if (cp == 0x3002 || cp == 0xFF0E || cp == 0xFF61)
		return '.';
	if (cp >= 0xFF01 && cp <= 0xFF5E)
		return uts46_map(cp - 0xFEE0);
	return cp;
}

/* ---- how email_validator shows a character: safe_character_display() ---- */

struct uname {
	uint32_t cp;
	const char *name;
};

/* unicodedata.name() of the characters above that have one; the others are
 * shown as U+XXXX, as email_validator does for nameless ones. */
static const struct uname unames[] = {
	{0x0020, "SPACE"},
	{0x00A0, "NO-BREAK SPACE"},
	{0x00AD, "SOFT HYPHEN"},
	{0x0600, "ARABIC NUMBER SIGN"},
	{0x0601, "ARABIC SIGN SANAH"},
	{0x0602, "ARABIC FOOTNOTE MARKER"},
	{0x0603, "ARABIC SIGN SAFHA"},
	{0x0604, "ARABIC SIGN SAMVAT"},
	{0x0605, "ARABIC NUMBER MARK ABOVE"},
	{0x061C, "ARABIC LETTER MARK"},
	{0x06DD, "ARABIC END OF AYAH"},
	{0x070F, "SYRIAC ABBREVIATION MARK"},
	{0x0890, "ARABIC POUND MARK ABOVE"},
	{0x0891, "ARABIC PIASTRE MARK ABOVE"},
	{0x08E2, "ARABIC DISPUTED END OF AYAH"},
	{0x1680, "OGHAM SPACE MARK"},
	{0x180E, "MONGOLIAN VOWEL SEPARATOR"},
	{0x2000, "EN QUAD"},
	{0x2001, "EM QUAD"},
	{0x2002, "EN SPACE"},
	{0x2003, "EM SPACE"},
	{0x2004, "THREE-PER-EM SPACE"},
	{0x2005, "FOUR-PER-EM SPACE"},
	{0x2006, "SIX-PER-EM SPACE"},
	{0x2007, "FIGURE SPACE"},
	{0x2008, "PUNCTUATION SPACE"},
	{0x2009, "THIN SPACE"},
	{0x200A, "HAIR SPACE"},
	{0x200B, "ZERO WIDTH SPACE"},
	{0x200C, "ZERO WIDTH NON-JOINER"},
	{0x200D, "ZERO WIDTH JOINER"},
	{0x200E, "LEFT-TO-RIGHT MARK"},
	{0x200F, "RIGHT-TO-LEFT MARK"},
	{0x2028, "LINE SEPARATOR"},
	{0x2029, "PARAGRAPH SEPARATOR"},
	{0x202A, "LEFT-TO-RIGHT EMBEDDING"},
	{0x202B, "RIGHT-TO-LEFT EMBEDDING"},
	{0x202C, "POP DIRECTIONAL FORMATTING"},
	{0x202D, "LEFT-TO-RIGHT OVERRIDE"},
	{0x202E, "RIGHT-TO-LEFT OVERRIDE"},
	{0x202F, "NARROW NO-BREAK SPACE"},
	{0x205F, "MEDIUM MATHEMATICAL SPACE"},
	{0x2060, "WORD JOINER"},
	{0x2061, "FUNCTION APPLICATION"},
	{0x2062, "INVISIBLE TIMES"},
	{0x2063, "INVISIBLE SEPARATOR"},
	{0x2064, "INVISIBLE PLUS"},
	{0x2066, "LEFT-TO-RIGHT ISOLATE"},
	{0x2067, "RIGHT-TO-LEFT ISOLATE"},
	{0x2068, "FIRST STRONG ISOLATE"},
	{0x2069, "POP DIRECTIONAL ISOLATE"},
	{0x206A, "INHIBIT SYMMETRIC SWAPPING"},
	{0x206B, "ACTIVATE SYMMETRIC SWAPPING"},
	{0x206C, "INHIBIT ARABIC FORM SHAPING"},
	{0x206D, "ACTIVATE ARABIC FORM SHAPING"},
	{0x206E, "NATIONAL DIGIT SHAPES"},
	{0x206F, "NOMINAL DIGIT SHAPES"},
	{0x3000, "IDEOGRAPHIC SPACE"},
	{0xFEFF, "ZERO WIDTH NO-BREAK SPACE"},
	{0xFFF9, "INTERLINEAR ANNOTATION ANCHOR"},
	{0xFFFA, "INTERLINEAR ANNOTATION SEPARATOR"},
	{0xFFFB, "INTERLINEAR ANNOTATION TERMINATOR"},
	{0xE0001, "LANGUAGE TAG"},
};

static const char *uname_of(uint32_t cp)
{
	for (size_t i = 0; i < sizeof unames / sizeof unames[0]; i++)
		if (unames[i].cp == cp)
			return unames[i].name;
	return NULL;
}

/* Graphic characters as repr() shows them, a backslash in double quotes
 * (repr would double it), the rest by name or as U+XXXX. */
static void add_char_display(struct buf *b, uint32_t cp)
{
	char utf8[4];
	if (cp == '\\') {
		buf_adds(b, "\"\\\"");
	} else if (cp == '\'') {
		buf_adds(b, "\"'\"");
	} else if (uclass_of(cp) == UC_GRAPHIC) {
		buf_addc(b, '\'');
		buf_add(b, utf8, utf8_encode(cp, utf8));
		buf_addc(b, '\'');
	} else if (uname_of(cp)) {
		buf_adds(b, uname_of(cp));
	} else {
		/* "< 0xFFFF", not "<=": U+FFFF gets eight digits in email_validator too */
		buf_printf(b, cp < 0xFFFF ? "U+%04X" : "U+%08X", (unsigned)cp);
	}
}

/* ---- lists of offending characters ---- */

typedef bool (*char_ok_fn)(uint32_t cp);

static bool all_chars_ok(struct text t, char_ok_fn ok)
{
	uint32_t cp;
	for (size_t i = 0; i < t.n;) {
		i = utf8_next(t.s, t.n, i, &cp);
		if (!ok(cp))
			return false;
	}
	return true;
}

static int cmp_cstr(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The displays of the characters of t that fail ok, each NUL-terminated in *names. */
static void collect_displays(struct text t, char_ok_fn ok, struct buf *names)
{
	uint32_t cp;
	for (size_t i = 0; i < t.n;) {
		i = utf8_next(t.s, t.n, i, &cp);
		if (ok(cp))
			continue;
		add_char_display(names, cp);
		buf_addc(names, '\0');
	}
}

/* ", ".join(sorted(set(displays))): strcmp on UTF-8 orders as Python orders str. */
static void add_sorted_unique(struct buf *reason, struct buf *names, struct buf *index)
{
	if (!buf_ok(names))
		return; /* its last display may have lost its NUL */
	for (size_t at = 0; at < names->len; at += strlen(names->data + at) + 1) {
		const char *p = names->data + at;
		buf_add(index, &p, sizeof p);
	}
	if (!buf_ok(index))
		return;
	const char **v = (const char **)(void *)index->data;
	size_t n = index->len / sizeof *v;
	qsort(v, n, sizeof *v, cmp_cstr);
	for (size_t i = 0; i < n; i++) {
		if (i > 0 && strcmp(v[i - 1], v[i]) == 0)
			continue;
		if (i > 0)
			buf_adds(reason, ", ");
		buf_adds(reason, v[i]);
	}
}

/* Appends prefix, the offending characters of t as email_validator lists
 * them (", ".join(sorted(set of displays))), then "."; returns false. */
static bool fail_with_chars(struct buf *reason, const char *prefix, struct text t, char_ok_fn ok)
{
	struct buf names, index;
	buf_init(&names);
	buf_init(&index);
	buf_adds(reason, prefix);
	collect_displays(t, ok, &names);
	add_sorted_unique(reason, &names, &index);
	buf_addc(reason, '.');
	pass_failure(reason, &names);
	pass_failure(reason, &index);
	buf_free(&names);
	buf_free(&index);
	return false;
}

/* ---- check_unsafe_chars() ---- */

static bool is_unsafe(uint32_t cp, size_t index, bool allow_space)
{
	switch (uclass_of(cp)) {
	case UC_GRAPHIC: return false;
	case UC_MARK: return index == 0; /* it would combine with what precedes the address */
	case UC_SPACE: return !allow_space;
	default: return true;
	}
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return (x > y) - (x < y);
}

/* Here the set is sorted by character, not by display. */
static void add_unsafe_list(struct buf *reason, struct text t, bool allow_space, struct buf *cps)
{
	uint32_t cp;
	size_t index = 0;
	for (size_t i = 0; i < t.n; index++) {
		i = utf8_next(t.s, t.n, i, &cp);
		if (is_unsafe(cp, index, allow_space))
			buf_add(cps, &cp, sizeof cp);
	}
	if (!buf_ok(cps))
		return;
	uint32_t *v = (uint32_t *)(void *)cps->data;
	size_t n = cps->len / sizeof *v;
	qsort(v, n, sizeof *v, cmp_u32);
	for (size_t i = 0; i < n; i++) {
		if (i > 0 && v[i - 1] == v[i])
			continue;
		if (i > 0)
			buf_adds(reason, ", ");
		add_char_display(reason, v[i]);
	}
}

static bool check_unsafe_chars(struct text t, bool allow_space, struct buf *reason)
{
	uint32_t cp;
	size_t index = 0;
	bool unsafe = false;
	for (size_t i = 0; i < t.n && !unsafe; index++) {
		i = utf8_next(t.s, t.n, i, &cp);
		unsafe = is_unsafe(cp, index, allow_space);
	}
	if (!unsafe)
		return true;
	struct buf cps;
	buf_init(&cps);
	buf_adds(reason, "The email address contains unsafe characters: ");
	add_unsafe_list(reason, t, allow_space, &cps);
	buf_addc(reason, '.');
	pass_failure(reason, &cps);
	buf_free(&cps);
	return false;
}

/* ---- character classes of email_validator's rfc_constants ---- */

/* ATEXT: RFC 5322 atom characters. */
static bool is_atext(uint32_t cp)
{
	return is_ascii_alnum(cp) || (cp < 0x80 && cp && strchr("_!#$%&'*+-/=?^`{|}~", (int)cp));
}

static bool atext_intl_or_dot(uint32_t cp)
{
	return is_atext(cp) || cp == '.' || cp >= 0x80;
}

static bool qtext_intl(uint32_t cp)
{
	return (cp >= 0x20 && cp <= 0x7E) || cp >= 0x80;
}

static bool hostname_char(uint32_t cp)
{
	return is_ascii_alnum(cp) || cp == '-' || cp == '.' || cp >= 0x80;
}

/* Unquoted display names: atom characters and spaces, but no periods. */
static bool display_name_char(uint32_t cp)
{
	return is_atext(cp) || cp == ' ';
}

static bool domain_literal_char(uint32_t cp)
{
	return cp >= 0x21 && cp <= 0xFA;
}

/* DOT_ATOM_TEXT (or DOT_ATOM_TEXT_INTL): atoms joined by single periods. */
static bool is_dot_atom(struct text t, bool intl)
{
	bool after_dot = true;
	uint32_t cp;
	for (size_t i = 0; i < t.n;) {
		i = utf8_next(t.s, t.n, i, &cp);
		if (cp == '.') {
			if (after_dot)
				return false;
			after_dot = true;
		} else if (is_atext(cp) || (intl && cp >= 0x80)) {
			after_dot = false;
		} else {
			return false;
		}
	}
	return !after_dot;
}

/* ---- pydantic: the "Name <address>" form and surrounding spaces ---- */

static size_t skip_space(struct text t, size_t i)
{
	uint32_t cp;
	while (i < t.n) {
		size_t next = utf8_next(t.s, t.n, i, &cp);
		if (!is_space(cp))
			break;
		i = next;
	}
	return i;
}

/* Where the text ends once trailing spaces are dropped. */
static size_t end_without_space(struct text t)
{
	size_t end = 0;
	uint32_t cp;
	for (size_t i = 0; i < t.n;) {
		i = utf8_next(t.s, t.n, i, &cp);
		if (!is_space(cp))
			end = i;
	}
	return end;
}

/* Python's str.strip(). */
static struct text strip_space(struct text t)
{
	size_t end = end_without_space(t);
	size_t start = skip_space(t, 0);
	return text_sub(t, start < end ? start : end, end);
}

static bool is_name_char(uint32_t cp)
{
	return is_word(cp) || (cp < 0x80 && cp && strchr("!#$%&'*+-/=?^_`{|}~", (int)cp));
}

/* `<(.+)>\s*$` from t.s[lt], where end is just after the last non-space
 * character: '.' stops at newlines. */
static bool angle_part_ok(struct text t, size_t lt, size_t end)
{
	if (lt >= t.n || t.s[lt] != '<' || lt + 2 >= end)
		return false;
	return !has_byte(text_sub(t, lt + 1, end - 1), '\n');
}

/* `(?:\w+\s+)*\w+\s*<` from i: the '<' position, or t.n. */
static size_t after_plain_name(struct text t, size_t i)
{
	uint32_t cp;
	while (i < t.n) {
		size_t next = utf8_next(t.s, t.n, i, &cp);
		if (!is_name_char(cp) && !is_space(cp))
			break;
		i = next;
	}
	return i < t.n && t.s[i] == '<' ? i : t.n;
}

/* `"(?:[^"]|")+"\s*<` from the quote at i: the greedy group ends at the last
 * closing quote that the rest of the pattern accepts. Returns the '<' or t.n. */
static size_t after_quoted_name(struct text t, size_t i, size_t end)
{
	for (size_t q = end; q > i + 2; q--) {
		if (t.s[q - 1] != '"')
			continue;
		size_t lt = skip_space(t, q);
		if (angle_part_ok(t, lt, end))
			return lt;
	}
	return t.n;
}

/* pydantic's pretty_email_regex, fullmatched:
 *   \s*(?:(name)|"(quoted name)")?\s*<(.+)>\s*
 * Returns the text inside the angle brackets when t matches, else t. */
static struct text pydantic_address(struct text t)
{
	size_t i = skip_space(t, 0);
	size_t end = end_without_space(t);
	if (i >= end || t.s[end - 1] != '>')
		return t;
	uint32_t cp;
	utf8_next(t.s, t.n, i, &cp);
	size_t lt = t.n;
	if (cp == '<')
		lt = i;
	else if (cp == '"')
		lt = after_quoted_name(t, i, end);
	else if (is_name_char(cp))
		lt = after_plain_name(t, i);
	if (!angle_part_ok(t, lt, end))
		return t;
	return text_sub(t, lt + 1, end - 1);
}

/* ---- email_validator's split_email() ---- */

struct parsed {
	struct buf local;   /* before the @-sign, quotes and backslash escapes removed */
	struct text domain; /* after the @-sign, as written */
	struct buf mapped;  /* the domain through uts46_map(): what is stored */
	bool quoted;        /* the local part was a quoted string */
	bool display_name;  /* "Name <address>" reached email_validator */
};

/* NFC turns '<' + U+0338 into U+226E, which is not an angle bracket. */
static bool combines_with_next(struct text t, size_t next)
{
	return next + 1 < t.n && t.s[next] == 0xCC && t.s[next + 1] == 0xB8;
}

/* split_string_at_unquoted_special(): the first '@' (or '<', when lt_too)
 * outside a quoted string, or t.n when there is none. */
static size_t find_unquoted_special(struct text t, bool lt_too)
{
	bool inside = false, escaped = false;
	uint32_t cp;
	for (size_t i = 0; i < t.n;) {
		size_t next = utf8_next(t.s, t.n, i, &cp);
		if (cp == '<' && combines_with_next(t, next)) {
			i = next;
			continue;
		}
		if (inside) {
			inside = !(cp == '"' && !escaped);
			escaped = cp == '\\' && !escaped;
		} else if (cp == '"') {
			inside = true;
		} else if (cp == '@' || (lt_too && cp == '<')) {
			return i;
		}
		i = next;
	}
	return t.n;
}

/* Every character after a closing quote, in order and repeated, and with no
 * final period: that is how email_validator words this one. */
static bool fail_extra_after_quote(struct text rest, struct buf *reason)
{
	uint32_t cp;
	buf_adds(reason, "Extra character(s) found after close quote: ");
	for (size_t i = 0; i < rest.n;) {
		if (i > 0)
			buf_adds(reason, ", ");
		i = utf8_next(rest.s, rest.n, i, &cp);
		add_char_display(reason, cp);
	}
	return false;
}

/* unquote_quoted_string(): t into *out without its surrounding quotes and
 * backslash escapes when it starts with a quote, as it is otherwise. */
static bool unquote(struct text t, struct buf *out, bool *quoted, struct buf *reason)
{
	*quoted = t.n > 0 && t.s[0] == '"';
	if (!*quoted) {
		buf_add(out, t.s, t.n);
		return true;
	}
	bool escaped = false;
	uint32_t cp;
	for (size_t i = 1; i < t.n;) {
		size_t next = utf8_next(t.s, t.n, i, &cp);
		if (!escaped && cp == '"')
			return next == t.n || fail_extra_after_quote(text_sub(t, next, t.n), reason);
		if (escaped || cp != '\\')
			buf_add(out, t.s + i, next - i);
		escaped = !escaped && cp == '\\';
		i = next;
	}
	return true;
}

static bool check_display_name(struct text name, struct buf *reason)
{
	struct buf value;
	bool quoted;
	buf_init(&value);
	bool ok = unquote(name, &value, &quoted, reason);
	if (ok && !quoted && !all_chars_ok(text_of_buf(&value), display_name_char))
		ok = fail_with_chars(reason, "The display name contains invalid characters when not quoted: ",
				     text_of_buf(&value), display_name_char);
	if (ok)
		ok = check_unsafe_chars(text_of_buf(&value), true, reason);
	pass_failure(reason, &value);
	buf_free(&value);
	return ok;
}

/* local@domain, split at the '@' found at index at. */
static bool split_at(struct text t, size_t at, struct parsed *p, struct buf *reason)
{
	p->domain = text_sub(t, at + 1, t.n);
	return unquote(text_sub(t, 0, at), &p->local, &p->quoted, reason);
}

/* "Name <local@domain>" that pydantic's pattern did not take: lt is the '<'. */
static bool split_display_form(struct text t, size_t lt, struct parsed *p, struct buf *reason)
{
	struct text name = text_sub(t, 0, end_without_space(text_sub(t, 0, lt)));
	if (!check_display_name(name, reason))
		return false;
	struct text right = text_sub(t, lt, t.n);
	if (!has_byte(right, '>'))
		return fail(reason, "An open angle bracket at the start of the email address has to be "
				    "followed by a close angle bracket at the end.");
	while (right.s[right.n - 1] == ' ')
		right.n--;
	if (right.s[right.n - 1] != '>')
		return fail(reason, "There can't be anything after the email address.");
	struct text spec = text_sub(right, 1, right.n);
	while (spec.n && spec.s[spec.n - 1] == '>')
		spec.n--;
	size_t at = find_unquoted_special(spec, false);
	if (at == spec.n)
		return fail(reason, "An email address must have an @-sign.");
	p->display_name = true;
	return split_at(spec, at, p, reason);
}

static bool split_email(struct text t, struct parsed *p, struct buf *reason)
{
	size_t at = find_unquoted_special(t, true);
	if (at == t.n)
		return fail(reason, "An email address must have an @-sign.");
	if (t.s[at] == '<')
		return split_display_form(t, at, p, reason);
	return split_at(t, at, p, reason);
}

/* ---- messages with counts ---- */

/* "(N characters too many)", singular for one, as get_length_reason() says it. */
static void add_too_many(struct buf *reason, size_t diff, const char *unit)
{
	buf_printf(reason, "(%zu %s%s too many)", diff, unit, diff > 1 ? "s" : "");
}

/* ---- the local part ---- */

/* Dot placement, in check_dot_atom()'s order: end, start, then doubles. */
static bool fail_local_dots(struct text l, struct buf *reason)
{
	if (l.n && l.s[l.n - 1] == '.')
		return fail(reason, "An email address cannot have a period immediately before the @-sign.");
	if (l.n && l.s[0] == '.')
		return fail(reason, "An email address cannot start with a period.");
	if (has_pair(l, '.', '.'))
		return fail(reason, "An email address cannot have two periods in a row.");
	/* email_validator's fallback, which the checks above leave unreachable */
	return fail(reason, "The email address contains invalid characters before the @-sign.");
}

static bool check_quoted_local(struct text l, struct buf *reason)
{
	if (!all_chars_ok(l, qtext_intl))
		return fail_with_chars(
			reason,
			"The email address contains invalid characters in quotes before the @-sign: ", l,
			qtext_intl);
	return check_unsafe_chars(l, true, reason);
}

static bool check_local_part(const struct parsed *p, struct buf *reason)
{
	struct text l = text_of_buf(&p->local);
	size_t chars = char_count(l);
	if (chars == 0)
		return fail(reason, "There must be something before the @-sign.");
	if (chars > LOCAL_PART_MAX_LENGTH) {
		buf_adds(reason, "The email address is too long before the @-sign ");
		add_too_many(reason, chars - LOCAL_PART_MAX_LENGTH, "character");
		return fail(reason, ".");
	}
	if (is_dot_atom(l, false))
		return true;
	if (is_dot_atom(l, true))
		return check_unsafe_chars(l, false, reason);
	if (p->quoted)
		return check_quoted_local(l, reason);
	if (!all_chars_ok(l, atext_intl_or_dot))
		return fail_with_chars(reason,
				       "The email address contains invalid characters before the @-sign: ", l,
				       atext_intl_or_dot);
	return fail_local_dots(l, reason);
}

/* RFC 2142 mailbox names, which email_validator lower-cases. */
static bool is_case_insensitive_mailbox(struct text l)
{
	static const char *const names[] = {
		"info",       "marketing", "sales", "support",   "abuse", "noc",  "security", "postmaster",
		"hostmaster", "usenet",    "news",  "webmaster", "www",   "uucp", "ftp",
	};
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
		size_t k = 0;
		while (k < l.n && names[i][k] && ascii_lower(l.s[k]) == (unsigned char)names[i][k])
			k++;
		if (k == l.n && !names[i][k])
			return true;
	}
	return false;
}

/* ---- the domain ---- */

/* check_dot_atom() for hostnames, in its order. */
static bool check_domain_dots(struct text d, struct buf *reason)
{
	unsigned char first = d.s[0], last = d.s[d.n - 1];
	if (last == '.')
		return fail(reason, "An email address cannot end with a period.");
	if (first == '.')
		return fail(reason, "An email address cannot have a period immediately after the @-sign.");
	if (has_pair(d, '.', '.'))
		return fail(reason, "An email address cannot have two periods in a row.");
	if (last == '-')
		return fail(reason, "An email address cannot end with a hyphen.");
	if (first == '-')
		return fail(reason, "An email address cannot have a hyphen immediately after the @-sign.");
	if (has_pair(d, '.', '-') || has_pair(d, '-', '.'))
		return fail(reason, "An email address cannot have a period and a hyphen next to each other.");
	return true;
}

static size_t label_end(struct text d, size_t start)
{
	const unsigned char *dot = memchr(d.s + start, '.', d.n - start);
	return dot ? (size_t)(dot - d.s) : d.n;
}

/* re.match(r"(?!xn)..--", label, re.I): characters 3 and 4 are hyphens and
 * the first two are not "xn" (RFC 5890's reserved R-LDH labels). */
static bool is_reserved_ldh(struct text label)
{
	uint32_t cp[4];
	size_t i = 0, k = 0;
	for (; k < 4 && i < label.n; k++)
		i = utf8_next(label.s, label.n, i, &cp[k]);
	if (k < 4 || cp[2] != '-' || cp[3] != '-')
		return false;
	return !((cp[0] == 'x' || cp[0] == 'X') && (cp[1] == 'n' || cp[1] == 'N'));
}

static bool check_reserved_labels(struct text d, struct buf *reason)
{
	for (size_t start = 0; start <= d.n;) {
		size_t end = label_end(d, start);
		if (is_reserved_ldh(text_sub(d, start, end)))
			return fail(reason,
				    "An email address cannot have two letters followed by two dashes "
				    "immediately after the @-sign or after a period, except Punycode.");
		start = end + 1;
	}
	return true;
}

/* ---- punycode (RFC 3492), as Python's "punycode" codec writes it ---- */

static char puny_digit(uint64_t d)
{
	return (char)(d < 26 ? 'a' + d : '0' + (d - 26));
}

static uint32_t puny_adapt(uint64_t delta, uint64_t points, bool first)
{
	uint32_t k = 0;
	delta = first ? delta / 700 : delta / 2;
	delta += delta / points;
	while (delta > 455) {
		delta /= 35;
		k += 36;
	}
	return k + (uint32_t)(36 * delta / (delta + 38));
}

static void puny_add_number(struct buf *b, uint64_t q, uint32_t bias)
{
	for (uint32_t k = 36;; k += 36) {
		uint32_t t = k <= bias ? 1 : k >= bias + 26 ? 26 : k - bias;
		if (q < t)
			break;
		buf_addc(b, puny_digit(t + (q - t) % (36 - t)));
		q = (q - t) / (36 - t);
	}
	buf_addc(b, puny_digit(q));
}

/* The smallest code point of label that is >= n (or UINT32_MAX). */
static uint32_t puny_next_code(struct text label, uint32_t n)
{
	uint32_t m = UINT32_MAX, cp;
	for (size_t i = 0; i < label.n;) {
		i = utf8_next(label.s, label.n, i, &cp);
		if (cp >= n && cp < m)
			m = cp;
	}
	return m;
}

/* The ASCII characters of label, in order, and a '-' after them if any;
 * returns how many there were. */
static size_t puny_add_basic(struct buf *b, struct text label)
{
	size_t basic = 0;
	for (size_t i = 0; i < label.n; i++) {
		if (label.s[i] < 0x80) {
			buf_addc(b, (char)label.s[i]);
			basic++;
		}
	}
	if (basic)
		buf_addc(b, '-');
	return basic;
}

/* The basic characters, then each insertion as a variable-length number. */
static void puny_encode(struct buf *b, struct text label)
{
	size_t basic = puny_add_basic(b, label), total = char_count(label), h;
	uint32_t n = 0x80, bias = 72, cp;
	uint64_t delta = 0;
	for (h = basic; h < total; delta++, n++) {
		uint32_t m = puny_next_code(label, n);
		delta += (uint64_t)(m - n) * (h + 1);
		n = m;
		for (size_t i = 0; i < label.n;) {
			i = utf8_next(label.s, label.n, i, &cp);
			if (cp < n)
				delta++;
			if (cp != n)
				continue;
			puny_add_number(b, delta, bias);
			bias = puny_adapt(delta, h + 1, h == basic);
			delta = 0;
			h++;
		}
	}
}

/* ---- the domain's ASCII form ---- */

static void add_lower(struct buf *b, struct text t)
{
	for (size_t i = 0; i < t.n; i++)
		buf_addc(b, (char)ascii_lower(t.s[i]));
}

/* idna.alabel() of one label of an internationalised domain: the label, or
 * "xn--" and its punycode. Every character takes at least one output octet,
 * so long labels are refused before encoding. */
static bool add_alabel(struct buf *ascii, struct text label, struct buf *reason)
{
	size_t start = ascii->len;
	if (is_ascii(label)) {
		buf_add(ascii, label.s, label.n);
	} else if (char_count(label) + 4 <= DNS_LABEL_LENGTH_LIMIT) {
		buf_adds(ascii, "xn--");
		puny_encode(ascii, label);
	} else {
		return fail(reason, "The part after the @-sign is invalid (Label too long).");
	}
	if (ascii->len - start > DNS_LABEL_LENGTH_LIMIT)
		return fail(reason, "The part after the @-sign is invalid (Label too long).");
	return true;
}

/* The mapped domain as it would go on the wire: as it is when ASCII, label
 * by label through add_alabel() otherwise. */
static bool build_ascii_domain(struct text d, struct buf *ascii, struct buf *reason)
{
	if (is_ascii(d)) {
		buf_add(ascii, d.s, d.n);
		return true;
	}
	for (size_t start = 0; start <= d.n;) {
		size_t end = label_end(d, start);
		if (start > 0)
			buf_addc(ascii, '.');
		if (!add_alabel(ascii, text_sub(d, start, end), reason))
			return false;
		start = end + 1;
	}
	return true;
}

/* The over-length domain message: characters when the domain was typed as it
 * is sent, bytes "after IDNA encoding" when mapping or punycode changed it. */
static bool fail_domain_too_long(struct text d, struct text ascii, struct buf *reason)
{
	size_t diff = ascii.n - DOMAIN_MAX_LENGTH;
	buf_adds(reason, "The email address is too long after the @-sign ");
	if (d.n == ascii.n && memcmp(d.s, ascii.s, d.n) == 0)
		add_too_many(reason, diff, "character");
	else
		buf_printf(reason, "(%zu byte%s too many after IDNA encoding)", diff, diff > 1 ? "s" : "");
	return fail(reason, ".");
}

static bool check_label_lengths(struct text ascii, struct buf *reason)
{
	for (size_t start = 0; start <= ascii.n;) {
		size_t end = label_end(ascii, start);
		if (end - start > DNS_LABEL_LENGTH_LIMIT) {
			buf_adds(reason,
				 "After the @-sign, periods cannot be separated by so many characters ");
			add_too_many(reason, end - start - DNS_LABEL_LENGTH_LIMIT, "character");
			return fail(reason, ".");
		}
		start = end + 1;
	}
	return true;
}

static bool ends_with(struct text t, const char *suffix)
{
	size_t n = strlen(suffix);
	return t.n >= n && memcmp(t.s + t.n - n, suffix, n) == 0;
}

/* SPECIAL_USE_DOMAIN_NAMES: the name itself or any name under it. Note that
 * "test" is one (so "x@foo.test" is refused) but "test.com" is not under it. */
static bool is_special_use(struct text ascii)
{
	static const char *const names[] = {".arpa", ".invalid", ".local", ".localhost", ".onion", ".test"};
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
		const char *bare = names[i] + 1;
		if (ends_with(ascii, names[i]) || (ascii.n == strlen(bare) && ends_with(ascii, bare)))
			return true;
	}
	return false;
}

static bool is_ascii_letter(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* The checks email_validator makes on the ASCII form, in its order. */
static bool check_ascii_domain(struct text d, struct text ascii, struct buf *reason)
{
	if (ascii.n > DOMAIN_MAX_LENGTH)
		return fail_domain_too_long(d, ascii, reason);
	if (!check_label_lengths(ascii, reason))
		return false;
	if (!has_byte(ascii, '.'))
		return fail(reason, "The part after the @-sign is not valid. It should have a period.");
	if (!is_ascii_letter(ascii.s[ascii.n - 1]))
		return fail(
			reason,
			"The part after the @-sign is not valid. It is not within a valid top-level domain.");
	if (is_special_use(ascii))
		return fail(reason, "The part after the @-sign is a special-use or reserved name that cannot "
				    "be used with email.");
	return true;
}

static void add_mapped(struct buf *b, struct text t)
{
	char utf8[4];
	uint32_t cp;
	for (size_t i = 0; i < t.n;) {
		i = utf8_next(t.s, t.n, i, &cp);
		buf_add(b, utf8, utf8_encode(uts46_map(cp), utf8));
	}
}

/* The checks after UTS-46 mapping, made on the mapped domain m. */
static bool check_mapped_domain(struct text d, struct text m, struct buf *ascii, struct buf *reason)
{
	if (!all_chars_ok(m, hostname_char))
		return fail_with_chars(
			reason,
			"The part after the @-sign contains invalid characters after Unicode normalization: ",
			m, hostname_char);
	if (!check_domain_dots(m, reason) || !check_reserved_labels(m, reason) ||
	    !build_ascii_domain(m, ascii, reason))
		return false;
	if (!buf_ok(ascii)) {
		reason->failed = true;
		return false;
	}
	return check_ascii_domain(d, text_of_buf(ascii), reason);
}

/* validate_email_domain_name() on d; *mapped receives the normalised domain,
 * *ascii its ASCII form. */
static bool check_domain_name(struct text d, struct buf *mapped, struct buf *ascii, struct buf *reason)
{
	if (!all_chars_ok(d, hostname_char))
		return fail_with_chars(reason, "The part after the @-sign contains invalid characters: ", d,
				       hostname_char);
	if (!check_unsafe_chars(d, false, reason))
		return false;
	add_mapped(mapped, d);
	if (!buf_ok(mapped)) {
		reason->failed = true;
		return false;
	}
	return check_mapped_domain(d, text_of_buf(mapped), ascii, reason);
}

/* ---- domain literals: [1.2.3.4], [IPv6:...] ---- */

/* repr() of a string of digits, periods and newlines. */
static void add_py_repr(struct buf *b, struct text t)
{
	buf_addc(b, '\'');
	for (size_t i = 0; i < t.n; i++) {
		if (t.s[i] == '\n')
			buf_adds(b, "\\n");
		else
			buf_addc(b, (char)t.s[i]);
	}
	buf_addc(b, '\'');
}

/* ipaddress's complaint about one octet (before its " in '...'"), or false. */
static bool octet_error(struct text o, struct buf *e)
{
	if (o.n == 0) {
		buf_adds(e, "Empty octet not permitted");
		return true;
	}
	const char *what = NULL;
	for (size_t i = 0; i < o.n && !what; i++)
		if (o.s[i] < '0' || o.s[i] > '9')
			what = "Only decimal digits permitted in ";
	if (!what && o.n > 3)
		what = "At most 3 characters permitted in ";
	if (!what && o.n > 1 && o.s[0] == '0')
		what = "Leading zeros are not permitted in ";
	if (what) {
		buf_adds(e, what);
		add_py_repr(e, o);
		return true;
	}
	unsigned value = 0;
	for (size_t i = 0; i < o.n; i++)
		value = value * 10 + (unsigned)(o.s[i] - '0');
	if (value <= 255)
		return false;
	buf_printf(e, "Octet %u (> 255) not permitted", value);
	return true;
}

/* ipaddress.IPv4Address()'s complaint about lit, or false when it is an address. */
static bool ipv4_error(struct text lit, struct buf *e)
{
	size_t octets = 1;
	for (size_t i = 0; i < lit.n; i++)
		octets += lit.s[i] == '.';
	if (octets != 4) {
		buf_adds(e, "Expected 4 octets in ");
		add_py_repr(e, lit);
		return true;
	}
	for (size_t start = 0; start <= lit.n;) {
		size_t end = label_end(lit, start);
		if (octet_error(text_sub(lit, start, end), e)) {
			buf_adds(e, " in ");
			add_py_repr(e, lit);
			return true;
		}
		start = end + 1;
	}
	return false;
}

/* re.match(r"^[0-9\.]+$"): '$' also matches before a final newline. */
static bool looks_like_ipv4(struct text lit)
{
	if (lit.n && lit.s[lit.n - 1] == '\n')
		lit.n--;
	for (size_t i = 0; i < lit.n; i++)
		if (!(lit.s[i] == '.' || (lit.s[i] >= '0' && lit.s[i] <= '9')))
			return false;
	return lit.n > 0;
}

static bool check_ipv4_literal(struct text lit, struct buf *reason)
{
	struct buf e;
	buf_init(&e);
	bool bad = ipv4_error(lit, &e);
	if (bad) {
		buf_adds(
			reason,
			"The address in brackets after the @-sign is not valid: It is not an IPv4 address (");
		buf_add(reason, e.data, e.len);
		buf_adds(reason, ") or is missing an address literal tag.");
	}
	pass_failure(reason, &e);
	buf_free(&e);
	return !bad;
}

/* validate_email_domain_literal() up to the point where the literal is
 * refused anyway: IPv6 literals are not parsed, so a malformed one gets the
 * "not allowed" reason instead of ipaddress's complaint. */
static bool check_domain_literal(struct text lit, struct buf *reason)
{
	if (looks_like_ipv4(lit))
		return check_ipv4_literal(lit, reason);
	if (lit.n >= 5 && memcmp(lit.s, "IPv6:", 5) == 0)
		return true;
	if (!has_byte(lit, ':'))
		return fail(reason,
			    "The part after the @-sign in brackets is not an IPv4 address and has no address "
			    "literal tag.");
	if (!all_chars_ok(lit, domain_literal_char))
		return fail_with_chars(
			reason, "The part after the @-sign contains invalid characters in brackets: ", lit,
			domain_literal_char);
	return fail(reason, "The part after the @-sign contains an invalid address literal tag in brackets.");
}

/* ---- the whole address ---- */

static size_t max_char_octets(struct text t)
{
	size_t most = 0;
	uint32_t cp;
	for (size_t i = 0; i < t.n;) {
		size_t next = utf8_next(t.s, t.n, i, &cp);
		if (next - i > most)
			most = next - i;
		i = next;
	}
	return most;
}

/* validate_email_length() on the address as given: how many characters are
 * too many, or a range when multi-octet characters make that uncertain (for
 * ASCII, diff / 1 == diff gives the plain count). */
static bool check_given_length(struct text l, struct text d, struct buf *reason)
{
	size_t octets = l.n + 1 + d.n;
	if (octets <= EMAIL_MAX_LENGTH)
		return true;
	size_t diff = octets - EMAIL_MAX_LENGTH;
	size_t most = max_char_octets(l) > max_char_octets(d) ? max_char_octets(l) : max_char_octets(d);
	size_t fewest = diff / most ? diff / most : 1;
	buf_adds(reason, "The email address is too long ");
	if (fewest == diff)
		add_too_many(reason, diff, "character");
	else
		buf_printf(reason, "(%zu-%zu character%s too many)", fewest, diff, diff > 1 ? "s" : "");
	return fail(reason, ".");
}

/* The normalised form has the given length here (NFC is skipped and lower-
 * casing keeps lengths), so only the IDNA ASCII form is left to measure. */
static bool check_lengths(struct text l, struct text d, size_t ascii_len, struct buf *reason)
{
	if (!check_given_length(l, d, reason))
		return false;
	size_t octets = l.n + 1 + ascii_len;
	if (octets <= EMAIL_MAX_LENGTH)
		return true;
	size_t diff = octets - EMAIL_MAX_LENGTH;
	buf_printf(reason,
		   "The email address is too long when the part after the @-sign is converted to IDNA ASCII "
		   "(%zu byte%s too many).",
		   diff, diff > 1 ? "s" : "");
	return false;
}

static void add_normalized(struct buf *out, const struct parsed *p)
{
	struct text l = text_of_buf(&p->local);
	if (is_case_insensitive_mailbox(l))
		add_lower(out, l);
	else
		buf_add(out, l.s, l.n);
	buf_addc(out, '@');
	buf_add(out, p->mapped.data, p->mapped.len);
}

static bool is_domain_literal(struct text d)
{
	return d.n >= 2 && d.s[0] == '[' && d.s[d.n - 1] == ']';
}

/* The domain and what follows it in validate_email(). */
static bool check_domain_and_length(struct parsed *p, struct buf *reason)
{
	struct text d = p->domain;
	if (d.n == 0)
		return fail(reason, "There must be something after the @-sign.");
	if (is_domain_literal(d))
		return check_domain_literal(text_sub(d, 1, d.n - 1), reason) &&
		       fail(reason, "A bracketed IP address after the @-sign is not allowed here.");
	struct buf ascii;
	buf_init(&ascii);
	bool ok = check_domain_name(d, &p->mapped, &ascii, reason) &&
		  check_lengths(text_of_buf(&p->local), d, ascii.len, reason);
	buf_free(&ascii);
	if (ok && p->display_name)
		return fail(
			reason,
			"A display name and angle brackets around the email address are not permitted here.");
	return ok;
}

static bool check_parsed(struct parsed *p, struct buf *reason)
{
	if (!buf_ok(&p->local)) {
		reason->failed = true;
		return false;
	}
	if (!check_local_part(p, reason))
		return false;
	if (p->quoted)
		return fail(reason, "Quoting the part before the @-sign is not allowed here.");
	return check_domain_and_length(p, reason);
}

bool email_check(const char *in, size_t len, struct buf *out, struct buf *reason)
{
	struct text t = text_of(in, len);
	if (char_count(t) > PYDANTIC_MAX_CHARS)
		return fail(reason, "Length must not exceed 2048 characters");
	t = strip_space(pydantic_address(t));
	struct parsed p = {.quoted = false, .display_name = false};
	buf_init(&p.local);
	buf_init(&p.mapped);
	bool ok = split_email(t, &p, reason) && check_parsed(&p, reason);
	if (ok)
		add_normalized(out, &p);
	buf_free(&p.local);
	buf_free(&p.mapped);
	return ok;
}

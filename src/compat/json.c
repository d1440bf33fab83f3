/* json.c -- CPython-compatible JSON reader and writer (see json.h).
 *
 * The reader mirrors CPython's C scanner (Modules/_json.c: scan_once_unicode,
 * scanstring_unicode, _parse_object/_parse_array, _match_number) and
 * json/decoder.py (whitespace, "Extra data"), but iteratively: open
 * containers live on an explicit frame stack and finished values on a value
 * stack, so hostile nesting cannot exhaust the C stack. Work is done on bytes;
 * positions are turned into code-point indexes only when an error is raised.
 *
 * Every value, string and array of one parse is carved from an arena owned by
 * the json_doc, so json_free() is a walk over a few chunks. */
#include "compat/json.h"

#include <inttypes.h>
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/utf8.h"

/* ---- arena ---- */

struct chunk {
	struct chunk *next;
	size_t used;
	size_t cap;
	max_align_t data[];
};

struct json_doc {
	struct chunk *chunks;
	size_t next_chunk_size;
	struct json_value root;
};

enum { CHUNK_MIN = 1024, CHUNK_MAX = 256 * 1024 };

static struct chunk *chunk_new(size_t cap)
{
	if (cap > SIZE_MAX - sizeof(struct chunk))
		return NULL;
	struct chunk *c = malloc(sizeof *c + cap);
	if (!c)
		return NULL;
	c->next = NULL;
	c->used = 0;
	c->cap = cap;
	return c;
}

/* n bytes aligned to align, living until json_free(); NULL when memory is
 * short. Small chunks first keep tiny bodies cheap; doubling keeps the chunk
 * count logarithmic for big ones. */
static void *doc_alloc(struct json_doc *doc, size_t n, size_t align)
{
	struct chunk *c = doc->chunks;
	if (c) {
		size_t at = (c->used + align - 1) / align * align;
		if (at <= c->cap && c->cap - at >= n) {
			c->used = at + n;
			return (char *)c->data + at;
		}
	}
	if (n > doc->next_chunk_size / 2) {
		/* A large block gets a chunk of its own, behind the current one,
		 * so the current one's free space stays in use. */
		struct chunk *big = chunk_new(n);
		if (!big)
			return NULL;
		big->used = n;
		if (c) {
			big->next = c->next;
			c->next = big;
		} else {
			doc->chunks = big;
		}
		return big->data;
	}
	c = chunk_new(doc->next_chunk_size);
	if (!c)
		return NULL;
	if (doc->next_chunk_size < CHUNK_MAX)
		doc->next_chunk_size *= 2;
	c->next = doc->chunks;
	doc->chunks = c;
	c->used = n;
	return c->data;
}

/* A NUL-terminated copy of s[0..n) in the arena. */
static char *doc_strdup(struct json_doc *doc, const void *s, size_t n)
{
	if (n == SIZE_MAX)
		return NULL;
	char *p = doc_alloc(doc, n + 1, 1);
	if (!p)
		return NULL;
	if (n)
		memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

/* An array of count elements of size bytes in the arena; NULL for none. */
static void *doc_array(struct json_doc *doc, size_t count, size_t size, bool *ok)
{
	*ok = true;
	if (count == 0)
		return NULL;
	if (count > SIZE_MAX / size) {
		*ok = false;
		return NULL;
	}
	void *p = doc_alloc(doc, count * size, _Alignof(max_align_t));
	*ok = p != NULL;
	return p;
}

void json_free(struct json_doc *doc)
{
	if (!doc)
		return;
	struct chunk *c = doc->chunks;
	while (c) {
		struct chunk *next = c->next;
		free(c);
		c = next;
	}
	free(doc);
}

const struct json_value *json_root(const struct json_doc *doc)
{
	return &doc->root;
}

/* ---- parser state ---- */

/* The key of a finished object member waiting for its object to close. */
struct key {
	const char *s;
	size_t len;
};

/* An open container. */
struct frame {
	size_t first;   /* index in the value stack of its first element */
	struct key key; /* object: the key whose value is being read */
	bool object;
};

struct parser {
	const unsigned char *s;
	size_t len;
	size_t pos; /* byte offset of the next character to read */
	struct json_doc *doc;
	struct json_error *err;
	struct frame *frames;
	size_t nframes, frames_cap;
	/* Finished values waiting for their container to close and, for those
	 * in an object, their keys: arrays push no key, so an object's keys are
	 * always the top entries of the key stack when it closes. */
	struct json_value *values;
	size_t nvalues, values_cap;
	struct key *keys;
	size_t nkeys, keys_cap;
	struct buf text; /* the string being unescaped */
};

/* What the reader expects next. */
enum step { STEP_VALUE, STEP_KEY, STEP_AFTER_VALUE };

/* Python reports positions in code points; count the UTF-8 lead bytes
 * before the byte offset. */
static size_t code_point_index(const struct parser *p, size_t byte_pos)
{
	size_t n = 0;
	for (size_t i = 0; i < byte_pos && i < p->len; i++)
		n += (p->s[i] & 0xC0) != 0x80;
	return n;
}

static bool fail_as(struct parser *p, enum json_error_kind kind, const char *msg, size_t byte_pos)
{
	p->err->kind = kind;
	p->err->pos = code_point_index(p, byte_pos);
	snprintf(p->err->msg, sizeof p->err->msg, "%s", msg);
	return false;
}

static bool fail(struct parser *p, const char *msg, size_t byte_pos)
{
	return fail_as(p, JSON_ERR_DECODE, msg, byte_pos);
}

static bool fail_nomem(struct parser *p)
{
	return fail_as(p, JSON_ERR_NOMEM, "out of memory", 0);
}

/* items with room for need elements of size bytes (doubling *cap), or NULL
 * with items untouched when memory is short. */
static void *grown(void *items, size_t *cap, size_t need, size_t size)
{
	if (need <= *cap)
		return items;
	size_t n = *cap ? *cap : 16;
	while (n < need) {
		if (n > SIZE_MAX / 2 / size)
			return NULL;
		n *= 2;
	}
	void *p = realloc(items, n * size);
	if (p)
		*cap = n;
	return p;
}

/* Whether at least n code points start at byte offset from: the scanner
 * checks lengths in code points before reading \uXXXX escapes. */
static bool has_code_points(const struct parser *p, size_t from, size_t n)
{
	size_t seen = 0;
	for (size_t i = from; i < p->len && seen < n; i++)
		seen += (p->s[i] & 0xC0) != 0x80;
	return seen >= n;
}

/* JSON's whitespace for Python: exactly these four. */
static void skip_whitespace(struct parser *p)
{
	while (p->pos < p->len) {
		unsigned char c = p->s[p->pos];
		if (c != ' ' && c != '\t' && c != '\n' && c != '\r')
			break;
		p->pos++;
	}
}

static bool at(const struct parser *p, char c)
{
	return p->pos < p->len && p->s[p->pos] == (unsigned char)c;
}

/* ---- strings ---- */

/* Surrogates are written too, as the ED Ax xx bytes utf8.h describes. */
static void add_utf8(struct buf *b, uint32_t cp)
{
	char u[4];
	buf_add(b, u, utf8_encode(cp, u));
}

/* The four hex digits at s as a code unit; false if one is not hex. */
static bool read_hex4(const unsigned char *s, uint32_t *out)
{
	uint32_t v = 0;
	for (int i = 0; i < 4; i++) {
		int d = hex_digit(s[i]);
		if (d < 0)
			return false;
		v = v << 4 | (uint32_t)d;
	}
	*out = v;
	return true;
}

/* The character a one-letter escape stands for, or 0 if it is not one. */
static char simple_escape(unsigned char c)
{
	switch (c) {
	case '"': return '"';
	case '\\': return '\\';
	case '/': return '/';
	case 'b': return '\b';
	case 'f': return '\f';
	case 'n': return '\n';
	case 'r': return '\r';
	case 't': return '\t';
	default: return 0;
	}
}

/* Decodes the \uXXXX escape whose 'u' is at byte u, joining a following
 * low-surrogate escape as _json.c does; *end gets the offset after it. */
static bool read_unicode_escape(struct parser *p, size_t u, size_t *end)
{
	uint32_t cp, low;
	/* _json.c wants the four digits and one more character after them. */
	if (!has_code_points(p, u + 1, 5) || !read_hex4(p->s + u + 1, &cp))
		return fail(p, "Invalid \\uXXXX escape", u);
	size_t next = u + 5;
	bool high = cp >= 0xD800 && cp <= 0xDBFF;
	if (high && has_code_points(p, next, 7) && p->s[next] == '\\' && p->s[next + 1] == 'u') {
		if (!read_hex4(p->s + next + 2, &low))
			return fail(p, "Invalid \\uXXXX escape", next + 1);
		if (low >= 0xDC00 && low <= 0xDFFF) {
			cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
			next += 6;
		}
	}
	add_utf8(&p->text, cp);
	*end = next;
	return true;
}

/* Decodes the escape whose backslash is at byte i - 1; *i moves past it. */
static bool read_escape(struct parser *p, size_t *i)
{
	unsigned char c = p->s[*i];
	if (c == 'u')
		return read_unicode_escape(p, *i, i);
	char out = simple_escape(c);
	if (!out)
		return fail(p, "Invalid \\escape", *i - 1);
	buf_addc(&p->text, out);
	*i += 1;
	return true;
}

/* Reads the string literal whose opening quote is at p->pos into the arena. */
static bool read_string(struct parser *p, const char **out, size_t *out_len)
{
	size_t begin = p->pos, i = begin + 1, run = i;
	buf_reset(&p->text);
	for (;;) {
		while (i < p->len && p->s[i] != '"' && p->s[i] != '\\') {
			if (p->s[i] < 0x20)
				return fail(p, "Invalid control character at", i);
			i++;
		}
		if (i >= p->len)
			return fail(p, "Unterminated string starting at", begin);
		buf_add(&p->text, p->s + run, i - run);
		if (p->s[i++] == '"')
			break;
		if (i == p->len)
			return fail(p, "Unterminated string starting at", begin);
		if (!read_escape(p, &i))
			return false;
		run = i;
	}
	if (!buf_ok(&p->text))
		return fail_nomem(p);
	char *s = doc_strdup(p->doc, p->text.data, p->text.len);
	if (!s)
		return fail_nomem(p);
	*out = s;
	*out_len = p->text.len;
	p->pos = i;
	return true;
}

/* ---- numbers and constants ---- */

static bool is_digit(const struct parser *p, size_t i)
{
	return i < p->len && p->s[i] >= '0' && p->s[i] <= '9';
}

static size_t skip_digits(const struct parser *p, size_t i)
{
	while (is_digit(p, i))
		i++;
	return i;
}

/* The end of the exponent starting at byte i (an 'e' or 'E'), or i when
 * _json.c would back off and leave the 'e' as extra data. */
static size_t scan_exponent(const struct parser *p, size_t i)
{
	size_t j = i + 1;
	/* The sign is taken only when something follows it. */
	if (j + 1 < p->len && (p->s[j] == '-' || p->s[j] == '+'))
		j++;
	size_t end = skip_digits(p, j);
	return end > j ? end : i;
}

/* Reads the number at p->pos as _match_number_unicode does. */
static bool read_number(struct parser *p, struct json_value *v)
{
	size_t start = p->pos, i = start;
	bool is_float = false;
	if (p->s[i] == '-')
		i++;
	if (is_digit(p, i) && p->s[i] != '0')
		i = skip_digits(p, i);
	else if (is_digit(p, i))
		i++;
	else
		return fail(p, "Expecting value", start);
	if (i < p->len && p->s[i] == '.' && is_digit(p, i + 1)) {
		is_float = true;
		i = skip_digits(p, i + 1);
	}
	if (i + 1 < p->len && (p->s[i] == 'e' || p->s[i] == 'E')) {
		size_t end = scan_exponent(p, i);
		is_float |= end != i;
		i = end;
	}
	size_t digits = i - start - (p->s[start] == '-');
	if (!is_float && digits > JSON_MAX_INT_DIGITS)
		return fail_as(p, JSON_ERR_INT_DIGITS,
			       "Exceeds the limit (4300 digits) for integer string conversion", start);
	v->type = is_float ? JSON_FLOAT : JSON_INT;
	v->len = i - start;
	v->str = doc_strdup(p->doc, p->s + start, v->len);
	if (!v->str)
		return fail_nomem(p);
	p->pos = i;
	return true;
}

/* Whether the literal word is at p->pos. */
static bool at_word(const struct parser *p, const char *word)
{
	size_t n = strlen(word);
	return p->len - p->pos >= n && memcmp(p->s + p->pos, word, n) == 0;
}

/* Reads true/false/null/NaN/Infinity/-Infinity at p->pos; false if none is. */
static bool read_constant(struct parser *p, struct json_value *v)
{
	static const struct {
		const char *word;
		enum json_type type;
	} constants[] = {
		{"null", JSON_NULL}, {"true", JSON_TRUE},      {"false", JSON_FALSE},
		{"NaN", JSON_FLOAT}, {"Infinity", JSON_FLOAT}, {"-Infinity", JSON_FLOAT},
	};
	for (size_t k = 0; k < sizeof constants / sizeof constants[0]; k++) {
		if (!at_word(p, constants[k].word))
			continue;
		v->type = constants[k].type;
		if (v->type == JSON_FLOAT) {
			v->str = constants[k].word;
			v->len = strlen(v->str);
		}
		p->pos += strlen(constants[k].word);
		return true;
	}
	return false;
}

/* Reads a string, number or constant at p->pos (not end of text). */
static bool read_scalar(struct parser *p, struct json_value *v)
{
	if (p->s[p->pos] == '"') {
		v->type = JSON_STRING;
		return read_string(p, &v->str, &v->len);
	}
	if (read_constant(p, v))
		return true;
	return read_number(p, v);
}

/* ---- containers ---- */

static struct frame *top(struct parser *p)
{
	return &p->frames[p->nframes - 1];
}

/* Stacks a finished value for the container it belongs to (or as the root),
 * with its key when that container is an object. */
static bool push_value(struct parser *p, const struct json_value *v)
{
	struct json_value *values = grown(p->values, &p->values_cap, p->nvalues + 1, sizeof *values);
	if (!values)
		return fail_nomem(p);
	p->values = values;
	p->values[p->nvalues++] = *v;
	if (!p->nframes || !top(p)->object)
		return true;
	struct key *keys = grown(p->keys, &p->keys_cap, p->nkeys + 1, sizeof *keys);
	if (!keys)
		return fail_nomem(p);
	p->keys = keys;
	p->keys[p->nkeys++] = top(p)->key;
	return true;
}

struct key_ref {
	struct key key;
	size_t index;
};

static bool same_key(const struct key *a, const struct key *b)
{
	return a->len == b->len && memcmp(a->s, b->s, a->len) == 0;
}

static int compare_key_refs(const void *a, const void *b)
{
	const struct key_ref *x = a, *y = b;
	size_t n = x->key.len < y->key.len ? x->key.len : y->key.len;
	int c = memcmp(x->key.s, y->key.s, n);
	if (c)
		return c;
	if (x->key.len != y->key.len)
		return x->key.len < y->key.len ? -1 : 1;
	return x->index < y->index ? -1 : x->index > y->index;
}

enum { DROPPED = 0, SMALL_OBJECT = 16 };

/* For each of n members, 1 + the index of the member whose value a Python
 * dict would hold at that key's first appearance, or DROPPED for later
 * repeats. Sorting (not hashing) keeps hostile keys from costing more than
 * n log n. */
static bool dict_order(const struct key *keys, size_t n, size_t *source)
{
	if (n <= SMALL_OBJECT) {
		for (size_t i = 0; i < n; i++) {
			source[i] = i + 1;
			for (size_t j = 0; j < i; j++) {
				if (source[j] != DROPPED && same_key(&keys[j], &keys[i])) {
					source[j] = i + 1;
					source[i] = DROPPED;
					break;
				}
			}
		}
		return true;
	}
	struct key_ref *refs = malloc(n * sizeof *refs);
	if (!refs)
		return false;
	for (size_t i = 0; i < n; i++)
		refs[i] = (struct key_ref){keys[i], i};
	qsort(refs, n, sizeof *refs, compare_key_refs);
	/* Equal keys are now adjacent, earliest first. */
	for (size_t g = 0, end; g < n; g = end) {
		for (end = g + 1; end < n && same_key(&refs[g].key, &refs[end].key); end++)
			source[refs[end].index] = DROPPED;
		source[refs[g].index] = refs[end - 1].index + 1;
	}
	free(refs);
	return true;
}

/* Builds the object value from its n members, keeping one entry per key. */
static bool build_object(struct parser *p, const struct json_value *values, const struct key *keys, size_t n,
			 struct json_value *obj)
{
	bool ok1, ok2, ok3;
	size_t *source = n ? malloc(n * sizeof *source) : NULL;
	if (n && !source)
		return fail_nomem(p);
	obj->items = doc_array(p->doc, n, sizeof *obj->items, &ok1);
	obj->keys = doc_array(p->doc, n, sizeof *obj->keys, &ok2);
	obj->key_lens = doc_array(p->doc, n, sizeof *obj->key_lens, &ok3);
	if (!ok1 || !ok2 || !ok3 || !dict_order(keys, n, source)) {
		free(source);
		return fail_nomem(p);
	}
	size_t count = 0;
	for (size_t i = 0; i < n; i++) {
		if (source[i] == DROPPED)
			continue;
		obj->keys[count] = keys[i].s;
		obj->key_lens[count] = keys[i].len;
		obj->items[count] = values[source[i] - 1];
		count++;
	}
	obj->count = count;
	free(source);
	return true;
}

static bool build_array(struct parser *p, const struct json_value *values, size_t n, struct json_value *arr)
{
	bool ok;
	arr->items = doc_array(p->doc, n, sizeof *arr->items, &ok);
	if (!ok)
		return false;
	if (n)
		memcpy(arr->items, values, n * sizeof *values);
	arr->count = n;
	return true;
}

/* The bracket of the innermost container has just been read: turn its
 * stacked values into its value and hand that to the enclosing one. */
static bool close_container(struct parser *p)
{
	struct frame *f = top(p);
	struct json_value v = {.type = f->object ? JSON_OBJECT : JSON_ARRAY};
	size_t n = p->nvalues - f->first;
	/* The stacks are still NULL when nothing was ever pushed. */
	const struct json_value *values = n ? p->values + f->first : NULL;
	if (f->object) {
		const struct key *keys = n ? p->keys + (p->nkeys - n) : NULL;
		if (!build_object(p, values, keys, n, &v))
			return false;
		/* The analyzer loses track of the parser's stacks here; they are
		 * freed when parsing ends, whatever its outcome. */
		p->nkeys -= n; // NOLINT(clang-analyzer-unix.Malloc)
	} else if (!build_array(p, values, n, &v)) {
		return fail_nomem(p);
	}
	p->nvalues = f->first;
	p->nframes--;
	return push_value(p, &v);
}

/* Reads an opening bracket at p->pos and what may directly follow it. */
static bool open_container(struct parser *p, bool object, enum step *next)
{
	if (p->nframes == JSON_MAX_DEPTH)
		return fail_as(p, JSON_ERR_DEPTH, "Maximum nesting depth exceeded", p->pos);
	struct frame *frames = grown(p->frames, &p->frames_cap, p->nframes + 1, sizeof *frames);
	if (!frames)
		return fail_nomem(p);
	p->frames = frames;
	p->frames[p->nframes++] = (struct frame){.first = p->nvalues, .object = object};
	p->pos++;
	skip_whitespace(p);
	if (at(p, object ? '}' : ']')) {
		p->pos++;
		*next = STEP_AFTER_VALUE;
		return close_container(p);
	}
	*next = object ? STEP_KEY : STEP_VALUE;
	return true;
}

/* Reads a value at p->pos (whitespace before it already skipped). */
static bool read_value(struct parser *p, enum step *next)
{
	if (p->pos >= p->len)
		return fail(p, "Expecting value", p->pos);
	if (at(p, '{') || at(p, '['))
		return open_container(p, at(p, '{'), next);
	struct json_value v = {.type = JSON_NULL};
	if (!read_scalar(p, &v))
		return false;
	*next = STEP_AFTER_VALUE;
	return push_value(p, &v);
}

/* Reads `"key" :` and the whitespace after it. */
static bool read_key(struct parser *p)
{
	if (!at(p, '"'))
		return fail(p, "Expecting property name enclosed in double quotes", p->pos);
	struct frame *f = top(p);
	if (!read_string(p, &f->key.s, &f->key.len))
		return false;
	skip_whitespace(p);
	if (!at(p, ':'))
		return fail(p, "Expecting ':' delimiter", p->pos);
	p->pos++;
	skip_whitespace(p);
	return true;
}

/* After a container element: a closing bracket or a comma. */
static bool read_after_element(struct parser *p, enum step *next)
{
	bool object = top(p)->object;
	skip_whitespace(p);
	if (at(p, object ? '}' : ']')) {
		p->pos++;
		*next = STEP_AFTER_VALUE;
		return close_container(p);
	}
	if (!at(p, ','))
		return fail(p, "Expecting ',' delimiter", p->pos);
	p->pos++;
	skip_whitespace(p);
	*next = object ? STEP_KEY : STEP_VALUE;
	return true;
}

/* The whole document: one value between optional whitespace. */
static bool read_document(struct parser *p)
{
	enum step next = STEP_VALUE;
	skip_whitespace(p);
	for (;;) {
		bool ok;
		if (next == STEP_VALUE) {
			ok = read_value(p, &next);
		} else if (next == STEP_KEY) {
			ok = read_key(p);
			next = STEP_VALUE;
		} else if (p->nframes) {
			ok = read_after_element(p, &next);
		} else {
			break;
		}
		if (!ok)
			return false;
	}
	skip_whitespace(p);
	if (p->pos != p->len)
		return fail(p, "Extra data", p->pos);
	p->doc->root = p->values[0];
	return true;
}

struct json_doc *json_parse(const char *text, size_t len, struct json_error *err)
{
	struct json_error scratch;
	if (!err)
		err = &scratch;
	memset(err, 0, sizeof *err);
	struct json_doc *doc = calloc(1, sizeof *doc);
	if (!doc) {
		snprintf(err->msg, sizeof err->msg, "out of memory");
		err->kind = JSON_ERR_NOMEM;
		return NULL;
	}
	doc->next_chunk_size = CHUNK_MIN;
	struct parser p = {.s = (const unsigned char *)text, .len = len, .doc = doc, .err = err};
	buf_init(&p.text);
	bool ok = read_document(&p);
	buf_free(&p.text);
	free(p.frames);
	free(p.values);
	free(p.keys);
	if (!ok) {
		json_free(doc);
		return NULL;
	}
	return doc;
}

const struct json_value *json_get(const struct json_value *obj, const char *key)
{
	if (!obj || obj->type != JSON_OBJECT)
		return NULL;
	size_t n = strlen(key);
	for (size_t i = 0; i < obj->count; i++) {
		if (obj->key_lens[i] == n && memcmp(obj->keys[i], key, n) == 0)
			return &obj->items[i];
	}
	return NULL;
}

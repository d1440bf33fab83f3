/* json.h -- a JSON reader that accepts, rejects and reports exactly as
 * CPython 3.11/3.12's json.loads does (json_write.h prints what it parsed
 * back).
 *
 * FastAPI decodes request bodies with json.loads and, on JSONDecodeError,
 * answers 422 quoting the exception's msg and pos; pydantic's errors echo
 * the parsed input back. Both must match byte for byte, so this module
 * follows the C scanner of CPython (Modules/_json.c) rather than RFC 8259:
 * NaN, Infinity and -Infinity are accepted, duplicate keys keep the last
 * value, error positions count code points, and the first error met while
 * reading left to right is the one reported.
 *
 * Python 3.13 reports trailing commas as "Illegal trailing comma before end
 * of object/array"; this module follows 3.11/3.12, which say "Expecting
 * value" / "Expecting property name enclosed in double quotes".
 *
 * Numbers are read and printed with strtod/snprintf, which assume the "C"
 * LC_NUMERIC locale (the program never calls setlocale). */
#ifndef FZ_JSON_H
#define FZ_JSON_H

#include <stdbool.h>
#include <stddef.h>

#include "base/buf.h"

/* Containers nested deeper than this fail as Python's RecursionError does
 * (Python's limit depends on its call stack; about 1000 frames). */
#define JSON_MAX_DEPTH 1000
/* Python refuses to turn longer digit strings into an int (ValueError,
 * sys.int_info.default_max_str_digits). */
#define JSON_MAX_INT_DIGITS 4300

enum json_type {
	JSON_NULL,
	JSON_FALSE,
	JSON_TRUE,
	JSON_INT,
	JSON_FLOAT,
	JSON_STRING,
	JSON_ARRAY,
	JSON_OBJECT
};

struct json_value {
	enum json_type type;
	const char *
		str; /* JSON_STRING: decoded UTF-8 (lone surrogates kept as 3-byte ED Ax xx sequences), NUL-terminated, may contain NULs;
	                      JSON_INT / JSON_FLOAT: the number's source text, NUL-terminated (NaN, Infinity, -Infinity are JSON_FLOAT); else NULL */
	size_t len;  /* length of str */
	struct json_value
		*items;    /* ARRAY: elements; OBJECT: values, in order of first appearance of each key */
	const char **keys; /* OBJECT: decoded keys (NUL-terminated) */
	size_t *key_lens;
	size_t count;
};

struct json_doc; /* owns every allocation of one parse */

/* Which exception Python would raise; FastAPI answers 422 json_invalid only
 * for JSON_ERR_DECODE and 400 "There was an error parsing the body" for the
 * others (they are not JSONDecodeError). */
enum json_error_kind {
	JSON_ERR_DECODE,     /* json.JSONDecodeError: msg and pos as Python's */
	JSON_ERR_INT_DIGITS, /* ValueError: an integer of more than JSON_MAX_INT_DIGITS digits */
	JSON_ERR_DEPTH,      /* RecursionError: nesting deeper than JSON_MAX_DEPTH */
	JSON_ERR_NOMEM,      /* out of memory */
};

struct json_error {
	size_t pos; /* CPython's JSONDecodeError.pos: index in CHARACTERS (code points) of the decoded text */
	char msg[128]; /* CPython's JSONDecodeError.msg, e.g. "Expecting value" */
	enum json_error_kind kind;
};

/* Parses text[0..len), which the caller has checked is valid UTF-8 (a UTF-8
 * BOM at the start is the caller's business too, as is json.loads' choice of
 * UTF-16/32 for bytes with a NUL among the first four). Never reads outside
 * text[0..len) and keeps no pointer into it. Returns the document, to be
 * released with json_free(), or NULL with *err (if err is not NULL) filled:
 * the msg/pos Python's json.loads would raise, "Maximum nesting depth
 * exceeded" at the bracket too deep, "Exceeds the limit (4300 digits) for
 * integer string conversion" at the number, or "out of memory" (pos 0).
 * Memory is linear in len: at worst about 60 bytes per input byte (a flat
 * array of one-digit numbers), freed by json_free. */
struct json_doc *json_parse(const char *text, size_t len, struct json_error *err);

/* The top-level value of a parsed document; valid until json_free(doc). */
const struct json_value *json_root(const struct json_doc *doc);

/* Releases the document and every value, string and key it holds; NULL is a
 * no-op. */
void json_free(struct json_doc *doc);

/* The value of key in an object (the last one given, as Python dicts keep),
 * or NULL when obj is not an object or has no such key. */
const struct json_value *json_get(const struct json_value *obj, const char *key);

#endif

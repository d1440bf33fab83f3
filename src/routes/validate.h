/* validate.h -- FastAPI's request validation: the 422 list and its readers.
 *
 * A handler collects every problem of a request in a struct problems, in the
 * order FastAPI reports them (path, query, body; body fields in declaration
 * order), then problems_reply() answers them all at once:
 *   422 {"detail":[{"type":...,"loc":[...],"msg":...,"input":...,"ctx":{...}}]}
 * Readers record their own problem and return false, so a handler only
 * chains them. Reading the body comes first and answers by itself: 400 for a
 * body that is not UTF-8 (or nested deeper than Python reads), 422
 * json_invalid for one that is not JSON, 500 when memory is short. */
#ifndef FZ_VALIDATE_H
#define FZ_VALIDATE_H

#include <stdbool.h>
#include <stdint.h>

#include "base/buf.h"
#include "wire/form.h"
#include "compat/json.h"

struct ctx;

struct problems {
	struct buf list;      /* the entries, comma-separated */
	struct buf input;     /* scratch: one entry's input, as JSON */
	struct buf body_echo; /* the body as JSON, once written (missing fields echo it) */
	bool body_echoed;
	int count;
};

void problems_init(struct problems *p);
void problems_free(struct problems *p);
/* Adds an entry. loc is the inside of a JSON array ("\"body\",\"email\""),
 * input_json a JSON value, ctx_json an object's JSON or NULL. */
void problem_add(struct problems *p, const char *type, const char *loc, const char *msg,
		 const char *input_json, size_t input_len, const char *ctx_json);
/* When there are problems, answers 422 with all of them and returns true. */
bool problems_reply(struct problems *p, struct ctx *c);

/* A JSON request body as FastAPI sees it. */
struct json_body {
	struct json_doc *doc;          /* parsed JSON, or NULL */
	const struct json_value *root; /* the document's value, or NULL */
	bool empty;                    /* no body, or JSON null: "missing" */
	bool raw;                      /* sent with a non-JSON Content-Type */
};

/* Reads the body. False when it answered: 400 (not UTF-8, too deep), 422
 * (json_invalid) or 500 (out of memory). Release with json_body_free(). */
bool json_body_or_reply(struct ctx *c, struct json_body *b);
void json_body_free(struct json_body *b);
/* Records "missing"/"model_attributes_type" when the body is not an object;
 * true when it is one. */
bool body_is_object(struct problems *p, struct ctx *c, const struct json_body *b);
/* The users' fields' maximum lengths, in characters (ours: the course sets
 * none, and an unbounded field lets one request store a megabyte that every
 * list then answers). Django's username length; RFC 5321's longest address;
 * a passphrase of any real length, while bounding what each hash reads. */
enum { FIELD_USERNAME_MAX = 150, FIELD_EMAIL_MAX = 254, FIELD_PASSWORD_MAX = 256 };
/* The todos' (ours, likewise): a line (GitHub's limit for an issue's title,
 * more than the 200 characters the course's own TodoFactory writes); a page
 * of notes, which bounds a page of 100 todos at 435,200 characters. */
enum { FIELD_TITLE_MAX = 256, FIELD_DESCRIPTION_MAX = 4096 };

/* The body's string field name (on an object body), of at most max
 * characters; records missing, string_type, string_too_long (with
 * ctx {"max_length": max}), or string_unicode for a lone surrogate (which
 * could be neither stored nor answered as UTF-8), and returns false. */
bool body_string(struct problems *p, const struct json_body *b, const char *name, size_t max,
		 const char **out, size_t *len);
/* Like body_string, then checks it as an email (value_error with the reason);
 * out gets the normalised address (NUL-terminated, in *normalised). */
bool body_email(struct problems *p, const struct json_body *b, size_t max, struct buf *normalised);

/* The body's field name that must be one of the n names (a pydantic str
 * Enum): missing, or enum (its msg and ctx listing the names) for anything
 * else, whatever its JSON type; *index gets the name's index. */
bool body_enum(struct problems *p, const struct json_body *b, const char *name, const char *const *names,
	       size_t n, size_t *index);
/* The same for a parameter read from a string (its input is the string). */
bool enum_param(struct problems *p, const char *where, const char *name, const char *text, size_t len,
		const char *const *names, size_t n, size_t *index);
/* A string parameter of min to max characters (Python's len()):
 * string_too_short or string_too_long, with ctx min_length / max_length. */
bool str_param(struct problems *p, const char *where, const char *name, const char *text, size_t len,
	       size_t min, size_t max);

/* An integer parameter, as pydantic reads one from a string: int_parsing
 * when it is not one (or beyond 64 bits), greater_than_equal below min. */
bool int_param(struct problems *p, const char *where, const char *name, const char *text, size_t len,
	       int64_t min, int64_t *out);
/* Parses text[0..len) as pydantic's lax str -> int; false when it is not one. */
bool parse_int(const char *text, size_t len, int64_t *out);

#endif

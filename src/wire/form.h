/* form.h -- application/x-www-form-urlencoded decoding, for query strings and
 * the OAuth2 password form.
 *
 * As Starlette does: pairs split on '&', '+' is a space, %XX is a byte, a bad
 * %-escape is kept as written, a pair without '=' has an empty value, and a
 * name given twice keeps its last value. Decoded bytes that are not UTF-8
 * become U+FFFD, as Python's unquote_plus does. */
#ifndef FZ_FORM_H
#define FZ_FORM_H

#include <stdbool.h>
#include <stddef.h>

#include "base/buf.h"

struct form {
	struct buf text; /* decoded names and values, each NUL-terminated */
	size_t *offsets; /* name, value, name, value, ... into text */
	size_t count;    /* pairs */
	size_t cap;      /* room in offsets */
};

void form_init(struct form *f);
void form_free(struct form *f);
/* Decodes s[0..n) into f (emptied first); 0, or -1 when memory is short. */
int form_parse(struct form *f, const char *s, size_t n);
/* Decodes a multipart/form-data body (the boundary is read from its
 * Content-Type) into f: each part's name="..." and its content. Parts it
 * cannot read are skipped, as Starlette would refuse them. 0, or -1 when
 * memory is short. */
int form_parse_multipart(struct form *f, const char *body, size_t n, const char *content_type);
/* The last value of name, or NULL; *len gets its length (values may hold NULs). */
const char *form_get(const struct form *f, const char *name, size_t *len);

#endif

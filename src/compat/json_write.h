/* json_write.h -- JSON written as Python's json.dumps(ensure_ascii=False,
 * separators=(",", ":")) writes it: string literals, integers, and a value
 * json.h parsed, printed back byte for byte as FastAPI would echo it. */
#ifndef FZ_JSON_WRITE_H
#define FZ_JSON_WRITE_H

#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"

struct json_value;

/* A JSON string literal, quotes included, for UTF-8 text s[0..n).
 * Bytes that encode a UTF-16 surrogate (ED A0..BF xx, as the JSON decoder keeps
 * a lone "\udXXX" escape) are written as U+FFFD: Python would fail to encode
 * them, and an escaped lone surrogate is refused by strict JSON readers. */
void json_add_str(struct buf *b, const char *s, size_t n);
void json_add_cstr(struct buf *b, const char *s);
/* Decimal digits of v (also what HTTP headers use for numbers). */
void json_add_int(struct buf *b, int64_t v);

/* Appends v as Python's json.dumps(v, ensure_ascii=False, separators=(",", ":"))
 * writes the parsed object: ints as Python prints them ("-0" is "0"), floats
 * as repr(float) ("1e5" is "100000.0"), strings through json_add_str().
 * Non-finite floats (NaN, Infinity, overflowing literals such as 1e400), which
 * FastAPI's JSONResponse would refuse, are written as null. Recurses once per
 * nesting level, which json_parse bounds by JSON_MAX_DEPTH. */
void json_write(struct buf *out, const struct json_value *v);

#endif

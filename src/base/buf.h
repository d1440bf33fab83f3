/* buf.h -- a growable byte buffer, and the JSON text writer built on it.
 *
 * Every answer body is written into a struct buf. The JSON writers produce the
 * exact text Python's json.dumps(ensure_ascii=False, separators=(",", ":"))
 * produces, which is what FastAPI sends: non-ASCII as-is, '/' unescaped,
 * control characters as \u00XX (lower-case hex).
 *
 * Memory: a buffer owns its bytes; buf_free() releases them. When an
 * allocation fails the buffer is marked failed (b->failed), later writes are
 * ignored, and the caller answers 500 after checking buf_ok(). */
#ifndef FZ_BUF_H
#define FZ_BUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

struct buf {
	char *data;
	size_t len;
	size_t cap;
	bool failed;
};

void buf_init(struct buf *b);
void buf_free(struct buf *b);
/* Forget the content, keep the allocation (per-request reuse). */
void buf_reset(struct buf *b);
bool buf_ok(const struct buf *b);
/* Make room for n more bytes; false (and b->failed) when memory is short. */
bool buf_grow(struct buf *b, size_t n);
static inline bool buf_reserve(struct buf *b, size_t n)
{
	return (n < b->cap - b->len && !b->failed) || buf_grow(b, n);
}
/* The appenders, inline: answers are written a few bytes at a time. */
static inline void buf_add(struct buf *b, const void *p, size_t n)
{
	if (n == 0 || !buf_reserve(b, n))
		return;
	memcpy(b->data + b->len, p, n);
	b->len += n;
}
static inline void buf_adds(struct buf *b, const char *s)
{
	buf_add(b, s, strlen(s));
}
static inline void buf_addc(struct buf *b, char c)
{
	if (buf_reserve(b, 1))
		b->data[b->len++] = c;
}
void buf_printf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* NUL-terminate without counting the NUL in len; returns data ("" if failed). */
const char *buf_cstr(struct buf *b);

#endif

/* metrics.h -- the scoreboard as text: Prometheus metrics (GET /metrics) and
 * the pool's status (`fast_zero status`, a table or JSON).
 *
 * Requests are counted by route pattern (/users/{user_id}, never the raw
 * path, so the label set stays as small as the route table), "unrouted" for
 * the 404s and 405s no route takes. */
#ifndef FZ_METRICS_H
#define FZ_METRICS_H

#include <stdbool.h>
#include <stdint.h>

#include "base/buf.h"

struct scoreboard;

/* The text exposition format, version 0.0.4: its Content-Type. */
#define METRICS_CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

/* Appends every metric of sb, read now. */
void metrics_write(struct buf *out, const struct scoreboard *sb);
/* Appends the pool's status as php-fpm's full status does: the pool, then
 * a line per worker; as one JSON object when json. now_ms is clock_ms(). */
void status_write(struct buf *out, const struct scoreboard *sb, bool json, int64_t now_ms);

#endif

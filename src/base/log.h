/* log.h -- log lines on stderr: "fast_zero[pid]: level: message".
 *
 * Callers pass context (request id, path) but never a password, a hash, a
 * token or the secret: nothing here filters them out. A line is at most
 * LOG_LINE_MAX bytes (longer ones are cut), and every control character in
 * it (a newline, an ESC) is written as \xHH, so that no string a client
 * chose can forge a line or drive a terminal.
 *
 * Lines that come in floods (one per refused connection, one per 503 while
 * the database is away) go through a struct log_flood, one per call site:
 * the first is written at once, those of the next LOG_FLOOD_MS are only
 * counted, and the count is said in one line when that time is over ("...
 * and 15428 more in 10 s"), as syslog's "last message repeated N times". */
#ifndef FZ_LOG_H
#define FZ_LOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define LOG_LINE_MAX 1024
#define LOG_FLOOD_MS 10000

void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warning(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

struct log_flood {
	const char *what;    /* what is counted, for the count's line: "refused connections" */
	const char *level;   /* "info", "warning", or NULL: "error" */
	int64_t quiet_until; /* clock_ms(): until then lines are counted, not written */
	unsigned long held;  /* lines counted since the last one written */
	bool listed;         /* in the list log_flood_flush() walks */
};

/* A line of the flood f (see above), at f's level. */
void log_flood(struct log_flood *f, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Writes the counts whose quiet time is over; returns the milliseconds
 * until the next one is due, or -1 when none is waiting (a poll timeout). */
int log_flood_flush(void);
/* Says every count still held (a process about to exit). */
void log_flood_end(void);

/* Copies s[0..n) into out[0..outsz) as log and status lines show a string a
 * client chose: control characters as \xHH, cut (with "...") to fit;
 * returns out. */
const char *log_escape(const char *s, size_t n, char *out, size_t outsz);

#endif

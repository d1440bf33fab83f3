/* log.c -- one line per event on stderr, written with a single write(2) so
 * that lines from concurrent workers never interleave (see log.h). */
#include "base/log.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "base/clock.h"

enum { FLOODS_MAX = 16 };

/* The floods that have counted lines not yet said. */
static struct log_flood *floods[FLOODS_MAX];
static int nfloods;

const char *log_escape(const char *s, size_t n, char *out, size_t outsz)
{
	static const char hex[] = "0123456789abcdef";
	size_t o = 0;
	if (outsz == 0)
		return out;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		bool plain = c >= 0x20 && c != 0x7f;
		if (o + (plain ? 1 : 4) + 4 > outsz) { /* room for "..." and the NUL */
			memcpy(out + o, "...", 3);
			o += 3;
			break;
		}
		if (plain) {
			out[o++] = (char)c;
		} else {
			out[o++] = '\\';
			out[o++] = 'x';
			out[o++] = hex[c >> 4];
			out[o++] = hex[c & 15];
		}
	}
	out[o] = '\0';
	return out;
}

static void log_line(const char *level, const char *fmt, va_list ap)
{
	char text[LOG_LINE_MAX], line[LOG_LINE_MAX + 1];
	int n = vsnprintf(text, sizeof text, fmt, ap);
	if (n < 0)
		return;
	int head = snprintf(line, sizeof line, "fast_zero[%d]: %s: ", (int)getpid(), level);
	if (head < 0 || (size_t)head >= sizeof line - 1)
		return;
	log_escape(text, strlen(text), line + head, sizeof line - 1 - (size_t)head);
	size_t len = strlen(line);
	line[len++] = '\n';
	ssize_t w = write(STDERR_FILENO, line, len);
	(void)w;
}

static void say(const char *level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void say(const char *level, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	log_line(level, fmt, ap);
	va_end(ap);
}

void log_info(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	log_line("info", fmt, ap);
	va_end(ap);
}

void log_error(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	log_line("error", fmt, ap);
	va_end(ap);
}

void log_warning(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	log_line("warning", fmt, ap);
	va_end(ap);
}

void log_flood(struct log_flood *f, const char *fmt, ...)
{
	va_list ap;
	int64_t now = clock_ms();
	if (now < f->quiet_until) {
		f->held++;
		if (!f->listed && nfloods < FLOODS_MAX) {
			floods[nfloods++] = f;
			f->listed = true;
		}
		return;
	}
	va_start(ap, fmt);
	log_line(f->level ? f->level : "error", fmt, ap);
	va_end(ap);
	f->quiet_until = now + LOG_FLOOD_MS;
}

/* Says the counts whose quiet time is over by now (all of them with
 * INT64_MAX); the milliseconds until the next is due, or -1. */
static int flush_at(int64_t now)
{
	int64_t next = -1;
	for (int i = 0; i < nfloods;) {
		struct log_flood *f = floods[i];
		if (now >= f->quiet_until) {
			say(f->level ? f->level : "error", "... and %lu more %s in %d s", f->held, f->what,
			    LOG_FLOOD_MS / 1000);
			f->held = 0;
			f->listed = false;
			floods[i] = floods[--nfloods];
			continue;
		}
		if (next < 0 || f->quiet_until - now < next)
			next = f->quiet_until - now;
		i++;
	}
	return (int)next;
}

int log_flood_flush(void)
{
	return flush_at(clock_ms());
}

void log_flood_end(void)
{
	flush_at(INT64_MAX);
}

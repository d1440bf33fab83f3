/* log.h -- log lines on stderr: "fast_zero[pid]: level: message".
 *
 * Callers pass context (request id, path) but never a password, a hash, a
 * token or the secret: nothing here filters them out. */
#ifndef FZ_LOG_H
#define FZ_LOG_H

void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warning(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif

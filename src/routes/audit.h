/* audit.h -- the audit log: one JSON line per authentication event, on its
 * own stream (AUDIT_LOG=path, or stderr), for whoever has to answer "who
 * logged in, when, from where".
 *
 * Every line is one JSON object with "time" (UTC, ISO 8601 with
 * milliseconds), "event", "request_id", "client" (the address nginx saw)
 * and "user_id" where known, plus the event's own fields. A field a client
 * chose is bounded (an email to 254 characters, the address to 64) and,
 * when cut, followed by "<field>_truncated":true. It holds no
 * password, hash, token or secret: callers pass ids, addresses, the email
 * typed at a login, and names of fields, never values of the password.
 * Each line is one write(2) on an O_APPEND file, so workers never
 * interleave. SIGUSR1 makes every worker reopen the file (after a
 * rotation). Throttled logins are nginx's to record (nginx/upstream.conf's
 * fast_zero_audit log format), as nginx answers them. */
#ifndef FZ_AUDIT_H
#define FZ_AUDIT_H

#include <stddef.h>
#include <stdint.h>

struct ctx;

/* Opens (or reopens) the audit stream: path, or stderr when "" ; 0, or -1
 * with errno set (the previous stream is kept). */
int audit_open(const char *path);

/* The events. user_id 0 means unknown. */
void audit_login(const struct ctx *c, const char *email, size_t email_len, int64_t user_id,
		 const char *reason);
void audit_refresh(const struct ctx *c, int64_t user_id);
void audit_user_created(const struct ctx *c, int64_t user_id);
/* changed: the names of the fields that changed, comma separated ("username,password"). */
void audit_user_updated(const struct ctx *c, int64_t user_id, const char *changed);
void audit_user_deleted(const struct ctx *c, int64_t user_id);
/* The caller (user_id) was refused the user target_id: 403. */
void audit_forbidden(const struct ctx *c, int64_t user_id, int64_t target_id);

#endif

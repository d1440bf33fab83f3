/* audit.c -- the audit log's lines (see audit.h). */
#include "routes/audit.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "routes/router.h"
#include "base/buf.h"
#include "base/log.h"
#include "base/utf8.h"
#include "compat/json_write.h"

/* The most characters of a field a client chose that a line holds: an email
 * is at most 254 (RFC 5321), an address 45 (IPv6 text). */
enum { AUDIT_EMAIL_MAX = 254, AUDIT_CLIENT_MAX = 64 };

static int audit_fd = STDERR_FILENO;

int audit_open(const char *path)
{
	if (!path || !*path) {
		if (audit_fd != STDERR_FILENO)
			close(audit_fd);
		audit_fd = STDERR_FILENO;
		return 0;
	}
	int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
	if (fd < 0)
		return -1;
	if (audit_fd != STDERR_FILENO)
		close(audit_fd);
	audit_fd = fd;
	return 0;
}

/* ,"key":"<s, at most max characters>", and ,"key_truncated":true when s
 * was longer: a login's username can be a megabyte, and each attempt is a line. */
static void add_bounded(struct buf *b, const char *key, const char *s, size_t n, size_t max)
{
	size_t end = 0, chars = 0;
	while (end < n && chars < max) {
		uint32_t cp;
		end = utf8_next((const unsigned char *)s, n, end, &cp);
		chars++;
	}
	buf_printf(b, ",\"%s\":", key);
	json_add_str(b, s, end);
	if (end < n)
		buf_printf(b, ",\"%s_truncated\":true", key);
}

/* {"time":..,"event":..,"request_id":..,"client":.., then the caller's fields. */
static void line_open(struct buf *b, const struct ctx *c, const char *event, int64_t user_id)
{
	struct timespec ts;
	struct tm tm;
	char when[32];
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%S", &tm);
	buf_printf(b, "{\"time\":\"%s.%03ldZ\",\"event\":\"%s\",\"request_id\":", when, ts.tv_nsec / 1000000,
		   event);
	json_add_cstr(b, c->req->request_id ? c->req->request_id : "-");
	const char *client = c->req->remote_addr && *c->req->remote_addr ? c->req->remote_addr : "-";
	add_bounded(b, "client", client, strlen(client), AUDIT_CLIENT_MAX);
	buf_adds(b, ",\"user_id\":");
	if (user_id)
		json_add_int(b, user_id);
	else
		buf_adds(b, "null");
}

static void line_close(struct buf *b)
{
	buf_adds(b, "}\n");
	if (buf_ok(b) && write(audit_fd, b->data, b->len) != (ssize_t)b->len)
		log_error("audit log: %s", strerror(errno));
	buf_free(b);
}

static void simple(const struct ctx *c, const char *event, int64_t user_id)
{
	struct buf b;
	buf_init(&b);
	line_open(&b, c, event, user_id);
	line_close(&b);
}

void audit_login(const struct ctx *c, const char *email, size_t email_len, int64_t user_id,
		 const char *reason)
{
	struct buf b;
	buf_init(&b);
	line_open(&b, c, "login", user_id);
	add_bounded(&b, "email", email, email_len, AUDIT_EMAIL_MAX);
	buf_printf(&b, ",\"outcome\":\"%s\"", reason ? "failure" : "success");
	if (reason)
		buf_printf(&b, ",\"reason\":\"%s\"", reason);
	line_close(&b);
}

void audit_refresh(const struct ctx *c, int64_t user_id)
{
	simple(c, "token_refreshed", user_id);
}

void audit_user_created(const struct ctx *c, int64_t user_id)
{
	simple(c, "user_created", user_id);
}

void audit_user_updated(const struct ctx *c, int64_t user_id, const char *changed)
{
	struct buf b;
	buf_init(&b);
	line_open(&b, c, "user_updated", user_id);
	buf_adds(&b, ",\"changed\":[");
	for (const char *p = changed; *p;) {
		size_t n = strcspn(p, ",");
		buf_printf(&b, "%s\"%.*s\"", p == changed ? "" : ",", (int)n, p);
		p += n + (p[n] == ',');
	}
	buf_addc(&b, ']');
	line_close(&b);
}

void audit_user_deleted(const struct ctx *c, int64_t user_id)
{
	simple(c, "user_deleted", user_id);
}

void audit_forbidden(const struct ctx *c, int64_t user_id, int64_t target_id)
{
	struct buf b;
	buf_init(&b);
	line_open(&b, c, "forbidden", user_id);
	buf_adds(&b, ",\"method\":");
	json_add_cstr(&b, c->req->method);
	buf_adds(&b, ",\"target_user_id\":");
	json_add_int(&b, target_id);
	line_close(&b);
}

/* settings.c -- environment first, then .env (see settings.h). */
#include "base/settings.h"

#include <ctype.h>
#include <stdbool.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The keys we read, and where each one's raw text is kept while loading. */
enum {
	K_DATABASE_URL,
	K_SECRET_KEY,
	K_ALGORITHM,
	K_EXPIRE,
	K_WORKERS,
	K_REQUEST_TIMEOUT,
	K_SESSION_MAX,
	K_RATE_LIMIT,
	K_LOGIN_RATE_LIMIT,
	K_MAX_REQUESTS,
	K_REQUEST_KILL_TIMEOUT,
	K_SLOW_REQUEST_MS,
	K_AUDIT_LOG,
	K_HASH_QUEUE_TIMEOUT,
	K_COUNT
};
static const char *const setting_names[K_COUNT] = {
	"DATABASE_URL",
	"SECRET_KEY",
	"ALGORITHM",
	"ACCESS_TOKEN_EXPIRE_MINUTES",
	"WORKERS",
	"REQUEST_TIMEOUT",
	"SESSION_MAX_HOURS",
	"RATE_LIMIT",
	"LOGIN_RATE_LIMIT",
	"MAX_REQUESTS",
	"REQUEST_KILL_TIMEOUT",
	"SLOW_REQUEST_MS",
	"AUDIT_LOG",
	"HASH_QUEUE_TIMEOUT",
};

struct raw_settings {
	char value[K_COUNT][SETTINGS_TEXT_MAX];
	int found[K_COUNT];
};

static int key_index(const char *key, size_t n)
{
	for (int i = 0; i < K_COUNT; i++)
		if (strlen(setting_names[i]) == n && memcmp(setting_names[i], key, n) == 0)
			return i;
	return -1;
}

static char *trim(char *s)
{
	while (isspace((unsigned char)*s))
		s++;
	size_t n = strlen(s);
	while (n && isspace((unsigned char)s[n - 1]))
		s[--n] = '\0';
	return s;
}

/* A .env value: quoted ('...' or "..."), or bare up to an inline " #" comment. */
static char *unquote(char *v)
{
	size_t n = strlen(v);
	if (n >= 2 && (v[0] == '"' || v[0] == '\'')) {
		char *close = strchr(v + 1, v[0]);
		if (close) {
			*close = '\0';
			return v + 1;
		}
	}
	char *comment = strstr(v, " #");
	if (comment)
		*comment = '\0';
	return trim(v);
}

static void read_env_line(struct raw_settings *raw, char *line)
{
	char *s = trim(line);
	if (*s == '#' || *s == '\0')
		return;
	if (strncmp(s, "export ", 7) == 0)
		s = trim(s + 7);
	char *eq = strchr(s, '=');
	if (!eq)
		return;
	*eq = '\0';
	char *key = trim(s);
	int k = key_index(key, strlen(key));
	if (k < 0 || raw->found[k])
		return;
	snprintf(raw->value[k], SETTINGS_TEXT_MAX, "%s", unquote(trim(eq + 1)));
	raw->found[k] = 1;
}

static void read_env_file(struct raw_settings *raw, const char *path)
{
	FILE *f = path ? fopen(path, "r") : NULL;
	char line[SETTINGS_TEXT_MAX + 64];
	if (!f)
		return;
	while (fgets(line, sizeof line, f))
		read_env_line(raw, line);
	fclose(f);
}

static void read_environment(struct raw_settings *raw)
{
	for (int k = 0; k < K_COUNT; k++) {
		const char *v = getenv(setting_names[k]);
		if (v && strlen(v) < SETTINGS_TEXT_MAX) {
			snprintf(raw->value[k], SETTINGS_TEXT_MAX, "%s", v);
			raw->found[k] = 1;
		}
	}
}

int settings_database_path(const char *url, char *path, size_t pathsz)
{
	static const char *const prefixes[] = {"sqlite:///", "sqlite+aiosqlite:///", "sqlite+pysqlite:///"};
	for (size_t i = 0; i < sizeof prefixes / sizeof *prefixes; i++) {
		size_t n = strlen(prefixes[i]);
		if (strncmp(url, prefixes[i], n) != 0)
			continue;
		const char *p = url + n;
		/* ":memory:" would give each worker its own empty database. */
		if (*p == '\0' || strchr(p, '?') || strcmp(p, ":memory:") == 0)
			return -1;
		return snprintf(path, pathsz, "%s", p) < (int)pathsz ? 0 : -1;
	}
	return -1;
}

int settings_database_kind(const char *url)
{
	static const char *const postgresql[] = {"postgresql://", "postgres://", "postgresql+psycopg://"};
	char path[SETTINGS_TEXT_MAX];
	if (settings_database_path(url, path, sizeof path) == 0)
		return DATABASE_SQLITE;
	for (size_t i = 0; i < sizeof postgresql / sizeof *postgresql; i++)
		if (strncmp(url, postgresql[i], strlen(postgresql[i])) == 0)
			return DATABASE_POSTGRESQL;
	return -1;
}

static int parse_long(const char *text, long min, long max, long *out)
{
	char *end;
	errno = 0;
	long v = strtol(text, &end, 10);
	if (errno || end == text || *end != '\0' || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

/* Seconds with up to three decimals ("5", "0.25") as milliseconds. */
static int parse_seconds_ms(const char *text, long max_s, long *out_ms)
{
	long whole = 0, frac = 0, scale = 100;
	const char *p = text;
	if (!isdigit((unsigned char)*p))
		return -1;
	for (; isdigit((unsigned char)*p); p++)
		if ((whole = whole * 10 + (*p - '0')) > max_s)
			return -1;
	if (*p == '.') {
		for (p++; isdigit((unsigned char)*p) && scale; p++, scale /= 10)
			frac += (*p - '0') * scale;
		if (p[-1] == '.')
			return -1;
	}
	if (*p != '\0' || (whole == max_s && frac))
		return -1;
	*out_ms = whole * 1000 + frac;
	return 0;
}

static int fail(char *err, size_t errsz, const char *name, const char *why)
{
	snprintf(err, errsz, "setting %s %s", name, why);
	return -1;
}

/* on/off, as scripts/nginx-conf reads the same names. */
static int parse_switch(const char *text, bool *out)
{
	static const char *const on[] = {"on", "1", "true", "yes"}, *const off[] = {"off", "0", "false",
										    "no"};
	for (size_t i = 0; i < sizeof on / sizeof *on; i++) {
		if (strcmp(text, on[i]) == 0 || strcmp(text, off[i]) == 0) {
			*out = strcmp(text, on[i]) == 0;
			return 0;
		}
	}
	return -1;
}

static int check_algorithm(const char *a)
{
	return strcmp(a, "HS256") == 0 || strcmp(a, "HS384") == 0 || strcmp(a, "HS512") == 0 ? 0 : -1;
}

/* REQUEST_KILL_TIMEOUT, by default twice REQUEST_TIMEOUT, or 30 s without one. */
static int kill_timeout(const struct raw_settings *raw, struct settings *s)
{
	if (raw->found[K_REQUEST_KILL_TIMEOUT])
		return parse_seconds_ms(raw->value[K_REQUEST_KILL_TIMEOUT], 3600,
					&s->request_kill_timeout_ms);
	s->request_kill_timeout_ms = s->request_timeout_ms ? 2 * s->request_timeout_ms : 30000;
	return 0;
}

int settings_load(struct settings *s, const char *env_path, int flags, char *err, size_t errsz)
{
	static const char *const defaults[K_COUNT] = {
		[K_DATABASE_URL] = "sqlite:///database.db",
		[K_ALGORITHM] = "HS256",
		[K_EXPIRE] = "30",
		[K_WORKERS] = "0",
		[K_REQUEST_TIMEOUT] = "5",
		[K_SESSION_MAX] = "24",
		[K_RATE_LIMIT] = "on",
		[K_LOGIN_RATE_LIMIT] = "on",
		[K_MAX_REQUESTS] = "0",
		[K_SLOW_REQUEST_MS] = "0",
		[K_HASH_QUEUE_TIMEOUT] = "2",
	};
	struct raw_settings *raw = calloc(1, sizeof *raw);
	int rc = -1;
	if (!raw)
		return fail(err, errsz, "storage", "could not be allocated");
	read_environment(raw);
	read_env_file(raw, env_path);
	for (int k = 0; k < K_COUNT; k++)
		if (!raw->found[k] && defaults[k])
			snprintf(raw->value[k], SETTINGS_TEXT_MAX, "%s", defaults[k]);
	memset(s, 0, sizeof *s);
	if (!(flags & SETTINGS_SECRET_OPTIONAL) && raw->value[K_SECRET_KEY][0] == '\0')
		fail(err, errsz, "SECRET_KEY", "is missing: set it in the environment or in .env");
	else if (settings_database_kind(raw->value[K_DATABASE_URL]) < 0)
		fail(err, errsz, "DATABASE_URL",
		     "is neither a SQLite URL such as sqlite:///database.db nor a PostgreSQL one "
		     "such as postgresql://user:password@host:5432/db");
	else if (check_algorithm(raw->value[K_ALGORITHM]))
		fail(err, errsz, "ALGORITHM", "must be HS256, HS384 or HS512");
	else if (parse_long(raw->value[K_EXPIRE], 1, 5256000L, &s->expire_minutes))
		fail(err, errsz, "ACCESS_TOKEN_EXPIRE_MINUTES",
		     "must be a whole number of minutes, at least 1");
	else if (parse_long(raw->value[K_WORKERS], 0, 1024, &s->workers))
		fail(err, errsz, "WORKERS", "must be a whole number from 1 to 1024");
	else if (parse_seconds_ms(raw->value[K_REQUEST_TIMEOUT], 3600, &s->request_timeout_ms))
		fail(err, errsz, "REQUEST_TIMEOUT",
		     "must be a number of seconds from 0 (no limit) to 3600, such as 5 or 0.5");
	else if (parse_long(raw->value[K_SESSION_MAX], 1, 87600L, &s->session_max_hours))
		fail(err, errsz, "SESSION_MAX_HOURS", "must be a whole number of hours, from 1 to 87600");
	else if (parse_switch(raw->value[K_RATE_LIMIT], &s->rate_limit))
		fail(err, errsz, "RATE_LIMIT", "must be on or off");
	else if (parse_switch(raw->value[K_LOGIN_RATE_LIMIT], &s->login_rate_limit))
		fail(err, errsz, "LOGIN_RATE_LIMIT", "must be on or off");
	else if (parse_long(raw->value[K_MAX_REQUESTS], 0, INT32_MAX, &s->max_requests))
		fail(err, errsz, "MAX_REQUESTS", "must be a whole number of requests, 0 for no limit");
	else if (kill_timeout(raw, s))
		fail(err, errsz, "REQUEST_KILL_TIMEOUT",
		     "must be a number of seconds from 0 (never) to 3600, such as 10 or 0.5");
	else if (parse_long(raw->value[K_SLOW_REQUEST_MS], 0, 3600000, &s->slow_request_ms))
		fail(err, errsz, "SLOW_REQUEST_MS",
		     "must be a whole number of milliseconds, 0 for no slow log");
	else if (parse_seconds_ms(raw->value[K_HASH_QUEUE_TIMEOUT], 3600, &s->hash_queue_timeout_ms))
		fail(err, errsz, "HASH_QUEUE_TIMEOUT",
		     "must be a number of seconds from 0 (no limit) to 3600, such as 2 or 0.5");
	else
		rc = 0;
	if (rc == 0) {
		snprintf(s->secret_key, sizeof s->secret_key, "%s", raw->value[K_SECRET_KEY]);
		snprintf(s->database_url, sizeof s->database_url, "%s", raw->value[K_DATABASE_URL]);
		memcpy(s->algorithm, raw->value[K_ALGORITHM], 6); /* checked: HS256/384/512 */
		snprintf(s->audit_log, sizeof s->audit_log, "%s", raw->value[K_AUDIT_LOG]);
	}
	explicit_bzero(raw, sizeof *raw); /* it held the secret */
	free(raw);
	return rc;
}

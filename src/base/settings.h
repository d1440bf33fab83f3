/* settings.h -- the service's settings, from the environment and then .env.
 *
 * The names are the course's .env keys (DATABASE_URL, SECRET_KEY, ALGORITHM,
 * ACCESS_TOKEN_EXPIRE_MINUTES) plus WORKERS, REQUEST_TIMEOUT, SESSION_MAX_HOURS,
 * RATE_LIMIT and LOGIN_RATE_LIMIT (which scripts/nginx-conf reads too),
 * MAX_REQUESTS, REQUEST_KILL_TIMEOUT, SLOW_REQUEST_MS, AUDIT_LOG and
 * HASH_QUEUE_TIMEOUT. A value in the environment wins over the same key in
 * .env. Every value is checked here, at start (and on SIGHUP), so that a bad
 * setting never surfaces on a request. */
#ifndef FZ_SETTINGS_H
#define FZ_SETTINGS_H

#include <stdbool.h>
#include <stddef.h>

enum { SETTINGS_TEXT_MAX = 4096 };
/* A SECRET_KEY shorter than this (RFC 7518's minimum for HS256) is warned about at start. */
enum { SETTINGS_SECRET_MIN = 32 };

struct settings {
	char database_url[SETTINGS_TEXT_MAX]; /* DATABASE_URL, of a kind settings_database_kind() knows */
	char secret_key[SETTINGS_TEXT_MAX];
	char algorithm[8];                 /* HS256, HS384 or HS512 */
	long expire_minutes;               /* ACCESS_TOKEN_EXPIRE_MINUTES */
	long workers;                      /* WORKERS; 0 = twice the core count */
	long request_timeout_ms;           /* REQUEST_TIMEOUT (seconds): a request's statements are
				  * interrupted past it (503); 0 = no limit */
	long session_max_hours;            /* SESSION_MAX_HOURS: no token outlives its login by more */
	bool rate_limit;                   /* RATE_LIMIT: off turns every throttle off */
	bool login_rate_limit;             /* LOGIN_RATE_LIMIT: off turns the login throttles off */
	long max_requests;                 /* MAX_REQUESTS: a worker is replaced after serving this
				  * many; 0 = never */
	long request_kill_timeout_ms;      /* REQUEST_KILL_TIMEOUT (seconds): a worker still on one
				       * request past it is killed and replaced; 0 = never;
				       * default twice REQUEST_TIMEOUT, or 30 s */
	long slow_request_ms;              /* SLOW_REQUEST_MS: slower requests are logged; 0 = none */
	char audit_log[SETTINGS_TEXT_MAX]; /* AUDIT_LOG: the audit lines' file; "" = stderr */
	long hash_queue_timeout_ms;        /* HASH_QUEUE_TIMEOUT (seconds): a request of the routes that
				       * hash that has waited longer (since nginx passed it on) is
				       * answered 503 instead of hashed; 0 = no limit */
};

/* Loads the settings from the environment and from the file env_path (which
 * may be absent). Returns 0, or -1 with a message naming the faulty setting in
 * err[0..errsz). SETTINGS_SECRET_OPTIONAL is for commands that sign nothing
 * (migrate). */
enum { SETTINGS_SECRET_REQUIRED = 0, SETTINGS_SECRET_OPTIONAL = 1 };
int settings_load(struct settings *s, const char *env_path, int flags, char *err, size_t errsz);

/* Which backend a DATABASE_URL names: SQLite (see settings_database_path)
 * or PostgreSQL ("postgresql://", "postgres://", the course's
 * "postgresql+psycopg://": libpq's URI, query parameters included); -1 when
 * neither. */
enum database_kind { DATABASE_SQLITE, DATABASE_POSTGRESQL };
int settings_database_kind(const char *url);

/* The file path in a DATABASE_URL ("sqlite:///rel", "sqlite:////abs",
 * "sqlite+aiosqlite:///..."); 0, or -1 when it is not a SQLite URL. */
int settings_database_path(const char *url, char *path, size_t pathsz);

#endif

/* pg.c -- store.h on PostgreSQL, through libpq (the postgresql:// URLs).
 *
 * One connection per worker, opened after fork. Every statement is prepared
 * once per connection and run with its values bound (in binary, so that a
 * value's length is its own and a NUL can never cut it short). Writes are
 * single statements in autocommit, with synchronous_commit on: a 201 means
 * the row is on disk. The UNIQUE constraints decide races; SQLSTATE 23505
 * names the constraint, which tells the username from the email.
 *
 * Nothing waits unbounded: the connection attempt has connect_timeout (5 s
 * unless the URL says), a statement the request's deadline (store.h), which
 * the server enforces too (statement_timeout, set to the request's budget on
 * each new connection), and the worker stops waiting PG_GRACE_MS after it
 * (the server may be unreachable: then the connection is dropped). TCP
 * keepalives notice a cut network even without a deadline.
 *
 * When the server goes away (restart, failover, cut) the request answers STORE_UNAVAILABLE (503), the connection is dropped, and
 * a later request connects again; an idle connection the server has closed
 * meanwhile is noticed before it is used, so it costs no request. */
#include <endian.h>
#include <errno.h>
#include <libpq-fe.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/buf.h"
#include "base/clock.h"
#include "store/migrations.h"
#include "store/backend.h"

#define PG_GRACE_MS       250                   /* past a deadline, for the server's own cancel to arrive */
#define PG_RETRY_AFTER_MS 100                   /* between two failed connection attempts */
#define PG_MIGRATE_LOCK   "7226173505372651823" /* pg_advisory_lock key of `fast_zero migrate` */

enum { OID_BYTEA = 17, OID_INT8 = 20, OID_TEXT = 25, PARAMS_MAX = 8 };

#define PG_BUDGET_PURGE_MS 10000 /* how often a worker deletes the full budgets */
#define PG_WRITES_PURGE_MS 60000 /* how often a worker that writes deletes old write records */

/* The record of the write w made, under the request id the parameter names
 * ('' for none): a common table expression of ST_UPDATE and ST_DELETE. */
#define WRITE_RECORD(id)                                                                                     \
	"r AS (INSERT INTO write_requests (request_key, user_id, done_at) SELECT " id ", id, now() FROM w "  \
	"WHERE " id " <> '' ON CONFLICT DO NOTHING)"

/* The database's clock, in unix milliseconds, the same for every host. */
#define DB_NOW_MS "(extract(epoch FROM statement_timestamp()) * 1000)::int8"

/* The statements this backend prepares when it connects, one per purpose. */
enum stmt_id {
	ST_PING,
	ST_BY_ID,
	ST_BY_EMAIL,
	ST_LIST,
	ST_CREATE,
	ST_UPDATE, /* each write records itself (WRITE_RECORD) */
	ST_DELETE,
	ST_WRITE_DONE,
	ST_WRITES_PURGE,
	ST_USERNAME_USED,
	ST_EMAIL_USED,
	ST_ADDRESS_KNOWN,
	ST_ADDRESS_REMEMBER,
	ST_ADDRESS_TRIM,
	ST_BUDGET_TAKE,
	ST_BUDGET_PURGE,
	ST_TODO_CREATE,
	ST_TODO_LIST,
	ST_TODO_UPDATE,
	ST_TODO_DELETE,
	ST_TODO_FIND, /* whether a todo is there, before text it cannot hold */
	ST_COUNT,
};

#define PROTOTYPE(name, params, args) static enum store_status pg_##name params;
STORE_OPERATIONS(PROTOTYPE)
#undef PROTOTYPE

struct stmt_def {
	const char *sql;
	int nparams;
	Oid types[PARAMS_MAX];
};

/* ids are bound as int8, so that any id a path holds is a comparison, never
 * an out-of-range error against the int4 of SERIAL. */
static const struct stmt_def stmt_defs[ST_COUNT] = {
	[ST_PING] = {"SELECT 1 FROM users LIMIT 1", 0, {0}},
	[ST_BY_ID] = {"SELECT id, username, email FROM users WHERE id = $1", 1, {OID_INT8}},
	/* Times as unix milliseconds (the session's time zone is UTC, so the
	 * course's now() default and ours mean the same instant). */
	[ST_BY_EMAIL] =
		{"SELECT id, username, email, password, floor(extract(epoch FROM created_at) * 1000)::int8, "
		 "coalesce(floor(extract(epoch FROM password_changed_at) * 1000)::int8, -1) "
		 "FROM users WHERE email = $1",
		 1,
		 {OID_TEXT}},
	/* The offset is skipped in the primary key's index (an index-only scan),
	 * then the page read from the table from that id on. */
	[ST_LIST] = {"SELECT id, username, email FROM users WHERE id >= (SELECT id FROM users ORDER BY id "
		     "LIMIT 1 OFFSET $2) ORDER BY id LIMIT $1",
		     2,
		     {OID_INT8, OID_INT8}},
	[ST_CREATE] = {"INSERT INTO users (username, email, password) VALUES ($1, $2, $3) RETURNING id",
		       3,
		       {OID_TEXT, OID_TEXT, OID_TEXT}},
	/* A write and its record under the request's id ($7, $3: '' for none)
	 * in one statement; the rows it changed. */
	[ST_UPDATE] =
		{"WITH w AS (UPDATE users SET username = $1, email = $2, password = $3, password_changed_at "
		 "= "
		 "CASE WHEN $5 <> 0 THEN now() ELSE password_changed_at END WHERE id = $4 AND password = $6 "
		 "RETURNING id), " WRITE_RECORD("$7") " SELECT count(*) FROM w",
		 7,
		 {OID_TEXT, OID_TEXT, OID_TEXT, OID_INT8, OID_INT8, OID_TEXT, OID_TEXT}},
	/* The user's todos go with it (the course's ORM deletes them: the
	 * foreign key has no ON DELETE), in the same statement. u locks the
	 * row first, so that a password change racing the delete leaves both
	 * the todos and the user. */
	[ST_DELETE] = {"WITH u AS (SELECT id FROM users WHERE id = $1 AND password = $2 FOR UPDATE), "
		       "t AS (DELETE FROM todos WHERE user_id IN (SELECT id FROM u)), "
		       "w AS (DELETE FROM users WHERE id IN (SELECT id FROM u) RETURNING id), " WRITE_RECORD(
			       "$3") " SELECT count(*) FROM w",
		       3,
		       {OID_INT8, OID_TEXT, OID_TEXT}},
	[ST_WRITE_DONE] = {"SELECT user_id FROM write_requests WHERE request_key = $1", 1, {OID_TEXT}},
	[ST_WRITES_PURGE] = {"DELETE FROM write_requests WHERE done_at < now() - interval '10 minutes'",
			     0,
			     {0}},
	[ST_USERNAME_USED] = {"SELECT 1 FROM users WHERE username = $1 AND id <> $2",
			      2,
			      {OID_TEXT, OID_INT8}},
	[ST_EMAIL_USED] = {"SELECT 1 FROM users WHERE email = $1 AND id <> $2", 2, {OID_TEXT, OID_INT8}},
	[ST_ADDRESS_KNOWN] =
		{"SELECT 1 FROM login_addresses WHERE user_id = $1 AND address = $2 AND password_tag = $3",
		 3,
		 {OID_INT8, OID_TEXT, OID_TEXT}},
	[ST_ADDRESS_REMEMBER] =
		{"INSERT INTO login_addresses (user_id, address, password_tag, last_login) VALUES "
		 "($1, $2, $3, now()) ON CONFLICT (user_id, address) DO UPDATE SET "
		 "password_tag = excluded.password_tag, last_login = excluded.last_login",
		 3,
		 {OID_INT8, OID_TEXT, OID_TEXT}},
	[ST_ADDRESS_TRIM] =
		{"DELETE FROM login_addresses WHERE user_id = $1 AND address NOT IN (SELECT address "
		 "FROM login_addresses WHERE user_id = $1 ORDER BY last_login DESC LIMIT 8)",
		 1,
		 {OID_INT8}},
	/* GCRA in one statement, under the row's lock: $2 the tolerance (the
	 * burst less one, in intervals), $3 the interval, both in ms. A take
	 * is let through when the budget's tat is at most the tolerance ahead
	 * of now, and then moves tat one interval on; excluded.tat is now +
	 * the interval. Returns whether it went through and, when not, the ms
	 * until the next one would. */
	[ST_BUDGET_TAKE] = {"INSERT INTO budgets AS b (key, tat) VALUES ($1, " DB_NOW_MS " + $3) "
			    "ON CONFLICT (key) DO UPDATE SET "
			    "allowed = greatest(b.tat, excluded.tat - $3) - (excluded.tat - $3) <= $2, "
			    "tat = CASE WHEN greatest(b.tat, excluded.tat - $3) - (excluded.tat - $3) <= $2 "
			    "THEN greatest(b.tat, excluded.tat - $3) + $3 ELSE b.tat END "
			    "RETURNING allowed::int, greatest(0, tat - $2 - " DB_NOW_MS ")",
			    3,
			    {OID_BYTEA, OID_INT8, OID_INT8}},
	[ST_BUDGET_PURGE] = {"DELETE FROM budgets WHERE tat < " DB_NOW_MS, 0, {0}},
	/* Todos. state is the native enum todostate, bound as text. SQLAlchemy's
	 * .contains() without autoescape is LIKE '%' || value || '%' with no
	 * ESCAPE clause (case-sensitive, and \ LIKE's default escape); a filter
	 * bound NULL keeps every todo. The owner's index (user_id, id) gives the
	 * order. */
	[ST_TODO_CREATE] = {"INSERT INTO todos (title, description, state, user_id) "
			    "VALUES ($1, $2, $3::todostate, $4) RETURNING id",
			    4,
			    {OID_TEXT, OID_TEXT, OID_TEXT, OID_INT8}},
	[ST_TODO_LIST] = {"SELECT id, title, description, state FROM todos WHERE user_id = $1 "
			  "AND ($4::text IS NULL OR title LIKE '%' || $4 || '%') "
			  "AND ($5::text IS NULL OR description LIKE '%' || $5 || '%') "
			  "AND ($6::text IS NULL OR state = $6::todostate) ORDER BY id LIMIT $2 OFFSET $3",
			  6,
			  {OID_INT8, OID_INT8, OID_INT8, OID_TEXT, OID_TEXT, OID_TEXT}},
	[ST_TODO_UPDATE] =
		{"UPDATE todos SET title = coalesce($3, title), description = coalesce($4, description), "
		 "state = coalesce($5::todostate, state) WHERE id = $1 AND user_id = $2 "
		 "RETURNING id, title, description, state",
		 5,
		 {OID_INT8, OID_INT8, OID_TEXT, OID_TEXT, OID_TEXT}},
	[ST_TODO_DELETE] = {"DELETE FROM todos WHERE id = $1 AND user_id = $2", 2, {OID_INT8, OID_INT8}},
	[ST_TODO_FIND] = {"SELECT 1 FROM todos WHERE id = $1 AND user_id = $2", 2, {OID_INT8, OID_INT8}},
};

/* What every session sets first. synchronous_commit is the server's default,
 * set anyway: a server configured otherwise must not weaken a 201. */
#define PG_SESSION_SQL                                                                                       \
	"SET synchronous_commit = on; SET client_encoding = 'UTF8'; SET client_min_messages = warning; "     \
	"SET TIME ZONE 'UTC'; "                                                                              \
	"SET idle_in_transaction_session_timeout = 60000; "

struct pg_store {
	struct store base;
	PGconn *conn; /* NULL while disconnected */
	char *conninfo;
	struct store_watch watch;    /* of the request in hand (see store.h) */
	int64_t budget_ms;           /* the time a request is given (REQUEST_TIMEOUT) */
	int64_t session_timeout_ms;  /* this connection's statement_timeout; -1 unknown */
	struct buf strings;          /* the current struct user's text */
	struct timespec last_failed; /* the last failed connection attempt */
	int64_t purged_ms;           /* when this worker last deleted full budgets (clock_ms) */
	int64_t writes_purged_ms;    /* when it last deleted old write records */
	char error[256];
};

/* Bound values of one statement, in binary. */
struct params {
	const char *values[PARAMS_MAX];
	int lengths[PARAMS_MAX];
	int formats[PARAMS_MAX];
	int n;
	uint64_t ints[PARAMS_MAX]; /* network-order int8s the values point at */
};

static void add_text(struct params *p, const char *v, size_t len)
{
	p->values[p->n] = v ? v : "";
	p->lengths[p->n] = v ? (int)len : 0;
	p->formats[p->n++] = 1;
}

/* Text, or SQL NULL when v is NULL. */
static void add_text_or_null(struct params *p, const char *v, size_t len)
{
	add_text(p, v, len);
	if (!v)
		p->values[p->n - 1] = NULL;
}

static void add_bytes(struct params *p, const unsigned char *v, size_t len)
{
	p->values[p->n] = (const char *)v;
	p->lengths[p->n] = (int)len;
	p->formats[p->n++] = 1;
}

static void add_int8(struct params *p, int64_t v)
{
	p->ints[p->n] = htobe64((uint64_t)v);
	p->values[p->n] = (const char *)&p->ints[p->n];
	p->lengths[p->n] = 8;
	p->formats[p->n++] = 1;
}

static long elapsed_ms(const struct timespec *since)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	return (now.tv_sec - since->tv_sec) * 1000 + (now.tv_nsec - since->tv_nsec) / 1000000;
}

/* libpq's URI, from a DATABASE_URL: the course's "postgresql+psycopg://"
 * names the driver, which libpq does not take. malloc'd, or NULL. */
static char *conninfo_of(const char *url)
{
	static const char psycopg[] = "postgresql+psycopg://";
	char *out;
	if (strncmp(url, psycopg, sizeof psycopg - 1) != 0)
		return strdup(url);
	if ((out = malloc(strlen(url))))
		snprintf(out, strlen(url), "postgresql://%s", url + sizeof psycopg - 1);
	return out;
}

static void quiet_notice(void *arg, const char *message)
{
	(void)arg;
	(void)message;
}

/* A blocking connection (bounded by connect_timeout) with the session set up;
 * NULL with err filled. */
static PGconn *connect_db(const char *conninfo, char *err, size_t errsz)
{
	/* Defaults the URL may override (it comes last): a bounded connection
	 * attempt, and a cut network noticed within ~30 s. */
	static const char *const keys[] = {
		"connect_timeout",  "application_name", "keepalives_idle", "keepalives_interval",
		"keepalives_count", "tcp_user_timeout", "dbname",          NULL};
	const char *values[] = {"5", "fast_zero", "10", "5", "3", "30000", conninfo, NULL};
	PGconn *conn = PQconnectdbParams(keys, values, 1);
	PGresult *r = NULL;
	if (conn && PQstatus(conn) == CONNECTION_OK) {
		PQsetNoticeProcessor(conn, quiet_notice, NULL);
		r = PQexec(conn, PG_SESSION_SQL);
		if (PQresultStatus(r) == PGRES_COMMAND_OK) {
			PQclear(r);
			return conn;
		}
	}
	snprintf(err, errsz, "postgresql: %s", conn ? PQerrorMessage(conn) : "out of memory");
	err[strcspn(err, "\n")] = '\0';
	PQclear(r);
	PQfinish(conn);
	return NULL;
}

static void disconnect(struct pg_store *s)
{
	PQfinish(s->conn);
	s->conn = NULL;
}

/* Connects and prepares every statement; 0 or -1 with s->error filled. */
static int connect_store(struct pg_store *s)
{
	bool ok = true;
	PGresult *r;
	if (!(s->conn = connect_db(s->conninfo, s->error, sizeof s->error)))
		return -1;
	s->session_timeout_ms = -1;
	for (int i = 0; ok && i < ST_COUNT; i++) {
		char name[16];
		if (!stmt_defs[i].sql)
			continue; /* not needed here (see backend.h) */
		snprintf(name, sizeof name, "s%d", i);
		r = PQprepare(s->conn, name, stmt_defs[i].sql, stmt_defs[i].nparams, stmt_defs[i].types);
		ok = PQresultStatus(r) == PGRES_COMMAND_OK;
		PQclear(r);
	}
	if (ok && PQsetnonblocking(s->conn, 1) == 0)
		return 0;
	snprintf(s->error, sizeof s->error, "postgresql: %s (has `fast_zero migrate` run?)",
		 PQerrorMessage(s->conn));
	s->error[strcspn(s->error, "\n")] = '\0';
	disconnect(s);
	return -1;
}

/* True when an idle connection has input waiting: the server closed it (a
 * restart, an administrator) or changed something under it. Either way it
 * is replaced before use. */
static bool closed_by_server(PGconn *conn)
{
	struct pollfd pfd = {.fd = PQsocket(conn), .events = POLLIN};
	return pfd.fd < 0 || poll(&pfd, 1, 0) != 0;
}

/* A connection ready for a statement: the current one, or a new one, tried
 * at most every PG_RETRY_AFTER_MS so a server that is down costs each
 * request nothing. */
static enum store_status ready(struct pg_store *s)
{
	if (s->conn && PQstatus(s->conn) == CONNECTION_OK && !closed_by_server(s->conn))
		return STORE_OK;
	disconnect(s);
	if (s->last_failed.tv_sec && elapsed_ms(&s->last_failed) < PG_RETRY_AFTER_MS)
		return STORE_UNAVAILABLE;
	if (connect_store(s) == 0) {
		s->last_failed = (struct timespec){0};
		return STORE_OK;
	}
	clock_gettime(CLOCK_MONOTONIC, &s->last_failed);
	return STORE_UNAVAILABLE;
}

static void note_conn_error(struct pg_store *s)
{
	snprintf(s->error, sizeof s->error, "postgresql: %s", PQerrorMessage(s->conn));
	s->error[strcspn(s->error, "\n")] = '\0';
}

/* How long await may sleep now (-1: no limit); calls the watch's slow
 * notice once its time has come. */
static int wait_ms(struct pg_store *s, int64_t now)
{
	void (*slow)(void *) = s->watch.slow;
	int64_t wait = -1;
	if (slow && now >= s->watch.slow_ms) {
		s->watch.slow = NULL;
		slow(s->watch.arg);
	} else if (slow) {
		wait = s->watch.slow_ms - now;
	}
	if (s->watch.deadline_ms) {
		int64_t left = s->watch.deadline_ms + PG_GRACE_MS - now;
		if (wait < 0 || left < wait)
			wait = left > 0 ? left : 0;
	}
	return (int)wait;
}

/* Waits for libpq to hold a whole result, until PG_GRACE_MS past the
 * deadline; false, s->error filled, when the connection failed or the time
 * ran out (then *late is set). */
static bool await(struct pg_store *s, bool *late)
{
	int flushing;
	while ((flushing = PQflush(s->conn)) == 1 || (flushing == 0 && PQisBusy(s->conn))) {
		int64_t now = clock_ms();
		int wait = wait_ms(s, now);
		if (s->watch.deadline_ms && now >= s->watch.deadline_ms + PG_GRACE_MS) {
			*late = true;
			snprintf(s->error, sizeof s->error,
				 "postgresql: no answer by the request's deadline");
			return false;
		}
		struct pollfd pfd = {.fd = PQsocket(s->conn),
				     .events = (short)(POLLIN | (flushing ? POLLOUT : 0))};
		if (poll(&pfd, 1, wait) < 0 ||
		    ((pfd.revents & (POLLIN | POLLERR | POLLHUP)) && !PQconsumeInput(s->conn)))
			break;
	}
	if (flushing == 0 && !PQisBusy(s->conn))
		return true;
	note_conn_error(s);
	return false;
}

/* The next result of the statement sent, NULL once there is none. On a
 * failed connection or a late answer the connection is dropped, *lost set. */
static PGresult *next_result(struct pg_store *s, bool *lost, bool *late)
{
	if (!await(s, late)) {
		disconnect(s);
		*lost = true;
		return NULL;
	}
	return PQgetResult(s->conn);
}

/* Collects the one result of the statement sent (any further one, none
 * expected, is dropped); NULL when the connection failed (then dropped,
 * s->error filled, *late set when it ran out of time). */
static PGresult *collect(struct pg_store *s, bool *late)
{
	PGresult *result = NULL, *r;
	bool lost = false;
	while ((r = next_result(s, &lost, late))) {
		if (result)
			PQclear(r);
		else
			result = r;
	}
	if (!lost && result)
		return result;
	if (!lost) {
		snprintf(s->error, sizeof s->error, "postgresql: the server sent no result");
		disconnect(s);
	}
	PQclear(result);
	return NULL;
}

/* The server stops a statement at the request's budget too, so that one cut
 * off at the deadline does not run on there: set on each new connection (the
 * budget is the same for every request of a worker). */
static void follow_deadline(struct pg_store *s)
{
	char sql[64];
	bool late = false;
	int64_t off = s->session_timeout_ms - s->budget_ms;
	if (!s->watch.deadline_ms || (s->session_timeout_ms >= 0 && off <= 5 && off >= -5))
		return; /* set already (the budget read on the clock varies by a ms) */
	snprintf(sql, sizeof sql, "SET statement_timeout = %lld", (long long)s->budget_ms);
	if (PQsendQuery(s->conn, sql)) {
		PGresult *r = collect(s, &late);
		if (PQresultStatus(r) == PGRES_COMMAND_OK)
			s->session_timeout_ms = s->budget_ms;
		PQclear(r);
	}
}

/* Sends statement id with p bound; false when the connection failed (then
 * dropped, s->error filled). */
static bool send_stmt(struct pg_store *s, enum stmt_id id, const struct params *p)
{
	char name[16];
	follow_deadline(s);
	if (!s->conn)
		return false;
	snprintf(name, sizeof name, "s%d", id);
	if (PQsendQueryPrepared(s->conn, name, p->n, p->values, p->lengths, p->formats, 0))
		return true;
	note_conn_error(s);
	disconnect(s);
	return false;
}

/* Runs statement id with p bound: its result, or NULL with *status the
 * failure (STORE_UNAVAILABLE, or STORE_TIMEOUT when the deadline passed). */
static PGresult *run(struct pg_store *s, enum stmt_id id, const struct params *p, enum store_status *status)
{
	bool late = false;
	PGresult *r = send_stmt(s, id, p) ? collect(s, &late) : NULL;
	*status = r ? STORE_OK : late ? STORE_TIMEOUT : STORE_UNAVAILABLE;
	return r;
}

/* Whether SQLSTATE state means the server cannot serve now (rather than a
 * fault of the statement): connection, shutdown, resources, read-only. */
static bool server_unavailable(const char *state)
{
	return strncmp(state, "08", 2) == 0 || strncmp(state, "53", 2) == 0 ||
	       strncmp(state, "57P", 3) == 0 || strncmp(state, "58", 2) == 0 || strcmp(state, "25006") == 0;
}

/* Maps a result to a store status, noting the cause. */
static enum store_status status_of(struct pg_store *s, PGresult *r)
{
	ExecStatusType rs = PQresultStatus(r);
	if (rs == PGRES_COMMAND_OK || rs == PGRES_TUPLES_OK)
		return STORE_OK;
	const char *state = PQresultErrorField(r, PG_DIAG_SQLSTATE);
	if (!state)
		state = "";
	snprintf(s->error, sizeof s->error, "postgresql: %s (%s)", PQresultErrorMessage(r), state);
	s->error[strcspn(s->error, "\n")] = '\0';
	if (strcmp(state, "57014") == 0 && s->watch.deadline_ms &&
	    clock_ms() >= s->watch.deadline_ms - PG_GRACE_MS)
		return STORE_TIMEOUT; /* statement_timeout: the request's budget */
	if (strcmp(state, "57014") == 0 || strcmp(state, "55P03") == 0 || strncmp(state, "40", 2) == 0)
		return STORE_BUSY; /* cancelled, lock timeout, serialization */
	if (strcmp(state, "54000") == 0 || strcmp(state, "22021") == 0)
		return STORE_UNSTORABLE; /* an index entry too large; text it cannot hold */
	if (server_unavailable(state)) {
		disconnect(s);
		return STORE_UNAVAILABLE;
	}
	return STORE_ERROR;
}

/* Whether r failed with SQLSTATE state. */
static bool sqlstate_is(const PGresult *r, const char *state)
{
	const char *got = PQresultErrorField(r, PG_DIAG_SQLSTATE);
	return got && strcmp(got, state) == 0;
}

/* Runs a statement and gives its status; *out keeps the result when asked. */
static enum store_status exec_stmt(struct pg_store *s, enum stmt_id id, const struct params *p,
				   PGresult **out)
{
	enum store_status status = ready(s);
	PGresult *r = NULL;
	if (status == STORE_OK && (r = run(s, id, p, &status)))
		status = status_of(s, r);
	if (out && status == STORE_OK)
		*out = r;
	else
		PQclear(r);
	return status;
}

static int64_t int_of(const PGresult *r, int row, int col)
{
	return strtoll(PQgetvalue(r, row, col), NULL, 10);
}

/* Copies row 0's user into out; its text lives in s->strings. Columns 1..
 * are username, email and, with_hash, the password hash. */
static enum store_status read_user(struct pg_store *s, PGresult *r, struct user *out, bool with_hash)
{
	size_t at[3], len[3];
	int cols = with_hash ? 3 : 2;
	if (PQntuples(r) == 0)
		return STORE_NOT_FOUND;
	buf_reset(&s->strings);
	for (int i = 0; i < cols; i++) {
		at[i] = s->strings.len;
		len[i] = (size_t)PQgetlength(r, 0, i + 1);
		buf_add(&s->strings, PQgetvalue(r, 0, i + 1), len[i]);
		buf_addc(&s->strings, '\0');
	}
	if (!buf_ok(&s->strings))
		return STORE_ERROR;
	*out = (struct user){
		.id = int_of(r, 0, 0),
		.username = s->strings.data + at[0],
		.username_len = len[0],
		.email = s->strings.data + at[1],
		.email_len = len[1],
		.password_hash = with_hash ? s->strings.data + at[2] : NULL,
		.created_ms = with_hash ? int_of(r, 0, 4) : 0,
		.password_changed_ms = with_hash ? int_of(r, 0, 5) : -1,
	};
	return STORE_OK;
}

static enum store_status fetch_user(struct pg_store *s, enum stmt_id id, const struct params *p,
				    struct user *out, bool with_hash)
{
	PGresult *r = NULL;
	enum store_status status = exec_stmt(s, id, p, &r);
	if (status == STORE_OK)
		status = read_user(s, r, out, with_hash);
	PQclear(r);
	return status;
}

/* PostgreSQL's text cannot hold U+0000: no stored value has one. */
static bool has_nul(const char *v, size_t len)
{
	return v && memchr(v, '\0', len) != NULL;
}

static bool fields_storable(struct pg_store *s, const struct user_fields *in)
{
	if (!has_nul(in->username, in->username_len) && !has_nul(in->email, in->email_len))
		return true;
	snprintf(s->error, sizeof s->error, "postgresql: text cannot hold U+0000");
	return false;
}

/* Never fails for an unreachable server (see below); NULL only out of memory. */
static struct store *pg_open(const char *url, char *err, size_t errsz)
{
	struct pg_store *s = calloc(1, sizeof *s);
	if (!s || !(s->conninfo = conninfo_of(url))) {
		snprintf(err, errsz, "out of memory");
		free(s);
		return NULL;
	}
	s->base.ops = &store_pg_ops;
	buf_init(&s->strings);
	/* A server that cannot be reached now (a restart) is tried again by the
	 * requests, which answer 503 meanwhile: a worker starting then must not
	 * die, nor its supervisor restart it in a loop. */
	if (connect_store(s))
		clock_gettime(CLOCK_MONOTONIC, &s->last_failed);
	return &s->base;
}

static void pg_close(struct store *base)
{
	struct pg_store *s = (struct pg_store *)base;
	disconnect(s);
	buf_free(&s->strings);
	free(s->conninfo);
	free(s);
}

static const char *pg_last_error(const struct store *base)
{
	return ((const struct pg_store *)base)->error;
}

static void pg_watch(struct store *base, const struct store_watch *w)
{
	struct pg_store *s = (struct pg_store *)base;
	s->watch = w ? *w : (struct store_watch){0};
	if (s->watch.deadline_ms) { /* set as a request starts: what is left is all it has */
		int64_t budget = s->watch.deadline_ms - clock_ms();
		s->budget_ms = budget > 1 ? budget : 1;
	}
}

/* Nothing tells a PostgreSQL session cheaply that another host wrote: 0,
 * so no answer is kept between requests (store.h). */
static uint64_t pg_data_version(struct store *base)
{
	(void)base;
	return 0;
}

static enum store_status pg_ping(struct store *base)
{
	struct params p = {0};
	return exec_stmt((struct pg_store *)base, ST_PING, &p, NULL);
}

static enum store_status pg_user_by_id(struct store *base, int64_t id, struct user *out)
{
	struct params p = {0};
	add_int8(&p, id);
	return fetch_user((struct pg_store *)base, ST_BY_ID, &p, out, false);
}

static enum store_status pg_user_by_email(struct store *base, const char *email, size_t len, struct user *out)
{
	struct params p = {0};
	if (has_nul(email, len))
		return STORE_NOT_FOUND;
	add_text(&p, email, len);
	return fetch_user((struct pg_store *)base, ST_BY_EMAIL, &p, out, true);
}

/* Rows are handed to each as they arrive (single-row mode), as on SQLite;
 * when each stops early the rest is not waited for: the connection is
 * dropped, which stops the statement too. */
static enum store_status pg_user_list(struct store *base, int64_t offset, int64_t limit, store_user_fn *each,
				      void *arg)
{
	struct pg_store *s = (struct pg_store *)base;
	struct params p = {0};
	PGresult *r;
	bool lost = false, late = false;
	add_int8(&p, limit);
	add_int8(&p, offset);
	enum store_status status = ready(s);
	if (status != STORE_OK)
		return status;
	if (!send_stmt(s, ST_LIST, &p))
		return STORE_UNAVAILABLE;
	PQsetSingleRowMode(s->conn);
	while ((r = next_result(s, &lost, &late))) {
		ExecStatusType rs = PQresultStatus(r);
		if (rs == PGRES_SINGLE_TUPLE) {
			struct user u = {
				.id = int_of(r, 0, 0),
				.username = PQgetvalue(r, 0, 1),
				.username_len = (size_t)PQgetlength(r, 0, 1),
				.email = PQgetvalue(r, 0, 2),
				.email_len = (size_t)PQgetlength(r, 0, 2),
			};
			if (!each(&u, arg)) {
				PQclear(r);
				disconnect(s); /* the answer cannot be delivered */
				return STORE_OK;
			}
		} else if (status == STORE_OK) {
			status = status_of(s, r); /* the end (TUPLES_OK), or the failure */
		}
		PQclear(r);
		if (!s->conn)
			return status; /* status_of dropped it */
	}
	if (lost && status == STORE_OK)
		return late ? STORE_TIMEOUT : STORE_UNAVAILABLE;
	return status;
}

/* Whether another user than id holds v in the statement's column: STORE_OK
 * with *used set, or the failure. */
static enum store_status value_used(struct pg_store *s, enum stmt_id which, const char *v, size_t n,
				    int64_t id, bool *used)
{
	struct params p = {0};
	PGresult *r = NULL;
	*used = false;
	if (has_nul(v, n))
		return STORE_OK;
	add_text(&p, v, n);
	add_int8(&p, id);
	enum store_status status = exec_stmt(s, which, &p, &r);
	*used = status == STORE_OK && PQntuples(r) > 0;
	PQclear(r);
	return status;
}

static enum store_status pg_user_clash(struct store *base, const struct user_fields *in, int64_t id)
{
	struct pg_store *s = (struct pg_store *)base;
	bool used;
	enum store_status status = value_used(s, ST_USERNAME_USED, in->username, in->username_len, id, &used);
	if (status != STORE_OK || used)
		return status != STORE_OK ? status : STORE_USERNAME_TAKEN;
	status = value_used(s, ST_EMAIL_USED, in->email, in->email_len, id, &used);
	if (status != STORE_OK || used)
		return status != STORE_OK ? status : STORE_EMAIL_TAKEN;
	return STORE_OK;
}

/* After a UNIQUE violation: the username's constraint names the answer; the
 * email's does too unless the username is taken as well (it is reported
 * first, as on SQLite). */
static enum store_status which_taken(struct pg_store *s, const PGresult *r, const struct user_fields *in,
				     int64_t id)
{
	const char *constraint = PQresultErrorField(r, PG_DIAG_CONSTRAINT_NAME);
	bool used = false;
	if (constraint && strcmp(constraint, "users_username_key") == 0)
		return STORE_USERNAME_TAKEN;
	if (value_used(s, ST_USERNAME_USED, in->username, in->username_len, id, &used) == STORE_OK && used)
		return STORE_USERNAME_TAKEN;
	return STORE_EMAIL_TAKEN;
}

/* Binds in's three fields; false when the database cannot hold them. */
static bool bind_fields(struct pg_store *s, struct params *p, const struct user_fields *in)
{
	if (!fields_storable(s, in))
		return false;
	add_text(p, in->username, in->username_len);
	add_text(p, in->email, in->email_len);
	add_text(p, in->password_hash, in->password_hash ? strlen(in->password_hash) : 0);
	return true;
}

/* Runs a write; a UNIQUE violation becomes the field taken. *r keeps the result. */
static enum store_status write_user(struct pg_store *s, enum stmt_id which, const struct params *p,
				    const struct user_fields *in, int64_t id, PGresult **out)
{
	enum store_status status = ready(s);
	PGresult *r = NULL;
	if (status != STORE_OK || !(r = run(s, which, p, &status)))
		return status;
	const char *state = PQresultErrorField(r, PG_DIAG_SQLSTATE);
	if (state && strcmp(state, "23505") == 0)
		status = which_taken(s, r, in, id);
	else
		status = status_of(s, r);
	if (status == STORE_OK)
		*out = r;
	else
		PQclear(r);
	return status;
}

static enum store_status pg_user_create(struct store *base, const struct user_fields *in, int64_t *id)
{
	struct pg_store *s = (struct pg_store *)base;
	struct params p = {0};
	PGresult *r = NULL;
	if (!bind_fields(s, &p, in))
		return STORE_UNSTORABLE;
	enum store_status status = write_user(s, ST_CREATE, &p, in, 0, &r);
	if (status == STORE_OK)
		*id = int_of(r, 0, 0);
	PQclear(r);
	return status;
}

/* Every PG_WRITES_PURGE_MS, a worker that records writes deletes the
 * records older than 10 minutes (a failure leaves them for the next time). */
static void purge_writes(struct pg_store *s)
{
	struct params p = {0};
	int64_t now = clock_ms();
	if (now - s->writes_purged_ms < PG_WRITES_PURGE_MS)
		return;
	s->writes_purged_ms = now;
	exec_stmt(s, ST_WRITES_PURGE, &p, NULL);
}

/* The outcome of a recorded write (ST_UPDATE, ST_DELETE) whose result is r:
 * STORE_NOT_FOUND when it changed no row. Clears r. */
static enum store_status written(struct pg_store *s, enum store_status status, PGresult *r,
				 const char *request_key)
{
	if (status == STORE_OK && (PQntuples(r) != 1 || int_of(r, 0, 0) == 0))
		status = STORE_NOT_FOUND;
	PQclear(r);
	if (status == STORE_OK && request_key && *request_key)
		purge_writes(s);
	return status;
}

static enum store_status pg_user_update(struct store *base, int64_t id, const struct user_fields *in,
					const char *request_key)
{
	struct pg_store *s = (struct pg_store *)base;
	struct params p = {0};
	PGresult *r = NULL;
	if (!bind_fields(s, &p, in))
		return STORE_UNSTORABLE;
	add_int8(&p, id);
	add_int8(&p, in->password_changed);
	add_text(&p, in->expected_hash, in->expected_hash ? strlen(in->expected_hash) : 0);
	add_text(&p, request_key, request_key ? strlen(request_key) : 0);
	enum store_status status = write_user(s, ST_UPDATE, &p, in, id, &r);
	return written(s, status, r, request_key);
}

static enum store_status pg_user_delete(struct store *base, int64_t id, const char *expected_hash,
					const char *request_key)
{
	struct pg_store *s = (struct pg_store *)base;
	struct params p = {0};
	PGresult *r = NULL;
	add_int8(&p, id);
	add_text(&p, expected_hash, expected_hash ? strlen(expected_hash) : 0);
	add_text(&p, request_key, request_key ? strlen(request_key) : 0);
	enum store_status status = ready(s);
	if (status == STORE_OK && (r = run(s, ST_DELETE, &p, &status)))
		status = status_of(s, r);
	if (sqlstate_is(r, "23503")) /* a todo added since the statement began: nothing was deleted */
		status = STORE_BUSY; /* and another try will do */
	return written(s, status, r, request_key);
}

static enum store_status pg_write_done(struct store *base, const char *request_key, int64_t *user_id)
{
	struct params p = {0};
	PGresult *r = NULL;
	add_text(&p, request_key, strlen(request_key));
	enum store_status status = exec_stmt((struct pg_store *)base, ST_WRITE_DONE, &p, &r);
	if (status == STORE_OK && PQntuples(r) == 0)
		status = STORE_NOT_FOUND;
	else if (status == STORE_OK)
		*user_id = int_of(r, 0, 0);
	PQclear(r);
	return status;
}

static enum store_status pg_login_address_known(struct store *base, int64_t user_id, const char *address,
						const char *tag, bool *known)
{
	struct params p = {0};
	PGresult *r = NULL;
	add_int8(&p, user_id);
	add_text(&p, address, strlen(address));
	add_text(&p, tag, strlen(tag));
	enum store_status status = exec_stmt((struct pg_store *)base, ST_ADDRESS_KNOWN, &p, &r);
	*known = status == STORE_OK && PQntuples(r) > 0;
	PQclear(r);
	return status;
}

static enum store_status pg_login_address_remember(struct store *base, int64_t user_id, const char *address,
						   const char *tag)
{
	struct pg_store *s = (struct pg_store *)base;
	struct params p = {0}, trim = {0};
	add_int8(&p, user_id);
	add_text(&p, address, strlen(address));
	add_text(&p, tag, strlen(tag));
	add_int8(&trim, user_id);
	enum store_status status = exec_stmt(s, ST_ADDRESS_REMEMBER, &p, NULL);
	return status == STORE_OK ? exec_stmt(s, ST_ADDRESS_TRIM, &trim, NULL) : status;
}

/* ---- todos ---- */

/* Binds a todo's fields; NULL those not given. */
static void add_todo_fields(struct params *p, const struct todo_fields *in)
{
	add_text_or_null(p, in->title, in->title_len);
	add_text_or_null(p, in->description, in->description_len);
	add_text_or_null(p, in->state, in->state ? strlen(in->state) : 0);
}

static bool todo_storable(struct pg_store *s, const struct todo_fields *in)
{
	if (!has_nul(in->title, in->title_len) && !has_nul(in->description, in->description_len))
		return true;
	snprintf(s->error, sizeof s->error, "postgresql: text cannot hold U+0000");
	return false;
}

/* Row row of r as a todo (columns id, title, description, state), its text in r. */
static void row_todo(const PGresult *r, int row, struct todo *t)
{
	*t = (struct todo){
		.id = int_of(r, row, 0),
		.title = PQgetvalue(r, row, 1),
		.title_len = (size_t)PQgetlength(r, row, 1),
		.description = PQgetvalue(r, row, 2),
		.description_len = (size_t)PQgetlength(r, row, 2),
		.state = PQgetvalue(r, row, 3),
		.state_len = (size_t)PQgetlength(r, row, 3),
	};
}

/* t's text copied into s->strings (store_keep_todo), the failure said. */
static bool keep_todo(struct pg_store *s, struct todo *t)
{
	if (store_keep_todo(&s->strings, t))
		return true;
	snprintf(s->error, sizeof s->error, "out of memory reading a todo");
	return false;
}

static enum store_status pg_todo_create(struct store *base, int64_t user_id, const struct todo_fields *in,
					int64_t *id)
{
	struct pg_store *s = (struct pg_store *)base;
	struct params p = {0};
	PGresult *r = NULL;
	if (!todo_storable(s, in))
		return STORE_UNSTORABLE;
	add_todo_fields(&p, in);
	add_int8(&p, user_id);
	enum store_status status = ready(s);
	if (status == STORE_OK && (r = run(s, ST_TODO_CREATE, &p, &status)))
		status = sqlstate_is(r, "23503") ? STORE_NOT_FOUND /* its owner was deleted meanwhile */
						 : status_of(s, r);
	if (status == STORE_OK)
		*id = int_of(r, 0, 0);
	PQclear(r);
	return status;
}

/* Rows are handed to each as they arrive (single-row mode), as for the
 * users' list. */
static enum store_status pg_todo_list(struct store *base, int64_t user_id, const struct todo_filter *f,
				      store_todo_fn *each, void *arg)
{
	struct pg_store *s = (struct pg_store *)base;
	struct params p = {0};
	PGresult *r;
	bool lost = false, late = false;
	add_int8(&p, user_id);
	add_int8(&p, f->limit);
	add_int8(&p, f->offset);
	add_text_or_null(&p, f->title, f->title_len);
	add_text_or_null(&p, f->description, f->description_len);
	add_text_or_null(&p, f->state, f->state ? strlen(f->state) : 0);
	enum store_status status = ready(s);
	if (status != STORE_OK)
		return status;
	if (!send_stmt(s, ST_TODO_LIST, &p))
		return STORE_UNAVAILABLE;
	PQsetSingleRowMode(s->conn);
	while ((r = next_result(s, &lost, &late))) {
		if (PQresultStatus(r) == PGRES_SINGLE_TUPLE) {
			struct todo t;
			row_todo(r, 0, &t);
			if (!each(&t, arg)) {
				PQclear(r);
				disconnect(s); /* the answer cannot be delivered */
				return STORE_OK;
			}
		} else if (status == STORE_OK) {
			status = status_of(s, r); /* the end (TUPLES_OK), or the failure */
		}
		PQclear(r);
		if (!s->conn)
			return status; /* status_of dropped it */
	}
	if (lost && status == STORE_OK)
		return late ? STORE_TIMEOUT : STORE_UNAVAILABLE;
	return status;
}

/* Whether user_id has todo id: STORE_OK or STORE_NOT_FOUND. */
static enum store_status todo_found(struct pg_store *s, int64_t user_id, int64_t id)
{
	struct params p = {0};
	PGresult *r = NULL;
	add_int8(&p, id);
	add_int8(&p, user_id);
	enum store_status status = exec_stmt(s, ST_TODO_FIND, &p, &r);
	if (status == STORE_OK && PQntuples(r) == 0)
		status = STORE_NOT_FOUND;
	PQclear(r);
	return status;
}

static enum store_status pg_todo_update(struct store *base, int64_t user_id, int64_t id,
					const struct todo_fields *in, struct todo *out)
{
	struct pg_store *s = (struct pg_store *)base;
	struct params p = {0};
	PGresult *r = NULL;
	if (!todo_storable(s, in)) { /* the todo's absence is answered first */
		enum store_status found = todo_found(s, user_id, id);
		return found == STORE_OK ? STORE_UNSTORABLE : found;
	}
	add_int8(&p, id);
	add_int8(&p, user_id);
	add_todo_fields(&p, in);
	enum store_status status = exec_stmt(s, ST_TODO_UPDATE, &p, &r);
	if (status == STORE_OK && PQntuples(r) == 0)
		status = STORE_NOT_FOUND;
	if (status == STORE_OK) {
		row_todo(r, 0, out);
		if (!keep_todo(s, out))
			status = STORE_ERROR;
	}
	PQclear(r);
	return status;
}

static enum store_status pg_todo_delete(struct store *base, int64_t user_id, int64_t id)
{
	struct params p = {0};
	PGresult *r = NULL;
	add_int8(&p, id);
	add_int8(&p, user_id);
	enum store_status status = exec_stmt((struct pg_store *)base, ST_TODO_DELETE, &p, &r);
	if (status == STORE_OK && atoll(PQcmdTuples(r)) == 0)
		status = STORE_NOT_FOUND;
	PQclear(r);
	return status;
}

/* Every PG_BUDGET_PURGE_MS, a worker that takes budgets deletes the full
 * ones (a failure only leaves them for the next time). */
static void purge_budgets(struct pg_store *s)
{
	struct params p = {0};
	int64_t now = clock_ms();
	if (now - s->purged_ms < PG_BUDGET_PURGE_MS)
		return;
	s->purged_ms = now;
	exec_stmt(s, ST_BUDGET_PURGE, &p, NULL);
}

static enum store_status pg_budget_take(struct store *base, const unsigned char key[32], int burst,
					int interval_ms, int *wait)
{
	struct pg_store *s = (struct pg_store *)base;
	struct params p = {0};
	PGresult *r = NULL;
	add_bytes(&p, key, 32);
	add_int8(&p, (int64_t)interval_ms * (burst - 1));
	add_int8(&p, interval_ms);
	enum store_status status = exec_stmt(s, ST_BUDGET_TAKE, &p, &r);
	if (status == STORE_OK && PQntuples(r) == 1 && int_of(r, 0, 0) == 0) { /* refused */
		int64_t ms = int_of(r, 0, 1);
		*wait = ms > 0 ? (int)((ms + 999) / 1000) : 1;
	}
	PQclear(r);
	if (status == STORE_OK)
		purge_budgets(s);
	return status;
}

/* ---- migrations ---- */

static void describe(const char *url, char *out, size_t outsz)
{
	char *conninfo = conninfo_of(url), *err = NULL;
	PQconninfoOption *opts = conninfo ? PQconninfoParse(conninfo, &err) : NULL;
	const char *db = "", *host = "";
	for (PQconninfoOption *o = opts; o && o->keyword; o++) {
		if (strcmp(o->keyword, "dbname") == 0 && o->val)
			db = o->val;
		else if (strcmp(o->keyword, "host") == 0 && o->val)
			host = o->val;
	}
	if (opts)
		snprintf(out, outsz, "PostgreSQL %s on %s", *db ? db : "(default)",
			 *host ? host : "the local socket");
	else
		snprintf(out, outsz, "(not a PostgreSQL URL)");
	PQconninfoFree(opts);
	PQfreemem(err);
	free(conninfo);
}

/* Runs sql with up to two text values bound; its result status, and the
 * first column of its first row in *out (0 when no row). */
static int pg_count(void *conn, const char *sql, const char *v1, const char *v2, long *out)
{
	const char *values[2] = {v1, v2};
	int n = v2 ? 2 : v1 ? 1 : 0;
	PGresult *r = PQexecParams(conn, sql, n, NULL, values, NULL, NULL, 0);
	ExecStatusType rs = PQresultStatus(r);
	*out = rs == PGRES_TUPLES_OK && PQntuples(r) > 0 ? strtol(PQgetvalue(r, 0, 0), NULL, 10) : 0;
	PQclear(r);
	return rs == PGRES_TUPLES_OK || rs == PGRES_COMMAND_OK ? 0 : -1;
}

static int pg_exec(void *conn, const char *sql)
{
	PGresult *r = PQexec(conn, sql);
	ExecStatusType rs = PQresultStatus(r);
	int ok = rs == PGRES_COMMAND_OK || rs == PGRES_TUPLES_OK || rs == PGRES_EMPTY_QUERY;
	PQclear(r);
	return ok ? 0 : -1;
}

static const char *pg_error(void *conn)
{
	return PQerrorMessage(conn);
}

/* Several hosts may migrate at the same moment: the advisory lock, held
 * until the session ends, lets one at a time through, and each then finds
 * what the others recorded. */
static const struct migration_dialect pg_dialect = {
	.name = "postgresql",
	.lock = "SELECT pg_advisory_lock(" PG_MIGRATE_LOCK ")",
	.begin = "BEGIN",
	.ledger =
		"CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name VARCHAR NOT "
		"NULL, applied_at TIMESTAMP NOT NULL DEFAULT now())",
	.has_table = "SELECT count(*) FROM pg_class WHERE oid = to_regclass($1)",
	.exec = pg_exec,
	.count = pg_count,
	.error = pg_error,
};

static PGconn *connect_url(const char *url, char *err, size_t errsz)
{
	char *conninfo = conninfo_of(url);
	PGconn *conn = conninfo ? connect_db(conninfo, err, errsz) : NULL;
	if (!conninfo)
		snprintf(err, errsz, "out of memory");
	free(conninfo);
	return conn;
}

static int pg_migrate(const char *url, const char *dir, int *applied, char *err, size_t errsz)
{
	PGconn *conn = connect_url(url, err, errsz);
	int rc = conn ? migrations_run(&pg_dialect, conn, dir, applied, err, errsz) : -1;
	PQfinish(conn); /* releases the lock */
	return rc;
}

static int pg_pending(const char *url, const char *dir, char *err, size_t errsz)
{
	PGconn *conn = connect_url(url, err, errsz);
	int pending = conn ? migrations_pending(&pg_dialect, conn, dir, err, errsz) : -1;
	PQfinish(conn);
	return pending;
}

#define MEMBER(name, params, args) .name = pg_##name,
const struct store_ops store_pg_ops = {.name = "postgresql",
				       .describe = describe,
				       .open = pg_open,
				       .close = pg_close,
				       .last_error = pg_last_error,
				       .watch = pg_watch,
				       .data_version = pg_data_version,
				       .budget_take = pg_budget_take,
				       .migrate = pg_migrate,
				       .pending = pg_pending,
				       STORE_OPERATIONS(MEMBER)};
#undef MEMBER

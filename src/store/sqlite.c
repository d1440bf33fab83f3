/* sqlite.c -- store.h on SQLite (the sqlite:/// URLs; sqlite_db.c opens and migrates).
 *
 * Every statement is prepared once when the store opens and reset after each
 * use, and every value is bound, never spliced into SQL. Writes are single
 * statements, so each is its own transaction, but for a write recorded under
 * its request and a user's deletion, which deletes the user's todos first in
 * the same transaction (the course's ORM does: the foreign key has no ON
 * DELETE); the UNIQUE constraints decide which of two racing writes wins,
 * and the loser learns which field clashed by a follow-up lookup (SQLite
 * names only the first constraint it checks, in index order, which is email
 * before username in the course's table).
 *
 * On a disk mounted read-only the store still serves reads (the database
 * opened immutable) and answers writes STORE_UNAVAILABLE until a write
 * finds the disk writable again and reconnects. */
#include <sqlite3.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/buf.h"
#include "base/clock.h"
#include "store/sqlite_db.h"
#include "base/settings.h"
#include "store/backend.h"

/* The statements this backend prepares when it connects, one per purpose. */
enum stmt_id {
	ST_PING,
	ST_DATA_VERSION,
	ST_BY_ID,
	ST_BY_EMAIL,
	ST_LIST,
	ST_CREATE,
	ST_UPDATE,
	ST_DELETE,
	ST_DELETE_TODOS_OF, /* a user's todos, in ST_DELETE's transaction */
	ST_USERNAME_USED,
	ST_EMAIL_USED,
	ST_ADDRESS_KNOWN,
	ST_ADDRESS_REMEMBER,
	ST_ADDRESS_TRIM,
	ST_BEGIN, /* a write and its record in one transaction */
	ST_COMMIT,
	ST_ROLLBACK,
	ST_WRITE_RECORD,
	ST_WRITE_DONE,
	ST_WRITES_PURGE,
	ST_TODO_CREATE,
	ST_TODO_LIST,
	ST_TODO_UPDATE,
	ST_TODO_DELETE,
	ST_COUNT,
};

#define PROTOTYPE(name, params, args) static enum store_status sq_##name params;
STORE_OPERATIONS(PROTOTYPE)
#undef PROTOTYPE

/* Times are written to the millisecond (the course's CURRENT_TIMESTAMP has
 * whole seconds, which it still reads), so that a token issued in the same
 * second as an account or a password change is told apart from the change. */
#define NOW_MS       "strftime('%Y-%m-%d %H:%M:%f', 'now')"
#define UNIX_MS(col) "CAST(round((julianday(" col ") - 2440587.5) * 86400000.0) AS INTEGER)"

static const char *const stmt_sql[ST_COUNT] = {
	[ST_PING] = "SELECT 1 FROM users LIMIT 1",
	[ST_DATA_VERSION] = "PRAGMA data_version",
	[ST_BY_ID] = "SELECT id, username, email FROM users WHERE id = ?",
	[ST_BY_EMAIL] = "SELECT id, username, email, password, " UNIX_MS("created_at") ", " UNIX_MS(
		"password_changed_at") " FROM users WHERE email = ?",
	/* The offset is skipped in the covering index on id (0002), then the
	 * page read from the table: see store_user_list. */
	[ST_LIST] = ("SELECT id, username, email FROM users WHERE id >= (SELECT id FROM users "
		     "INDEXED BY ix_users_id ORDER BY id LIMIT 1 OFFSET ?2) ORDER BY id LIMIT ?1"),
	[ST_CREATE] =
		"INSERT INTO users (username, email, password, created_at) VALUES (?, ?, ?, " NOW_MS ")",
	[ST_UPDATE] =
		"UPDATE users SET username = ?1, email = ?2, password = ?3, password_changed_at = "
		"CASE WHEN ?5 THEN " NOW_MS " ELSE password_changed_at END WHERE id = ?4 AND password = ?6",
	[ST_DELETE] = "DELETE FROM users WHERE id = ?1 AND password = ?2",
	/* The course's ORM deletes a user's todos with it (its foreign key has
	 * no ON DELETE): in ST_DELETE's transaction, on the same condition. */
	[ST_DELETE_TODOS_OF] =
		"DELETE FROM todos WHERE user_id = ?1 AND EXISTS (SELECT 1 FROM users WHERE id = ?1 "
		"AND password = ?2)",
	[ST_USERNAME_USED] = "SELECT 1 FROM users WHERE username = ? AND id != ?",
	[ST_EMAIL_USED] = "SELECT 1 FROM users WHERE email = ? AND id != ?",
	[ST_ADDRESS_KNOWN] =
		"SELECT 1 FROM login_addresses WHERE user_id = ?1 AND address = ?2 AND password_tag = ?3",
	[ST_ADDRESS_REMEMBER] =
		"INSERT INTO login_addresses (user_id, address, password_tag, last_login) VALUES "
		"(?1, ?2, ?3, " NOW_MS ") ON CONFLICT (user_id, address) DO UPDATE SET "
		"password_tag = excluded.password_tag, last_login = excluded.last_login",
	[ST_ADDRESS_TRIM] =
		"DELETE FROM login_addresses WHERE user_id = ?1 AND address NOT IN (SELECT address "
		"FROM login_addresses WHERE user_id = ?1 ORDER BY last_login DESC LIMIT 8)",
	[ST_BEGIN] = "BEGIN IMMEDIATE",
	[ST_COMMIT] = "COMMIT",
	[ST_ROLLBACK] = "ROLLBACK",
	[ST_WRITE_RECORD] =
		"INSERT OR IGNORE INTO write_requests (request_key, user_id, done_at) VALUES (?, ?, " NOW_MS
		")",
	[ST_WRITE_DONE] = "SELECT user_id FROM write_requests WHERE request_key = ?",
	[ST_WRITES_PURGE] = "DELETE FROM write_requests WHERE done_at < strftime('%Y-%m-%d %H:%M:%f', 'now', "
			    "'-10 minutes')",
	/* Todos. SQLAlchemy's .contains() without autoescape is LIKE '%' ||
	 * value || '%' with no ESCAPE clause (SQLite folds ASCII letters: PRAGMA
	 * case_sensitive_like is off); a filter bound NULL keeps every todo. The
	 * owner's index (user_id, id) gives the order, and skips an unfiltered
	 * offset without reading the rows. */
	[ST_TODO_CREATE] = "INSERT INTO todos (title, description, state, user_id) VALUES (?1, ?2, ?3, ?4)",
	[ST_TODO_LIST] = "SELECT id, title, description, state FROM todos WHERE user_id = ?1 "
			 "AND (?4 IS NULL OR title LIKE '%' || ?4 || '%') "
			 "AND (?5 IS NULL OR description LIKE '%' || ?5 || '%') "
			 "AND (?6 IS NULL OR state = ?6) ORDER BY id LIMIT ?2 OFFSET ?3",
	[ST_TODO_UPDATE] =
		"UPDATE todos SET title = coalesce(?3, title), description = coalesce(?4, description), "
		"state = coalesce(?5, state) WHERE id = ?1 AND user_id = ?2 "
		"RETURNING id, title, description, state",
	[ST_TODO_DELETE] = "DELETE FROM todos WHERE id = ?1 AND user_id = ?2",
};

#define WRITES_PURGE_MS 60000 /* how often a worker that writes deletes old write records */

/* A connection and its prepared statements. */
struct connection {
	sqlite3 *db;
	sqlite3_stmt *stmt[ST_COUNT];
	bool read_only; /* opened on a read-only disk */
};

struct sqlite_store {
	struct store base;
	struct connection conn;
	struct store_watch watch; /* of the request in hand */
	uint32_t epoch;           /* counts this store's own writes and reconnections, which
			 * PRAGMA data_version does not see */
	char *path;               /* to reconnect when a read-only disk is writable again */
	int64_t purged_ms;        /* when this worker last deleted old write records (clock_ms) */
	struct buf strings;       /* the current struct user's text */
	char error[256];
};

static void disconnect(struct connection *c)
{
	for (int i = 0; i < ST_COUNT; i++)
		sqlite3_finalize(c->stmt[i]);
	sqlite3_close(c->db);
	memset(c, 0, sizeof *c);
}

/* Calls the watch's slow() once the request has run past its slow_ms. */
static void notice_slow(struct sqlite_store *s, int64_t now)
{
	void (*slow)(void *) = s->watch.slow;
	if (slow && now >= s->watch.slow_ms) {
		s->watch.slow = NULL;
		slow(s->watch.arg);
	}
}

/* Every few thousand virtual-machine steps: past the deadline, the
 * statement stops with SQLITE_INTERRUPT. A clock read costs ~20 ns. */
static int past_deadline(void *arg)
{
	struct sqlite_store *s = arg;
	if (!s->watch.deadline_ms && !s->watch.slow)
		return 0;
	int64_t now = clock_ms();
	notice_slow(s, now);
	return s->watch.deadline_ms && now >= s->watch.deadline_ms;
}

/* A lock is waited for until the request's deadline (or STORE_LOCK_WAIT_MS
 * when there is none), in short naps. */
static int wait_for_lock(void *arg, int attempt)
{
	struct sqlite_store *s = arg;
	int64_t now = clock_ms();
	int64_t left =
		s->watch.deadline_ms ? s->watch.deadline_ms - now : STORE_LOCK_WAIT_MS - (int64_t)attempt * 5;
	notice_slow(s, now);
	if (left <= 0)
		return 0;
	struct timespec nap = {.tv_nsec = (left < 5 ? left : 5) * 1000000L};
	nanosleep(&nap, NULL);
	return 1;
}

/* Opens path (read-only when the disk is), prepares every statement, and
 * hooks the deadline of s into the connection. */
static int connect_to(struct connection *c, struct sqlite_store *s, const char *path, char *err, size_t errsz)
{
	memset(c, 0, sizeof *c);
	if ((c->db = db_open(path, err, errsz))) {
		/* SQLite falls back to reading silently when the file cannot be
		 * written (a read-only disk where the WAL's -shm file exists). */
		c->read_only = sqlite3_db_readonly(c->db, "main") == 1;
	} else {
		if (!(c->db = db_open_read_only(path, err, errsz)))
			return -1;
		c->read_only = true;
	}
	for (int i = 0; i < ST_COUNT; i++) {
		if (!stmt_sql[i])
			continue; /* not needed here (see backend.h) */
		if (sqlite3_prepare_v3(c->db, stmt_sql[i], -1, SQLITE_PREPARE_PERSISTENT, &c->stmt[i],
				       NULL) != SQLITE_OK) {
			snprintf(err, errsz, "%s: %s (has `fast_zero migrate` run?)", path,
				 sqlite3_errmsg(c->db));
			disconnect(c);
			return -1;
		}
	}
	sqlite3_progress_handler(c->db, 4000, past_deadline, s);
	sqlite3_busy_handler(c->db, wait_for_lock, s);
	return 0;
}

static void sq_close(struct store *base);

static struct store *sq_open(const char *url, char *err, size_t errsz)
{
	char path[SETTINGS_TEXT_MAX];
	struct sqlite_store *s = calloc(1, sizeof *s);
	if (!s || settings_database_path(url, path, sizeof path) || !(s->path = strdup(path))) {
		snprintf(err, errsz, s ? "not a SQLite URL" : "out of memory");
		free(s);
		return NULL;
	}
	s->base.ops = &store_sqlite_ops;
	buf_init(&s->strings);
	if (connect_to(&s->conn, s, path, err, errsz)) {
		sq_close(&s->base);
		return NULL;
	}
	return &s->base;
}

static void sq_close(struct store *base)
{
	struct sqlite_store *s = (struct sqlite_store *)base;
	disconnect(&s->conn);
	buf_free(&s->strings);
	free(s->path);
	free(s);
}

/* (Re)opens s->conn. The old connection is closed first: SQLite shares a
 * file's locks and WAL index among the connections of one process, and one
 * opened beside a read-only connection would inherit its read-only WAL index
 * (its writes would fail with SQLITE_READONLY although the disk is writable). */
static enum store_status reconnect(struct sqlite_store *s)
{
	char err[256];
	s->epoch++;
	if (s->conn.db)
		disconnect(&s->conn);
	if (connect_to(&s->conn, s, s->path, err, sizeof err) == 0)
		return STORE_OK;
	snprintf(s->error, sizeof s->error, "%s", err);
	return STORE_UNAVAILABLE;
}

/* Before a read: a connection lost to a failed reconnect is tried again. */
static enum store_status readable(struct sqlite_store *s)
{
	return s->conn.db ? STORE_OK : reconnect(s);
}

/* Before a write: a connection made on a read-only disk is replaced by a
 * writable one once the disk is writable again. */
static enum store_status writable(struct sqlite_store *s)
{
	s->epoch++; /* whether or not the write succeeds: data_version may not tell */
	if (s->conn.db && !s->conn.read_only)
		return STORE_OK;
	if (reconnect(s) != STORE_OK)
		return STORE_UNAVAILABLE;
	if (!s->conn.read_only)
		return STORE_OK;
	snprintf(s->error, sizeof s->error, "the database's disk is read-only");
	return STORE_UNAVAILABLE;
}

static void sq_watch(struct store *base, const struct store_watch *w)
{
	struct sqlite_store *s = (struct sqlite_store *)base;
	s->watch = w ? *w : (struct store_watch){0};
}

static const char *sq_last_error(const struct store *base)
{
	const struct sqlite_store *s = (const struct sqlite_store *)base;
	return s->error;
}

/* The store status of a SQLite result code. */
static enum store_status kind_of(int rc)
{
	if (rc == SQLITE_OK || rc == SQLITE_DONE || rc == SQLITE_ROW)
		return STORE_OK;
	switch (rc & 0xff) {
	case SQLITE_BUSY:
	case SQLITE_LOCKED: return STORE_BUSY;
	case SQLITE_INTERRUPT: return STORE_TIMEOUT;
	case SQLITE_FULL:
	case SQLITE_READONLY:
	case SQLITE_IOERR:
	case SQLITE_CANTOPEN: return STORE_UNAVAILABLE;
	default: return STORE_ERROR;
	}
}

/* Maps a SQLite result code to a store status, noting the cause. */
static enum store_status status_of(struct sqlite_store *s, int rc)
{
	if (kind_of(rc) != STORE_OK)
		snprintf(s->error, sizeof s->error, "sqlite: %s (%d)", sqlite3_errmsg(s->conn.db), rc);
	return kind_of(rc);
}

/* The statement, ready to bind; the call using it starts with no error noted. */
static sqlite3_stmt *stmt(struct sqlite_store *s, enum stmt_id id)
{
	sqlite3_stmt *st = s->conn.stmt[id];
	s->error[0] = '\0';
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return st;
}

/* Copies the current row's user into out; its text lives in s->strings.
 * Columns 1.. are username, email and, with_hash, the password hash and
 * the two times. */
static bool read_user(struct sqlite_store *s, sqlite3_stmt *st, struct user *out, int with_hash)
{
	size_t at[3], len[3];
	int cols = with_hash ? 3 : 2;
	buf_reset(&s->strings);
	for (int i = 0; i < cols; i++) {
		at[i] = s->strings.len;
		len[i] = (size_t)sqlite3_column_bytes(st, i + 1);
		buf_add(&s->strings, sqlite3_column_blob(st, i + 1), len[i]);
		buf_addc(&s->strings, '\0');
	}
	if (!buf_ok(&s->strings))
		return false;
	*out = (struct user){
		.id = sqlite3_column_int64(st, 0),
		.username = s->strings.data + at[0],
		.username_len = len[0],
		.email = s->strings.data + at[1],
		.email_len = len[1],
		.password_hash = with_hash ? s->strings.data + at[2] : NULL,
		.created_ms = with_hash ? sqlite3_column_int64(st, 4) : 0,
		.password_changed_ms = with_hash && sqlite3_column_type(st, 5) != SQLITE_NULL
					       ? sqlite3_column_int64(st, 5)
					       : -1,
	};
	return true;
}

static enum store_status fetch_user(struct sqlite_store *s, sqlite3_stmt *st, struct user *out, int with_hash)
{
	int rc = sqlite3_step(st);
	enum store_status status = STORE_NOT_FOUND;
	if (rc == SQLITE_ROW) {
		status = read_user(s, st, out, with_hash) ? STORE_OK : STORE_ERROR;
		if (status != STORE_OK)
			snprintf(s->error, sizeof s->error, "out of memory reading a user");
	} else if (rc != SQLITE_DONE) {
		status = status_of(s, rc);
	}
	sqlite3_reset(st);
	return status;
}

static uint64_t sq_data_version(struct store *base)
{
	struct sqlite_store *s = (struct sqlite_store *)base;
	if (readable(s) != STORE_OK)
		return 0;
	sqlite3_stmt *st = stmt(s, ST_DATA_VERSION);
	uint64_t v = sqlite3_step(st) == SQLITE_ROW ? (uint64_t)sqlite3_column_int64(st, 0) : 0;
	sqlite3_reset(st);
	return v ? v << 32 | s->epoch : 0;
}

static enum store_status sq_ping(struct store *base)
{
	struct sqlite_store *s = (struct sqlite_store *)base;
	if (readable(s) != STORE_OK)
		return STORE_UNAVAILABLE;
	sqlite3_stmt *st = stmt(s, ST_PING);
	enum store_status status = status_of(s, sqlite3_step(st));
	sqlite3_reset(st);
	return status;
}

static enum store_status sq_user_by_id(struct store *base, int64_t id, struct user *out)
{
	struct sqlite_store *s = (struct sqlite_store *)base;
	if (readable(s) != STORE_OK)
		return STORE_UNAVAILABLE;
	sqlite3_stmt *st = stmt(s, ST_BY_ID);
	sqlite3_bind_int64(st, 1, id);
	return fetch_user(s, st, out, 0);
}

static enum store_status sq_user_by_email(struct store *base, const char *email, size_t len, struct user *out)
{
	struct sqlite_store *s = (struct sqlite_store *)base;
	if (readable(s) != STORE_OK)
		return STORE_UNAVAILABLE;
	sqlite3_stmt *st = stmt(s, ST_BY_EMAIL);
	sqlite3_bind_text(st, 1, email, (int)len, SQLITE_STATIC);
	return fetch_user(s, st, out, 1);
}

static enum store_status sq_user_list(struct store *base, int64_t offset, int64_t limit, store_user_fn *each,
				      void *arg)
{
	struct sqlite_store *s = (struct sqlite_store *)base;
	if (readable(s) != STORE_OK)
		return STORE_UNAVAILABLE;
	sqlite3_stmt *st = stmt(s, ST_LIST);
	struct user u;
	int rc;
	sqlite3_bind_int64(st, 1, limit);
	sqlite3_bind_int64(st, 2, offset);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		u.id = sqlite3_column_int64(st, 0);
		u.username = (const char *)sqlite3_column_text(st, 1);
		u.username_len = (size_t)sqlite3_column_bytes(st, 1);
		u.email = (const char *)sqlite3_column_text(st, 2);
		u.email_len = (size_t)sqlite3_column_bytes(st, 2);
		u.password_hash = NULL;
		if (!each(&u, arg))
			break;
	}
	enum store_status status = status_of(s, rc);
	sqlite3_reset(st);
	return status;
}

/* taken when another user than id already holds value in the statement's
 * column, STORE_OK when none does, or why the lookup failed (a busy
 * database is not a free name). */
static enum store_status value_used(struct sqlite_store *s, enum stmt_id which, const char *v, size_t n,
				    int64_t id, enum store_status taken)
{
	sqlite3_stmt *st = stmt(s, which);
	sqlite3_bind_text(st, 1, v, (int)n, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, id);
	int rc = sqlite3_step(st);
	enum store_status status = rc == SQLITE_ROW ? taken : status_of(s, rc);
	sqlite3_reset(st);
	return status;
}

static enum store_status sq_user_clash(struct store *base, const struct user_fields *in, int64_t id)
{
	struct sqlite_store *s = (struct sqlite_store *)base;
	if (readable(s) != STORE_OK)
		return STORE_UNAVAILABLE;
	enum store_status status =
		value_used(s, ST_USERNAME_USED, in->username, in->username_len, id, STORE_USERNAME_TAKEN);
	if (status != STORE_OK)
		return status;
	return value_used(s, ST_EMAIL_USED, in->email, in->email_len, id, STORE_EMAIL_TAKEN);
}

/* After a UNIQUE failure: which field clashed, username first (the email
 * when the lookup finds neither: the other writer may be gone already). */
static enum store_status which_taken(struct sqlite_store *s, const struct user_fields *in, int64_t id)
{
	enum store_status clash = sq_user_clash(&s->base, in, id);
	return clash == STORE_OK ? STORE_EMAIL_TAKEN : clash;
}

static void bind_fields(sqlite3_stmt *st, const struct user_fields *in)
{
	sqlite3_bind_text(st, 1, in->username, (int)in->username_len, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, in->email, (int)in->email_len, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, in->password_hash, -1, SQLITE_STATIC);
}

static enum store_status write_user(struct sqlite_store *s, sqlite3_stmt *st, const struct user_fields *in,
				    int64_t id)
{
	int rc = sqlite3_step(st);
	enum store_status status = status_of(s, rc); /* before the reset: its message */
	sqlite3_reset(st);
	if (rc == SQLITE_CONSTRAINT_UNIQUE || rc == SQLITE_CONSTRAINT_PRIMARYKEY)
		return which_taken(s, in, id);
	return status;
}

static enum store_status sq_user_create(struct store *base, const struct user_fields *in, int64_t *id)
{
	struct sqlite_store *s = (struct sqlite_store *)base;
	enum store_status ready = writable(s);
	if (ready != STORE_OK)
		return ready;
	sqlite3_stmt *st = stmt(s, ST_CREATE);
	bind_fields(st, in);
	enum store_status status = write_user(s, st, in, 0);
	if (status == STORE_OK)
		*id = sqlite3_last_insert_rowid(s->conn.db);
	return status;
}

/* Steps a statement bound already and resets it; its result code, a
 * failure's cause noted. */
static int step(struct sqlite_store *s, sqlite3_stmt *st)
{
	int rc = sqlite3_step(st);
	status_of(s, rc);
	sqlite3_reset(st);
	return rc;
}

/* Every WRITES_PURGE_MS, a worker that records writes deletes the records
 * older than 10 minutes (a failure leaves them for the next time). */
static void purge_writes(struct sqlite_store *s)
{
	int64_t now = clock_ms();
	char error[sizeof s->error];
	if (now - s->purged_ms < WRITES_PURGE_MS)
		return;
	s->purged_ms = now;
	memcpy(error, s->error, sizeof error);
	sqlite3_step(s->conn.stmt[ST_WRITES_PURGE]);
	sqlite3_reset(s->conn.stmt[ST_WRITES_PURGE]);
	memcpy(s->error, error, sizeof error);
}

/* Steps the write st (bound already), after the write before (bound
 * already; NULL: none) and, when st changed a row and request_key names a
 * request, records that request's write to user_id, all in one
 * transaction. The first failing result code, else SQLITE_DONE; *changes
 * the rows st changed. */
static int step_recorded(struct sqlite_store *s, sqlite3_stmt *before, sqlite3_stmt *st,
			 const char *request_key, int64_t user_id, int *changes)
{
	bool record = request_key && *request_key, transaction = record || before;
	int rc = transaction ? step(s, stmt(s, ST_BEGIN)) : SQLITE_DONE;
	*changes = 0;
	if (rc == SQLITE_DONE && before)
		rc = step(s, before);
	if (rc == SQLITE_DONE && (rc = step(s, st)) == SQLITE_DONE)
		*changes = sqlite3_changes(s->conn.db);
	if (!transaction)
		return rc;
	if (rc == SQLITE_DONE && *changes && record) {
		sqlite3_stmt *r = s->conn.stmt[ST_WRITE_RECORD];
		sqlite3_bind_text(r, 1, request_key, -1, SQLITE_STATIC);
		sqlite3_bind_int64(r, 2, user_id);
		rc = step(s, r);
	}
	if (rc == SQLITE_DONE)
		rc = step(s, s->conn.stmt[ST_COMMIT]);
	if (rc != SQLITE_DONE) { /* the failure's cause is noted already */
		sqlite3_step(s->conn.stmt[ST_ROLLBACK]);
		sqlite3_reset(s->conn.stmt[ST_ROLLBACK]);
	} else if (*changes && record) {
		purge_writes(s);
	}
	return rc;
}

static enum store_status sq_user_update(struct store *base, int64_t id, const struct user_fields *in,
					const char *request_key)
{
	struct sqlite_store *s = (struct sqlite_store *)base;
	enum store_status ready = writable(s);
	int changes;
	if (ready != STORE_OK)
		return ready;
	sqlite3_stmt *st = stmt(s, ST_UPDATE);
	bind_fields(st, in);
	sqlite3_bind_int64(st, 4, id);
	sqlite3_bind_int(st, 5, in->password_changed);
	sqlite3_bind_text(st, 6, in->expected_hash, -1, SQLITE_STATIC);
	int rc = step_recorded(s, NULL, st, request_key, id, &changes);
	if (rc == SQLITE_CONSTRAINT_UNIQUE || rc == SQLITE_CONSTRAINT_PRIMARYKEY)
		return which_taken(s, in, id);
	if (rc != SQLITE_DONE)
		return kind_of(rc);
	return changes ? STORE_OK : STORE_NOT_FOUND;
}

static enum store_status sq_user_delete(struct store *base, int64_t id, const char *expected_hash,
					const char *request_key)
{
	struct sqlite_store *s = (struct sqlite_store *)base;
	enum store_status ready = writable(s);
	int changes;
	if (ready != STORE_OK)
		return ready;
	sqlite3_stmt *todos = stmt(s, ST_DELETE_TODOS_OF), *st = stmt(s, ST_DELETE);
	sqlite3_bind_int64(todos, 1, id);
	sqlite3_bind_text(todos, 2, expected_hash, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_text(st, 2, expected_hash, -1, SQLITE_STATIC);
	int rc = step_recorded(s, todos, st, request_key, id, &changes);
	if (rc != SQLITE_DONE)
		return kind_of(rc);
	return changes ? STORE_OK : STORE_NOT_FOUND;
}

static enum store_status sq_write_done(struct store *base, const char *request_key, int64_t *user_id)
{
	struct sqlite_store *s = (struct sqlite_store *)base;
	if (readable(s) != STORE_OK)
		return STORE_UNAVAILABLE;
	sqlite3_stmt *st = stmt(s, ST_WRITE_DONE);
	sqlite3_bind_text(st, 1, request_key, -1, SQLITE_STATIC);
	int rc = sqlite3_step(st);
	enum store_status status = rc == SQLITE_ROW    ? STORE_OK
				   : rc == SQLITE_DONE ? STORE_NOT_FOUND
						       : status_of(s, rc);
	if (rc == SQLITE_ROW)
		*user_id = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	return status;
}

static enum store_status sq_login_address_known(struct store *base, int64_t user_id, const char *address,
						const char *tag, bool *known)
{
	struct sqlite_store *s = (struct sqlite_store *)base;
	*known = false;
	if (readable(s) != STORE_OK)
		return STORE_UNAVAILABLE;
	sqlite3_stmt *st = stmt(s, ST_ADDRESS_KNOWN);
	sqlite3_bind_int64(st, 1, user_id);
	sqlite3_bind_text(st, 2, address, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, tag, -1, SQLITE_STATIC);
	int rc = sqlite3_step(st);
	*known = rc == SQLITE_ROW;
	enum store_status status = status_of(s, rc);
	sqlite3_reset(st);
	return status;
}

/* Runs a write statement already bound; its status. */
static enum store_status run_write(struct sqlite_store *s, sqlite3_stmt *st)
{
	enum store_status status = status_of(s, sqlite3_step(st));
	sqlite3_reset(st);
	return status;
}

static enum store_status sq_login_address_remember(struct store *base, int64_t user_id, const char *address,
						   const char *tag)
{
	struct sqlite_store *s = (struct sqlite_store *)base;
	enum store_status status = writable(s);
	if (status != STORE_OK)
		return status;
	sqlite3_stmt *st = stmt(s, ST_ADDRESS_REMEMBER);
	sqlite3_bind_int64(st, 1, user_id);
	sqlite3_bind_text(st, 2, address, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, tag, -1, SQLITE_STATIC);
	if ((status = run_write(s, st)) != STORE_OK)
		return status;
	st = stmt(s, ST_ADDRESS_TRIM);
	sqlite3_bind_int64(st, 1, user_id);
	return run_write(s, st);
}

/* ---- todos ---- */

/* Binds text[0..len) to parameter i, or NULL when text is NULL. */
static void bind_text_or_null(sqlite3_stmt *st, int i, const char *text, size_t len)
{
	if (text)
		sqlite3_bind_text(st, i, text, (int)len, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, i);
}

/* Binds a todo's fields, title first at parameter i; NULL those not given. */
static void bind_todo_fields(sqlite3_stmt *st, int i, const struct todo_fields *in)
{
	bind_text_or_null(st, i, in->title, in->title_len);
	bind_text_or_null(st, i + 1, in->description, in->description_len);
	bind_text_or_null(st, i + 2, in->state, in->state ? strlen(in->state) : 0);
}

/* The text of column i of the current row, its length in *len. */
static const char *column_text(sqlite3_stmt *st, int i, size_t *len)
{
	const char *text = (const char *)sqlite3_column_text(st, i);
	*len = (size_t)sqlite3_column_bytes(st, i);
	return text ? text : "";
}

/* The current row's todo (columns id, title, description, state), its
 * text in the row. */
static void row_todo(sqlite3_stmt *st, struct todo *t)
{
	t->id = sqlite3_column_int64(st, 0);
	t->title = column_text(st, 1, &t->title_len);
	t->description = column_text(st, 2, &t->description_len);
	t->state = column_text(st, 3, &t->state_len);
}

/* t's text copied into s->strings (store_keep_todo), the failure said. */
static bool keep_todo(struct sqlite_store *s, struct todo *t)
{
	if (store_keep_todo(&s->strings, t))
		return true;
	snprintf(s->error, sizeof s->error, "out of memory reading a todo");
	return false;
}

static enum store_status sq_todo_create(struct store *base, int64_t user_id, const struct todo_fields *in,
					int64_t *id)
{
	struct sqlite_store *s = (struct sqlite_store *)base;
	enum store_status ready = writable(s);
	if (ready != STORE_OK)
		return ready;
	sqlite3_stmt *st = stmt(s, ST_TODO_CREATE);
	bind_todo_fields(st, 1, in);
	sqlite3_bind_int64(st, 4, user_id);
	int rc = step(s, st);
	if (rc == SQLITE_CONSTRAINT_FOREIGNKEY) /* its owner was deleted since the token was checked */
		return STORE_NOT_FOUND;
	if (rc != SQLITE_DONE)
		return kind_of(rc);
	*id = sqlite3_last_insert_rowid(s->conn.db);
	return STORE_OK;
}

static enum store_status sq_todo_list(struct store *base, int64_t user_id, const struct todo_filter *f,
				      store_todo_fn *each, void *arg)
{
	struct sqlite_store *s = (struct sqlite_store *)base;
	if (readable(s) != STORE_OK)
		return STORE_UNAVAILABLE;
	sqlite3_stmt *st = stmt(s, ST_TODO_LIST);
	struct todo t;
	int rc;
	sqlite3_bind_int64(st, 1, user_id);
	sqlite3_bind_int64(st, 2, f->limit);
	sqlite3_bind_int64(st, 3, f->offset);
	bind_text_or_null(st, 4, f->title, f->title_len);
	bind_text_or_null(st, 5, f->description, f->description_len);
	bind_text_or_null(st, 6, f->state, f->state ? strlen(f->state) : 0);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		row_todo(st, &t);
		if (!each(&t, arg))
			break;
	}
	enum store_status status = status_of(s, rc);
	sqlite3_reset(st);
	return status;
}

static enum store_status sq_todo_update(struct store *base, int64_t user_id, int64_t id,
					const struct todo_fields *in, struct todo *out)
{
	struct sqlite_store *s = (struct sqlite_store *)base;
	enum store_status status = writable(s);
	if (status != STORE_OK)
		return status;
	sqlite3_stmt *st = stmt(s, ST_TODO_UPDATE);
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int64(st, 2, user_id);
	bind_todo_fields(st, 3, in);
	int rc = sqlite3_step(st);
	status = STORE_NOT_FOUND;
	if (rc == SQLITE_ROW) {
		row_todo(st, out);
		status = keep_todo(s, out) ? STORE_OK : STORE_ERROR;
		while ((rc = sqlite3_step(st)) == SQLITE_ROW) /* to the end: the change is made there */
			;
	}
	if (rc != SQLITE_DONE)
		status = status_of(s, rc);
	sqlite3_reset(st);
	return status;
}

static enum store_status sq_todo_delete(struct store *base, int64_t user_id, int64_t id)
{
	struct sqlite_store *s = (struct sqlite_store *)base;
	enum store_status ready = writable(s);
	if (ready != STORE_OK)
		return ready;
	sqlite3_stmt *st = stmt(s, ST_TODO_DELETE);
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int64(st, 2, user_id);
	int rc = step(s, st);
	if (rc != SQLITE_DONE)
		return kind_of(rc);
	return sqlite3_changes(s->conn.db) ? STORE_OK : STORE_NOT_FOUND;
}

static void sq_describe(const char *url, char *out, size_t outsz)
{
	if (settings_database_path(url, out, outsz))
		snprintf(out, outsz, "(not a SQLite URL)");
}

static int sq_migrate(const char *url, const char *dir, int *applied, char *err, size_t errsz)
{
	char path[SETTINGS_TEXT_MAX];
	if (settings_database_path(url, path, sizeof path)) {
		snprintf(err, errsz, "not a SQLite URL");
		return -1;
	}
	sqlite3 *db = db_open(path, err, errsz);
	int rc = db ? db_migrate(db, dir, applied, err, errsz) : -1;
	sqlite3_close(db);
	return rc;
}

static int sq_pending(const char *url, const char *dir, char *err, size_t errsz)
{
	char path[SETTINGS_TEXT_MAX];
	if (settings_database_path(url, path, sizeof path)) {
		snprintf(err, errsz, "not a SQLite URL");
		return -1;
	}
	sqlite3 *db = db_open(path, err, errsz);
	if (!db) /* a read-only disk still serves reads */
		db = db_open_read_only(path, err, errsz);
	int pending = db ? db_pending(db, dir, err, errsz) : -1;
	sqlite3_close(db);
	return pending;
}

#define MEMBER(name, params, args) .name = sq_##name,
const struct store_ops store_sqlite_ops = {.name = "sqlite",
					   .describe = sq_describe,
					   .open = sq_open,
					   .close = sq_close,
					   .last_error = sq_last_error,
					   .watch = sq_watch,
					   .data_version = sq_data_version,
					   .migrate = sq_migrate,
					   .pending = sq_pending,
					   STORE_OPERATIONS(MEMBER)};
#undef MEMBER

/* sqlite_db.c -- SQLite connection set-up and the migration runner (see sqlite_db.h). */
#include "store/sqlite_db.h"

#include <errno.h>
#include <fcntl.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/buf.h"
#include "store/migrations.h"
#include "store/store.h"

static void fail(char *err, size_t errsz, const char *what, sqlite3 *db)
{
	snprintf(err, errsz, "%s: %s", what, db ? sqlite3_errmsg(db) : "out of memory");
}

/* Creates the file 0600 before SQLite does, so the data is never world-readable. */
static void create_private(const char *path)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd >= 0)
		close(fd);
}

sqlite3 *db_open(const char *path, char *err, size_t errsz)
{
	static const char pragmas[] = "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
				      "PRAGMA foreign_keys=ON;";
	sqlite3 *db = NULL;
	create_private(path);
	/* NOMUTEX: a connection belongs to one worker's main thread (hashing
	 * threads never touch it), so SQLite's locking would be pure cost. */
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
			    NULL) != SQLITE_OK ||
	    sqlite3_extended_result_codes(db, 1) != SQLITE_OK ||
	    sqlite3_busy_timeout(db, STORE_LOCK_WAIT_MS) != SQLITE_OK ||
	    sqlite3_exec(db, pragmas, NULL, NULL, NULL) != SQLITE_OK) {
		fail(err, errsz, path, db);
		sqlite3_close(db);
		return NULL;
	}
	return db;
}

/* path as a file: URI, with the characters a URI gives meaning escaped. */
static void uri_of(char *out, size_t outsz, const char *path, const char *query)
{
	size_t n = (size_t)snprintf(out, outsz, "file:");
	for (const unsigned char *p = (const unsigned char *)path; *p && n + 4 < outsz; p++)
		n += *p == '%' || *p == '?' || *p == '#' || *p < 0x20
			     ? (size_t)snprintf(out + n, outsz - n, "%%%02X", *p)
			     : (size_t)snprintf(out + n, outsz - n, "%c", *p);
	snprintf(out + n, outsz - n, "?%s", query);
}

sqlite3 *db_open_read_only(const char *path, char *err, size_t errsz)
{
	char uri[8192];
	sqlite3 *db = NULL;
	uri_of(uri, sizeof uri, path, "immutable=1");
	if (sqlite3_open_v2(uri, &db, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI | SQLITE_OPEN_NOMUTEX, NULL) !=
		    SQLITE_OK ||
	    sqlite3_extended_result_codes(db, 1) != SQLITE_OK ||
	    sqlite3_exec(db, "SELECT count(*) FROM sqlite_master", NULL, NULL, NULL) != SQLITE_OK) {
		fail(err, errsz, path, db);
		sqlite3_close(db);
		return NULL;
	}
	return db;
}

/* The first column of sql's first row as an integer (0 when none), v1 and v2
 * bound when not NULL. */
static int sq_count(void *db, const char *sql, const char *v1, const char *v2, long *out)
{
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		return -1;
	if (v1)
		sqlite3_bind_text(st, 1, v1, -1, SQLITE_STATIC);
	if (v2)
		sqlite3_bind_text(st, 2, v2, -1, SQLITE_STATIC);
	int rc = sqlite3_step(st);
	*out = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
	sqlite3_finalize(st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : -1;
}

/* Why the last migration statement failed, when SQLite does not say it. */
static const char *own_error;

static const char *sq_error(void *db)
{
	return own_error ? own_error : sqlite3_errmsg(db);
}
/* The table a migration names on a "-- fast_zero: rebuilds TABLE" line, or 0. */
static size_t rebuilt_table(const char *sql, char *table, size_t tablesz)
{
	static const char mark[] = "-- fast_zero: rebuilds ";
	const char *at = strstr(sql, mark);
	if (!at)
		return 0;
	at += sizeof mark - 1;
	size_t n = strspn(at, "abcdefghijklmnopqrstuvwxyz_0123456789");
	if (n == 0 || n >= tablesz)
		return 0;
	memcpy(table, at, n);
	table[n] = '\0';
	return n;
}

/* The CREATE INDEX statements of table's own indexes (not its UNIQUE
 * constraints', which the new table definition recreates), name then SQL,
 * each NUL-terminated, into out. */
static int save_indexes(sqlite3 *db, const char *table, struct buf *out)
{
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(db,
			       "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ? "
			       "AND sql IS NOT NULL",
			       -1, &st, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_text(st, 1, table, -1, SQLITE_STATIC);
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		buf_adds(out, (const char *)sqlite3_column_text(st, 0));
		buf_addc(out, '\0');
		buf_adds(out, (const char *)sqlite3_column_text(st, 1));
		buf_addc(out, '\0');
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE && buf_ok(out) ? 0 : -1;
}

/* Recreates the saved indexes the rebuild dropped. */
static int restore_indexes(sqlite3 *db, const struct buf *saved)
{
	for (size_t at = 0; at < saved->len;) {
		const char *name = saved->data + at, *sql = name + strlen(name) + 1;
		long exists = 0;
		at = (size_t)(sql - saved->data) + strlen(sql) + 1;
		if (sq_count(db, "SELECT count(*) FROM sqlite_master WHERE type = 'index' AND name = $1",
			     name, NULL, &exists))
			return -1;
		if (!exists && sqlite3_exec(db, sql, NULL, NULL, NULL) != SQLITE_OK)
			return -1;
	}
	return 0;
}

/* Runs SQL; a migration that rebuilds a table keeps that table's indexes,
 * and fails when it leaves a foreign key broken (they are off meanwhile). */
static int sq_exec(void *db, const char *sql)
{
	char table[64];
	struct buf saved;
	long broken = 0;
	int rc = -1;
	bool rebuilds = rebuilt_table(sql, table, sizeof table);
	own_error = NULL;
	buf_init(&saved);
	if (!rebuilds || save_indexes(db, table, &saved) == 0)
		rc = sqlite3_exec(db, sql, NULL, NULL, NULL) == SQLITE_OK ? restore_indexes(db, &saved) : -1;
	if (rc == 0 && rebuilds &&
	    sq_count(db, "SELECT count(*) FROM pragma_foreign_key_check", NULL, NULL, &broken))
		rc = -1;
	else if (rc == 0 && broken) {
		own_error = "it leaves rows whose foreign key refers to no row";
		rc = -1;
	}
	buf_free(&saved);
	return rc;
}

/* A rebuild runs with foreign keys off, as SQLite's procedure for changing
 * a table asks: dropping the old table would otherwise delete, or refuse
 * for, the rows that refer to it (and the pragma does nothing inside a
 * transaction). */
static void sq_outside(void *db, const char *sql, bool before)
{
	char table[64];
	if (rebuilt_table(sql, table, sizeof table))
		sqlite3_exec(db, before ? "PRAGMA foreign_keys=OFF" : "PRAGMA foreign_keys=ON", NULL, NULL,
			     NULL);
}

/* Each migration's BEGIN IMMEDIATE is exclusive: a second `fast_zero
 * migrate` waits for it, then finds it recorded. */
static const struct migration_dialect sqlite_dialect = {
	.name = "sqlite",
	.begin = "BEGIN IMMEDIATE",
	.ledger = "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name VARCHAR "
		  "NOT NULL, applied_at DATETIME NOT NULL DEFAULT (CURRENT_TIMESTAMP))",
	.has_table = "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = $1",
	.exec = sq_exec,
	.count = sq_count,
	.error = sq_error,
	.outside = sq_outside,
};

int db_migrate(sqlite3 *db, const char *dir, int *applied, char *err, size_t errsz)
{
	return migrations_run(&sqlite_dialect, db, dir, applied, err, errsz);
}

int db_pending(sqlite3 *db, const char *dir, char *err, size_t errsz)
{
	return migrations_pending(&sqlite_dialect, db, dir, err, errsz);
}

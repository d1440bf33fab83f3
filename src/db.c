/* db.c -- SQLite connection set-up and the migration runner (see db.h). */
#include "db.h"

#include <errno.h>
#include <fcntl.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "migrations.h"
#include "store.h"

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

/* An integer from the first column of sql (one bound text parameter, may be NULL). */
static int query_int(sqlite3 *db, const char *sql, const char *param, int *out)
{
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		return -1;
	if (param)
		sqlite3_bind_text(st, 1, param, -1, SQLITE_STATIC);
	int rc = sqlite3_step(st);
	*out = rc == SQLITE_ROW ? sqlite3_column_int(st, 0) : 0;
	sqlite3_finalize(st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : -1;
}

static int record_migration(sqlite3 *db, int version, const char *name)
{
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(db, "INSERT INTO schema_migrations (version, name) VALUES (?, ?)", -1, &st,
			       NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_int(st, 1, version);
	sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
	int rc = sqlite3_step(st);
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

static int ensure_table(sqlite3 *db)
{
	return sqlite3_exec(db,
			    "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY "
			    "KEY, name VARCHAR NOT NULL, applied_at DATETIME NOT NULL DEFAULT "
			    "(CURRENT_TIMESTAMP))",
			    NULL, NULL, NULL) == SQLITE_OK
		       ? 0
		       : -1;
}

static int is_applied(sqlite3 *db, int version, int *applied)
{
	char v[16];
	snprintf(v, sizeof v, "%d", version);
	return query_int(db, "SELECT count(*) FROM schema_migrations WHERE version = CAST(? AS INTEGER)", v,
			 applied);
}

/* 0001 is already there when Alembic made the users table. */
static int made_by_alembic(sqlite3 *db, int version)
{
	int has_table = 0, has_revision = 0;
	if (version != 1 ||
	    query_int(db, "SELECT count(*) FROM sqlite_master WHERE type='table' AND name=?",
		      "alembic_version", &has_table) ||
	    !has_table)
		return 0;
	if (query_int(db, "SELECT count(*) FROM alembic_version WHERE version_num = ?",
		      MIGRATIONS_ALEMBIC_USERS, &has_revision))
		return 0;
	return has_revision;
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
		int exists = 0;
		at = (size_t)(sql - saved->data) + strlen(sql) + 1;
		if (query_int(db, "SELECT count(*) FROM sqlite_master WHERE type = 'index' AND name = ?",
			      name, &exists))
			return -1;
		if (!exists && sqlite3_exec(db, sql, NULL, NULL, NULL) != SQLITE_OK)
			return -1;
	}
	return 0;
}

/* Runs a migration's SQL; one that rebuilds a table keeps that table's indexes. */
static int run_migration_sql(sqlite3 *db, const char *sql)
{
	char table[64];
	struct buf saved;
	int rc = -1;
	buf_init(&saved);
	if (!rebuilt_table(sql, table, sizeof table) || save_indexes(db, table, &saved) == 0)
		rc = sqlite3_exec(db, sql, NULL, NULL, NULL) == SQLITE_OK ? restore_indexes(db, &saved) : -1;
	buf_free(&saved);
	return rc;
}

/* Applies migration m unless it is recorded; -1 with the cause in err. */
static int apply_one(sqlite3 *db, const char *dir, const struct migration *m, int *applied, char *err,
		     size_t errsz)
{
	char path[4096], what[300];
	int done = 0, rc = -1;
	snprintf(what, sizeof what, "migration %s", m->name);
	if (sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK) {
		fail(err, errsz, what, db);
		return -1;
	}
	if (is_applied(db, m->version, &done) == 0 && done) {
		rc = 0;
	} else if (made_by_alembic(db, m->version)) {
		rc = record_migration(db, m->version, m->name);
	} else {
		char *sql = migrations_read(dir, "sqlite", m, path, sizeof path);
		if (!sql) {
			snprintf(err, errsz, "%s: cannot read %s: %s", what, path, strerror(errno));
			sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
			return -1;
		}
		rc = run_migration_sql(db, sql);
		free(sql);
		if (rc == 0 && (rc = record_migration(db, m->version, m->name)) == 0)
			(*applied)++;
	}
	if (rc == 0 && sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) == SQLITE_OK)
		return 0;
	fail(err, errsz, what, db);
	sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
	return -1;
}

int db_migrate(sqlite3 *db, const char *dir, int *applied, char *err, size_t errsz)
{
	struct migration list[MIGRATIONS_MAX];
	int n = migrations_list(dir, "sqlite", list, err, errsz);
	*applied = 0;
	if (n < 0)
		return -1;
	if (ensure_table(db)) {
		fail(err, errsz, "schema_migrations", db);
		return -1;
	}
	for (int i = 0; i < n; i++)
		if (apply_one(db, dir, &list[i], applied, err, errsz))
			return -1;
	return 0;
}

int db_pending(sqlite3 *db, const char *dir, char *err, size_t errsz)
{
	struct migration list[MIGRATIONS_MAX];
	int n = migrations_list(dir, "sqlite", list, err, errsz), pending = 0, has_table = 0;
	if (n < 0)
		return -1;
	if (query_int(db, "SELECT count(*) FROM sqlite_master WHERE type='table' AND name=?",
		      "schema_migrations", &has_table)) {
		fail(err, errsz, "database", db);
		return -1;
	}
	for (int i = 0; i < n; i++) {
		int done = 0;
		if (!has_table || is_applied(db, list[i].version, &done) || !done)
			pending++;
	}
	return pending;
}

/* sqlite_db.h -- opening the SQLite database, and the migrations that shape it.
 *
 * Every connection is opened the same way: WAL journal (readers never wait for
 * the writer), synchronous=FULL (an answered write survives a power cut),
 * a busy timeout, foreign keys on. A new database file is created mode 0600.
 *
 * Migrations are applied by migrations.h's runner with SQLite's dialect:
 * each in its own BEGIN IMMEDIATE transaction, so that a second `fast_zero
 * migrate` waits, then finds it recorded. A migration that rebuilds a
 * table ("-- fast_zero: rebuilds TABLE") runs with foreign keys off, as
 * SQLite's procedure for changing a table asks, and commits only when they
 * all still hold. */
#ifndef FZ_DB_H
#define FZ_DB_H

#include <stddef.h>

typedef struct sqlite3 sqlite3;

/* Opens (creating if needed) the database at path. NULL with err filled on failure. */
sqlite3 *db_open(const char *path, char *err, size_t errsz);
/* Opens the database at path for reading only, as immutable: for a disk
 * mounted read-only, where SQLite cannot create the WAL's side files (and
 * nothing can change the file meanwhile). NULL with err filled on failure. */
sqlite3 *db_open_read_only(const char *path, char *err, size_t errsz);

/* Applies the pending migrations found in dir; *applied counts them.
 * 0, or -1 with err filled (the failed migration is rolled back). */
int db_migrate(sqlite3 *db, const char *dir, int *applied, char *err, size_t errsz);

/* How many migrations in dir are not yet applied; -1 with err on failure. */
int db_pending(sqlite3 *db, const char *dir, char *err, size_t errsz);

#endif

/* migrations.h -- the numbered migrations both backends apply, and the one
 * runner that applies them.
 *
 * A migration is a file NNNN_name.sql in the migrations folder. Where a
 * dialect's SQL differs, a file of the same name in the subfolder named for
 * the dialect (sqlite/, postgresql/) takes its place for that dialect, and a
 * file found only there is that dialect's alone. migrations_run applies them
 * in order of NNNN, each in its own transaction, recording NNNN and the name
 * in the ledger table schema_migrations; a database the course's Alembic
 * made is recognised as already holding what its revision made. A backend
 * gives the runner its dialect: a few statements and three functions. */
#ifndef FZ_MIGRATIONS_H
#define FZ_MIGRATIONS_H

#include <stdbool.h>
#include <stddef.h>

#define MIGRATIONS_MAX 256

struct migration {
	int version;
	char name[256];
	bool dialect_only; /* the file is in the dialect's subfolder */
};

/* Fills out with the migrations of dir for dialect, sorted by version;
 * returns their count, or -1 with err filled. */
int migrations_list(const char *dir, const char *dialect, struct migration *out, char *err, size_t errsz);

/* The SQL text of m (malloc'd, NUL-terminated), its file's path in path;
 * NULL with errno set when it cannot be read. */
char *migrations_read(const char *dir, const char *dialect, const struct migration *m, char *path,
		      size_t pathsz);

/* The migrations folder: migrations/ next to the binary, else the installed one. */
const char *migrations_default_dir(char *out, size_t outsz);

/* What a database does its own way. The runner's statements bind their
 * values as $1, $2 (text), which both SQLite and PostgreSQL read. */
struct migration_dialect {
	const char *name;      /* its subfolder of migrations: "sqlite", "postgresql" */
	const char *lock;      /* run once before the first migration (one runner at a
				* time), or NULL: each begin is exclusive already */
	const char *begin;     /* a migration's transaction */
	const char *ledger;    /* creates schema_migrations if missing */
	const char *has_table; /* a count, 1 when the table named $1 exists */
	/* Runs sql (several statements, no values): 0 or -1. */
	int (*exec)(void *db, const char *sql);
	/* The integer in the first column of sql's first row (0 when none),
	 * v1 and v2 bound when not NULL: 0 or -1. */
	int (*count)(void *db, const char *sql, const char *v1, const char *v2, long *out);
	/* Why the last call failed. */
	const char *(*error)(void *db);
	/* When not NULL: called with a migration's SQL before its transaction
	 * begins (before true) and after it ends, for what a database does only
	 * outside a transaction (SQLite's foreign keys, off around a table's
	 * rebuild). */
	void (*outside)(void *db, const char *sql, bool before);
};

/* Applies the pending migrations of dir to db, each in its own transaction;
 * *applied counts them. 0, or -1 with err filled (the failed migration
 * rolled back). */
int migrations_run(const struct migration_dialect *d, void *db, const char *dir, int *applied, char *err,
		   size_t errsz);
/* How many migrations of dir db has not applied; -1 with err. */
int migrations_pending(const struct migration_dialect *d, void *db, const char *dir, char *err, size_t errsz);

#endif

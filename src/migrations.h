/* migrations.h -- the numbered migrations both backends apply.
 *
 * A migration is a file NNNN_name.sql in the migrations folder. Where a
 * dialect's SQL differs, a file of the same name in the subfolder named for
 * the dialect (sqlite/, postgresql/) takes its place for that dialect, and a
 * file found only there is that dialect's alone. Each backend applies them in
 * order of NNNN, each in its own transaction, recording NNNN and the name in
 * its table schema_migrations. */
#ifndef FZ_MIGRATIONS_H
#define FZ_MIGRATIONS_H

#include <stdbool.h>
#include <stddef.h>

#define MIGRATIONS_MAX 256
/* The course's first Alembic revision: it made the users table of 0001. */
#define MIGRATIONS_ALEMBIC_USERS "74f39286e2f6"

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

#endif

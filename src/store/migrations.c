/* migrations.c -- finding, reading and applying the migration files (see migrations.h). */
#include "store/migrations.h"

#include <dirent.h>
#include <errno.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int by_version(const void *a, const void *b)
{
	return ((const struct migration *)a)->version - ((const struct migration *)b)->version;
}

/* The version of a file named NNNN_name.sql, or -1. */
static int version_of(const char *name)
{
	size_t len = strlen(name);
	int version, used = 0;
	if (len < 9 || len >= sizeof((struct migration *)0)->name || strcmp(name + len - 4, ".sql") != 0 ||
	    sscanf(name, "%4d_%n", &version, &used) != 1 || used != 5)
		return -1;
	return version;
}

/* Adds the files of folder to out[0..*n): a dialect's replace a shared one of
 * the same name. */
static void add_folder(const char *folder, bool dialect, struct migration *out, int *n)
{
	DIR *d = opendir(folder);
	struct dirent *e;
	while (d && (e = readdir(d))) {
		int version = version_of(e->d_name), at = *n;
		if (version < 0)
			continue;
		for (int i = 0; i < *n; i++)
			if (strcmp(out[i].name, e->d_name) == 0)
				at = i;
		if (at == *n && *n == MIGRATIONS_MAX)
			continue;
		out[at].version = version;
		out[at].dialect_only = dialect;
		snprintf(out[at].name, sizeof out[at].name, "%s", e->d_name);
		*n += at == *n;
	}
	if (d)
		closedir(d);
}

int migrations_list(const char *dir, const char *dialect, struct migration *out, char *err, size_t errsz)
{
	char sub[4096];
	struct stat st;
	int n = 0;
	if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
		snprintf(err, errsz, "migrations folder %s cannot be read", dir);
		return -1;
	}
	add_folder(dir, false, out, &n);
	snprintf(sub, sizeof sub, "%s/%s", dir, dialect);
	add_folder(sub, true, out, &n);
	qsort(out, (size_t)n, sizeof *out, by_version);
	return n;
}

char *migrations_read(const char *dir, const char *dialect, const struct migration *m, char *path,
		      size_t pathsz)
{
	struct stat st;
	char *text = NULL;
	size_t got;
	if (m->dialect_only)
		snprintf(path, pathsz, "%s/%s/%s", dir, dialect, m->name);
	else
		snprintf(path, pathsz, "%s/%s", dir, m->name);
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	if (fstat(fileno(f), &st) != 0)
		goto out;
	if (!S_ISREG(st.st_mode)) {
		errno = S_ISDIR(st.st_mode) ? EISDIR : EINVAL;
		goto out;
	}
	if (!(text = malloc((size_t)st.st_size + 1)))
		goto out;
	errno = 0;
	got = fread(text, 1, (size_t)st.st_size, f);
	text[got] = '\0';
	if (ferror(f)) {
		free(text);
		text = NULL;
		errno = errno ? errno : EIO;
	}
out:;
	int saved = errno;
	fclose(f);
	errno = saved;
	return text;
}

const char *migrations_default_dir(char *out, size_t outsz)
{
	char exe[4096];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
	struct stat st;
	if (n > 0) {
		exe[n] = '\0';
		const char *dir = dirname(exe);
		snprintf(out, outsz, "%s/migrations", dir);
		if (stat(out, &st) == 0 && S_ISDIR(st.st_mode))
			return out;
		snprintf(out, outsz, "%s/../share/fast_zero/migrations", dir);
		if (stat(out, &st) == 0 && S_ISDIR(st.st_mode))
			return out;
	}
	snprintf(out, outsz, "migrations");
	return out;
}

/* ---- the runner ---- */

/* The course's Alembic revisions, and the migrations of ours each stands
 * for: a database at one of them already holds what those made. */
static const struct {
	const char *revision;
	int versions[4]; /* 0-terminated */
} alembic[] = {
	{"74f39286e2f6", {1}}, /* lesson 08: users */
	{"a6b139a38fe0", {1}}, /* lesson 10: users and todos (0007 adopts its todos) */
};

static int fail(const struct migration_dialect *d, void *db, char *err, size_t errsz, const char *what)
{
	snprintf(err, errsz, "%s: %s", what, d->error(db));
	err[strcspn(err, "\n")] = '\0';
	return -1;
}

static int is_applied(const struct migration_dialect *d, void *db, int version, long *done)
{
	char v[16];
	snprintf(v, sizeof v, "%d", version);
	return d->count(db, "SELECT count(*) FROM schema_migrations WHERE version = CAST($1 AS INTEGER)", v,
			NULL, done);
}

/* Whether the course's Alembic made what version makes: the database is at
 * a revision that stands for it. */
static bool made_by_alembic(const struct migration_dialect *d, void *db, int version)
{
	long has_table = 0;
	if (d->count(db, d->has_table, "alembic_version", NULL, &has_table) || !has_table)
		return false;
	for (size_t i = 0; i < sizeof alembic / sizeof alembic[0]; i++)
		for (const int *v = alembic[i].versions; *v; v++) {
			long at = 0;
			if (*v == version &&
			    d->count(db, "SELECT count(*) FROM alembic_version WHERE version_num = $1",
				     alembic[i].revision, NULL, &at) == 0 &&
			    at)
				return true;
		}
	return false;
}

static int record(const struct migration_dialect *d, void *db, const struct migration *m)
{
	char v[16];
	long none;
	snprintf(v, sizeof v, "%d", m->version);
	return d->count(db, "INSERT INTO schema_migrations (version, name) VALUES (CAST($1 AS INTEGER), $2)",
			v, m->name, &none);
}

/* Applies m (sql: its text, NULL when it could not be read from path,
 * read_errno saying why) unless it is recorded, in a transaction of its
 * own; -1 with the cause in err, rolled back. */
static int apply_in_transaction(const struct migration_dialect *d, void *db, const struct migration *m,
				const char *sql, const char *path, int read_errno, int *applied, char *err,
				size_t errsz)
{
	char what[300];
	long done = 0;
	int rc;
	snprintf(what, sizeof what, "migration %s", m->name);
	if (d->exec(db, d->begin))
		return fail(d, db, err, errsz, what);
	if ((rc = is_applied(d, db, m->version, &done)) == 0 && !done) {
		if (made_by_alembic(d, db, m->version)) {
			rc = record(d, db, m);
		} else if (!sql) {
			snprintf(err, errsz, "%s: cannot read %s: %s", what, path, strerror(read_errno));
			d->exec(db, "ROLLBACK");
			return -1;
		} else {
			rc = d->exec(db, sql) == 0 && record(d, db, m) == 0 ? 0 : -1;
			*applied += rc == 0;
		}
	}
	if (rc == 0 && d->exec(db, "COMMIT") == 0)
		return 0;
	fail(d, db, err, errsz, what);
	d->exec(db, "ROLLBACK");
	return -1;
}

static int apply_one(const struct migration_dialect *d, void *db, const char *dir, const struct migration *m,
		     int *applied, char *err, size_t errsz)
{
	char path[4096];
	char *sql = migrations_read(dir, d->name, m, path, sizeof path);
	int read_errno = errno;
	if (d->outside && sql)
		d->outside(db, sql, true);
	int rc = apply_in_transaction(d, db, m, sql, path, read_errno, applied, err, errsz);
	if (d->outside && sql)
		d->outside(db, sql, false);
	free(sql);
	return rc;
}

int migrations_run(const struct migration_dialect *d, void *db, const char *dir, int *applied, char *err,
		   size_t errsz)
{
	struct migration list[MIGRATIONS_MAX];
	int n = migrations_list(dir, d->name, list, err, errsz);
	*applied = 0;
	if (n < 0)
		return -1;
	if ((d->lock && d->exec(db, d->lock)) || d->exec(db, d->ledger))
		return fail(d, db, err, errsz, "schema_migrations");
	for (int i = 0; i < n; i++)
		if (apply_one(d, db, dir, &list[i], applied, err, errsz))
			return -1;
	return 0;
}

int migrations_pending(const struct migration_dialect *d, void *db, const char *dir, char *err, size_t errsz)
{
	struct migration list[MIGRATIONS_MAX];
	int n = migrations_list(dir, d->name, list, err, errsz), pending = 0;
	long has_ledger = 0;
	if (n < 0)
		return -1;
	if (d->count(db, d->has_table, "schema_migrations", NULL, &has_ledger))
		return fail(d, db, err, errsz, "database");
	for (int i = 0; i < n; i++) {
		long done = 0;
		if (!has_ledger || is_applied(d, db, list[i].version, &done) || !done)
			pending++;
	}
	return pending;
}

/* migrations.c -- finding and reading the migration files (see migrations.h). */
#include "migrations.h"

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

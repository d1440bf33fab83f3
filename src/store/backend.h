/* backend.h -- what a storage backend provides: the table of operations
 * store.c dispatches through. Only store.c and the backends include it.
 *
 * A backend's own store struct begins with a struct store, whose ops point at
 * its table; every operation has the meaning store.h gives it. The data
 * operations are store.h's STORE_OPERATIONS list, which a backend expands
 * twice: into a static prototype of its function PREFIX_NAME for each (so
 * that a missing one fails the build), and into its table's members. Adding
 * an operation is its line in that list, and in each backend its SQL and its
 * function; each backend lists its own statements. */
#ifndef FZ_STORE_BACKEND_H
#define FZ_STORE_BACKEND_H

#include "base/buf.h"
#include "store/store.h"

struct store_ops {
	const char *name; /* for the logs: "sqlite", "postgresql" */
	void (*describe)(const char *url, char *out, size_t outsz);
	struct store *(*open)(const char *url, char *err, size_t errsz);
	void (*close)(struct store *s);
	const char *(*last_error)(const struct store *s);
	void (*watch)(struct store *s, const struct store_watch *w);
	uint64_t (*data_version)(struct store *s);
#define STORE_OP_MEMBER(name, params, args) enum store_status(*name) params;
	STORE_OPERATIONS(STORE_OP_MEMBER)
#undef STORE_OP_MEMBER
	/* NULL: the backend keeps no budgets (store_keeps_budgets) */
	enum store_status (*budget_take)(struct store *s, const unsigned char key[32], int burst,
					 int interval_ms, int *wait);
	int (*migrate)(const char *url, const char *dir, int *applied, char *err, size_t errsz);
	int (*pending)(const char *url, const char *dir, char *err, size_t errsz);
};

struct store {
	const struct store_ops *ops;
	int64_t time_us; /* spent in the backend since the request's store_watch() */
};

/* For a backend: t's text copied into strings (reset first), so that it
 * outlives the row it points into; false when memory ran out. */
bool store_keep_todo(struct buf *strings, struct todo *t);

extern const struct store_ops store_sqlite_ops;
extern const struct store_ops store_pg_ops;

#endif

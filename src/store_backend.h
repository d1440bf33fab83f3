/* store_backend.h -- what a storage backend provides: the table of operations
 * store.c dispatches through. Only store.c and the backends include it.
 *
 * A backend's own store struct begins with a struct store, whose ops point at
 * its table; every operation has the meaning store.h gives it. A statement
 * a backend does not need has no SQL in its table (NULL) and is not prepared. Adding an
 * operation is one member here, one line in store.c and one function in each
 * backend. */
#ifndef FZ_STORE_BACKEND_H
#define FZ_STORE_BACKEND_H

#include "store.h"

/* The statements a backend prepares when it connects, one per purpose; each
 * backend's table gives their SQL in its dialect. */
enum stmt_id {
	ST_PING,
	ST_DATA_VERSION, /* SQLite only (PRAGMA data_version) */
	ST_BY_ID,
	ST_BY_EMAIL,
	ST_LIST,
	ST_CREATE,
	ST_UPDATE,
	ST_DELETE,
	ST_USERNAME_USED,
	ST_EMAIL_USED,
	ST_ADDRESS_KNOWN,
	ST_ADDRESS_REMEMBER,
	ST_ADDRESS_TRIM,
	ST_BUDGET_TAKE,  /* PostgreSQL only (SQLite's budgets are the pool's, in memory) */
	ST_BUDGET_PURGE, /* PostgreSQL only */
	ST_BEGIN,        /* SQLite only: a write and its record in one transaction */
	ST_COMMIT,       /* SQLite only */
	ST_ROLLBACK,     /* SQLite only */
	ST_WRITE_RECORD, /* SQLite only (PostgreSQL's writes record themselves) */
	ST_WRITE_DONE,
	ST_WRITES_PURGE,
	ST_COUNT,
};

struct store_ops {
	const char *name; /* for the logs: "sqlite", "postgresql" */
	void (*describe)(const char *url, char *out, size_t outsz);
	struct store *(*open)(const char *url, char *err, size_t errsz);
	void (*close)(struct store *s);
	const char *(*last_error)(const struct store *s);
	void (*watch)(struct store *s, const struct store_watch *w);
	uint64_t (*data_version)(struct store *s);
	enum store_status (*ping)(struct store *s);
	enum store_status (*user_by_id)(struct store *s, int64_t id, struct user *out);
	enum store_status (*user_by_email)(struct store *s, const char *email, size_t len, struct user *out);
	enum store_status (*user_list)(struct store *s, int64_t offset, int64_t limit, store_user_fn *each,
				       void *arg);
	enum store_status (*user_clash)(struct store *s, const struct user_fields *in, int64_t id);
	enum store_status (*user_create)(struct store *s, const struct user_fields *in, int64_t *id);
	enum store_status (*user_update)(struct store *s, int64_t id, const struct user_fields *in,
					 const char *request_key);
	enum store_status (*user_delete)(struct store *s, int64_t id, const char *expected_hash,
					 const char *request_key);
	enum store_status (*write_done)(struct store *s, const char *request_key, int64_t *user_id);
	enum store_status (*address_known)(struct store *s, int64_t user_id, const char *address,
					   const char *tag, bool *known);
	enum store_status (*address_remember)(struct store *s, int64_t user_id, const char *address,
					      const char *tag);
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

extern const struct store_ops store_sqlite_ops;
extern const struct store_ops store_pg_ops;

#endif

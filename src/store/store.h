/* store.h -- the data operations the handlers need, and nothing else.
 *
 * Handlers hold no SQL: they call these functions, which a storage backend
 * implements: sqlite.c (with sqlite_db.c) for sqlite:/// URLs, pg.c for
 * postgresql:// ones; DATABASE_URL chooses at run time (store.c dispatches,
 * backend.h is the table a backend fills). One struct store per worker,
 * opened after fork; its statements are prepared once and reused, every value
 * bound. Both backends map their failures the same way: STORE_BUSY and
 * STORE_UNAVAILABLE are answered 503 with Retry-After, STORE_ERROR 500.
 *
 * Strings in a struct user point into the store's own memory and stay valid
 * until the next call on the same store. The password hash is only read by
 * store_user_by_email (for login); no other call returns it. */
#ifndef FZ_STORE_H
#define FZ_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct store;

/* How long a call waits for a lock another connection holds when the
 * request has no deadline (store_watch); then STORE_BUSY. */
#define STORE_LOCK_WAIT_MS 5000

enum store_status {
	STORE_OK = 0,
	STORE_NOT_FOUND,
	STORE_USERNAME_TAKEN,
	STORE_EMAIL_TAKEN,
	STORE_BUSY,        /* locked, or slow, past the time limit: answer 503 */
	STORE_TIMEOUT,     /* interrupted at the request's deadline: answer 503 */
	STORE_UNAVAILABLE, /* disk full, read-only or failing; server gone: answer 503 */
	STORE_UNSTORABLE,  /* a value the database cannot hold (PostgreSQL: U+0000, an index entry
			    * beyond ~2.7 kB): answer 422 */
	STORE_ERROR,       /* anything else: answer 500, the cause is in store_last_error() */
};

struct user {
	int64_t id;
	const char *username; /* NUL-terminated, and may hold NULs: use the lengths */
	const char *email;
	size_t username_len, email_len;
	const char *password_hash; /* NULL unless asked for */
	/* Unix milliseconds; store_user_by_email only (0 elsewhere). */
	int64_t created_ms;
	int64_t password_changed_ms; /* -1: never changed through this service */
};

struct user_fields {
	const char *username;
	size_t username_len;
	const char *email;
	size_t email_len;
	const char *password_hash;
	bool password_changed;     /* update: the hash is of another password (dates the change) */
	const char *expected_hash; /* update: the stored hash the caller was checked against */
};

/* Opens the database DATABASE_URL names (settings_database_kind() has
 * accepted it). NULL with err filled on failure. */
struct store *store_open(const char *url, char *err, size_t errsz);
void store_close(struct store *s);
/* The storage's own description of the failure the last call returned, for
 * the log ("" after a call that did not fail). */
const char *store_last_error(const struct store *s);
/* What the store watches while it works for the request in hand; times are
 * clock_ms() values. */
struct store_watch {
	int64_t deadline_ms;     /* a statement still running then is interrupted
			      * (STORE_TIMEOUT), a wait for a lock given up
			      * (STORE_BUSY); 0: none (locks are waited for
			      * STORE_LOCK_WAIT_MS) */
	int64_t slow_ms;         /* a statement or lock wait still going then calls */
	void (*slow)(void *arg); /* this once (NULL: never): the request turned out long */
	void *arg;
};
/* Starts watching w for the next calls on s (and counting their time from
 * zero); NULL stops watching. */
void store_watch(struct store *s, const struct store_watch *w);
/* The request in hand's watch changed (its deadline moved past a wait that
 * was not its own work): watches w from now, still counting its time. */
void store_rewatch(struct store *s, const struct store_watch *w);
/* Microseconds spent in the store since the last store_watch(s, w): for a
 * list, the writing of its rows included. */
int64_t store_time_us(const struct store *s);
/* A number that changes whenever the data may have changed, by this store
 * or any other connection, since it was last taken; 0 when the storage cannot
 * tell (then nothing may be kept between requests). Take it before reading
 * what is to be kept: a write in between then changes it. */
uint64_t store_data_version(struct store *s);
/* A todo (the course's TodoPublic). Its text points into the store's memory
 * and stays valid until the next call on the same store (a list's, until
 * each returns); it may hold NULs: use the lengths. state is the name of a
 * TodoState as the database holds it. */
struct todo {
	int64_t id;
	const char *title, *description, *state;
	size_t title_len, description_len, state_len;
};

/* What a write gives a todo; a field left NULL is not given (a PATCH
 * changes only those given). state, when given, is a TodoState's name. */
struct todo_fields {
	const char *title, *description, *state;
	size_t title_len, description_len;
};

/* The todos a list holds: its owner's whose title and description contain
 * title and description (LIKE '%' || value || '%' as each database reads it:
 * % and _ are wildcards; NULL: any) and whose state is state (NULL: any);
 * ordered by id, from offset, at most limit. */
struct todo_filter {
	int64_t offset, limit;
	const char *title, *description, *state;
	size_t title_len, description_len;
};

typedef bool store_user_fn(const struct user *u, void *arg);
typedef bool store_todo_fn(const struct todo *t, void *arg);

/* The data operations, each declared once: X(name, parameters, arguments).
 * store_NAME(parameters) below, the backend table's member NAME
 * (backend.h) and store.c's dispatch, which adds the call's time to
 * the request's, all follow from this list; a backend supplies its SQL and
 * its function NAME, nothing else. Each answers STORE_OK or why not. */
#define STORE_OPERATIONS(X)                                                                                   \
	/* STORE_OK when the database answers a query. */                                                     \
	X(ping, (struct store * s), (s))                                                                      \
	X(user_by_id, (struct store * s, int64_t id, struct user * out), (s, id, out))                        \
	/* The user with this email, password hash and times included (for login                           \
	 * and for holding a token against its account). */  \
	X(user_by_email, (struct store * s, const char *email, size_t len, struct user *out),                 \
	  (s, email, len, out))                                                                               \
	/* Calls each(user, arg) for the users ordered by id, from offset, at most                          \
	 * limit, as the rows are read; each returns false to stop early (the                               \
	 * answer cannot be delivered). The cost grows with limit, and with offset                          \
	 * only through a small index. */ \
	X(user_list, (struct store * s, int64_t offset, int64_t limit, store_user_fn * each, void *arg),      \
	  (s, offset, limit, each, arg))                                                                      \
	/* Which of in's username (first) or email another user than id holds:                              \
	 * STORE_USERNAME_TAKEN, STORE_EMAIL_TAKEN, or STORE_OK when neither; a                             \
	 * failed lookup (STORE_BUSY...) is returned as it is, never as free. */ \
	X(user_clash, (struct store * s, const struct user_fields *in, int64_t id), (s, in, id))              \
	/* Inserts a user; the UNIQUE constraints decide races.                                             \
	 * STORE_USERNAME_TAKEN is reported before STORE_EMAIL_TAKEN when both are                          \
	 * taken. */ \
	X(user_create, (struct store * s, const struct user_fields *in, int64_t *id), (s, in, id))            \
	/* Rewrites a user's three fields, only while its stored hash is still                              \
	 * in->expected_hash (a compare-and-swap: a request checked against a hash                          \
	 * another request has replaced since writes nothing); STORE_USERNAME_TAKEN                         \
	 * or STORE_EMAIL_TAKEN when another user holds one of them,                                        \
	 * STORE_NOT_FOUND when id is gone or holds another hash. A write that                              \
	 * changed the row is recorded under request_key (write_key in routes.h:                            \
	 * nginx's request id and a tag of the request's token; NULL: none) in the                          \
	 * same transaction, for store_write_done. */ \
	X(user_update,                                                                                        \
	  (struct store * s, int64_t id, const struct user_fields *in, const char *request_key),              \
	  (s, id, in, request_key))                                                                           \
	/* Deletes a user and its todos, in one transaction, only while its                                 \
	 * stored hash is still expected_hash; STORE_NOT_FOUND when id is gone or                            \
	 * holds another hash. Recorded under request_key as an update is. */ \
	X(user_delete, (struct store * s, int64_t id, const char *expected_hash, const char *request_key),    \
	  (s, id, expected_hash, request_key))                                                                \
	/* The user request_key wrote (updated or deleted), in *user_id;                                    \
	 * STORE_NOT_FOUND when it wrote none in the last 10 minutes (records are                           \
	 * kept that long). */ \
	X(write_done, (struct store * s, const char *request_key, int64_t *user_id),                          \
	  (s, request_key, user_id))                                                                          \
	/* Inserts a todo owned by user_id; its id in *id. STORE_NOT_FOUND when                             \
	 * user_id is gone (deleted since its token was checked); STORE_UNSTORABLE                          \
	 * for text the database cannot hold. */ \
	X(todo_create, (struct store * s, int64_t user_id, const struct todo_fields *in, int64_t *id),        \
	  (s, user_id, in, id))                                                                               \
	/* Calls each(todo, arg) for user_id's todos that f keeps, as the rows are                          \
	 * read; each returns false to stop early (the answer cannot be                                     \
	 * delivered). The cost grows with offset + limit through the owner's                               \
	 * index; a title, description or state filter reads every row it                                   \
	 * passes. */ \
	X(todo_list,                                                                                          \
	  (struct store * s, int64_t user_id, const struct todo_filter *f, store_todo_fn *each, void *arg),   \
	  (s, user_id, f, each, arg))                                                                         \
	/* Changes the fields in gives todo id of user_id's; *out is the todo as                            \
	 * it now is. STORE_NOT_FOUND when user_id has no todo id (another user's                           \
	 * included); STORE_UNSTORABLE as for create, found only once the todo                              \
	 * is. */ \
	X(todo_update,                                                                                        \
	  (struct store * s, int64_t user_id, int64_t id, const struct todo_fields *in, struct todo *out),    \
	  (s, user_id, id, in, out))                                                                          \
	/* Deletes todo id of user_id's; STORE_NOT_FOUND when user_id has none. */                            \
	X(todo_delete, (struct store * s, int64_t user_id, int64_t id), (s, user_id, id))                     \
	/* Whether the client address (a budget's key: throttle_address_key) has                            \
	 * logged in to user_id with the password whose tag (password_tag) is tag:                          \
	 * *known. An account remembers its last 8 such addresses. */ \
	X(login_address_known,                                                                                \
	  (struct store * s, int64_t user_id, const char *address, const char *tag, bool *known),             \
	  (s, user_id, address, tag, known))                                                                  \
	/* Remembers that address logged in to user_id with the password of tag                            \
	 * (forgetting the account's least recent address past 8). */  \
	X(login_address_remember, (struct store * s, int64_t user_id, const char *address, const char *tag),  \
	  (s, user_id, address, tag))

#define STORE_DECLARE(name, params, args) enum store_status store_##name params;
STORE_OPERATIONS(STORE_DECLARE)
#undef STORE_DECLARE

/* Whether the store keeps the budgets that protect an account (throttle.h)
 * for every host of the deployment: PostgreSQL does; SQLite, one host by
 * construction, leaves them to the pool's shared memory. */
bool store_keeps_budgets(const struct store *s);
/* Spends one request of the budget key names (a 32-byte keyed digest):
 * burst at once, then one every interval_ms, counted on the database's
 * clock (GCRA). *wait: 0 when it may go on, else the whole seconds before
 * the next one would be let through. Full budgets are deleted now and then,
 * so only budgets in use take room. */
enum store_status store_budget_take(struct store *s, const unsigned char key[32], int burst, int interval_ms,
				    int *wait);

/* The database url names, for a message: a SQLite file's path, or a
 * PostgreSQL database's name and host (never its password). Returns out. */
const char *store_describe(const char *url, char *out, size_t outsz);

/* Applies the pending migrations of dir (see migrations.h) to the database
 * url names, each in its own transaction; *applied counts them. 0, or -1 with
 * err filled (the failed migration rolled back). Safe to run from several
 * hosts at once: each migration is applied once. */
int store_migrate(const char *url, const char *dir, int *applied, char *err, size_t errsz);
/* How many migrations of dir the database has not applied; -1 with err. */
int store_pending(const char *url, const char *dir, char *err, size_t errsz);

#endif

/* routes.h -- every handler the route table in router.c points at, and the
 * few helpers they share. Each handler's comment, at its definition, lists
 * the statuses it can answer; besides those, any answer becomes a 500 when
 * memory runs out while it is written (worker.c). A 500 is answered with
 * http_internal_error(), which logs it with the request id. */
#ifndef FZ_ROUTES_H
#define FZ_ROUTES_H

#include <stdint.h>

#include "routes/router.h"
#include "store/store.h"
#include "auth/throttle.h"
#include "routes/validate.h"

handler_fn app_root, app_exercicio_html, app_health, app_metrics;
handler_fn users_create, users_list, users_read, users_update, users_delete;
handler_fn todos_create, todos_list, todos_update, todos_delete;
handler_fn auth_token, auth_refresh_token;
handler_fn docs_openapi, docs_swagger_ui, docs_oauth2_redirect, docs_redoc;

/* The caller, from the Bearer token; false when it answered 401 (header
 * missing or not Bearer: "Not authenticated"; anything else wrong with the
 * token or its user, a token older than the account or its last password
 * change included: "Could not validate credentials"). session, when not
 * NULL, gets the session's start in unix milliseconds (-1 for a token that
 * does not say). */
bool current_user_or_reply(struct ctx *c, struct user *me, int64_t *session);

/* The key a write of the request in hand is recorded under, in out:
 * nginx's request id (the same when nginx resends the request) and a tag
 * (keyed with SECRET_KEY) of its bearer token, so that only the same
 * request with the same token finds the record; NULL when it has no request
 * id or no token. */
#define WRITE_KEY_MAX 96
const char *write_key(const struct ctx *c, char out[WRITE_KEY_MAX]);
/* Whether this very request (write_key) has written the user its path
 * names already: nginx resent it to another host after the one that had it
 * committed its write and died before answering. */
bool written_already(struct ctx *c);
/* current_user_or_reply for a PUT or DELETE: when the token opens no
 * account (its account is gone, or its password changed) but the request
 * has written already (written_already), it answers nothing and sets
 * *again, for the handler to answer what the first time did. */
bool writer_or_reply(struct ctx *c, struct user *me, bool *again);

/* Before a hash: spends one request of the client address's budget and of
 * key's under rule (none when rule is NULL; a shared rule's in the store
 * when it keeps budgets), unless RATE_LIMIT (or, for logins,
 * LOGIN_RATE_LIMIT) is off, then waits for the request's turn at the
 * hashing gate, which the hash that follows uses (gate.h); false when it
 * answered: 429 with Retry-After (a budget spent, or the address's share of
 * the gate taken while others wait), 503 with Retry-After (no turn within
 * HASH_QUEUE_TIMEOUT: hash_gate_late() then says so), or the store's
 * failure. */
bool throttle_or_reply(struct ctx *c, const struct throttle_rule *rule, const char *key, size_t len);

/* Answers a storage failure, its cause logged with the request id: 503 with
 * Retry-After when busy, unavailable (a full or read-only disk, a server
 * gone) or stopped at the request's time limit (logged with its route too),
 * 422 for a value the database cannot hold, 500 otherwise. */
void reply_store_failure(struct ctx *c, enum store_status status);

/* A list that walks more rows than this (offset + limit) runs below request
 * handling's priority (lowprio.h): cheap requests on other workers take the
 * CPU first. */
#define LIST_CHEAP_ROWS 10000

/* Answers a cheap list with reply(arg), or with the worker's last answer
 * when it was for the same key (the bytes that name the list: route, caller,
 * page) and the data has not changed since it was read; a whole 200 that was
 * not streamed is kept for the next time. */
void reply_cheap_list(struct ctx *c, const char *key, size_t len, void (*reply)(void *arg), void *arg);
/* Frees the list reply_cheap_list keeps, when the worker ends. */
void lists_forget(void);

/* Appends {"id":..,"username":..,"email":..}. */
void user_write(struct buf *b, const struct user *u);

/* Answers {"access_token":"<jwt>","token_type":"bearer"} for email, in the
 * session begun at session (unix milliseconds; -1: now), bound to the stored
 * hash phc the caller was checked against (its pwh claim); 401 when that
 * session is older than SESSION_MAX_HOURS. */
void reply_token(struct ctx *c, const char *email, int64_t session, const char *phc);

#endif

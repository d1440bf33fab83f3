/* routes.h -- every handler the route table in router.c points at, and the
 * few helpers they share. Each handler's comment, at its definition, lists
 * the statuses it can answer; besides those, any answer becomes a 500 when
 * memory runs out while it is written (worker.c). A 500 is answered with
 * http_internal_error(), which logs it with the request id. */
#ifndef FZ_ROUTES_H
#define FZ_ROUTES_H

#include "../app.h"
#include "../store.h"
#include "../validate.h"

handler_fn app_root, app_exercicio_html, app_health, app_metrics;
handler_fn users_create, users_list, users_read, users_update, users_delete;
handler_fn auth_token, auth_refresh_token;
handler_fn docs_openapi, docs_swagger_ui, docs_oauth2_redirect, docs_redoc;

/* The caller, from the Bearer token; false when it answered 401 (header
 * missing or not Bearer: "Not authenticated"; anything else wrong with the
 * token or its user: "Could not validate credentials"). */
bool current_user_or_reply(struct ctx *c, struct user *me);

/* Answers a storage failure, its cause logged with the request id: 503 with
 * Retry-After when busy, unavailable (a full or read-only disk, a server
 * gone) or stopped at the request's time limit (logged with its route too),
 * 422 for a value the database cannot hold, 500 otherwise. */
void reply_store_failure(struct ctx *c, enum store_status status);

/* Appends {"id":..,"username":..,"email":..}. */
void user_write(struct buf *b, const struct user *u);

/* Answers {"access_token":"<jwt>","token_type":"bearer"} for email. */
void reply_token(struct ctx *c, const char *email);

#endif

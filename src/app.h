/* app.h -- the per-worker application context and the route table's types.
 *
 * A worker owns one struct app for its whole life: the settings it started
 * with and its storage connection. Each request gets a struct ctx pointing at
 * the app, the request and the response being built. A handler reads the
 * request, answers through http.h, and returns; see router.c for the table. */
#ifndef FZ_APP_H
#define FZ_APP_H

#include "http.h"
#include "security.h"

struct settings;
struct store;

/* The last short list answered, kept to answer the same page again while
 * the data has not changed (routes/users.c). */
struct list_cache {
	int64_t offset, limit;
	uint64_t version; /* store_data_version() before it was read; 0: empty */
	struct buf body;
};

struct app {
	const struct settings *settings;
	struct store *store;
	struct hash_gate gate;
	struct list_cache lists;
};

struct ctx {
	struct app *app;
	const struct request *req;
	struct response *res;
	const char *route;    /* the matched route's pattern, for the log */
	const char *path_arg; /* the {user_id} segment of routes that have one */
	size_t path_arg_len;
};

typedef void handler_fn(struct ctx *c);

/* Routes req to its handler; always leaves a complete answer in res (404, 405
 * with Allow, or the handler's). */
void router_dispatch(struct app *app, const struct request *req, struct response *res);
/* The route table, one "METHOD PATTERN LANE" line per route, " hidden" added
 * to those /openapi.json leaves out (`fast_zero routes`). */
void router_write_table(struct buf *out);
/* nginx's map from "$request_method $uri" to the upstream of the route's lane
 * ($fast_zero_upstream; `fast_zero nginx-map`). */
void router_write_nginx_map(struct buf *out);

#endif

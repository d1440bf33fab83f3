/* router.h -- the per-worker application context and the route table's types.
 *
 * A worker owns one struct app for its whole life: the settings it started
 * with and its storage connection. Each request gets a struct ctx pointing at
 * the app, the request and the response being built. A handler reads the
 * request, answers through http.h, and returns; see router.c for the table. */
#ifndef FZ_APP_H
#define FZ_APP_H

#include "wire/http.h"
#include "auth/security.h"

struct settings;
struct store;

struct app {
	const struct settings *settings;
	struct store *store;
	struct hash_gate gate;
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
 * with Allow, or the handler's). Returns the route's pattern, NULL when no
 * route took it. */
const char *router_dispatch(struct app *app, const struct request *req, struct response *res);
/* Frees what the handlers keep between requests, when the worker ends. */
void router_release(void);
/* Route i of the table (its index in the scoreboard's counters); false
 * past the last. */
bool router_route(int i, const char **method, const char **pattern);
/* The route table, one "METHOD PATTERN LANE" line per route, " hidden" added
 * to those /openapi.json leaves out (`fast_zero routes`). */
void router_write_table(struct buf *out);
/* nginx's map from "$request_method $uri" to the upstream of the route's lane
 * ($fast_zero_upstream; `fast_zero nginx-map`). */
void router_write_nginx_map(struct buf *out);

#endif

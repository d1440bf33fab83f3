/* router.c -- the route table, and matching a request against it.
 *
 * The table is the one list of the routes: requests are dispatched on it,
 * `fast_zero routes` prints it (tests/api/test_docs.sh checks /openapi.json
 * against it) and `fast_zero nginx-map` writes from it the map that sends each
 * request to its lane (scripts/nginx-conf uses it; nginx/upstream.conf holds
 * a copy, which `make nginx-map` rewrites and tests/api/test_app.sh checks).
 *
 * Patterns are FastAPI's paths, written without a trailing slash (the logs
 * name a route by its pattern). They are matched with one trailing slash
 * ignored, so "/users" and "/users/" (and "/users/1/") reach the same handler
 * directly where FastAPI would answer a 307 redirect. A "{name}" segment
 * matches one non-empty path segment, which the handler reads as
 * c->path_arg. A known path with another method gets 405 and an Allow header
 * listing every method of that path. */
#include <stdio.h>
#include <string.h>

#include "routes/router.h"
#include "routes/routes.h"
#include "base/scoreboard.h"
#include "base/utf8.h"

/* Where nginx sends a route's requests: which socket, over which kind of
 * connection (nginx/upstream.conf defines the upstreams). */
enum lane {
	LANE_MAIN, /* the main socket's workers, over kept connections */
	LANE_ONCE, /* the main socket, one connection per request: nginx never
		    * retries a POST or a PATCH (not idempotent), so it must not
		    * meet a kept connection that a worker closes (stopping, or
		    * letting go of them while a slow request holds it) */
	LANE_HASH, /* the hash socket's workers: the routes that hash a password,
		    * so a burst of logins never takes the workers of the others */
	LANE_LIST, /* the list socket's workers, over kept connections: the lists
		    * (users, todos), whose cost grows with their limit and their
		    * filters, so a flood of long, deep or filtered lists never
		    * holds up the other reads */
};

static const struct {
	const char *name, *upstream;
} lanes[] = {
	[LANE_MAIN] = {"main", "fast_zero"},
	[LANE_ONCE] = {"once", "fast_zero_once"},
	[LANE_HASH] = {"hash", "fast_zero_hash"},
	[LANE_LIST] = {"list", "fast_zero_list"},
};

struct route {
	const char *method;
	const char *pattern;
	handler_fn *handler;
	enum lane lane;
	bool hidden; /* FastAPI's include_in_schema=False: not in /openapi.json */
};

static const struct route routes[] = {
	{"GET", "/", app_root, LANE_MAIN, false},
	{"GET", "/exercicio-html", app_exercicio_html, LANE_MAIN, false},
	{"GET", "/health", app_health, LANE_MAIN, false},
	{"POST", "/users", users_create, LANE_HASH, false},
	{"GET", "/users", users_list, LANE_LIST, false},
	{"GET", "/users/{user_id}", users_read, LANE_MAIN, false},
	{"PUT", "/users/{user_id}", users_update, LANE_HASH, false},
	{"DELETE", "/users/{user_id}", users_delete, LANE_MAIN, false},
	{"POST", "/auth/token", auth_token, LANE_HASH, false},
	{"POST", "/auth/refresh_token", auth_refresh_token, LANE_ONCE, false},
	{"POST", "/todos", todos_create, LANE_ONCE, false},
	{"GET", "/todos", todos_list, LANE_LIST, false},
	{"PATCH", "/todos/{todo_id}", todos_update, LANE_ONCE, false},
	{"DELETE", "/todos/{todo_id}", todos_delete, LANE_MAIN, false},
	{"GET", "/openapi.json", docs_openapi, LANE_MAIN, true},
	{"GET", "/docs", docs_swagger_ui, LANE_MAIN, true},
	{"GET", "/docs/oauth2-redirect", docs_oauth2_redirect, LANE_MAIN, true},
	{"GET", "/redoc", docs_redoc, LANE_MAIN, true},
	{"GET", "/metrics", app_metrics, LANE_MAIN, true},
};

#define ROUTES (sizeof routes / sizeof *routes)
/* Each route's counters have a slot in the scoreboard, its last one the
 * unrouted requests': a route past them would be counted as unrouted. */
_Static_assert(ROUTES <= SB_UNROUTED, "the scoreboard has a slot for every route (SB_ROUTES)");

/* The lane of a request no route takes (a 404 or 405): a POST or a PATCH
 * still goes once, for the reason LANE_ONCE says; the map's catch-all lines. */
static const struct {
	const char *method;
	enum lane lane;
} unrouted[] = {
	{"POST", LANE_ONCE},
	{"PATCH", LANE_ONCE},
};

static enum lane unrouted_lane(const char *method)
{
	for (size_t i = 0; i < sizeof unrouted / sizeof *unrouted; i++)
		if (strcmp(unrouted[i].method, method) == 0)
			return unrouted[i].lane;
	return LANE_MAIN;
}

/* Length of s[0..n) without one trailing slash (the root keeps its slash). */
static size_t trim_slash(const char *s, size_t n)
{
	return n > 1 && s[n - 1] == '/' ? n - 1 : n;
}

/* Length of the segment at s[0..n), up to the next '/'. */
static size_t segment_len(const char *s, size_t n)
{
	const char *slash = memchr(s, '/', n);
	return slash ? (size_t)(slash - s) : n;
}

/* Whether path[0..n) matches pattern, segment by segment; fills the
 * "{name}" segment into c. */
static bool route_matches(const char *pattern, const char *path, size_t n, struct ctx *c)
{
	size_t pn = trim_slash(pattern, strlen(pattern)), i = 0, j = 0;
	while (i < pn && j < n) {
		size_t ps = segment_len(pattern + i, pn - i), s = segment_len(path + j, n - j);
		if (pattern[i] == '{') {
			if (s == 0)
				return false;
			c->path_arg = path + j;
			c->path_arg_len = s;
		} else if (ps != s || memcmp(pattern + i, path + j, s) != 0) {
			return false;
		}
		i += ps;
		j += s;
		if (i < pn && j < n) { /* both at a '/': on to the next segment */
			i++;
			j++;
		}
	}
	return i == pn && j == n;
}

/* A request of the routes that hash which has waited past its budget
 * (HASH_QUEUE_TIMEOUT, see gate.h) is answered 503 with Retry-After before
 * anything else, so that it spends neither a hash nor a throttle's budget:
 * under overload the queue is shed at the price of an accept and a read. */
static bool queued_too_long(struct app *app, const struct route *r, struct response *res)
{
	if (r->lane != LANE_HASH || !hash_gate_late(&app->gate))
		return false;
	http_error(res, 503, "Service Unavailable");
	return true;
}

static void answer_not_allowed(struct response *res, struct buf *allow)
{
	http_error(res, 405, "Method Not Allowed");
	http_header(res, "Allow", buf_cstr(allow));
}

static const char *dispatch(struct app *app, const struct request *req, struct response *res)
{
	struct ctx c = {.app = app, .req = req, .res = res};
	size_t n = trim_slash(req->path, strlen(req->path));
	struct buf allow;
	buf_init(&allow);
	for (size_t i = 0; i < ROUTES; i++) {
		if (!route_matches(routes[i].pattern, req->path, n, &c))
			continue;
		if (strcmp(routes[i].method, req->method) == 0) {
			c.route = routes[i].pattern;
			scoreboard_route((int)i);
			if (!queued_too_long(app, &routes[i], res))
				routes[i].handler(&c);
			buf_free(&allow);
			return c.route;
		}
		if (allow.len)
			buf_adds(&allow, ", ");
		buf_adds(&allow, routes[i].method);
	}
	if (allow.len)
		answer_not_allowed(res, &allow);
	else
		http_error(res, 404, "Not Found");
	buf_free(&allow);
	return NULL;
}

const char *router_dispatch(struct app *app, const struct request *req, struct response *res)
{
	size_t n = strlen(req->path);
	if (utf8_valid(req->path, n))
		return dispatch(app, req, res);
	/* uvicorn decodes a path with errors="replace": so do we, for the 422s. */
	struct request copy = *req;
	struct buf path;
	buf_init(&path);
	utf8_add_replacing(&path, req->path, n);
	copy.path = buf_cstr(&path);
	const char *route = dispatch(app, &copy, res);
	buf_free(&path);
	return route;
}

bool router_route(int i, const char **method, const char **pattern)
{
	if (i < 0 || (size_t)i >= ROUTES)
		return false;
	*method = routes[i].method;
	*pattern = routes[i].pattern;
	return true;
}

void router_write_table(struct buf *out)
{
	for (size_t i = 0; i < ROUTES; i++)
		buf_printf(out, "%s %s %s%s\n", routes[i].method, routes[i].pattern,
			   lanes[routes[i].lane].name, routes[i].hidden ? " hidden" : "");
}

/* The regular expression of a pattern, for "$request_method $uri". */
static void add_pattern_regex(struct buf *out, const char *pattern)
{
	size_t n = trim_slash(pattern, strlen(pattern));
	for (size_t i = 0; i < n; i++) {
		if (pattern[i] == '{') {
			buf_adds(out, "[^/]+");
			i += segment_len(pattern + i, n - i) - 1;
			continue;
		}
		if (strchr(".^$*+?()[]{}|\\", pattern[i]))
			buf_addc(out, '\\');
		buf_addc(out, pattern[i]);
	}
	buf_adds(out, n > 1 ? "/?$" : "$");
}

void router_write_nginx_map(struct buf *out)
{
	buf_adds(out, "# Written by `fast_zero nginx-map` from the route table (src/routes/router.c).\n"
		      "map \"$request_method $uri\" $fast_zero_upstream {\n");
	buf_printf(out, "\tdefault %s;\n", lanes[LANE_MAIN].upstream);
	for (size_t i = 0; i < ROUTES; i++) {
		if (routes[i].lane == unrouted_lane(routes[i].method))
			continue;
		buf_printf(out, "\t\"~^%s ", routes[i].method);
		add_pattern_regex(out, routes[i].pattern);
		buf_printf(out, "\" %s;\n", lanes[routes[i].lane].upstream);
	}
	for (size_t i = 0; i < sizeof unrouted / sizeof *unrouted; i++)
		if (unrouted[i].lane != LANE_MAIN)
			buf_printf(out, "\t\"~^%s \" %s;\n", unrouted[i].method,
				   lanes[unrouted[i].lane].upstream);
	buf_adds(out, "}\n");
}

void router_release(void)
{
	lists_forget();
}

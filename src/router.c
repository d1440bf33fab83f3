/* router.c -- the route table, and matching a request against it.
 *
 * Paths are matched with one trailing slash ignored, so "/users" and "/users/"
 * (and "/users/1/") reach the same handler directly where FastAPI would answer
 * a 307 redirect. A "*" segment matches one non-empty path segment, FastAPI's
 * "{user_id}". A known path with another method gets 405 and an Allow header
 * listing every method of that path. */
#include <stdio.h>
#include <string.h>

#include "app.h"
#include "form.h"
#include "routes/routes.h"

struct route {
	const char *method;
	const char *pattern;
	handler_fn *handler;
};

static const struct route routes[] = {
	{"GET", "/", app_root},
	{"GET", "/exercicio-html", app_exercicio_html},
	{"GET", "/health", app_health},
	{"POST", "/users", users_create},
	{"GET", "/users", users_list},
	{"GET", "/users/*", users_read},
	{"PUT", "/users/*", users_update},
	{"DELETE", "/users/*", users_delete},
	{"POST", "/auth/token", auth_token},
	{"POST", "/auth/refresh_token", auth_refresh_token},
	{"GET", "/openapi.json", docs_openapi},
	{"GET", "/docs", docs_swagger_ui},
	{"GET", "/docs/oauth2-redirect", docs_oauth2_redirect},
	{"GET", "/redoc", docs_redoc},
};

/* Length of path without one trailing slash (the root keeps its slash). */
static size_t path_len_trimmed(const char *path)
{
	size_t n = strlen(path);
	return n > 1 && path[n - 1] == '/' ? n - 1 : n;
}

/* Whether path[0..n) matches pattern; fills the "*" segment into c. */
static bool route_matches(const char *pattern, const char *path, size_t n, struct ctx *c)
{
	const char *star = strchr(pattern, '*');
	if (!star)
		return strlen(pattern) == n && memcmp(pattern, path, n) == 0;
	size_t prefix = (size_t)(star - pattern);
	if (n <= prefix || memcmp(pattern, path, prefix) != 0)
		return false;
	const char *seg = path + prefix;
	size_t seg_len = n - prefix;
	if (memchr(seg, '/', seg_len))
		return false;
	c->path_arg = seg;
	c->path_arg_len = seg_len;
	return true;
}

static void answer_not_allowed(struct response *res, const char *allow)
{
	http_error(res, 405, "Method Not Allowed");
	http_header(res, "Allow", allow);
}

static void dispatch(struct app *app, const struct request *req, struct response *res)
{
	struct ctx c = {.app = app, .req = req, .res = res};
	size_t n = path_len_trimmed(req->path);
	char allow[64] = "";
	size_t allow_len = 0;
	for (size_t i = 0; i < sizeof routes / sizeof *routes; i++) {
		if (!route_matches(routes[i].pattern, req->path, n, &c))
			continue;
		if (strcmp(routes[i].method, req->method) == 0) {
			c.route = routes[i].pattern;
			routes[i].handler(&c);
			return;
		}
		allow_len += (size_t)snprintf(allow + allow_len, sizeof allow - allow_len, "%s%s",
					      allow_len ? ", " : "", routes[i].method);
	}
	if (allow_len)
		answer_not_allowed(res, allow);
	else
		http_error(res, 404, "Not Found");
}

void router_dispatch(struct app *app, const struct request *req, struct response *res)
{
	size_t n = strlen(req->path);
	if (utf8_valid(req->path, n)) {
		dispatch(app, req, res);
		return;
	}
	/* uvicorn decodes a path with errors="replace": so do we, for the 422s. */
	struct request copy = *req;
	struct buf path;
	buf_init(&path);
	utf8_add_replacing(&path, req->path, n);
	copy.path = buf_cstr(&path);
	dispatch(app, &copy, res);
	buf_free(&path);
}

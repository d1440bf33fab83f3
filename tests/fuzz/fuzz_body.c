/* fuzz_body.c -- request body validation, end to end through router_dispatch:
 * the JSON bodies of POST /users/ and PUT /users/{id}, the login form of
 * POST /auth/token, the todo bodies of POST /todos/ (TodoSchema) and PATCH
 * /todos/{id} (TodoUpdate).
 *
 * A body is checked for UTF-8, parsed as JSON (or as a form) according to
 * its Content-Type, then its fields are read and checked (strings, EmailStr,
 * TodoState, maximum lengths, null in a PATCH) and every problem goes into
 * one 422 answer that echoes the input back. Inputs that pass reach the store
 * (a temporary SQLite database, see common.h): 201, 409 for a taken username
 * or email, 200 on update, a token on login, 200 and the todo, 404 for
 * another user's todo. Password hashing is faked at link time so that they
 * cost nothing; the database is put back after each request that changed it.
 *
 * The first input byte b picks the request, the rest is the body:
 *   b % 4 + 4 * ((b / 32) % 2):
 *                 0 POST /users/, 1 PUT /users/2 (as user 2: may update),
 *                 2 PUT /users/1 (as user 2: 403 once valid),
 *                 3 POST /auth/token, 4 POST /todos/ (as user 2),
 *                 5 PATCH /todos/1 (user 2's todo, as user 2),
 *                 6 PATCH /todos/2 (user 1's: 404 once valid),
 *                 7 PATCH /todos/x (a path that is no id: 422 with the body's);
 *   (b / 4) % 8:  the Content-Type: none, application/json, application/json
 *                 with a charset, application/problem+json, text/plain,
 *                 application/x-www-form-urlencoded (plain, then odd case
 *                 with a parameter), multipart/form-data.
 * Each answer must pass the checks of fuzz_dispatch (a status the API
 * uses, UTF-8 JSON body, well-formed headers). */
#include <stdbool.h>
#include <string.h>

#include "common.h"

struct route {
	const char *method, *path;
	bool as_user;
};

static const struct route routes[8] = {
	{"POST", "/users/", false},     {"PUT", "/users/2", true},   {"PUT", "/users/1", true},
	{"POST", "/auth/token", false}, {"POST", "/todos/", true},   {"PATCH", "/todos/1", true},
	{"PATCH", "/todos/2", true},    {"PATCH", "/todos/x", true},
};

static const char *const content_types[8] = {
	NULL,
	"application/json",
	"application/json; charset=utf-8",
	"application/problem+json",
	"text/plain",
	"application/x-www-form-urlencoded",
	"Application/X-WWW-Form-Urlencoded ; charset=utf-8",
	"multipart/form-data; boundary=x",
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0)
		return 0;
	const struct route *r = &routes[data[0] % 4 + 4 * ((data[0] / 32) % 2)];
	struct request req = {
		.method = r->method,
		.path = r->path,
		.query = "",
		.content_type = content_types[(data[0] / 4) % 8],
		.authorization = r->as_user ? fuzz_bearer() : NULL,
		.request_id = "fuzz",
		.body = (const char *)data + 1,
		.body_len = size - 1,
	};
	struct response res;
	response_init(&res);
	fuzz_dispatch(&req, &res);
	response_free(&res);
	return 0;
}

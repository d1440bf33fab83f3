/* fuzz_path.c -- path and query parsing: router_dispatch on any request line.
 *
 * nginx passes the decoded path ($document_uri) and the raw query string;
 * the router matches the path against the route table (one trailing slash
 * ignored, "*" a segment), GET /users/{user_id} reads the segment as an
 * integer, GET /users/ decodes offset and limit from the query, GET /todos/
 * the filter (offset, limit, title, description, state), PATCH and DELETE
 * /todos/{todo_id} the segment. Each input is "METHOD /path?query" or just
 * "/path?query" (method GET): the first space splits off a method when the
 * text before it is a word of letters, the first '?' splits path from query,
 * a NUL ends everything (a FastCGI parameter cannot hold one). The request
 * carries no body, so no route hashes a password, and no Authorization but
 * under /todos, whose routes read their path and query only for a caller:
 * there user 2's token (see common.h).
 *
 * The application is the real one on a temporary SQLite database (see
 * common.h); each answer must have a status the API uses, well-formed extra
 * headers and, when JSON, a body that is UTF-8 JSON. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"

/* Length of the method word before the first space, or 0 when there is none. */
static size_t method_len(const char *s)
{
	size_t n = 0;
	while (isalpha((unsigned char)s[n]))
		n++;
	return n > 0 && n <= 16 && s[n] == ' ' ? n : 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *line = fuzz_cstr(data, size), *target = line, *query;
	struct request req = {.method = "GET", .query = "", .request_id = "fuzz", .body = ""};
	struct response res;
	size_t m = method_len(line);
	if (m) {
		line[m] = '\0';
		req.method = line;
		target = line + m + 1;
	}
	if ((query = strchr(target, '?'))) {
		*query++ = '\0';
		req.query = query;
	}
	req.path = target;
	if (strncmp(target, "/todos", 6) == 0)
		req.authorization = fuzz_bearer();
	response_init(&res);
	fuzz_dispatch(&req, &res);
	response_free(&res);
	free(line);
	return 0;
}

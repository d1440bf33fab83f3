/* test_router.c -- matching requests against the route table: whole
 * segments, one trailing slash ignored, 404 and 405 with every method of the
 * path in Allow. Only answers that reach no storage are dispatched here. */
#include "../../src/routes/router.h"
#include "unit.h"

static struct response res;

static int64_t hash_deadline_ms; /* the gate's deadline for the request (0: none) */

/* Dispatches METHOD PATH; the status, and the headers in res. */
static int dispatch(const char *method, const char *path)
{
	struct app app = {.gate = {.place = -1, .deadline_ms = hash_deadline_ms}};
	struct request req = {.method = method, .path = path, .query = "", .request_id = "-", .body = ""};
	response_reset(&res);
	router_dispatch(&app, &req, &res);
	return res.status;
}

static void test_exact_paths_and_one_trailing_slash(void)
{
	CHECK(dispatch("GET", "/") == 200);
	CHECK(dispatch("GET", "/exercicio-html") == 200);
	CHECK(dispatch("GET", "/exercicio-html/") == 200);
	CHECK(dispatch("GET", "/exercicio-html//") == 404);
	CHECK(dispatch("GET", "/exercicio") == 404);
	CHECK(dispatch("GET", "/exercicio-htmlx") == 404);
}

static void test_a_parameter_is_one_whole_segment(void)
{
	CHECK(dispatch("PATCH", "/users/5") == 405);
	CHECK_STR(buf_cstr(&res.headers), "Allow: GET, PUT, DELETE\r\n");
	CHECK(dispatch("PATCH", "/users/5/") == 405);
	CHECK(dispatch("PATCH", "/users/5/todos") == 404);
	CHECK(dispatch("PATCH", "/users//") == 404);
}

static void test_405_lists_every_method_of_the_path(void)
{
	CHECK(dispatch("PATCH", "/users") == 405);
	CHECK_STR(buf_cstr(&res.headers), "Allow: POST, GET\r\n");
	CHECK(dispatch("GET", "/auth/token") == 405);
	CHECK_STR(buf_cstr(&res.headers), "Allow: POST\r\n");
	CHECK(dispatch("POST", "/") == 405);
	CHECK_STR(buf_cstr(&res.headers), "Allow: GET\r\n");
}

/* A request of the routes that hash which waited past HASH_QUEUE_TIMEOUT is
 * answered before its handler runs (which would need the storage this app
 * does not have); other routes are not held to it. */
static void test_a_hashing_route_past_its_queue_budget_is_503(void)
{
	hash_deadline_ms = 1; /* long past */
	CHECK(dispatch("POST", "/auth/token") == 503);
	CHECK_STR(buf_cstr(&res.body), "{\"detail\":\"Service Unavailable\"}");
	CHECK_STR(buf_cstr(&res.headers), "Retry-After: 1\r\n");
	CHECK(dispatch("POST", "/users/") == 503);
	CHECK(dispatch("PUT", "/users/1") == 503);
	CHECK(dispatch("GET", "/") == 200);
	CHECK(dispatch("PATCH", "/auth/token") == 405);
	hash_deadline_ms = 0;
}

static void test_the_table_as_text(void)
{
	struct buf b;
	buf_init(&b);
	router_write_table(&b);
	CHECK(strstr(buf_cstr(&b), "GET /users/{user_id} main\n") != NULL);
	CHECK(strstr(buf_cstr(&b), "GET /docs main hidden\n") != NULL);
	buf_reset(&b);
	router_write_nginx_map(&b);
	CHECK(strstr(buf_cstr(&b), "\t\"~^PUT /users/[^/]+/?$\" fast_zero_hash;\n") != NULL);
	CHECK(strstr(buf_cstr(&b), "\t\"~^POST \" fast_zero_once;\n\t\"~^PATCH \" fast_zero_once;\n}\n") !=
	      NULL);
	CHECK(strstr(buf_cstr(&b), "\t\"~^GET /todos/?$\" fast_zero_list;\n") != NULL);
	CHECK(strstr(buf_cstr(&b), "PATCH /todos") == NULL); /* the PATCH catch-all's lane */
	buf_free(&b);
}

int main(void)
{
	response_init(&res);
	RUN(test_exact_paths_and_one_trailing_slash);
	RUN(test_a_parameter_is_one_whole_segment);
	RUN(test_405_lists_every_method_of_the_path);
	RUN(test_a_hashing_route_past_its_queue_budget_is_503);
	RUN(test_the_table_as_text);
	response_free(&res);
	return unit_done();
}

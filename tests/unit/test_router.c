/* test_router.c -- matching requests against the route table: whole
 * segments, one trailing slash ignored, 404 and 405 with every method of the
 * path in Allow. Only answers that reach no storage are dispatched here. */
#include "../../src/app.h"
#include "unit.h"

static struct response res;

/* Dispatches METHOD PATH; the status, and the headers in res. */
static int dispatch(const char *method, const char *path)
{
	struct app app = {0};
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
	CHECK(strstr(buf_cstr(&b), "\t\"~^POST \" fast_zero_once;\n}\n") != NULL);
	buf_free(&b);
}

int main(void)
{
	response_init(&res);
	RUN(test_exact_paths_and_one_trailing_slash);
	RUN(test_a_parameter_is_one_whole_segment);
	RUN(test_405_lists_every_method_of_the_path);
	RUN(test_the_table_as_text);
	response_free(&res);
	return unit_done();
}

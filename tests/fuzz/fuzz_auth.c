/* fuzz_auth.c -- the Authorization header: the Bearer split and the token
 * check, end to end through router_dispatch.
 *
 * current_user_or_reply (src/routes/common.c) takes the header as the
 * client sent it, splits the scheme from the token (bearer_token), checks
 * the token (token_subject, libjwt) and looks its subject up in the store.
 * The input is the header's value, cut at its first NUL (a FastCGI
 * parameter cannot hold one). Each input is sent to:
 *   POST /auth/refresh_token  (200 a new token, or 401),
 *   PUT /users/2 with user 2's own fields (200, or 401/403),
 *   DELETE /users/2           (200, or 401/403);
 * the database is put back after a request that changed it (see common.h).
 * Settings: SECRET_KEY "k", HS256; the seeds hold valid tokens for
 * fuzz@example.com (user 2) and other@example.com (user 1) that expire in
 * 2100. Each answer must pass the checks of fuzz_dispatch; a token that
 * passes must be one signed with the key, so a 200 for an input that is
 * not "Bearer <token>" (scheme in any case) is a failure. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common.h"

static const char own_fields[] =
	"{\"username\":\"fuzz\",\"email\":\"" FUZZ_USER_EMAIL "\",\"password\":\"" FUZZ_USER_PASSWORD "\"}";

static void send_request(const char *method, const char *path, const char *body, const char *authorization)
{
	struct request req = {.method = method,
			      .path = path,
			      .query = "",
			      .request_id = "fuzz",
			      .content_type = "application/json",
			      .authorization = authorization,
			      .body = body,
			      .body_len = strlen(body)};
	struct response res;
	response_init(&res);
	fuzz_dispatch(&req, &res);
	if (res.status == 200)
		FUZZ_CHECK(strncasecmp(authorization, "bearer ", 7) == 0);
	response_free(&res);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *authorization = fuzz_cstr(data, size);
	send_request("POST", "/auth/refresh_token", "", authorization);
	send_request("PUT", "/users/2", own_fields, authorization);
	send_request("DELETE", "/users/2", "", authorization);
	free(authorization);
	return 0;
}

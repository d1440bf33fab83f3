/* common.c -- what several handlers share: who is calling, how a storage
 * failure is answered, how a user and a token are written. */
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "../log.h"
#include "../scoreboard.h"
#include "../settings.h"
#include "routes.h"

/* The token of an "Authorization: Bearer <token>" header (scheme in any
 * case, as FastAPI's OAuth2PasswordBearer); NULL when there is none. */
static const char *bearer_token(const char *authorization)
{
	if (!authorization || !*authorization)
		return NULL;
	const char *space = strchr(authorization, ' ');
	size_t scheme_len = space ? (size_t)(space - authorization) : strlen(authorization);
	if (scheme_len != 6 || strncasecmp(authorization, "bearer", 6) != 0)
		return NULL;
	return space ? space + 1 : "";
}

bool current_user_or_reply(struct ctx *c, struct user *me)
{
	const char *token = bearer_token(c->req->authorization);
	struct buf subject;
	enum store_status status = STORE_NOT_FOUND;
	if (!token) {
		http_error(c->res, 401, "Not authenticated");
		return false;
	}
	buf_init(&subject);
	if (token_subject(c->app->settings, token, time(NULL), &subject))
		status = store_user_by_email(c->app->store, subject.data, subject.len, me);
	buf_free(&subject);
	if (status == STORE_OK)
		return true;
	if (status == STORE_NOT_FOUND)
		http_error(c->res, 401, "Could not validate credentials");
	else
		reply_store_failure(c, status);
	return false;
}

void reply_store_failure(struct ctx *c, enum store_status status)
{
	scoreboard_store_error((int)status);
	if (status == STORE_UNSTORABLE) {
		log_info("request %s: %s", c->req->request_id, store_last_error(c->app->store));
		http_error(c->res, 422, "The database cannot store this value");
		return;
	}
	if (status == STORE_TIMEOUT) {
		log_error("request %s: %s %s: stopped at the time limit (REQUEST_TIMEOUT=%ld ms)",
			  c->req->request_id, c->req->method, c->route, c->app->settings->request_timeout_ms);
		http_error(c->res, 503, "Service Unavailable");
		return;
	}
	if (status == STORE_BUSY || status == STORE_UNAVAILABLE) {
		log_error("request %s: storage %s: %s", c->req->request_id,
			  status == STORE_BUSY ? "busy" : "unavailable", store_last_error(c->app->store));
		http_error(c->res, 503, "Service Unavailable");
		return;
	}
	char what[512];
	snprintf(what, sizeof what, "storage failed: %s", store_last_error(c->app->store));
	http_internal_error(c->res, c->req, what);
}

void user_write(struct buf *b, const struct user *u)
{
	buf_adds(b, "{\"id\":");
	json_add_int(b, u->id);
	buf_adds(b, ",\"username\":");
	json_add_str(b, u->username, u->username_len);
	buf_adds(b, ",\"email\":");
	json_add_str(b, u->email, u->email_len);
	buf_addc(b, '}');
}

void reply_token(struct ctx *c, const char *email)
{
	struct buf token;
	buf_init(&token);
	if (token_make(c->app->settings, email, time(NULL), &token) == 0) {
		struct buf *b = http_json(c->res, 200);
		buf_adds(b, "{\"access_token\":");
		json_add_str(b, token.data, token.len);
		buf_adds(b, ",\"token_type\":\"bearer\"}");
	} else {
		http_internal_error(c->res, c->req, "token could not be made");
	}
	buf_free(&token);
}

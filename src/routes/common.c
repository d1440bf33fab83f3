/* common.c -- what several handlers share: who is calling, how a storage
 * failure is answered, how a user and a token are written. */
#include <stdio.h>
#include <string.h>
#include <stdio.h>
#include <strings.h>
#include <time.h>

#include "../clock.h"
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

/* The token's claims held against the account: valid, and not older than
 * the account or its last password change (see token_fresh). */
static enum store_status token_user(struct ctx *c, const char *token, struct user *me, int64_t *session)
{
	struct token_claims claims;
	enum store_status status = STORE_NOT_FOUND;
	token_claims_init(&claims);
	if (token_read(c->app->settings, token, time(NULL), &claims))
		status = store_user_by_email(c->app->store, claims.subject.data, claims.subject.len, me);
	if (status == STORE_OK && !token_fresh(&claims, me->created_ms, me->password_changed_ms))
		status = STORE_NOT_FOUND;
	if (session)
		*session = token_session_start(&claims);
	token_claims_free(&claims);
	return status;
}

bool current_user_or_reply(struct ctx *c, struct user *me, int64_t *session)
{
	const char *token = bearer_token(c->req->authorization);
	if (!token) {
		http_error(c->res, 401, "Not authenticated");
		return false;
	}
	enum store_status status = token_user(c, token, me, session);
	if (status == STORE_OK)
		return true;
	if (status == STORE_NOT_FOUND)
		http_error(c->res, 401, "Could not validate credentials");
	else
		reply_store_failure(c, status);
	return false;
}

/* The request's turn at the hashing gate (gate.h): 429 when its address
 * holds its share of the gate's places while others wait, 503 when its turn
 * would come past HASH_QUEUE_TIMEOUT; both with Retry-After. */
static bool turn_or_reply(struct ctx *c)
{
	enum gate_turn turn = hash_gate_enter(&c->app->gate, true);
	if (turn == GATE_TURN)
		return true;
	if (turn == GATE_OVER_SHARE) {
		http_error(c->res, 429, "Too Many Requests");
		http_header(c->res, "Retry-After", "1");
	} else {
		http_error(c->res, 503, "Service Unavailable");
	}
	return false;
}

bool throttle_or_reply(struct ctx *c, const struct throttle_rule *rule, const char *key, size_t len)
{
	const struct settings *s = c->app->settings;
	char seconds[24];
	if (!s->rate_limit || (rule == &throttle_login && !s->login_rate_limit))
		return turn_or_reply(c);
	int wait = throttle_take(&throttle_address, c->req->remote_addr, strlen(c->req->remote_addr));
	if (wait == 0 && rule)
		wait = throttle_take(rule, key, len);
	if (wait == 0)
		return turn_or_reply(c);
	http_error(c->res, 429, "Too Many Requests");
	snprintf(seconds, sizeof seconds, "%d", wait);
	http_header(c->res, "Retry-After", seconds);
	return false;
}

/* The storage failures that come in floods, instantly (every request fails
 * the same way while the database is away or locked, or a client sends what
 * it cannot store): said once, then counted. A request stopped at its time
 * limit has taken that long: those are rare enough to be said each time. */
static struct log_flood unstorable = {.what = "values the database cannot store", .level = "info"};
static struct log_flood busy = {.what = "requests answered 503 (storage busy)"};
static struct log_flood unavailable = {.what = "requests answered 503 (storage unavailable)"};

void reply_store_failure(struct ctx *c, enum store_status status)
{
	scoreboard_store_error((int)status);
	if (status == STORE_UNSTORABLE) {
		log_flood(&unstorable, "request %s: %s", c->req->request_id, store_last_error(c->app->store));
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
		log_flood(status == STORE_BUSY ? &busy : &unavailable, "request %s: storage %s: %s",
			  c->req->request_id, status == STORE_BUSY ? "busy" : "unavailable",
			  store_last_error(c->app->store));
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

void reply_token(struct ctx *c, const char *email, int64_t session)
{
	struct buf token;
	int64_t now_ms = clock_unix_ms();
	time_t now = (time_t)(now_ms / 1000);
	buf_init(&token);
	if (session < 0) /* a login, or a token that does not say (PyJWT's): it begins now */
		session = now_ms;
	if (token_expiry(c->app->settings, now, session) <= now) {
		http_error(c->res, 401, "Could not validate credentials"); /* SESSION_MAX_HOURS are over */
	} else if (token_make(c->app->settings, email, now, session, &token) == 0) {
		struct buf *b = http_json(c->res, 200);
		buf_adds(b, "{\"access_token\":");
		json_add_str(b, token.data, token.len);
		buf_adds(b, ",\"token_type\":\"bearer\"}");
	} else {
		http_internal_error(c->res, c->req, "token could not be made");
	}
	buf_free(&token);
}

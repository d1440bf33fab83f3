/* common.c -- what several handlers share: who is calling, how a storage
 * failure is answered, how a user and a token are written. */
#include <stdio.h>
#include <string.h>
#include <stdio.h>
#include <strings.h>
#include <time.h>

#include "base/clock.h"
#include "base/log.h"
#include "base/scoreboard.h"
#include "base/settings.h"
#include "routes/routes.h"
#include "compat/json_write.h"

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

/* The token's claims held against the account: valid, granted against the
 * hash stored now, and not older than the account or its last password
 * change (see token_fresh). */
static enum store_status token_user(struct ctx *c, const char *token, struct user *me, int64_t *session)
{
	struct token_claims claims;
	char tag[PASSWORD_TAG_LEN + 1];
	enum store_status status = STORE_NOT_FOUND;
	token_claims_init(&claims);
	if (token_read(c->app->settings, token, time(NULL), &claims))
		status = store_user_by_email(c->app->store, claims.subject.data, claims.subject.len, me);
	if (status == STORE_OK) {
		password_tag(c->app->settings, me->password_hash, tag);
		if (!token_fresh(&claims, me->created_ms, me->password_changed_ms, tag))
			status = STORE_NOT_FOUND;
	}
	if (session)
		*session = token_session_start(&claims);
	token_claims_free(&claims);
	return status;
}

/* Who is calling: STORE_OK with me (and session); STORE_NOT_FOUND when the
 * token opens no account, *no_token set when there is none at all; or why
 * the store failed. */
static enum store_status caller(struct ctx *c, struct user *me, int64_t *session, bool *no_token)
{
	const char *token = bearer_token(c->req->authorization);
	*no_token = !token;
	return token ? token_user(c, token, me, session) : STORE_NOT_FOUND;
}

static void reply_not_caller(struct ctx *c, enum store_status status, bool no_token)
{
	if (no_token)
		http_error(c->res, 401, "Not authenticated");
	else if (status == STORE_NOT_FOUND)
		http_error(c->res, 401, "Could not validate credentials");
	else
		reply_store_failure(c, status);
}

bool current_user_or_reply(struct ctx *c, struct user *me, int64_t *session)
{
	bool no_token;
	enum store_status status = caller(c, me, session, &no_token);
	if (status == STORE_OK)
		return true;
	reply_not_caller(c, status, no_token);
	return false;
}

const char *write_key(const struct ctx *c, char out[WRITE_KEY_MAX])
{
	const char *token = bearer_token(c->req->authorization);
	unsigned char digest[32];
	size_t n = strlen(c->req->request_id);
	if (!token || !*token || strcmp(c->req->request_id, "-") == 0 || n > 64)
		return NULL;
	secret_digest(c->app->settings, "fast_zero write token", token, strlen(token), digest);
	memcpy(out, c->req->request_id, n);
	out[n++] = ' ';
	for (int i = 0; i < 8; i++, n += 2) /* 16 hex digits of the token's tag */
		snprintf(out + n, WRITE_KEY_MAX - n, "%02x", digest[i]);
	return out;
}

bool written_already(struct ctx *c)
{
	int64_t path_id, done = 0;
	char key[WRITE_KEY_MAX];
	return write_key(c, key) && c->path_arg && parse_int(c->path_arg, c->path_arg_len, &path_id) &&
	       store_write_done(c->app->store, key, &done) == STORE_OK && done == path_id;
}

bool writer_or_reply(struct ctx *c, struct user *me, bool *again)
{
	bool no_token;
	enum store_status status = caller(c, me, NULL, &no_token);
	*again = false;
	if (status == STORE_OK)
		return true;
	if (status == STORE_NOT_FOUND && !no_token && written_already(c))
		*again = true;
	else
		reply_not_caller(c, status, no_token);
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

/* Spends one request of key's budget under rule: in the store when it keeps
 * budgets for every host and the rule protects an account, else in the
 * pool's shared memory. 0, the seconds to wait, or -1 when the store failed
 * (answered). */
static int take_budget(struct ctx *c, const struct throttle_rule *rule, const char *key, size_t len)
{
	unsigned char digest[32];
	int wait = 0;
	if (!rule->shared || !store_keeps_budgets(c->app->store))
		return throttle_take(rule, key, len);
	secret_digest(c->app->settings, rule->name, key, len, digest);
	enum store_status status =
		store_budget_take(c->app->store, digest, rule->burst, rule->interval_ms, &wait);
	if (status == STORE_OK)
		return wait;
	reply_store_failure(c, status);
	return -1;
}

bool throttle_or_reply(struct ctx *c, const struct throttle_rule *rule, const char *key, size_t len)
{
	const struct settings *s = c->app->settings;
	char seconds[24], address[THROTTLE_ADDRESS_MAX];
	if (!s->rate_limit || (rule && rule->login && !s->login_rate_limit))
		return turn_or_reply(c);
	throttle_address_key(c->req->remote_addr, address);
	int wait = throttle_take(&throttle_address, address, strlen(address));
	if (wait == 0 && rule)
		wait = take_budget(c, rule, key, len);
	if (wait == 0)
		return turn_or_reply(c);
	if (wait < 0)
		return false;
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

/* The last short list this worker answered, kept to answer the same list
 * again while the data has not changed. */
static struct list_cache {
	struct buf key;   /* which list: its route, caller and page, as the handler wrote them */
	uint64_t version; /* store_data_version() before it was read; 0: empty */
	struct buf body;
} list_cache;

void lists_forget(void)
{
	buf_free(&list_cache.key);
	buf_free(&list_cache.body);
	list_cache = (struct list_cache){0};
}

void reply_cheap_list(struct ctx *c, const char *key, size_t len, void (*reply)(void *arg), void *arg)
{
	struct list_cache *k = &list_cache;
	const struct response *res = c->res;
	uint64_t version = store_data_version(c->app->store);
	if (version && version == k->version && k->key.len == len && memcmp(k->key.data, key, len) == 0) {
		buf_add(http_json(c->res, 200), k->body.data, k->body.len);
		return;
	}
	reply(arg);
	k->version = 0;
	if (!version || res->status != 200 || res->streaming || !buf_ok(&res->body))
		return;
	buf_reset(&k->key);
	buf_add(&k->key, key, len);
	buf_reset(&k->body);
	buf_add(&k->body, res->body.data, res->body.len);
	if (buf_ok(&k->key) && buf_ok(&k->body))
		k->version = version;
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

void reply_token(struct ctx *c, const char *email, int64_t session, const char *phc)
{
	struct buf token;
	char tag[PASSWORD_TAG_LEN + 1];
	int64_t now_ms = clock_unix_ms();
	time_t now = (time_t)(now_ms / 1000);
	buf_init(&token);
	if (session < 0) /* a login, or a token that does not say (PyJWT's): it begins now */
		session = now_ms;
	password_tag(c->app->settings, phc, tag);
	if (token_expiry(c->app->settings, now, session) <= now) {
		http_error(c->res, 401, "Could not validate credentials"); /* SESSION_MAX_HOURS are over */
	} else if (token_make(c->app->settings, email, now, session, tag, &token) == 0) {
		struct buf *b = http_json(c->res, 200);
		buf_adds(b, "{\"access_token\":");
		json_add_str(b, token.data, token.len);
		buf_adds(b, ",\"token_type\":\"bearer\"}");
	} else {
		http_internal_error(c->res, c->req, "token could not be made");
	}
	buf_free(&token);
}

/* auth.c -- /auth: the OAuth2 password login and the token refresh. */
#include <stdio.h>
#include <string.h>

#include "routes/audit.h"
#include "compat/email.h"
#include "base/log.h"
#include "base/scoreboard.h"
#include "routes/routes.h"
#include "compat/json_write.h"

/* The OAuth2 password form, in OAuth2PasswordRequestForm's field order. */
struct login_form {
	struct form form;
	const char *username, *password;
	size_t username_len, password_len;
};

/* A form field as FastAPI reads one: an empty value counts as missing. */
static const char *form_field(const struct form *f, const char *name, size_t *len)
{
	const char *v = form_get(f, name, len);
	return v && *len ? v : NULL;
}

static void require_field(struct problems *p, const struct form *f, const char *name, const char **out,
			  size_t *len)
{
	char loc[48];
	if ((*out = form_field(f, name, len)))
		return;
	snprintf(loc, sizeof loc, "\"body\",\"%s\"", name);
	problem_add(p, "missing", loc, "Field required", "null", 4, NULL);
}

static void check_grant_type(struct problems *p, const struct form *f)
{
	size_t len;
	const char *grant = form_field(f, "grant_type", &len);
	if (!grant || (len == 8 && memcmp(grant, "password", 8) == 0))
		return;
	buf_reset(&p->input);
	json_add_str(&p->input, grant, len);
	problem_add(p, "string_pattern_mismatch", "\"body\",\"grant_type\"",
		    "String should match pattern '^password$'", p->input.data, p->input.len,
		    "{\"pattern\":\"^password$\"}");
}

/* The form as Starlette's request.form() reads it: urlencoded or multipart,
 * any other type an empty form. */
static void read_form(struct ctx *c, struct form *f)
{
	const char *ct = c->req->content_type;
	if (http_media_type_is(ct, "application/x-www-form-urlencoded"))
		form_parse(f, c->req->body, c->req->body_len);
	else if (http_media_type_is(ct, "multipart/form-data"))
		form_parse_multipart(f, c->req->body, c->req->body_len, ct);
}

static bool login_form_or_reply(struct ctx *c, struct login_form *l)
{
	struct problems p;
	problems_init(&p);
	read_form(c, &l->form);
	check_grant_type(&p, &l->form);
	require_field(&p, &l->form, "username", &l->username, &l->username_len);
	require_field(&p, &l->form, "password", &l->password, &l->password_len);
	bool answered = problems_reply(&p, c);
	problems_free(&p);
	return !answered;
}

/* The email as registration stores it (domain lower-cased), so that
 * alice@EXAMPLE.com logs in as alice@example.com; one that is not an email
 * address is looked up as sent, and so is not found. */
static void login_email(const struct login_form *l, struct buf *email)
{
	struct buf reason;
	buf_init(&reason);
	if (!email_check(l->username, l->username_len, email, &reason)) {
		buf_reset(email);
		buf_add(email, l->username, l->username_len);
	}
	buf_cstr(email);
	buf_free(&reason);
}

/* The account a login names, copied out of the store (its strings last
 * only until the store's next call): found or not, its id, stored email and
 * password hash (and that hash's tag), and whether the client's address
 * (its budget key) has logged in to it with that password before. */
struct account {
	bool found, known_address;
	int64_t id;
	struct buf email, hash;
	char tag[PASSWORD_TAG_LEN + 1];
	char address[THROTTLE_ADDRESS_MAX];
};

static void account_init(struct account *a)
{
	*a = (struct account){0};
	buf_init(&a->email);
	buf_init(&a->hash);
}

static void account_free(struct account *a)
{
	buf_free(&a->email);
	buf_free(&a->hash);
}

/* The account with this email, copied (check buf_ok on its strings), and
 * whether the client's address is one it remembers; STORE_OK also when
 * there is none (a->found false: the lookup of the address is made anyway,
 * for the same time), or why the store failed. */
static enum store_status read_account(struct ctx *c, const struct buf *email, struct account *a)
{
	struct user u;
	throttle_address_key(c->req->remote_addr, a->address);
	enum store_status status = store_user_by_email(c->app->store, email->data, email->len, &u);
	if (status != STORE_OK && status != STORE_NOT_FOUND)
		return status;
	if (status == STORE_OK) {
		a->found = true;
		a->id = u.id;
		buf_add(&a->email, u.email, u.email_len);
		buf_cstr(&a->email);
		buf_adds(&a->hash, u.password_hash);
		buf_cstr(&a->hash);
		password_tag(c->app->settings, u.password_hash, a->tag);
	}
	return store_login_address_known(c->app->store, a->id, a->address, a->tag, &a->known_address);
}

/* The login's budget: the email's, or, from an address the account
 * remembers, the (email, address) pair's own, which no other address
 * spends. false when it answered (429, or the store's failure). */
static bool login_budget_or_reply(struct ctx *c, const struct account *a, const struct buf *email)
{
	struct buf key;
	if (!a->known_address)
		return throttle_or_reply(c, &throttle_login, email->data, email->len);
	buf_init(&key);
	buf_add(&key, email->data, email->len);
	buf_addc(&key, '\n');
	buf_adds(&key, a->address);
	bool ok = throttle_or_reply(c, &throttle_login_known, key.data, key.len);
	buf_free(&key);
	return ok;
}

/* After a successful login: the client's address is remembered for the
 * account (with the tag of the hash it verified against). A failure only
 * costs the address its own budget next time: logged, not answered. */
static void remember_address(struct ctx *c, const struct account *a)
{
	enum store_status status = store_login_address_remember(c->app->store, a->id, a->address, a->tag);
	if (status != STORE_OK)
		log_info("request %s: the login's address is not remembered: %s", c->req->request_id,
			 store_last_error(c->app->store));
}

/* Verifies the password of the login of a (against a dummy hash when it
 * was not found), counted and audited, and answers a token bound to the
 * hash it was verified against, or 401. */
static void verify(struct ctx *c, const struct account *a, const struct login_form *l,
		   const struct buf *email)
{
	const char *hash = a->found ? a->hash.data : NULL;
	if (password_verify(&c->app->gate, hash, l->password, l->password_len)) {
		scoreboard_login(SB_LOGIN_SUCCESS);
		audit_login(c, email->data, email->len, a->id, NULL);
		remember_address(c, a);
		reply_token(c, a->email.data, -1, a->hash.data);
	} else {
		scoreboard_login(hash ? SB_LOGIN_BAD_PASSWORD : SB_LOGIN_UNKNOWN_EMAIL);
		audit_login(c, email->data, email->len, a->id, hash ? "bad_password" : "unknown_email");
		http_error(c->res, 401, "Incorrect email or password");
	}
}

/* Verifies the password (against a dummy hash when the email is unknown, so
 * both failures take the same time) and answers a token or 401; 429 when the
 * account has spent its login budget (known or not: the answer says nothing
 * about which), or the client's address its own one for the account. */
static void log_in(struct ctx *c, const struct login_form *l)
{
	struct account a;
	struct buf email;
	buf_init(&email);
	account_init(&a);
	login_email(l, &email);
	enum store_status status = read_account(c, &email, &a);
	if (status != STORE_OK) {
		reply_store_failure(c, status);
	} else if (!buf_ok(&a.email) || !buf_ok(&a.hash)) {
		http_internal_error(c->res, c->req, "out of memory reading the account");
	} else if (!login_budget_or_reply(c, &a, &email)) {
		/* Throttled: a budget or the gate's share spent (429), or no turn
		 * at the gate within HASH_QUEUE_TIMEOUT (503, the request late);
		 * not a store failure. */
		if (c->res->status == 429 || (c->res->status == 503 && hash_gate_late(&c->app->gate))) {
			scoreboard_login(SB_LOGIN_THROTTLED);
			audit_login(c, email.data, email.len, a.id, "throttled");
		}
	} else {
		verify(c, &a, l, &email);
	}
	account_free(&a);
	buf_free(&email);
}

/* POST /auth/token: 200 {"access_token":..,"token_type":"bearer"};
 * 401 unknown email or wrong password; 422; 429; 500; 503. */
void auth_token(struct ctx *c)
{
	struct login_form l = {0};
	form_init(&l.form);
	if (login_form_or_reply(c, &l))
		log_in(c, &l);
	form_free(&l.form);
}

/* POST /auth/refresh_token: 200 a new token counted from now, in the same
 * session (never past SESSION_MAX_HOURS from its login); 401; 500; 503. */
void auth_refresh_token(struct ctx *c)
{
	struct user me;
	int64_t session;
	if (current_user_or_reply(c, &me, &session)) {
		audit_refresh(c, me.id);
		reply_token(c, me.email, session, me.password_hash);
	}
}

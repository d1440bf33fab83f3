/* users.c -- /users: register, list, read, update and delete users.
 *
 * Each handler follows FastAPI's order of checks: the body must be JSON (or
 * absent) before anything else, then the caller's token, then the path,
 * query and body fields, all reported together. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "routes/audit.h"
#include "base/lowprio.h"
#include "routes/routes.h"

/* One request's worth of UserSchema work: body, problems, the fields read,
 * the password hash; freed in one place. */
struct user_request {
	struct json_body body;
	struct problems problems;
	int64_t user_id;
	const char *username, *password;
	size_t username_len, password_len;
	struct buf email; /* normalised */
	struct buf hash;
	struct buf stored_hash; /* update: the caller's current hash */
};

static void user_request_init(struct user_request *r)
{
	*r = (struct user_request){0};
	problems_init(&r->problems);
	buf_init(&r->email);
	buf_init(&r->hash);
	buf_init(&r->stored_hash);
}

static void user_request_free(struct user_request *r)
{
	json_body_free(&r->body);
	problems_free(&r->problems);
	buf_free(&r->email);
	buf_free(&r->hash);
	buf_free(&r->stored_hash);
}

static void read_user_id(struct ctx *c, struct user_request *r)
{
	int_param(&r->problems, "path", "user_id", c->path_arg, c->path_arg_len, INT64_MIN, &r->user_id);
}

/* UserSchema: {"username": str, "email": EmailStr, "password": str}, each
 * bounded (ours; see the FIELD_ limits in validate.h). */
static void read_user_schema(struct ctx *c, struct user_request *r)
{
	struct problems *p = &r->problems;
	if (!body_is_object(p, c, &r->body))
		return;
	body_string(p, &r->body, "username", FIELD_USERNAME_MAX, &r->username, &r->username_len);
	body_email(p, &r->body, FIELD_EMAIL_MAX, &r->email);
	body_string(p, &r->body, "password", FIELD_PASSWORD_MAX, &r->password, &r->password_len);
}

static struct user_fields fields_of(const struct user_request *r)
{
	return (struct user_fields){
		.username = r->username,
		.username_len = r->username_len,
		.email = r->email.data,
		.email_len = r->email.len,
		.password_hash = r->hash.data,
	};
}

static bool hash_or_reply(struct ctx *c, struct user_request *r)
{
	const char *why = password_hash(&c->app->gate, r->password, r->password_len, &r->hash);
	char what[160];
	if (!why)
		return true;
	snprintf(what, sizeof what, "the password could not be hashed: %s", why);
	http_internal_error(c->res, c->req, what);
	return false;
}

static void reply_user(struct ctx *c, int status, int64_t id, const struct user_request *r)
{
	struct user u = {.id = id,
			 .username = r->username,
			 .username_len = r->username_len,
			 .email = r->email.data,
			 .email_len = r->email.len};
	user_write(http_json(c->res, status), &u);
}

static void create_user(struct ctx *c, struct user_request *r)
{
	struct user_fields f = fields_of(r);
	int64_t id = 0;
	enum store_status status = store_user_clash(c->app->store, &f, 0);
	if (status == STORE_OK) {
		if (!throttle_or_reply(c, NULL, NULL, 0) || !hash_or_reply(c, r))
			return;
		f.password_hash = r->hash.data;
		status = store_user_create(c->app->store, &f, &id);
	}
	if (status == STORE_OK) {
		audit_user_created(c, id);
		reply_user(c, 201, id, r);
	} else if (status == STORE_USERNAME_TAKEN)
		http_error(c->res, 409, "Username already exists");
	else if (status == STORE_EMAIL_TAKEN)
		http_error(c->res, 409, "Email already exists");
	else
		reply_store_failure(c, status);
}

/* POST /users/: 201 the new user; 409 username, else email, taken; 422; 400;
 * 429 the client address's hashing budget spent; 500; 503. */
void users_create(struct ctx *c)
{
	struct user_request r;
	user_request_init(&r);
	if (json_body_or_reply(c, &r.body)) {
		read_user_schema(c, &r);
		if (!problems_reply(&r.problems, c))
			create_user(c, &r);
	}
	user_request_free(&r);
}

struct user_list {
	struct ctx *c;
	int64_t offset, limit;
	size_t written;
};

static bool write_listed_user(const struct user *u, void *arg)
{
	struct user_list *l = arg;
	if (l->written++)
		buf_addc(&l->c->res->body, ',');
	user_write(&l->c->res->body, u);
	return http_stream(l->c->res);
}

/* {"users":[...]}, streamed as the rows are read. */
static void reply_user_list(void *arg)
{
	struct user_list *l = arg;
	struct buf *b = http_json(l->c->res, 200);
	buf_adds(b, "{\"users\":[");
	enum store_status status =
		store_user_list(l->c->app->store, l->offset, l->limit, write_listed_user, l);
	if (status != STORE_OK)
		reply_store_failure(l->c, status);
	else
		buf_adds(&l->c->res->body, "]}");
}

/* GET /users/?offset=0&limit=100: 200 {"users":[...]} by id; 422; 500; 503
 * (storage busy, or the time limit: then, if rows went already, the answer
 * is cut short). */
void users_list(struct ctx *c)
{
	struct problems p;
	struct form query;
	struct user_list l = {.c = c, .offset = 0, .limit = 100};
	size_t len;
	const char *v;
	problems_init(&p);
	form_init(&query);
	form_parse(&query, c->req->query, strlen(c->req->query));
	if ((v = form_get(&query, "offset", &len)))
		int_param(&p, "query", "offset", v, len, 0, &l.offset);
	if ((v = form_get(&query, "limit", &len)))
		int_param(&p, "query", "limit", v, len, 1, &l.limit);
	if (!problems_reply(&p, c)) {
		char key[64];
		int n = snprintf(key, sizeof key, "users %lld %lld", (long long)l.offset, (long long)l.limit);
		if (l.offset > LIST_CHEAP_ROWS - l.limit)
			lowprio_run(LOWPRIO_BULK, reply_user_list, &l);
		else
			reply_cheap_list(c, key, (size_t)n, reply_user_list, &l);
	}
	form_free(&query);
	problems_free(&p);
}

/* GET /users/{user_id}: 200 the user; 404; 422; 500; 503. */
void users_read(struct ctx *c)
{
	struct user_request r;
	struct user u;
	user_request_init(&r);
	read_user_id(c, &r);
	if (!problems_reply(&r.problems, c)) {
		enum store_status status = store_user_by_id(c->app->store, r.user_id, &u);
		if (status == STORE_OK)
			user_write(http_json(c->res, 200), &u);
		else if (status == STORE_NOT_FOUND)
			http_error(c->res, 404, "User not found");
		else
			reply_store_failure(c, status);
	}
	user_request_free(&r);
}

/* Which of username and email an update changes, for the audit log (names,
 * never values): "username,email", "username", "email" or "". */
static void changed_fields(const struct user *me, const struct user_request *r, char *out, size_t outsz)
{
	bool name = me->username_len != r->username_len ||
		    memcmp(me->username, r->username, r->username_len) != 0;
	bool email = me->email_len != r->email.len || memcmp(me->email, r->email.data, r->email.len) != 0;
	snprintf(out, outsz, "%s%s%s", name ? "username" : "", name && email ? "," : "",
		 email ? "email" : "");
}

/* 403 for a user id not the caller's (audited). */
static bool is_me_or_reply(struct ctx *c, int64_t my_id, int64_t user_id)
{
	if (my_id == user_id)
		return true;
	audit_forbidden(c, my_id, user_id);
	http_error(c->res, 403, "Not enough permissions");
	return false;
}

/* The hash to store: the current one when the password is the same (a PUT
 * that keeps it keeps the caller's tokens), else a new one, which dates the
 * change (older tokens are refused from then on). */
static bool new_hash_or_reply(struct ctx *c, struct user_request *r, struct user_fields *f)
{
	if (password_verify(&c->app->gate, buf_cstr(&r->stored_hash), r->password, r->password_len)) {
		f->password_hash = r->stored_hash.data;
		return true;
	}
	if (!hash_or_reply(c, r))
		return false;
	f->password_hash = r->hash.data;
	f->password_changed = true;
	return true;
}

static void update_user(struct ctx *c, struct user_request *r, const struct user *me)
{
	struct user_fields f = fields_of(r);
	int64_t my_id = me->id;
	char changed[32];
	if (!is_me_or_reply(c, my_id, r->user_id))
		return;
	changed_fields(me, r, changed, sizeof changed); /* me's text is gone after the next call */
	enum store_status status = store_user_clash(c->app->store, &f, my_id);
	f.expected_hash = buf_cstr(&r->stored_hash);
	if (status == STORE_OK) {
		char account[24], key[WRITE_KEY_MAX];
		int n = snprintf(account, sizeof account, "%lld", (long long)my_id);
		if (!throttle_or_reply(c, &throttle_update, account, (size_t)n) ||
		    !new_hash_or_reply(c, r, &f))
			return;
		status = store_user_update(c->app->store, my_id, &f, write_key(c, key));
	}
	if (status == STORE_OK) {
		if (f.password_changed)
			snprintf(changed + strlen(changed), sizeof changed - strlen(changed), "%spassword",
				 changed[0] ? "," : "");
		audit_user_updated(c, my_id, changed);
		reply_user(c, 200, my_id, r);
	} else if (status == STORE_USERNAME_TAKEN || status == STORE_EMAIL_TAKEN)
		http_error(c->res, 409, "Username or Email already exists");
	else if (status == STORE_NOT_FOUND && written_already(c)) /* a resent request, racing its first */
		reply_user(c, 200, my_id, r);
	else if (status ==
		 STORE_NOT_FOUND) /* deleted, or its password changed, since the token was checked */
		http_error(c->res, 401, "Could not validate credentials");
	else
		reply_store_failure(c, status);
}

/* Reads the path and the body, then updates me's account; with me NULL (a
 * request resent after the host that had written it died) answers what the
 * first time did. */
static void read_and_update(struct ctx *c, struct user_request *r, const struct user *me)
{
	read_user_id(c, r);
	read_user_schema(c, r);
	if (problems_reply(&r->problems, c))
		return;
	if (me)
		update_user(c, r, me);
	else
		reply_user(c, 200, r->user_id, r);
}

/* PUT /users/{user_id}: 200 the updated user; 401; 403 not the caller;
 * 409 username or email taken; 422; 400; 429 the account's update budget
 * spent; 500; 503. */
void users_update(struct ctx *c)
{
	struct user_request r;
	struct user me;
	bool again = false;
	user_request_init(&r);
	if (json_body_or_reply(c, &r.body) && writer_or_reply(c, &me, &again)) {
		buf_adds(&r.stored_hash, me.password_hash);
		read_and_update(c, &r, &me);
	} else if (again) {
		read_and_update(c, &r, NULL);
	}
	user_request_free(&r);
}

/* After a delete that removed nothing: the account is gone either way
 * (200), unless it is there with another hash than the one the caller's
 * token was checked against (a password change since: 401). */
static void reply_not_deleted(struct ctx *c, int64_t my_id)
{
	struct user u;
	enum store_status status = store_user_by_id(c->app->store, my_id, &u);
	if (status == STORE_NOT_FOUND)
		buf_adds(http_json(c->res, 200), "{\"message\":\"User deleted\"}");
	else if (status == STORE_OK)
		http_error(c->res, 401, "Could not validate credentials");
	else
		reply_store_failure(c, status);
}

static void delete_user(struct ctx *c, const struct user_request *r, int64_t my_id)
{
	if (!is_me_or_reply(c, my_id, r->user_id))
		return;
	char key[WRITE_KEY_MAX];
	enum store_status status =
		store_user_delete(c->app->store, my_id, r->stored_hash.data, write_key(c, key));
	if (status == STORE_OK) {
		audit_user_deleted(c, my_id);
		buf_adds(http_json(c->res, 200), "{\"message\":\"User deleted\"}");
	} else if (status == STORE_NOT_FOUND) {
		reply_not_deleted(c, my_id);
	} else {
		reply_store_failure(c, status);
	}
}

/* DELETE /users/{user_id}: 200 {"message":"User deleted"}; 401; 403; 422;
 * 500; 503. */
void users_delete(struct ctx *c)
{
	struct user_request r;
	struct user me;
	bool again;
	user_request_init(&r);
	if (writer_or_reply(c, &me, &again)) {
		buf_adds(&r.stored_hash, me.password_hash);
		buf_cstr(&r.stored_hash);
		read_user_id(c, &r);
		if (!problems_reply(&r.problems, c))
			delete_user(c, &r, me.id);
	} else if (again) { /* resent after its host died: answered as the first time */
		buf_adds(http_json(c->res, 200), "{\"message\":\"User deleted\"}");
	}
	user_request_free(&r);
}

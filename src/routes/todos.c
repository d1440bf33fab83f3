/* todos.c -- /todos: the caller's to-do items (the course's lesson 10):
 * create, list and filter, update and delete.
 *
 * Every route needs a Bearer token and sees the caller's own todos only:
 * another user's todo is answered exactly as one that does not exist. Each
 * handler follows FastAPI's order of checks, as /users does: the body must be
 * JSON (or absent) before anything else, then the caller's token, then the
 * path, query and body fields, all reported together, then what the store
 * finds. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "base/lowprio.h"
#include "compat/json_write.h"
#include "routes.h"

/* TodoState, in the course's order (pydantic lists them so in its errors). */
static const char *const todo_states[] = {"draft", "todo", "doing", "done", "trash"};
#define TODO_STATES (sizeof todo_states / sizeof *todo_states)

/* FilterTodo's title and description: Field(min_length=3, max_length=20). */
enum { FILTER_MIN = 3, FILTER_MAX = 20 };

/* One request's worth of TodoSchema / TodoUpdate work; freed in one place. */
struct todo_request {
	struct json_body body;
	struct problems problems;
	int64_t todo_id;
	struct todo_fields fields; /* NULL: not given */
};

static void todo_request_init(struct todo_request *r)
{
	*r = (struct todo_request){0};
	problems_init(&r->problems);
}

static void todo_request_free(struct todo_request *r)
{
	json_body_free(&r->body);
	problems_free(&r->problems);
}

static void read_todo_id(struct ctx *c, struct todo_request *r)
{
	int_param(&r->problems, "path", "todo_id", c->path_arg, c->path_arg_len, INT64_MIN, &r->todo_id);
}

/* TodoSchema ({"title": str, "description": str, "state": TodoState}, all
 * required) or, when !required, TodoUpdate: only the keys present are read,
 * and null is refused as pydantic refuses it for a field whose type has no
 * None (ours: the course takes it, then fails on the NOT NULL column). The
 * strings are bounded (ours; FIELD_TITLE_MAX, FIELD_DESCRIPTION_MAX). */
static void read_todo_schema(struct ctx *c, struct todo_request *r, bool required)
{
	struct problems *p = &r->problems;
	struct todo_fields *f = &r->fields;
	const struct json_value *root = r->body.root;
	size_t state;
	if (!body_is_object(p, c, &r->body))
		return;
	if (required || json_get(root, "title"))
		body_string(p, &r->body, "title", FIELD_TITLE_MAX, &f->title, &f->title_len);
	if (required || json_get(root, "description"))
		body_string(p, &r->body, "description", FIELD_DESCRIPTION_MAX, &f->description,
			    &f->description_len);
	if ((required || json_get(root, "state")) &&
	    body_enum(p, &r->body, "state", todo_states, TODO_STATES, &state))
		f->state = todo_states[state];
}

/* Appends {"title":..,"description":..,"state":..,"id":..}: TodoPublic,
 * TodoSchema's fields first. */
static void todo_write(struct buf *b, const struct todo *t)
{
	buf_adds(b, "{\"title\":");
	json_add_str(b, t->title, t->title_len);
	buf_adds(b, ",\"description\":");
	json_add_str(b, t->description, t->description_len);
	buf_adds(b, ",\"state\":");
	json_add_str(b, t->state, t->state_len);
	buf_adds(b, ",\"id\":");
	json_add_int(b, t->id);
	buf_addc(b, '}');
}

static void reply_not_found(struct ctx *c)
{
	http_error(c->res, 404, "Task not found.");
}

static void create_todo(struct ctx *c, const struct todo_request *r, int64_t my_id)
{
	const struct todo_fields *f = &r->fields;
	struct todo t = {.title = f->title,
			 .title_len = f->title_len,
			 .description = f->description,
			 .description_len = f->description_len,
			 .state = f->state,
			 .state_len = strlen(f->state)};
	enum store_status status = store_todo_create(c->app->store, my_id, f, &t.id);
	if (status == STORE_OK)
		todo_write(http_json(c->res, 200), &t);
	else if (status == STORE_NOT_FOUND) /* the caller was deleted since its token was checked */
		http_error(c->res, 401, "Could not validate credentials");
	else
		reply_store_failure(c, status);
}

/* POST /todos/: 200 the new todo (the course sets no 201); 401; 422 (also,
 * on PostgreSQL, text it cannot store); 400; 500; 503. */
void todos_create(struct ctx *c)
{
	struct todo_request r;
	struct user me;
	todo_request_init(&r);
	if (json_body_or_reply(c, &r.body) && current_user_or_reply(c, &me, NULL)) {
		read_todo_schema(c, &r, true);
		if (!problems_reply(&r.problems, c))
			create_todo(c, &r, me.id);
	}
	todo_request_free(&r);
}

struct todo_list {
	struct ctx *c;
	int64_t my_id;
	struct todo_filter f;
	size_t written;
};

static bool write_listed_todo(const struct todo *t, void *arg)
{
	struct todo_list *l = arg;
	if (l->written++)
		buf_addc(&l->c->res->body, ',');
	todo_write(&l->c->res->body, t);
	return http_stream(l->c->res);
}

/* {"todos":[...]}, streamed as the rows are read. */
static void reply_todo_list(void *arg)
{
	struct todo_list *l = arg;
	struct buf *b = http_json(l->c->res, 200);
	buf_adds(b, "{\"todos\":[");
	enum store_status status = store_todo_list(l->c->app->store, l->my_id, &l->f, write_listed_todo, l);
	if (status != STORE_OK)
		reply_store_failure(l->c, status);
	else
		buf_adds(&l->c->res->body, "]}");
}

/* FilterTodo: offset, limit, title, description, state (the inherited
 * FilterPage's first); a key given twice counts its last value. */
static void read_filter(struct problems *p, const struct form *q, struct todo_filter *f)
{
	const char *v;
	size_t len, state;
	if ((v = form_get(q, "offset", &len)))
		int_param(p, "query", "offset", v, len, 0, &f->offset);
	if ((v = form_get(q, "limit", &len)))
		int_param(p, "query", "limit", v, len, 1, &f->limit);
	if ((v = form_get(q, "title", &len)) &&
	    str_param(p, "query", "title", v, len, FILTER_MIN, FILTER_MAX)) {
		f->title = v;
		f->title_len = len;
	}
	if ((v = form_get(q, "description", &len)) &&
	    str_param(p, "query", "description", v, len, FILTER_MIN, FILTER_MAX)) {
		f->description = v;
		f->description_len = len;
	}
	if ((v = form_get(q, "state", &len)) &&
	    enum_param(p, "query", "state", v, len, todo_states, TODO_STATES, &state))
		f->state = todo_states[state];
}

/* A filter holding U+0000 keeps no todo (ours: PostgreSQL cannot bind it,
 * SQLite's LIKE would stop at it). */
static bool filter_holds_nul(const struct todo_filter *f)
{
	return (f->title && memchr(f->title, '\0', f->title_len)) ||
	       (f->description && memchr(f->description, '\0', f->description_len));
}

/* A list that filters (a walk through every todo of the caller's up to the
 * page's end) or goes deep runs at the low priority; a cheap one may be the
 * worker's last answer again. */
static void answer_list(struct todo_list *l)
{
	const struct todo_filter *f = &l->f;
	char key[64];
	if (filter_holds_nul(f)) {
		buf_adds(http_json(l->c->res, 200), "{\"todos\":[]}");
	} else if (f->title || f->description || f->state || f->offset > LIST_CHEAP_ROWS - f->limit) {
		lowprio_run(LOWPRIO_BULK, reply_todo_list, l);
	} else {
		int n = snprintf(key, sizeof key, "todos %lld %lld %lld", (long long)l->my_id,
				 (long long)f->offset, (long long)f->limit);
		reply_cheap_list(l->c, key, (size_t)n, reply_todo_list, l);
	}
}

/* GET /todos/?offset=0&limit=100&title=&description=&state=: 200
 * {"todos":[...]}, the caller's, by id; 401; 422; 500; 503 (storage busy,
 * or the time limit: then, if rows went already, the answer is cut short). */
void todos_list(struct ctx *c)
{
	struct user me;
	struct problems p;
	struct form query;
	struct todo_list l = {.c = c, .f = {.offset = 0, .limit = 100}};
	if (!current_user_or_reply(c, &me, NULL))
		return;
	l.my_id = me.id;
	problems_init(&p);
	form_init(&query);
	form_parse(&query, c->req->query, strlen(c->req->query));
	read_filter(&p, &query, &l.f);
	if (!problems_reply(&p, c))
		answer_list(&l);
	form_free(&query);
	problems_free(&p);
}

static void update_todo(struct ctx *c, const struct todo_request *r, int64_t my_id)
{
	struct todo t;
	enum store_status status = store_todo_update(c->app->store, my_id, r->todo_id, &r->fields, &t);
	if (status == STORE_OK)
		todo_write(http_json(c->res, 200), &t);
	else if (status == STORE_NOT_FOUND)
		reply_not_found(c);
	else
		reply_store_failure(c, status);
}

/* PATCH /todos/{todo_id}: 200 the todo as it now is; 401; 404 not one of
 * the caller's; 422 (also, on PostgreSQL, text it cannot store); 400; 500;
 * 503. */
void todos_update(struct ctx *c)
{
	struct todo_request r;
	struct user me;
	todo_request_init(&r);
	if (json_body_or_reply(c, &r.body) && current_user_or_reply(c, &me, NULL)) {
		read_todo_id(c, &r);
		read_todo_schema(c, &r, false);
		if (!problems_reply(&r.problems, c))
			update_todo(c, &r, me.id);
	}
	todo_request_free(&r);
}

/* DELETE /todos/{todo_id}: 200 {"message":"Task has been deleted
 * successfully."}; 401; 404 not one of the caller's; 422; 500; 503. */
void todos_delete(struct ctx *c)
{
	struct todo_request r;
	struct user me;
	todo_request_init(&r);
	if (current_user_or_reply(c, &me, NULL)) {
		read_todo_id(c, &r);
		if (!problems_reply(&r.problems, c)) {
			enum store_status status = store_todo_delete(c->app->store, me.id, r.todo_id);
			if (status == STORE_OK)
				buf_adds(http_json(c->res, 200),
					 "{\"message\":\"Task has been deleted successfully.\"}");
			else if (status == STORE_NOT_FOUND)
				reply_not_found(c);
			else
				reply_store_failure(c, status);
		}
	}
	todo_request_free(&r);
}

/* common.c -- the harnesses' shared application, fake hashing and checks
 * (see common.h). */
#include "common.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sqlite3.h>
#include <unistd.h>

#include "../../src/store/sqlite_db.h"
#include "../../src/compat/json.h"
#include "../../src/base/settings.h"
#include "../../src/store/store.h"

#ifndef FUZZ_MIGRATIONS
#define FUZZ_MIGRATIONS "migrations"
#endif

struct fuzz_user {
	int64_t id;
	const char *username, *email, *password;
};

static const struct fuzz_user users[] = {
	{FUZZ_OTHER_ID, "other", "other@example.com", "other-password"},
	{FUZZ_USER_ID, "fuzz", FUZZ_USER_EMAIL, FUZZ_USER_PASSWORD},
};
enum { USER_COUNT = sizeof users / sizeof *users };

static struct settings settings;
static struct app app;
static bool app_ready;
static char tmp_dir[256], db_path[300], db_url[320];
static struct buf bearer;

void fuzz_fail(const char *what, const char *file, int line)
{
	fprintf(stderr, "%s:%d: check failed: %s\n", file, line, what);
	abort();
}

/* ---- the fake password hash: "$fake$" and an FNV-1a of the password ---- */

static void fake_hash(const char *password, size_t len, char out[32])
{
	uint64_t h = 14695981039346656037u;
	for (size_t i = 0; i < len; i++)
		h = (h ^ (unsigned char)password[i]) * 1099511628211u;
	snprintf(out, 32, "$fake$%016llx", (unsigned long long)h);
}

/* Same types as the real ones: a change there fails to compile here. */
__typeof__(password_hash) __wrap_password_hash;
__typeof__(password_verify) __wrap_password_verify;

const char *__wrap_password_hash(struct hash_gate *g, const char *password, size_t len, struct buf *out)
{
	char h[32];
	(void)g;
	fake_hash(password, len, h);
	buf_adds(out, h);
	buf_cstr(out); /* as the real one: callers bind it as a C string */
	return buf_ok(out) ? NULL : "out of memory";
}

bool __wrap_password_verify(struct hash_gate *g, const char *phc, const char *password, size_t len)
{
	char h[32];
	(void)g;
	fake_hash(password, len, h);
	return phc && strcmp(phc, h) == 0;
}

/* ---- the application ---- */

static void remove_tmp(void)
{
	static const char *const suffixes[] = {"", "-wal", "-shm", "-journal"};
	char path[320];
	store_close(app.store);
	app.store = NULL;
	for (size_t i = 0; i < sizeof suffixes / sizeof *suffixes; i++) {
		snprintf(path, sizeof path, "%s%s", db_path, suffixes[i]);
		unlink(path);
	}
	rmdir(tmp_dir);
	buf_free(&bearer);
}

/* A folder under $FUZZ_TMPDIR (tests/fuzz/run makes one and removes it, so
 * that a crash leaves nothing behind), else on tmpfs, where fsync is free. */
static void make_tmp_dir(void)
{
	const char *base = getenv("FUZZ_TMPDIR");
	if (!base)
		base = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : getenv("TMPDIR");
	snprintf(tmp_dir, sizeof tmp_dir, "%s/fast_zero-fuzz-XXXXXX", base ? base : "/tmp");
	FUZZ_CHECK(mkdtemp(tmp_dir) != NULL);
	snprintf(db_path, sizeof db_path, "%s/fuzz.db", tmp_dir);
	snprintf(db_url, sizeof db_url, "sqlite:///%s", db_path);
	atexit(remove_tmp);
}

static void migrate(void)
{
	char err[512];
	int applied = 0;
	const char *dir = getenv("FUZZ_MIGRATIONS") ? getenv("FUZZ_MIGRATIONS") : FUZZ_MIGRATIONS;
	if (store_migrate(db_url, dir, &applied, err, sizeof err) != 0) {
		fprintf(stderr, "fuzz: cannot migrate %s from %s: %s\n", db_path, dir, err);
		abort();
	}
}

/* Puts u back as it was first made: its own id (which the service would
 * never give twice), a creation time in the past and no password change,
 * so that the bearer token made at start still opens it. Written with SQL
 * of its own: the store has no way to choose an id. */
static void create_user(const struct fuzz_user *u)
{
	char h[32], err[512];
	sqlite3_stmt *st = NULL;
	sqlite3 *db = db_open(db_path, err, sizeof err);
	fake_hash(u->password, strlen(u->password), h);
	FUZZ_CHECK(db && sqlite3_prepare_v2(
				 db,
				 "INSERT OR REPLACE INTO users (id, username, email, password, created_at, "
				 "password_changed_at) VALUES (?, ?, ?, ?, '2000-01-01 00:00:00', NULL)",
				 -1, &st, NULL) == SQLITE_OK);
	sqlite3_bind_int64(st, 1, u->id);
	sqlite3_bind_text(st, 2, u->username, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, u->email, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, h, -1, SQLITE_STATIC);
	FUZZ_CHECK(sqlite3_step(st) == SQLITE_DONE);
	sqlite3_finalize(st);
	sqlite3_close(db);
}

/* Runs sql (no parameters) on the database with a connection of its own. */
static void exec_sql(const char *sql)
{
	char err[512];
	sqlite3 *db = db_open(db_path, err, sizeof err);
	FUZZ_CHECK(db && sqlite3_exec(db, sql, NULL, NULL, NULL) == SQLITE_OK);
	sqlite3_close(db);
}

/* Puts the two todos back as they were first made, and only them. */
static void restore_todos(void)
{
	exec_sql("DELETE FROM todos;"
		 "INSERT INTO todos (id, title, description, state, user_id) VALUES (1, 'mine', 'of fuzz', "
		 "'draft', 2), (2, 'theirs', 'of other', 'done', 1)");
}

struct app *fuzz_app(void)
{
	char err[512];
	if (app_ready)
		return &app;
	snprintf(settings.secret_key, sizeof settings.secret_key, "k");
	snprintf(settings.algorithm, sizeof settings.algorithm, "HS256");
	settings.expire_minutes = 30;
	settings.session_max_hours = 24;
	make_tmp_dir();
	migrate();
	app.settings = &settings;
	app.gate = (struct hash_gate){.room = NULL, .place = -1};
	if (!(app.store = store_open(db_url, err, sizeof err))) {
		fprintf(stderr, "fuzz: cannot open the store: %s\n", err);
		abort();
	}
	for (int i = 0; i < USER_COUNT; i++)
		create_user(&users[i]);
	restore_todos();
	buf_init(&bearer);
	buf_adds(&bearer, "Bearer ");
	struct timespec now;
	clock_gettime(CLOCK_REALTIME, &now); /* after the users were made: the token is newer */
	FUZZ_CHECK(token_make(&settings, FUZZ_USER_EMAIL, now.tv_sec,
			      (int64_t)now.tv_sec * 1000 + now.tv_nsec / 1000000, NULL, &bearer) == 0);
	buf_cstr(&bearer);
	app_ready = true;
	return &app;
}

const char *fuzz_bearer(void)
{
	fuzz_app();
	return bearer.data;
}

/* ---- putting the database back after a request that changed it ---- */

struct id_list {
	int64_t ids[64];
	size_t n;
	bool seen[USER_COUNT];
};

static bool note_user(const struct user *u, void *arg)
{
	struct id_list *l = arg;
	if (u->id >= 1 && u->id <= USER_COUNT)
		l->seen[u->id - 1] = true;
	else if (l->n < sizeof l->ids / sizeof *l->ids)
		l->ids[l->n++] = u->id;
	return true;
}

/* Deletes the user id made by a request (with SQL of its own: the store
 * deletes only for a caller checked against the user's hash). */
static void delete_user(int64_t id)
{
	char err[512];
	sqlite3_stmt *st = NULL;
	sqlite3 *db = db_open(db_path, err, sizeof err);
	FUZZ_CHECK(db &&
		   sqlite3_prepare_v2(db, "DELETE FROM users WHERE id = ?", -1, &st, NULL) == SQLITE_OK);
	sqlite3_bind_int64(st, 1, id);
	FUZZ_CHECK(sqlite3_step(st) == SQLITE_DONE);
	sqlite3_finalize(st);
	sqlite3_close(db);
}

static void restore_users(void)
{
	struct id_list l = {.n = 0};
	FUZZ_CHECK(store_user_list(app.store, 0, 1000, note_user, &l) == STORE_OK);
	for (size_t i = 0; i < l.n; i++)
		delete_user(l.ids[i]);
	for (int i = 0; i < USER_COUNT; i++)
		create_user(&users[i]);
}

/* ---- the checks every answer must pass ---- */

static bool status_known(int status)
{
	static const int known[] = {200, 201, 400, 401, 403, 404, 405, 409, 422};
	for (size_t i = 0; i < sizeof known / sizeof *known; i++)
		if (known[i] == status)
			return true;
	return false;
}

/* Each extra header is one "Name: value\r\n" line, no CR or LF inside. */
static bool headers_well_formed(const struct buf *h)
{
	size_t start = 0;
	for (size_t i = 0; i < h->len; i++) {
		if (h->data[i] == '\n' && (i == start || h->data[i - 1] != '\r'))
			return false;
		if (h->data[i] == '\r' && (i + 1 >= h->len || h->data[i + 1] != '\n'))
			return false;
		if (h->data[i] == '\n') {
			if (!memchr(h->data + start, ':', i - start))
				return false;
			start = i + 1;
		}
	}
	return start == h->len;
}

/* The first property the answer breaks, or NULL. */
static const char *answer_fault(const struct request *req, struct response *res)
{
	struct buf head;
	bool head_ok;
	if (!status_known(res->status))
		return "a status the API uses";
	if (!buf_ok(&res->body) || !buf_ok(&res->headers))
		return "buffers not failed";
	if (!headers_well_formed(&res->headers))
		return "well-formed header lines";
	if (strcmp(res->content_type, "application/json") == 0 &&
	    !fuzz_is_json(res->body.data, res->body.len))
		return "a body of UTF-8 JSON";
	if (res->status == 401 && !strstr(buf_cstr(&res->headers), "WWW-Authenticate: Bearer\r\n"))
		return "WWW-Authenticate on 401";
	buf_init(&head);
	http_write_head(res, req, &head);
	head_ok = buf_ok(&head);
	buf_free(&head);
	return head_ok ? NULL : "a head block";
}

/* Prints s[0..n) with the bytes that are not printable ASCII as \xHH. */
static void print_escaped(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c >= 0x20 && c < 0x7f && c != '\\')
			fputc(c, stderr);
		else
			fprintf(stderr, "\\x%02x", c);
	}
}

static void report(const struct request *req, const struct response *res)
{
	fprintf(stderr, "request: %s ", req->method);
	print_escaped(req->path, strlen(req->path));
	fprintf(stderr, "\nanswer: %d %s\n", res->status, res->content_type);
	print_escaped(res->headers.data, res->headers.len);
	fputc('\n', stderr);
	print_escaped(res->body.data, res->body.len);
	fputc('\n', stderr);
}

void fuzz_dispatch(const struct request *req, struct response *res)
{
	struct app *a = fuzz_app();
	const char *fault;
	router_dispatch(a, req, res);
	if (getenv("FUZZ_VERBOSE"))
		report(req, res);
	if ((fault = answer_fault(req, res))) {
		report(req, res);
		fuzz_fail(fault, __FILE__, __LINE__);
	}
	if (strcmp(req->method, "GET") != 0 && (res->status == 200 || res->status == 201)) {
		exec_sql("DELETE FROM todos"); /* first: the users' rows are replaced */
		restore_users();
		restore_todos();
	}
}

/* ---- helpers ---- */

bool fuzz_utf8_ok(const unsigned char *s, size_t n)
{
	size_t i = 0;
	while (i < n) {
		unsigned c = s[i], need, cp, min;
		if (c < 0x80) {
			i++;
			continue;
		}
		if ((c & 0xE0) == 0xC0)
			need = 1, cp = c & 0x1F, min = 0x80;
		else if ((c & 0xF0) == 0xE0)
			need = 2, cp = c & 0x0F, min = 0x800;
		else if ((c & 0xF8) == 0xF0)
			need = 3, cp = c & 0x07, min = 0x10000;
		else
			return false;
		if (n - i <= need)
			return false;
		for (unsigned k = 1; k <= need; k++) {
			if ((s[i + k] & 0xC0) != 0x80)
				return false;
			cp = cp << 6 | (s[i + k] & 0x3F);
		}
		if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
			return false;
		i += need + 1;
	}
	return true;
}

bool fuzz_is_json(const char *text, size_t len)
{
	struct json_error err;
	struct json_doc *doc;
	if (!text)
		text = "", len = 0;
	if (!fuzz_utf8_ok((const unsigned char *)text, len))
		return false;
	doc = json_parse(text, len, &err);
	json_free(doc);
	return doc != NULL;
}

char *fuzz_cstr(const uint8_t *data, size_t size)
{
	const uint8_t *nul = size ? memchr(data, 0, size) : NULL;
	size_t n = nul ? (size_t)(nul - data) : size;
	char *s = malloc(n + 1);
	FUZZ_CHECK(s != NULL);
	if (n)
		memcpy(s, data, n);
	s[n] = '\0';
	return s;
}

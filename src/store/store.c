/* store.c -- store.h's functions, dispatched to the backend DATABASE_URL names. */
#include <stdio.h>

#include "base/clock.h"
#include "base/settings.h"
#include "store/backend.h"

/* Returns the backend's answer to call, its time added to the request's. */
#define TIMED(s, call)                                                                                       \
	do {                                                                                                 \
		int64_t started_ = clock_us();                                                               \
		enum store_status status_ = (call);                                                          \
		(s)->time_us += clock_us() - started_;                                                       \
		return status_;                                                                              \
	} while (0)

static const struct store_ops *backend_of(const char *url, char *err, size_t errsz)
{
	switch (settings_database_kind(url)) {
	case DATABASE_SQLITE: return &store_sqlite_ops;
	case DATABASE_POSTGRESQL: return &store_pg_ops;
	default: snprintf(err, errsz, "DATABASE_URL names no database this build serves"); return NULL;
	}
}

const char *store_describe(const char *url, char *out, size_t outsz)
{
	const struct store_ops *ops = backend_of(url, out, outsz);
	if (ops)
		ops->describe(url, out, outsz);
	return out;
}

struct store *store_open(const char *url, char *err, size_t errsz)
{
	const struct store_ops *ops = backend_of(url, err, errsz);
	return ops ? ops->open(url, err, errsz) : NULL;
}

void store_close(struct store *s)
{
	if (s)
		s->ops->close(s);
}

int store_migrate(const char *url, const char *dir, int *applied, char *err, size_t errsz)
{
	const struct store_ops *ops = backend_of(url, err, errsz);
	*applied = 0;
	return ops ? ops->migrate(url, dir, applied, err, errsz) : -1;
}

int store_pending(const char *url, const char *dir, char *err, size_t errsz)
{
	const struct store_ops *ops = backend_of(url, err, errsz);
	return ops ? ops->pending(url, dir, err, errsz) : -1;
}

const char *store_last_error(const struct store *s)
{
	return s->ops->last_error(s);
}

void store_watch(struct store *s, const struct store_watch *w)
{
	if (w)
		s->time_us = 0;
	s->ops->watch(s, w);
}

void store_rewatch(struct store *s, const struct store_watch *w)
{
	s->ops->watch(s, w);
}

int64_t store_time_us(const struct store *s)
{
	return s->time_us;
}

uint64_t store_data_version(struct store *s)
{
	return s->ops->data_version(s);
}

#define DISPATCH(name, params, args)                                                                         \
	enum store_status store_##name params                                                                \
	{                                                                                                    \
		TIMED(s, s->ops->name args);                                                                 \
	}
STORE_OPERATIONS(DISPATCH)
#undef DISPATCH

bool store_keeps_budgets(const struct store *s)
{
	return s->ops->budget_take != NULL;
}

enum store_status store_budget_take(struct store *s, const unsigned char key[32], int burst, int interval_ms,
				    int *wait)
{
	*wait = 0;
	if (!s->ops->budget_take)
		return STORE_OK;
	TIMED(s, s->ops->budget_take(s, key, burst, interval_ms, wait));
}

bool store_keep_todo(struct buf *strings, struct todo *t)
{
	const char **text[3] = {&t->title, &t->description, &t->state};
	size_t *len[3] = {&t->title_len, &t->description_len, &t->state_len}, at[3];
	buf_reset(strings);
	for (int i = 0; i < 3; i++) {
		at[i] = strings->len;
		buf_add(strings, *text[i], *len[i]);
		buf_addc(strings, '\0');
	}
	if (!buf_ok(strings))
		return false;
	for (int i = 0; i < 3; i++)
		*text[i] = strings->data + at[i];
	return true;
}

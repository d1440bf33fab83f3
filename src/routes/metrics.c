/* metrics.c -- Prometheus text and the pool's status, from the scoreboard
 * (see metrics.h). */
#include "routes/metrics.h"

#include <inttypes.h>
#include <stdio.h>
#include <time.h>

#include "routes/router.h"
#include "base/scoreboard.h"
#include "store/store.h"
#include "compat/json_write.h"

#define LOAD(field) __atomic_load_n(&(field), __ATOMIC_RELAXED)

/* The storage failures counted, by their enum store_status. */
static const struct {
	enum store_status status;
	const char *kind;
} store_kinds[] = {
	{STORE_BUSY, "busy"},
	{STORE_TIMEOUT, "timeout"},
	{STORE_UNAVAILABLE, "unavailable"},
	{STORE_UNSTORABLE, "unstorable"},
	{STORE_ERROR, "error"},
};

/* A label value: backslash, double quote and newline escaped. */
static void add_label(struct buf *out, const char *name, const char *value)
{
	buf_printf(out, "%s=\"", name);
	for (const char *p = value; *p; p++) {
		if (*p == '\\' || *p == '"')
			buf_addc(out, '\\');
		if (*p == '\n')
			buf_adds(out, "\\n");
		else
			buf_addc(out, *p);
	}
	buf_addc(out, '"');
}

static void add_head(struct buf *out, const char *name, const char *type, const char *help)
{
	buf_printf(out, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static bool route_labels(int i, const char **method, const char **pattern)
{
	if (i == SB_UNROUTED) {
		*method = "";
		*pattern = "unrouted";
		return true;
	}
	return router_route(i, method, pattern);
}

static void add_route_labels(struct buf *out, const char *method, const char *pattern)
{
	add_label(out, "method", method);
	buf_addc(out, ',');
	add_label(out, "route", pattern);
}

static void write_requests(struct buf *out, const struct scoreboard *sb)
{
	const char *method, *pattern;
	add_head(out, "fast_zero_requests_total", "counter",
		 "Requests answered by the workers, by route pattern and status.");
	for (int i = 0; i < SB_ROUTES; i++) {
		if (!route_labels(i, &method, &pattern))
			continue;
		for (int k = 0; k < SB_STATUSES; k++) {
			uint64_t n = sb_load(&sb->routes[i].by_status[k]);
			if (!n)
				continue;
			buf_adds(out, "fast_zero_requests_total{");
			add_route_labels(out, method, pattern);
			if (sb_statuses[k])
				buf_printf(out, ",status=\"%d\"} %" PRIu64 "\n", sb_statuses[k], n);
			else
				buf_printf(out, ",status=\"other\"} %" PRIu64 "\n", n);
		}
	}
}

static void write_histogram(struct buf *out, const char *method, const char *pattern,
			    const struct sb_route_stats *r)
{
	uint64_t cumulative = 0;
	for (int b = 0; b < SB_BUCKETS; b++) {
		cumulative += sb_load(&r->buckets[b]);
		buf_adds(out, "fast_zero_request_duration_seconds_bucket{");
		add_route_labels(out, method, pattern);
		if (b < SB_BUCKETS - 1)
			buf_printf(out, ",le=\"%g\"} %" PRIu64 "\n", (double)sb_bucket_ms[b] / 1000,
				   cumulative);
		else
			buf_printf(out, ",le=\"+Inf\"} %" PRIu64 "\n", cumulative);
	}
	buf_adds(out, "fast_zero_request_duration_seconds_sum{");
	add_route_labels(out, method, pattern);
	buf_printf(out, "} %.6f\n", (double)sb_load(&r->duration_us) / 1e6);
	buf_adds(out, "fast_zero_request_duration_seconds_count{");
	add_route_labels(out, method, pattern);
	buf_printf(out, "} %" PRIu64 "\n", cumulative);
}

static void write_durations(struct buf *out, const struct scoreboard *sb)
{
	const char *method, *pattern;
	add_head(out, "fast_zero_request_duration_seconds", "histogram",
		 "Time from reading a request to its answer, by route pattern.");
	for (int i = 0; i < SB_ROUTES; i++)
		if (route_labels(i, &method, &pattern))
			write_histogram(out, method, pattern, &sb->routes[i]);
}

static void write_workers(struct buf *out, const struct scoreboard *sb)
{
	long count[SB_SOCKETS][SB_STATES] = {{0}};
	struct sb_slot s;
	int used = LOAD(sb->slots_used);
	for (int i = 0; i < used && i < SB_SLOTS; i++) {
		scoreboard_read_slot(sb, i, &s);
		if (s.pid)
			count[s.socket][s.state]++;
	}
	add_head(out, "fast_zero_workers", "gauge", "Worker processes, by socket and state.");
	for (int k = 0; k < SB_SOCKETS; k++)
		for (int st = 0; st < SB_STATES; st++)
			buf_printf(out, "fast_zero_workers{socket=\"%s\",state=\"%s\"} %ld\n",
				   sb_socket_names[k], sb_state_names[st], count[k][st]);
}

static void write_sockets(struct buf *out, const struct scoreboard *sb)
{
	add_head(out, "fast_zero_accepted_connections_total", "counter",
		 "FastCGI connections accepted from nginx, by socket.");
	for (int k = 0; k < SB_SOCKETS; k++)
		buf_printf(out, "fast_zero_accepted_connections_total{socket=\"%s\"} %" PRIu64 "\n",
			   sb_socket_names[k], sb_load(&sb->accepted[k]));
	add_head(out, "fast_zero_listen_queue", "gauge",
		 "Connections waiting in a socket's accept queue, as the kernel tells it.");
	for (int k = 0; k < SB_SOCKETS; k++)
		if (LOAD(sb->listen_queue[k]) >= 0)
			buf_printf(out, "fast_zero_listen_queue{socket=\"%s\"} %" PRId64 "\n",
				   sb_socket_names[k], LOAD(sb->listen_queue[k]));
	int64_t hash_queue = LOAD(sb->listen_queue[SB_HASH]);
	if (hash_queue >= 0) {
		add_head(out, "fast_zero_hash_queue_depth", "gauge",
			 "Requests that hash a password waiting for a hash worker.");
		buf_printf(out, "fast_zero_hash_queue_depth %" PRId64 "\n", hash_queue);
	}
}

static void write_counters(struct buf *out, const struct scoreboard *sb)
{
	add_head(out, "fast_zero_logins_total", "counter", "Logins answered by the workers, by outcome.");
	for (int k = 0; k < SB_LOGINS; k++)
		buf_printf(out, "fast_zero_logins_total{outcome=\"%s\"} %" PRIu64 "\n", sb_login_names[k],
			   sb_load(&sb->logins[k]));
	add_head(out, "fast_zero_worker_restarts_total", "counter", "Workers replaced, by cause.");
	for (int k = 0; k < SB_CAUSES; k++)
		buf_printf(out, "fast_zero_worker_restarts_total{cause=\"%s\"} %" PRIu64 "\n",
			   sb_cause_names[k], sb_load(&sb->restarts[k]));
	add_head(out, "fast_zero_storage_errors_total", "counter",
		 "Storage failures answered 503, 500 or 422 (unstorable), by kind.");
	for (size_t k = 0; k < sizeof store_kinds / sizeof *store_kinds; k++)
		buf_printf(out, "fast_zero_storage_errors_total{kind=\"%s\"} %" PRIu64 "\n",
			   store_kinds[k].kind, sb_load(&sb->store_errors[store_kinds[k].status]));
	add_head(out, "fast_zero_start_time_seconds", "gauge", "When the pool started, Unix time.");
	buf_printf(out, "fast_zero_start_time_seconds %" PRId64 "\n", LOAD(sb->started_s));
}

void metrics_write(struct buf *out, const struct scoreboard *sb)
{
	write_requests(out, sb);
	write_durations(out, sb);
	write_workers(out, sb);
	write_sockets(out, sb);
	write_counters(out, sb);
}

/* The route a worker is on, "-" when none. */
static const char *slot_route(const struct sb_slot *s, const char **method)
{
	const char *pattern = "-";
	*method = "";
	if (s->state != SB_IDLE && s->route >= 0 && !route_labels(s->route, method, &pattern))
		pattern = "-";
	return pattern;
}

static void status_text(struct buf *out, const struct scoreboard *sb, int64_t now_ms)
{
	time_t now = time(NULL), started = (time_t)LOAD(sb->started_s);
	buf_printf(out, "pool:                 fast_zero (supervisor pid %d)\n",
		   (int)LOAD(sb->supervisor_pid));
	buf_printf(out, "start since:          %ld s\n", (long)(now - started));
	for (int k = 0; k < SB_SOCKETS; k++) {
		int64_t q = LOAD(sb->listen_queue[k]);
		buf_printf(out, "%-4s accepted conn:    %" PRIu64 "\n", sb_socket_names[k],
			   sb_load(&sb->accepted[k]));
		if (q >= 0)
			buf_printf(out, "%-4s listen queue:     %" PRId64 " (backlog %" PRId64 ")\n",
				   sb_socket_names[k], q, LOAD(sb->listen_backlog[k]));
	}
	for (int k = 0; k < SB_CAUSES; k++)
		buf_printf(out, "restarts %-13s %" PRIu64 "\n", sb_cause_names[k], sb_load(&sb->restarts[k]));
	buf_printf(out, "\n%-8s %-6s %-9s %8s %9s %10s  %-28s %s\n", "pid", "socket", "state", "served",
		   "start s", "request ms", "route", "request id");
	struct sb_slot s;
	int used = LOAD(sb->slots_used);
	for (int i = 0; i < used && i < SB_SLOTS; i++) {
		scoreboard_read_slot(sb, i, &s);
		if (!s.pid)
			continue;
		const char *method, *pattern = slot_route(&s, &method);
		char route[64];
		snprintf(route, sizeof route, "%s%s%s", method, *method ? " " : "", pattern);
		buf_printf(out, "%-8d %-6s %-9s %8" PRIu64 " %9ld %10" PRId64 "  %-28s %s\n", (int)s.pid,
			   sb_socket_names[s.socket], sb_state_names[s.state], s.served,
			   (long)(now - s.started_s), s.request_ms ? now_ms - s.request_ms : (int64_t)0,
			   route, s.state != SB_IDLE && s.request_id[0] ? s.request_id : "-");
	}
}

static void json_slot(struct buf *out, const struct sb_slot *s, int64_t now_ms, time_t now)
{
	const char *method, *pattern = slot_route(s, &method);
	buf_printf(out,
		   "{\"pid\":%d,\"socket\":\"%s\",\"state\":\"%s\",\"served\":%" PRIu64
		   ",\"start_since\":%ld,\"request_ms\":%" PRId64 ",\"method\":",
		   (int)s->pid, sb_socket_names[s->socket], sb_state_names[s->state], s->served,
		   (long)(now - s->started_s), s->request_ms ? now_ms - s->request_ms : (int64_t)0);
	if (*method)
		json_add_cstr(out, method);
	else
		buf_adds(out, "null");
	buf_adds(out, ",\"route\":");
	if (*method)
		json_add_cstr(out, pattern);
	else
		buf_adds(out, "null");
	buf_adds(out, ",\"request_id\":");
	if (s->state != SB_IDLE && s->request_id[0])
		json_add_cstr(out, s->request_id);
	else
		buf_adds(out, "null");
	buf_addc(out, '}');
}

static void status_json(struct buf *out, const struct scoreboard *sb, int64_t now_ms)
{
	time_t now = time(NULL);
	buf_printf(out, "{\"supervisor_pid\":%d,\"start_time\":%" PRId64 ",\"start_since\":%ld,\"sockets\":{",
		   (int)LOAD(sb->supervisor_pid), LOAD(sb->started_s), (long)(now - LOAD(sb->started_s)));
	for (int k = 0; k < SB_SOCKETS; k++) {
		int64_t q = LOAD(sb->listen_queue[k]);
		buf_printf(out, "%s\"%s\":{\"accepted\":%" PRIu64 ",\"listen_queue\":", k ? "," : "",
			   sb_socket_names[k], sb_load(&sb->accepted[k]));
		if (q >= 0)
			buf_printf(out, "%" PRId64 ",\"backlog\":%" PRId64 "}", q,
				   LOAD(sb->listen_backlog[k]));
		else
			buf_adds(out, "null,\"backlog\":null}");
	}
	buf_adds(out, "},\"restarts\":{");
	for (int k = 0; k < SB_CAUSES; k++)
		buf_printf(out, "%s\"%s\":%" PRIu64, k ? "," : "", sb_cause_names[k],
			   sb_load(&sb->restarts[k]));
	buf_adds(out, "},\"workers\":[");
	struct sb_slot s;
	int used = LOAD(sb->slots_used), n = 0;
	for (int i = 0; i < used && i < SB_SLOTS; i++) {
		scoreboard_read_slot(sb, i, &s);
		if (!s.pid)
			continue;
		if (n++)
			buf_addc(out, ',');
		json_slot(out, &s, now_ms, now);
	}
	buf_adds(out, "]}\n");
}

void status_write(struct buf *out, const struct scoreboard *sb, bool json, int64_t now_ms)
{
	if (json)
		status_json(out, sb, now_ms);
	else
		status_text(out, sb, now_ms);
}

/* scoreboard.c -- the pool's shared scoreboard (see scoreboard.h). */
#include "base/scoreboard.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "base/clock.h"

const char *const sb_socket_names[SB_SOCKETS] = {"main", "hash", "list"};
const char *const sb_state_names[SB_STATES] = {"idle", "reading", "handling", "hashing"};
const char *const sb_cause_names[SB_CAUSES] = {"crashed", "exited", "max_requests", "stuck", "reload"};
const char *const sb_login_names[SB_LOGINS] = {"success", "bad_password", "unknown_email", "throttled"};
const int sb_statuses[SB_STATUSES] = {200, 201, 400, 401, 403, 404, 405, 409,
				      413, 422, 429, 500, 502, 503, 504, 0};
const int64_t sb_bucket_ms[SB_BUCKETS] = {5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, INT64_MAX};

static struct scoreboard *board; /* inherited by every worker */
static struct sb_slot *mine;     /* this worker's slot */
static int board_fd = -1;
static int64_t hash_started_us, hash_us; /* the request in hand's hashing */

#define STORE(field, v) __atomic_store_n(&(field), (v), __ATOMIC_RELAXED)
#define LOAD(field)     __atomic_load_n(&(field), __ATOMIC_RELAXED)
#define ADD(field, v)   __atomic_fetch_add(&(field), (v), __ATOMIC_RELAXED)

int scoreboard_create(void)
{
	int fd = memfd_create("fast_zero-scoreboard", MFD_CLOEXEC);
	if (fd < 0 || ftruncate(fd, sizeof *board) < 0) {
		int saved = errno;
		if (fd >= 0)
			close(fd);
		errno = saved;
		return -1;
	}
	void *m = mmap(NULL, sizeof *board, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (m == MAP_FAILED) {
		int saved = errno;
		close(fd);
		errno = saved;
		return -1;
	}
	board = m;
	board->started_s = time(NULL);
	board->supervisor_pid = (int32_t)getpid();
	for (int i = 0; i < SB_SOCKETS; i++)
		board->listen_queue[i] = board->listen_backlog[i] = -1;
	board_fd = fd;
	return fd;
}

const struct scoreboard *scoreboard_get(void)
{
	return board;
}

int scoreboard_write_pid_file(const char *path)
{
	char tmp[4200];
	if (!board || snprintf(tmp, sizeof tmp, "%s.tmp", path) >= (int)sizeof tmp)
		return -1;
	FILE *f = fopen(tmp, "w");
	if (!f)
		return -1;
	int ok = fprintf(f, "%d %d\n", (int)getpid(), board_fd) > 0;
	if (fclose(f) != 0 || !ok || rename(tmp, path) != 0) {
		unlink(tmp);
		return -1;
	}
	return 0;
}

const struct scoreboard *scoreboard_attach(const char *path, char *err, size_t errsz)
{
	FILE *f = fopen(path, "r");
	int pid = 0, fd = -1;
	char proc[64];
	if (!f || fscanf(f, "%d %d", &pid, &fd) != 2 || pid <= 0 || fd < 0) {
		snprintf(err, errsz, "%s: %s", path, f ? "not a fast_zero pid file" : strerror(errno));
		if (f)
			fclose(f);
		return NULL;
	}
	fclose(f);
	snprintf(proc, sizeof proc, "/proc/%d/fd/%d", pid, fd);
	int mfd = open(proc, O_RDONLY | O_CLOEXEC);
	struct stat st;
	if (mfd < 0 || fstat(mfd, &st) < 0 || (size_t)st.st_size != sizeof(struct scoreboard)) {
		snprintf(err, errsz, "no pool runs as pid %d (%s): %s", pid, path,
			 mfd < 0 ? strerror(errno) : "not its scoreboard");
		if (mfd >= 0)
			close(mfd);
		return NULL;
	}
	void *m = mmap(NULL, sizeof(struct scoreboard), PROT_READ, MAP_SHARED, mfd, 0);
	close(mfd);
	if (m == MAP_FAILED) {
		snprintf(err, errsz, "cannot map the scoreboard of pid %d: %s", pid, strerror(errno));
		return NULL;
	}
	return m;
}

void scoreboard_slot_reset(int i, int32_t pid, int socket)
{
	if (!board || i < 0 || i >= SB_SLOTS)
		return;
	struct sb_slot *s = &board->slots[i];
	STORE(s->pid, 0);
	STORE(s->socket, socket);
	STORE(s->state, SB_IDLE);
	STORE(s->route, -1);
	STORE(s->recycling, 0);
	STORE(s->request_ms, 0);
	STORE(s->served, 0);
	STORE(s->started_s, (int64_t)time(NULL));
	s->request_id[0] = '\0';
	STORE(s->pid, pid);
	if (pid && i >= LOAD(board->slots_used))
		STORE(board->slots_used, i + 1);
}

void scoreboard_restart(enum sb_cause cause)
{
	if (board)
		ADD(board->restarts[cause], 1);
}

void scoreboard_listen_queue(int socket, int64_t queued, int64_t backlog)
{
	if (!board)
		return;
	STORE(board->listen_queue[socket], queued);
	STORE(board->listen_backlog[socket], backlog);
}

void scoreboard_worker(int i, int socket)
{
	if (!board || i < 0 || i >= SB_SLOTS)
		return;
	mine = &board->slots[i];
	STORE(mine->socket, socket);
	STORE(mine->pid, (int32_t)getpid());
}

void scoreboard_accepted(void)
{
	if (mine)
		ADD(board->accepted[LOAD(mine->socket)], 1);
}

void scoreboard_reading(void)
{
	hash_us = 0;
	if (!mine)
		return;
	STORE(mine->route, -1);
	STORE(mine->request_ms, clock_ms());
	STORE(mine->state, SB_READING);
}

void scoreboard_handling(const char *request_id)
{
	if (!mine)
		return;
	/* Byte by byte: a reader may see it half written, never overrun. */
	size_t i = 0;
	for (; i < SB_REQUEST_ID - 1 && request_id[i]; i++)
		STORE(mine->request_id[i], request_id[i]);
	STORE(mine->request_id[i], '\0');
	STORE(mine->state, SB_HANDLING);
}

void scoreboard_route(int route)
{
	if (mine)
		STORE(mine->route, route >= 0 && route < SB_UNROUTED ? route : SB_UNROUTED);
}

void scoreboard_idle(void)
{
	if (!mine)
		return;
	STORE(mine->state, SB_IDLE);
	STORE(mine->request_ms, 0);
}

void scoreboard_hashing(bool on)
{
	if (on)
		hash_started_us = clock_us();
	else
		hash_us += clock_us() - hash_started_us;
	if (mine)
		STORE(mine->state, on ? SB_HASHING : SB_HANDLING);
}

static int status_index(int status)
{
	for (int i = 0; i < SB_STATUSES - 1; i++)
		if (sb_statuses[i] == status)
			return i;
	return SB_STATUSES - 1;
}

static int bucket_index(int64_t duration_us)
{
	int i = 0;
	while (i < SB_BUCKETS - 1 && duration_us > sb_bucket_ms[i] * 1000)
		i++;
	return i;
}

uint64_t scoreboard_answered(int status, int64_t duration_us)
{
	if (!mine)
		return 0;
	int route = LOAD(mine->route);
	struct sb_route_stats *r = &board->routes[route >= 0 ? route : SB_UNROUTED];
	ADD(r->by_status[status_index(status)], 1);
	ADD(r->buckets[bucket_index(duration_us)], 1);
	ADD(r->duration_us, (uint64_t)(duration_us > 0 ? duration_us : 0));
	STORE(mine->state, SB_IDLE);
	STORE(mine->request_ms, 0);
	return ADD(mine->served, 1) + 1;
}

void scoreboard_waited(int64_t ms)
{
	if (mine && LOAD(mine->request_ms))
		ADD(mine->request_ms, ms);
}

int64_t scoreboard_hashing_us(void)
{
	return hash_us;
}

void scoreboard_login(enum sb_login outcome)
{
	if (board)
		ADD(board->logins[outcome], 1);
}

void scoreboard_store_error(int status)
{
	if (board && status >= 0 && status < SB_STORE_KINDS)
		ADD(board->store_errors[status], 1);
}

void scoreboard_recycling(void)
{
	if (mine)
		STORE(mine->recycling, 1);
}

void scoreboard_read_slot(const struct scoreboard *sb, int i, struct sb_slot *out)
{
	const struct sb_slot *s = &sb->slots[i];
	out->pid = LOAD(s->pid);
	out->socket = LOAD(s->socket);
	out->state = LOAD(s->state);
	out->route = LOAD(s->route);
	out->recycling = LOAD(s->recycling);
	out->started_s = LOAD(s->started_s);
	out->request_ms = LOAD(s->request_ms);
	out->served = LOAD(s->served);
	for (int k = 0; k < SB_REQUEST_ID; k++)
		out->request_id[k] = LOAD(s->request_id[k]);
	out->request_id[SB_REQUEST_ID - 1] = '\0';
	if (out->socket < 0 || out->socket >= SB_SOCKETS)
		out->socket = SB_MAIN;
	if (out->state < 0 || out->state >= SB_STATES)
		out->state = SB_IDLE;
}

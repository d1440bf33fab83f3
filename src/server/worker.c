/* worker.c -- the worker's loop (see worker.h). */
#include "server/worker.h"

#include <errno.h>
#include <malloc.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "server/allow.h"
#include "routes/router.h"
#include "routes/audit.h"
#include "base/clock.h"
#include "wire/fcgi.h"
#include "auth/gate.h"
#include "wire/http.h"
#include "base/log.h"
#include "base/scoreboard.h"
#include "base/settings.h"
#include "store/store.h"

/* nginx keeps at most its upstream `keepalive` count of idle connections per
 * nginx process; beyond this many a connection is closed after use, which
 * nginx then has to retry. */
#define KEPT_MAX     64
#define IO_TIMEOUT_S 30
#define DRAIN_MAX_S  10
/* A request still in the store after this long lets go of the worker's kept
 * connections (see let_go_of_kept). */
#define SLOW_REQUEST_MS 10

struct worker {
	struct app app;
	struct fcgi_request fr;
	struct request req;
	struct response res;
	struct store_watch watch; /* the request in hand's */
	struct buf head;
	int fd; /* the connection of the request in hand */
	int kept[KEPT_MAX];
	int nkept;
	bool leaving; /* served its MAX_REQUESTS: stops once the request in hand is answered */
	const struct allow_list *allow;
};

static int signal_fd(void)
{
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGUSR1);
	sigprocmask(SIG_BLOCK, &set, NULL);
	return signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
}

static void open_audit_log(const struct settings *s)
{
	if (audit_open(s->audit_log) < 0)
		log_error("cannot open the audit log %s: %s; keeping the one open", s->audit_log,
			  strerror(errno));
}

/* True when a stop signal (TERM or INT) is waiting; USR1 reopens the audit
 * log; HUP is the supervisor's. */
static bool stop_requested(int sfd, const struct settings *s)
{
	struct signalfd_siginfo si;
	bool stop = false;
	while (read(sfd, &si, sizeof si) == (ssize_t)sizeof si) {
		if (si.ssi_signo == SIGTERM || si.ssi_signo == SIGINT)
			stop = true;
		else if (si.ssi_signo == SIGUSR1)
			open_audit_log(s);
	}
	return stop;
}

/* A request's reading may stall for this long (its answer's writing, see
 * fcgi.h, until the request's time limit). */
static void set_timeouts(int fd)
{
	struct timeval tv = {.tv_sec = IO_TIMEOUT_S};
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
}

/* Logs an answer that nginx stopped taking (its client reads no more)
 * until the request's time limit: the worker let it go, cut short. */
static void note_unread(const struct worker *w)
{
	if (errno == ETIMEDOUT)
		log_error("request %s: the answer was not taken by the time limit (REQUEST_TIMEOUT=%ld "
			  "ms): cut short",
			  w->req.request_id, w->app.settings->request_timeout_ms);
}

/* The sink of a streamed answer: the head the first time, then the body so far. */
static int send_part(struct response *res, void *arg)
{
	struct worker *w = arg;
	struct buf none = {0};
	const struct buf *head = &none;
	if (w->head.len == 0) {
		http_write_head(res, &w->req, &w->head);
		head = &w->head;
	}
	int rc = fcgi_write_stdout(w->fd, &w->fr, head, &res->body);
	if (rc)
		note_unread(w);
	return rc;
}

/* Past this, a request's buffers are given back rather than kept for the next. */
#define KEEP_BUFFER_MAX ((size_t)256 * 1024)

static void shrink(struct buf *b)
{
	if (b->cap > KEEP_BUFFER_MAX) {
		buf_free(b);
		buf_init(b);
	}
}

/* The request in hand turned out slow: the idle connections this worker
 * keeps would wait for it, so they are closed. nginx sends a request it had
 * put on one of them again on another connection (it retries a kept
 * connection that fails), which a free worker takes. */
static void let_go_of_kept(void *arg)
{
	struct worker *w = arg;
	for (int i = 0; i < w->nkept; i++)
		close(w->kept[i]);
	w->nkept = 0;
}

/* The clock_ms() past which the request in hand may not wait for a hash:
 * HASH_QUEUE_TIMEOUT after nginx passed it on, or after now when nginx does
 * not say when; 0: no limit. */
static int64_t hash_deadline(const struct worker *w, int64_t now)
{
	long budget = w->app.settings->hash_queue_timeout_ms;
	int64_t waited = 0, unix_now = clock_unix_ms();
	if (!budget)
		return 0;
	if (w->req.start_ms >= 0 && unix_now > w->req.start_ms)
		waited = unix_now - w->req.start_ms;
	return now + budget - waited > 0 ? now + budget - waited : 1;
}

/* The request in hand waited ms for its turn at the hashing gate, within
 * HASH_QUEUE_TIMEOUT: its own time limit (REQUEST_TIMEOUT, for the store
 * and the answer's writing) counts its work, not that wait, as it never
 * counted a wait in the socket's queue. (REQUEST_KILL_TIMEOUT's start, on
 * the scoreboard, the gate moved as it waited.) */
static void after_gate_wait(void *arg, int64_t ms)
{
	struct worker *w = arg;
	if (w->watch.deadline_ms)
		w->watch.deadline_ms += ms;
	w->watch.slow_ms += ms;
	w->fr.deadline_ms = w->watch.deadline_ms;
	store_rewatch(w->app.store, &w->watch);
}

/* Answers the request read into w->fr; the pattern of its route, or NULL. */
static const char *answer(struct worker *w)
{
	long timeout = w->app.settings->request_timeout_ms;
	int64_t now = clock_ms();
	w->watch = (struct store_watch){.deadline_ms = timeout ? now + timeout : 0,
					.slow_ms = now + SLOW_REQUEST_MS,
					.slow = let_go_of_kept,
					.arg = w};
	response_reset(&w->res);
	buf_reset(&w->head);
	http_request_from(&w->req, &w->fr);
	scoreboard_handling(w->req.request_id);
	w->fr.deadline_ms = w->watch.deadline_ms;
	hash_gate_request(&w->app.gate, w->req.remote_addr, hash_deadline(w, now),
			  w->app.settings->rate_limit);
	store_watch(w->app.store, &w->watch);
	const char *route = NULL;
	if (w->fr.too_large)
		http_error(&w->res, 413, "Request Entity Too Large");
	else
		route = router_dispatch(&w->app, &w->req, &w->res);
	hash_gate_leave(&w->app.gate); /* a turn taken and not used */
	store_watch(w->app.store, NULL);
	if (!buf_ok(&w->res.body) || !buf_ok(&w->res.headers)) {
		bool streaming = w->res.streaming;
		response_reset(&w->res);
		http_internal_error(&w->res, &w->req, "out of memory building the answer");
		w->res.broken = streaming;
	}
	if (!w->res.streaming)
		http_write_head(&w->res, &w->req, &w->head);
	else
		buf_reset(&w->head); /* it went with the first part */
	return route;
}

/* Counts the answered request on the scoreboard, logs it when slower than
 * SLOW_REQUEST_MS, and sees whether the worker has served its MAX_REQUESTS. */
static void answered(struct worker *w, const char *route, int64_t started_us)
{
	const struct settings *s = w->app.settings;
	int64_t us = clock_us() - started_us;
	uint64_t served = scoreboard_answered(w->res.status, us);
	if (s->slow_request_ms && us >= s->slow_request_ms * 1000)
		log_info("slow request %s: %s %s %d in %lld ms (hashing %lld ms, store %lld ms)",
			 w->req.request_id, w->req.method, route ? route : "unrouted", w->res.status,
			 (long long)(us / 1000), (long long)(scoreboard_hashing_us() / 1000),
			 (long long)(store_time_us(w->app.store) / 1000));
	if (s->max_requests && served >= (uint64_t)s->max_requests && !w->leaving) {
		w->leaving = true;
		scoreboard_recycling();
	}
}

/* Serves one request on fd; true when the connection stays open for more. */
static bool serve_one(struct worker *w, int fd)
{
	int64_t started_us = clock_us();
	scoreboard_reading();
	int got = fcgi_read_request(fd, &w->fr);
	bool keep = false;
	if (got <= 0) {
		scoreboard_idle();
		return false;
	}
	w->fd = fd;
	const char *route = answer(w);
	/* A streamed answer cut short ends without END_REQUEST: nginx then
	 * closes the client's connection before the last chunk. */
	bool sent = !w->res.broken && fcgi_write_response(fd, &w->fr, &w->head, &w->res.body) == 0;
	if (!sent && !w->res.broken)
		note_unread(w);
	answered(w, route, started_us);
	keep = sent && w->fr.keep_conn && !w->leaving;
	shrink(&w->res.body);
	shrink(&w->fr.body);
	shrink(&w->fr.params);
	return keep;
}

static void keep_or_close(struct worker *w, int fd, bool keep)
{
	if (keep && w->nkept < KEPT_MAX)
		w->kept[w->nkept++] = fd;
	else
		close(fd);
}

/* Accepts and serves one connection; false when none was waiting. */
static bool accept_one(struct worker *w, int listen_fd)
{
	struct sockaddr_storage peer = {0};
	socklen_t peer_len = sizeof peer;
	int fd = accept4(listen_fd, (struct sockaddr *)&peer, &peer_len, SOCK_CLOEXEC);
	if (fd < 0) {
		if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
			log_error("accept: %s", strerror(errno));
		return false;
	}
	if (!allow_peer(w->allow, (struct sockaddr *)&peer)) {
		close(fd);
		return true;
	}
	set_timeouts(fd);
	scoreboard_accepted();
	keep_or_close(w, fd, serve_one(w, fd));
	return true;
}

/* On the way out: nginx has already handed over the connections waiting in
 * the socket's queue, and they would be reset when the last worker closes
 * it, so serve them first (for at most DRAIN_MAX_S under a steady stream). */
static void drain(struct worker *w, int listen_fd)
{
	time_t deadline = time(NULL) + DRAIN_MAX_S;
	while (time(NULL) < deadline && accept_one(w, listen_fd))
		;
}

/* Takes fd out of the kept set; false when it is no longer there (let go
 * of while an earlier request was slow). */
static bool unkeep(struct worker *w, int fd)
{
	for (int i = 0; i < w->nkept; i++) {
		if (w->kept[i] == fd) {
			w->kept[i] = w->kept[--w->nkept];
			return true;
		}
	}
	return false;
}

/* Serves the n kept connections that poll found readable; drops closed ones. */
static void serve_kept(struct worker *w, const struct pollfd *pfd, int n)
{
	for (int i = 0; i < n; i++)
		if (pfd[i].revents && unkeep(w, pfd[i].fd))
			keep_or_close(w, pfd[i].fd, serve_one(w, pfd[i].fd));
}

/* Serves until asked to stop (0), or until poll fails (-1, logged). */
static int worker_loop(struct worker *w, int listen_fd, int sfd)
{
	struct pollfd pfd[2 + KEPT_MAX];
	for (;;) {
		int n = w->nkept;
		pfd[0] = (struct pollfd){.fd = sfd, .events = POLLIN};
		pfd[1] = (struct pollfd){.fd = listen_fd, .events = POLLIN};
		for (int i = 0; i < n; i++)
			pfd[2 + i] = (struct pollfd){.fd = w->kept[i], .events = POLLIN};
		/* Woken to say the counts of held log lines when they are due. */
		if (poll(pfd, (nfds_t)2 + (nfds_t)n, log_flood_flush()) < 0) {
			if (errno == EINTR)
				continue;
			log_error("poll: %s", strerror(errno));
			return -1;
		}
		if (pfd[0].revents && stop_requested(sfd, w->app.settings)) {
			drain(w, listen_fd);
			return 0;
		}
		serve_kept(w, pfd + 2, n);
		if (pfd[1].revents && !w->leaving)
			accept_one(w, listen_fd);
		if (w->leaving) {
			log_info("served its %ld requests (MAX_REQUESTS): making way for a new worker",
				 w->app.settings->max_requests);
			return 0;
		}
	}
}

static void worker_free(struct worker *w)
{
	log_flood_end();
	for (int i = 0; i < w->nkept; i++)
		close(w->kept[i]);
	store_close(w->app.store);
	router_release();
	hash_gate_leave(&w->app.gate);
	fcgi_request_free(&w->fr);
	response_free(&w->res);
	buf_free(&w->head);
}

int worker_run(int listen_fd, struct gate_room *gate, const struct settings *settings,
	       const struct allow_list *allow)
{
	struct worker w = {.app.settings = settings, .allow = allow};
	char err[512] = "out of memory";
	int sfd = signal_fd();
	prctl(PR_SET_PDEATHSIG, SIGTERM); /* never outlive a supervisor killed outright */
	signal(SIGPIPE, SIG_IGN);         /* nginx may close a connection first: an EPIPE, not a death */
	/* Large blocks are mapped and unmapped, never kept in the heap: after
	 * any request the worker is back to its usual size. */
	mallopt(M_MMAP_THRESHOLD, 128 * 1024);
	mallopt(M_TRIM_THRESHOLD, 256 * 1024);
	response_init(&w.res);
	w.res.sink = send_part;
	w.res.sink_arg = &w;
	buf_init(&w.head);
	open_audit_log(settings);
	hash_gate_open(&w.app.gate, gate);
	w.app.gate.waited = after_gate_wait;
	w.app.gate.waited_arg = &w;
	if (sfd < 0 || fcgi_request_init(&w.fr) ||
	    !(w.app.store = store_open(settings->database_url, err, sizeof err))) {
		log_error("worker cannot start: %s", sfd < 0 ? strerror(errno) : err);
		worker_free(&w);
		return 1;
	}
	int rc = worker_loop(&w, listen_fd, sfd);
	worker_free(&w);
	close(sfd);
	return rc ? 1 : 0; /* the supervisor logs a worker that exits 1 */
}

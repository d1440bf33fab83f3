/* pool.c -- the supervisor (see pool.h). */
#include "server/pool.h"

#include <errno.h>
#include <stdbool.h>
#include <netdb.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <fcntl.h>
#include <time.h>
#include <unistd.h>

#include "server/allow.h"
#include "routes/router.h"
#include "base/clock.h"
#include "auth/gate.h"
#include "server/listenq.h"
#include "base/log.h"
#include "base/scoreboard.h"
#include "auth/security.h"
#include "base/settings.h"
#include "auth/throttle.h"
#include "server/worker.h"

#define SLOTS_MAX    2048
#define STOP_GRACE_S 30
/* Hash workers per core: one hashing (the gate's turns), the others waiting
 * their turn in the gate's fair queue rather than in the socket's. */
#define HASH_WORKERS_PER_CORE 4

/* The sockets the pool serves: the main one, and optionally one for the
 * routes that hash passwords, with its own core-count workers, so that a
 * burst of logins queues there instead of taking every worker, and one for
 * the lists, so that a flood of costly lists queues there. */
enum { MAIN, HASH, LIST, LISTENERS };

struct listener {
	int fd;                                                      /* -1 when not served */
	char unix_path[sizeof(((struct sockaddr_un *)0)->sun_path)]; /* to remove at exit */
	long size;                                                   /* workers wanted on it */
};

struct slot {
	pid_t pid;
	int listener;
	unsigned generation; /* the settings generation the worker started with */
	bool retiring;       /* asked to stop during a reload */
	bool stuck;          /* killed past REQUEST_KILL_TIMEOUT */
};

struct pool {
	const struct pool_options *opt;
	struct settings *settings;
	struct listener listeners[LISTENERS];
	int sig_fd;
	struct gate_room *gate;
	struct allow_list allow;
	unsigned generation;
	bool stopping; /* told to stop: workers that end are not replaced */
	struct slot slots[SLOTS_MAX];
	time_t last_spawn;
	int spawns_this_second;
	char pid_file[4096]; /* where `fast_zero status` finds the scoreboard; "" none */
};

static bool is_listening_socket(int fd)
{
	int listening = 0;
	socklen_t len = sizeof listening;
	return getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &listening, &len) == 0 && listening;
}

/* How many sockets systemd passed from fd 3 on (LISTEN_FDS for our pid). */
static int systemd_sockets(void)
{
	const char *pid = getenv("LISTEN_PID"), *fds = getenv("LISTEN_FDS");
	if (!pid || !fds || strtol(pid, NULL, 10) != (long)getpid())
		return 0;
	long n = strtol(fds, NULL, 10);
	return n > 0 && n < 64 ? (int)n : 0;
}

/* Sockets handed over: systemd's fd 3 (main), 4 (hash) and 5 (list), or a
 * single one on fd 0 (spawn-fcgi, StandardInput=socket). False when there
 * are none. */
static bool take_inherited(struct pool *p)
{
	int n = systemd_sockets();
	if (n >= 1 && is_listening_socket(3)) {
		for (int i = 0; i < n && i < LISTENERS && is_listening_socket(3 + i); i++)
			p->listeners[i].fd = 3 + i;
	} else if (is_listening_socket(0)) {
		p->listeners[MAIN].fd = 0;
	} else {
		return false;
	}
	for (int i = 0; i < LISTENERS; i++)
		if (p->listeners[i].fd >= 0)
			fcntl(p->listeners[i].fd, F_SETFL, fcntl(p->listeners[i].fd, F_GETFL) | O_NONBLOCK);
	return true;
}

/* A stale socket file (left by a killed run) is one nobody answers on. */
static bool socket_is_stale(const struct sockaddr_un *sa)
{
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	bool stale =
		fd >= 0 && connect(fd, (const struct sockaddr *)sa, sizeof *sa) < 0 && errno == ECONNREFUSED;
	if (fd >= 0)
		close(fd);
	return stale;
}

static int listen_unix(struct listener *l, const char *path)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	if (strlen(path) >= sizeof sa.sun_path) {
		log_error("socket path too long: %s", path);
		return -1;
	}
	memcpy(sa.sun_path, path, strlen(path) + 1);
	if (socket_is_stale(&sa))
		unlink(path);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	mode_t old = umask(0117); /* rw for owner and group: nginx's user is the group */
	int rc = fd < 0 ? -1 : bind(fd, (struct sockaddr *)&sa, sizeof sa);
	umask(old);
	if (rc < 0 || listen(fd, 1024) < 0) {
		log_error("cannot listen on %s: %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	memcpy(l->unix_path, sa.sun_path, sizeof l->unix_path);
	return fd;
}

static int listen_tcp(const char *spec)
{
	char host[256];
	const char *colon = strrchr(spec, ':');
	struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM}, *ai;
	if (!colon || (size_t)(colon - spec) >= sizeof host)
		return -1;
	if (spec[0] == '[' && colon > spec + 1 && colon[-1] == ']') /* [::1]:9000 */
		snprintf(host, sizeof host, "%.*s", (int)(colon - spec - 2), spec + 1);
	else
		snprintf(host, sizeof host, "%.*s", (int)(colon - spec), spec);
	int gai = getaddrinfo(host, colon + 1, &hints, &ai);
	if (gai != 0) {
		log_error("cannot listen on %s: %s", spec, gai_strerror(gai));
		return -1;
	}
	int one = 1, fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd >= 0)
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	if (fd < 0 || bind(fd, ai->ai_addr, ai->ai_addrlen) < 0 || listen(fd, 1024) < 0) {
		log_error("cannot listen on %s: %s", spec, strerror(errno));
		if (fd >= 0)
			close(fd);
		fd = -1;
	}
	freeaddrinfo(ai);
	return fd;
}

/* Opens the socket named by addr (see pool.h) into l; 0 or -1. */
static int open_listener(struct listener *l, const char *addr)
{
	int fd;
	if (strncmp(addr, "unix:", 5) == 0)
		fd = listen_unix(l, addr + 5);
	else if (addr[0] == '/')
		fd = listen_unix(l, addr);
	else
		fd = listen_tcp(addr);
	/* Non-blocking, so that workers woken together for one connection do not
	 * block in accept(); each of them polls again. */
	if (fd >= 0)
		fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	l->fd = fd;
	return fd < 0 ? -1 : 0;
}

/* Closes the supervisor's sockets and removes their files. */
static void close_listeners(struct pool *p)
{
	for (int i = 0; i < LISTENERS; i++) {
		struct listener *l = &p->listeners[i];
		if (l->fd >= 0)
			close(l->fd);
		if (l->unix_path[0])
			unlink(l->unix_path);
		l->fd = -1;
	}
}

/* The sockets: handed over, or opened as the options say. */
static int open_listeners(struct pool *p)
{
	const char *addr[LISTENERS] = {p->opt->listen, p->opt->hash_listen, p->opt->list_listen};
	if (!take_inherited(p)) {
		for (int i = 0; i < LISTENERS; i++) {
			if (addr[i] && open_listener(&p->listeners[i], addr[i])) {
				close_listeners(p);
				return -1;
			}
		}
	}
	p->listeners[HASH].size = p->listeners[HASH].fd >= 0 ? HASH_WORKERS_PER_CORE * hash_gate_cap() : 0;
	p->listeners[LIST].size = p->listeners[LIST].fd >= 0 ? p->listeners[MAIN].size : 0;
	return 0;
}

static int signal_fd(void)
{
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGUSR1);
	sigprocmask(SIG_BLOCK, &set, NULL);
	return signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
}

static void spawn(struct pool *p, struct slot *s, int listener)
{
	int i = (int)(s - p->slots);
	scoreboard_slot_reset(i, 0, listener);
	pid_t pid = fork();
	if (pid == 0) {
		close(p->sig_fd);
		scoreboard_worker(i, listener);
		exit(worker_run(p->listeners[listener].fd, p->gate, p->settings, &p->allow));
	}
	if (pid < 0) {
		log_error("fork: %s", strerror(errno));
		return;
	}
	*s = (struct slot){.pid = pid, .listener = listener, .generation = p->generation};
	scoreboard_slot_reset(i, pid, listener);
}

static struct slot *free_slot(struct pool *p)
{
	for (int i = 0; i < SLOTS_MAX; i++)
		if (!p->slots[i].pid)
			return &p->slots[i];
	return NULL;
}

/* Workers alive on listener (or on any, with -1), retiring ones included or not. */
static long live_workers(const struct pool *p, int listener, bool count_retiring)
{
	long n = 0;
	for (int i = 0; i < SLOTS_MAX; i++) {
		const struct slot *s = &p->slots[i];
		n += s->pid && (listener < 0 || s->listener == listener) && (count_retiring || !s->retiring);
	}
	return n;
}

/* Brings the pool up to size. A worker that dies at once every time (a bad
 * database path, say) is restarted at most ten times a second. */
static void fill(struct pool *p)
{
	time_t now = time(NULL);
	if (now != p->last_spawn) {
		p->last_spawn = now;
		p->spawns_this_second = 0;
	}
	for (int l = 0; l < LISTENERS; l++) {
		while (live_workers(p, l, false) < p->listeners[l].size &&
		       p->spawns_this_second < 10 + SLOTS_MAX / 64) {
			struct slot *s = free_slot(p);
			if (!s)
				return;
			spawn(p, s, l);
			p->spawns_this_second++;
		}
	}
}

/* Replaces the next worker of an older generation, when none is stopping:
 * its successor is started first, then it is asked to stop. */
static void retire_next(struct pool *p)
{
	for (int i = 0; i < SLOTS_MAX; i++)
		if (p->slots[i].pid && p->slots[i].retiring)
			return;
	for (int i = 0; i < SLOTS_MAX; i++) {
		struct slot *s = &p->slots[i];
		struct slot *successor;
		if (s->pid && s->generation != p->generation && (successor = free_slot(p))) {
			spawn(p, successor, s->listener);
			s->retiring = true;
			kill(s->pid, SIGTERM);
			return;
		}
	}
}

/* Why the worker of slot i, which ended with status, is to be replaced. */
static enum sb_cause end_cause(const struct pool *p, int i, int status)
{
	const struct scoreboard *sb = scoreboard_get();
	if (p->slots[i].stuck)
		return SB_STUCK;
	if (p->slots[i].retiring)
		return SB_RELOAD;
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0 && sb &&
	    __atomic_load_n(&sb->slots[i].recycling, __ATOMIC_RELAXED))
		return SB_MAX_REQUESTS;
	return WIFSIGNALED(status) ? SB_CRASHED : SB_EXITED;
}

/* Whether the pool has been told to stop, the signal perhaps not read yet:
 * a terminal's Ctrl-C reaches the workers too, and they may end first. */
static bool stopping(const struct pool *p)
{
	sigset_t pending;
	return p->stopping || (sigpending(&pending) == 0 &&
			       (sigismember(&pending, SIGTERM) || sigismember(&pending, SIGINT)));
}

/* Logs the end of the worker of slot i, unless it is the expected end of a
 * clean stop (nothing to say) or of a reload or recycling (counted). */
static void log_end(const struct pool *p, int i, int status, enum sb_cause cause)
{
	const char *then = stopping(p) ? " while the pool was stopping" : "; replacing it";
	int pid = (int)p->slots[i].pid;
	if (WIFSIGNALED(status) && !p->slots[i].stuck)
		log_error("worker %d killed by signal %d%s", pid, WTERMSIG(status), then);
	else if (WIFEXITED(status) && WEXITSTATUS(status) != 0)
		log_error("worker %d exited with status %d%s", pid, WEXITSTATUS(status), then);
	else if (cause == SB_EXITED && !stopping(p))
		log_error("worker %d exited with status 0, unasked; replacing it", pid);
}

static void reap(struct pool *p)
{
	int status;
	pid_t pid;
	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		for (int i = 0; i < SLOTS_MAX; i++) {
			if (p->slots[i].pid != pid)
				continue;
			enum sb_cause cause = end_cause(p, i, status);
			hash_gate_forget(p->gate, pid);
			log_end(p, i, status, cause);
			if (!stopping(p))
				scoreboard_restart(cause);
			scoreboard_slot_reset(i, 0, p->slots[i].listener);
			p->slots[i] = (struct slot){0};
		}
	}
}

/* Kills the workers still on one request past REQUEST_KILL_TIMEOUT: nginx
 * answers their client 502, and reap() replaces them. */
static void kill_stuck(struct pool *p)
{
	const struct scoreboard *sb = scoreboard_get();
	long limit = p->settings->request_kill_timeout_ms;
	int64_t now = clock_ms();
	struct sb_slot s;
	if (!sb || !limit)
		return;
	for (int i = 0; i < SLOTS_MAX; i++) {
		if (!p->slots[i].pid || p->slots[i].stuck)
			continue;
		scoreboard_read_slot(sb, i, &s);
		if (s.pid != p->slots[i].pid || !s.request_ms || now - s.request_ms < limit)
			continue;
		const char *method = "", *pattern = "unrouted";
		if (s.route >= 0)
			router_route(s.route, &method, &pattern);
		log_error("worker %d still on request %s (%s %s) after %lld ms (REQUEST_KILL_TIMEOUT): "
			  "killing it",
			  (int)s.pid, s.request_id[0] ? s.request_id : "-", method, pattern,
			  (long long)(now - s.request_ms));
		p->slots[i].stuck = true;
		kill(p->slots[i].pid, SIGKILL);
	}
}

/* The sockets' accept queues, for the scoreboard. */
static void note_queues(const struct pool *p)
{
	for (int i = 0; i < LISTENERS; i++) {
		int64_t queued, backlog;
		listen_queue(p->listeners[i].fd, &queued, &backlog);
		scoreboard_listen_queue(i, queued, backlog);
	}
}

static void reload(struct pool *p)
{
	char err[512];
	struct settings fresh;
	if (settings_load(&fresh, p->opt->env_path, SETTINGS_SECRET_REQUIRED, err, sizeof err)) {
		log_error("reload refused, keeping the running settings: %s", err);
		return;
	}
	*p->settings = fresh;
	explicit_bzero(&fresh, sizeof fresh);
	if (p->opt->workers == 0 && p->settings->workers > 0) {
		p->listeners[MAIN].size = p->settings->workers;
		if (p->listeners[LIST].fd >= 0)
			p->listeners[LIST].size = p->settings->workers;
	}
	if (p->opt->max_requests)
		p->settings->max_requests = p->opt->max_requests;
	p->generation++;
	log_info("reloading: replacing the workers one by one");
}

/* Stops every worker gracefully, then forcefully after STOP_GRACE_S. */
static void stop_all(struct pool *p)
{
	time_t deadline = time(NULL) + STOP_GRACE_S;
	for (int i = 0; i < SLOTS_MAX; i++)
		if (p->slots[i].pid)
			kill(p->slots[i].pid, SIGTERM);
	bool killed = false;
	while (live_workers(p, -1, true) > 0) {
		if (time(NULL) > deadline) {
			if (!killed)
				log_error("workers still busy %d s after the stop: killing them",
					  STOP_GRACE_S);
			killed = true;
			for (int i = 0; i < SLOTS_MAX; i++)
				if (p->slots[i].pid)
					kill(p->slots[i].pid, SIGKILL);
		}
		poll(NULL, 0, 20);
		reap(p);
	}
}

static void signal_workers(const struct pool *p, int sig)
{
	for (int i = 0; i < SLOTS_MAX; i++)
		if (p->slots[i].pid)
			kill(p->slots[i].pid, sig);
}

/* Handles the pending signals; false once the pool must stop. */
static bool on_signals(struct pool *p)
{
	struct signalfd_siginfo si;
	while (read(p->sig_fd, &si, sizeof si) == (ssize_t)sizeof si) {
		if (si.ssi_signo == SIGTERM || si.ssi_signo == SIGINT)
			p->stopping = true;
		else if (si.ssi_signo == SIGHUP)
			reload(p);
		else if (si.ssi_signo == SIGUSR1)
			signal_workers(p, SIGUSR1); /* each reopens the audit log */
	}
	reap(p);
	return !p->stopping;
}

int pool_pid_file(const char *listen, const char *pid_file, char *out, size_t outsz)
{
	const char *path = NULL;
	if (pid_file)
		return snprintf(out, outsz, "%s", pid_file) < (int)outsz ? 0 : -1;
	if (listen && strncmp(listen, "unix:", 5) == 0)
		path = listen + 5;
	else if (listen && listen[0] == '/')
		path = listen;
	if (!path)
		return -1;
	size_t n = strlen(path);
	if (n > 5 && strcmp(path + n - 5, ".sock") == 0)
		n -= 5;
	return snprintf(out, outsz, "%.*s.pid", (int)n, path) < (int)outsz ? 0 : -1;
}

/* The scoreboard, and the pid file that leads `fast_zero status` to it. */
static void open_scoreboard(struct pool *p)
{
	if (scoreboard_create() < 0) {
		log_error("no scoreboard (%s): no metrics, no status, no REQUEST_KILL_TIMEOUT",
			  strerror(errno));
		return;
	}
	if (pool_pid_file(p->opt->listen, p->opt->pid_file, p->pid_file, sizeof p->pid_file) == 0 &&
	    scoreboard_write_pid_file(p->pid_file) < 0) {
		log_error("cannot write the pid file %s: %s", p->pid_file, strerror(errno));
		p->pid_file[0] = '\0';
	}
}

static long default_size(const struct pool_options *opt, const struct settings *s)
{
	long cores = sysconf(_SC_NPROCESSORS_ONLN);
	if (opt->workers > 0)
		return opt->workers;
	if (s->workers > 0)
		return s->workers;
	return cores > 0 ? 2 * cores : 2;
}

int pool_run(const struct pool_options *opt, struct settings *settings)
{
	static struct pool p; /* large (slots); one per process */
	p = (struct pool){.opt = opt, .settings = settings};
	p.listeners[MAIN] = (struct listener){.fd = -1, .size = default_size(opt, settings)};
	p.listeners[HASH] = (struct listener){.fd = -1};
	p.listeners[LIST] = (struct listener){.fd = -1};
	if (p.listeners[MAIN].size > SLOTS_MAX / 4)
		p.listeners[MAIN].size = SLOTS_MAX / 4;
	char err[128];
	if (allow_parse(opt->allow, &p.allow, err, sizeof err)) {
		log_error("%s", err);
		return 2;
	}
	if ((p.sig_fd = signal_fd()) < 0 || open_listeners(&p))
		return 1;
	/* Places for every worker that may hash: the hash socket's, else the main one's. */
	long places = p.listeners[p.listeners[HASH].fd >= 0 ? HASH : MAIN].size;
	if (!(p.gate = hash_gate_create(hash_gate_cap(), (int)places)))
		log_error("no password-hashing gate (%s): hashing is not capped", strerror(errno));
	if (p.opt->max_requests)
		p.settings->max_requests = p.opt->max_requests;
	open_scoreboard(&p);
	if (throttle_create())
		log_error("no hashing budgets (%s): only nginx's limits hold", strerror(errno));
	log_info("serving FastCGI with %ld workers%s%s", p.listeners[MAIN].size,
		 p.listeners[HASH].fd >= 0 ? ", password hashing on its own socket" : "",
		 p.listeners[LIST].fd >= 0 ? ", lists on their own socket" : "");
	bool running = true;
	while (running) {
		fill(&p);
		retire_next(&p);
		struct pollfd pfd = {.fd = p.sig_fd, .events = POLLIN};
		poll(&pfd, 1, 100);
		running = on_signals(&p);
		kill_stuck(&p);
		note_queues(&p);
	}
	log_info("stopping: letting the requests in flight finish");
	/* New connections are refused from now on; the workers still hold the
	 * sockets and serve what is already queued (see worker.c). */
	close_listeners(&p);
	stop_all(&p);
	if (p.pid_file[0])
		unlink(p.pid_file);
	log_info("stopped");
	return 0;
}

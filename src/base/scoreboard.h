/* scoreboard.h -- the pool's shared scoreboard: what every worker is doing,
 * and the pool's counters, in one shared memory mapping.
 *
 * The supervisor makes it (a memfd, mapped before the first fork, so every
 * worker inherits the mapping) with one slot per worker slot of the pool.
 * A worker writes only its own slot and adds to the pool's counters with
 * atomic operations: nothing on the hot path takes a lock, and a reader (a
 * worker answering /metrics, `fast_zero status`, the supervisor looking for
 * stuck workers) sees each number whole, though not every number of one
 * instant. Counters only grow for the life of the supervisor: a worker that
 * is replaced takes none of them with it.
 *
 * Outside the pool, `fast_zero status` reads it through the pid file the
 * supervisor writes beside its main socket ("PID FD", the memfd being
 * /proc/PID/fd/FD), with the rights of the pool's user.
 *
 * Every function that updates it does nothing when there is none (a worker
 * run alone, the unit tests). */
#ifndef FZ_SCOREBOARD_H
#define FZ_SCOREBOARD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SB_SLOTS       2048
#define SB_ROUTES      32 /* route table indexes; the last one counts unrouted requests */
#define SB_UNROUTED    (SB_ROUTES - 1)
#define SB_STATUSES    16
#define SB_BUCKETS     12 /* the duration histogram's upper bounds, +Inf last */
#define SB_STORE_KINDS 16
#define SB_REQUEST_ID  48

enum sb_socket { SB_MAIN, SB_HASH, SB_LIST, SB_SOCKETS };
enum sb_state { SB_IDLE, SB_READING, SB_HANDLING, SB_HASHING, SB_STATES };
enum sb_cause { SB_CRASHED, SB_EXITED, SB_MAX_REQUESTS, SB_STUCK, SB_RELOAD, SB_CAUSES };
enum sb_login {
	SB_LOGIN_SUCCESS,
	SB_LOGIN_BAD_PASSWORD,
	SB_LOGIN_UNKNOWN_EMAIL,
	SB_LOGIN_THROTTLED,
	SB_LOGINS
};

extern const char *const sb_socket_names[SB_SOCKETS];
extern const char *const sb_state_names[SB_STATES];
extern const char *const sb_cause_names[SB_CAUSES];
extern const char *const sb_login_names[SB_LOGINS];
/* The statuses counted one by one (index i), 0 last for any other. */
extern const int sb_statuses[SB_STATUSES];
/* The histogram's upper bounds in milliseconds; the last is +Inf. */
extern const int64_t sb_bucket_ms[SB_BUCKETS];

struct sb_slot {
	int32_t pid; /* 0: free */
	int32_t socket;
	int32_t state;
	int32_t route;                  /* of the request in hand, -1 before routing */
	int32_t recycling;              /* served its MAX_REQUESTS: leaving on its own */
	int64_t started_s;              /* the worker's start, Unix seconds */
	int64_t request_ms;             /* the request in hand's start, clock_ms(); 0 idle */
	uint64_t served;                /* requests answered */
	char request_id[SB_REQUEST_ID]; /* of the request in hand, or the last one */
};

struct sb_route_stats {
	uint64_t by_status[SB_STATUSES];
	uint64_t buckets[SB_BUCKETS]; /* not cumulative: one per bound */
	uint64_t duration_us;         /* their sum */
};

struct scoreboard {
	int64_t started_s;
	int32_t supervisor_pid;
	int32_t slots_used; /* slots [0, slots_used) may be in use */
	uint64_t accepted[SB_SOCKETS];
	int64_t listen_queue[SB_SOCKETS]; /* -1: not known (or no such socket) */
	int64_t listen_backlog[SB_SOCKETS];
	uint64_t restarts[SB_CAUSES];
	uint64_t logins[SB_LOGINS];
	uint64_t store_errors[SB_STORE_KINDS]; /* by enum store_status */
	struct sb_route_stats routes[SB_ROUTES];
	struct sb_slot slots[SB_SLOTS];
};

/* In the supervisor, before forking: makes the scoreboard; its fd, or -1
 * (errno set; the pool then runs without one). */
int scoreboard_create(void);
/* The scoreboard of this process (NULL: none), to read. */
const struct scoreboard *scoreboard_get(void);
/* Writes "PID FD\n" to path (atomically, by rename); 0 or -1. */
int scoreboard_write_pid_file(const char *path);
/* Maps, read-only, the scoreboard of the pool whose pid file is path; NULL
 * with err filled when there is no such pool or it cannot be read. */
const struct scoreboard *scoreboard_attach(const char *path, char *err, size_t errsz);

/* Supervisor: slot i now belongs to a new worker on socket (or to none). */
void scoreboard_slot_reset(int i, int32_t pid, int socket);
void scoreboard_restart(enum sb_cause cause);
void scoreboard_listen_queue(int socket, int64_t queued, int64_t backlog);

/* Worker, after fork: from now on this process is slot i. */
void scoreboard_worker(int i, int socket);
void scoreboard_accepted(void);
/* The life of a request: read from nginx, handled, then answered. */
void scoreboard_reading(void);
void scoreboard_handling(const char *request_id);
void scoreboard_route(int route);
/* Back to idle without an answer (the connection closed). */
void scoreboard_idle(void);
/* Around a password hash (or verify), gate wait included. */
void scoreboard_hashing(bool on);
/* The request in hand waited ms more for its turn at the hashing gate: its
 * start moves by as much, so that REQUEST_KILL_TIMEOUT counts its own work
 * (the gate calls it as the wait goes, not only once it ends). */
void scoreboard_waited(int64_t ms);
/* Microseconds the request in hand has spent hashing (gate wait included). */
int64_t scoreboard_hashing_us(void);
/* Counts the answered request; returns how many this worker has served. */
uint64_t scoreboard_answered(int status, int64_t duration_us);
void scoreboard_login(enum sb_login outcome);
void scoreboard_store_error(int status);
/* This worker leaves once its request is answered (MAX_REQUESTS). */
void scoreboard_recycling(void);

/* Reading a slot: a copy taken field by field. */
void scoreboard_read_slot(const struct scoreboard *sb, int i, struct sb_slot *out);
/* A counter or gauge, read whole. */
static inline uint64_t sb_load(const uint64_t *p)
{
	return __atomic_load_n(p, __ATOMIC_RELAXED);
}

#endif

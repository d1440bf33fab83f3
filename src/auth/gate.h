/* gate.h -- the hashing gate: at most one password hash per core at once
 * across the pool, turns given fairly across client addresses, and no
 * turn given to a request that has waited past its budget.
 *
 * Hashing costs ~0.2 s of CPU and 64 MiB; it is the one thing a flood of
 * requests can queue on. The gate is a waiting room in shared memory that
 * the supervisor maps before it forks: a worker about to hash takes a place
 * there, marked with its client's address (keyed as the budgets key it,
 * throttle_address_key: an IPv6 address by its /64, an IPv4-mapped one as
 * IPv4), and waits for one of `cap` turns.
 *
 *   - Turns go round the addresses (start-time fair queueing): each request
 *     is tagged one after its address's previous request, the one still in
 *     the room or the last to have had a turn, but never before the tag of
 *     the last turn given; the smallest tag goes first (the earliest among
 *     equal tags). An address that sends many requests waits behind its
 *     own, not others', and one that comes back at once after its turn
 *     waits behind those that have not had theirs.
 *   - While other addresses are in the room, an address may hold at most its
 *     share of the places, places / (addresses in the room + 1) (at least
 *     one): a request past it is refused at once, so that the hash socket's
 *     queue keeps moving and an address new to the room always finds a
 *     worker and a place. An address alone in the room is not limited.
 *   - A request whose deadline passes while it waits gives up its place.
 *
 * A robust mutex guards the room (a worker killed while holding it cannot
 * leave it locked); waiters sleep on a futex that every release wakes. The
 * supervisor frees the place of a worker that dies (hash_gate_forget). */
#ifndef FZ_GATE_H
#define FZ_GATE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

struct gate_room;

/* A worker's handle on the room, and the request in hand. */
struct hash_gate {
	struct gate_room *room; /* shared; NULL: no gate (hashing is not capped) */
	uint64_t client;        /* the request's address, as a key; 0: unknown */
	int64_t deadline_ms;    /* clock_ms() past which it may not wait; 0: none */
	bool shares;            /* the per-address share applies to it */
	int place;              /* its place in the room, -1: none */
	/* Called, when set, once a request that waited ms for its turn has it:
	 * the worker moves the request's own time limits (REQUEST_TIMEOUT's) by
	 * as much. Its start on the scoreboard, which REQUEST_KILL_TIMEOUT
	 * counts from, the gate moves itself as the wait goes. */
	void (*waited)(void *arg, int64_t ms);
	void *waited_arg;
};

/* Hashes that may run at once: the core count. */
int hash_gate_cap(void);
/* In the supervisor, before forking: the room, for cap turns at once and
 * places workers that may hash (each takes at most one place); NULL when
 * it cannot be made (errno set; hashing is then not capped). */
struct gate_room *hash_gate_create(int cap, int places);
/* In the supervisor: the places of the worker pid, which ended, are freed. */
void hash_gate_forget(struct gate_room *room, pid_t pid);
/* In a worker: its handle on room (NULL: none), no callback. */
void hash_gate_open(struct hash_gate *g, struct gate_room *room);

/* Before each request: its client address as nginx sent it (NULL or "":
 * unknown, one key for all such), the clock_ms() past which it may not wait
 * for a turn (0: no limit), and whether the per-address share applies. */
void hash_gate_request(struct hash_gate *g, const char *client, int64_t deadline_ms, bool shares);
/* Whether the request in hand is past its deadline already. */
bool hash_gate_late(const struct hash_gate *g);

enum gate_turn {
	GATE_TURN,       /* the request holds a turn: hash, then hash_gate_leave */
	GATE_OVER_SHARE, /* refused at once: its address holds its share of the places */
	GATE_LATE,       /* refused: its deadline passed (before or while it waited) */
};
/* Takes a place and waits for a turn. With admission, the request may be
 * refused for its share or its deadline; without, it waits as long as it
 * takes. A request that holds a turn already keeps it (GATE_TURN), and so
 * does one when there is no room. */
enum gate_turn hash_gate_enter(struct hash_gate *g, bool admission);
/* Whether the request holds a turn. */
bool hash_gate_holds(const struct hash_gate *g);
/* Gives back the request's turn (or place); nothing when it holds none. */
void hash_gate_leave(struct hash_gate *g);

/* How many requests wait for a turn in room (0 without one). */
int hash_gate_waiting(struct gate_room *room);

#endif

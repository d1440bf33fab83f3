/* test_gate.c -- the hashing gate's waiting room: turns go round the
 * addresses, an address over its share is refused while others wait (not
 * when alone), addresses are keyed as the budgets key them, a late request
 * gives up, a dead worker's turn comes back, a wait moves the request's
 * start (the kill limit's) as it goes.
 * The waiters are child processes, as the pool's workers are. */
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../../src/base/clock.h"
#include "../../src/auth/gate.h"
#include "../../src/base/scoreboard.h"
#include "unit.h"

static int order[2]; /* a pipe: each child writes its name when its turn comes */

static struct hash_gate handle(struct gate_room *room, const char *client, int64_t wait_ms)
{
	struct hash_gate g;
	hash_gate_open(&g, room);
	hash_gate_request(&g, client, wait_ms ? clock_ms() + wait_ms : 0, true);
	return g;
}

/* Forks a worker that waits for a turn for client, writes name when it gets
 * it, and gives it back; returns once it waits (waiting requests in all). */
static pid_t waiter(struct gate_room *room, const char *client, char name, int waiting)
{
	pid_t pid = fork();
	if (pid == 0) {
		struct hash_gate g = handle(room, client, 0);
		if (hash_gate_enter(&g, true) == GATE_TURN && write(order[1], &name, 1) == 1)
			hash_gate_leave(&g);
		_exit(0);
	}
	for (int i = 0; i < 6000 && hash_gate_waiting(room) < waiting; i++) /* 60 s at most */
		poll(NULL, 0, 10);
	CHECK(hash_gate_waiting(room) == waiting);
	return pid;
}

/* Reads n names from the pipe, in the order the turns were given. */
static void read_order(char *out, int n)
{
	int got = 0;
	for (ssize_t k = 1; got < n && k > 0; got += (int)(k > 0 ? k : 0))
		k = read(order[0], out + got, (size_t)(n - got));
	CHECK(got == n);
	out[got] = '\0';
	while (wait(NULL) > 0)
		;
}

static void test_without_a_room_every_request_has_its_turn(void)
{
	struct hash_gate g = handle(NULL, "192.0.2.1", 0);
	CHECK(hash_gate_enter(&g, true) == GATE_TURN);
	hash_gate_leave(&g);
	CHECK(hash_gate_waiting(NULL) == 0);
}

static void test_turns_go_round_the_addresses(void)
{
	char got[8];
	struct gate_room *room = hash_gate_create(1, 8);
	struct hash_gate mine = handle(room, "192.0.2.1", 0);
	CHECK(hash_gate_enter(&mine, true) == GATE_TURN);
	CHECK(hash_gate_holds(&mine));
	waiter(room, "192.0.2.1", 'b', 1);
	waiter(room, "192.0.2.1", 'c', 2);
	waiter(room, "192.0.2.2", 'd', 3); /* came last, but its address had no turn yet */
	hash_gate_leave(&mine);
	read_order(got, 3);
	CHECK_STR(got, "dbc");
}

/* An address that had a turn lately comes after one that had none, even
 * when it asks first. */
static void test_an_address_served_lately_waits_behind_the_others(void)
{
	char got[8];
	struct gate_room *room = hash_gate_create(1, 8);
	struct hash_gate first = handle(room, "192.0.2.1", 0);
	CHECK(hash_gate_enter(&first, true) == GATE_TURN);
	hash_gate_leave(&first);
	struct hash_gate mine = handle(room, "192.0.2.3", 0);
	CHECK(hash_gate_enter(&mine, true) == GATE_TURN);
	waiter(room, "192.0.2.1", 'x', 1); /* its second request */
	waiter(room, "192.0.2.2", 'y', 2); /* its first */
	hash_gate_leave(&mine);
	read_order(got, 2);
	CHECK_STR(got, "yx");
}

static int64_t waited_ms = -1;
static void note_wait(void *arg, int64_t ms)
{
	(void)arg;
	waited_ms = ms;
}

/* The worker is told how long a request waited for its turn (it moves the
 * request's own time limits by as much). */
static void test_a_wait_for_a_turn_is_told(void)
{
	struct gate_room *room = hash_gate_create(1, 2);
	int held[2];
	CHECK(pipe(held) == 0);
	pid_t pid = fork();
	if (pid == 0) {
		struct hash_gate g = handle(room, "192.0.2.1", 0);
		char c = hash_gate_enter(&g, true) == GATE_TURN ? 'y' : 'n';
		if (write(held[1], &c, 1) == 1) {
			/* Until the other waits (60 s at most), then 150 ms more:
			 * the least it is told it waited. */
			for (int i = 0; i < 6000 && hash_gate_waiting(room) < 1; i++)
				poll(NULL, 0, 10);
			poll(NULL, 0, 150);
		}
		hash_gate_leave(&g);
		_exit(0);
	}
	char c = 0;
	CHECK(read(held[0], &c, 1) == 1 && c == 'y');
	struct hash_gate g = handle(room, "192.0.2.2", 0);
	g.waited = note_wait;
	CHECK(hash_gate_enter(&g, true) == GATE_TURN);
	CHECK(waited_ms >= 100 && waited_ms < 60000);
	hash_gate_leave(&g);
	waitpid(pid, NULL, 0);
	close(held[0]);
	close(held[1]);
}

/* While a request waits for its turn, its start on the scoreboard moves
 * (REQUEST_KILL_TIMEOUT counts from it), not only once the wait ends: a
 * long wait is not taken for a stuck request. Run last: it gives this
 * process a scoreboard slot, which the children of later tests would share. */
static void test_a_waiting_requests_start_moves_as_it_waits(void)
{
	struct gate_room *room = hash_gate_create(1, 2);
	struct sb_slot s;
	int held[2], start[2];
	CHECK(pipe(held) == 0 && pipe(start) == 0);
	pid_t pid = fork();
	if (pid == 0) { /* forked before the slot: it has none of its own */
		struct hash_gate g = handle(room, "192.0.2.1", 0);
		int64_t t0 = 0;
		char c = 'n';
		if (hash_gate_enter(&g, true) == GATE_TURN && write(held[1], "y", 1) == 1 &&
		    read(start[0], &t0, sizeof t0) == (ssize_t)sizeof t0) {
			/* Holds the turn until the waiter's start has moved (60 s at most). */
			for (int i = 0; i < 6000 && c == 'n'; i++) {
				scoreboard_read_slot(scoreboard_get(), 0, &s);
				if (s.request_ms > t0)
					c = 'y';
				else
					poll(NULL, 0, 10);
			}
		}
		hash_gate_leave(&g);
		_exit(write(held[1], &c, 1) == 1 ? 0 : 1);
	}
	char c = 0;
	CHECK(read(held[0], &c, 1) == 1 && c == 'y');
	scoreboard_slot_reset(0, getpid(), SB_HASH); /* as a hash worker's */
	scoreboard_worker(0, SB_HASH);
	scoreboard_reading();
	scoreboard_handling("waiter");
	scoreboard_read_slot(scoreboard_get(), 0, &s);
	int64_t t0 = s.request_ms;
	CHECK(t0 > 0 && write(start[1], &t0, sizeof t0) == (ssize_t)sizeof t0);
	struct hash_gate g = handle(room, "192.0.2.2", 0);
	CHECK(hash_gate_enter(&g, true) == GATE_TURN);
	CHECK(read(held[0], &c, 1) == 1 && c == 'y'); /* the holder saw the start move */
	hash_gate_leave(&g);
	scoreboard_idle();
	waitpid(pid, NULL, 0);
	close(held[0]);
	close(held[1]);
	close(start[0]);
	close(start[1]);
}

static void test_an_address_over_its_share_is_refused_while_others_wait(void)
{
	char got[8];
	struct gate_room *room = hash_gate_create(1, 3);
	struct hash_gate mine = handle(room, "192.0.2.1", 0);
	CHECK(hash_gate_enter(&mine, true) == GATE_TURN);
	waiter(room, "192.0.2.1", 'b', 1);
	struct hash_gate alone = handle(room, "192.0.2.1", 20);
	CHECK(hash_gate_enter(&alone, true) == GATE_LATE); /* alone in the room: let in, then late */
	waiter(room, "192.0.2.2", 'd', 2);
	/* Two addresses: a share is 3 places / (2 + 1) = 1, and 192.0.2.1 holds 2. */
	struct hash_gate over = handle(room, "192.0.2.1", 0);
	CHECK(hash_gate_enter(&over, true) == GATE_OVER_SHARE);
	CHECK(hash_gate_waiting(room) == 2);
	struct hash_gate unchecked = handle(room, "192.0.2.1", 20);
	unchecked.shares = false; /* RATE_LIMIT=off */
	CHECK(hash_gate_enter(&unchecked, true) == GATE_LATE);
	struct hash_gate newcomer = handle(room, "192.0.2.3", 20);
	CHECK(hash_gate_enter(&newcomer, true) == GATE_LATE); /* a place, but no turn in 20 ms */
	hash_gate_leave(&mine);
	read_order(got, 2);
	CHECK_STR(got, "db");
}

static void test_ipv6_addresses_count_by_their_64(void)
{
	char got[8];
	struct gate_room *room = hash_gate_create(1, 3);
	struct hash_gate mine = handle(room, "2001:db8::1", 0);
	CHECK(hash_gate_enter(&mine, true) == GATE_TURN);
	waiter(room, "2001:db8::2", 'b', 1);
	waiter(room, "2001:db8:0:1::1", 'c', 2);
	struct hash_gate same64 = handle(room, "2001:db8::ffff:1", 0);
	CHECK(hash_gate_enter(&same64, true) == GATE_OVER_SHARE);
	struct hash_gate other = handle(room, "192.0.2.9", 20);
	CHECK(hash_gate_enter(&other, true) == GATE_LATE);
	hash_gate_leave(&mine);
	read_order(got, 2);
	CHECK_STR(got, "cb");
}

/* An IPv4-mapped IPv6 address is its IPv4 address, as the budgets key it:
 * not one address for every IPv4 client that comes through an IPv6 socket. */
static void test_ipv4_mapped_addresses_are_their_ipv4(void)
{
	char got[8];
	struct gate_room *room = hash_gate_create(1, 3);
	struct hash_gate mine = handle(room, "192.0.2.1", 0);
	CHECK(hash_gate_enter(&mine, true) == GATE_TURN);
	waiter(room, "::ffff:192.0.2.2", 'b', 1);
	/* Two addresses: a share is 3 / (2 + 1) = 1 place, which 192.0.2.1 holds. */
	struct hash_gate same = handle(room, "::ffff:192.0.2.1", 0);
	CHECK(hash_gate_enter(&same, true) == GATE_OVER_SHARE);
	struct hash_gate other = handle(room, "::ffff:192.0.2.3", 20);
	CHECK(hash_gate_enter(&other, true) == GATE_LATE); /* a newcomer: a place, no turn in 20 ms */
	hash_gate_leave(&mine);
	read_order(got, 1);
	CHECK_STR(got, "b");
}

static void test_a_late_request_is_refused_before_it_waits(void)
{
	struct gate_room *room = hash_gate_create(1, 2);
	struct hash_gate late = handle(room, "192.0.2.1", 0);
	late.deadline_ms = clock_ms() - 1;
	CHECK(hash_gate_late(&late));
	CHECK(hash_gate_enter(&late, true) == GATE_LATE);
	CHECK(hash_gate_enter(&late, false) == GATE_TURN); /* a hash that must be made waits as needed */
	hash_gate_leave(&late);
	struct hash_gate timely = handle(room, "192.0.2.1", 0);
	CHECK(!hash_gate_late(&timely));
	CHECK(hash_gate_enter(&timely, true) == GATE_TURN);
	hash_gate_leave(&timely);
}

static void test_a_dead_workers_turn_comes_back(void)
{
	struct gate_room *room = hash_gate_create(1, 2);
	int ready[2];
	CHECK(pipe(ready) == 0);
	pid_t pid = fork();
	if (pid == 0) {
		struct hash_gate g = handle(room, "192.0.2.1", 0);
		char c = hash_gate_enter(&g, true) == GATE_TURN ? 'y' : 'n';
		if (write(ready[1], &c, 1) == 1)
			pause(); /* killed holding its turn */
		_exit(0);
	}
	char c = 0;
	CHECK(read(ready[0], &c, 1) == 1 && c == 'y');
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	struct hash_gate g = handle(room, "192.0.2.2", 20);
	CHECK(hash_gate_enter(&g, true) == GATE_LATE); /* its turn is still taken */
	hash_gate_forget(room, pid);                   /* what the supervisor does when it reaps it */
	g.deadline_ms = clock_ms() + 5000;
	CHECK(hash_gate_enter(&g, true) == GATE_TURN);
	hash_gate_leave(&g);
	close(ready[0]);
	close(ready[1]);
}

int main(void)
{
	if (pipe(order) != 0 || scoreboard_create() < 0)
		return 1;
	RUN(test_without_a_room_every_request_has_its_turn);
	RUN(test_turns_go_round_the_addresses);
	RUN(test_an_address_served_lately_waits_behind_the_others);
	RUN(test_a_wait_for_a_turn_is_told);
	RUN(test_an_address_over_its_share_is_refused_while_others_wait);
	RUN(test_ipv6_addresses_count_by_their_64);
	RUN(test_ipv4_mapped_addresses_are_their_ipv4);
	RUN(test_a_late_request_is_refused_before_it_waits);
	RUN(test_a_dead_workers_turn_comes_back);
	RUN(test_a_waiting_requests_start_moves_as_it_waits);
	return unit_done();
}

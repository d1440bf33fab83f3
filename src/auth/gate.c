/* gate.c -- the hashing gate, a fair waiting room in shared memory (see gate.h). */
#include "auth/gate.h"

#include <errno.h>
#include <limits.h>
#include <linux/futex.h>
#include <pthread.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "base/clock.h"
#include "base/scoreboard.h"
#include "auth/throttle.h"

/* Places in the room: at least the pool's worker slots, each worker taking
 * at most one. */
#define GATE_PLACES 2048
/* A waiter looks at the room at least this often, whatever wakes it. */
#define GATE_NAP_MS 100
/* Addresses whose last turn's tag is remembered: those served lately. */
#define GATE_RECENT 256

enum place_state { PLACE_FREE, PLACE_WAITING, PLACE_HASHING };

struct place {
	int32_t pid;
	int32_t state;
	uint64_t client;
	uint64_t tag;    /* start tag: the smallest waiting one has the next turn */
	uint64_t ticket; /* arrival order, among equal tags */
};

struct gate_room {
	pthread_mutex_t lock;
	uint32_t wake;    /* a futex word, bumped at every release */
	int cap;          /* turns at once */
	int places;       /* workers that may hash: what shares divide */
	int used;         /* places [0, used) may be taken */
	uint64_t now_tag; /* the tag of the last turn given */
	uint64_t tickets;
	uint64_t seed; /* address keys are hashed with it: no one can aim a collision */
	struct place place[GATE_PLACES];
	struct {
		uint64_t client; /* 0: free */
		uint64_t tag;    /* of its last turn */
	} recent[GATE_RECENT];
};

int hash_gate_cap(void)
{
	long cores = sysconf(_SC_NPROCESSORS_ONLN);
	return cores > 0 && cores < 1024 ? (int)cores : 1;
}

struct gate_room *hash_gate_create(int cap, int places)
{
	pthread_mutexattr_t attr;
	struct gate_room *r =
		mmap(NULL, sizeof *r, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (r == MAP_FAILED)
		return NULL;
	r->cap = cap > 0 ? cap : 1;
	r->places = places > r->cap ? places : r->cap;
	if (getrandom(&r->seed, sizeof r->seed, 0) != (ssize_t)sizeof r->seed ||
	    pthread_mutexattr_init(&attr) != 0) {
		munmap(r, sizeof *r);
		return NULL;
	}
	pthread_mutexattr_setpshared(&attr, PTHREAD_PROCESS_SHARED);
	pthread_mutexattr_setrobust(&attr, PTHREAD_MUTEX_ROBUST);
	int rc = pthread_mutex_init(&r->lock, &attr);
	pthread_mutexattr_destroy(&attr);
	if (rc != 0) {
		munmap(r, sizeof *r);
		errno = rc;
		return NULL;
	}
	return r;
}

static int lock(struct gate_room *r)
{
	int rc = pthread_mutex_lock(&r->lock);
	if (rc == EOWNERDEAD) /* its holder died: the room is still whole (plain stores) */
		rc = pthread_mutex_consistent(&r->lock);
	return rc;
}

static void unlock(struct gate_room *r)
{
	pthread_mutex_unlock(&r->lock);
}

/* Wakes every waiter; the caller holds the lock. */
static void wake_all(struct gate_room *r)
{
	__atomic_add_fetch(&r->wake, 1, __ATOMIC_SEQ_CST);
	syscall(SYS_futex, &r->wake, FUTEX_WAKE, INT_MAX, NULL, NULL, 0);
}

/* Sleeps until a release after seen was read, or ms pass. */
static void nap(struct gate_room *r, uint32_t seen, int64_t ms)
{
	struct timespec ts = {.tv_sec = (time_t)(ms / 1000), .tv_nsec = (long)(ms % 1000) * 1000000};
	syscall(SYS_futex, &r->wake, FUTEX_WAIT, seen, &ts, NULL, 0);
}

static void free_place(struct gate_room *r, int i)
{
	r->place[i] = (struct place){0};
	while (r->used > 0 && r->place[r->used - 1].state == PLACE_FREE)
		r->used--;
}

void hash_gate_forget(struct gate_room *r, pid_t pid)
{
	if (!r || lock(r) != 0)
		return;
	for (int i = 0; i < r->used; i++)
		if (r->place[i].state != PLACE_FREE && r->place[i].pid == pid)
			free_place(r, i);
	wake_all(r);
	unlock(r);
}

void hash_gate_open(struct hash_gate *g, struct gate_room *room)
{
	*g = (struct hash_gate){.room = room, .place = -1};
}

/* FNV-1a over the seed and the address's budget key (throttle.h: an IPv6
 * address by its /64, one subscriber's network; an IPv4-mapped one as IPv4;
 * anything else as written); never 0. */
static uint64_t client_key(uint64_t seed, const char *client)
{
	char key[THROTTLE_ADDRESS_MAX];
	const unsigned char *p = (const unsigned char *)throttle_address_key(client, key);
	uint64_t h = 0xcbf29ce484222325ULL ^ seed;
	for (; *p; p++)
		h = (h ^ *p) * 0x100000001b3ULL;
	return h ? h : 1;
}

void hash_gate_request(struct hash_gate *g, const char *client, int64_t deadline_ms, bool shares)
{
	g->client = g->room ? client_key(g->room->seed, client) : 0;
	g->deadline_ms = deadline_ms;
	g->shares = shares;
}

bool hash_gate_late(const struct hash_gate *g)
{
	return g->deadline_ms && clock_ms() >= g->deadline_ms;
}

bool hash_gate_holds(const struct hash_gate *g)
{
	return g->room && g->place >= 0 && g->room->place[g->place].state == PLACE_HASHING &&
	       g->room->place[g->place].pid == getpid();
}

/* The tag of client's last turn, when remembered (else 0, *known false). */
static uint64_t last_turn(const struct gate_room *r, uint64_t client, bool *known)
{
	for (int i = 0; i < GATE_RECENT; i++) {
		if (r->recent[i].client == client) {
			*known = true;
			return r->recent[i].tag;
		}
	}
	*known = false;
	return 0;
}

/* Remembers the tag of client's turn, in its own entry, else a free one,
 * else the oldest's (an address served long ago: the room's tag has gone
 * past its own). */
static void note_turn(struct gate_room *r, uint64_t client, uint64_t tag)
{
	int pick = 0;
	for (int i = 0; i < GATE_RECENT; i++) {
		if (r->recent[i].client == client || r->recent[i].client == 0) {
			pick = i;
			if (r->recent[i].client == client)
				break;
		} else if (r->recent[pick].client && r->recent[i].tag < r->recent[pick].tag) {
			pick = i;
		}
	}
	r->recent[pick].client = client;
	r->recent[pick].tag = tag;
}

/* Whether a request whose address holds mine places already is within its
 * share: always when it holds none, or is alone in the room. */
static bool within_share(const struct gate_room *r, int mine)
{
	int addresses = 0;
	if (mine == 0)
		return true;
	for (int i = 0; i < r->used; i++) {
		if (r->place[i].state == PLACE_FREE)
			continue;
		bool first = true; /* the first place of its address */
		for (int j = 0; j < i && first; j++)
			first = r->place[j].state == PLACE_FREE || r->place[j].client != r->place[i].client;
		addresses += first;
	}
	int share = r->places / (addresses + 1);
	return addresses <= 1 || mine < (share > 0 ? share : 1);
}

/* Takes a place for g's request, tagged after its address's last one in the
 * room, or its last turn; the place, -1 over its share, -2 when the room is
 * full. */
static int take_place(struct gate_room *r, const struct hash_gate *g, bool shares)
{
	bool known;
	uint64_t tag = r->now_tag, last = last_turn(r, g->client, &known);
	int mine = 0, free_at = -1;
	if (known && last + 1 > tag)
		tag = last + 1;
	for (int i = 0; i < GATE_PLACES && (i < r->used || free_at < 0); i++) {
		const struct place *p = &r->place[i];
		if (p->state == PLACE_FREE) {
			if (free_at < 0)
				free_at = i;
		} else if (p->client == g->client) {
			mine++;
			if (p->tag + 1 > tag)
				tag = p->tag + 1;
		}
	}
	if (shares && !within_share(r, mine))
		return -1;
	if (free_at < 0)
		return -2;
	r->place[free_at] = (struct place){.pid = (int32_t)getpid(),
					   .state = PLACE_WAITING,
					   .client = g->client,
					   .tag = tag,
					   .ticket = ++r->tickets};
	if (free_at >= r->used)
		r->used = free_at + 1;
	return free_at;
}

/* Whether place i's place comes before place j's. */
static bool before(const struct place *i, const struct place *j)
{
	return i->tag < j->tag || (i->tag == j->tag && i->ticket < j->ticket);
}

/* Gives place i a turn when fewer waiters come before it than there are
 * turns free; whether it has one. */
static bool try_turn(struct gate_room *r, int i)
{
	int hashing = 0, ahead = 0;
	for (int k = 0; k < r->used; k++) {
		const struct place *p = &r->place[k];
		hashing += p->state == PLACE_HASHING;
		ahead += p->state == PLACE_WAITING && k != i && before(p, &r->place[i]);
	}
	if (hashing + ahead >= r->cap)
		return false;
	r->place[i].state = PLACE_HASHING;
	if (r->place[i].tag > r->now_tag)
		r->now_tag = r->place[i].tag;
	note_turn(r, r->place[i].client, r->place[i].tag);
	return true;
}

/* The wait since *counted is not the request's work: its start on the
 * scoreboard moves by as much, as the wait goes, so that the supervisor's
 * REQUEST_KILL_TIMEOUT never counts it, however long it lasts. */
static void count_wait(int64_t *counted)
{
	int64_t now = clock_ms();
	if (now > *counted) {
		scoreboard_waited(now - *counted);
		*counted = now;
	}
}

/* Waits at place i, the lock held, for a turn, until g's deadline when
 * admission says so; returns with the lock held, unless the room broke
 * (*broken: then the request goes on without a turn). */
static enum gate_turn wait_turn(struct gate_room *r, const struct hash_gate *g, int i, bool admission,
				int64_t *counted, bool *broken)
{
	while (!try_turn(r, i)) {
		int64_t ms = GATE_NAP_MS;
		if (admission && g->deadline_ms) {
			int64_t left = g->deadline_ms - clock_ms();
			if (left <= 0) {
				free_place(r, i);
				return GATE_LATE;
			}
			ms = left < ms ? left : ms;
		}
		uint32_t seen = __atomic_load_n(&r->wake, __ATOMIC_SEQ_CST);
		unlock(r);
		nap(r, seen, ms);
		count_wait(counted);
		if ((*broken = lock(r) != 0))
			return GATE_TURN;
	}
	return GATE_TURN;
}

enum gate_turn hash_gate_enter(struct hash_gate *g, bool admission)
{
	struct gate_room *r = g->room;
	bool broken = false;
	if (!r || hash_gate_holds(g))
		return GATE_TURN;
	if (admission && hash_gate_late(g))
		return GATE_LATE;
	if (lock(r) != 0)
		return GATE_TURN; /* a broken room: hashing goes on uncapped */
	int64_t since = clock_ms(), counted = since;
	scoreboard_hashing(true);
	/* A full room cannot be: there are more places than workers. */
	int i = take_place(r, g, admission && g->shares);
	enum gate_turn turn = GATE_TURN;
	if (i == -1)
		turn = GATE_OVER_SHARE;
	else if (i >= 0)
		turn = wait_turn(r, g, i, admission, &counted, &broken);
	g->place = turn == GATE_TURN && !broken && i >= 0 ? i : -1;
	if (!broken)
		unlock(r);
	scoreboard_hashing(false);
	count_wait(&counted);
	int64_t waited = clock_ms() - since;
	if (turn == GATE_TURN && waited > 0 && g->waited)
		g->waited(g->waited_arg, waited);
	return turn;
}

void hash_gate_leave(struct hash_gate *g)
{
	struct gate_room *r = g->room;
	if (!r || g->place < 0)
		return;
	if (lock(r) == 0) {
		if (r->place[g->place].pid == (int32_t)getpid())
			free_place(r, g->place);
		wake_all(r);
		unlock(r);
	}
	g->place = -1;
}

int hash_gate_waiting(struct gate_room *r)
{
	int n = 0;
	if (!r || lock(r) != 0)
		return 0;
	for (int i = 0; i < r->used; i++)
		n += r->place[i].state == PLACE_WAITING;
	unlock(r);
	return n;
}

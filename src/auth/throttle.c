/* throttle.c -- shared token buckets (see throttle.h). */
#include "auth/throttle.h"

#include <arpa/inet.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <time.h>

#include "base/clock.h"

enum { SETS = 4096, WAYS = 4 };

const struct throttle_rule throttle_address = {.name = "address", .burst = 40, .interval_ms = 250};
const struct throttle_rule throttle_login = {
	.name = "login", .burst = 10, .interval_ms = 2000, .login = true, .shared = true};
const struct throttle_rule throttle_login_known = {
	.name = "login-known", .burst = 10, .interval_ms = 2000, .login = true, .shared = true};
const struct throttle_rule throttle_update = {.name = "update", .burst = 10, .interval_ms = 1000};

struct entry {
	uint64_t key; /* 0: free */
	int64_t tat;  /* GCRA's theoretical arrival time, monotonic ms */
};

struct table {
	pthread_mutex_t lock;
	uint64_t seed; /* keys are hashed with it, so that no one can aim a collision */
	struct entry sets[SETS][WAYS];
};

static struct table *table; /* shared by every worker forked after throttle_create */

int throttle_create(void)
{
	pthread_mutexattr_t attr;
	struct table *t = mmap(NULL, sizeof *t, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (t == MAP_FAILED)
		return -1;
	if (getrandom(&t->seed, sizeof t->seed, 0) != (ssize_t)sizeof t->seed ||
	    pthread_mutexattr_init(&attr) != 0) {
		munmap(t, sizeof *t);
		return -1;
	}
	pthread_mutexattr_setpshared(&attr, PTHREAD_PROCESS_SHARED);
	pthread_mutexattr_setrobust(&attr, PTHREAD_MUTEX_ROBUST);
	int rc = pthread_mutex_init(&t->lock, &attr);
	pthread_mutexattr_destroy(&attr);
	if (rc != 0) {
		munmap(t, sizeof *t);
		return -1;
	}
	table = t;
	return 0;
}

/* FNV-1a over seed, rule name and key; never 0 (a free entry). */
static uint64_t key_hash(uint64_t seed, const char *name, const char *key, size_t len)
{
	uint64_t h = 0xcbf29ce484222325ULL ^ seed;
	for (const char *p = name; *p; p++)
		h = (h ^ (unsigned char)*p) * 0x100000001b3ULL;
	h = (h ^ 0xff) * 0x100000001b3ULL;
	for (size_t i = 0; i < len; i++)
		h = (h ^ (unsigned char)key[i]) * 0x100000001b3ULL;
	h ^= h >> 29;
	return h ? h : 1;
}

/* key's entry in its set: its own, else a free or refilled one, else the
 * one nearest to refilled. */
static struct entry *entry_for(struct entry *set, uint64_t key, int64_t now)
{
	struct entry *pick = NULL;
	for (int i = 0; i < WAYS; i++)
		if (set[i].key == key)
			return &set[i];
	for (int i = 0; i < WAYS && !pick; i++)
		if (set[i].key == 0 || set[i].tat <= now)
			pick = &set[i];
	if (!pick) {
		pick = &set[0];
		for (int i = 1; i < WAYS; i++)
			if (set[i].tat < pick->tat)
				pick = &set[i];
	}
	pick->key = key;
	pick->tat = now;
	return pick;
}

static int lock(struct table *t)
{
	int rc = pthread_mutex_lock(&t->lock);
	if (rc == EOWNERDEAD) /* its holder died: the table is still whole (plain stores) */
		rc = pthread_mutex_consistent(&t->lock);
	return rc;
}

int throttle_take(const struct throttle_rule *rule, const char *key, size_t len)
{
	struct table *t = table;
	if (!t || lock(t) != 0)
		return 0;
	uint64_t k = key_hash(t->seed, rule->name, key, len);
	int64_t now = clock_ms(), interval = rule->interval_ms;
	int64_t tolerance = interval * (rule->burst - 1);
	struct entry *e = entry_for(t->sets[k % SETS], k, now);
	int64_t tat = e->tat > now ? e->tat : now;
	int wait = 0;
	if (tat - now > tolerance)
		wait = (int)((tat - tolerance - now + 999) / 1000);
	else
		e->tat = tat + interval;
	pthread_mutex_unlock(&t->lock);
	return wait;
}

char *throttle_address_key(const char *addr, char out[THROTTLE_ADDRESS_MAX])
{
	unsigned char a[16];
	char text[INET6_ADDRSTRLEN];
	if (!addr)
		addr = ""; /* a request that came with no REMOTE_ADDR */
	if (inet_pton(AF_INET6, addr, a) != 1) {
		snprintf(out, THROTTLE_ADDRESS_MAX, "%s", addr);
		return out;
	}
	if (IN6_IS_ADDR_V4MAPPED((const struct in6_addr *)a)) {
		snprintf(out, THROTTLE_ADDRESS_MAX, "%u.%u.%u.%u", a[12], a[13], a[14], a[15]);
		return out;
	}
	memset(a + 8, 0, 8);
	inet_ntop(AF_INET6, a, text, sizeof text);
	snprintf(out, THROTTLE_ADDRESS_MAX, "%s/64", text);
	return out;
}

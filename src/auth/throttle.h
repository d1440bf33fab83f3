/* throttle.h -- budgets for the requests that hash a password.
 *
 * nginx throttles the requests to the hashing routes per client address,
 * loosely (most are cheap: a 422 costs no hash). These budgets are spent only
 * by a request about to hash, after everything that could refuse it for free:
 * per client address (registrations, updates and logins together: 40 at
 * once, then 4 a second; an IPv6 client keyed on its /64), per email for
 * logins (10, then one every 2 s), per (email, client address) for a login
 * from an address that has logged in to that account before (the same, a
 * budget of its own: wrong passwords sprayed from elsewhere cannot spend it,
 * so they cannot lock the owner out), and per user id for updates (10, then
 * one a second).
 *
 * Budgets are token buckets (GCRA). The pool keeps them in one table of
 * shared memory that the supervisor maps before it forks the workers, so
 * that every worker of the pool sees and spends the same budget; a robust
 * mutex guards it, which a worker killed while holding it cannot leave
 * locked. The rules marked shared protect an account, and must hold for the
 * whole deployment: where the store keeps budgets for every host
 * (PostgreSQL: store_keeps_budgets), routes/common.c spends those there.
 *
 * The table is bounded: when a slot's set is full, the account nearest to a
 * full budget again is forgotten (it only gets its budget back early). */
#ifndef FZ_THROTTLE_H
#define FZ_THROTTLE_H

#include <stdbool.h>
#include <stddef.h>

struct throttle_rule {
	const char *name; /* what is throttled, part of the key: "login", "update" */
	int burst;        /* requests at once */
	int interval_ms;  /* then one every this many milliseconds */
	bool login;       /* LOGIN_RATE_LIMIT=off turns it off */
	bool shared;      /* protects an account: kept by the store when it can */
};

/* Hashes per client address; logins per email, and per (email, address)
 * from an address known to the account; updates per user id. */
extern const struct throttle_rule throttle_address, throttle_login, throttle_login_known, throttle_update;

/* In the supervisor, before forking: maps the shared table; 0, or -1 (then
 * every request is let through, and the caller logs why). */
int throttle_create(void);
/* Spends one request of key's budget under rule: 0 when it may go on, else
 * the whole seconds to wait before the next one would be let through. */
int throttle_take(const struct throttle_rule *rule, const char *key, size_t len);

/* The key a client address is budgeted under, NUL-terminated in out: an
 * IPv4 address as it is (an IPv4-mapped IPv6 one as IPv4); an IPv6 address
 * as its /64 ("2001:db8:1:2::/64"), since one subscriber is given a whole
 * /64 and can take any address in it; anything else as it is (cut to fit).
 * Returns out. */
#define THROTTLE_ADDRESS_MAX 64
char *throttle_address_key(const char *addr, char out[THROTTLE_ADDRESS_MAX]);

#endif

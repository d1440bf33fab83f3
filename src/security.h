/* security.h -- passwords (argon2id) and access tokens (JWT).
 *
 * Passwords are hashed as pwdlib's PasswordHash.recommended() does:
 * argon2id, t=3, m=64 MiB, p=4, 16-byte salt, 32-byte hash, as a PHC string.
 * Any argon2 PHC string verifies, whatever its parameters.
 *
 * Hashing is the one costly thing the service does (~0.2 s of CPU and 64 MiB
 * each), so it is gated: at most `cap` hashes run at once across the whole
 * pool (cap = the core count), each in a thread at a lower CPU priority, so a
 * burst of logins queues instead of starving the reads. The gate is a set of
 * lock bytes in a memfd made by the supervisor; each worker reopens it for
 * open-file-description locks, which the kernel drops if the worker dies.
 *
 * Tokens are HS256/384/512 JWTs {"sub": email, "exp": unix seconds} signed
 * with SECRET_KEY through libjwt. A token is accepted only when its header
 * alg is ALGORITHM, its signature holds, it has a string sub and a numeric
 * exp in the future (and no nbf in the future), as PyJWT reads them. */
#ifndef FZ_SECURITY_H
#define FZ_SECURITY_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "buf.h"

struct settings;

struct hash_gate {
	int fd;  /* this worker's own open file description, or -1: no gate */
	int cap; /* hashes that may run at once across the pool */
};

/* How many hashes may run at once: the core count. */
int hash_gate_cap(void);
/* In the supervisor: the shared lock file for cap slots; fd or -1. */
int hash_gate_create(int cap);
/* In a worker: its own handle on the supervisor's gate (shared_fd). */
void hash_gate_open(struct hash_gate *g, int shared_fd, int cap);
void hash_gate_close(struct hash_gate *g);

/* Appends the PHC string of password[0..len) to out, NUL-terminated; 0, or -1. */
int password_hash(struct hash_gate *g, const char *password, size_t len, struct buf *out);
/* Whether password matches the PHC string phc. With phc NULL it verifies
 * against a fixed dummy hash and returns false, so that an unknown email
 * costs what a wrong password costs. */
bool password_verify(struct hash_gate *g, const char *phc, const char *password, size_t len);

/* Appends a token for subject, expiring settings->expire_minutes after now. */
int token_make(const struct settings *s, const char *subject, time_t now, struct buf *out);
/* Checks token; true with its sub appended to subject when it is valid at now. */
bool token_subject(const struct settings *s, const char *token, time_t now, struct buf *subject);

#endif

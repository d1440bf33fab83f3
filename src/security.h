/* security.h -- passwords (argon2id) and access tokens (JWT).
 *
 * Passwords are hashed as pwdlib's PasswordHash.recommended() does:
 * argon2id, t=3, m=64 MiB, p=4, 16-byte salt, 32-byte hash, as a PHC string.
 * Any argon2 PHC string verifies, whatever its parameters.
 *
 * Hashing is the one costly thing the service does (~0.2 s of CPU and 64 MiB
 * each), so it is gated (gate.h): at most one hash per core runs at once
 * across the whole pool, turns given fairly across client addresses, each
 * in a thread at a lower CPU priority, so a burst of logins queues instead
 * of starving the reads.
 *
 * Tokens are HS256/384/512 JWTs signed with SECRET_KEY:
 *   {"auth_time": seconds.milliseconds, "exp": seconds, "iat": seconds, "sub": email}
 * auth_time is when the session began (the login; a refresh carries it
 * over), to the millisecond, and exp never passes auth_time +
 * SESSION_MAX_HOURS. iat stays whole seconds: PyJWT refuses an iat later
 * than its own clock's whole second. A token is accepted only when its
 * header alg is exactly ALGORITHM, its signature holds (libjwt), it has a
 * string sub and a numeric exp in the future (and no nbf in the future), as
 * PyJWT reads them; PyJWT's tokens, which have neither iat nor auth_time, are
 * read too. token_fresh() then holds it against the account it names. */
#ifndef FZ_SECURITY_H
#define FZ_SECURITY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "buf.h"
#include "gate.h"

struct settings;

/* Both hash in a turn of the gate g: the request's own when it holds one
 * (hash_gate_enter), else one waited for; the turn is given back after. */
/* Appends the PHC string of password[0..len) to out, NUL-terminated; 0, or -1. */
int password_hash(struct hash_gate *g, const char *password, size_t len, struct buf *out);
/* Whether password matches the PHC string phc. With phc NULL it verifies
 * against a fixed dummy hash and returns false, so that an unknown email
 * costs what a wrong password costs. */
bool password_verify(struct hash_gate *g, const char *phc, const char *password, size_t len);

/* When a token made at now for a session begun at auth_ms (unix
 * milliseconds) expires: after ACCESS_TOKEN_EXPIRE_MINUTES, or at the
 * session's end if that comes first. */
time_t token_expiry(const struct settings *s, time_t now, int64_t auth_ms);
/* Appends a token for subject issued at now in the session begun at auth_ms,
 * NUL-terminated; 0, or -1. */
int token_make(const struct settings *s, const char *subject, time_t now, int64_t auth_ms, struct buf *out);

/* What a valid token says. */
struct token_claims {
	struct buf subject; /* sub, NUL-terminated */
	time_t iat;         /* iat, -1 when the token has none */
	int64_t auth_ms;    /* auth_time in unix milliseconds, -1 when it has none */
};
void token_claims_init(struct token_claims *c);
void token_claims_free(struct token_claims *c);
/* Checks token; true with its claims in out when it is valid at now. */
bool token_read(const struct settings *s, const char *token, time_t now, struct token_claims *out);
/* When the token's session began, in unix milliseconds: auth_time, else iat;
 * -1 when it says neither (PyJWT's tokens). */
int64_t token_session_start(const struct token_claims *c);
/* Whether a valid token still opens the account it names, created at
 * created_ms and whose password last changed at password_changed_ms (unix
 * milliseconds; -1: never changed here): a session begun before either is
 * refused (to the millisecond with our auth_time, to the second with an iat
 * alone); a token with neither (PyJWT's) is accepted unless the password
 * has changed. */
bool token_fresh(const struct token_claims *c, int64_t created_ms, int64_t password_changed_ms);

#endif

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
 *   {"auth_time": seconds.milliseconds, "exp": seconds, "iat": seconds,
 *    "pwh": password tag, "sub": email}
 * auth_time is when the session began (the login; a refresh carries it
 * over), to the millisecond, and exp never passes auth_time +
 * SESSION_MAX_HOURS. pwh binds the token to the password hash it was
 * granted against (password_tag: a keyed MAC of the stored PHC string, which
 * says nothing of the password without SECRET_KEY): once the stored hash is
 * another, the token opens nothing, however its times compare. iat stays whole seconds: PyJWT refuses an iat later
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

#include "base/buf.h"
#include "auth/gate.h"

struct settings;

/* Both hash in a turn of the gate g: the request's own when it holds one
 * (hash_gate_enter), else one waited for; the turn is given back after. */
/* Appends the PHC string of password[0..len) to out, NUL-terminated; NULL,
 * or why it could not (argon2's reason, for the log). */
const char *password_hash(struct hash_gate *g, const char *password, size_t len, struct buf *out);
/* Whether password matches the PHC string phc. With phc NULL it verifies
 * against a fixed dummy hash and returns false, so that an unknown email
 * costs what a wrong password costs. */
bool password_verify(struct hash_gate *g, const char *phc, const char *password, size_t len);

/* A keyed digest: HMAC-SHA256 with SECRET_KEY over label, a NUL, then
 * data[0..len): for keys and tags that must not be guessable without the
 * secret. */
void secret_digest(const struct settings *s, const char *label, const char *data, size_t len,
		   unsigned char out[32]);

/* The tag of a stored PHC string (base64url of the first 12 bytes of its
 * secret_digest), NUL-terminated in out: what a token's pwh claim holds. */
#define PASSWORD_TAG_LEN   16
#define PASSWORD_TAG_BYTES 12 /* base64url: 4 characters for 3 bytes */
void password_tag(const struct settings *s, const char *phc, char out[PASSWORD_TAG_LEN + 1]);

/* When a token made at now for a session begun at auth_ms (unix
 * milliseconds) expires: after ACCESS_TOKEN_EXPIRE_MINUTES, or at the
 * session's end if that comes first. */
time_t token_expiry(const struct settings *s, time_t now, int64_t auth_ms);
/* Appends a token for subject issued at now in the session begun at auth_ms,
 * bound to the password tag pwh (NULL: no pwh claim), NUL-terminated; 0, or
 * -1. */
int token_make(const struct settings *s, const char *subject, time_t now, int64_t auth_ms, const char *pwh,
	       struct buf *out);

/* What a valid token says. */
struct token_claims {
	struct buf subject;             /* sub, NUL-terminated */
	time_t iat;                     /* iat, -1 when the token has none */
	int64_t auth_ms;                /* auth_time in unix milliseconds, -1 when it has none */
	bool has_pwh;                   /* the token carries a pwh claim (ours since issue 17) */
	char pwh[PASSWORD_TAG_LEN + 1]; /* its value; "" when it is no tag of ours */
};
void token_claims_init(struct token_claims *c);
void token_claims_free(struct token_claims *c);
/* Checks token; true with its claims in out when it is valid at now. */
bool token_read(const struct settings *s, const char *token, time_t now, struct token_claims *out);
/* When the token's session began, in unix milliseconds: auth_time, else iat;
 * -1 when it says neither (PyJWT's tokens). */
int64_t token_session_start(const struct token_claims *c);
/* Whether a valid token still opens the account it names, created at
 * created_ms, whose password last changed at password_changed_ms (unix
 * milliseconds; -1: never changed here) and whose stored hash has the tag
 * current_tag (password_tag): a token with pwh is refused unless it is
 * current_tag; then a session begun before either time is refused (to the
 * millisecond with our auth_time, to the second with an iat alone); a token
 * with neither time (PyJWT's) is accepted unless the password has changed. */
bool token_fresh(const struct token_claims *c, int64_t created_ms, int64_t password_changed_ms,
		 const char *current_tag);

#endif

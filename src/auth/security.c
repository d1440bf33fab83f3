/* security.c -- argon2id through libargon2, JWT through libjwt (see security.h). */
#include "auth/security.h"

#include <argon2.h>
#include <math.h>
#include <jwt.h>
#include <gnutls/crypto.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "compat/json.h"
#include "base/lowprio.h"
#include "base/scoreboard.h"
#include "base/settings.h"
#include "compat/json_write.h"

enum { ARGON2_T = 3, ARGON2_M_KIB = 65536, ARGON2_P = 4, SALT_LEN = 16, HASH_LEN = 32 };

/* The hash of a password no user has, at the parameters we write. */
static const char dummy_phc[] =
	"$argon2id$v=19$m=65536,t=3,p=4$fwITMFEATPH8Vb7t+kv0iQ$iMH6aE3OSTc4Tn5BTgZgbwtxbI4Bax7G0nTJxIOw0DQ";

struct hash_job {
	const char *password;
	size_t len;
	const char *phc; /* verify against this, or NULL to hash */
	char *encoded;   /* hash: output */
	size_t encoded_len;
	int result; /* ARGON2_OK or an argon2 error */
};

static argon2_type type_of(const char *phc)
{
	if (strncmp(phc, "$argon2id$", 10) == 0)
		return Argon2_id;
	if (strncmp(phc, "$argon2i$", 9) == 0)
		return Argon2_i;
	return Argon2_d;
}

static void hash_work(void *arg)
{
	struct hash_job *job = arg;
	unsigned char salt[SALT_LEN];
	if (job->phc) {
		job->result = argon2_verify(job->phc, job->password, job->len, type_of(job->phc));
	} else if (getrandom(salt, sizeof salt, 0) != (ssize_t)sizeof salt) {
		job->result = ARGON2_MISSING_ARGS;
	} else {
		job->result =
			argon2id_hash_encoded(ARGON2_T, ARGON2_M_KIB, ARGON2_P, job->password, job->len, salt,
					      sizeof salt, HASH_LEN, job->encoded, job->encoded_len);
	}
}

/* Runs job in a turn of the gate, below request handling's priority. */
static void run_gated(struct hash_gate *g, struct hash_job *job)
{
	hash_gate_enter(g, false);
	scoreboard_hashing(true);
	lowprio_run(LOWPRIO_HASHING, hash_work, job);
	scoreboard_hashing(false);
	hash_gate_leave(g);
}

const char *password_hash(struct hash_gate *g, const char *password, size_t len, struct buf *out)
{
	char encoded[128];
	struct hash_job job = {
		.password = password, .len = len, .encoded = encoded, .encoded_len = sizeof encoded};
	run_gated(g, &job);
	if (job.result != ARGON2_OK)
		return job.result == ARGON2_MISSING_ARGS ? "no random salt (getrandom failed)"
							 : argon2_error_message(job.result);
	buf_adds(out, encoded);
	buf_cstr(out); /* callers bind it as a C string */
	return buf_ok(out) ? NULL : "out of memory";
}

bool password_verify(struct hash_gate *g, const char *phc, const char *password, size_t len)
{
	struct hash_job job = {.password = password, .len = len, .phc = phc ? phc : dummy_phc};
	run_gated(g, &job);
	return phc && job.result == ARGON2_OK;
}

/* base64url without padding (RFC 7515's encoding of a JWT's parts). */
static void add_base64url(struct buf *out, const unsigned char *in, size_t n)
{
	static const char digits[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
	for (size_t i = 0; i < n; i += 3) {
		uint32_t v = (uint32_t)in[i] << 16 | (i + 1 < n ? (uint32_t)in[i + 1] << 8 : 0) |
			     (i + 2 < n ? in[i + 2] : 0);
		size_t chars = n - i >= 3 ? 4 : n - i + 1;
		for (size_t k = 0; k < chars; k++)
			buf_addc(out, digits[(v >> (18 - 6 * k)) & 63]);
	}
}

/* GnuTLS computes the MAC: libjwt already loads it to verify tokens, so a
 * worker touches no other crypto library's pages (OpenSSL's costs ~3 MiB of
 * resident memory once its providers are initialised). */
static gnutls_mac_algorithm_t mac_of(const struct settings *s)
{
	return strcmp(s->algorithm, "HS384") == 0   ? GNUTLS_MAC_SHA384
	       : strcmp(s->algorithm, "HS512") == 0 ? GNUTLS_MAC_SHA512
						    : GNUTLS_MAC_SHA256;
}

void secret_digest(const struct settings *s, const char *label, const char *data, size_t len,
		   unsigned char out[32])
{
	gnutls_hmac_hd_t h;
	memset(out, 0, 32);
	if (gnutls_hmac_init(&h, GNUTLS_MAC_SHA256, s->secret_key, strlen(s->secret_key)) != 0)
		return; /* out of memory: every digest is the same, no key tells another apart */
	gnutls_hmac(h, label, strlen(label) + 1);
	gnutls_hmac(h, data, len);
	gnutls_hmac_deinit(h, out);
}

void password_tag(const struct settings *s, const char *phc, char out[PASSWORD_TAG_LEN + 1])
{
	unsigned char digest[32];
	struct buf b;
	secret_digest(s, "fast_zero password tag", phc, strlen(phc), digest);
	buf_init(&b);
	add_base64url(&b, digest, PASSWORD_TAG_BYTES);
	snprintf(out, PASSWORD_TAG_LEN + 1, "%s",
		 buf_ok(&b) && b.len == PASSWORD_TAG_LEN ? buf_cstr(&b) : "");
	buf_free(&b);
}

time_t token_expiry(const struct settings *s, time_t now, int64_t auth_ms)
{
	time_t exp = now + s->expire_minutes * 60;
	time_t session_end = (time_t)(auth_ms / 1000) + s->session_max_hours * 3600;
	return exp < session_end ? exp : session_end;
}

/* The token is written here rather than by libjwt, whose JSON writer would
 * spell the millisecond auth_time as a 17-digit float (1764576000.1229999). */
int token_make(const struct settings *s, const char *subject, time_t now, int64_t auth_ms, const char *pwh,
	       struct buf *out)
{
	struct buf claims;
	unsigned char mac[64]; /* SHA-512's, the longest */
	unsigned mac_len = gnutls_hmac_get_len(mac_of(s));
	char header[48];
	int header_len = snprintf(header, sizeof header, "{\"alg\":\"%s\",\"typ\":\"JWT\"}", s->algorithm);
	buf_init(&claims);
	buf_printf(&claims, "{\"auth_time\":%lld.%03lld,\"exp\":%lld,\"iat\":%lld,",
		   (long long)(auth_ms / 1000), (long long)(auth_ms % 1000),
		   (long long)token_expiry(s, now, auth_ms), (long long)now);
	if (pwh) {
		buf_adds(&claims, "\"pwh\":");
		json_add_cstr(&claims, pwh);
		buf_addc(&claims, ',');
	}
	buf_adds(&claims, "\"sub\":");
	json_add_cstr(&claims, subject);
	buf_addc(&claims, '}');
	size_t start = out->len;
	add_base64url(out, (const unsigned char *)header, (size_t)header_len);
	buf_addc(out, '.');
	add_base64url(out, (const unsigned char *)claims.data, claims.len);
	int rc = -1;
	if (buf_ok(out) && buf_ok(&claims) && mac_len <= sizeof mac &&
	    gnutls_hmac_fast(mac_of(s), s->secret_key, strlen(s->secret_key), out->data + start,
			     out->len - start, mac) == 0) {
		buf_addc(out, '.');
		add_base64url(out, mac, mac_len);
		buf_cstr(out);
		rc = buf_ok(out) ? 0 : -1;
	}
	buf_free(&claims);
	return rc;
}

/* A time claim as PyJWT reads one, int(value): a number, truncated. */
static bool claim_seconds(const struct json_value *v, double *out)
{
	if (!v || (v->type != JSON_INT && v->type != JSON_FLOAT))
		return false;
	*out = trunc(strtod(v->str, NULL));
	return isfinite(*out);
}

/* An optional time claim, kept to the millisecond; -1 when absent, false
 * when present but not a number PyJWT would read. */
static bool claim_ms(const struct json_value *v, int64_t *out)
{
	*out = -1;
	if (!v)
		return true;
	if (v->type != JSON_INT && v->type != JSON_FLOAT)
		return false;
	double x = strtod(v->str, NULL) * 1000.0;
	if (!isfinite(x) || x < 0 || x > 1e17)
		return false;
	*out = llround(x);
	return true;
}

/* The optional pwh claim: a string when present (a tag of ours, or "" that
 * matches none); false when present but not a string. */
static bool claim_pwh(const struct json_value *v, struct token_claims *out)
{
	out->has_pwh = v != NULL;
	out->pwh[0] = '\0';
	if (!v)
		return true;
	if (v->type != JSON_STRING)
		return false;
	if (v->len == PASSWORD_TAG_LEN)
		snprintf(out->pwh, sizeof out->pwh, "%.*s", (int)v->len, v->str);
	return true;
}

/* The claims' checks PyJWT makes (exp, nbf), plus a required exp and sub. */
static bool claims_valid(const struct json_value *claims, time_t now, struct token_claims *out)
{
	const struct json_value *sub = json_get(claims, "sub");
	const struct json_value *nbf = json_get(claims, "nbf"), *iat = json_get(claims, "iat");
	double exp, not_before, issued = 0;
	if (!sub || sub->type != JSON_STRING || sub->len == 0)
		return false;
	if (!claim_seconds(json_get(claims, "exp"), &exp) || exp <= (double)now)
		return false;
	if (nbf && (!claim_seconds(nbf, &not_before) || not_before > (double)now))
		return false;
	if (iat && !claim_seconds(iat, &issued)) /* PyJWT refuses an iat that is not a number */
		return false;
	if (!claim_ms(json_get(claims, "auth_time"), &out->auth_ms) ||
	    !claim_pwh(json_get(claims, "pwh"), out))
		return false;
	out->iat = iat ? (time_t)issued : -1;
	buf_add(&out->subject, sub->str, sub->len);
	buf_cstr(&out->subject);
	return buf_ok(&out->subject);
}

void token_claims_init(struct token_claims *c)
{
	buf_init(&c->subject);
	c->iat = -1;
	c->auth_ms = -1;
	c->has_pwh = false;
	c->pwh[0] = '\0';
}

void token_claims_free(struct token_claims *c)
{
	buf_free(&c->subject);
}

/* libjwt reads the header's alg without regard to case ("hs256"), so the
 * header's own text is compared, exactly as PyJWT does. */
bool token_read(const struct settings *s, const char *token, time_t now, struct token_claims *out)
{
	jwt_t *jwt = NULL;
	char *claims_text = NULL;
	struct json_doc *claims = NULL;
	struct json_error err;
	const char *alg;
	bool ok = false;
	if (jwt_decode(&jwt, token, (const unsigned char *)s->secret_key, (int)strlen(s->secret_key)) == 0 &&
	    (alg = jwt_get_header(jwt, "alg")) && strcmp(alg, s->algorithm) == 0 &&
	    (claims_text = jwt_get_grants_json(jwt, NULL)) &&
	    (claims = json_parse(claims_text, strlen(claims_text), &err)) &&
	    json_root(claims)->type == JSON_OBJECT)
		ok = claims_valid(json_root(claims), now, out);
	json_free(claims);
	free(claims_text);
	jwt_free(jwt);
	return ok;
}

int64_t token_session_start(const struct token_claims *c)
{
	return c->auth_ms >= 0 ? c->auth_ms : c->iat >= 0 ? (int64_t)c->iat * 1000 : -1;
}

/* Whether the token's pwh is current_tag, in time independent of where
 * they differ. */
static bool pwh_is(const struct token_claims *c, const char *current_tag)
{
	unsigned diff = 0;
	if (!current_tag || strlen(c->pwh) != PASSWORD_TAG_LEN || strlen(current_tag) != PASSWORD_TAG_LEN)
		return false;
	for (size_t i = 0; i < PASSWORD_TAG_LEN; i++)
		diff |= (unsigned char)c->pwh[i] ^ (unsigned char)current_tag[i];
	return diff == 0;
}

bool token_fresh(const struct token_claims *c, int64_t created_ms, int64_t password_changed_ms,
		 const char *current_tag)
{
	if (c->has_pwh && !pwh_is(c, current_tag)) /* granted against another hash than the stored one */
		return false;
	if (c->auth_ms >= 0) /* ours: to the millisecond */
		return c->auth_ms >= created_ms && c->auth_ms >= password_changed_ms;
	if (c->iat >= 0) /* whole seconds: the second of the change itself is given the benefit */
		return c->iat >= created_ms / 1000 && c->iat >= password_changed_ms / 1000;
	return password_changed_ms < 0; /* PyJWT's own: until its exp, unless the password has changed */
}

/* security.c -- argon2id through libargon2, JWT through libjwt (see security.h). */
#include "security.h"

#include <argon2.h>
#include <math.h>
#include <errno.h>
#include <fcntl.h>
#include <jwt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <unistd.h>

#include "json.h"
#include "lowprio.h"
#include "settings.h"

enum { ARGON2_T = 3, ARGON2_M_KIB = 65536, ARGON2_P = 4, SALT_LEN = 16, HASH_LEN = 32 };

/* The hash of a password no user has, at the parameters we write. */
static const char dummy_phc[] =
	"$argon2id$v=19$m=65536,t=3,p=4$fwITMFEATPH8Vb7t+kv0iQ$iMH6aE3OSTc4Tn5BTgZgbwtxbI4Bax7G0nTJxIOw0DQ";

int hash_gate_cap(void)
{
	long cores = sysconf(_SC_NPROCESSORS_ONLN);
	return cores > 0 && cores < 1024 ? (int)cores : 1;
}

int hash_gate_create(int cap)
{
	int fd = memfd_create("fast_zero-hash-gate", MFD_CLOEXEC);
	if (fd >= 0 && ftruncate(fd, cap) != 0) {
		close(fd);
		return -1;
	}
	return fd;
}

void hash_gate_open(struct hash_gate *g, int shared_fd, int cap)
{
	char path[64];
	snprintf(path, sizeof path, "/proc/self/fd/%d", shared_fd);
	/* A fresh open file description: inherited descriptors would share locks. */
	g->fd = shared_fd >= 0 ? open(path, O_RDWR | O_CLOEXEC) : -1;
	g->cap = cap;
}

void hash_gate_close(struct hash_gate *g)
{
	if (g->fd >= 0)
		close(g->fd);
	g->fd = -1;
}

static int slot_lock(int fd, int slot, int cmd, short type)
{
	struct flock fl = {.l_type = type, .l_whence = SEEK_SET, .l_start = slot, .l_len = 1};
	int rc;
	while ((rc = fcntl(fd, cmd, &fl)) < 0 && errno == EINTR)
		;
	return rc;
}

/* Takes a free slot, or waits for one; the slot, or -1 without a gate. */
static int gate_enter(struct hash_gate *g)
{
	if (g->fd < 0)
		return -1;
	for (int i = 0; i < g->cap; i++)
		if (slot_lock(g->fd, i, F_OFD_SETLK, F_WRLCK) == 0)
			return i;
	int slot = (int)(getpid() % g->cap);
	return slot_lock(g->fd, slot, F_OFD_SETLKW, F_WRLCK) == 0 ? slot : -1;
}

static void gate_leave(struct hash_gate *g, int slot)
{
	if (slot >= 0)
		slot_lock(g->fd, slot, F_OFD_SETLK, F_UNLCK);
}

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

/* Runs job through the gate, below request handling's priority. */
static void run_gated(struct hash_gate *g, struct hash_job *job)
{
	int slot = gate_enter(g);
	lowprio_run(LOWPRIO_HASHING, hash_work, job);
	gate_leave(g, slot);
}

int password_hash(struct hash_gate *g, const char *password, size_t len, struct buf *out)
{
	char encoded[128];
	struct hash_job job = {
		.password = password, .len = len, .encoded = encoded, .encoded_len = sizeof encoded};
	run_gated(g, &job);
	if (job.result != ARGON2_OK)
		return -1;
	buf_adds(out, encoded);
	buf_cstr(out); /* callers bind it as a C string */
	return buf_ok(out) ? 0 : -1;
}

bool password_verify(struct hash_gate *g, const char *phc, const char *password, size_t len)
{
	struct hash_job job = {.password = password, .len = len, .phc = phc ? phc : dummy_phc};
	run_gated(g, &job);
	return phc && job.result == ARGON2_OK;
}

static jwt_alg_t algorithm_of(const struct settings *s)
{
	return jwt_str_alg(s->algorithm);
}

int token_make(const struct settings *s, const char *subject, time_t now, struct buf *out)
{
	jwt_t *jwt = NULL;
	char *text = NULL;
	int rc = -1;
	if (jwt_new(&jwt) == 0 && jwt_add_grant(jwt, "sub", subject) == 0 &&
	    jwt_add_grant_int(jwt, "exp", (long)(now + s->expire_minutes * 60)) == 0 &&
	    jwt_set_alg(jwt, algorithm_of(s), (const unsigned char *)s->secret_key,
			(int)strlen(s->secret_key)) == 0 &&
	    (text = jwt_encode_str(jwt))) {
		buf_adds(out, text);
		rc = buf_ok(out) ? 0 : -1;
	}
	free(text);
	jwt_free(jwt);
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

/* The claims' checks PyJWT makes (exp, nbf), plus a required exp and sub. */
static bool claims_valid(const struct json_value *claims, time_t now, struct buf *subject)
{
	const struct json_value *sub = json_get(claims, "sub");
	const struct json_value *nbf = json_get(claims, "nbf");
	double exp, not_before;
	if (!sub || sub->type != JSON_STRING || sub->len == 0)
		return false;
	if (!claim_seconds(json_get(claims, "exp"), &exp) || exp <= (double)now)
		return false;
	if (nbf && (!claim_seconds(nbf, &not_before) || not_before > (double)now))
		return false;
	buf_add(subject, sub->str, sub->len);
	buf_cstr(subject);
	return buf_ok(subject);
}

bool token_subject(const struct settings *s, const char *token, time_t now, struct buf *subject)
{
	jwt_t *jwt = NULL;
	char *claims_text = NULL;
	struct json_doc *claims = NULL;
	struct json_error err;
	bool ok = false;
	if (jwt_decode(&jwt, token, (const unsigned char *)s->secret_key, (int)strlen(s->secret_key)) == 0 &&
	    jwt_get_alg(jwt) == algorithm_of(s) && (claims_text = jwt_get_grants_json(jwt, NULL)) &&
	    (claims = json_parse(claims_text, strlen(claims_text), &err)) &&
	    json_root(claims)->type == JSON_OBJECT)
		ok = claims_valid(json_root(claims), now, subject);
	json_free(claims);
	free(claims_text);
	jwt_free(jwt);
	return ok;
}

/* fuzz_jwt.c -- token_read, the access-token check behind every
 * authenticated route.
 *
 * The token is what follows "Bearer " in the client's Authorization header:
 * libjwt splits and base64-decodes it, checks its header and signature, and
 * token_read then reads the claims with json_parse and checks sub, exp
 * and nbf. Settings are SECRET_KEY "k", ALGORITHM HS256; "now" is fixed
 * (FUZZ_NOW) so that a run can be replayed.
 *
 * The first input byte picks a mode:
 *   even: the rest is the token itself (random bytes rarely carry a good
 *         signature, so this mode fuzzes libjwt's parsing and the alg check);
 *   odd:  the rest is a claims object that the harness signs with key "k"
 *         under the algorithm (byte >> 1) % 4 picks (HS256, HS384, HS512,
 *         none), so the claims checks see every shape of sub, exp and nbf.
 * Checks: a token is accepted only when signed with HS256, its subject is
 * non-empty; a well-formed HS256 token ({"sub": str, "exp": int > now}) is
 * accepted. */
#include <errno.h>
#include <jwt.h>
#include <stdlib.h>
#include <string.h>

#include "../../src/auth/security.h"
#include "../../src/base/settings.h"
#include "common.h"

static const jwt_alg_t algorithms[4] = {JWT_ALG_HS256, JWT_ALG_HS384, JWT_ALG_HS512, JWT_ALG_NONE};

static const struct settings *test_settings(void)
{
	static struct settings s;
	if (!s.secret_key[0]) {
		strcpy(s.secret_key, "k");
		strcpy(s.algorithm, "HS256");
		s.expire_minutes = 30;
		s.session_max_hours = 24;
	}
	return &s;
}

/* Whether libjwt holds what token_read must accept: a non-empty string
 * sub, an integer exp after now and no nbf, iat or auth_time at all. */
static bool plainly_valid(jwt_t *jwt)
{
	const char *sub = jwt_get_grant(jwt, "sub");
	static const char *const absent[] = {"nbf", "iat", "auth_time"};
	for (int i = 0; i < 3; i++) {
		char *v = jwt_get_grants_json(jwt, absent[i]);
		bool has = v != NULL;
		free(v);
		if (has)
			return false;
	}
	if (!sub || !*sub)
		return false;
	errno = 0;
	long exp = jwt_get_grant_int(jwt, "exp");
	return errno == 0 && exp > (long)FUZZ_NOW;
}

static void check_token(const char *token, bool may_pass, bool must_pass)
{
	struct token_claims claims;
	token_claims_init(&claims);
	bool ok = token_read(test_settings(), token, FUZZ_NOW, &claims);
	FUZZ_CHECK(!ok || may_pass);
	FUZZ_CHECK(ok || !must_pass);
	FUZZ_CHECK(!ok || (buf_ok(&claims.subject) && claims.subject.len > 0));
	token_claims_free(&claims);
}

/* Signs claims (a JSON object's text) and checks the token made of it. */
static void check_signed(const char *claims, jwt_alg_t alg)
{
	jwt_t *jwt = NULL;
	char *token = NULL;
	const unsigned char *key = alg == JWT_ALG_NONE ? NULL : (const unsigned char *)"k";
	if (jwt_new(&jwt) == 0 && jwt_add_grants_json(jwt, claims) == 0 &&
	    jwt_set_alg(jwt, alg, key, key ? 1 : 0) == 0 && (token = jwt_encode_str(jwt)))
		check_token(token, alg == JWT_ALG_HS256, alg == JWT_ALG_HS256 && plainly_valid(jwt));
	free(token);
	jwt_free(jwt);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0)
		return 0;
	char *rest = fuzz_cstr(data + 1, size - 1);
	if (data[0] % 2 == 0)
		check_token(rest, true, false);
	else
		check_signed(rest, algorithms[(data[0] >> 1) % 4]);
	free(rest);
	return 0;
}

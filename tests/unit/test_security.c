/* test_security.c -- tokens made and checked; argon2 PHC strings verified. */
#include <string.h>

#include "../../src/auth/security.h"
#include "../../src/base/settings.h"
#include "unit.h"

static struct settings test_settings(const char *alg)
{
	struct settings s = {.expire_minutes = 30, .session_max_hours = 24};
	strcpy(s.secret_key, "test-secret-key");
	strcpy(s.algorithm, alg);
	return s;
}

/* Reads tok at now: whether it is valid, its claims in *c. */
static bool read_at(const struct settings *s, const struct buf *tok, time_t now, struct token_claims *c)
{
	token_claims_free(c);
	token_claims_init(c);
	return token_read(s, tok->data, now, c);
}

static void test_token_round_trip(void)
{
	struct settings s = test_settings("HS256");
	struct buf tok;
	struct token_claims c;
	buf_init(&tok);
	token_claims_init(&c);
	CHECK(token_make(&s, "alice@example.com", 1000000000, 999990000123, NULL, &tok) == 0);
	CHECK(strncmp(buf_cstr(&tok), "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.", 37) == 0);
	CHECK(read_at(&s, &tok, 1000000000 + 30 * 60 - 1, &c));
	CHECK_STR(buf_cstr(&c.subject), "alice@example.com");
	CHECK(c.iat == 1000000000);
	CHECK(c.auth_ms == 999990000123);
	CHECK(token_session_start(&c) == 999990000123);
	CHECK(!read_at(&s, &tok, 1000000000 + 30 * 60, &c)); /* expired at exp */
	token_claims_free(&c);
	buf_free(&tok);
}

static void test_token_never_outlives_its_session(void)
{
	struct settings s = test_settings("HS256");
	time_t login = 1000000000;
	CHECK(token_expiry(&s, login, login * 1000) == login + 30 * 60);
	/* Refreshed 23 h 50 min after the login: the session's end comes first. */
	CHECK(token_expiry(&s, login + 23 * 3600 + 50 * 60, login * 1000 + 999) == login + 24 * 3600);
}

static void test_token_is_held_against_its_account(void)
{
	struct token_claims c = {.iat = 5, .auth_ms = 5000};
	CHECK(token_fresh(&c, 5000, -1, NULL));  /* the same millisecond as the account */
	CHECK(!token_fresh(&c, 5001, -1, NULL)); /* a session begun before the account existed */
	CHECK(token_fresh(&c, 4000, 5000, NULL));
	CHECK(!token_fresh(&c, 4000, 5001, NULL)); /* before the password changed */
	c.auth_ms = -1;                            /* iat alone: whole seconds */
	CHECK(token_fresh(&c, 5999, -1, NULL));
	CHECK(!token_fresh(&c, 6000, -1, NULL));
	CHECK(!token_fresh(&c, 0, 6000, NULL));
	c.iat = -1; /* PyJWT's: neither */
	CHECK(token_fresh(&c, 9999, -1, NULL));
	CHECK(!token_fresh(&c, 0, 1, NULL));
}

static void test_token_is_bound_to_the_hash_it_was_granted_against(void)
{
	struct settings s = test_settings("HS256");
	struct buf tok;
	struct token_claims c;
	char old_tag[PASSWORD_TAG_LEN + 1], new_tag[PASSWORD_TAG_LEN + 1];
	password_tag(&s, "$argon2id$v=19$m=8,t=1,p=1$c2FsdHNhbHQ$old", old_tag);
	password_tag(&s, "$argon2id$v=19$m=8,t=1,p=1$c2FsdHNhbHQ$new", new_tag);
	CHECK(strlen(old_tag) == PASSWORD_TAG_LEN && strcmp(old_tag, new_tag) != 0);
	buf_init(&tok);
	token_claims_init(&c);
	CHECK(token_make(&s, "a@b.co", 1000000000, 1000000000000, old_tag, &tok) == 0);
	CHECK(read_at(&s, &tok, 1000000000, &c));
	CHECK(c.has_pwh && strcmp(c.pwh, old_tag) == 0);
	CHECK(token_fresh(&c, 0, -1, old_tag));
	CHECK(!token_fresh(&c, 0, -1, new_tag)); /* the hash changed, whatever the times say */
	CHECK(!token_fresh(&c, 0, -1, NULL));
	strcpy(s.secret_key, "another-secret");
	password_tag(&s, "$argon2id$v=19$m=8,t=1,p=1$c2FsdHNhbHQ$old", new_tag);
	CHECK(strcmp(old_tag, new_tag) != 0); /* keyed with SECRET_KEY */
	token_claims_free(&c);
	buf_free(&tok);
}

static void test_other_algorithm_or_secret_is_refused(void)
{
	struct settings s512 = test_settings("HS512"), s256 = test_settings("HS256");
	struct buf tok;
	struct token_claims c;
	buf_init(&tok);
	token_claims_init(&c);
	CHECK(token_make(&s512, "a@b.co", 1000000000, 1000000000000, NULL, &tok) == 0);
	CHECK(read_at(&s512, &tok, 1000000000, &c));
	CHECK(!read_at(&s256, &tok, 1000000000, &c));
	strcpy(s512.secret_key, "another");
	CHECK(!read_at(&s512, &tok, 1000000000, &c));
	token_claims_free(&c);
	buf_free(&tok);
}

static void test_forged_tokens_are_refused(void)
{
	struct settings s = test_settings("HS256");
	struct token_claims c;
	token_claims_init(&c);
	/* {"alg":"none","typ":"JWT"}.{"sub":"a@b.co","exp":9999999999}. */
	CHECK(!token_read(&s,
			  "eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.eyJzdWIiOiJhQGIuY28iLCJleHAiOjk5OTk5OTk5OTl9.",
			  0, &c));
	CHECK(!token_read(&s, "", 0, &c));
	CHECK(!token_read(&s, "token-invalido", 0, &c));
	CHECK(!token_read(&s, "a.b.c", 0, &c));
	token_claims_free(&c);
}

static void test_any_argon2_phc_verifies(void)
{
	struct hash_gate g = {.room = NULL, .place = -1};
	/* argon2-cffi, Debian's defaults (m=102400,t=2,p=8) and argon2i. */
	static const char id[] = "$argon2id$v=19$m=65536,t=3,p=4$fwITMFEATPH8Vb7t+kv0iQ$"
				 "iMH6aE3OSTc4Tn5BTgZgbwtxbI4Bax7G0nTJxIOw0DQ";
	const char *pw = "fast_zero dummy password, never a user's";
	CHECK(password_verify(&g, id, pw, strlen(pw)));
	CHECK(!password_verify(&g, id, "wrong", 5));
	CHECK(!password_verify(&g, NULL, pw, strlen(pw)));
	CHECK(!password_verify(&g, "not a hash", "x", 1));
}

static void test_hash_has_pwdlib_parameters(void)
{
	struct hash_gate g = {.room = NULL, .place = -1};
	struct buf h;
	buf_init(&h);
	CHECK(password_hash(&g, "secret", 6, &h) == NULL);
	CHECK(strncmp(buf_cstr(&h), "$argon2id$v=19$m=65536,t=3,p=4$", 31) == 0);
	CHECK(password_verify(&g, h.data, "secret", 6));
	buf_free(&h);
}

int main(void)
{
	RUN(test_token_round_trip);
	RUN(test_token_never_outlives_its_session);
	RUN(test_token_is_held_against_its_account);
	RUN(test_token_is_bound_to_the_hash_it_was_granted_against);
	RUN(test_other_algorithm_or_secret_is_refused);
	RUN(test_forged_tokens_are_refused);
	RUN(test_any_argon2_phc_verifies);
	RUN(test_hash_has_pwdlib_parameters);
	return unit_done();
}

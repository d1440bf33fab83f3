/* test_security.c -- tokens made and checked; argon2 PHC strings verified. */
#include <string.h>

#include "../../src/security.h"
#include "../../src/settings.h"
#include "unit.h"

static struct settings test_settings(const char *alg)
{
	struct settings s = {.expire_minutes = 30};
	strcpy(s.secret_key, "test-secret-key");
	strcpy(s.algorithm, alg);
	return s;
}

static void test_token_round_trip(void)
{
	struct settings s = test_settings("HS256");
	struct buf tok, sub;
	buf_init(&tok);
	buf_init(&sub);
	CHECK(token_make(&s, "alice@example.com", 1000000000, &tok) == 0);
	CHECK(strncmp(buf_cstr(&tok), "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.", 37) == 0);
	CHECK(token_subject(&s, buf_cstr(&tok), 1000000000 + 30 * 60 - 1, &sub));
	CHECK_STR(buf_cstr(&sub), "alice@example.com");
	buf_reset(&sub);
	CHECK(!token_subject(&s, buf_cstr(&tok), 1000000000 + 30 * 60, &sub)); /* expired at exp */
	buf_free(&tok);
	buf_free(&sub);
}

static void test_other_algorithm_or_secret_is_refused(void)
{
	struct settings s512 = test_settings("HS512"), s256 = test_settings("HS256");
	struct buf tok, sub;
	buf_init(&tok);
	buf_init(&sub);
	CHECK(token_make(&s512, "a@b.co", 1000000000, &tok) == 0);
	CHECK(token_subject(&s512, buf_cstr(&tok), 1000000000, &sub));
	CHECK(!token_subject(&s256, buf_cstr(&tok), 1000000000, &sub));
	strcpy(s512.secret_key, "another");
	CHECK(!token_subject(&s512, buf_cstr(&tok), 1000000000, &sub));
	buf_free(&tok);
	buf_free(&sub);
}

static void test_forged_tokens_are_refused(void)
{
	struct settings s = test_settings("HS256");
	struct buf sub;
	buf_init(&sub);
	/* {"alg":"none","typ":"JWT"}.{"sub":"a@b.co","exp":9999999999}. */
	CHECK(!token_subject(
		&s, "eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.eyJzdWIiOiJhQGIuY28iLCJleHAiOjk5OTk5OTk5OTl9.", 0,
		&sub));
	CHECK(!token_subject(&s, "", 0, &sub));
	CHECK(!token_subject(&s, "token-invalido", 0, &sub));
	CHECK(!token_subject(&s, "a.b.c", 0, &sub));
	buf_free(&sub);
}

static void test_any_argon2_phc_verifies(void)
{
	struct hash_gate g = {.fd = -1, .cap = 1};
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
	struct hash_gate g = {.fd = -1, .cap = 1};
	struct buf h;
	buf_init(&h);
	CHECK(password_hash(&g, "secret", 6, &h) == 0);
	CHECK(strncmp(buf_cstr(&h), "$argon2id$v=19$m=65536,t=3,p=4$", 31) == 0);
	CHECK(password_verify(&g, h.data, "secret", 6));
	buf_free(&h);
}

int main(void)
{
	RUN(test_token_round_trip);
	RUN(test_other_algorithm_or_secret_is_refused);
	RUN(test_forged_tokens_are_refused);
	RUN(test_any_argon2_phc_verifies);
	RUN(test_hash_has_pwdlib_parameters);
	return unit_done();
}

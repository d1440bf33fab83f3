/* test_settings.c -- DATABASE_URL forms and the settings' checks. */
#include <stdlib.h>
#include <string.h>

#include "../../src/base/settings.h"
#include "unit.h"

static void test_database_urls(void)
{
	char p[256];
	CHECK(settings_database_path("sqlite:///database.db", p, sizeof p) == 0);
	CHECK_STR(p, "database.db");
	CHECK(settings_database_path("sqlite+aiosqlite:///database.db", p, sizeof p) == 0);
	CHECK_STR(p, "database.db");
	CHECK(settings_database_path("sqlite:////var/lib/fz/db", p, sizeof p) == 0);
	CHECK_STR(p, "/var/lib/fz/db");
	CHECK(settings_database_path("sqlite:///:memory:", p, sizeof p) == -1);
	CHECK(settings_database_path("postgresql://u@h/db", p, sizeof p) == -1);
	CHECK(settings_database_path("sqlite:///", p, sizeof p) == -1);
	CHECK(settings_database_kind("sqlite+aiosqlite:///database.db") == DATABASE_SQLITE);
	CHECK(settings_database_kind("postgresql://u:p@h:5432/db") == DATABASE_POSTGRESQL);
	CHECK(settings_database_kind("postgres://h/db") == DATABASE_POSTGRESQL);
	CHECK(settings_database_kind("postgresql+psycopg://u@h/db?sslmode=require") == DATABASE_POSTGRESQL);
	CHECK(settings_database_kind("postgresql:///db?host=/run/pg") == DATABASE_POSTGRESQL);
	CHECK(settings_database_kind("mysql://h/db") == -1);
	CHECK(settings_database_kind("sqlite:///:memory:") == -1);
}

static void test_defaults_and_required_secret(void)
{
	struct settings s;
	char err[256];
	unsetenv("SECRET_KEY");
	unsetenv("ALGORITHM");
	unsetenv("DATABASE_URL");
	unsetenv("ACCESS_TOKEN_EXPIRE_MINUTES");
	unsetenv("WORKERS");
	CHECK(settings_load(&s, "/nonexistent/.env", SETTINGS_SECRET_REQUIRED, err, sizeof err) == -1);
	CHECK_STR(err, "setting SECRET_KEY is missing: set it in the environment or in .env");
	setenv("SECRET_KEY", "s3cret", 1);
	CHECK(settings_load(&s, "/nonexistent/.env", SETTINGS_SECRET_REQUIRED, err, sizeof err) == 0);
	CHECK_STR(s.algorithm, "HS256");
	CHECK_STR(s.database_url, "sqlite:///database.db");
	CHECK(s.expire_minutes == 30);
}

static void test_bad_values_are_named(void)
{
	struct settings s;
	char err[256];
	setenv("SECRET_KEY", "s3cret", 1);
	setenv("ACCESS_TOKEN_EXPIRE_MINUTES", "0", 1);
	CHECK(settings_load(&s, NULL, SETTINGS_SECRET_REQUIRED, err, sizeof err) == -1);
	CHECK(strstr(err, "ACCESS_TOKEN_EXPIRE_MINUTES") != NULL);
	unsetenv("ACCESS_TOKEN_EXPIRE_MINUTES");
	setenv("ALGORITHM", "none", 1);
	CHECK(settings_load(&s, NULL, SETTINGS_SECRET_REQUIRED, err, sizeof err) == -1);
	CHECK_STR(err, "setting ALGORITHM must be HS256, HS384 or HS512");
	unsetenv("ALGORITHM");
}

static void test_request_timeout(void)
{
	struct settings s;
	char err[256];
	setenv("SECRET_KEY", "s3cret", 1);
	unsetenv("REQUEST_TIMEOUT");
	CHECK(settings_load(&s, NULL, SETTINGS_SECRET_REQUIRED, err, sizeof err) == 0);
	CHECK(s.request_timeout_ms == 5000);
	const char *good[][2] = {{"0", "0"},      {"2", "2000"},  {"0.25", "250"},
				 {"1.5", "1500"}, {"0.001", "1"}, {"3600", "3600000"}};
	for (size_t i = 0; i < sizeof good / sizeof *good; i++) {
		setenv("REQUEST_TIMEOUT", good[i][0], 1);
		CHECK(settings_load(&s, NULL, SETTINGS_SECRET_REQUIRED, err, sizeof err) == 0);
		CHECK(s.request_timeout_ms == atol(good[i][1]));
	}
	const char *bad[] = {"",   "-1",     "1.",   ".5",     "abc",
			     "5s", "0.0001", "3601", "3600.5", "99999999999999999999"};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		setenv("REQUEST_TIMEOUT", bad[i], 1);
		CHECK(settings_load(&s, NULL, SETTINGS_SECRET_REQUIRED, err, sizeof err) == -1);
		CHECK(strstr(err, "setting REQUEST_TIMEOUT must be") != NULL);
	}
	unsetenv("REQUEST_TIMEOUT");
}

static void test_hash_queue_timeout(void)
{
	struct settings s;
	char err[256];
	setenv("SECRET_KEY", "s3cret", 1);
	unsetenv("HASH_QUEUE_TIMEOUT");
	CHECK(settings_load(&s, NULL, SETTINGS_SECRET_REQUIRED, err, sizeof err) == 0);
	CHECK(s.hash_queue_timeout_ms == 2000);
	setenv("HASH_QUEUE_TIMEOUT", "0.5", 1);
	CHECK(settings_load(&s, NULL, SETTINGS_SECRET_REQUIRED, err, sizeof err) == 0);
	CHECK(s.hash_queue_timeout_ms == 500);
	setenv("HASH_QUEUE_TIMEOUT", "0", 1);
	CHECK(settings_load(&s, NULL, SETTINGS_SECRET_REQUIRED, err, sizeof err) == 0);
	CHECK(s.hash_queue_timeout_ms == 0);
	setenv("HASH_QUEUE_TIMEOUT", "2s", 1);
	CHECK(settings_load(&s, NULL, SETTINGS_SECRET_REQUIRED, err, sizeof err) == -1);
	CHECK_STR(err, "setting HASH_QUEUE_TIMEOUT must be a number of seconds from 0 (no limit) to 3600, "
		       "such as 2 or 0.5");
	unsetenv("HASH_QUEUE_TIMEOUT");
}

int main(void)
{
	RUN(test_request_timeout);
	RUN(test_hash_queue_timeout);
	RUN(test_database_urls);
	RUN(test_defaults_and_required_secret);
	RUN(test_bad_values_are_named);
	return unit_done();
}

/* common.h -- what the libFuzzer harnesses share (tests/fuzz/common.c).
 *
 * Every harness fuzzes one layer that reads untrusted bytes; those that go
 * through router_dispatch need a whole struct app: settings (secret "k",
 * HS256), a real store on a freshly migrated SQLite database in a temporary
 * folder, two users (1 "other", 2 "fuzz" whose password is "secret") and two
 * todos (1 of user 2's, 2 of user 1's). fuzz_app() makes it on first use and
 * the process removes it at exit.
 *
 * Password hashing is replaced, at link time (-Wl,--wrap), by a fake that
 * costs nothing: argon2 takes 0.2 s and 64 MiB, which would hold a harness
 * to five runs a second, and it reads no untrusted bytes anyway. So every
 * input that passes validation really reaches the store.
 *
 * FUZZ_CHECK is the harnesses' assert: a broken property aborts, which
 * libFuzzer reports as a crash with the input that broke it. */
#ifndef FZ_FUZZ_COMMON_H
#define FZ_FUZZ_COMMON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../../src/routes/router.h"
#include "../../src/base/buf.h"

#define FUZZ_CHECK(cond) ((cond) ? (void)0 : fuzz_fail(#cond, __FILE__, __LINE__))

/* The pre-registered users and todos; their rows are put back after each
 * request that changed them. */
#define FUZZ_OTHER_ID      1
#define FUZZ_USER_ID       2
#define FUZZ_USER_EMAIL    "fuzz@example.com"
#define FUZZ_USER_PASSWORD "secret"

/* "now" for token checks: the checked-in tokens expire in 2100. */
#define FUZZ_NOW ((time_t)1700000000)

void fuzz_fail(const char *what, const char *file, int line) __attribute__((noreturn));

/* The application, made on first call; aborts when it cannot be. */
struct app *fuzz_app(void);
/* A valid "Bearer <jwt>" header for user 2 (FUZZ_USER_EMAIL). */
const char *fuzz_bearer(void);

/* Dispatches one request and checks the answer: a status the API uses, a
 * body that is UTF-8 JSON. Then puts the two users and their todos back and
 * removes any user or todo the request made, so that every run starts from
 * the same database. */
void fuzz_dispatch(const struct request *req, struct response *res);

/* A reference UTF-8 check (Unicode Table 3-7), independent of form.c's. */
bool fuzz_utf8_ok(const unsigned char *s, size_t n);
/* Whether text[0..len) is a JSON document json_parse accepts. */
bool fuzz_is_json(const char *text, size_t len);
/* A NUL-terminated copy of data[0..size) cut at its first NUL (as a
 * FastCGI parameter would be); free() it. */
char *fuzz_cstr(const uint8_t *data, size_t size);

#endif

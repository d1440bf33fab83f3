/* unit.h -- the small harness of the C unit tests.
 *
 * A test file defines static void test functions and runs them from main()
 * with RUN(name); CHECK* record failures without stopping the test. Each test
 * prints "ok - name" or "not ok - name", which tests/run counts; main() ends
 * with `return unit_done();`.
 *
 * tests/run selects tests through the environment: UNIT_K=PATTERN runs only
 * the tests whose names contain PATTERN; UNIT_LIST=1 prints the names of the
 * tests it would run, one a line, and runs none. */
#ifndef FZ_UNIT_H
#define FZ_UNIT_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int unit_failures_now, unit_passed, unit_failed;

#define CHECK(cond)                                                                                          \
	do {                                                                                                 \
		if (!(cond)) {                                                                               \
			fprintf(stderr, "  %s:%d: CHECK(%s) failed\n", __FILE__, __LINE__, #cond);           \
			unit_failures_now++;                                                                 \
		}                                                                                            \
	} while (0)

#define CHECK_STR(got, want)                                                                                 \
	do {                                                                                                 \
		const char *g_ = (got), *w_ = (want);                                                        \
		if (!g_ || strcmp(g_, w_) != 0) {                                                            \
			fprintf(stderr, "  %s:%d: got  %s\n  %*s want %s\n", __FILE__, __LINE__,             \
				g_ ? g_ : "(null)", (int)strlen(__FILE__) + 6, "", w_);                      \
			unit_failures_now++;                                                                 \
		}                                                                                            \
	} while (0)

/* 1 when test `name` is selected by UNIT_K (all are without it). */
static inline int unit_selected(const char *name)
{
	const char *k = getenv("UNIT_K");
	return !k || strstr(name, k) != NULL;
}

/* 1 when UNIT_LIST asks for the names only. */
static inline int unit_listing(void)
{
	const char *l = getenv("UNIT_LIST");
	return l && *l && strcmp(l, "0") != 0;
}

#define RUN(name)                                                                                            \
	do {                                                                                                 \
		if (!unit_selected(#name))                                                                   \
			break;                                                                               \
		if (unit_listing()) {                                                                        \
			printf("%s\n", #name);                                                               \
			break;                                                                               \
		}                                                                                            \
		unit_failures_now = 0;                                                                       \
		name();                                                                                      \
		if (unit_failures_now) {                                                                     \
			unit_failed++;                                                                       \
			printf("not ok - %s\n", #name);                                                      \
		} else {                                                                                     \
			unit_passed++;                                                                       \
			printf("ok - %s\n", #name);                                                          \
		}                                                                                            \
	} while (0)

static inline int unit_done(void)
{
	return unit_failed ? 1 : 0;
}

#endif

/* test_throttle.c -- the shared budgets: a burst, then a refusal with the
 * seconds to wait; keys and rules apart. */
#include <stdio.h>

#include "../../src/throttle.h"
#include "unit.h"

static const struct throttle_rule slow = {.name = "slow", .burst = 3, .interval_ms = 60000};

static void test_a_burst_then_a_wait(void)
{
	CHECK(throttle_take(&slow, "alice", 5) == 0);
	CHECK(throttle_take(&slow, "alice", 5) == 0);
	CHECK(throttle_take(&slow, "alice", 5) == 0);
	int wait = throttle_take(&slow, "alice", 5);
	CHECK(wait >= 59 && wait <= 60); /* the next one comes back a minute after the first */
	CHECK(throttle_take(&slow, "alice", 5) == wait);
}

static void test_keys_and_rules_have_budgets_of_their_own(void)
{
	CHECK(throttle_take(&slow, "bob", 3) == 0);
	CHECK(throttle_take(&slow, "alicf", 5) == 0);
	CHECK(throttle_take(&throttle_login, "alice", 5) == 0);
}

static void test_the_address_budget_is_forty_at_once(void)
{
	for (int i = 0; i < 40; i++)
		CHECK(throttle_take(&throttle_address, "192.0.2.1", 9) == 0);
	CHECK(throttle_take(&throttle_address, "192.0.2.1", 9) == 1);
	CHECK(throttle_take(&throttle_address, "192.0.2.2", 9) == 0);
}

static void test_many_keys_never_fail(void)
{
	char key[16];
	for (int i = 0; i < 100000; i++) {
		int n = snprintf(key, sizeof key, "k%d", i);
		CHECK(throttle_take(&throttle_update, key, (size_t)n) >= 0);
	}
}

static void test_the_table_is_made(void)
{
	CHECK(throttle_create() == 0);
}

int main(void)
{
	RUN(test_the_table_is_made);
	RUN(test_a_burst_then_a_wait);
	RUN(test_keys_and_rules_have_budgets_of_their_own);
	RUN(test_the_address_budget_is_forty_at_once);
	RUN(test_many_keys_never_fail);
	return unit_done();
}

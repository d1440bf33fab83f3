/* test_throttle.c -- the shared budgets: a burst, then a refusal with the
 * seconds to wait; keys and rules apart. */
#include <stdio.h>
#include <string.h>

#include "../../src/auth/throttle.h"
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

static void test_ipv6_clients_are_keyed_on_their_64(void)
{
	char a[THROTTLE_ADDRESS_MAX], b[THROTTLE_ADDRESS_MAX];
	CHECK_STR(throttle_address_key("2001:db8:1:2:3:4:5:6", a), "2001:db8:1:2::/64");
	CHECK_STR(throttle_address_key("2001:0db8:0001:0002:ffff:0:0:1", b), "2001:db8:1:2::/64");
	CHECK_STR(throttle_address_key("2001:db8:1:2::", b), "2001:db8:1:2::/64"); /* compressed */
	CHECK_STR(throttle_address_key("2001:DB8:1:2::7", b), "2001:db8:1:2::/64");
	CHECK_STR(throttle_address_key("2001:db8:1:3::1", b), "2001:db8:1:3::/64"); /* the next /64 */
	CHECK_STR(throttle_address_key("::1", b), "::/64");
	CHECK_STR(throttle_address_key("fe80::1%eth0", b), "fe80::1%eth0"); /* not an address: as it is */
	CHECK_STR(throttle_address_key("192.0.2.7", b), "192.0.2.7");
	CHECK_STR(throttle_address_key("::ffff:192.0.2.7", b), "192.0.2.7"); /* IPv4-mapped */
	CHECK_STR(throttle_address_key("", b), "");
	/* One budget for the whole /64: its fortieth hash is the last at once. */
	for (int i = 0; i < 40; i++) {
		char addr[48];
		snprintf(addr, sizeof addr, "2001:db8:9:9:%x::1", i);
		throttle_address_key(addr, a);
		CHECK(throttle_take(&throttle_address, a, strlen(a)) == 0);
	}
	throttle_address_key("2001:db8:9:9:ffff:ffff:ffff:ffff", a);
	CHECK(throttle_take(&throttle_address, a, strlen(a)) == 1);
	throttle_address_key("2001:db8:9:a::1", a);
	CHECK(throttle_take(&throttle_address, a, strlen(a)) == 0);
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
	RUN(test_ipv6_clients_are_keyed_on_their_64);
	return unit_done();
}

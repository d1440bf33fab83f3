/* test_allow.c -- the --allow list: parsing, CIDR blocks, loopback by default. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/un.h>

#include "../../src/server/allow.h"
#include "unit.h"

static bool allows4(const struct allow_list *l, const char *addr)
{
	struct sockaddr_in sa = {.sin_family = AF_INET};
	inet_pton(AF_INET, addr, &sa.sin_addr);
	return allow_peer(l, (struct sockaddr *)&sa);
}

static bool allows6(const struct allow_list *l, const char *addr)
{
	struct sockaddr_in6 sa = {.sin6_family = AF_INET6};
	inet_pton(AF_INET6, addr, &sa.sin6_addr);
	return allow_peer(l, (struct sockaddr *)&sa);
}

static void test_loopback_only_by_default(void)
{
	struct allow_list l;
	char err[128];
	CHECK(allow_parse(NULL, &l, err, sizeof err) == 0);
	CHECK(allows4(&l, "127.0.0.1"));
	CHECK(allows4(&l, "127.3.2.1"));
	CHECK(allows6(&l, "::1"));
	CHECK(allows6(&l, "::ffff:127.0.0.1")); /* IPv4 on a dual-stack socket */
	CHECK(!allows4(&l, "10.0.0.1"));
	CHECK(!allows6(&l, "::2"));
	CHECK(!allows6(&l, "::ffff:10.0.0.1"));
	struct sockaddr_un un = {.sun_family = AF_UNIX};
	CHECK(allow_peer(&l, (struct sockaddr *)&un)); /* unix sockets: the file mode decides */
}

static void test_addresses_and_blocks(void)
{
	struct allow_list l;
	char err[128];
	CHECK(allow_parse("10.0.0.10,192.168.0.0/16,fd00::/8,10.1.2.0/23", &l, err, sizeof err) == 0);
	CHECK(l.count == 4);
	CHECK(allows4(&l, "10.0.0.10"));
	CHECK(!allows4(&l, "10.0.0.11"));
	CHECK(allows4(&l, "192.168.255.1"));
	CHECK(!allows4(&l, "192.169.0.1"));
	CHECK(allows4(&l, "10.1.3.255"));
	CHECK(!allows4(&l, "10.1.4.0"));
	CHECK(allows6(&l, "fdab::1"));
	CHECK(!allows6(&l, "fe80::1"));
	CHECK(!allows4(&l, "127.0.0.1")); /* a list replaces the default */
	CHECK(allow_parse("0.0.0.0/0", &l, err, sizeof err) == 0);
	CHECK(allows4(&l, "203.0.113.9"));
}

static void test_bad_entries_are_named(void)
{
	struct allow_list l;
	char err[128];
	CHECK(allow_parse("10.0.0.1,nonsense", &l, err, sizeof err) == -1);
	CHECK_STR(err, "--allow: nonsense is not an address or ADDRESS/BITS (at most 64)");
	CHECK(allow_parse("10.0.0.0/33", &l, err, sizeof err) == -1);
	CHECK(allow_parse("10.0.0.0/", &l, err, sizeof err) == -1);
	CHECK(allow_parse("::1/129", &l, err, sizeof err) == -1);
	CHECK(allow_parse("", &l, err, sizeof err) == -1);
	CHECK_STR(err, "--allow: give at least one address");
	CHECK(allow_parse("10.0.0.1,,10.0.0.2", &l, err, sizeof err) == -1);
}

int main(void)
{
	RUN(test_loopback_only_by_default);
	RUN(test_addresses_and_blocks);
	RUN(test_bad_entries_are_named);
	return unit_done();
}

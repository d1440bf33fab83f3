/* allow.c -- the --allow list (see allow.h). */
#include "server/allow.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"

/* One entry, "ADDR" or "ADDR/BITS"; 0 or -1. */
static int parse_rule(const char *entry, size_t len, struct allow_rule *r)
{
	char text[64], *slash, *end;
	if (len == 0 || len >= sizeof text)
		return -1;
	memcpy(text, entry, len);
	text[len] = '\0';
	if ((slash = strchr(text, '/')))
		*slash = '\0';
	if (inet_pton(AF_INET, text, r->addr) == 1)
		r->family = AF_INET, r->prefix = 32;
	else if (inet_pton(AF_INET6, text, r->addr) == 1)
		r->family = AF_INET6, r->prefix = 128;
	else
		return -1;
	if (slash) {
		long bits = strtol(slash + 1, &end, 10);
		if (!slash[1] || *end || bits < 0 || bits > r->prefix)
			return -1;
		r->prefix = (int)bits;
	}
	return 0;
}

int allow_parse(const char *spec, struct allow_list *out, char *err, size_t errsz)
{
	memset(out, 0, sizeof *out);
	if (!spec)
		spec = "127.0.0.0/8,::1";
	if (!*spec) {
		snprintf(err, errsz, "--allow: give at least one address");
		return -1;
	}
	for (const char *p = spec; *p;) {
		size_t len = strcspn(p, ",");
		if (out->count == ALLOW_MAX || parse_rule(p, len, &out->rules[out->count])) {
			snprintf(err, errsz, "--allow: %.*s is not an address or ADDRESS/BITS (at most %d)",
				 (int)(len < 64 ? len : 64), p, ALLOW_MAX);
			return -1;
		}
		out->count++;
		p += len + (p[len] == ',');
	}
	return 0;
}

static bool prefix_matches(const unsigned char *a, const unsigned char *b, int bits)
{
	int whole = bits / 8, rest = bits % 8;
	if (memcmp(a, b, (size_t)whole) != 0)
		return false;
	return rest == 0 || ((a[whole] ^ b[whole]) & (0xff << (8 - rest)) & 0xff) == 0;
}

bool allow_peer(const struct allow_list *list, const struct sockaddr *sa)
{
	const unsigned char *addr;
	int family = sa->sa_family;
	if (family == AF_INET) {
		addr = (const unsigned char *)&((const struct sockaddr_in *)sa)->sin_addr;
	} else if (family == AF_INET6) {
		addr = ((const struct sockaddr_in6 *)sa)->sin6_addr.s6_addr;
		/* an IPv4 peer on a dual-stack socket: ::ffff:a.b.c.d */
		if (IN6_IS_ADDR_V4MAPPED((const struct in6_addr *)addr))
			family = AF_INET, addr += 12;
	} else {
		return true;
	}
	for (int i = 0; i < list->count; i++)
		if (list->rules[i].family == family &&
		    prefix_matches(list->rules[i].addr, addr, list->rules[i].prefix))
			return true;
	/* One line, then a count: a refused peer may reconnect thousands of times a second. */
	static struct log_flood refused = {.what = "refused FastCGI connections"};
	char name[INET6_ADDRSTRLEN] = "?";
	inet_ntop(family, addr, name, sizeof name);
	log_flood(&refused, "refused a FastCGI connection from %s: not in --allow", name);
	return false;
}

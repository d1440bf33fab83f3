/* allow.h -- which peers may connect to a TCP socket of the pool.
 *
 * FastCGI has no authentication: whoever reaches a TCP socket of the pool
 * can send any request as any client. So a TCP connection is served only
 * when its peer is in the list `--allow` gives (addresses or CIDR blocks,
 * IPv4 or IPv6, comma-separated, like php-fpm's listen.allowed_clients);
 * without --allow, loopback only. Unix sockets are guarded by their file
 * mode instead, and never checked here. */
#ifndef FZ_ALLOW_H
#define FZ_ALLOW_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>

#define ALLOW_MAX 64

struct allow_rule {
	int family; /* AF_INET or AF_INET6 */
	unsigned char addr[16];
	int prefix; /* bits that must match */
};

struct allow_list {
	struct allow_rule rules[ALLOW_MAX];
	int count;
};

/* Parses "ADDR[/BITS],..." into out; NULL spec gives loopback only. 0, or -1
 * with err naming the entry that is not an address. */
int allow_parse(const char *spec, struct allow_list *out, char *err, size_t errsz);

/* Whether the peer at sa may be served (any non-IP peer may: a unix socket).
 * A refusal is logged with the peer's address (a flood of them once, then
 * counted: see log.h). */
bool allow_peer(const struct allow_list *list, const struct sockaddr *sa);

#endif

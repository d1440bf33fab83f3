/* listenq.h -- how many connections wait in a listening socket's accept
 * queue, as the kernel tells it: sock_diag (netlink) for a unix socket,
 * TCP_INFO for a TCP one. */
#ifndef FZ_LISTENQ_H
#define FZ_LISTENQ_H

#include <stdint.h>

/* The connections waiting on listening socket fd and its backlog; 0, or -1
 * when the kernel does not say (then both are -1). */
int listen_queue(int fd, int64_t *queued, int64_t *backlog);

#endif

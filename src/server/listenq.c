/* listenq.c -- a listening socket's accept queue (see listenq.h). */
#include "server/listenq.h"

#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/sock_diag.h>
#include <linux/unix_diag.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

static int tcp_queue(int fd, int64_t *queued, int64_t *backlog)
{
	struct tcp_info ti;
	socklen_t len = sizeof ti;
	if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &len) < 0)
		return -1;
	*queued = ti.tcpi_unacked; /* on a listening socket: the accept queue */
	*backlog = ti.tcpi_sacked; /* and its limit */
	return 0;
}

/* Asks sock_diag about the unix socket of inode ino: its UNIX_DIAG_RQLEN. */
static int unix_queue(ino_t ino, int64_t *queued, int64_t *backlog)
{
	struct {
		struct nlmsghdr nlh;
		struct unix_diag_req req;
	} ask = {
		.nlh = {.nlmsg_len = sizeof ask,
			.nlmsg_type = SOCK_DIAG_BY_FAMILY,
			.nlmsg_flags = NLM_F_REQUEST},
		.req = {.sdiag_family = AF_UNIX,
			.udiag_states = ~0U,
			.udiag_ino = (unsigned)ino,
			.udiag_show = UDIAG_SHOW_RQLEN,
			.udiag_cookie = {INET_DIAG_NOCOOKIE, INET_DIAG_NOCOOKIE}},
	};
	long answer[1024 / sizeof(long)];
	int nl = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
	if (nl < 0)
		return -1;
	ssize_t n = send(nl, &ask, sizeof ask, 0) == (ssize_t)sizeof ask ? recv(nl, answer, sizeof answer, 0)
									 : -1;
	close(nl);
	struct nlmsghdr *h = (struct nlmsghdr *)answer;
	if (n < 0 || !NLMSG_OK(h, (size_t)n) || h->nlmsg_type != SOCK_DIAG_BY_FAMILY)
		return -1;
	struct unix_diag_msg *msg = NLMSG_DATA(h);
	int left = (int)(h->nlmsg_len - NLMSG_LENGTH(sizeof *msg));
	for (struct rtattr *a = (struct rtattr *)(msg + 1); RTA_OK(a, left); a = RTA_NEXT(a, left)) {
		if (a->rta_type == UNIX_DIAG_RQLEN && RTA_PAYLOAD(a) >= sizeof(struct unix_diag_rqlen)) {
			struct unix_diag_rqlen q;
			memcpy(&q, RTA_DATA(a), sizeof q);
			*queued = q.udiag_rqueue;
			*backlog = q.udiag_wqueue;
			return 0;
		}
	}
	return -1;
}

int listen_queue(int fd, int64_t *queued, int64_t *backlog)
{
	struct sockaddr_storage sa = {0};
	socklen_t len = sizeof sa;
	struct stat st;
	int rc = -1;
	if (fd >= 0 && getsockname(fd, (struct sockaddr *)&sa, &len) == 0) {
		if (sa.ss_family == AF_UNIX)
			rc = fstat(fd, &st) == 0 ? unix_queue(st.st_ino, queued, backlog) : -1;
		else if (sa.ss_family == AF_INET || sa.ss_family == AF_INET6)
			rc = tcp_queue(fd, queued, backlog);
	}
	if (rc)
		*queued = *backlog = -1;
	return rc;
}

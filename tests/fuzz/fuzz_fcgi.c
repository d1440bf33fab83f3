/* fuzz_fcgi.c -- the FastCGI reader: records off the socket, and the
 * name-value pairs of the PARAMS stream.
 *
 * nginx is the only peer meant to reach the workers' socket, but a socket
 * exposed by mistake (or a compromised proxy) hands it any bytes, and every
 * length in a record is the peer's word. The first input byte picks a mode,
 * the rest is the data:
 *   even: fcgi_parse_params on the rest, then http_request_from on the
 *         result; every name and value must lie inside the decoded block and
 *         fcgi_param must find the first pair of each name;
 *   odd:  a thread writes the rest into one end of a socketpair (then shuts
 *         it for writing) and drains the answers; fcgi_read_request reads
 *         requests from the other end until it returns 0 or -1, answering
 *         each with fcgi_write_response as a worker would.
 * Inputs over 2 MiB are skipped (the limits are 64 KiB of PARAMS and 1 MiB
 * of STDIN; the regress pins go past both). */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "../../src/wire/fcgi.h"
#include "../../src/wire/http.h"
#include "common.h"

enum { MAX_INPUT = 2 * 1024 * 1024, MAX_REQUESTS = 64 };

/* Whether the parameter's name and value lie inside the decoded block, the
 * value after the name, each NUL-terminated there. */
static bool param_inside(const struct buf *b, const struct fcgi_param *p)
{
	return p->name < p->value && p->value < b->len && b->data[b->len - 1] == '\0' &&
	       p->value + strlen(b->data + p->value) < b->len;
}

static void check_request_fields(const struct fcgi_request *r)
{
	struct request req;
	http_request_from(&req, r);
	FUZZ_CHECK(req.method && req.path && req.query && req.request_id && req.body);
	FUZZ_CHECK(req.body_len == r->body.len);
}

static void check_params(const uint8_t *d, size_t n)
{
	struct fcgi_request r;
	FUZZ_CHECK(fcgi_request_init(&r) == 0);
	if (fcgi_parse_params(&r, d, n) == 0) {
		for (size_t i = 0; i < r.count; i++) {
			const struct fcgi_param *p = &r.list[i];
			FUZZ_CHECK(param_inside(&r.params, p));
			const char *first = fcgi_param(&r, r.params.data + p->name);
			FUZZ_CHECK(first && first <= r.params.data + p->value);
		}
		check_request_fields(&r);
	}
	fcgi_request_free(&r);
}

static void answer(int fd, const struct fcgi_request *r)
{
	struct request req;
	struct response res;
	struct buf head;
	http_request_from(&req, r);
	response_init(&res);
	buf_init(&head);
	http_error(&res, 404, "Not Found");
	http_write_head(&res, &req, &head);
	fcgi_write_response(fd, r, &head, &res.body);
	buf_free(&head);
	response_free(&res);
}

/* The peer's side of the socket: the bytes to send, and how far they went. */
struct peer {
	int fd;
	const uint8_t *data;
	size_t len, sent;
};

/* Sends what is left without blocking; false when the worker's end is gone. */
static bool peer_send(struct peer *p)
{
	ssize_t k = send(p->fd, p->data + p->sent, p->len - p->sent, MSG_DONTWAIT | MSG_NOSIGNAL);
	if (k < 0)
		return errno == EAGAIN || errno == EINTR;
	p->sent += (size_t)k;
	if (p->sent == p->len)
		shutdown(p->fd, SHUT_WR);
	return true;
}

/* Sends the input and reads the answers until the worker's end closes, so
 * that neither side ever waits on a full socket. */
static void *peer_run(void *arg)
{
	struct peer *p = arg;
	char sink[4096];
	if (p->len == 0)
		shutdown(p->fd, SHUT_WR);
	for (;;) {
		bool sending = p->sent < p->len;
		struct pollfd pfd = {.fd = p->fd, .events = POLLIN | (sending ? POLLOUT : 0)};
		if (poll(&pfd, 1, -1) < 0)
			continue;
		if ((pfd.revents & (POLLIN | POLLHUP | POLLERR)) && read(p->fd, sink, sizeof sink) <= 0)
			break;
		if (sending && (pfd.revents & POLLOUT) && !peer_send(p))
			break;
	}
	return NULL;
}

static void check_stream(const uint8_t *d, size_t n)
{
	int sv[2];
	pthread_t t;
	struct fcgi_request r;
	FUZZ_CHECK(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == 0);
	struct peer peer = {.fd = sv[0], .data = d, .len = n};
	FUZZ_CHECK(pthread_create(&t, NULL, peer_run, &peer) == 0);
	FUZZ_CHECK(fcgi_request_init(&r) == 0);
	for (int i = 0; i < MAX_REQUESTS; i++) {
		int got = fcgi_read_request(sv[1], &r);
		FUZZ_CHECK(got >= -1 && got <= 1);
		if (got != 1)
			break;
		FUZZ_CHECK(r.id != 0 && r.body.len <= FCGI_MAX_BODY && r.params.len <= 2 * FCGI_MAX_PARAMS);
		check_request_fields(&r);
		answer(sv[1], &r);
	}
	fcgi_request_free(&r);
	close(sv[1]);
	pthread_join(t, NULL);
	close(sv[0]);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0 || size - 1 > MAX_INPUT)
		return 0;
	if (data[0] % 2 == 0)
		check_params(data + 1, size - 1);
	else
		check_stream(data + 1, size - 1);
	return 0;
}

/* fcgi.c -- FastCGI records in and out (see fcgi.h). */
#include "wire/fcgi.h"

#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "base/clock.h"

/* What one read() may bring: a whole small request, usually. */
#define FCGI_READ_BUFFER ((size_t)64 * 1024)
/* Without a deadline, how long a write may wait for room in the socket. */
#define FCGI_WRITE_WAIT_MS 30000

enum {
	FCGI_VERSION_1 = 1,
	FCGI_BEGIN_REQUEST = 1,
	FCGI_ABORT_REQUEST = 2,
	FCGI_END_REQUEST = 3,
	FCGI_PARAMS = 4,
	FCGI_STDIN = 5,
	FCGI_STDOUT = 6,
	FCGI_GET_VALUES = 9,
	FCGI_GET_VALUES_RESULT = 10,
	FCGI_UNKNOWN_TYPE = 11,
	FCGI_RESPONDER = 1,
	FCGI_KEEP_CONN = 1,
	FCGI_REQUEST_COMPLETE = 0,
	FCGI_CANT_MPX_CONN = 1,
	FCGI_UNKNOWN_ROLE = 3,
	FCGI_HEADER_LEN = 8,
	FCGI_MAX_CONTENT = 65535,
};

struct record {
	unsigned type, id, len;
	unsigned char content[FCGI_MAX_CONTENT];
};

int fcgi_request_init(struct fcgi_request *r)
{
	memset(r, 0, sizeof *r);
	buf_init(&r->params);
	buf_init(&r->body);
	r->record = malloc(sizeof(struct record));
	r->in = malloc(FCGI_READ_BUFFER);
	return r->record && r->in ? 0 : -1;
}

void fcgi_request_free(struct fcgi_request *r)
{
	buf_free(&r->params);
	buf_free(&r->body);
	free(r->list);
	free(r->record);
	free(r->in);
	memset(r, 0, sizeof *r);
}

static void request_reset(struct fcgi_request *r)
{
	buf_reset(&r->params);
	buf_reset(&r->body);
	r->count = 0;
	r->id = 0;
	r->keep_conn = false;
	r->too_large = false;
	r->deadline_ms = 0;
}

/* Exactly n bytes from the connection, through r's read buffer, so that a
 * request nginx sends in one go costs one read(); 1 done, 0 clean EOF before
 * the first byte, -1 error. */
static int read_full(int fd, struct fcgi_request *r, void *p, size_t n)
{
	size_t got = 0;
	while (got < n) {
		if (r->in_pos == r->in_len) {
			ssize_t k = read(fd, r->in, FCGI_READ_BUFFER);
			if (k == 0)
				return got == 0 ? 0 : -1;
			if (k < 0 && errno == EINTR)
				continue;
			if (k < 0)
				return -1;
			r->in_len = (size_t)k;
			r->in_pos = 0;
		}
		size_t take = r->in_len - r->in_pos < n - got ? r->in_len - r->in_pos : n - got;
		memcpy((char *)p + got, r->in + r->in_pos, take);
		r->in_pos += take;
		got += take;
	}
	return 1;
}

/* Waits until fd takes more bytes, at most until deadline_ms (clock_ms();
 * 0: FCGI_WRITE_WAIT_MS); 0, or -1 (errno ETIMEDOUT past it). */
static int wait_writable(int fd, int64_t deadline_ms)
{
	int64_t left = deadline_ms ? deadline_ms - clock_ms() : FCGI_WRITE_WAIT_MS;
	struct pollfd p = {.fd = fd, .events = POLLOUT};
	if (left <= 0) {
		errno = ETIMEDOUT;
		return -1;
	}
	int rc = poll(&p, 1, left > FCGI_WRITE_WAIT_MS ? FCGI_WRITE_WAIT_MS : (int)left);
	if (rc == 0)
		errno = ETIMEDOUT;
	return rc > 0 || (rc < 0 && errno == EINTR) ? 0 : -1;
}

/* Writes every byte of iov[0..n), waiting for room no later than deadline_ms
 * (see wait_writable): a peer that stops reading cannot hold the worker
 * past it. */
static int write_full(int fd, int64_t deadline_ms, const struct iovec *iov, int n)
{
	struct iovec v[16];
	memcpy(v, iov, sizeof(struct iovec) * (size_t)n);
	struct iovec *p = v;
	while (n > 0) {
		struct msghdr m = {.msg_iov = p, .msg_iovlen = (size_t)n};
		ssize_t k = sendmsg(fd, &m, MSG_DONTWAIT | MSG_NOSIGNAL);
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			if (wait_writable(fd, deadline_ms))
				return -1;
			continue;
		}
		if (k < 0)
			return -1;
		while (n > 0 && (size_t)k >= p->iov_len) {
			k -= (ssize_t)p->iov_len;
			p++;
			n--;
		}
		if (n > 0) {
			p->iov_base = (char *)p->iov_base + k;
			p->iov_len -= (size_t)k;
		}
	}
	return 0;
}

static void header_fill(unsigned char *h, unsigned type, unsigned id, size_t len)
{
	h[0] = FCGI_VERSION_1;
	h[1] = (unsigned char)type;
	h[2] = (unsigned char)(id >> 8);
	h[3] = (unsigned char)id;
	h[4] = (unsigned char)(len >> 8);
	h[5] = (unsigned char)len;
	h[6] = 0;
	h[7] = 0;
}

static int read_record(int fd, struct fcgi_request *r, struct record *rec)
{
	unsigned char h[FCGI_HEADER_LEN], pad[256];
	int got = read_full(fd, r, h, sizeof h);
	if (got <= 0)
		return got;
	if (h[0] != FCGI_VERSION_1)
		return -1;
	rec->type = h[1];
	rec->id = (unsigned)h[2] << 8 | h[3];
	rec->len = (unsigned)h[4] << 8 | h[5];
	if (rec->len && read_full(fd, r, rec->content, rec->len) != 1)
		return -1;
	if (h[6] && read_full(fd, r, pad, h[6]) != 1)
		return -1;
	return 1;
}

static int send_record(int fd, int64_t deadline_ms, unsigned type, unsigned id, const void *p, size_t n)
{
	unsigned char h[FCGI_HEADER_LEN];
	header_fill(h, type, id, n);
	struct iovec v[2] = {{h, sizeof h}, {(void *)p, n}};
	return write_full(fd, deadline_ms, v, n ? 2 : 1);
}

static int send_end(int fd, unsigned id, unsigned protocol_status)
{
	unsigned char body[8] = {0, 0, 0, 0, (unsigned char)protocol_status, 0, 0, 0};
	return send_record(fd, 0, FCGI_END_REQUEST, id, body, sizeof body);
}

/* A FastCGI length: one byte below 128, else four with the top bit set. */
static int param_len(const unsigned char *d, size_t len, size_t *at, size_t *out)
{
	if (*at >= len)
		return -1;
	if (d[*at] < 0x80) {
		*out = d[(*at)++];
		return 0;
	}
	if (len - *at < 4)
		return -1;
	*out = ((size_t)(d[*at] & 0x7f) << 24) | ((size_t)d[*at + 1] << 16) | ((size_t)d[*at + 2] << 8) |
	       d[*at + 3];
	*at += 4;
	return 0;
}

static int list_push(struct fcgi_request *r, size_t name_off, size_t value_off)
{
	if (r->count == r->cap) {
		size_t cap = r->cap ? r->cap * 2 : 32;
		struct fcgi_param *p = realloc(r->list, cap * sizeof *p);
		if (!p)
			return -1;
		r->list = p;
		r->cap = cap;
	}
	r->list[r->count].name = name_off;
	r->list[r->count].value = value_off;
	r->count++;
	return 0;
}

int fcgi_parse_params(struct fcgi_request *r, const unsigned char *d, size_t len)
{
	struct buf *s = &r->params;
	size_t at = 0, nlen, vlen;
	r->count = 0;
	buf_reset(s);
	while (at < len) {
		if (param_len(d, len, &at, &nlen) || param_len(d, len, &at, &vlen))
			return -1;
		if (nlen > len - at || vlen > len - at - nlen)
			return -1;
		size_t name_off = s->len;
		buf_add(s, d + at, nlen);
		buf_addc(s, '\0');
		size_t value_off = s->len;
		buf_add(s, d + at + nlen, vlen);
		buf_addc(s, '\0');
		at += nlen + vlen;
		if (!buf_ok(s) || list_push(r, name_off, value_off))
			return -1;
	}
	return 0;
}

const char *fcgi_param(const struct fcgi_request *r, const char *name)
{
	for (size_t i = 0; i < r->count; i++)
		if (strcmp(r->params.data + r->list[i].name, name) == 0)
			return r->params.data + r->list[i].value;
	return NULL;
}

/* Answers a management record (GET_VALUES) or an unknown type in place. */
static int answer_management(int fd, const struct record *rec)
{
	if (rec->type != FCGI_GET_VALUES) {
		unsigned char body[8] = {(unsigned char)rec->type};
		return send_record(fd, 0, FCGI_UNKNOWN_TYPE, 0, body, sizeof body);
	}
	static const unsigned char values[] = "\x0e\x01"
					      "FCGI_MPXS_CONNS"
					      "0";
	return send_record(fd, 0, FCGI_GET_VALUES_RESULT, 0, values, sizeof values - 1);
}

static int on_begin(int fd, struct fcgi_request *r, const struct record *rec)
{
	if (rec->len < 8)
		return -1;
	unsigned role = (unsigned)rec->content[0] << 8 | rec->content[1];
	if (r->id) /* a second request on the same connection: we do not multiplex */
		return send_end(fd, rec->id, FCGI_CANT_MPX_CONN) ? -1 : 0;
	if (role != FCGI_RESPONDER)
		return send_end(fd, rec->id, FCGI_UNKNOWN_ROLE) ? -1 : 0;
	r->id = rec->id;
	r->keep_conn = rec->content[2] & FCGI_KEEP_CONN;
	return 0;
}

static void append_capped(struct fcgi_request *r, struct buf *b, const struct record *rec, size_t max)
{
	if (b->len + rec->len > max)
		r->too_large = true;
	else
		buf_add(b, rec->content, rec->len);
}

int fcgi_read_request(int fd, struct fcgi_request *r)
{
	struct record *rec = r->record;
	struct buf raw; /* the PARAMS stream, decoded once complete */
	bool params_done = false;
	int got, ret = -1;
	request_reset(r);
	buf_init(&raw);
	r->in_pos = r->in_len = 0;
	for (;;) {
		got = read_record(fd, r, rec);
		if (got <= 0) {
			ret = (got == 0 && r->id == 0 && raw.len == 0) ? 0 : -1;
			break;
		}
		if (rec->id == 0) {
			if (answer_management(fd, rec))
				break;
			continue;
		}
		if (rec->type == FCGI_BEGIN_REQUEST) {
			if (on_begin(fd, r, rec))
				break;
			continue;
		}
		if (rec->id != r->id)
			continue; /* a request we refused */
		if (rec->type == FCGI_ABORT_REQUEST) {
			send_end(fd, r->id, FCGI_REQUEST_COMPLETE);
			break;
		}
		if (rec->type == FCGI_PARAMS) {
			if (rec->len == 0)
				params_done = true;
			else
				append_capped(r, &raw, rec, FCGI_MAX_PARAMS);
		} else if (rec->type == FCGI_STDIN) {
			if (rec->len == 0 && params_done) {
				ret = 1;
				break;
			}
			append_capped(r, &r->body, rec, FCGI_MAX_BODY);
		}
	}
	if (ret == 1 && (!buf_ok(&raw) || !buf_ok(&r->body) ||
			 fcgi_parse_params(r, (const unsigned char *)raw.data, raw.len)))
		ret = -1;
	/* nginx sends nothing more before the answer; bytes that came anyway
	 * would be lost with the buffer, so this connection ends after it. */
	if (r->in_pos != r->in_len)
		r->keep_conn = false;
	buf_free(&raw);
	return ret;
}

int fcgi_write_stdout(int fd, const struct fcgi_request *r, const struct buf *head, const struct buf *body)
{
	const struct buf *parts[2] = {head, body};
	for (int i = 0; i < 2; i++) {
		for (size_t off = 0; off < parts[i]->len; off += FCGI_MAX_CONTENT) {
			size_t n = parts[i]->len - off < FCGI_MAX_CONTENT ? parts[i]->len - off
									  : FCGI_MAX_CONTENT;
			if (send_record(fd, r->deadline_ms, FCGI_STDOUT, r->id, parts[i]->data + off, n))
				return -1;
		}
	}
	return 0;
}

int fcgi_write_response(int fd, const struct fcgi_request *r, const struct buf *head, const struct buf *body)
{
	unsigned char h[3][FCGI_HEADER_LEN];
	unsigned char end[8] = {0};
	if (head->len + body->len <= FCGI_MAX_CONTENT) { /* the usual case: one sendmsg */
		header_fill(h[0], FCGI_STDOUT, r->id, head->len + body->len);
		header_fill(h[1], FCGI_STDOUT, r->id, 0);
		header_fill(h[2], FCGI_END_REQUEST, r->id, sizeof end);
		struct iovec v[6] = {{h[0], FCGI_HEADER_LEN}, {head->data, head->len},
				     {body->data, body->len}, {h[1], FCGI_HEADER_LEN},
				     {h[2], FCGI_HEADER_LEN}, {end, sizeof end}};
		return write_full(fd, r->deadline_ms, v, 6);
	}
	if (fcgi_write_stdout(fd, r, head, body))
		return -1;
	header_fill(h[0], FCGI_STDOUT, r->id, 0);
	header_fill(h[1], FCGI_END_REQUEST, r->id, sizeof end);
	struct iovec v[3] = {{h[0], FCGI_HEADER_LEN}, {h[1], FCGI_HEADER_LEN}, {end, sizeof end}};
	return write_full(fd, r->deadline_ms, v, 3);
}

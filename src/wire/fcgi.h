/* fcgi.h -- the FastCGI responder protocol, one request at a time per connection.
 *
 * nginx speaks FastCGI to the workers. A connection carries one request
 * (records BEGIN_REQUEST, PARAMS..., STDIN...) and gets back STDOUT records and
 * END_REQUEST; when nginx set FCGI_KEEP_CONN the connection stays open for the
 * next request. Multiplexing is refused, as nginx never uses it.
 *
 * Hand-written (about 250 lines) rather than libfcgi so that the worker can
 * poll its listening socket, its kept connections and its signal descriptor
 * together: libfcgi's accept loop cannot be interrupted without a race. */
#ifndef FZ_FCGI_H
#define FZ_FCGI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"

/* Largest PARAMS block and STDIN body we take; more is refused (413). */
#define FCGI_MAX_PARAMS ((size_t)64 * 1024)
#define FCGI_MAX_BODY   ((size_t)1024 * 1024)

/* A parameter: offsets of its NUL-terminated name and value in params. */
struct fcgi_param {
	size_t name;
	size_t value;
};

struct fcgi_request {
	unsigned id;
	bool keep_conn;
	int64_t deadline_ms; /* clock_ms() past which writing the answer gives up
			      * rather than wait for room (the request's time
			      * limit); 0: after 30 s without room. Reset by each read. */
	bool too_large;      /* params or body over the limits above */
	struct buf params;   /* name\0value\0... */
	struct buf body;
	struct fcgi_param *list;
	size_t count, cap;
	void *record;      /* one record's worth of scratch space */
	unsigned char *in; /* bytes read from the connection, not yet parsed */
	size_t in_len, in_pos;
};

/* Prepares r for fcgi_read_request; 0, or -1 when memory is short. */
int fcgi_request_init(struct fcgi_request *r);
void fcgi_request_free(struct fcgi_request *r);

/* Reads one whole request from fd (blocking; the caller sets timeouts).
 * Returns 1 with *r filled, 0 when the peer closed the connection between
 * requests, -1 on a protocol or I/O error (close the connection). */
int fcgi_read_request(int fd, struct fcgi_request *r);

/* A parameter's value, or NULL when nginx did not send it. */
const char *fcgi_param(const struct fcgi_request *r, const char *name);

/* Sends head, then body, as STDOUT records of the request (an answer sent in
 * parts: end it with fcgi_write_response). 0, or -1 when the connection failed
 * or its deadline passed while nginx took no more (errno ETIMEDOUT). */
int fcgi_write_stdout(int fd, const struct fcgi_request *r, const struct buf *head, const struct buf *body);

/* Sends head and body as the request's STDOUT, then END_REQUEST.
 * Returns 0, or -1 when the connection failed or its deadline passed
 * (as above; close it). */
int fcgi_write_response(int fd, const struct fcgi_request *r, const struct buf *head, const struct buf *body);

/* Decodes a PARAMS name-value stream data[0..len) into r. Exposed for the
 * fuzzer and unit tests; returns 0, or -1 when malformed. */
int fcgi_parse_params(struct fcgi_request *r, const unsigned char *data, size_t len);

#endif

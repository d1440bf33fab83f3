/* http.h -- one HTTP exchange as a worker sees it, and the one way to answer.
 *
 * nginx hands the request over as FastCGI parameters; http_request_from()
 * picks out what the routes use. Handlers fill a struct response through
 * http_json() / http_error() and friends; http_write_head() turns it into the
 * CGI header block nginx expects. Every answer carries
 * X-Content-Type-Options: nosniff and, when nginx passed one, X-Request-Id. */
#ifndef FZ_HTTP_H
#define FZ_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"

struct fcgi_request;

struct request {
	const char *method;
	const char *path;         /* decoded and normalised by nginx ($document_uri) */
	const char *query;        /* raw query string, "" when none */
	const char *content_type; /* NULL when the client sent none */
	const char *authorization;
	const char *request_id;  /* nginx's $request_id, or "-" (also for one that is not
				  * 1 to HTTP_REQUEST_ID_MAX letters, digits, '-', '_', '.') */
	const char *remote_addr; /* the client's address, "" when nginx sent none */
	int64_t start_ms;        /* when nginx passed it on (REQUEST_START, its $msec), in
				  * unix milliseconds; -1 when it did not say */
	const char *body;
	size_t body_len;
};

/* The longest request id taken (nginx's are 32 hex digits). */
#define HTTP_REQUEST_ID_MAX 64

/* Past this many bytes a body written with http_stream() is sent on as it
 * grows, so that no answer needs more memory than this. */
#define HTTP_STREAM_AT ((size_t)32 * 1024)

struct response;
/* Where a streamed answer goes (the worker's connection): sends the head when
 * it has not gone yet, then the body so far; 0, or -1 when it failed. */
typedef int http_sink_fn(struct response *res, void *arg);

struct response {
	int status;
	const char *content_type;
	struct buf headers; /* extra "Name: value\r\n" lines */
	struct buf body;    /* once streaming: what has not been sent yet */
	http_sink_fn *sink; /* set by the worker; NULL: never streamed */
	void *sink_arg;
	bool streaming; /* the head went without Content-Length (nginx chunks it) */
	bool broken;    /* a streamed answer that cannot be finished: the worker
			 * closes the connection, so the client sees it cut short */
};

/* Fills req from the FastCGI parameters and body of fr (borrowing its memory). */
void http_request_from(struct request *req, const struct fcgi_request *fr);

/* The media type of a Content-Type value as Python's parsers read it (the
 * email module for FastAPI's JSON check, python-multipart for Starlette's
 * forms): the text before the first ';', the whitespace around it stripped;
 * "" for NULL. *len gets its length; compare it case-insensitively. */
const char *http_media_type(const char *content_type, size_t *len);
/* Whether content_type's media type is type (lower case), in any case. */
bool http_media_type_is(const char *content_type, const char *type);

void response_init(struct response *res);
void response_reset(struct response *res);
void response_free(struct response *res);
/* Adds a header line; name and value must not contain CR or LF. */
void http_header(struct response *res, const char *name, const char *value);

/* For a handler writing a long body piece by piece, after each piece: once
 * the body passes HTTP_STREAM_AT bytes it goes to the sink (the head first,
 * without Content-Length) and is emptied. An answer that fits is sent whole
 * with its Content-Length, as if never streamed. False once the answer
 * cannot be delivered: stop writing. */
bool http_stream(struct response *res);

/* Starts a JSON answer: sets status and content type, empties the body for
 * the caller to write. Once streaming has begun the status cannot change:
 * the answer is marked broken instead (its cause is the caller's to log). */
struct buf *http_json(struct response *res, int status);
/* The error answer every route uses: {"detail":"<detail>"}, plus the header
 * the status calls for (WWW-Authenticate on 401, Retry-After on 503). */
void http_error(struct response *res, int status, const char *detail);
/* The one way to answer an internal error: logs "request <id>: <what>",
 * then answers 500 {"detail":"Internal Server Error"}. what names the
 * failure, never a secret. */
void http_internal_error(struct response *res, const struct request *req, const char *what);

/* The CGI header block for res (Status, Content-Type, Content-Length, ...). */
void http_write_head(const struct response *res, const struct request *req, struct buf *out);
const char *http_reason(int status);

#endif

/* http.c -- request fields from FastCGI params; the response writer (see http.h). */
#include "wire/http.h"

#include <string.h>
#include <strings.h>

#include "wire/fcgi.h"
#include "base/log.h"
#include "compat/json_write.h"

static const char *param_or(const struct fcgi_request *fr, const char *name, const char *dflt)
{
	const char *v = fcgi_param(fr, name);
	return v ? v : dflt;
}

/* Unix milliseconds from nginx's $msec ("1764576000.123"); -1 when absent
 * or malformed. */
static int64_t unix_ms(const char *msec)
{
	int64_t ms = 0;
	int decimals = -1;
	if (!msec || !*msec)
		return -1;
	for (const char *p = msec; *p; p++) {
		if (*p == '.' && decimals < 0) {
			decimals = 0;
			continue;
		}
		if (*p < '0' || *p > '9' || ms > 100000000000000LL || decimals >= 3)
			return -1;
		ms = ms * 10 + (*p - '0');
		decimals += decimals >= 0;
	}
	for (decimals = decimals < 0 ? 0 : decimals; decimals < 3; decimals++)
		ms *= 10;
	return ms;
}

/* nginx's $request_id is 32 hex digits; whoever else speaks FastCGI to the
 * pool may send anything, and the id reaches log lines, the status table and
 * an answer's header: one that is not a short plain token is not taken. */
static const char *request_id_of(const struct fcgi_request *fr)
{
	const char *id = fcgi_param(fr, "REQUEST_ID");
	size_t n = id ? strspn(id, "0123456789abcdefABCDEFGHIJKLMNOPQRSTUVWXYZghijklmnopqrstuvwxyz-_.") : 0;
	return n > 0 && n <= HTTP_REQUEST_ID_MAX && id[n] == '\0' ? id : "-";
}

void http_request_from(struct request *req, const struct fcgi_request *fr)
{
	req->method = param_or(fr, "REQUEST_METHOD", "GET");
	req->path = param_or(fr, "DOCUMENT_URI", param_or(fr, "SCRIPT_NAME", "/"));
	req->query = param_or(fr, "QUERY_STRING", "");
	req->content_type = fcgi_param(fr, "CONTENT_TYPE");
	if (req->content_type && !*req->content_type)
		req->content_type = NULL; /* nginx sends CONTENT_TYPE "" when there is none */
	req->authorization = fcgi_param(fr, "HTTP_AUTHORIZATION");
	req->request_id = request_id_of(fr);
	req->remote_addr = param_or(fr, "REMOTE_ADDR", "");
	req->start_ms = unix_ms(fcgi_param(fr, "REQUEST_START"));
	req->body = fr->body.data ? fr->body.data : "";
	req->body_len = fr->body.len;
}

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

const char *http_media_type(const char *content_type, size_t *len)
{
	const char *s = content_type ? content_type : "";
	while (is_space(*s))
		s++;
	size_t n = strcspn(s, ";");
	while (n > 0 && is_space(s[n - 1]))
		n--;
	*len = n;
	return s;
}

bool http_media_type_is(const char *content_type, const char *type)
{
	size_t len;
	const char *media = http_media_type(content_type, &len);
	return len == strlen(type) && strncasecmp(media, type, len) == 0;
}

void response_init(struct response *res)
{
	memset(res, 0, sizeof *res);
	buf_init(&res->headers);
	buf_init(&res->body);
	response_reset(res);
}

void response_reset(struct response *res)
{
	res->streaming = false;
	res->broken = false;
	res->status = 200;
	res->content_type = "application/json";
	buf_reset(&res->headers);
	buf_reset(&res->body);
}

void response_free(struct response *res)
{
	buf_free(&res->headers);
	buf_free(&res->body);
}

void http_header(struct response *res, const char *name, const char *value)
{
	buf_adds(&res->headers, name);
	buf_adds(&res->headers, ": ");
	buf_adds(&res->headers, value);
	buf_adds(&res->headers, "\r\n");
}

bool http_stream(struct response *res)
{
	if (res->broken)
		return false;
	if (res->body.len < HTTP_STREAM_AT || !res->sink)
		return true;
	if (!buf_ok(&res->body)) {
		res->broken = true;
		return false;
	}
	res->streaming = true;
	if (res->sink(res, res->sink_arg)) {
		res->broken = true;
		return false;
	}
	buf_reset(&res->body);
	return true;
}

struct buf *http_json(struct response *res, int status)
{
	if (res->streaming)
		res->broken = true;
	res->status = status;
	res->content_type = "application/json";
	buf_reset(&res->body);
	return &res->body;
}

void http_error(struct response *res, int status, const char *detail)
{
	struct buf *b = http_json(res, status);
	buf_adds(b, "{\"detail\":");
	json_add_cstr(b, detail);
	buf_addc(b, '}');
	if (status == 401)
		http_header(res, "WWW-Authenticate", "Bearer");
	else if (status == 503)
		http_header(res, "Retry-After", "1");
}

void http_internal_error(struct response *res, const struct request *req, const char *what)
{
	/* A broken database fails every request at once: said once, then counted. */
	static struct log_flood errors = {.what = "requests answered 500"};
	log_flood(&errors, "request %s: %s", req->request_id, what);
	http_error(res, 500, "Internal Server Error");
}

const char *http_reason(int status)
{
	switch (status) {
	case 200: return "OK";
	case 201: return "Created";
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 409: return "Conflict";
	case 413: return "Content Too Large";
	case 422: return "Unprocessable Content";
	case 429: return "Too Many Requests";
	case 503: return "Service Unavailable";
	default: return "Internal Server Error";
	}
}

void http_write_head(const struct response *res, const struct request *req, struct buf *out)
{
	buf_adds(out, "Status: ");
	json_add_int(out, res->status);
	buf_addc(out, ' ');
	buf_adds(out, http_reason(res->status));
	buf_adds(out, "\r\nContent-Type: ");
	buf_adds(out, res->content_type);
	buf_adds(out, "\r\n");
	if (!res->streaming) {
		buf_adds(out, "Content-Length: ");
		json_add_int(out, (int64_t)res->body.len);
		buf_adds(out, "\r\n");
	}
	buf_adds(out, "X-Content-Type-Options: nosniff\r\n");
	if (req && req->request_id && strcmp(req->request_id, "-") != 0) {
		buf_adds(out, "X-Request-Id: ");
		buf_adds(out, req->request_id);
		buf_adds(out, "\r\n");
	}
	buf_add(out, res->headers.data, res->headers.len);
	buf_adds(out, "\r\n");
}

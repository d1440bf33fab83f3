/* validate.c -- the 422 list, body reading and field readers (see validate.h). */
#include "routes/validate.h"

#include <ctype.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "routes/router.h"
#include "compat/email.h"
#include "wire/http.h"
#include "base/utf8.h"
#include "compat/json_write.h"

void problems_init(struct problems *p)
{
	buf_init(&p->list);
	buf_init(&p->input);
	buf_init(&p->body_echo);
	p->body_echoed = false;
	p->count = 0;
}

void problems_free(struct problems *p)
{
	buf_free(&p->list);
	buf_free(&p->input);
	buf_free(&p->body_echo);
}

void problem_add(struct problems *p, const char *type, const char *loc, const char *msg,
		 const char *input_json, size_t input_len, const char *ctx_json)
{
	struct buf *b = &p->list;
	if (p->count++)
		buf_addc(b, ',');
	buf_printf(b, "{\"type\":\"%s\",\"loc\":[%s],\"msg\":", type, loc);
	json_add_cstr(b, msg);
	buf_adds(b, ",\"input\":");
	buf_add(b, input_json, input_len);
	if (ctx_json)
		buf_printf(b, ",\"ctx\":%s", ctx_json);
	buf_addc(b, '}');
}

bool problems_reply(struct problems *p, struct ctx *c)
{
	if (!p->count)
		return false;
	struct buf *b = http_json(c->res, 422);
	buf_adds(b, "{\"detail\":[");
	buf_add(b, p->list.data, p->list.len);
	buf_adds(b, "]}");
	if (!buf_ok(&p->list))
		http_internal_error(c->res, c->req, "out of memory listing the problems");
	return true;
}

/* Whether FastAPI would parse a body of this Content-Type as JSON: none at
 * all, or a media type application/json or application/<anything>+json (the
 * email module's reading: one '/' exactly, else it is text/plain). */
static bool content_type_is_json(const char *ct)
{
	size_t n;
	if (!ct)
		return true;
	const char *type = http_media_type(ct, &n);
	const char *slash = memchr(type, '/', n);
	if (!slash || memchr(slash + 1, '/', n - (size_t)(slash + 1 - type)))
		return false;
	size_t main_len = (size_t)(slash - type), sub_len = n - main_len - 1;
	const char *sub = slash + 1;
	if (main_len != 11 || strncasecmp(type, "application", 11) != 0)
		return false;
	return (sub_len == 4 && strncasecmp(sub, "json", 4) == 0) ||
	       (sub_len >= 5 && strncasecmp(sub + sub_len - 5, "+json", 5) == 0);
}

static void reply_json_invalid(struct ctx *c, const struct json_error *e)
{
	struct problems p;
	char loc[48];
	struct buf ctx_json;
	problems_init(&p);
	buf_init(&ctx_json);
	snprintf(loc, sizeof loc, "\"body\",%zu", e->pos);
	buf_adds(&ctx_json, "{\"error\":");
	json_add_cstr(&ctx_json, e->msg);
	buf_addc(&ctx_json, '}');
	problem_add(&p, "json_invalid", loc, "JSON decode error", "{}", 2, buf_cstr(&ctx_json));
	problems_reply(&p, c);
	buf_free(&ctx_json);
	problems_free(&p);
}

bool json_body_or_reply(struct ctx *c, struct json_body *b)
{
	const char *body = c->req->body;
	size_t len = c->req->body_len;
	struct json_error err;
	*b = (struct json_body){.empty = len == 0};
	if (len == 0)
		return true;
	if (!utf8_valid(body, len)) {
		http_error(c->res, 400, "There was an error parsing the body");
		return false;
	}
	if (!content_type_is_json(c->req->content_type)) {
		b->raw = true;
		return true;
	}
	if (len >= 3 && memcmp(body, "\xEF\xBB\xBF", 3) == 0) { /* json.loads(bytes) drops a BOM */
		body += 3;
		len -= 3;
	}
	if (!(b->doc = json_parse(body, len, &err))) {
		if (err.kind == JSON_ERR_DECODE)
			reply_json_invalid(c, &err);
		else if (err.kind == JSON_ERR_NOMEM)
			http_internal_error(c->res, c->req, "out of memory parsing the body");
		else /* Python raises RecursionError or ValueError there, not JSONDecodeError */
			http_error(c->res, 400, "There was an error parsing the body");
		return false;
	}
	b->root = json_root(b->doc);
	b->empty = b->root->type == JSON_NULL;
	return true;
}

void json_body_free(struct json_body *b)
{
	json_free(b->doc);
	b->doc = NULL;
}

bool body_is_object(struct problems *p, struct ctx *c, const struct json_body *b)
{
	static const char msg[] = "Input should be a valid dictionary or object to extract fields from";
	if (b->empty) {
		problem_add(p, "missing", "\"body\"", "Field required", "null", 4, NULL);
		return false;
	}
	if (b->raw || b->root->type != JSON_OBJECT) {
		buf_reset(&p->input);
		if (b->raw)
			json_add_str(&p->input, c->req->body, c->req->body_len);
		else
			json_write(&p->input, b->root);
		problem_add(p, "model_attributes_type", "\"body\"", msg, p->input.data, p->input.len, NULL);
		return false;
	}
	return true;
}

static void body_loc(char *loc, size_t n, const char *name)
{
	snprintf(loc, n, "\"body\",\"%s\"", name);
}

/* The field as a string: missing, or string_type when it is something else. */
static bool read_string(struct problems *p, const struct json_body *b, const char *name, const char **out,
			size_t *len)
{
	const struct json_value *v = json_get(b->root, name);
	char loc[64];
	body_loc(loc, sizeof loc, name);
	buf_reset(&p->input);
	if (!v) {
		/* Each missing field echoes the whole body: written once. */
		if (!p->body_echoed) {
			json_write(&p->body_echo, b->root);
			p->body_echoed = true;
		}
		problem_add(p, "missing", loc, "Field required", p->body_echo.data, p->body_echo.len, NULL);
		return false;
	}
	if (v->type != JSON_STRING) {
		json_write(&p->input, v);
		problem_add(p, "string_type", loc, "Input should be a valid string", p->input.data,
			    p->input.len, NULL);
		return false;
	}
	*out = v->str;
	*len = v->len;
	return true;
}

/* pydantic's min_length and max_length checks of the value at loc:
 * string_too_short or string_too_long, counted in characters. */
static bool length_within(struct problems *p, const char *loc, const char *s, size_t n, size_t min,
			  size_t max)
{
	char msg[80], ctx_json[40];
	size_t chars = utf8_length(s, n);
	if (chars >= min && chars <= max)
		return true;
	bool too_long = chars > max;
	size_t limit = too_long ? max : min;
	snprintf(msg, sizeof msg, "String should have %s %zu character%s", too_long ? "at most" : "at least",
		 limit, limit == 1 ? "" : "s");
	snprintf(ctx_json, sizeof ctx_json, "{\"%s\":%zu}", too_long ? "max_length" : "min_length", limit);
	buf_reset(&p->input);
	json_add_str(&p->input, s, n);
	problem_add(p, too_long ? "string_too_long" : "string_too_short", loc, msg, p->input.data,
		    p->input.len, ctx_json);
	return false;
}

/* pydantic's max_length check of a body field. */
static bool within_length(struct problems *p, const char *name, const char *s, size_t n, size_t max)
{
	char loc[64];
	body_loc(loc, sizeof loc, name);
	return length_within(p, loc, s, n, 0, max);
}

bool body_string(struct problems *p, const struct json_body *b, const char *name, size_t max,
		 const char **out, size_t *len)
{
	char loc[64];
	if (!read_string(p, b, name, out, len) || !within_length(p, name, *out, *len, max))
		return false;
	if (!utf8_has_surrogate(*out, *len))
		return true;
	/* Python would keep it, then fail to store or answer it as UTF-8 (a 500). */
	body_loc(loc, sizeof loc, name);
	buf_reset(&p->input);
	json_add_str(&p->input, *out, *len);
	problem_add(p, "string_unicode", loc,
		    "Input should be a valid string, unable to parse raw data as a unicode string",
		    p->input.data, p->input.len, NULL);
	return false;
}

bool body_email(struct problems *p, const struct json_body *b, size_t max, struct buf *normalised)
{
	const char *text;
	size_t len;
	struct buf reason, msg, ctx_json;
	/* A lone surrogate is the email check's business: unsafe characters. */
	if (!read_string(p, b, "email", &text, &len) || !within_length(p, "email", text, len, max))
		return false;
	buf_init(&reason);
	buf_reset(normalised);
	bool ok = email_check(text, len, normalised, &reason);
	if (!ok) {
		buf_init(&msg);
		buf_init(&ctx_json);
		buf_printf(&msg, "value is not a valid email address: %s", buf_cstr(&reason));
		buf_adds(&ctx_json, "{\"reason\":");
		json_add_str(&ctx_json, reason.data, reason.len);
		buf_addc(&ctx_json, '}');
		buf_reset(&p->input);
		json_add_str(&p->input, text, len);
		problem_add(p, "value_error", "\"body\",\"email\"", buf_cstr(&msg), p->input.data,
			    p->input.len, buf_cstr(&ctx_json));
		buf_free(&msg);
		buf_free(&ctx_json);
	}
	buf_cstr(normalised);
	buf_free(&reason);
	return ok;
}

bool str_param(struct problems *p, const char *where, const char *name, const char *text, size_t len,
	       size_t min, size_t max)
{
	char loc[64];
	snprintf(loc, sizeof loc, "\"%s\",\"%s\"", where, name);
	return length_within(p, loc, text, len, min, max);
}

/* The index of the name text[0..len) is among names, or n. */
static size_t name_index(const char *text, size_t len, const char *const *names, size_t n)
{
	size_t i = 0;
	while (i < n && !(strlen(names[i]) == len && memcmp(names[i], text, len) == 0))
		i++;
	return i;
}

/* pydantic's enum error at loc, for the input already in p->input:
 * "Input should be 'a', 'b' or 'c'", the same list in ctx.expected. */
static void enum_problem(struct problems *p, const char *loc, const char *const *names, size_t n)
{
	struct buf expected, msg, ctx_json;
	buf_init(&expected);
	buf_init(&msg);
	buf_init(&ctx_json);
	for (size_t i = 0; i < n; i++)
		buf_printf(&expected, "%s'%s'", i == 0 ? "" : i + 1 == n ? " or " : ", ", names[i]);
	buf_printf(&msg, "Input should be %s", buf_cstr(&expected));
	buf_adds(&ctx_json, "{\"expected\":");
	json_add_str(&ctx_json, expected.data, expected.len);
	buf_addc(&ctx_json, '}');
	problem_add(p, "enum", loc, buf_cstr(&msg), p->input.data, p->input.len, buf_cstr(&ctx_json));
	buf_free(&expected);
	buf_free(&msg);
	buf_free(&ctx_json);
}

bool body_enum(struct problems *p, const struct json_body *b, const char *name, const char *const *names,
	       size_t n, size_t *index)
{
	const struct json_value *v = json_get(b->root, name);
	char loc[64];
	if (v && v->type == JSON_STRING && (*index = name_index(v->str, v->len, names, n)) < n)
		return true;
	if (!v) { /* reported as read_string reports it */
		const char *unused;
		size_t unused_len;
		return read_string(p, b, name, &unused, &unused_len);
	}
	body_loc(loc, sizeof loc, name);
	buf_reset(&p->input);
	json_write(&p->input, v);
	enum_problem(p, loc, names, n);
	return false;
}

bool enum_param(struct problems *p, const char *where, const char *name, const char *text, size_t len,
		const char *const *names, size_t n, size_t *index)
{
	char loc[64];
	if ((*index = name_index(text, len, names, n)) < n)
		return true;
	snprintf(loc, sizeof loc, "\"%s\",\"%s\"", where, name);
	buf_reset(&p->input);
	json_add_str(&p->input, text, len);
	enum_problem(p, loc, names, n);
	return false;
}

/* pydantic-core's str -> int: trimmed, optional sign, digits, and an
 * optional fraction of zeros ("5.00"). Beyond 64 bits is refused (ours). */
bool parse_int(const char *text, size_t len, int64_t *out)
{
	size_t i = 0, end = len;
	while (i < end && isspace((unsigned char)text[i]))
		i++;
	while (end > i && isspace((unsigned char)text[end - 1]))
		end--;
	bool negative = i < end && text[i] == '-';
	if (i < end && (text[i] == '-' || text[i] == '+'))
		i++;
	size_t digits = i;
	uint64_t v = 0, limit = negative ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
	for (; i < end && isdigit((unsigned char)text[i]); i++) {
		unsigned d = (unsigned)(text[i] - '0');
		if (v > (limit - d) / 10)
			return false;
		v = v * 10 + d;
	}
	if (i == digits)
		return false;
	if (i < end && text[i] == '.')
		for (i++; i < end && text[i] == '0'; i++)
			;
	if (i != end)
		return false;
	*out = negative ? (int64_t)(0 - v) : (int64_t)v;
	return true;
}

bool int_param(struct problems *p, const char *where, const char *name, const char *text, size_t len,
	       int64_t min, int64_t *out)
{
	char loc[64], msg[96], ctx_json[48];
	snprintf(loc, sizeof loc, "\"%s\",\"%s\"", where, name);
	buf_reset(&p->input);
	json_add_str(&p->input, text, len);
	if (!parse_int(text, len, out)) {
		problem_add(p, "int_parsing", loc,
			    "Input should be a valid integer, unable to parse string as an integer",
			    p->input.data, p->input.len, NULL);
		return false;
	}
	if (*out < min) {
		snprintf(msg, sizeof msg, "Input should be greater than or equal to %lld", (long long)min);
		snprintf(ctx_json, sizeof ctx_json, "{\"ge\":%lld}", (long long)min);
		problem_add(p, "greater_than_equal", loc, msg, p->input.data, p->input.len, ctx_json);
		return false;
	}
	return true;
}

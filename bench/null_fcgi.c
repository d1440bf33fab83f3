/* bench/null_fcgi.c -- a FastCGI responder that costs (almost) nothing: the
 * benchmark's ceiling. nginx, configured exactly as the service ships it,
 * passes requests here as it would to the pool; each is answered with bytes
 * read from a file at start, the same bytes the service answers, with the
 * same CGI header block (X-Request-Id echoed as the service does). What nginx
 * can do with such a responder is the most any FastCGI application behind it
 * can reach on this machine.
 *
 * usage: null_fcgi SOCKET[,SOCKET...] PROCESSES URI=BODY_FILE [URI=BODY_FILE ...]
 *   listens on the unix sockets with PROCESSES processes (an epoll loop each,
 *   over every socket); a request whose DOCUMENT_URI is URI gets BODY_FILE's
 *   bytes as an application/json 200, any other a 404. Runs until SIGTERM. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

enum { ROUTES_MAX = 8, IN_MAX = 256 * 1024, CONNS_MAX = 4096, LISTENERS_MAX = 8 };

struct route {
	const char *uri;
	char *body;
	size_t len;
};
static struct route routes[ROUTES_MAX];
static int nroutes;

struct conn {
	unsigned char in[IN_MAX];
	size_t len;
};
static struct conn *conns[CONNS_MAX];

static void die(const char *what)
{
	perror(what);
	exit(1);
}

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	struct stat st;
	if (!f || fstat(fileno(f), &st) < 0)
		die(path);
	char *p = malloc((size_t)st.st_size + 1);
	if (!p || fread(p, 1, (size_t)st.st_size, f) != (size_t)st.st_size)
		die(path);
	fclose(f);
	*len = (size_t)st.st_size;
	return p;
}

/* Finds name's value in a PARAMS stream; copies at most outsz-1 bytes. */
static void param(const unsigned char *d, size_t n, const char *name, char *out, size_t outsz)
{
	size_t at = 0, want = strlen(name);
	out[0] = '\0';
	while (at < n) {
		size_t len[2];
		for (int i = 0; i < 2; i++) {
			if (at >= n)
				return;
			if (d[at] < 0x80) {
				len[i] = d[at++];
			} else {
				if (n - at < 4)
					return;
				len[i] = ((size_t)(d[at] & 0x7f) << 24) | ((size_t)d[at + 1] << 16) |
					 ((size_t)d[at + 2] << 8) | d[at + 3];
				at += 4;
			}
		}
		if (len[0] > n - at || len[1] > n - at - len[0])
			return;
		if (len[0] == want && memcmp(d + at, name, want) == 0) {
			size_t v = len[1] < outsz - 1 ? len[1] : outsz - 1;
			memcpy(out, d + at + len[0], v);
			out[v] = '\0';
			return;
		}
		at += len[0] + len[1];
	}
}

static void header(unsigned char *h, int type, unsigned id, size_t len)
{
	h[0] = 1, h[1] = (unsigned char)type, h[2] = (unsigned char)(id >> 8), h[3] = (unsigned char)id;
	h[4] = (unsigned char)(len >> 8), h[5] = (unsigned char)len, h[6] = 0, h[7] = 0;
}

/* Answers one request; 0, or -1 to close. */
static int answer(int fd, unsigned id, const unsigned char *params, size_t plen)
{
	static char out[1 << 20];
	char uri[512], rid[128], head[512];
	param(params, plen, "DOCUMENT_URI", uri, sizeof uri);
	param(params, plen, "REQUEST_ID", rid, sizeof rid);
	const struct route *r = NULL;
	for (int i = 0; i < nroutes && !r; i++)
		if (strcmp(routes[i].uri, uri) == 0)
			r = &routes[i];
	static const char missing[] = "{\"detail\":\"Not Found\"}";
	const char *body = r ? r->body : missing;
	size_t blen = r ? r->len : sizeof missing - 1;
	int hl = snprintf(head, sizeof head,
			  "Status: %s\r\nContent-Type: application/json\r\nContent-Length: %zu\r\n"
			  "X-Content-Type-Options: nosniff\r\n%s%s%s\r\n",
			  r ? "200 OK" : "404 Not Found", blen, *rid ? "X-Request-Id: " : "", rid,
			  *rid ? "\r\n" : "");
	size_t o = 0, total = (size_t)hl + blen;
	for (size_t off = 0; off < total; off += 65535) {
		size_t n = total - off < 65535 ? total - off : 65535;
		header((unsigned char *)out + o, 6, id, n);
		o += 8;
		for (size_t k = 0; k < n; k++) /* head then body, as one stream */
			out[o + k] = off + k < (size_t)hl ? head[off + k] : body[off + k - (size_t)hl];
		o += n;
	}
	header((unsigned char *)out + o, 6, id, 0);
	o += 8;
	header((unsigned char *)out + o, 3, id, 8);
	o += 8;
	memset(out + o, 0, 8);
	o += 8;
	for (size_t w = 0; w < o;) {
		ssize_t k = write(fd, out + w, o - w);
		if (k < 0 && errno == EAGAIN) {
			struct timespec ts = {0, 100000};
			nanosleep(&ts, NULL);
			continue;
		}
		if (k <= 0)
			return -1;
		w += (size_t)k;
	}
	return 0;
}

/* Consumes whole requests from c; -1 to close the connection. */
static int serve(int fd, struct conn *c)
{
	for (;;) {
		size_t at = 0, plen = 0;
		unsigned id = 0;
		int keep = 0, complete = 0;
		static unsigned char params[IN_MAX];
		while (at + 8 <= c->len) {
			const unsigned char *h = c->in + at;
			size_t len = (size_t)h[4] << 8 | h[5], rec = 8 + len + h[6];
			if (at + rec > c->len)
				break;
			if (h[1] == 1) {
				id = (unsigned)h[2] << 8 | h[3];
				keep = h[8 + 2] & 1;
			} else if (h[1] == 4 && len) {
				if (plen + len > sizeof params)
					return -1;
				memcpy(params + plen, h + 8, len);
				plen += len;
			} else if (h[1] == 5 && len == 0) {
				at += rec;
				complete = 1;
				break;
			}
			at += rec;
		}
		if (!complete)
			return 0;
		if (answer(fd, id, params, plen) || !keep)
			return -1;
		memmove(c->in, c->in + at, c->len - at);
		c->len -= at;
	}
}

static int listeners[LISTENERS_MAX], nlisteners;

static bool is_listener(int fd)
{
	for (int i = 0; i < nlisteners; i++)
		if (listeners[i] == fd)
			return true;
	return false;
}

static void accept_all(int ep, int lfd)
{
	int c;
	while ((c = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC)) >= 0) {
		if (c >= CONNS_MAX || !(conns[c] = calloc(1, sizeof **conns))) {
			close(c);
			continue;
		}
		struct epoll_event ce = {.events = EPOLLIN, .data.fd = c};
		epoll_ctl(ep, EPOLL_CTL_ADD, c, &ce);
	}
}

static void loop(void)
{
	int ep = epoll_create1(0);
	struct epoll_event evs[64];
	if (ep < 0)
		die("epoll");
	for (int i = 0; i < nlisteners; i++) {
		struct epoll_event ev = {.events = EPOLLIN | EPOLLEXCLUSIVE, .data.fd = listeners[i]};
		if (epoll_ctl(ep, EPOLL_CTL_ADD, listeners[i], &ev) < 0)
			die("epoll_ctl");
	}
	for (;;) {
		int n = epoll_wait(ep, evs, 64, -1);
		for (int i = 0; i < n; i++) {
			int fd = evs[i].data.fd;
			if (is_listener(fd)) {
				accept_all(ep, fd);
				continue;
			}
			struct conn *c = conns[fd];
			ssize_t k = read(fd, c->in + c->len, sizeof c->in - c->len);
			if (k < 0 && errno == EAGAIN)
				continue;
			if (k <= 0 || (c->len += (size_t)k, serve(fd, c)) < 0) {
				close(fd);
				free(c);
				conns[fd] = NULL;
			}
		}
	}
}

static int listen_on(const char *path)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	snprintf(sa.sun_path, sizeof sa.sun_path, "%s", path);
	unlink(path);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof sa) < 0 || listen(fd, 1024) < 0)
		die(path);
	return fd;
}

int main(int argc, char **argv)
{
	if (argc < 4) {
		fprintf(stderr, "usage: null_fcgi SOCKET[,SOCKET...] PROCESSES URI=BODY_FILE ...\n");
		return 2;
	}
	for (int i = 3; i < argc && nroutes < ROUTES_MAX; i++) {
		char *eq = strchr(argv[i], '=');
		if (!eq)
			return 2;
		*eq = '\0';
		routes[nroutes].uri = argv[i];
		routes[nroutes].body = slurp(eq + 1, &routes[nroutes].len);
		nroutes++;
	}
	for (char *path = strtok(argv[1], ","); path && nlisteners < LISTENERS_MAX; path = strtok(NULL, ","))
		listeners[nlisteners++] = listen_on(path);
	signal(SIGPIPE, SIG_IGN);
	int procs = atoi(argv[2]);
	for (int p = 1; p < procs; p++)
		if (fork() == 0) {
			prctl(PR_SET_PDEATHSIG, SIGTERM); /* go with the first process */
			loop();
		}
	loop();
	return 0;
}

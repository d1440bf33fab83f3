/* pool.h -- the supervisor: a listening socket and N worker processes.
 *
 * The supervisor opens the FastCGI socket (or takes the sockets handed over:
 * systemd's LISTEN_FDS, or one on fd 0 as spawn-fcgi does), forks the workers and then
 * only watches: a worker that dies is replaced at once; SIGTERM or SIGINT
 * stops the workers gracefully, removes the socket and returns 0; SIGHUP
 * re-reads the settings and replaces the workers one at a time, each new one
 * started before an old one is asked to stop, so the socket never goes
 * unserved.
 *
 * With a hash socket (--hash-listen), as many more workers as there are
 * cores serve it: nginx sends there the routes that hash a password
 * (registration, update, login), so a burst of logins waits in that queue
 * while the main workers stay free for everything else. With a list socket
 * (--list-listen), as many more workers as the main socket has serve GET
 * /users/ and GET /todos/, whose cost grows with their limit and filters: a
 * flood of long, deep or filtered lists queues there, and runs at a low CPU
 * priority (routes/users.c, routes/todos.c), while reading one user stays
 * fast. Sockets handed over by systemd come in the
 * order main, hash, list (fd 3, 4, 5). */
#ifndef FZ_POOL_H
#define FZ_POOL_H

#include <stddef.h>

struct settings;

struct pool_options {
	const char *listen;      /* "unix:/path", "/path", or "host:port" */
	const char *hash_listen; /* the password-hashing routes' socket, or NULL */
	const char *list_listen; /* the lists' socket, or NULL */
	long workers;            /* 0: twice the core count */
	const char *env_path;    /* the .env re-read on SIGHUP */
	long max_requests;       /* --max-requests: wins over MAX_REQUESTS; 0: the setting's */
	const char *pid_file;    /* --pid-file, or NULL: beside a unix main socket */
	const char *allow;       /* --allow: the TCP peers served (see allow.h); NULL: loopback */
};

/* The pid file of the pool serving listen (the given pid_file, else the
 * unix socket's path with ".pid" for ".sock"); 0, or -1 when there is none
 * (a TCP socket without --pid-file). It holds "PID FD": see scoreboard.h. */
int pool_pid_file(const char *listen, const char *pid_file, char *out, size_t outsz);

/* Serves until SIGTERM/SIGINT; returns the process exit status. settings is
 * replaced in place on SIGHUP when the new settings are valid. */
int pool_run(const struct pool_options *opt, struct settings *settings);

#endif

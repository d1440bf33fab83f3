/* worker.h -- one worker process: accept FastCGI connections, answer requests.
 *
 * A worker polls its listening socket, the nginx connections it keeps open
 * (FCGI_KEEP_CONN) and a signalfd. SIGTERM or SIGINT makes it finish the
 * request in hand, serve the connections already queued on its socket, close
 * its connections and exit 0; signals are blocked while a request is
 * handled, so none is ever cut in half. */
#ifndef FZ_WORKER_H
#define FZ_WORKER_H

struct allow_list;
struct gate_room;
struct settings;

/* Runs a worker on listen_fd until told to stop; returns the exit status:
 * 0 after a stop, 1 when it could not start or poll failed (logged, and the
 * supervisor logs the exit). gate is the supervisor's password-hashing gate
 * (see gate.h; NULL: none); a TCP peer not in allow is closed unserved (see
 * allow.h). */
int worker_run(int listen_fd, struct gate_room *gate, const struct settings *settings,
	       const struct allow_list *allow);

#endif

/* lowprio.h -- running a piece of a request's work at a lower CPU priority
 * than request handling, so that cheap requests on the other workers take
 * the CPU first whenever they need it.
 *
 * Linux scheduling attributes belong to threads, and a thread may lower its
 * priority but never raise it back: so the work runs in a fresh thread, and
 * the caller waits for it. Meant for work of milliseconds or more (a thread
 * costs some tens of microseconds). */
#ifndef FZ_LOWPRIO_H
#define FZ_LOWPRIO_H

enum lowprio {
	/* Password hashing: nice 10, below request handling but sure to progress. */
	LOWPRIO_HASHING,
	/* Lists that walk many rows: SCHED_IDLE, only what the CPU has to spare;
	 * any other thread that wakes up takes the CPU from it at once. */
	LOWPRIO_BULK,
};

/* Runs fn(arg) at priority p and returns once it is done. When no thread can
 * be made it runs fn in the caller's thread, at the caller's priority. */
void lowprio_run(enum lowprio p, void (*fn)(void *arg), void *arg);

#endif

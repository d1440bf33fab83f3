/* lowprio.h -- running a piece of a request's work at a lower CPU priority
 * than request handling, so that cheap requests on the other workers take
 * the CPU first whenever they need it.
 *
 * Linux nice values belong to threads, and a thread may lower its priority
 * but never raise it back: so the work runs in a fresh thread at that
 * niceness, and the caller waits for it. Meant for work of milliseconds or
 * more (a thread costs some tens of microseconds). */
#ifndef FZ_LOWPRIO_H
#define FZ_LOWPRIO_H

/* Password hashing: below request handling, above bulk reads. */
#define LOWPRIO_HASHING 10
/* Lists that walk many rows: only what the CPU has to spare. */
#define LOWPRIO_BULK 19

/* Runs fn(arg) at nice niceness and returns once it is done. When no thread
 * can be made it runs fn in the caller's thread, at the caller's priority. */
void lowprio_run(int niceness, void (*fn)(void *arg), void *arg);

#endif

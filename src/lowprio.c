/* lowprio.c -- work at a lower CPU priority, in a thread (see lowprio.h). */
#include "lowprio.h"

#include <pthread.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

struct lowprio_job {
	int niceness;
	void (*fn)(void *arg);
	void *arg;
};

static void *lowprio_thread(void *p)
{
	struct lowprio_job *job = p;
	setpriority(PRIO_PROCESS, (id_t)syscall(SYS_gettid), job->niceness);
	job->fn(job->arg);
	return NULL;
}

void lowprio_run(int niceness, void (*fn)(void *arg), void *arg)
{
	struct lowprio_job job = {.niceness = niceness, .fn = fn, .arg = arg};
	pthread_t t;
	if (pthread_create(&t, NULL, lowprio_thread, &job) == 0)
		pthread_join(t, NULL);
	else
		fn(arg);
}

/* lowprio.c -- work at a lower CPU priority, in a thread (see lowprio.h). */
#include "base/lowprio.h"

#include <pthread.h>
#include <sched.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

struct lowprio_job {
	enum lowprio priority;
	void (*fn)(void *arg);
	void *arg;
};

static void *lowprio_thread(void *p)
{
	struct lowprio_job *job = p;
	pid_t tid = (pid_t)syscall(SYS_gettid);
	if (job->priority == LOWPRIO_BULK) {
		struct sched_param none = {0};
		sched_setscheduler(tid, SCHED_IDLE, &none);
	} else {
		setpriority(PRIO_PROCESS, (id_t)tid, 10);
	}
	job->fn(job->arg);
	return NULL;
}

void lowprio_run(enum lowprio p, void (*fn)(void *arg), void *arg)
{
	struct lowprio_job job = {.priority = p, .fn = fn, .arg = arg};
	pthread_t t;
	if (pthread_create(&t, NULL, lowprio_thread, &job) == 0)
		pthread_join(t, NULL);
	else
		fn(arg);
}

/* bench/argon2_cpu.c -- the CPU cost of one login's password check, as the
 * service does it: argon2_verify() on an argon2id PHC string at the
 * parameters src/auth/security.c writes (m=65536 KiB, t=3, p=4).
 *
 * usage: argon2_cpu [N [J]]
 *   N verifies (default 10, after one warm-up) in each of J threads (default
 *   1) running at once: J=1 gives the CPU seconds of one verify; J=nproc how
 *   many verifies per second the machine completes when every core hashes.
 * prints one line:
 *   "jobs=J verifies=N*J cpu_s_per_verify=X wall_s=W verifies_per_s=R"
 * where cpu is user+sys of the whole process (getrusage RUSAGE_SELF counts
 * the threads libargon2 starts for its lanes, once they have ended). */
#include <argon2.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

enum { T = 3, M_KIB = 65536, P = 4, SALT_LEN = 16, HASH_LEN = 32 };

static double cpu_seconds(void)
{
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 + (double)ru.ru_stime.tv_sec +
	       (double)ru.ru_stime.tv_usec / 1e6;
}

static double wall_seconds(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static char phc[128];
static const char password[] = "bench-password";
static int per_job;

static void *verify_loop(void *failed)
{
	for (int i = 0; i < per_job; i++)
		if (argon2_verify(phc, password, strlen(password), Argon2_id) != ARGON2_OK)
			*(int *)failed = 1;
	return NULL;
}

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 10, jobs = argc > 2 ? atoi(argv[2]) : 1, failed = 0;
	static const unsigned char salt[SALT_LEN] = "fast_zero-bench";
	pthread_t t[64];
	if (n < 1 || n > 10000 || jobs < 1 || jobs > 64) {
		fprintf(stderr, "usage: argon2_cpu [N [J]]  (N 1..10000 verifies per job, J 1..64 jobs)\n");
		return 2;
	}
	per_job = n;
	int rc = argon2id_hash_encoded(T, M_KIB, P, password, strlen(password), salt, sizeof salt, HASH_LEN,
				       phc, sizeof phc);
	if (rc != ARGON2_OK || argon2_verify(phc, password, strlen(password), Argon2_id) != ARGON2_OK) {
		fprintf(stderr, "argon2_cpu: %s\n", argon2_error_message(rc));
		return 1;
	}
	double c0 = cpu_seconds(), w0 = wall_seconds();
	for (int j = 0; j < jobs; j++)
		if (pthread_create(&t[j], NULL, verify_loop, &failed) != 0) {
			fprintf(stderr, "argon2_cpu: cannot start a thread\n");
			return 1;
		}
	for (int j = 0; j < jobs; j++)
		pthread_join(t[j], NULL);
	double cpu = cpu_seconds() - c0, wall = wall_seconds() - w0;
	if (failed) {
		fprintf(stderr, "argon2_cpu: verify failed\n");
		return 1;
	}
	int total = n * jobs;
	printf("jobs=%d verifies=%d cpu_s_per_verify=%.6f wall_s=%.3f verifies_per_s=%.3f\n", jobs, total,
	       cpu / total, wall, total / wall);
	return 0;
}

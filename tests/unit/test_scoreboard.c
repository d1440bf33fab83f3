/* test_scoreboard.c -- the scoreboard in one process: a worker's slot through
 * a request's life, the counters it moves, the histogram's buckets, the
 * Prometheus text and the status written from it, the pid file read back;
 * and the REQUEST_KILL_TIMEOUT default. */
#include <unistd.h>

#include "../../src/routes/router.h"
#include "../../src/base/clock.h"
#include "../../src/routes/metrics.h"
#include "../../src/server/pool.h"
#include "../../src/base/scoreboard.h"
#include "../../src/base/settings.h"
#include "unit.h"

static bool has(struct buf *b, const char *line)
{
	return strstr(buf_cstr(b), line) != NULL;
}

/* One request on the slot: read, handled on route, answered status in us. */
static void one_request(int route, int status, int64_t us)
{
	scoreboard_reading();
	scoreboard_handling("abc123");
	scoreboard_route(route);
	scoreboard_answered(status, us);
}

static void test_a_request_moves_its_counters(void)
{
	struct buf b;
	struct sb_slot s;
	buf_init(&b);
	scoreboard_slot_reset(0, getpid(), SB_HASH); /* as the supervisor does after fork */
	scoreboard_worker(0, SB_HASH);
	scoreboard_reading();
	scoreboard_handling("abc123");
	scoreboard_route(8); /* POST /auth/token */
	scoreboard_hashing(true);
	scoreboard_read_slot(scoreboard_get(), 0, &s);
	CHECK(s.pid == getpid() && s.state == SB_HASHING && s.route == 8 && s.request_ms > 0);
	CHECK_STR(s.request_id, "abc123");
	scoreboard_hashing(false);
	scoreboard_login(SB_LOGIN_BAD_PASSWORD);
	CHECK(scoreboard_answered(401, 7000) == 1);
	scoreboard_read_slot(scoreboard_get(), 0, &s);
	CHECK(s.state == SB_IDLE && s.request_ms == 0 && s.served == 1);
	one_request(-1, 404, 100);  /* unrouted */
	one_request(5, 200, 30000); /* GET /users/{user_id} */
	one_request(5, 299, 5000);  /* a status not counted by itself */
	scoreboard_store_error(4);  /* STORE_BUSY */
	scoreboard_restart(SB_STUCK);
	metrics_write(&b, scoreboard_get());
	CHECK(has(&b, "fast_zero_requests_total{method=\"POST\",route=\"/auth/token\",status=\"401\"} 1\n"));
	CHECK(has(&b, "fast_zero_requests_total{method=\"\",route=\"unrouted\",status=\"404\"} 1\n"));
	CHECK(has(
		&b,
		"fast_zero_requests_total{method=\"GET\",route=\"/users/{user_id}\",status=\"other\"} 1\n"));
	CHECK(has(&b, "_bucket{method=\"POST\",route=\"/auth/token\",le=\"0.005\"} 0\n"));
	CHECK(has(&b, "_bucket{method=\"POST\",route=\"/auth/token\",le=\"0.01\"} 1\n"));
	CHECK(has(&b, "_bucket{method=\"GET\",route=\"/users/{user_id}\",le=\"0.005\"} 1\n"));
	CHECK(has(&b, "_bucket{method=\"GET\",route=\"/users/{user_id}\",le=\"0.025\"} 1\n"));
	CHECK(has(&b, "_bucket{method=\"GET\",route=\"/users/{user_id}\",le=\"0.05\"} 2\n"));
	CHECK(has(&b, "_sum{method=\"GET\",route=\"/users/{user_id}\"} 0.035000\n"));
	CHECK(has(&b, "_count{method=\"GET\",route=\"/users/{user_id}\"} 2\n"));
	CHECK(has(&b, "fast_zero_workers{socket=\"hash\",state=\"idle\"} 1\n"));
	CHECK(has(&b, "fast_zero_logins_total{outcome=\"bad_password\"} 1\n"));
	CHECK(has(&b, "fast_zero_storage_errors_total{kind=\"busy\"} 1\n"));
	CHECK(has(&b, "fast_zero_worker_restarts_total{cause=\"stuck\"} 1\n"));
	CHECK(!has(&b, "fast_zero_listen_queue{")); /* not known: not written */
	buf_free(&b);
}

static void test_status_as_a_table_and_as_json(void)
{
	struct buf b;
	buf_init(&b);
	scoreboard_reading();
	scoreboard_handling("r-42");
	scoreboard_route(5);
	scoreboard_listen_queue(SB_MAIN, 3, 1024);
	status_write(&b, scoreboard_get(), false, clock_ms());
	CHECK(has(&b, "main listen queue:     3 (backlog 1024)\n"));
	CHECK(has(&b, "restarts stuck         1\n"));
	CHECK(has(&b, " hash   handling ") && has(&b, "GET /users/{user_id}") && has(&b, " r-42\n"));
	buf_reset(&b);
	status_write(&b, scoreboard_get(), true, clock_ms());
	CHECK(has(&b, "\"main\":{\"accepted\":0,\"listen_queue\":3,\"backlog\":1024}"));
	CHECK(has(&b, "\"hash\":{\"accepted\":0,\"listen_queue\":null,\"backlog\":null}"));
	CHECK(has(&b, "\"socket\":\"hash\",\"state\":\"handling\",\"served\":4,"));
	CHECK(has(&b, "\"method\":\"GET\",\"route\":\"/users/{user_id}\",\"request_id\":\"r-42\"}]}\n"));
	scoreboard_idle();
	buf_free(&b);
}

static void test_the_pid_file_leads_to_the_scoreboard(void)
{
	char path[] = "/tmp/fz_unit_sbXXXXXX", err[512];
	int fd = mkstemp(path);
	CHECK(fd >= 0);
	close(fd);
	CHECK(scoreboard_write_pid_file(path) == 0);
	const struct scoreboard *sb = scoreboard_attach(path, err, sizeof err);
	CHECK(sb != NULL && sb->supervisor_pid == getpid() && sb->slots_used == 1);
	unlink(path);
	CHECK(scoreboard_attach(path, err, sizeof err) == NULL && strstr(err, path));
	CHECK(pool_pid_file("unix:/run/fz/fast_zero.sock", NULL, path, sizeof path) == 0);
	CHECK_STR(path, "/run/fz/fast_zero.pid");
	CHECK(pool_pid_file("/run/fz/sock", NULL, path, sizeof path) == 0);
	CHECK_STR(path, "/run/fz/sock.pid");
	CHECK(pool_pid_file("127.0.0.1:9000", NULL, path, sizeof path) == -1);
	CHECK(pool_pid_file("127.0.0.1:9000", "/run/x.pid", path, sizeof path) == 0);
	CHECK_STR(path, "/run/x.pid");
}

static void test_request_kill_timeout_defaults_to_twice_the_request_timeout(void)
{
	struct settings s;
	char err[256];
	setenv("SECRET_KEY", "k", 1);
	setenv("REQUEST_TIMEOUT", "2.5", 1);
	CHECK(settings_load(&s, NULL, 0, err, sizeof err) == 0 && s.request_kill_timeout_ms == 5000);
	setenv("REQUEST_TIMEOUT", "0", 1);
	CHECK(settings_load(&s, NULL, 0, err, sizeof err) == 0 && s.request_kill_timeout_ms == 30000);
	setenv("REQUEST_KILL_TIMEOUT", "0.25", 1);
	CHECK(settings_load(&s, NULL, 0, err, sizeof err) == 0 && s.request_kill_timeout_ms == 250);
	setenv("MAX_REQUESTS", "-1", 1);
	CHECK(settings_load(&s, NULL, 0, err, sizeof err) == -1 && strstr(err, "MAX_REQUESTS"));
	unsetenv("REQUEST_TIMEOUT");
	unsetenv("REQUEST_KILL_TIMEOUT");
	unsetenv("MAX_REQUESTS");
}

int main(void)
{
	if (scoreboard_create() < 0) {
		perror("scoreboard_create");
		return 1;
	}
	RUN(test_a_request_moves_its_counters);
	RUN(test_status_as_a_table_and_as_json);
	RUN(test_the_pid_file_leads_to_the_scoreboard);
	RUN(test_request_kill_timeout_defaults_to_twice_the_request_timeout);
	return unit_done();
}

/* test_log.c -- log lines: control characters escaped, long lines cut, and
 * floods said once then counted. */
#include <fcntl.h>
#include <unistd.h>

#include "../../src/base/log.h"
#include "unit.h"

/* Runs fn with stderr into a file; its text into out. */
static void capture(void (*fn)(void), char *out, size_t outsz)
{
	char path[] = "/tmp/fast_zero_test_log.XXXXXX";
	int fd = mkstemp(path), saved = dup(STDERR_FILENO);
	dup2(fd, STDERR_FILENO);
	fn();
	dup2(saved, STDERR_FILENO);
	close(saved);
	ssize_t n = pread(fd, out, outsz - 1, 0);
	out[n > 0 ? n : 0] = '\0';
	close(fd);
	unlink(path);
}

static void log_evil(void)
{
	log_error("request %s: done", "abc\x1b[31m\nfast_zero[1]: error: forged");
}

static void test_control_characters_are_escaped(void)
{
	char out[4096];
	capture(log_evil, out, sizeof out);
	CHECK(strstr(out, ": error: request abc\\x1b[31m\\x0afast_zero[1]: error: forged: done\n") != NULL);
	CHECK(strchr(out, '\n') == out + strlen(out) - 1); /* one line */
	CHECK(strchr(out, '\x1b') == NULL);
}

static void log_long(void)
{
	char big[3000];
	memset(big, '\a', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	log_info("%s", big);
}

static void test_a_long_line_is_cut_and_stays_one_line(void)
{
	char out[8192];
	capture(log_long, out, sizeof out);
	CHECK(strlen(out) <= LOG_LINE_MAX + 1);
	CHECK(strstr(out, "\\x07\\x07") != NULL);
	CHECK(strstr(out, "...\n") != NULL);
	CHECK(strchr(out, '\n') == out + strlen(out) - 1);
}

static void test_escape_cuts_to_fit(void)
{
	char out[12];
	CHECK_STR(log_escape("plain", 5, out, sizeof out), "plain");
	CHECK_STR(log_escape("a\tb", 3, out, sizeof out), "a\\x09b");
	CHECK_STR(log_escape("0123456789abcdef", 16, out, sizeof out), "01234567...");
}

static struct log_flood flood = {.what = "refused connections"};

static void log_a_flood(void)
{
	for (int i = 0; i < 1000; i++)
		log_flood(&flood, "refused a connection from %d", i);
	CHECK(log_flood_flush() > 0); /* the count is due later */
	log_flood_end();
}

static void test_a_flood_is_said_once_then_counted(void)
{
	char out[4096];
	capture(log_a_flood, out, sizeof out);
	CHECK(strstr(out, ": error: refused a connection from 0\nfast_zero[") != NULL);
	CHECK(strstr(out, "... and 999 more refused connections in 10 s\n") != NULL);
	CHECK(strstr(out, "from 1\n") == NULL);
	CHECK(log_flood_flush() == -1); /* nothing held */
}

int main(void)
{
	RUN(test_control_characters_are_escaped);
	RUN(test_a_long_line_is_cut_and_stays_one_line);
	RUN(test_escape_cuts_to_fit);
	RUN(test_a_flood_is_said_once_then_counted);
	return unit_done();
}

/* main.c -- the command line: serve, migrate, routes, nginx-map, version, help.
 *
 * `fast_zero serve` checks the settings and the database before it forks a
 * single worker, so that a bad setting or an unmigrated database stops the
 * start with a message, never a request later. */
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "routes/router.h"
#include "routes/audit.h"
#include "base/clock.h"
#include "routes/metrics.h"
#include "store/migrations.h"
#include "base/log.h"
#include "server/pool.h"
#include "base/scoreboard.h"
#include "base/settings.h"
#include "store/store.h"

#ifndef FZ_VERSION
#define FZ_VERSION "0.1.0"
#endif

struct options {
	const char *listen;
	const char *hash_listen;
	const char *list_listen;
	const char *env_path;
	const char *migrations;
	const char *pid_file;
	const char *allow;
	long workers;
	long max_requests;
	bool json;
};

static const char usage_text[] =
	"usage: fast_zero [--help] COMMAND [OPTIONS]\n"
	"\n"
	"The users-and-auth API of the course \"FastAPI do Zero\", as a FastCGI\n"
	"application to run behind nginx, on SQLite or PostgreSQL.\n"
	"\n"
	"commands:\n"
	"  serve      run the worker pool, accepting FastCGI connections\n"
	"  migrate    apply the pending database migrations\n"
	"  status     print what the running pool's workers are doing\n"
	"  routes     print the route table: method, path, lane\n"
	"  nginx-map  print nginx's map sending each route to its upstream\n"
	"  version    print the version\n"
	"  help [COMMAND]  explain a command\n"
	"\n"
	"settings (environment first, then ./.env):\n"
	"  DATABASE_URL                 sqlite:///database.db (sqlite+aiosqlite:/// accepted),\n"
	"                               or postgresql://user:password@host:5432/db (postgres://,\n"
	"                               postgresql+psycopg:// accepted; libpq's parameters too)\n"
	"  SECRET_KEY                   token signing key; required by serve\n"
	"  ALGORITHM                    HS256 (default), HS384 or HS512\n"
	"  ACCESS_TOKEN_EXPIRE_MINUTES  token lifetime, default 30\n"
	"  WORKERS                      worker processes, default twice the core count\n"
	"  REQUEST_TIMEOUT              seconds a request's statements may run, default 5\n"
	"  SESSION_MAX_HOURS            no token outlives its session's login by more, default 24\n"
	"  RATE_LIMIT, LOGIN_RATE_LIMIT off turns every throttle (or the logins') off, default on\n"
	"  REQUEST_KILL_TIMEOUT         seconds a worker may spend on one request before it\n"
	"                               is killed and replaced, default twice REQUEST_TIMEOUT\n"
	"                               (30 without one); 0 never\n"
	"  MAX_REQUESTS                 requests a worker serves before it is replaced, 0 never\n"
	"  SLOW_REQUEST_MS              log the requests slower than this, 0 (default) none\n"
	"  AUDIT_LOG                    the audit log's file, default stderr\n"
	"  HASH_QUEUE_TIMEOUT           seconds a request of the routes that hash may wait\n"
	"                               for its turn before it is answered 503, default 2;\n"
	"                               0 never\n";

static const char serve_text[] =
	"usage: fast_zero serve [--listen ADDR] [--hash-listen ADDR] [--list-listen ADDR]\n"
	"                       [--allow ADDRS] [--workers N] [--max-requests N] [--pid-file FILE]\n"
	"                       [--env FILE]\n"
	"\n"
	"Runs a supervisor and N worker processes answering FastCGI on ADDR.\n"
	"  --listen ADDR       unix:/path/to.sock, /path/to.sock or host:port\n"
	"                      (default unix:var/fast_zero.sock); a listening socket\n"
	"                      handed over on fd 0 (spawn-fcgi, systemd) is used instead\n"
	"  --hash-listen ADDR  a second socket, served by four workers per core, for\n"
	"                      the routes that hash passwords (nginx/upstream.conf\n"
	"                      sends them there), so a burst of logins never takes\n"
	"                      the workers the other routes need; one hash per core\n"
	"                      runs at once, turns given round the client addresses\n"
	"  --list-listen ADDR  a third socket, served by as many workers as ADDR, for\n"
	"                      GET /users/ and GET /todos/ (nginx/upstream.conf sends\n"
	"                      them there), so that lists deep, long or filtered\n"
	"                      never hold up the other reads\n"
	"  --allow ADDRS       on TCP, the peers served: addresses or CIDR blocks,\n"
	"                      comma-separated (default 127.0.0.0/8,::1); FastCGI has\n"
	"                      no authentication, so any other peer is refused and logged\n"
	"  --workers N         worker processes on ADDR (default WORKERS, else twice\n"
	"                      the cores)\n"
	"  --max-requests N    a worker that has served N requests is replaced, its\n"
	"                      successor taking over without refusing any (default\n"
	"                      MAX_REQUESTS, else never)\n"
	"  --pid-file FILE     where `fast_zero status` finds the pool (default: the\n"
	"                      main unix socket's path, .sock replaced by .pid)\n"
	"  --env FILE          the .env file to read (default .env)\n"
	"  --migrations DIR    where the migrations are (see help migrate)\n"
	"\n"
	"Signals: TERM/INT stop gracefully (requests in flight finish, the socket\n"
	"is removed); HUP re-reads the settings and replaces the workers one by one;\n"
	"USR1 reopens the audit log (AUDIT_LOG) after a rotation.\n"
	"A worker on one request past REQUEST_KILL_TIMEOUT is killed and replaced.\n"
	"A worker that dies is replaced at once. The database must be migrated.\n";

static const char migrate_text[] =
	"usage: fast_zero migrate [--migrations DIR] [--env FILE]\n"
	"\n"
	"Applies the migrations DIR/NNNN_name.sql not yet recorded in the database\n"
	"named by DATABASE_URL, in order, each in its own transaction; where a\n"
	"dialect's SQL differs, DIR/sqlite/ or DIR/postgresql/ holds its version.\n"
	"Running it again changes nothing; several hosts running it at once apply\n"
	"each migration once. A database made by the course's Alembic migration\n"
	"is recognised as already holding the users table.\n"
	"  --migrations DIR  default: migrations/ beside the binary, else the installed ones\n";

static const char status_text[] =
	"usage: fast_zero status [--json] [--listen ADDR | --pid-file FILE]\n"
	"\n"
	"Prints the running pool's scoreboard: per socket the connections accepted\n"
	"and waiting, the workers replaced and why, then one line per worker (pid,\n"
	"socket, state, requests served, seconds since it started, the request in\n"
	"hand's milliseconds, route and request id). --json prints it as JSON. The\n"
	"pool is found through its pid file (see help serve: the same --listen or\n"
	"--pid-file as the pool's); it needs the pool user's rights.\n";

static int help(const char *command)
{
	if (!command) {
		fputs(usage_text, stdout);
		return 0;
	}
	if (strcmp(command, "serve") == 0)
		fputs(serve_text, stdout);
	else if (strcmp(command, "migrate") == 0)
		fputs(migrate_text, stdout);
	else if (strcmp(command, "status") == 0)
		fputs(status_text, stdout);
	else if (strcmp(command, "routes") == 0)
		puts("usage: fast_zero routes\n\n"
		     "Prints the route table, one \"METHOD PATH LANE\" line per route,\n"
		     "\"hidden\" after those /openapi.json leaves out. The lane says where nginx\n"
		     "sends the route: main (kept connections), once (a connection per request),\n"
		     "hash (the --hash-listen socket) or list (the --list-listen socket).");
	else if (strcmp(command, "nginx-map") == 0)
		puts("usage: fast_zero nginx-map\n\n"
		     "Prints the map, for nginx's http { } block, that sends each request to\n"
		     "the upstream of its route's lane (nginx/upstream.conf holds a copy).");
	else if (strcmp(command, "version") == 0)
		puts("usage: fast_zero version\n\nPrints the version.");
	else if (strcmp(command, "help") == 0)
		puts("usage: fast_zero help [COMMAND]\n\nExplains COMMAND, or lists the commands.");
	else {
		fprintf(stderr, "fast_zero: no command %s (see fast_zero --help)\n", command);
		return 2;
	}
	return 0;
}

static int parse_options(int argc, char **argv, struct options *o)
{
	static const struct option longopts[] = {
		{"listen", required_argument, NULL, 'l'},
		{"hash-listen", required_argument, NULL, 'H'},
		{"list-listen", required_argument, NULL, 'L'},
		{"workers", required_argument, NULL, 'w'},
		{"env", required_argument, NULL, 'e'},
		{"migrations", required_argument, NULL, 'm'},
		{"max-requests", required_argument, NULL, 'r'},
		{"pid-file", required_argument, NULL, 'p'},
		{"json", no_argument, NULL, 'j'},
		{"allow", required_argument, NULL, 'a'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	int c;
	char *end;
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case 'l': o->listen = optarg; break;
		case 'H': o->hash_listen = optarg; break;
		case 'L': o->list_listen = optarg; break;
		case 'e': o->env_path = optarg; break;
		case 'm': o->migrations = optarg; break;
		case 'p': o->pid_file = optarg; break;
		case 'j': o->json = true; break;
		case 'r':
			o->max_requests = strtol(optarg, &end, 10);
			if (*end || o->max_requests < 1 || o->max_requests > INT32_MAX) {
				fprintf(stderr, "fast_zero: --max-requests takes a number from 1 on\n");
				return -1;
			}
			break;
		case 'a': o->allow = optarg; break;
		case 'w':
			o->workers = strtol(optarg, &end, 10);
			if (*end || o->workers < 1 || o->workers > 1024) {
				fprintf(stderr, "fast_zero: --workers takes a number from 1 to 1024\n");
				return -1;
			}
			break;
		case 'h': return 1;
		default: return -1;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "fast_zero: unexpected argument %s\n", argv[optind]);
		return -1;
	}
	return 0;
}

static int load_settings(const struct options *o, struct settings *s, int flags)
{
	char err[512];
	if (settings_load(s, o->env_path, flags, err, sizeof err) == 0)
		return 0;
	fprintf(stderr, "fast_zero: %s\n", err);
	return -1;
}

static int migrate(const struct options *o)
{
	struct settings s;
	char err[512], what[512];
	int applied = 0;
	if (load_settings(o, &s, SETTINGS_SECRET_OPTIONAL))
		return 1;
	if (store_migrate(s.database_url, o->migrations, &applied, err, sizeof err)) {
		fprintf(stderr, "fast_zero: migrate: %s\n", err);
		return 1;
	}
	printf("fast_zero: %s: %d migration%s applied\n", store_describe(s.database_url, what, sizeof what),
	       applied, applied == 1 ? "" : "s");
	return 0;
}

/* Refuses to serve a database that misses migrations. */
static int check_database(const struct options *o, const struct settings *s)
{
	char err[512], what[512];
	int pending = store_pending(s->database_url, o->migrations, err, sizeof err);
	if (pending < 0)
		fprintf(stderr, "fast_zero: database: %s\n", err);
	else if (pending > 0)
		fprintf(stderr, "fast_zero: database %s has %d pending migration%s: run fast_zero migrate\n",
			store_describe(s->database_url, what, sizeof what), pending, pending == 1 ? "" : "s");
	return pending == 0 ? 0 : -1;
}

static int serve(const struct options *o)
{
	static struct settings s;
	if (load_settings(o, &s, SETTINGS_SECRET_REQUIRED) || check_database(o, &s))
		return 1;
	if (audit_open(s.audit_log) < 0) {
		fprintf(stderr, "fast_zero: AUDIT_LOG %s cannot be opened: %s\n", s.audit_log,
			strerror(errno));
		return 1;
	}
	audit_open(""); /* each worker opens its own */
	if (strlen(s.secret_key) < SETTINGS_SECRET_MIN)
		log_warning("setting SECRET_KEY is %zu bytes: tokens signed with it can be forged by "
			    "guessing it; "
			    "use at least %d random bytes",
			    strlen(s.secret_key), SETTINGS_SECRET_MIN);
	struct pool_options po = {.listen = o->listen,
				  .hash_listen = o->hash_listen,
				  .list_listen = o->list_listen,
				  .workers = o->workers,
				  .env_path = o->env_path,
				  .max_requests = o->max_requests,
				  .pid_file = o->pid_file,
				  .allow = o->allow};
	return pool_run(&po, &s);
}

/* fast_zero status: the running pool's scoreboard, as a table or JSON. */
static int status(const struct options *o)
{
	char path[4096], err[4300];
	struct buf out;
	if (pool_pid_file(o->listen, o->pid_file, path, sizeof path)) {
		fprintf(stderr, "fast_zero: status: a pool on %s has no pid file: give --pid-file\n",
			o->listen);
		return 1;
	}
	const struct scoreboard *sb = scoreboard_attach(path, err, sizeof err);
	if (!sb) {
		fprintf(stderr, "fast_zero: status: %s\n", err);
		return 1;
	}
	buf_init(&out);
	status_write(&out, sb, o->json, clock_ms());
	int ok = buf_ok(&out) && fwrite(out.data, 1, out.len, stdout) == out.len && fflush(stdout) == 0;
	buf_free(&out);
	return ok ? 0 : 1;
}

/* fast_zero routes, fast_zero nginx-map: the route table, as text. */
static int print_routes(const char *command, int argc)
{
	struct buf out;
	if (argc > 2) {
		fprintf(stderr, "fast_zero: %s takes no argument\n", command);
		return 2;
	}
	buf_init(&out);
	if (strcmp(command, "routes") == 0)
		router_write_table(&out);
	else
		router_write_nginx_map(&out);
	int ok = buf_ok(&out) && fwrite(out.data, 1, out.len, stdout) == out.len && fflush(stdout) == 0;
	buf_free(&out);
	if (!ok)
		fprintf(stderr, "fast_zero: %s: could not write the table\n", command);
	return ok ? 0 : 1;
}

int main(int argc, char **argv)
{
	struct options o = {.listen = "unix:var/fast_zero.sock", .env_path = ".env"};
	if (argc < 2) {
		help(NULL);
		return 2;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)
		return help(NULL);
	const char *command = argv[1];
	if (strcmp(command, "help") == 0)
		return help(argc > 2 ? argv[2] : NULL);
	if (strcmp(command, "routes") == 0 || strcmp(command, "nginx-map") == 0)
		return print_routes(command, argc);
	if (strcmp(command, "version") == 0 || strcmp(command, "--version") == 0) {
		printf("fast_zero %s\n", FZ_VERSION);
		return 0;
	}
	int parsed = parse_options(argc - 1, argv + 1, &o);
	if (parsed)
		return parsed > 0 ? help(command) : 2;
	static char default_migrations[4096];
	if (!o.migrations)
		o.migrations = migrations_default_dir(default_migrations, sizeof default_migrations);
	if (strcmp(command, "serve") == 0)
		return serve(&o);
	if (strcmp(command, "migrate") == 0)
		return migrate(&o);
	if (strcmp(command, "status") == 0)
		return status(&o);
	fprintf(stderr, "fast_zero: no command %s (see fast_zero --help)\n", command);
	return 2;
}

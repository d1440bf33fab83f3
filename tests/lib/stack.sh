# tests/lib/stack.sh -- a real stack for the API suites: the worker pool on a
# unix socket and nginx on a free port, with a fresh database in a temporary
# folder. Sourced by the suites; FZ_BIN names the binary under test.
#
#   stack_start [VAR=value ...]   settings for this stack (SECRET_KEY has a default;
#                                 REQUEST_TIMEOUT is 0 and REQUEST_KILL_TIMEOUT 120 s
#                                 unless given: their defaults, 5 s and 10 s, count the
#                                 request's hash, which a loaded machine may take longer
#                                 to make, under the sanitizers, behind other hashes; a
#                                 lock is still waited for 5 s at most, the busy timeout)
#                                 nginx's come from the environment: see scripts/nginx-conf;
#                                 STACK_ACCESS_LOG=off turns its access log off
#   stack_stop                    SIGTERM both halves, wait, remove the folder
#   http METHOD PATH [curl args]  sets STATUS, BODY and HEADERS (a file)
#   sql QUERY                     runs QUERY on the stack's database, rows as a|b lines
#   wait_until SECONDS CMD [ARG...]  runs CMD every 0.05 s until it succeeds (at most SECONDS)
#
# FZ_BACKEND=postgresql puts the stack on PostgreSQL: a fresh database in the
# cluster tests/run started (PG_HOST), or in a cluster of the suite's own
# when it runs alone. STACK_URL is the stack's DATABASE_URL either way.
# FZ_WRAP, when set, prefixes the pool's command (make valgrind sets it).
#
# A request of the routes that hash waits at most STACK_HASH_QUEUE_TIMEOUT
# (exported as HASH_QUEUE_TIMEOUT, so that every pool a suite starts has it,
# `make cluster`'s hosts included; 30 s, not the service's 2 s) for its turn,
# so that a suite's burst of hashing requests is served on a slow machine as
# on a fast one; test_overload.sh sets its own. `default`, set before this
# file is sourced, leaves the service's (the benchmarks of behaviour under
# abuse measure that one).

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
FZ_BIN=${FZ_BIN:-$ROOT/fast_zero}
case $FZ_BIN in /*) ;; *) FZ_BIN=$ROOT/$FZ_BIN ;; esac
FZ_BACKEND=${FZ_BACKEND:-sqlite}
STACK_HASH_QUEUE_TIMEOUT=${STACK_HASH_QUEUE_TIMEOUT:-30}
[ "$STACK_HASH_QUEUE_TIMEOUT" = default ] || export HASH_QUEUE_TIMEOUT=$STACK_HASH_QUEUE_TIMEOUT
. "$ROOT/tests/lib/pg.sh"
[ "$FZ_BACKEND" = postgresql ] && SUITE_NAME="${SUITE_NAME:-api} (postgresql)"

# The stack's database: a file under STACK_DIR, or a fresh PostgreSQL database.
stack_database() {
	DB=$STACK_DIR/test.db
	STACK_URL=sqlite:///$DB
	[ "$FZ_BACKEND" = postgresql ] || return 0
	if [ -z "${PG_HOST:-}" ]; then
		STACK_PG_DIR=$(mktemp -d "${TMPDIR:-/tmp}/fast_zero_pg.XXXXXX")
		pg_start "$STACK_PG_DIR" "fsync = off" || return 1
	fi
	PG_DB=fz_$(basename "$STACK_DIR" | tr -cd 'a-zA-Z0-9' | tr 'A-Z' 'a-z')
	pg_createdb "$PG_DB" || return 1
	STACK_URL=$(pg_url "$PG_DB")
}

sql() {
	if [ "$FZ_BACKEND" = postgresql ]; then
		pg_sql "$PG_DB" "$1"
	else
		sqlite3 "$DB" "$1"
	fi
}

# A port nothing listens on, below the kernel's ephemeral range (from which
# connect() takes its source ports). In that range a probe of a port nothing
# listens on yet may be given the same port as its source and connect to
# itself, leaving a TIME_WAIT that refuses nginx's bind there for a minute;
# a client elsewhere on the machine may hold it too.
free_port() {
	local p low=32768
	read -r low _ </proc/sys/net/ipv4/ip_local_port_range 2>/dev/null
	[ "$low" -gt 12000 ] 2>/dev/null || low=32768
	for _ in $(seq 1 100); do
		p=$((10000 + RANDOM % (low - 10002)))
		(echo >"/dev/tcp/127.0.0.1/$p") 2>/dev/null || { echo "$p"; return 0; }
	done
	return 1
}

# wait_until SECONDS COMMAND [ARG...]: runs COMMAND every 0.05 s until it
# succeeds (0) or SECONDS have passed (1). What a test waits for is a
# condition, never a time: SECONDS is only the bound past which it is taken
# as never coming, generous, since a loaded machine is slow at everything.
wait_until() {
	local deadline=$((SECONDS + $1))
	shift
	until "$@"; do
		[ "$SECONDS" -lt "$deadline" ] || return 1
		sleep 0.05
	done
}

# The stack answers GET / with 200 (each try bounded).
stack_answers() {
	[ "$(curl -s -m 20 -o /dev/null -w '%{http_code}' "$BASE_URL/")" = 200 ]
}

# Waits until the stack answers GET / (at most STACK_WAIT_SECONDS, 60 by
# default; STACK_WAIT_STEPS, the older knob, counts 0.05 s steps).
stack_wait() {
	local bound=${STACK_WAIT_SECONDS:-60}
	[ $((${STACK_WAIT_STEPS:-0} / 20)) -gt "$bound" ] && bound=$((STACK_WAIT_STEPS / 20))
	wait_until "$bound" stack_answers && return 0
	echo "stack did not come up; log:" >&2
	cat "$STACK_DIR/log" >&2
	return 1
}

# Starts nginx on a free port; another port when that one is taken between
# the check and nginx's bind (other stacks run on this machine too).
stack_nginx() {
	for _ in 1 2 3 4 5; do
		PORT=$(free_port)
		BASE_URL=http://127.0.0.1:$PORT
		ACCESS_LOG=${STACK_ACCESS_LOG:-$STACK_DIR/access.log} "$ROOT/scripts/nginx-conf" "$PORT" "$STACK_DIR" "$SOCKET" "$HASH_SOCKET" "$LIST_SOCKET" >"$STACK_DIR/nginx.conf"
		nginx -p "$STACK_DIR" -c "$STACK_DIR/nginx.conf" -e "$STACK_DIR/nginx.err" >>"$STACK_DIR/log" 2>&1 &
		NGINX_PID=$!
		# Up once it wrote its pid file; or it exited (the port was taken).
		wait_until 60 nginx_settled
		[ -s "$STACK_DIR/nginx.pid" ] && return 0
		kill "$NGINX_PID" 2>/dev/null
		wait "$NGINX_PID" 2>/dev/null
	done
	return 1
}
nginx_settled() { [ -s "$STACK_DIR/nginx.pid" ] || ! kill -0 "$NGINX_PID" 2>/dev/null; }

# A fresh folder for a stack, and the names of its database and sockets.
stack_init() {
	STACK_DIR=$(mktemp -d "${TMPDIR:-/tmp}/fast_zero_test.XXXXXX")
	SOCKET=$STACK_DIR/fz.sock
	HASH_SOCKET=$STACK_DIR/fz-hash.sock
	LIST_SOCKET=$STACK_DIR/fz-list.sock
	stack_database
}

stack_start() {
	stack_init || return 1
	(
		cd "$STACK_DIR" || exit 1
		env SECRET_KEY=test-secret-key DATABASE_URL="$STACK_URL" WORKERS=4 REQUEST_TIMEOUT=0 REQUEST_KILL_TIMEOUT=120 "$@" \
			"$FZ_BIN" migrate --migrations "$ROOT/migrations" >>"$STACK_DIR/log" 2>&1
	) || { cat "$STACK_DIR/log" >&2; return 1; }
	stack_serve "$@"
	stack_nginx || { cat "$STACK_DIR/log" >&2; return 1; }
	stack_wait && stack_prism
}

# With FZ_PRISM (npm's @stoplight/prism-cli) and PRISM_LOG_DIR set, the
# requests go through `prism proxy`, which checks every answer against
# docs/openapi.json (tests/api/test_openapi.sh). Its log lands in
# PRISM_LOG_DIR/prism-PORT.log, and beside it prism-PORT.sent lists every
# request the suite sent it, one "EXIT METHOD PATH" line each (curl's exit
# status, the method in lower case and the path without its query, as prism
# logs them): see curl below.
stack_prism() {
	PRISM_PID=
	[ -n "${FZ_PRISM:-}" ] || return 0
	local port
	port=$(free_port)
	: >>"$PRISM_LOG_DIR/prism-$port.sent"
	"$FZ_PRISM" proxy --host 127.0.0.1 --port "$port" "$ROOT/docs/openapi.json" "$BASE_URL" \
		>>"$PRISM_LOG_DIR/prism-$port.log" 2>&1 &
	PRISM_PID=$!
	BASE_URL=http://127.0.0.1:$port
	stack_wait
}

# Under prism, curl is this function, in the suite's shell and its
# subshells (the http helper's requests and every other): each URL it is
# given on a port a prism of PRISM_LOG_DIR listens on is noted in that
# prism's .sent file. A request sent otherwise (xargs curl, python) is not
# noted: test_openapi.sh then finds an answer nobody sent.
if [ -n "${FZ_PRISM:-}" ]; then
	curl() {
		command curl "$@"
		local rc=$? a method= body= get= next= urls=() url port path
		for a in "$@"; do
			case $next in
			method) method=$a next= && continue ;;
			value) next= && continue ;;
			esac
			case $a in
			-X | --request) next=method ;;
			-X?*) method=${a#-X} ;;
			--request=*) method=${a#--request=} ;;
			--data=* | --data-*=* | --json=* | --form=*) body=POST ;;
			-d | --data | --data-* | -F | --form | --json) body=POST next=value ;;
			-d?* | -F?*) body=POST ;;
			-T | --upload-file) body=PUT next=value ;;
			-I | --head) body=HEAD ;;
			-G | --get) get=1 ;;
			-H | -o | -w | -D | -m | -K | -e | -u | -A | -b | -c | --interface) next=value ;;
			http://127.0.0.1:*) urls+=("$a") ;;
			esac
		done
		[ -n "$get" ] && body=
		method=${method:-${body:-GET}}
		for url in "${urls[@]}"; do
			url=${url#http://127.0.0.1:}
			port=${url%%[!0-9]*}
			[ -n "$port" ] && [ -f "$PRISM_LOG_DIR/prism-$port.sent" ] || continue
			path=${url#"$port"}
			path=${path%%[?#]*}
			echo "$rc ${method,,} ${path:-/}" >>"$PRISM_LOG_DIR/prism-$port.sent"
		done
		return $rc
	}
fi

# Starts (or restarts) the pool alone, on the same socket and database.
stack_serve() {
	(
		cd "$STACK_DIR" || exit 1
		exec env SECRET_KEY=test-secret-key DATABASE_URL="$STACK_URL" WORKERS=4 REQUEST_TIMEOUT=0 REQUEST_KILL_TIMEOUT=120 "$@" \
			${FZ_WRAP:-} "$FZ_BIN" serve --listen "unix:$SOCKET" --hash-listen "unix:$HASH_SOCKET" \
			--list-listen "unix:$LIST_SOCKET" \
			--migrations "$ROOT/migrations"
	) >>"$STACK_DIR/log" 2>&1 &
	FZ_PID=$!
	STACK_ENV=("$@")
}

stack_stop() {
	kill -TERM "$FZ_PID" "$NGINX_PID" ${PRISM_PID:-} 2>/dev/null
	wait "$FZ_PID" "$NGINX_PID" ${PRISM_PID:-} 2>/dev/null
	if grep -q "ERROR: \(AddressSanitizer\|LeakSanitizer\)\|runtime error:" "$STACK_DIR/log" 2>/dev/null; then
		echo "sanitizer report in the stack's log:" >&2
		grep -A30 "ERROR: \(AddressSanitizer\|LeakSanitizer\)\|runtime error:" "$STACK_DIR/log" >&2
		echo "not ok - ${SUITE_NAME:-api}: the stack's processes ran clean under the sanitizers"
	fi
	rm -rf "$STACK_DIR"
	if [ "$FZ_BACKEND" = postgresql ]; then
		pg_dropdb "$PG_DB"
		if [ -n "${STACK_PG_DIR:-}" ]; then pg_stop; fi
	fi
	return 0
}

# db_fill_users DB N: N users made with SQL (ids 1..N, named after their id;
# their password is no hash, so they cannot log in): a large table quickly.
# On PostgreSQL, in the stack's database (DB is the SQLite file's name).
db_fill_users() {
	if [ "$FZ_BACKEND" = postgresql ]; then
		sql "INSERT INTO users (id, username, password, email)
			SELECT i, 'user' || i, 'x', 'user' || i || '@example.com' FROM generate_series(1, $2) i" &&
			sql "SELECT setval('users_id_seq', $2)" >/dev/null &&
			sql "VACUUM ANALYZE users" # the visibility map, for index-only scans
	else
		sqlite3 "$1" "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $2)
			INSERT INTO users (id, username, password, email)
			SELECT i, 'user' || i, 'x', 'user' || i || '@example.com' FROM n"
	fi
}

# How many migrations the tree has, and migrate's line for N applied to DB:
# "fast_zero: DB: N migration(s) applied".
MIGRATIONS=$(find "$ROOT/migrations" -maxdepth 1 -name '[0-9][0-9][0-9][0-9]_*.sql' | wc -l)
migrated_line() {
	local s=s
	[ "$2" = 1 ] && s=
	echo "fast_zero: $1: $2 migration$s applied"
}

# How many workers a stack runs: WORKERS=4 on the main socket, as many on
# the list socket, four per core on the hash socket.
POOL_SIZE=$((8 + 4 * $(nproc)))

# The worker pids of the pool, one per line, sorted.
worker_pids() {
	pgrep -P "$FZ_PID" | sort
}

# pool_whole [PID]: the pool has all its workers, none of them PID: the
# supervisor has reaped a worker that ended (until then it is listed) and
# started its successor. For wait_until.
pool_whole() {
	local pids
	pids=$(worker_pids)
	[ "$(grep -c . <<<"$pids")" = "$POOL_SIZE" ] && ! grep -qx -- "${1:-none}" <<<"$pids"
}

http() {
	local method=$1 path=$2
	shift 2
	HEADERS=$STACK_DIR/last_headers
	BODY=$(curl -s -X "$method" -D "$HEADERS" -o - -w '\n%{http_code}' "$@" "$BASE_URL$path")
	STATUS=${BODY##*$'\n'}
	BODY=${BODY%$'\n'*}
}

# The value of header $1 in the last answer (case-insensitive name).
header() {
	grep -i "^$1:" "$HEADERS" | head -1 | cut -d: -f2- | sed 's/^ //; s/\r$//'
}

# Python with Debian's PyJWT and argon2-cffi (not a pyenv shim), and the
# stacks' secret, for the suites that forge tokens or hashes.
PY=/usr/bin/python3
SECRET=test-secret-key

# send_json METHOD PATH BODY [curl args...]
send_json() {
	local method=$1 path=$2 body=$3
	shift 3
	http "$method" "$path" -H 'Content-Type: application/json' --data-binary "$body" "$@"
}

assertHttp() {
	assertEquals "status of ${2:-}" "$1" "$STATUS"
	[ $# -ge 2 ] && assertEquals "body" "$2" "$BODY"
}

# lock_db: (SQLite) another process holds the database's write lock (BEGIN EXCLUSIVE,
# kept open through a fifo) until unlock_db. The holder waits out a lock a
# worker holds for a moment (a checkpoint) instead of failing at once.
lock_db() {
	mkfifo "$STACK_DIR/lock.in"
	sqlite3 -cmd '.timeout 5000' "$DB" <"$STACK_DIR/lock.in" >"$STACK_DIR/lock.out" 2>&1 &
	LOCK_PID=$!
	exec 7>"$STACK_DIR/lock.in"
	echo 'BEGIN EXCLUSIVE;' >&7
	wait_until 60 db_locked && return 0
	fail "the lock was not taken: $(cat "$STACK_DIR/lock.out")"
	return 1
}
db_locked() { ! sqlite3 -cmd '.timeout 0' "$DB" 'BEGIN IMMEDIATE; ROLLBACK;' >/dev/null 2>&1; }
unlock_db() {
	[ -n "$LOCK_PID" ] || return 0
	echo 'COMMIT;' >&7
	exec 7>&-
	wait "$LOCK_PID" 2>/dev/null
	LOCK_PID=
}

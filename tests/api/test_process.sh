#!/bin/bash
# test_process.sh -- the process model and start-up: settings, migrations,
# worker replacement, graceful stop, reload under load, fd 0 hand-over.
SUITE_NAME=process
. "$(dirname "$0")/../lib/stack.sh"

oneTimeSetUp() { stack_start; }
oneTimeTearDown() { stack_stop; }

# Runs fast_zero with arguments in a fresh folder, settings from the caller's env.
in_empty_dir() {
	local d
	d=$(mktemp -d)
	(cd "$d" && "$FZ_BIN" "$@")
	local rc=$?
	rm -rf "$d"
	return $rc
}

test_processes_are_named_fast_zero() {
	assertEquals "fast_zero" "$(ps -o comm= -p "$FZ_PID")"
	for p in $(worker_pids); do
		assertEquals "fast_zero" "$(ps -o comm= -p "$p")"
	done
	assertEquals "$POOL_SIZE" "$(worker_pids | wc -l)"
}

test_killed_worker_is_replaced_within_a_second() {
	local before victim after
	before=$(worker_pids)
	victim=$(echo "$before" | head -1)
	kill -KILL "$victim"
	wait_until 60 pool_whole "$victim" || fail "the pool is not whole again"
	after=$(worker_pids)
	assertEquals "$POOL_SIZE" "$(echo "$after" | wc -l)"
	assertFalse "the killed worker is gone" "echo '$after' | grep -qx '$victim'"
	assertTrue "its death is an error, and it is replaced" \
		"grep -q 'error: worker $victim killed by signal 9; replacing it' '$STACK_DIR/log'"
	for _ in 1 2 3 4 5 6 7 8; do
		http GET /
		assertHttp 200 '{"message":"Olá Mundo!"}'
	done
}

# pool_idle: no worker has a request in hand; login_in_hand: one has a login.
pool_idle() {
	"$FZ_BIN" status --json --listen "unix:$SOCKET" | jq -e '[.workers[] | select(.state != "idle")] | length == 0' >/dev/null
}
login_in_hand() {
	"$FZ_BIN" status --json --listen "unix:$SOCKET" | jq -e '[.workers[] | select(.route == "/auth/token")] | length > 0' >/dev/null
}

test_client_gone_mid_request_kills_no_worker() {
	local before client
	http POST /users/ -H 'Content-Type: application/json' \
		-d '{"username":"gone","email":"gone@example.com","password":"pw"}'
	before=$(worker_pids)
	# Each client leaves once a worker has its login in hand (hashing it):
	# nginx closes its side, and the worker's answer meets a closed socket
	# (EPIPE, not SIGPIPE).
	for _ in 1 2 3 4 5 6; do
		wait_until 60 pool_idle
		curl -s -o /dev/null -X POST "$BASE_URL/auth/token" -d 'username=gone@example.com&password=pw' &
		client=$!
		wait_until 60 login_in_hand
		kill "$client" 2>/dev/null
		wait "$client"
	done
	wait_until 120 pool_idle || fail "the pool is still busy"
	assertEquals "the same workers" "$before" "$(worker_pids)"
	assertFalse "no worker died of SIGPIPE" "grep -q 'killed by signal 13' '$STACK_DIR/log'"
}

# answered N: the load has had at least N answers; reloads N: the log says N reloads began.
answered() { [ "$(grep -c . "$STACK_DIR/codes" 2>/dev/null)" -ge "$1" ]; }
reloads() { [ "$(grep -c 'reloading: replacing the workers' "$STACK_DIR/log")" -ge "$1" ]; }
# every_worker_replaced: the pool is whole, and none of $BEFORE is in it.
every_worker_replaced() {
	local now
	now=$(worker_pids)
	[ "$(grep -c . <<<"$now")" = "$POOL_SIZE" ] && [ -z "$(comm -12 <(echo "$BEFORE") <(echo "$now"))" ]
}

test_sighup_under_load_fails_no_request() {
	local loops=() codes
	BEFORE=$(worker_pids)
	: >"$STACK_DIR/codes"
	rm -f "$STACK_DIR/load.stop"
	for _ in 1 2 3 4 5 6; do # six clients, each asking until told to stop
		while [ ! -e "$STACK_DIR/load.stop" ]; do
			curl -s -o /dev/null -w '%{http_code}\n' "$BASE_URL/" >>"$STACK_DIR/codes"
		done &
		loops+=($!)
	done
	wait_until 60 answered 20
	kill -HUP "$FZ_PID"
	wait_until 60 reloads 1
	kill -HUP "$FZ_PID"
	wait_until 60 reloads 2
	wait_until 120 every_worker_replaced
	touch "$STACK_DIR/load.stop"
	wait "${loops[@]}"
	codes=$(sort "$STACK_DIR/codes" | uniq -c | awk '{print $2}')
	assertEquals "every answer is 200" "200" "$codes"
	assertTrue "every worker was replaced" every_worker_replaced
}

test_sighup_with_bad_settings_keeps_serving() {
	local before
	before=$(worker_pids)
	echo "ALGORITHM=RS256" >"$STACK_DIR/.env"
	kill -HUP "$FZ_PID"
	wait_until 60 grep -q 'reload refused.*ALGORITHM' "$STACK_DIR/log"
	rm -f "$STACK_DIR/.env"
	assertEquals "the workers were kept" "$before" "$(worker_pids)"
	assertTrue "the refusal is logged" "grep -q 'reload refused.*ALGORITHM' '$STACK_DIR/log'"
	http GET /
	assertEquals 200 "$STATUS"
}

test_sigterm_stops_everything_and_removes_the_socket() {
	local d pid workers
	d=$(mktemp -d)
	(cd "$d" && SECRET_KEY=k DATABASE_URL="sqlite:///$d/db" "$FZ_BIN" migrate --migrations "$ROOT/migrations" >/dev/null)
	(cd "$d" && exec env SECRET_KEY=k DATABASE_URL="sqlite:///$d/db" "$FZ_BIN" serve --workers 3 \
		--listen "unix:$d/s.sock" --migrations "$ROOT/migrations" 2>"$d/log") &
	pid=$!
	wait_until 60 eval '[ -S "$d/s.sock" ] && [ "$(pgrep -P $pid | wc -l)" = 3 ]'
	workers=$(pgrep -P "$pid")
	assertEquals 3 "$(echo "$workers" | wc -l)"
	kill -TERM "$pid"
	wait "$pid"
	assertEquals "exit status" 0 $?
	for w in $workers; do
		assertFalse "worker $w is gone" "kill -0 $w 2>/dev/null"
	done
	assertFalse "the socket is removed" "[ -e '$d/s.sock' ]"
	assertEquals "a clean stop says no error" "" "$(grep -E 'error|replacing' "$d/log")"
	assertEquals "and says it stopped" 1 "$(grep -c 'info: stopped$' "$d/log")"
	rm -rf "$d"
}

test_stale_socket_does_not_stop_the_next_start() {
	local workers
	workers=$(worker_pids)
	kill -KILL "$FZ_PID" $workers
	wait "$FZ_PID" 2>/dev/null
	wait_until 60 eval '! kill -0 $workers 2>/dev/null'
	assertTrue "the killed run left its socket" "[ -S '$SOCKET' ]"
	stack_serve
	stack_wait
	http GET /
	assertHttp 200 '{"message":"Olá Mundo!"}'
}

test_runs_on_a_socket_handed_over_on_fd0() {
	kill -TERM "$FZ_PID"
	wait "$FZ_PID" 2>/dev/null
	# umask: the socket rw for the group, which nginx's workers are in (as root, they run as nobody).
	(cd "$STACK_DIR" && umask 0007 && exec env SECRET_KEY=test-secret-key DATABASE_URL="$STACK_URL" \
		spawn-fcgi -n -s "$SOCKET" -- "$FZ_BIN" serve --workers 2 --migrations "$ROOT/migrations") \
		>>"$STACK_DIR/log" 2>&1 &
	FZ_PID=$!
	stack_wait
	http GET /
	assertHttp 200 '{"message":"Olá Mundo!"}'
	assertEquals 2 "$(worker_pids | wc -l)"
	kill -TERM "$FZ_PID"
	wait "$FZ_PID" 2>/dev/null
	rm -f "$SOCKET"
	stack_serve
	stack_wait
}

test_runs_on_sockets_passed_by_systemd() {
	if ! command -v systemd-socket-activate >/dev/null; then
		startSkipping
		echo "systemd-socket-activate is not installed: skipped"
	fi
	kill -TERM "$FZ_PID"
	wait "$FZ_PID" 2>/dev/null
	(cd "$STACK_DIR" && exec systemd-socket-activate -l "$SOCKET" -l "$HASH_SOCKET" -l "$LIST_SOCKET" \
		-E SECRET_KEY=test-secret-key -E DATABASE_URL="$STACK_URL" ${ASAN_OPTIONS:+-E ASAN_OPTIONS} \
		"$FZ_BIN" serve --workers 2 --migrations "$ROOT/migrations") >>"$STACK_DIR/log" 2>&1 &
	FZ_PID=$!
	# What the socket unit's SocketMode=0660 does (nginx's workers are in the group).
	wait_until 60 eval '[ -S "$SOCKET" ] && [ -S "$HASH_SOCKET" ] && [ -S "$LIST_SOCKET" ]'
	chmod 0660 "$SOCKET" "$HASH_SOCKET" "$LIST_SOCKET"
	stack_wait
	http POST /users/ -H 'Content-Type: application/json' \
		-d '{"username":"sd","email":"sd@example.com","password":"pw"}'
	assertEquals 201 "$STATUS"
	assertEquals '{"username":"sd","email":"sd@example.com"}' "$(echo "$BODY" | jq -c 'del(.id)')"
	http GET /users/
	assertEquals "the list, from the third socket" 200 "$STATUS"
	# systemd-socket-activate execs the pool in its own process: its children are the workers.
	assertEquals "two workers, four per core on the hash socket, two on the list socket" \
		$((4 + 4 * $(nproc))) "$(worker_pids | wc -l)"
	kill -TERM "$FZ_PID"
	wait "$FZ_PID" 2>/dev/null
	rm -f "$SOCKET" "$HASH_SOCKET" "$LIST_SOCKET"
	stack_serve
	stack_wait
}

# make_run_in DIR PORT: scripts/run (what `make run` runs after building) in
# DIR, a copy of what it needs, as its own process group; sets RUN_PID, and
# RUN_DIR to its runtime folder (its sockets: var/, or as root one in /tmp).
make_run_in() {
	local from port=$2
	from=$(wc -l <"$1/out" 2>/dev/null || echo 0)
	(cd "$1" && exec env -u SECRET_KEY -u DATABASE_URL PORT="$2" setsid scripts/run) >>"$1/out" 2>&1 &
	RUN_PID=$!
	if wait_until 60 eval '[ "$(curl -s -m 20 -o /dev/null -w "%{http_code}" "http://127.0.0.1:$port/")" = 200 ]'; then
		RUN_DIR=$(tail -n +$((from + 1)) "$1/out" | sed -n 's/^scripts\/run: sockets in //p' | tail -1)
		RUN_DIR=${RUN_DIR:-$1/var}
		return 0
	fi
	cat "$1/out" >&2
	return 1
}

# A checkout as a newcomer has one: in a folder only its owner may enter
# (mktemp -d), the docs' assets fetched.
make_checkout() {
	local d
	d=$(mktemp -d)
	mkdir -p "$d/scripts" "$d/nginx" "$d/docs"
	cp "$ROOT/scripts/run" "$ROOT/scripts/nginx-conf" "$ROOT/scripts/runtime-dir" "$d/scripts/"
	cp "$ROOT"/nginx/*.conf "$d/nginx/"
	cp -r "$ROOT/migrations" "$d/"
	ln -s "$ROOT/docs/node_modules" "$d/docs/node_modules"
	cp "$FZ_BIN" "$d/fast_zero"
	echo "$d"
}

test_make_run_serves_and_ctrl_c_leaves_nothing() {
	local d port first lines
	d=$(make_checkout)
	port=$(free_port)
	make_run_in "$d" "$port" || fail "make run did not come up"
	assertEquals '{"message":"Olá Mundo!"}' "$(curl -s "http://127.0.0.1:$port/")"
	assertTrue "a fresh .env with a random SECRET_KEY" "grep -qx 'SECRET_KEY=[0-9a-f]\{64\}' '$d/.env'"
	assertEquals "600" "$(stat -c %a "$d/.env")"
	# A run killed outright leaves its sockets and pid file: the next start goes on.
	first=$RUN_DIR
	kill -KILL -- "-$RUN_PID" 2>/dev/null
	wait "$RUN_PID" 2>/dev/null
	[ "$first" = "$d/var" ] || rm -rf "$first" # what the killed run could not remove
	make_run_in "$d" "$port" || fail "make run did not start again after a killed run"
	assertEquals '{"message":"Olá Mundo!"}' "$(curl -s "http://127.0.0.1:$port/")"
	lines=$(wc -l <"$d/out")
	kill -INT -- "-$RUN_PID" # Ctrl-C: the terminal signals the whole group
	wait "$RUN_PID"
	assertEquals "no process of the run is left" "" "$(pgrep -f "$d/var|$RUN_DIR")"
	assertFalse "no socket is left" "[ -e '$RUN_DIR/fast_zero.sock' ] || [ -e '$RUN_DIR/fast_zero-hash.sock' ]"
	[ "$RUN_DIR" = "$d/var" ] || assertFalse "the runtime folder is removed" "[ -e '$RUN_DIR' ]"
	assertEquals "a clean stop says no error: $(tail -n +$((lines + 1)) "$d/out")" "" \
		"$(tail -n +$((lines + 1)) "$d/out" | grep -E 'error|replacing')"
	assertEquals "the checkout's folder is as it was" 700 "$(stat -c %a "$d")"
	rm -rf "$d"
}

# /docs and /redoc whole from a checkout in a private folder: as root,
# nginx's workers (nobody) cannot enter it, and are served from the runtime
# folder.
test_make_run_serves_the_docs_from_a_private_folder() {
	local d port f
	d=$(make_checkout)
	port=$(free_port)
	make_run_in "$d" "$port" || fail "make run did not come up"
	for f in /docs/static/swagger-ui-bundle.js /docs/static/swagger-ui.css /docs/static/favicon-32x32.png \
		/redoc/static/redoc.standalone.js; do
		assertEquals "$f" 200 "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port$f")"
	done
	assertEquals "the bytes of docs/node_modules" "$(cksum <"$ROOT/docs/node_modules/redoc/bundles/redoc.standalone.js")" \
		"$(curl -s "http://127.0.0.1:$port/redoc/static/redoc.standalone.js" | cksum)"
	kill -TERM -- "-$RUN_PID"
	wait "$RUN_PID"
	assertEquals "the checkout's folder is as it was" 700 "$(stat -c %a "$d")"
	rm -rf "$d"
}

test_missing_secret_key_stops_the_start() {
	local out
	out=$(unset SECRET_KEY; DATABASE_URL=sqlite:///x.db in_empty_dir serve 2>&1)
	assertEquals "exit status" 1 $?
	assertEquals "fast_zero: setting SECRET_KEY is missing: set it in the environment or in .env" "$out"
}

test_secret_key_from_dot_env_is_read() {
	local d out
	d=$(mktemp -d)
	printf '# comment\nSECRET_KEY="from-dot-env"\nALGORITHM=HS512\n' >"$d/.env"
	out=$(cd "$d" && env -u SECRET_KEY DATABASE_URL=sqlite:///db ALGORITHM=HS999 "$FZ_BIN" migrate --migrations "$ROOT/migrations" 2>&1)
	assertEquals "the environment wins over .env" "fast_zero: setting ALGORITHM must be HS256, HS384 or HS512" "$out"
	out=$(cd "$d" && env -u SECRET_KEY -u ALGORITHM DATABASE_URL=sqlite:///db "$FZ_BIN" migrate --migrations "$ROOT/migrations" 2>&1)
	assertEquals "$(migrated_line db "$MIGRATIONS")" "$out"
	rm -rf "$d"
}

test_malformed_settings_are_named() {
	local out
	out=$(SECRET_KEY=k DATABASE_URL=mysql://x/y in_empty_dir serve 2>&1)
	assertEquals "fast_zero: setting DATABASE_URL is neither a SQLite URL such as sqlite:///database.db nor a PostgreSQL one such as postgresql://user:password@host:5432/db" "$out"
	out=$(SECRET_KEY=k ACCESS_TOKEN_EXPIRE_MINUTES=soon in_empty_dir serve 2>&1)
	assertEquals "fast_zero: setting ACCESS_TOKEN_EXPIRE_MINUTES must be a whole number of minutes, at least 1" "$out"
	out=$(SECRET_KEY=k WORKERS=-2 in_empty_dir serve 2>&1)
	assertEquals "fast_zero: setting WORKERS must be a whole number from 1 to 1024" "$out"
}

test_unmigrated_database_stops_the_start() {
	local out
	out=$(SECRET_KEY=k DATABASE_URL=sqlite:///fresh.db in_empty_dir serve --migrations "$ROOT/migrations" 2>&1)
	assertEquals 1 $?
	assertEquals "fast_zero: database fresh.db has $MIGRATIONS pending migrations: run fast_zero migrate" "$out"
}

test_unreachable_postgresql_stops_the_start() {
	local out
	out=$(SECRET_KEY=k DATABASE_URL='postgresql://fz:pw@127.0.0.1:1/db?connect_timeout=2' in_empty_dir serve --migrations "$ROOT/migrations" 2>&1)
	assertEquals 1 $?
	assertContains "$out" "fast_zero: database: postgresql: connection to server at \"127.0.0.1\", port 1 failed"
	assertNotContains "the password stays out of the message" "$out" "pw"
}

test_migrate_is_idempotent() {
	local d out
	d=$(mktemp -d)
	out=$(cd "$d" && SECRET_KEY= DATABASE_URL=sqlite:///db "$FZ_BIN" migrate --migrations "$ROOT/migrations")
	assertEquals "$(migrated_line db "$MIGRATIONS")" "$out"
	local schema_before
	schema_before=$(sqlite3 "$d/db" .schema)
	out=$(cd "$d" && DATABASE_URL=sqlite:///db "$FZ_BIN" migrate --migrations "$ROOT/migrations")
	assertEquals "fast_zero: db: 0 migrations applied" "$out"
	assertEquals "$schema_before" "$(sqlite3 "$d/db" .schema)"
	assertEquals "$MIGRATIONS" "$(sqlite3 "$d/db" 'select count(*) from schema_migrations')"
	assertEquals "0600" "$(stat -c %a "$d/db" | xargs printf '%04d')"
	rm -rf "$d"
}

test_migration_rebuilding_users_keeps_its_indexes() {
	local d out
	d=$(mktemp -d)
	mkdir "$d/first"
	cp "$ROOT/migrations/0001_create_users.sql" "$d/first/"
	(cd "$d" && DATABASE_URL=sqlite:///db "$FZ_BIN" migrate --migrations "$d/first" >/dev/null)
	sqlite3 "$d/db" "CREATE INDEX ix_users_created_at ON users (created_at); INSERT INTO users (id, username, password, email) VALUES (7, 'a', 'x', 'a@example.com')"
	(cd "$d" && DATABASE_URL=sqlite:///db "$FZ_BIN" migrate --migrations "$ROOT/migrations" >/dev/null)
	assertEquals "the index is still there" "CREATE INDEX ix_users_created_at ON users (created_at)" \
		"$(sqlite3 "$d/db" "SELECT sql FROM sqlite_master WHERE name = 'ix_users_created_at'")"
	assertEquals "and the row" "7|a" "$(sqlite3 "$d/db" 'SELECT id, username FROM users')"
	sqlite3 "$d/db" "DELETE FROM users WHERE id = 7; INSERT INTO users (username, password, email) VALUES ('b', 'x', 'b@example.com')"
	assertEquals "a deleted id is not given again" 8 "$(sqlite3 "$d/db" 'SELECT id FROM users')"
	rm -rf "$d"
}

# A migration that cannot be read, or whose SQL fails, is named with its own
# cause; nothing of it is applied.
test_failed_migration_says_why() {
	local d out
	d=$(mktemp -d)
	cp -r "$ROOT/migrations" "$d/m"
	mkdir "$d/m/9998_unreadable.sql"
	out=$(cd "$d" && DATABASE_URL=sqlite:///db "$FZ_BIN" migrate --migrations "$d/m" 2>&1)
	assertEquals "exit status" 1 $?
	assertEquals "fast_zero: migrate: migration 9998_unreadable.sql: cannot read $d/m/9998_unreadable.sql: Is a directory" "$out"
	rmdir "$d/m/9998_unreadable.sql"
	printf 'CREATE TABLE scratch (id INTEGER PRIMARY KEY);\nCREATE TABLEX;\n' >"$d/m/9999_broken.sql"
	out=$(cd "$d" && DATABASE_URL=sqlite:///db "$FZ_BIN" migrate --migrations "$d/m" 2>&1)
	assertEquals "exit status" 1 $?
	assertEquals 'fast_zero: migrate: migration 9999_broken.sql: near "TABLEX": syntax error' "$out"
	assertEquals "nothing of it applied" "" "$(sqlite3 "$d/db" "SELECT name FROM sqlite_master WHERE name = 'scratch'")"
	assertEquals "the tree's migrations only" "$MIGRATIONS" "$(sqlite3 "$d/db" 'SELECT count(*) FROM schema_migrations')"
	rm -rf "$d"
}

test_migrate_adopts_an_alembic_database() {
	local d out
	d=$(mktemp -d)
	sqlite3 "$d/database.db" <<'SQL'
CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL, CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num));
INSERT INTO alembic_version VALUES ('74f39286e2f6');
CREATE TABLE users (id INTEGER NOT NULL, username VARCHAR NOT NULL, password VARCHAR NOT NULL, email VARCHAR NOT NULL, created_at DATETIME DEFAULT (CURRENT_TIMESTAMP) NOT NULL, PRIMARY KEY (id), UNIQUE (email), UNIQUE (username));
INSERT INTO users (username, password, email) VALUES ('alice', 'x', 'alice@example.com');
SQL
	out=$(cd "$d" && DATABASE_URL=sqlite+aiosqlite:///database.db "$FZ_BIN" migrate --migrations "$ROOT/migrations")
	assertEquals "every migration but 0001, which Alembic made" "$(migrated_line database.db $((MIGRATIONS - 1)))" "$out"
	assertEquals 1 "$(sqlite3 "$d/database.db" 'select count(*) from schema_migrations where version = 1')"
	assertEquals "alice" "$(sqlite3 "$d/database.db" 'select username from users')"
	rm -rf "$d"
}

test_version_and_help() {
	assertEquals "fast_zero 0.1.0" "$("$FZ_BIN" version)"
	assertContains "$("$FZ_BIN" --help)" "SECRET_KEY"
	assertContains "$("$FZ_BIN" help serve)" "--workers N"
	assertContains "$("$FZ_BIN" help migrate)" "Alembic"
	"$FZ_BIN" frobnicate 2>/dev/null
	assertEquals 2 $?
}

. "$(dirname "$0")/../lib/report.sh"
. shunit2

#!/bin/bash
# backends: sqlite
# test_ops.sh -- running it in production: GET /metrics (parsed with the
# real Prometheus parser, its counters moving by what was sent), who may
# read it, `fast_zero status` under load, MAX_REQUESTS recycling, the
# REQUEST_KILL_TIMEOUT kill, the slow log and the audit log. Each test runs
# on a stack of its own, with the settings it is about; on SQLite only,
# whose write lock another process can hold (lock_db) to keep a request busy.
SUITE_NAME=ops
. "$(dirname "$0")/../lib/stack.sh"

JSON=(-H 'Content-Type: application/json')
PROM=$ROOT/tests/lib/prom.py
LOCK_PID=
AUDIT_DIR=

suiteTearDown() {
	unlock_db
	stack_stop
	[ -n "$AUDIT_DIR" ] && rm -rf "$AUDIT_DIR"
	AUDIT_DIR=
}

# scrape FILE: GET /metrics, parsed, one sample a line, into FILE.
scrape() {
	curl -s "$BASE_URL/metrics" >"$1.raw" || return 1
	"$PROM" <"$1.raw" >"$1"
}

# sample FILE 'name{labels}': its value in a scrape (0 when absent).
sample() {
	local v
	v=$(grep -F -- "$2 " "$1" | head -1 | awk '{print $NF}')
	echo "${v:-0}"
}

# moved BEFORE AFTER 'name{labels}' N: the sample grew by exactly N.
moved() {
	assertEquals "$3 moved by" "$4" "$(($(sample "$2" "$3") - $(sample "$1" "$3")))"
}

register() {
	http POST /users/ "${JSON[@]}" -d "{\"username\":\"$1\",\"email\":\"$1@example.com\",\"password\":\"$2\"}"
}

login() {
	http POST /auth/token --data-urlencode "username=$1" --data-urlencode "password=$2"
	TOKEN=$(printf '%s' "$BODY" | jq -r '.access_token // empty' 2>/dev/null)
}

K='method="GET",route="/users/{user_id}"'

test_metrics_parse_and_count_what_was_sent() {
	stack_start || return
	register ann pw-ann
	assertEquals 201 "$STATUS"
	scrape "$STACK_DIR/m1" || fail "the first scrape does not parse: $(head -c 300 "$STACK_DIR/m1.raw")"
	http GET /metrics
	assertEquals "text/plain; version=0.0.4; charset=utf-8" "$(header Content-Type)"
	for _ in 1 2 3; do http GET /users/999; done
	for _ in 1 2; do http GET /users/1; done
	http GET /users/abc
	http GET /nope
	login ann@example.com pw-ann
	assertEquals 200 "$STATUS"
	login ann@example.com wrong
	login ann@example.com wrong
	login nobody@example.com pw-ann
	lock_db && {
		register ben pw-ben
		assertEquals "a write under the lock" 503 "$STATUS"
		unlock_db
	}
	scrape "$STACK_DIR/m2" || fail "the second scrape does not parse: $(head -c 300 "$STACK_DIR/m2.raw")"
	local a=$STACK_DIR/m1 b=$STACK_DIR/m2
	moved "$a" "$b" "fast_zero_requests_total{$K,status=\"404\"}" 3
	moved "$a" "$b" "fast_zero_requests_total{$K,status=\"200\"}" 2
	moved "$a" "$b" "fast_zero_requests_total{$K,status=\"422\"}" 1
	moved "$a" "$b" 'fast_zero_requests_total{method="",route="unrouted",status="404"}' 1
	moved "$a" "$b" 'fast_zero_requests_total{method="POST",route="/auth/token",status="401"}' 3
	moved "$a" "$b" 'fast_zero_requests_total{method="POST",route="/users",status="503"}' 1
	moved "$a" "$b" 'fast_zero_requests_total{method="GET",route="/metrics",status="200"}' 2
	moved "$a" "$b" "fast_zero_request_duration_seconds_count{$K}" 6
	moved "$a" "$b" "fast_zero_request_duration_seconds_bucket{le=\"+Inf\",$K}" 6
	moved "$a" "$b" 'fast_zero_logins_total{outcome="success"}' 1
	moved "$a" "$b" 'fast_zero_logins_total{outcome="bad_password"}' 2
	moved "$a" "$b" 'fast_zero_logins_total{outcome="unknown_email"}' 1
	moved "$a" "$b" 'fast_zero_storage_errors_total{kind="busy"}' 1
	moved "$a" "$b" 'fast_zero_worker_restarts_total{cause="crashed"}' 0
	assertEquals "every worker counted" "$POOL_SIZE" \
		"$(grep '^fast_zero_workers{' "$b" | awk '{n += $NF} END {print n}')"
	assertEquals "hash workers" "$((4 * $(nproc)))" \
		"$(grep '^fast_zero_workers{socket="hash"' "$b" | awk '{n += $NF} END {print n}')"
	assertEquals "the scrape sees itself handled" 1 "$(sample "$b" 'fast_zero_workers{socket="main",state="handling"}')"
	assertEquals "the hash queue is empty" 0 "$(sample "$b" 'fast_zero_hash_queue_depth{}')"
	assertTrue "accepted connections counted" "[ $(sample "$b" 'fast_zero_accepted_connections_total{socket="hash"}') -ge 5 ]"
	# a worker killed is a restart, by cause: counted once the supervisor
	# has reaped it (and started its successor)
	local victim
	victim=$(worker_pids | head -1)
	kill -KILL "$victim"
	wait_until 60 pool_whole "$victim" || fail "worker $victim was not replaced"
	scrape "$STACK_DIR/m3"
	moved "$b" "$STACK_DIR/m3" 'fast_zero_worker_restarts_total{cause="crashed"}' 1
}

test_metrics_only_for_the_allowed_addresses() {
	export METRICS_ALLOW="192.0.2.0/24" # nginx's setting (scripts/nginx-conf)
	stack_start
	local rc=$?
	unset METRICS_ALLOW
	[ $rc = 0 ] || return
	http GET /metrics
	assertHttp 404 '{"detail":"Not Found"}'
	assertEquals "application/json" "$(header Content-Type)"
	http GET /metrics/
	assertHttp 404 '{"detail":"Not Found"}'
	http GET /
	assertHttp 200 '{"message":"Olá Mundo!"}'
}

test_status_shows_a_busy_pool() {
	stack_start || return
	register ann pw-ann
	# a burst of logins keeps the hash workers hashing, lists keep the others busy
	local seen=0 json pids=()
	for i in $(seq 1 8); do
		curl -s -o /dev/null -X POST "$BASE_URL/auth/token" -d "username=ann@example.com&password=wrong$i" &
		pids+=($!)
	done
	# Looked at for as long as the logins are in flight (hashing is most of
	# their time), however long that is.
	local deadline=$((SECONDS + 60))
	while [ "$SECONDS" -lt "$deadline" ]; do
		json=$("$FZ_BIN" status --json --listen "unix:$SOCKET") || break
		if printf '%s' "$json" | jq -e '[.workers[] | select(.state == "hashing" and .route == "/auth/token"
			and .method == "POST" and (.request_id | test("^[0-9a-f]{32}$")))] | length > 0' >/dev/null; then
			seen=1
			break
		fi
		any_alive "${pids[@]}" || break
		sleep 0.05
	done
	assertEquals "status --json showed a worker hashing a login: $json" 1 "$seen"
	assertEquals "every worker listed" "$POOL_SIZE" "$(printf '%s' "$json" | jq '.workers | length')"
	assertEquals "the supervisor" "$FZ_PID" "$(printf '%s' "$json" | jq '.supervisor_pid')"
	local table
	table=$("$FZ_BIN" status --listen "unix:$SOCKET")
	assertEquals "status exits 0" 0 $?
	assertContains "$table" "pid      socket state"
	assertEquals "one line per worker" "$POOL_SIZE" "$(printf '%s\n' "$table" | grep -cE '^[0-9]+ +(main|hash|list) ')"
	wait "${pids[@]}"
	# A worker counts a request once its answer is sent, maybe just after
	# the client has it.
	wait_until 60 hash_served_at_least 9
	json=$("$FZ_BIN" status --json --pid-file "$STACK_DIR/fz.pid")
	assertTrue "the logins were counted as served" \
		"[ $(printf '%s' "$json" | jq '[.workers[] | select(.socket == "hash") | .served] | add') -ge 9 ]"
	"$FZ_BIN" status --pid-file "$STACK_DIR/none.pid" 2>"$STACK_DIR/err"
	assertEquals "no pool: status 1" 1 $?
	assertContains "$(cat "$STACK_DIR/err")" "none.pid"
}

# any_alive PID...: one of them still runs.
any_alive() {
	local p
	for p; do kill -0 "$p" 2>/dev/null && return 0; done
	return 1
}

# hash_served_at_least N: the hash workers have answered N requests.
hash_served_at_least() {
	[ "$("$FZ_BIN" status --json --listen "unix:$SOCKET" |
		jq '[.workers[] | select(.socket == "hash") | .served] | add')" -ge "$1" ]
}

# recycled N: every worker that served its N requests (MAX_REQUESTS) has
# been replaced: the pool whole, each of its workers under N.
recycled() {
	pool_whole && "$FZ_BIN" status --json --listen "unix:$SOCKET" |
		jq -e --argjson n "$1" '[.workers[] | select(.served >= $n)] | length == 0' >/dev/null
}

test_max_requests_recycles_without_refusing_any() {
	stack_start MAX_REQUESTS=3 || return
	local before after codes
	before=$(worker_pids)
	codes=$(for i in $(seq 1 60); do
		curl -s -o /dev/null -w '%{http_code}\n' "$BASE_URL/users/$i" &
	done | sort | uniq -c | awk '{print $2 "x" $1}')
	assertEquals "every answer a 404, none refused" "404x60" "$codes"
	for _ in $(seq 1 30); do
		http GET /
		assertEquals 200 "$STATUS"
	done
	wait_until 60 recycled 3 || fail "the workers that served 3 requests were not all replaced"
	after=$(worker_pids)
	assertEquals "the pool is whole" "$POOL_SIZE" "$(echo "$after" | wc -l)"
	assertNotEquals "workers were replaced" "$before" "$after"
	assertTrue "the log says why" "grep -q 'served its 3 requests (MAX_REQUESTS)' '$STACK_DIR/log'"
	scrape "$STACK_DIR/m"
	assertTrue "restarts counted" "[ $(sample "$STACK_DIR/m" 'fast_zero_worker_restarts_total{cause="max_requests"}') -ge 20 ]"
	assertEquals "none crashed" 0 "$(sample "$STACK_DIR/m" 'fast_zero_worker_restarts_total{cause="crashed"}')"
	assertNull "no error logged" "$(grep ": error: " "$STACK_DIR/log" | head -3)"
}

test_max_requests_option_wins_and_is_checked() {
	"$FZ_BIN" serve --max-requests 0 2>"${TMPDIR:-/tmp}/fz_mr.$$"
	assertEquals "--max-requests 0 refused" 2 $?
	assertContains "$(cat "${TMPDIR:-/tmp}/fz_mr.$$")" "--max-requests takes a number"
	rm -f "${TMPDIR:-/tmp}/fz_mr.$$"
	MAX_REQUESTS=x SECRET_KEY=k "$FZ_BIN" serve 2>&1 | grep -q "setting MAX_REQUESTS must be"
	assertTrue "a bad MAX_REQUESTS is refused" $?
	REQUEST_KILL_TIMEOUT=-1 SECRET_KEY=k "$FZ_BIN" serve 2>&1 | grep -q "setting REQUEST_KILL_TIMEOUT must be"
	assertTrue "a bad REQUEST_KILL_TIMEOUT is refused" $?
}

# A registration stuck on the write lock is killed at REQUEST_KILL_TIMEOUT.
# The limit leaves room for the hash before the write (0.1 s, seconds on a
# loaded machine), which the next registration needs too. (A request nginx
# may send again, a PUT or a DELETE, would be killed again on its next try.)
test_a_stuck_request_is_killed_and_answered_502() {
	stack_start REQUEST_TIMEOUT=20 REQUEST_KILL_TIMEOUT=5 || return
	lock_db || return
	local t0 t1
	t0=$(date +%s%N)
	register ann pw-ann
	t1=$(date +%s%N)
	assertHttp 502 '{"detail":"Bad Gateway"}'
	assertEquals "application/json" "$(header Content-Type)"
	# answered by the kill, long before the request's own time limit (20 s)
	assertTrue "answered before the time limit ($(((t1 - t0) / 1000000)) ms)" "[ $(((t1 - t0) / 1000000)) -lt 20000 ]"
	unlock_db
	local line id after victim
	line=$(grep 'REQUEST_KILL_TIMEOUT' "$STACK_DIR/log" | head -1)
	assertTrue "the kill is logged with the route: $line" \
		"echo '$line' | grep -qE 'worker [0-9]+ still on request [0-9a-f]{32} \(POST /users\) after [0-9]+ ms'"
	# ... at the limit, as the supervisor (which looks every 0.1 s)
	# measured it: not before, nor long after
	after=$(echo "$line" | sed -n 's/.* after \([0-9]*\) ms.*/\1/p')
	assertTrue "killed at its limit (after ${after:-?} ms)" "[ ${after:-0} -ge 5000 ] && [ ${after:-0} -lt 9500 ]"
	id=$(echo "$line" | grep -oE '[0-9a-f]{32}')
	assertTrue "the request id is the 502's" "grep -q '\" 502 .*id=$id' '$STACK_DIR/access.log'"
	victim=$(echo "$line" | sed -n 's/.*worker \([0-9]*\) still.*/\1/p')
	wait_until 60 pool_whole "$victim"
	assertEquals "the pool is whole again" "$POOL_SIZE" "$(worker_pids | wc -l)"
	register ann pw-ann
	assertEquals "the next registration" 201 "$STATUS"
	scrape "$STACK_DIR/m"
	assertEquals 1 "$(sample "$STACK_DIR/m" 'fast_zero_worker_restarts_total{cause="stuck"}')"
}

# A slow request is logged, with where its time went. The slow one waits for
# the write lock until its time limit (2 s), whatever the machine's speed;
# GET / takes far less than SLOW_REQUEST_MS (1 s).
test_slow_requests_are_logged() {
	stack_start SLOW_REQUEST_MS=1000 REQUEST_TIMEOUT=2 || return
	http GET /
	lock_db || return
	register ann pw-ann
	assertEquals 503 "$STATUS"
	local id
	id=$(header X-Request-Id)
	unlock_db
	http GET /
	assertTrue "a slow registration is logged: $(grep slow "$STACK_DIR/log")" \
		"grep -qE 'info: slow request $id: POST /users 503 in [0-9]+ ms \(hashing [0-9]+ ms, store [0-9]+ ms\)$' '$STACK_DIR/log'"
	assertEquals "only the slow one" 1 "$(grep -c 'slow request' "$STACK_DIR/log")"
}

# audit_reopened FILE: no worker still has the file renamed FILE.1 open
# (each reopens FILE on SIGUSR1).
audit_reopened() {
	local p
	for p in $(worker_pids); do
		find "/proc/$p/fd" -lname "$1.1" 2>/dev/null | grep -q . && return 1
	done
	return 0
}

# audit FILTER: the audit lines (jq -c) that FILTER selects.
audit() {
	jq -c "select($1)" "$AUDIT_DIR/audit.log"
}

test_audit_log_records_each_auth_event_and_no_secret() {
	AUDIT_DIR=$(mktemp -d)
	local log=$AUDIT_DIR/audit.log pw1 pw2 pw3 t1 t2 t3 line
	pw1="pw-$(od -An -N6 -tx1 /dev/urandom | tr -d ' \n')"
	pw2="pw-$(od -An -N6 -tx1 /dev/urandom | tr -d ' \n')"
	pw3="pw-$(od -An -N6 -tx1 /dev/urandom | tr -d ' \n')"
	export AUDIT_LOG=$log # the pool's, and nginx's for the logins it throttles
	stack_start
	local rc=$?
	unset AUDIT_LOG
	[ $rc = 0 ] || return
	register ann "$pw1"
	register ben "$pw2"
	login ann@example.com "$pw1"
	t1=$TOKEN
	login ann@example.com "$pw2"
	login nobody@example.com "$pw1"
	http POST /auth/refresh_token -H "Authorization: Bearer $t1"
	t2=$(printf '%s' "$BODY" | jq -r .access_token)
	send_json PUT /users/1 "{\"username\":\"ann2\",\"email\":\"ann@example.com\",\"password\":\"$pw3\"}" -H "Authorization: Bearer $t1"
	assertEquals 200 "$STATUS"
	login ann@example.com "$pw3" # a new password: the older tokens are refused
	t3=$TOKEN
	http DELETE /users/2 -H "Authorization: Bearer $t3"
	assertEquals 403 "$STATUS"
	local forbidden_id
	forbidden_id=$(header X-Request-Id)
	http DELETE /users/1 -H "Authorization: Bearer $t3"
	assertEquals 200 "$STATUS"
	# a burst past the login throttle (20 at once, then 10 a second): nginx
	# answers 429 and writes the line. 100 empty logins (422), 40 at a time
	# from one curl.
	curl -s --no-progress-meter -Z --parallel-immediate --parallel-max 40 -o /dev/null \
		-X POST "$BASE_URL/auth/token?[1-100]"
	mv "$log" "$log.1" # a rotation: the file is renamed, then the workers reopen it
	kill -USR1 "$FZ_PID"
	wait_until 60 audit_reopened "$log" || fail "the workers still write $log.1"
	login ben@example.com "$pw2"
	assertTrue "after SIGUSR1 the workers write the new file" "[ -s '$log' ]"
	cat "$log.1" "$log" >"$AUDIT_DIR/all" && mv "$AUDIT_DIR/all" "$log"
	assertTrue "every line is JSON" "jq -e . '$log' >/dev/null"
	assertEquals "two creations" 2 "$(audit '.event == "user_created"' | wc -l)"
	line=$(audit '.event == "login" and .outcome == "success"' | head -1)
	assertEquals "login success" '"127.0.0.1" 1 "ann@example.com"' "$(echo "$line" | jq -r '[.client, .user_id, .email] | map(tojson) | join(" ")')"
	assertTrue "a UTC timestamp" "echo '$line' | jq -e '.time | test(\"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}[.][0-9]{3}Z$\")' >/dev/null"
	assertTrue "a request id" "echo '$line' | jq -e '.request_id | test(\"^[0-9a-f]{32}$\")' >/dev/null"
	assertEquals "bad password" 1 "$(audit '.reason == "bad_password" and .user_id == 1' | wc -l)"
	assertEquals "unknown email" 1 "$(audit '.reason == "unknown_email" and .user_id == null and .email == "nobody@example.com"' | wc -l)"
	assertEquals "refresh" 1 "$(audit '.event == "token_refreshed" and .user_id == 1' | wc -l)"
	assertEquals "update, which fields" '["username","password"]' "$(audit '.event == "user_updated" and .user_id == 1' | jq -c .changed)"
	assertEquals "a 403 on another's id" 1 "$(audit ".event == \"forbidden\" and .user_id == 1 and .target_user_id == 2 and .method == \"DELETE\" and .request_id == \"$forbidden_id\"" | wc -l)"
	assertEquals "deleted" 1 "$(audit '.event == "user_deleted" and .user_id == 1' | wc -l)"
	assertTrue "throttled logins, from nginx" "[ $(audit '.reason == "throttled" and .client == "127.0.0.1"' | wc -l) -ge 1 ]"
	assertFalse "nothing of the audit on stderr" "grep -q '\"event\"' '$STACK_DIR/log'"
	local s hit
	for s in "$pw1" "$pw2" "$pw3" "$t1" "$t2" "$t3" "${t1##*.}" '$argon2' test-secret-key; do
		hit=$(grep -F -- "$s" "$log" | head -1)
		assertNull "the audit log holds '${s:0:20}': $hit" "$hit"
	done
}

# A peer other than nginx chooses the request id (FastCGI has no
# authentication): one that is not a short plain token is not taken, so no
# log line, status table or header carries its bytes; and any control
# character a log line would hold is written escaped.
test_a_request_id_with_control_characters_reaches_no_log_raw() {
	stack_start REQUEST_TIMEOUT=1 || return
	local evil='abc\x1b[31m\nfast_zero[1]: error: forged' out
	out=$("$ROOT/tests/lib/fcgi.py" "$SOCKET" REQUEST_METHOD=GET DOCUMENT_URI=/ "REQUEST_ID=$evil")
	assertContains "answered" "$out" "Status: 200 OK"
	assertNotContains "no X-Request-Id from it" "$out" "X-Request-Id"
	# A registration held by the database's lock: in the status table while
	# it waits, then answered 503 at its time limit, and logged.
	lock_db || return
	printf '{"username":"eve","email":"eve@example.com","password":"pw"}' |
		"$ROOT/tests/lib/fcgi.py" --stdin "$SOCKET" REQUEST_METHOD=POST DOCUMENT_URI=/users/ \
			CONTENT_TYPE=application/json "REQUEST_ID=$evil" >"$STACK_DIR/evil.out" &
	local client=$! status=""
	for _ in $(seq 100); do
		status=$("$FZ_BIN" status --pid-file "$STACK_DIR/fz.pid")
		echo "$status" | grep -q 'POST /users' && break
		sleep 0.05
	done
	wait "$client"
	unlock_db
	assertContains "the status shows the request: $status" "$status" "POST /users"
	assertNotContains "without the id's bytes" "$status" "abc"
	assertContains "answered 503" "$(cat "$STACK_DIR/evil.out")" "Status: 503"
	assertTrue "logged, without the id: $(grep 'storage busy' "$STACK_DIR/log")" \
		"grep -q 'error: request -: storage busy' '$STACK_DIR/log'"
	assertFalse "no ESC in the log" "grep -q $'\x1b' '$STACK_DIR/log'"
	assertFalse "no line forged" "grep -q '^fast_zero\[1\]' '$STACK_DIR/log'"
}

# One audit line per login, whatever the client typed: a 1 MB username is
# cut to an email's 254 characters, and the line says so.
test_audit_lines_are_bounded() {
	AUDIT_DIR=$(mktemp -d)
	export AUDIT_LOG=$AUDIT_DIR/audit.log
	stack_start
	local rc=$?
	unset AUDIT_LOG
	[ $rc = 0 ] || return
	{ printf 'username='; head -c 1000000 /dev/zero | tr '\0' a; printf '@example.com&password=x'; } >"$AUDIT_DIR/body"
	http POST /auth/token --data-binary "@$AUDIT_DIR/body"
	assertHttp 401 '{"detail":"Incorrect email or password"}'
	local line
	line=$(audit '.event == "login"')
	assertEquals "one line" 1 "$(echo "$line" | wc -l)"
	assertTrue "a short one: ${#line} bytes" "[ ${#line} -lt 600 ]"
	assertEquals "cut, and marked" "254 true unknown_email" "$(echo "$line" | jq -r '"\(.email | length) \(.email_truncated) \(.reason)"')"
	assertEquals "what the client sent, from its start" "$(printf 'a%.0s' $(seq 254))" "$(echo "$line" | jq -r .email)"
}

# FastCGI peers refused by --allow can connect thousands of times a second:
# the first refusal is logged, the others counted.
test_refused_peers_are_logged_once_then_counted() {
	local d port
	d=$(mktemp -d)
	port=$(free_port)
	(cd "$d" && DATABASE_URL="sqlite:///$d/db" "$FZ_BIN" migrate --migrations "$ROOT/migrations" >/dev/null)
	(cd "$d" && exec env SECRET_KEY=k DATABASE_URL="sqlite:///$d/db" "$FZ_BIN" serve --workers 1 \
		--listen "127.0.0.1:$port" --allow 127.0.0.2 --pid-file "$d/pid" --migrations "$ROOT/migrations" 2>"$d/log") &
	local pid=$!
	for _ in $(seq 100); do (echo >"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break; sleep 0.05; done
	"$PY" - "$port" <<'PY'
import socket, sys
for _ in range(199):
    s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
    s.recv(1)
    s.close()
PY
	kill -TERM "$pid"
	wait "$pid"
	assertEquals "one line said it: $(grep -c refused "$d/log")" 1 "$(grep -c 'error: refused a FastCGI connection from 127.0.0.1: not in --allow' "$d/log")"
	assertEquals "the rest counted" 199 "$(sed -n 's/.*\.\.\. and \([0-9]*\) more refused FastCGI connections in 10 s$/\1/p' "$d/log" | awk '{ s += $1 } END { print s + 0 }')"
	rm -rf "$d"
}

. "$(dirname "$0")/../lib/report.sh"
. shunit2

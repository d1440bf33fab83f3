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
	# a worker killed is a restart, by cause
	kill -KILL "$(worker_pids | head -1)"
	sleep 0.5
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
	for _ in $(seq 1 40); do
		json=$("$FZ_BIN" status --json --listen "unix:$SOCKET") || break
		if printf '%s' "$json" | jq -e '[.workers[] | select(.state == "hashing" and .route == "/auth/token"
			and .method == "POST" and (.request_id | test("^[0-9a-f]{32}$")))] | length > 0' >/dev/null; then
			seen=1
			break
		fi
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
	json=$("$FZ_BIN" status --json --pid-file "$STACK_DIR/fz.pid")
	assertTrue "the logins were counted as served" \
		"[ $(printf '%s' "$json" | jq '[.workers[] | select(.socket == "hash") | .served] | add') -ge 9 ]"
	"$FZ_BIN" status --pid-file "$STACK_DIR/none.pid" 2>"$STACK_DIR/err"
	assertEquals "no pool: status 1" 1 $?
	assertContains "$(cat "$STACK_DIR/err")" "none.pid"
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
	sleep 0.3
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

test_a_stuck_request_is_killed_and_answered_502() {
	stack_start REQUEST_TIMEOUT=20 REQUEST_KILL_TIMEOUT=0.5 || return
	lock_db || return
	local t0 t1
	t0=$(date +%s%N)
	register ann pw-ann
	t1=$(date +%s%N)
	assertHttp 502 '{"detail":"Bad Gateway"}'
	assertEquals "application/json" "$(header Content-Type)"
	assertTrue "killed near its limit ($(((t1 - t0) / 1000000)) ms)" "[ $(((t1 - t0) / 1000000)) -lt 5000 ]"
	unlock_db
	local line id
	line=$(grep 'REQUEST_KILL_TIMEOUT' "$STACK_DIR/log" | head -1)
	assertTrue "the kill is logged with the route: $line" \
		"echo '$line' | grep -qE 'worker [0-9]+ still on request [0-9a-f]{32} \(POST /users\) after [0-9]+ ms'"
	id=$(echo "$line" | grep -oE '[0-9a-f]{32}')
	assertTrue "the request id is the 502's" "grep -q '\" 502 .*id=$id' '$STACK_DIR/access.log'"
	sleep 0.3
	assertEquals "the pool is whole again" "$POOL_SIZE" "$(worker_pids | wc -l)"
	register ann pw-ann
	assertEquals "the next registration" 201 "$STATUS"
	scrape "$STACK_DIR/m"
	assertEquals 1 "$(sample "$STACK_DIR/m" 'fast_zero_worker_restarts_total{cause="stuck"}')"
}

test_slow_requests_are_logged() {
	stack_start SLOW_REQUEST_MS=50 || return
	http GET /
	login nobody@example.com pw
	assertEquals 401 "$STATUS"
	local id
	id=$(header X-Request-Id)
	assertTrue "a slow login is logged: $(grep slow "$STACK_DIR/log")" \
		"grep -qE 'info: slow request $id: POST /auth/token 401 in [0-9]+ ms \(hashing [0-9]+ ms, store [0-9]+ ms\)$' '$STACK_DIR/log'"
	assertEquals "only the slow one" 1 "$(grep -c 'slow request' "$STACK_DIR/log")"
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
	# a burst past the login throttle: nginx answers 429 and writes the line
	local burst=()
	for _ in $(seq 1 40); do
		curl -s -o /dev/null -X POST "$BASE_URL/auth/token" &
		burst+=($!)
	done
	wait "${burst[@]}"
	mv "$log" "$log.1" # a rotation: the file is renamed, then the workers reopen it
	kill -USR1 "$FZ_PID"
	sleep 0.3
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

. "$(dirname "$0")/../lib/report.sh"
. shunit2

#!/bin/bash
# backends: sqlite
# test_faults.sh -- the stack under faults: a database locked past its busy
# timeout, the whole stack killed with SIGKILL in the middle of
# registrations, a full disk, a read-only disk, and no secret in any log.
# Each test runs on a stack of its own. The disk tests need root and tmpfs
# mounts; where mounting is not permitted they are skipped (and say so).
SUITE_NAME=faults
. "$(dirname "$0")/../lib/stack.sh"

UNAVAILABLE='{"detail":"Service Unavailable"}'
JSON=(-H 'Content-Type: application/json')
MOUNTS=()
LOCK_PID=

setUp() {
	endSkipping
	MOUNTS=()
	LOCK_PID=
	stack_start || fail "the stack did not start"
}

# After each test (report.sh's tearDown calls it): release the lock, stop
# the stack, unmount what the test mounted (before stack_stop removes the
# folder they are in).
suiteTearDown() {
	local m
	unlock_db
	kill -TERM "$FZ_PID" "$NGINX_PID" 2>/dev/null
	wait "$FZ_PID" "$NGINX_PID" 2>/dev/null
	for m in "${MOUNTS[@]}"; do
		mount -o remount,rw "$m" 2>/dev/null
		umount "$m" 2>/dev/null || umount -l "$m"
	done
	MOUNTS=()
	stack_stop
}

# register USERNAME PASSWORD [STATUS]: POST /users/ with USERNAME@example.com.
register() {
	http POST /users/ "${JSON[@]}" -d "{\"username\":\"$1\",\"email\":\"$1@example.com\",\"password\":\"$2\"}"
	assertEquals "register $1" "${3:-201}" "$STATUS"
}

# login USERNAME PASSWORD -> sets TOKEN on success
login() {
	http POST /auth/token --data-urlencode "username=$1@example.com" --data-urlencode "password=$2"
	TOKEN=$(printf '%s' "$BODY" | jq -r '.access_token // empty' 2>/dev/null)
}

assert503() { # LABEL: the last answer is the contract's 503 with a Retry-After
	assertEquals "$1: status" 503 "$STATUS"
	assertEquals "$1: body" "$UNAVAILABLE" "$BODY"
	assertEquals "$1: Content-Type" application/json "$(header Content-Type)"
	assertTrue "$1: Retry-After is a number of seconds ('$(header Retry-After)')" "[[ '$(header Retry-After)' =~ ^[1-9][0-9]*$ ]]"
}

integrity_ok() { # LABEL
	assertEquals "$1: PRAGMA integrity_check" ok "$(sqlite3 "$DB" 'PRAGMA integrity_check')"
}

# migrate_db PATH: a migrated database at PATH, as stack_start makes one.
migrate_db() {
	(cd "$STACK_DIR" && env SECRET_KEY=test-secret-key DATABASE_URL="sqlite:///$1" \
		"$FZ_BIN" migrate --migrations "$ROOT/migrations") >>"$STACK_DIR/log" 2>&1
}

# serve_on PATH: the pool stopped, then started again on the database at
# PATH (nginx and the socket stay). 0 when it answers GET /.
serve_on() {
	kill -TERM "$FZ_PID" 2>/dev/null
	wait "$FZ_PID" 2>/dev/null
	DB=$1 STACK_URL=sqlite:///$1
	stack_serve "${STACK_ENV[@]}"
	stack_wait
}

# Whether this machine lets us mount a tmpfs (root, CAP_SYS_ADMIN).
can_mount_tmpfs() {
	local d
	[ "$(id -u)" -eq 0 ] || return 1
	d=$(mktemp -d) || return 1
	if mount -t tmpfs -o size=1m tmpfs "$d" 2>/dev/null; then
		umount "$d"
		rmdir "$d"
		return 0
	fi
	rmdir "$d"
	return 1
}

# small_disk SIZE: a tmpfs of SIZE at $STACK_DIR/disk, unmounted after the test.
small_disk() {
	DISK=$STACK_DIR/disk
	mkdir -p "$DISK"
	mount -t tmpfs -o "size=$1,mode=0700" tmpfs "$DISK" || return 1
	MOUNTS+=("$DISK")
}

skip_without_mounts() {
	can_mount_tmpfs && return 1
	echo "# SKIPPED ${_shunit_test_}: mounting a tmpfs is not permitted here (needs root and CAP_SYS_ADMIN)"
	startSkipping
	return 0
}

# timed NAME METHOD PATH [curl args]: a request in the background; its
# status, time, headers and body land in $STACK_DIR/NAME.{code,headers,body}.
timed() {
	local name=$1 method=$2 path=$3
	shift 3
	curl -s -X "$method" -D "$STACK_DIR/$name.headers" -o "$STACK_DIR/$name.body" \
		-w '%{http_code} %{time_total}' "$@" "$BASE_URL$path" >"$STACK_DIR/$name.code" &
}
# result NAME: STATUS, BODY, HEADERS and TIME of a timed request (after wait).
result() {
	read -r STATUS TIME <"$STACK_DIR/$1.code"
	BODY=$(cat "$STACK_DIR/$1.body")
	HEADERS=$STACK_DIR/$1.headers
}

# writes_in_hand: a worker has each of the test's three writes in hand.
writes_in_hand() {
	"$FZ_BIN" status --json --listen "unix:$SOCKET" | jq -e '[.workers[] | "\(.method) \(.route)"] as $in_hand
		| ["POST /users", "PUT /users/{user_id}", "DELETE /users/{user_id}"] - $in_hand | length == 0' >/dev/null
}

test_busy_database_answers_503_while_reads_go_on() {
	local i
	register alice alice-pw
	login alice alice-pw
	[ -n "$TOKEN" ] || TOKEN=$("$PY" - <<'PY'
import base64, hashlib, hmac, json, time
b = lambda d: base64.urlsafe_b64encode(json.dumps(d, separators=(",", ":")).encode()).rstrip(b"=")
m = b({"alg": "HS256", "typ": "JWT"}) + b"." + b({"sub": "alice@example.com", "exp": int(time.time()) + 600})
print((m + b"." + base64.urlsafe_b64encode(hmac.new(b"test-secret-key", m, hashlib.sha256).digest()).rstrip(b"=")).decode())
PY
	)
	lock_db || return
	timed post POST /users/ "${JSON[@]}" -d '{"username":"bob","email":"bob@example.com","password":"bob-pw"}'
	local post=$!
	timed put PUT /users/1 "${JSON[@]}" -H "Authorization: Bearer $TOKEN" \
		-d '{"username":"alice2","email":"alice@example.com","password":"alice-pw"}'
	local put=$!
	timed del DELETE /users/1 -H "Authorization: Bearer $TOKEN"
	local del=$!
	# WAL readers never wait for the writer: read once the three writes are
	# in workers' hands (hashing first, or waiting for the lock)
	wait_until 60 writes_in_hand || fail "the writes did not reach the pool: $("$FZ_BIN" status --json --listen "unix:$SOCKET")"
	for i in 1 2 3; do
		for path in / /users/ /users/1 "/users/?offset=0&limit=1"; do
			http GET "$path" -m 2
			assertEquals "GET $path under the lock" 200 "$STATUS"
		done
		http POST /auth/refresh_token -H "Authorization: Bearer $TOKEN" -m 2
		assertEquals "POST /auth/refresh_token under the lock (reads only)" 200 "$STATUS"
		sleep 0.5
	done
	# The worker waiting for the lock keeps idle connections of nginx's: it
	# lets go of them, so no read waits behind it on one.
	for i in $(seq 1 40); do
		http GET /users/1 -m 1
		assertEquals "GET /users/1 under the lock, $i of 40" 200 "$STATUS"
	done
	http POST /auth/token -d 'username=alice%40example.com&password=wrong' -m 12
	assertHttp 401 '{"detail":"Incorrect email or password"}'
	wait "$post" "$put" "$del"
	result post
	assert503 "POST /users/ under the lock"
	assertTrue "POST /users/ waited the busy timeout (${TIME}s)" "awk 'BEGIN { exit !($TIME >= 4.5) }'"
	assertTrue "and not much more (${TIME}s)" "awk 'BEGIN { exit !($TIME < 15) }'"
	result put
	assert503 "PUT /users/1 under the lock"
	result del
	assert503 "DELETE /users/1 under the lock"
	assertContains "the cause is logged" "$(cat "$STACK_DIR/log")" "busy"
	unlock_db
	# the lock gone, writing works again
	register bob bob-pw
	assertEquals "nothing half-written" "alice|alice@example.com
bob|bob@example.com" "$(sqlite3 "$DB" 'select username, email from users order by id')"
	integrity_ok "after the lock"
}

acked() { [ "$(grep -c ' 201$' "$2")" -ge "$1" ]; } # acked N FILE: N registrations answered 201
gone() { ! kill -0 "$1" 2>/dev/null; }             # gone PID: the process has ended

test_sigkill_mid_registrations_loses_no_acknowledged_write() {
	local xargs_pid acked lost=0 u n answered killed p
	register before before-pw
	: >"$STACK_DIR/acks"
	seq -w 1 30 | xargs -P4 -I{} curl -s -o /dev/null -m 30 -w 'k{} %{http_code}\n' -X POST \
		-H 'Content-Type: application/json' \
		-d '{"username":"k{}","email":"k{}@example.com","password":"pw-k{}"}' \
		"$BASE_URL/users/" >>"$STACK_DIR/acks" &
	xargs_pid=$!
	# kill once a few registrations are answered and more are in flight
	wait_until 60 acked 3 "$STACK_DIR/acks"
	killed="$FZ_PID $(worker_pids) $NGINX_PID $(pgrep -P "$NGINX_PID")"
	kill -KILL $killed
	wait "$FZ_PID" "$NGINX_PID" 2>/dev/null
	# A killed worker closes its listening socket only as it finishes dying
	# (slowly under ASan): a restart that finds it still listening refuses to
	# take the socket over. A real restart comes after they are gone.
	for p in $killed; do
		wait_until 60 gone "$p"
	done
	wait "$xargs_pid"
	acked=$(awk '$2 == 201 { print $1 }' "$STACK_DIR/acks")
	answered=$(awk '$2 != "000" { n++ } END { print n + 0 }' "$STACK_DIR/acks")
	assertTrue "some registrations were acknowledged before the kill" "[ -n '$acked' ]"
	assertTrue "some were still in flight ($answered of 30 answered before the kill: $(tr '\n' ' ' <"$STACK_DIR/acks"))" \
		"[ $answered -lt 30 ]"
	# the whole stack again, on the same database
	stack_serve "${STACK_ENV[@]}"
	rm -f "$STACK_DIR/nginx.pid"
	stack_nginx || fail "nginx did not start again"
	stack_wait || fail "the stack did not come back"
	integrity_ok "after SIGKILL"
	for u in before $acked; do
		n=$(sqlite3 "$DB" "select count(*) from users where username = '$u' and email = '$u@example.com'")
		if [ "$n" != 1 ]; then
			lost=$((lost + 1))
			fail "acknowledged registration $u is not in the database"
		fi
	done
	echo "acknowledged writes lost: $lost (of $(echo "$acked" | wc -w) acknowledged before the kill, $answered of 30 answered)"
	assertEquals "acknowledged writes lost" 0 "$lost"
	# what was stored is whole: a user acknowledged before the kill logs in
	u=$(echo "$acked" | head -1)
	login "$u" "pw-$u"
	assertEquals "acknowledged user $u logs in after the restart: $BODY" 200 "$STATUS"
	# the unanswered ones may or may not be there; registering them again is 201 or 409
	for u in $(awk '$2 != 201 { print $1 }' "$STACK_DIR/acks" | head -2); do
		http POST /users/ "${JSON[@]}" -d "{\"username\":\"$u\",\"email\":\"$u@example.com\",\"password\":\"pw-$u\"}"
		assertTrue "register $u again: 201 or 409, not $STATUS" "[ '$STATUS' = 201 ] || [ '$STATUS' = 409 ]"
	done
	register after after-pw
	http GET "/users/?limit=1000"
	assertEquals "the list reads back" 200 "$STATUS"
	integrity_ok "at the end"
}

test_full_disk_answers_503_and_recovers() {
	skip_without_mounts && return
	small_disk 2m || { fail "mounting the tmpfs failed"; return; }
	migrate_db "$DISK/test.db" || fail "migrate on the small disk"
	serve_on "$DISK/test.db" || { fail "the pool did not start on the small disk"; return; }
	register alice alice-pw
	# fill what is left of the disk
	dd if=/dev/zero of="$DISK/filler" bs=64k 2>/dev/null
	dd if=/dev/zero of="$DISK/filler2" bs=4k 2>/dev/null
	dd if=/dev/zero of="$DISK/filler3" bs=512 2>/dev/null
	assertEquals "the disk is full" 0 "$(df --output=avail -B1 "$DISK" | tail -1 | tr -d ' ')"
	http POST /users/ "${JSON[@]}" -d '{"username":"bob","email":"bob@example.com","password":"bob-pw"}'
	assert503 "POST /users/ on a full disk"
	http PUT /users/1 "${JSON[@]}" -H "Authorization: Bearer $(mint_token alice@example.com)" \
		-d '{"username":"alice2","email":"alice@example.com","password":"alice-pw"}'
	assert503 "PUT /users/1 on a full disk"
	# reads go on
	http GET /
	assertHttp 200 '{"message":"Olá Mundo!"}'
	http GET /users/
	assertHttp 200 '{"users":[{"id":1,"username":"alice","email":"alice@example.com"}]}'
	http GET /users/1
	assertHttp 200 '{"id":1,"username":"alice","email":"alice@example.com"}'
	http POST /auth/token -d 'username=alice%40example.com&password=wrong'
	assertHttp 401 '{"detail":"Incorrect email or password"}'
	assertContains "the cause is logged" "$(cat "$STACK_DIR/log")" "unavailable"
	# room again: writing works, and nothing was damaged
	rm -f "$DISK"/filler*
	register bob bob-pw
	http GET /users/
	assertHttp 200 '{"users":[{"id":1,"username":"alice","email":"alice@example.com"},{"id":2,"username":"bob","email":"bob@example.com"}]}'
	integrity_ok "after the full disk"
}

# Linux refuses to remount a file system read-only while a file on it is open
# for writing (EBUSY), and every worker keeps the database open: so the pool
# is stopped for the remount and started on the read-only disk; the disk is
# then made writable again under the running pool, which must write again.
test_read_only_disk_answers_503_and_recovers() {
	skip_without_mounts && return
	small_disk 4m || { fail "mounting the tmpfs failed"; return; }
	migrate_db "$DISK/test.db" || fail "migrate on the small disk"
	serve_on "$DISK/test.db" || { fail "the pool did not start on the small disk"; return; }
	register alice alice-pw
	kill -TERM "$FZ_PID"
	wait "$FZ_PID" 2>/dev/null
	mount -o remount,ro "$DISK" || { fail "remount read-only failed"; return; }
	assertFalse "the disk is read-only" "touch '$DISK/x' 2>/dev/null"
	stack_serve "${STACK_ENV[@]}"
	if ! stack_wait >/dev/null 2>&1; then
		fail "the pool does not start on a read-only database: $(grep -v '\[crit\]' "$STACK_DIR/log" | tail -1)"
		# the rest of the test needs a pool: the disk writable again, it must start and write
		mount -o remount,rw "$DISK"
		serve_on "$DISK/test.db" || { fail "the pool does not start once the disk is writable"; return; }
		register bob bob-pw
		integrity_ok "after the read-only disk"
		return
	fi
	http GET /users/
	assertHttp 200 '{"users":[{"id":1,"username":"alice","email":"alice@example.com"}]}'
	http GET /users/1
	assertHttp 200 '{"id":1,"username":"alice","email":"alice@example.com"}'
	http POST /auth/token -d 'username=alice%40example.com&password=wrong'
	assertHttp 401 '{"detail":"Incorrect email or password"}'
	http POST /users/ "${JSON[@]}" -d '{"username":"bob","email":"bob@example.com","password":"bob-pw"}'
	assert503 "POST /users/ on a read-only disk"
	http DELETE /users/1 -H "Authorization: Bearer $(mint_token alice@example.com)"
	assert503 "DELETE /users/1 on a read-only disk"
	# writable again, under the running pool
	mount -o remount,rw "$DISK" || { fail "remount read-write failed"; return; }
	register bob bob-pw
	http PUT /users/1 "${JSON[@]}" -H "Authorization: Bearer $(mint_token alice@example.com)" \
		-d '{"username":"alice2","email":"alice@example.com","password":"alice-pw"}'
	assertEquals "PUT /users/1 once writable again: $BODY" 200 "$STATUS"
	integrity_ok "after the read-only disk"
}

# mint_token EMAIL: a token signed with the stack's secret, as PyJWT makes
# them (the contract accepts those): a test of the disk needs no login.
mint_token() {
	"$PY" - "$1" <<'PY'
import base64, hashlib, hmac, json, sys, time
b = lambda d: base64.urlsafe_b64encode(json.dumps(d, separators=(",", ":")).encode()).rstrip(b"=")
m = b({"alg": "HS256", "typ": "JWT"}) + b"." + b({"sub": sys.argv[1], "exp": int(time.time()) + 600})
print((m + b"." + base64.urlsafe_b64encode(hmac.new(b"test-secret-key", m, hashlib.sha256).digest()).rstrip(b"=")).decode())
PY
}

test_secrets_are_never_logged() {
	local secrets=() tokens=() u pw t f hit i
	for u in ann ben cid; do
		pw="pw-$u-$(od -An -N6 -tx1 /dev/urandom | tr -d ' \n')"
		secrets+=("$pw")
		register "$u" "$pw"
		login "$u" "$pw"
		assertEquals "login $u: $BODY" 200 "$STATUS"
		[ -n "$TOKEN" ] && tokens+=("$TOKEN")
	done
	# failed logins: a wrong password, an unknown email
	secrets+=("wrong-$(od -An -N6 -tx1 /dev/urandom | tr -d ' \n')")
	login ann "${secrets[3]}"
	assertEquals "a wrong password" 401 "$STATUS"
	login nobody "${secrets[0]}"
	assertEquals "an unknown email" 401 "$STATUS"
	# token uses: refresh, update, delete, a forged one, a 422 and a 409
	for i in 0 1 2; do
		[ -n "${tokens[$i]:-}" ] || continue
		http POST /auth/refresh_token -H "Authorization: Bearer ${tokens[$i]}"
		assertEquals "refresh" 200 "$STATUS"
		t=$(printf '%s' "$BODY" | jq -r '.access_token // empty')
		[ -n "$t" ] && tokens+=("$t")
	done
	if [ -n "${tokens[0]:-}" ]; then
		http PUT /users/2 "${JSON[@]}" -H "Authorization: Bearer ${tokens[0]}" \
			-d "{\"username\":\"x\",\"email\":\"x@example.com\",\"password\":\"${secrets[1]}\"}"
		assertEquals "PUT /users/2 with ann's token" 403 "$STATUS"
		http PUT /users/1 "${JSON[@]}" -H "Authorization: Bearer ${tokens[0]}" \
			-d "{\"username\":\"ann\",\"email\":\"ann@example.com\",\"password\":\"${secrets[0]}-2\"}"
		assertEquals "PUT /users/1" 200 "$STATUS"
		secrets+=("${secrets[0]}-2")
	fi
	if [ -n "${tokens[2]:-}" ]; then
		http DELETE /users/3 -H "Authorization: Bearer ${tokens[2]}"
		assertEquals "DELETE /users/3" 200 "$STATUS"
		http GET /users/ -H "Authorization: Bearer ${tokens[2]}"
	fi
	forged="${tokens[0]:-x.y.z}x"
	tokens+=("$forged")
	http POST /auth/refresh_token -H "Authorization: Bearer $forged"
	assertEquals "a forged token" 401 "$STATUS"
	http POST /users/ "${JSON[@]}" -d "{\"username\":\"ben\",\"email\":\"other@example.com\",\"password\":\"${secrets[1]}\"}"
	assertEquals "a taken username" 409 "$STATUS"
	http POST /users/ "${JSON[@]}" -d "{\"username\":\"dan\",\"email\":\"not-an-email\",\"password\":\"${secrets[1]}\"}"
	assertEquals "an invalid email" 422 "$STATUS"
	# a write that fails (busy) logs its cause: that line must carry no secret either
	lock_db && {
		http POST /users/ "${JSON[@]}" -d "{\"username\":\"eve\",\"email\":\"eve@example.com\",\"password\":\"${secrets[2]}\"}"
		assertEquals "a busy write" 503 "$STATUS"
		unlock_db
	}
	assertTrue "the access log has the requests" "grep -q 'POST /auth/token' '$STACK_DIR/access.log'"
	# stop the stack, so that every log line is flushed
	kill -TERM "$FZ_PID" "$NGINX_PID"
	wait "$FZ_PID" "$NGINX_PID" 2>/dev/null
	assertTrue "tokens were issued" "[ ${#tokens[@]} -ge 4 ]"
	for f in "$STACK_DIR/log" "$STACK_DIR/access.log" "$STACK_DIR/nginx.err"; do
		[ -f "$f" ] || continue
		for t in "${secrets[@]}" "${tokens[@]}" '$argon2' 'test-secret-key'; do
			hit=$(grep -F -n -- "$t" "$f" | head -2 | cut -c1-200)
			assertNull "$(basename "$f") contains '${t:0:40}': $hit" "$hit"
		done
		# nor the signature alone, nor the password hashes' salts
		for t in "${tokens[@]}"; do
			hit=$(grep -F -n -- "${t##*.}" "$f" | head -1 | cut -c1-200)
			assertNull "$(basename "$f") contains a token's signature: $hit" "$hit"
		done
	done
	while IFS= read -r t; do
		hit=$(grep -F -l -- "$t" "$STACK_DIR/log" "$STACK_DIR/access.log" 2>/dev/null)
		assertNull "a stored hash's salt ($t) is in $hit" "$hit"
	done < <(sqlite3 "$DB" 'select password from users' | cut -d'$' -f5)
}

. "$(dirname "$0")/../lib/report.sh"
. shunit2

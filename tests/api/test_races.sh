#!/bin/bash
# test_races.sh -- uniqueness under simultaneous requests (exactly one winner,
# every other a 409, never a 500) and the process model under load: a SIGTERM
# lets the requests in flight finish, a worker killed mid-load is replaced.
SUITE_NAME=races
. "$(dirname "$0")/../lib/stack.sh"

oneTimeSetUp() {
	stack_start || return 1
	RACE=$STACK_DIR/race
	mkdir -p "$RACE"
}
oneTimeTearDown() { stack_stop; }

# race NAME N METHOD PATH CURL_ARGS_FN: N requests fired at the same instant.
# CURL_ARGS_FN I prints request I's extra curl arguments, one per line. Each
# request waits behind a barrier file, which is put up once all of them are
# ready to go (each says so with NAME.ready.I); request I leaves
# $RACE/NAME.I.status and $RACE/NAME.I.body.
race() {
	local name=$1 n=$2 method=$3 path=$4 argfn=$5 i pids=()
	local -a args
	rm -f "$RACE/$name".*
	for i in $(seq 1 "$n"); do
		mapfile -t args < <("$argfn" "$i")
		(
			touch "$RACE/$name.ready.$i"
			while [ ! -e "$RACE/$name.go" ]; do sleep 0.002; done
			curl -s -X "$method" -o "$RACE/$name.$i.body" -w '%{http_code}' "${args[@]}" \
				"$BASE_URL$path" >"$RACE/$name.$i.status"
		) &
		pids+=($!)
	done
	go "$name" "$n"
	wait "${pids[@]}"
}

# go NAME N: the barrier up once the N requests of race NAME are ready.
go() {
	wait_until 60 all_ready "$1" "$2" || fail "race $1: not all $2 requests got ready"
	touch "$RACE/$1.go"
}
all_ready() { [ "$(find "$RACE" -name "$1.ready.*" | wc -l)" -ge "$2" ]; }

# The answers of race NAME, counted: "COUNT STATUS BODY" lines, sorted, where
# a success (2xx) counts by its status alone.
tally() {
	local name=$1 f s
	for f in "$RACE/$name".*.status; do
		s=$(cat "$f")
		case $s in
		2??) echo "$s" ;;
		*) echo "$s $(cat "${f%.status}.body")" ;;
		esac
	done | sort | uniq -c | sed 's/^ *//'
}

# The body of race NAME's first answer with status $2.
winner_body() {
	local f
	for f in "$RACE/$1".*.status; do
		[ "$(cat "$f")" = "$2" ] && { cat "${f%.status}.body"; return; }
	done
}

json_user() { jq -cn --arg u "$1" --arg e "$2" --arg p "$3" '{username:$u,email:$e,password:$p}'; }

register() {
	http POST /users/ -H 'Content-Type: application/json' --data-binary "$(json_user "$1" "$2" "$3")"
}

# Logs in with email $1, password $2; sets TOKEN.
login() {
	http POST /auth/token --data-urlencode "username=$1" --data-urlencode "password=$2"
	TOKEN=$(echo "$BODY" | jq -r '.access_token // empty' 2>/dev/null)
}

same_username_args() {
	echo -H
	echo 'Content-Type: application/json'
	echo --data-binary
	json_user racer "racer$1@example.com" secret
}

same_email_args() {
	echo -H
	echo 'Content-Type: application/json'
	echo --data-binary
	json_user "mailer$1" same@example.com secret
}

# Half of them write the domain in capitals: the stored email is the same.
same_email_any_case_args() {
	local domain=example.org
	[ $(($1 % 2)) -eq 0 ] && domain=EXAMPLE.ORG
	echo -H
	echo 'Content-Type: application/json'
	echo --data-binary
	json_user "cased$1" "cased@$domain" secret
}

test_sixteen_registrations_of_one_username_make_one_user() {
	race user16 16 POST /users/ same_username_args
	assertEquals "one 201, fifteen 409, no 500" \
		"$(printf '1 201\n15 409 {"detail":"Username already exists"}')" "$(tally user16)"
	local won
	won=$(winner_body user16 201)
	assertEquals "the winner's answer" racer "$(echo "$won" | jq -r .username)"
	assertEquals "exactly one row" 1 "$(sql "SELECT count(*) FROM users WHERE username = 'racer'")"
	assertEquals "no loser's email was stored" 1 "$(sql "SELECT count(*) FROM users WHERE email LIKE 'racer%@example.com'")"
	assertEquals "the row is the winner's" "$(echo "$won" | jq -r '[.id, .email] | join("|")')" \
		"$(sql "SELECT id || '|' || email FROM users WHERE username = 'racer'")"
}

test_sixteen_registrations_of_one_email_make_one_user() {
	race mail16 16 POST /users/ same_email_args
	assertEquals "one 201, fifteen 409, no 500" \
		"$(printf '1 201\n15 409 {"detail":"Email already exists"}')" "$(tally mail16)"
	local won
	won=$(winner_body mail16 201)
	assertEquals "the winner's answer" same@example.com "$(echo "$won" | jq -r .email)"
	assertEquals "exactly one row" 1 "$(sql "SELECT count(*) FROM users WHERE email = 'same@example.com'")"
	assertEquals "no loser's username was stored" 1 "$(sql "SELECT count(*) FROM users WHERE username LIKE 'mailer%'")"
	assertEquals "the row is the winner's" "$(echo "$won" | jq -r '[.id, .username] | join("|")')" \
		"$(sql "SELECT id || '|' || username FROM users WHERE email = 'same@example.com'")"
}

test_registrations_of_one_email_in_two_cases_make_one_user() {
	race cased8 8 POST /users/ same_email_any_case_args
	assertEquals "one 201, seven 409, no 500" \
		"$(printf '1 201\n7 409 {"detail":"Email already exists"}')" "$(tally cased8)"
	assertEquals "one row, domain lower-cased" "cased@example.org" \
		"$(sql "SELECT email FROM users WHERE lower(email) = 'cased@example.org'" | paste -sd,)"
}

# --- PUT races ----------------------------------------------------------------

put_args() {
	local who=$1
	echo -H
	echo 'Content-Type: application/json'
	echo -H
	echo "Authorization: Bearer ${PUT_TOKEN[$who]}"
	echo --data-binary
	json_user "${PUT_NAME[$who]}" "${PUT_EMAIL[$who]}" secret # the same password: no token is refused
}

# Both users PUT at the same instant (each to its own id).
race_two_puts() {
	local name=$1 i pids=()
	rm -f "$RACE/$name".*
	for i in 1 2; do
		(
			mapfile -t args < <(put_args "$i")
			touch "$RACE/$name.ready.$i"
			while [ ! -e "$RACE/$name.go" ]; do sleep 0.002; done
			curl -s -X PUT -o "$RACE/$name.$i.body" -w '%{http_code}' "${args[@]}" \
				"$BASE_URL/users/${PUT_ID[$i]}" >"$RACE/$name.$i.status"
		) &
		pids+=($!)
	done
	go "$name" 2
	wait "${pids[@]}"
}

test_two_users_racing_for_one_new_username_or_email() {
	declare -gA PUT_ID PUT_TOKEN PUT_NAME PUT_EMAIL
	local i round won
	for i in 1 2; do
		register "putter$i" "putter$i@example.com" secret
		assertEquals "register putter$i: $BODY" 201 "$STATUS"
		PUT_ID[$i]=$(echo "$BODY" | jq -r .id)
		login "putter$i@example.com" secret
		assertEquals "login putter$i: $BODY" 200 "$STATUS"
		PUT_TOKEN[$i]=$TOKEN
		PUT_EMAIL[$i]=putter$i@example.com
	done
	# Three rounds for one username, each user keeping its email (and so its token).
	for round in 1 2 3; do
		PUT_NAME[1]=taken$round
		PUT_NAME[2]=taken$round
		race_two_puts "put$round"
		assertEquals "round $round: one 200, one 409" \
			"$(printf '1 200\n1 409 {"detail":"Username or Email already exists"}')" "$(tally "put$round")"
		won=$(winner_body "put$round" 200)
		assertEquals "round $round: one row has the name" 1 \
			"$(sql "SELECT count(*) FROM users WHERE username = 'taken$round'")"
		assertEquals "round $round: the winner's answer is the row" \
			"$(echo "$won" | jq -r '[.id, .username, .email] | join("|")')" \
			"$(sql "SELECT id || '|' || username || '|' || email FROM users WHERE username = 'taken$round'")"
		# Each user goes back to a name of its own for the next round.
		for i in 1 2; do
			PUT_NAME[$i]=putter$i.r$round
		done
		race_two_puts "back$round"
		assertEquals "round $round: both back to their own names" "2 200" "$(tally "back$round")"
	done
	# Last, one new email for both: the loser keeps its old email.
	PUT_EMAIL[1]=shared@example.com
	PUT_EMAIL[2]=shared@example.com
	race_two_puts putmail
	assertEquals "email: one 200, one 409" \
		"$(printf '1 200\n1 409 {"detail":"Username or Email already exists"}')" "$(tally putmail)"
	assertEquals "email: one row has it" 1 "$(sql "SELECT count(*) FROM users WHERE email = 'shared@example.com'")"
	assertEquals "email: the other row kept its own" 1 \
		"$(sql "SELECT count(*) FROM users WHERE email IN ('putter1@example.com', 'putter2@example.com')")"
}

# --- the process model under load -------------------------------------------

# A worker serving a read right now: one holding a connection besides the
# three listening sockets (under a list load, the list workers hold nginx's
# connections; the hash workers have none).
busy_worker() {
	local listening p fd
	listening=$(awk -v a="$SOCKET" -v b="$HASH_SOCKET" -v c="$LIST_SOCKET" \
		'($8 == a || $8 == b || $8 == c) && $4 == "00010000" { print $7 }' /proc/net/unix)
	for p in $(worker_pids); do
		for fd in /proc/"$p"/fd/*; do
			fd=$(readlink "$fd" 2>/dev/null) || continue
			case $fd in socket:*) ;; *) continue ;; esac
			fd=${fd#socket:[}
			fd=${fd%]}
			echo "$listening" | grep -qx "$fd" || { echo "$p"; return 0; }
		done
	done
	return 1
}

test_killed_worker_under_read_load_fails_only_requests_in_flight() {
	local load victim codes bad f n=300
	rm -rf "$RACE/load"
	mkdir -p "$RACE/load"
	seq 1 $n | xargs -P 4 -I{} curl -s -o "$RACE/load/{}.body" -w '%{http_code} {}\n' "$BASE_URL/users/" \
		>"$RACE/load/codes" &
	load=$!
	# a worker serving the load, looked for while the load runs
	victim=
	while [ -z "$victim" ] && kill -0 "$load" 2>/dev/null; do
		victim=$(busy_worker) || sleep 0.01
	done
	assertNotNull "a worker is serving the load" "$victim"
	assertTrue "the load is still running when the worker dies" "kill -0 $load 2>/dev/null"
	kill -KILL "$victim"
	wait "$load"
	assertEquals "every request was answered" $n "$(wc -l <"$RACE/load/codes")"
	bad=$(awk '$1 != 200' "$RACE/load/codes")
	assertTrue "only a handful failed: $(echo "$bad" | wc -l)" "[ $(echo -n "$bad" | grep -c .) -le 4 ]"
	while read -r code f; do
		[ -n "$code" ] || continue
		assertEquals "request $f failed with 502" 502 "$code"
		assertEquals "request $f's body" '{"detail":"Bad Gateway"}' "$(cat "$RACE/load/$f.body")"
	done <<<"$bad"
	wait_until 60 pool_whole "$victim"
	assertEquals "the pool is full again" "${POOL_SIZE:-4}" "$(worker_pids | wc -l)"
	assertFalse "the killed worker is gone" "worker_pids | grep -qx '$victim'"
	codes=$(for _ in $(seq 1 20); do curl -s -o /dev/null -w '%{http_code}\n' "$BASE_URL/users/"; done | sort | uniq -c | sed 's/^ *//')
	assertEquals "every new request answers 200" "20 200" "$codes"
}

# hash_queue N: N connections wait in the hash socket's accept queue.
hash_queue() {
	"$FZ_BIN" status --json --listen "unix:$SOCKET" | jq -e --argjson n "$1" '.sockets.hash.listen_queue >= $n' \
		>/dev/null
}

# stop_begun N: the pool's log says it is stopping more than N times.
stop_begun() {
	[ "$(grep -c 'stopping: letting' "$STACK_DIR/log")" -gt "$1" ]
}

# hash_workers: the pids of the workers of the hash socket.
hash_workers() {
	"$FZ_BIN" status --json --listen "unix:$SOCKET" | jq -r '.workers[] | select(.socket == "hash") | .pid'
}

# The SIGTERM lands while four logins are in the pool's hands: a controlled
# delay, not a slow hash: the hash workers are stopped (SIGSTOP) before the
# logins are sent, so the four wait in the hash socket's queue however fast
# the machine is, and are let go once the supervisor has been told to stop.
# Each must then be answered, not reset.
test_sigterm_lets_logins_in_flight_finish() {
	local i pids=() workers hashers rc alive=0 stops
	register sigterm sigterm@example.com secret
	assertEquals "register: $BODY" 201 "$STATUS"
	rm -f "$RACE"/term.*
	workers=$(worker_pids)
	assertEquals "${POOL_SIZE:-4}" "$(echo "$workers" | wc -l)"
	hashers=$(hash_workers)
	assertNotNull "the hash workers" "$hashers"
	# shellcheck disable=SC2086
	kill -STOP $hashers
	for i in 1 2 3 4; do
		curl -s -o "$RACE/term.$i.body" -w '%{http_code}' --data-urlencode username=sigterm@example.com \
			--data-urlencode password=secret "$BASE_URL/auth/token" >"$RACE/term.$i.status" &
		pids+=($!)
	done
	wait_until 60 hash_queue 4 ||
		fail "the logins did not all reach the pool: $("$FZ_BIN" status --json --listen "unix:$SOCKET")"
	for i in "${pids[@]}"; do kill -0 "$i" 2>/dev/null && alive=$((alive + 1)); done
	stops=$(grep -c 'stopping: letting' "$STACK_DIR/log")
	kill -TERM "$FZ_PID"
	wait_until 60 stop_begun "$stops" || fail "the supervisor did not begin its stop"
	# shellcheck disable=SC2086
	kill -CONT $hashers
	wait "$FZ_PID"
	rc=$?
	wait "${pids[@]}"
	assertEquals "the logins were in flight at the SIGTERM" 4 "$alive"
	assertEquals "the supervisor's exit status" 0 "$rc"
	for i in 1 2 3 4; do
		assertEquals "login $i's status: $(cat "$RACE/term.$i.body")" 200 "$(cat "$RACE/term.$i.status")"
		assertEquals "login $i's token" bearer "$(jq -r .token_type "$RACE/term.$i.body" 2>/dev/null)"
	done
	for i in $workers; do
		assertFalse "worker $i is gone" "kill -0 $i 2>/dev/null"
	done
	assertFalse "the socket is removed" "[ -e '$SOCKET' ]"
	assertFalse "the hash socket is removed" "[ -e '$HASH_SOCKET' ]"
	assertFalse "the list socket is removed" "[ -e '$LIST_SOCKET' ]"
	# The pool comes back on the same socket and database.
	stack_serve
	stack_wait
	login sigterm@example.com secret
	assertEquals "a login after the restart" 200 "$STATUS"
}

. "$(dirname "$0")/../lib/report.sh"
. shunit2

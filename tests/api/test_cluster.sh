#!/bin/bash
# test_cluster.sh -- `make cluster` with three hosts on one PostgreSQL: a user
# made through one host is known to the others, racing registrations over the
# hosts give one 201, a host killed outright under reads fails no GET and takes
# traffic again once restarted, a PostgreSQL restart under load gives only 503s
# meanwhile and loses no acknowledged write, simultaneous migrations apply
# once, --allow refuses other peers, and SIGTERM leaves nothing behind, as
# does SIGTERM or SIGINT to the whole process group of `make cluster` after a
# login burst or a host killed outright.
# backends: postgresql
SUITE_NAME=cluster
. "$(dirname "$0")/../lib/stack.sh"

JSON=(-H 'Content-Type: application/json')

# A free port p whose p+1 and p+2 are free too, on 127.0.0.1 and on the
# hosts' addresses (other runs of this suite use them too).
free_ports() {
	local p a taken
	for _ in $(seq 1 50); do
		p=$(free_port) taken=""
		for a in 127.0.0.1 127.0.0.2 127.0.0.3 127.0.0.4; do
			(echo >"/dev/tcp/$a/$p") 2>/dev/null || (echo >"/dev/tcp/$a/$((p + 1))") 2>/dev/null ||
				(echo >"/dev/tcp/$a/$((p + 2))") 2>/dev/null && taken=1
		done
		[ -z "$taken" ] && { echo "$p"; return 0; }
	done
	return 1
}

# within SECONDS COMMAND...: whether COMMAND succeeds within SECONDS, tried
# every 0.1 s.
within() {
	local end=$((${EPOCHREALTIME/./} + $1 * 1000000))
	shift
	until "$@"; do
		[ "${EPOCHREALTIME/./}" -lt "$end" ] || return 1
		sleep 0.1
	done
}

oneTimeSetUp() {
	CL=$(mktemp -d "${TMPDIR:-/tmp}/fast_zero_cluster.XXXXXX")
	chmod 755 "$CL" # PostgreSQL's owner, when not us, must reach its folder
	STACK_DIR=$CL
	HP=$(free_ports) CPORT=$(free_port)
	(cd "$ROOT" && exec setsid env -u DATABASE_URL HOSTS=3 PORT="$CPORT" HOST_PORT="$HP" CLUSTER_DIR="$CL" \
		ACCESS_LOG="$CL/access.log" SECRET_KEY=test-secret-key FZ_BIN="$FZ_BIN" WORKERS=3 scripts/cluster) \
		>"$CL/log" 2>&1 &
	CL_PID=$!
	BASE_URL=http://127.0.0.1:$CPORT MAIN_URL=$BASE_URL
	STACK_WAIT_STEPS=600 stack_wait || return 1
	# The cluster's PostgreSQL, for sql and pg_ctl_run.
	PG_BIN=$(pg_bindir) PG_HOST=$CL/pg PG_DATA=$CL/pg/data PG_USER=fast_zero PG_DB=fast_zero
	PG_OWNER=$(stat -c %U "$CL/pg")
	# An nginx in front of host i alone, at HOST_URL[i]: to choose the host.
	# It connects from the front nginx's address, the one the hosts serve.
	local i
	for i in 1 2 3; do
		mkdir -p "$CL/via$i"
		STACK_DIR=$CL/via$i SOCKET=$(host "$i"):$HP HASH_SOCKET=$(host "$i"):$((HP + 1)) \
			LIST_SOCKET=$(host "$i"):$((HP + 2)) FASTCGI_BIND=127.0.1.1 stack_nginx || return 1
		HOST_URL[i]=$BASE_URL VIA_PID[i]=$NGINX_PID
	done
	BASE_URL=$MAIN_URL
}

oneTimeTearDown() {
	kill -TERM "$CL_PID" "${VIA_PID[@]}" 2>/dev/null
	wait "$CL_PID" "${VIA_PID[@]}" 2>/dev/null
	rm -rf "$CL"
}

host() { echo "127.0.0.$(($1 + 1))"; }

# The pids of host i: its supervisor (a child of the cluster script), then
# its workers.
host_pids() {
	local sup
	for sup in $(pgrep -P "$CL_PID" -f -- "--listen $(host "$1"):$HP "); do
		echo "$sup"
		pgrep -P "$sup"
	done
}

# via I METHOD PATH [curl args]: the request through host I alone.
via() {
	local saved=$BASE_URL
	BASE_URL=${HOST_URL[$1]}
	shift
	http "$@"
	BASE_URL=$saved
}

register() { # USERNAME EMAIL [HOST]
	if [ -n "${3:-}" ]; then
		via "$3" POST /users/ "${JSON[@]}" -d "{\"username\":\"$1\",\"email\":\"$2\",\"password\":\"pw-$1\"}"
	else
		http POST /users/ "${JSON[@]}" -d "{\"username\":\"$1\",\"email\":\"$2\",\"password\":\"pw-$1\"}"
	fi
}

# reads FILE: GETs through the cluster's nginx until FILE.stop exists, one
# status per line in FILE.1, .2, .3, then all of them in FILE (a few readers
# at once, each on its own connections).
reads() {
	local r pids=()
	rm -f "$1.stop"
	for r in 1 2 3; do
		(
			while [ ! -e "$1.stop" ]; do
				curl -s -w '%{http_code}\n' -o /dev/null "$MAIN_URL/users/?limit=5" -o /dev/null "$MAIN_URL/users/1" \
					-o /dev/null "$MAIN_URL/"
			done
		) >"$1.$r" &
		pids+=($!)
	done
	wait "${pids[@]}"
	cat "$1".? >"$1"
}

# lines_at_least N FILE...: the files hold N lines or more between them.
lines_at_least() {
	local n=$1
	shift
	[ "$(cat "$@" 2>/dev/null | grep -c .)" -ge "$n" ]
}

test_cluster_serves_through_every_host() {
	local i
	for i in 1 2 3; do
		via "$i" GET /
		assertHttp 200 '{"message":"Olá Mundo!"}'
	done
	assertContains "the hosts' ps lines name their addresses" "$(ps -o args= -p "$(host_pids 2 | head -1)")" \
		"--listen 127.0.0.3:$HP --hash-listen 127.0.0.3:$((HP + 1)) --list-listen 127.0.0.3:$((HP + 2))"
	assertEquals "its workers say the same" 1 "$(ps -o args= -p "$(host_pids 2 | sed -n 2p)" | grep -c -- "--listen 127.0.0.3:$HP")"
}

test_user_registered_through_one_host_logs_in_through_another() {
	register ana ana@example.com 1
	assertHttp 201 '{"id":1,"username":"ana","email":"ana@example.com"}'
	via 2 POST /auth/token -d 'username=ana@example.com&password=pw-ana'
	assertEquals "login through host 2" 200 "$STATUS"
	local token
	token=$(echo "$BODY" | jq -r .access_token)
	via 3 POST /auth/refresh_token -H "Authorization: Bearer $token"
	assertEquals "its token accepted by host 3" 200 "$STATUS"
	via 3 GET /users/1
	assertHttp 200 '{"id":1,"username":"ana","email":"ana@example.com"}'
	grep -q '"POST /users/ .* 201 .*up=127.0.0.2:' "$CL/via1/access.log"
	assertTrue "the access line names the host that answered" $?
}

test_sixteen_racing_registrations_over_the_hosts_give_one_201() {
	local i pids=()
	for i in $(seq 1 16); do
		curl -s -o /dev/null -w '%{http_code}\n' -X POST "${HOST_URL[$((i % 3 + 1))]}/users/" "${JSON[@]}" \
			-d "{\"username\":\"racer\",\"email\":\"racer$i@example.com\",\"password\":\"pw\"}" >"$CL/race.$i" &
		pids+=($!)
	done
	wait "${pids[@]}"
	assertEquals "one 201, fifteen 409" "$(printf '      1 201\n     15 409')" "$(cat "$CL"/race.* | sort | uniq -c)"
	assertEquals "one row" 1 "$(sql "SELECT count(*) FROM users WHERE username = 'racer'")"
	rm -f "$CL"/race.*
}

test_sigkill_of_one_host_under_reads_fails_no_get() {
	local before
	before=$(host_pids 2 | tr '\n' ' ')
	assertNotNull "host 2 runs" "$before"
	reads "$CL/kill_reads" &
	local load=$! at_kill
	wait_until 120 lines_at_least 30 "$CL"/kill_reads.?
	at_kill=$(cat "$CL"/kill_reads.? | grep -c .)
	# shellcheck disable=SC2086
	kill -KILL $before
	wait_until 120 lines_at_least $((at_kill + 60)) "$CL"/kill_reads.? # reads went on after the kill
	touch "$CL/kill_reads.stop"
	wait "$load"
	assertEquals "every GET answered 200" "" "$(grep -v '^200$' "$CL/kill_reads" | sort | uniq -c)"
	assertTrue "reads ran after the kill ($(wc -l <"$CL/kill_reads"))" "[ $(wc -l <"$CL/kill_reads") -ge $((at_kill + 60)) ]"
	KILLED="$before"
}

# host2_is_back: host 2 runs again, a new process, and answers.
host2_is_back() {
	local now
	now=$(host_pids 2 | head -1)
	[ -n "$now" ] && [[ " ${KILLED:-} " != *" $now "* ]] && via 2 GET / && [ "$STATUS" = 200 ]
}

# host2_served_since LINE: the cluster's nginx has sent host 2 a GET since
# line LINE of its access log (it sends six to find out).
host2_served_since() {
	local i
	for i in 1 2 3 4 5 6; do http GET /users/1; done
	tail -n +"$(($1 + 1))" "$CL/access.log" | grep -q '"GET /users/1 .* 200 .*up=127.0.0.3:'
}

test_the_restarted_host_takes_traffic_again() {
	wait_until 60 host2_is_back # the cluster starts it again a second later
	assertEquals "host 2 answers again" 200 "$STATUS"
	# nginx tries it again fail_timeout (2 s) after its failure
	assertTrue "nginx sends host 2 requests again" "wait_until 60 host2_served_since $(wc -l <"$CL/access.log")"
}

# writes FILE PREFIX: registrations of fresh users until FILE.stop exists, one
# "status username" per line in FILE.1 and .2, then both in FILE.
writes() {
	local w n pids=()
	rm -f "$1.stop"
	for w in 1 2; do
		(
			n=0
			while [ ! -e "$1.stop" ]; do
				n=$((n + 1))
				curl -s -o /dev/null -w "%{http_code} $2$w-$n\n" -X POST "$MAIN_URL/users/" "${JSON[@]}" \
					-d "{\"username\":\"$2$w-$n\",\"email\":\"$2$w-$n@example.com\",\"password\":\"pw\"}"
			done
		) >"$1.$w" &
		pids+=($!)
	done
	wait "${pids[@]}"
	cat "$1".? >"$1"
}

# acked_at_least N: N registrations of the restart test acknowledged (201).
acked_at_least() {
	[ "$(cat "$CL"/pg_writes.? 2>/dev/null | grep -c '^201 ')" -ge "$1" ]
}

# reads_answer: twenty reads in a row answered 200.
reads_answer() {
	local i
	for i in $(seq 1 20); do
		http GET /users/1
		[ "$STATUS" = 200 ] || return 1
	done
}

all_workers() {
	local i
	for i in 1 2 3; do host_pids "$i"; done | sort
}

test_postgresql_restart_gives_only_503s_and_loses_no_acknowledged_write() {
	local workers_before
	workers_before=$(all_workers)
	reads "$CL/pg_reads" &
	local r=$!
	writes "$CL/pg_writes" pgw &
	local w=$! before
	wait_until 120 acked_at_least 2 # writes go on when the server goes
	pg_ctl_run -m fast -w restart >/dev/null 2>&1
	assertTrue "pg_ctl restart" $?
	before=$(cat "$CL"/pg_writes.? | grep -c '^201 ')
	assertTrue "reads answer again once the server is back" "wait_until 60 reads_answer"
	register after-restart after-restart@example.com
	assertEquals "a write once the server is back" 201 "$STATUS"
	wait_until 120 acked_at_least $((before + 2)) # and so do the others'
	touch "$CL/pg_reads.stop" "$CL/pg_writes.stop"
	wait "$r" "$w"
	assertEquals "reads meanwhile: 200 or 503" "" "$(grep -v '^\(200\|503\)$' "$CL/pg_reads" | sort | uniq -c)"
	assertEquals "writes meanwhile: 201 or 503" "" "$(grep -v '^\(201\|503\) ' "$CL/pg_writes" | sort | uniq -c)"
	local acked stored
	acked=$(grep '^201 ' "$CL/pg_writes" | cut -d' ' -f2 | sort)
	stored=$(sql "SELECT username FROM users WHERE username LIKE 'pgw%' ORDER BY username" | sort)
	assertEquals "every acknowledged write is in the database" "$acked" "$stored"
	assertTrue "writes were acknowledged before and after ($(echo "$acked" | wc -w))" "[ $(echo "$acked" | wc -w) -ge 4 ]"
	assertEquals "no worker died" "$workers_before" "$(all_workers)"
	assertEquals "no worker crashed" "" "$(grep -h 'killed by signal\|exited with status' "$CL"/host*.log)"
}

test_three_simultaneous_migrations_apply_each_once() {
	local i total=0 n pids=()
	pg_createdb migrated3
	for i in 1 2 3; do
		(DATABASE_URL=$(pg_url migrated3) "$FZ_BIN" migrate --migrations "$ROOT/migrations" >"$CL/migrate.$i" 2>&1
			echo "rc=$?" >>"$CL/migrate.$i") &
		pids+=($!)
	done
	wait "${pids[@]}"
	n=$(ls "$ROOT"/migrations/*.sql "$ROOT"/migrations/postgresql/*.sql | xargs -n1 basename | sort -u | wc -l)
	for i in 1 2 3; do
		assertContains "migrate $i succeeds" "$(cat "$CL/migrate.$i")" "rc=0"
		total=$((total + $(grep -o '[0-9]* migrations\? applied' "$CL/migrate.$i" | cut -d' ' -f1)))
	done
	assertEquals "each migration applied once in all" "$n" "$total"
	assertEquals "each recorded once" "$n" "$(pg_sql migrated3 'SELECT count(*) FROM schema_migrations')"
	pg_dropdb migrated3
}

# serve_alone ADDRESS PORT [--allow ...]: a host of the cluster's database on
# ADDRESS:PORT, with an nginx of its own; sets ALONE_PID, ALONE_URL, ALONE_NGINX.
serve_alone() {
	local addr=$1 port=$2
	shift 2
	mkdir -p "$CL/alone"
	(cd "$CL/alone" && exec env SECRET_KEY=test-secret-key DATABASE_URL="$(pg_url fast_zero)" WORKERS=1 \
		"$FZ_BIN" serve --listen "$addr:$port" --hash-listen "$addr:$((port + 1))" \
		--list-listen "$addr:$((port + 2))" --migrations "$ROOT/migrations" "$@") >"$CL/alone/host.log" 2>&1 &
	ALONE_PID=$!
	STACK_DIR=$CL/alone SOCKET=$addr:$port HASH_SOCKET=$addr:$((port + 1)) LIST_SOCKET=$addr:$((port + 2)) stack_nginx
	ALONE_URL=$BASE_URL ALONE_NGINX=$NGINX_PID BASE_URL=$MAIN_URL
	wait_until 60 eval '(echo >"/dev/tcp/$addr/$port") 2>/dev/null'
}

stop_alone() {
	kill -TERM "$ALONE_PID" "$ALONE_NGINX" 2>/dev/null
	wait "$ALONE_PID" "$ALONE_NGINX" 2>/dev/null
}

# FastCGI has no authentication: a host serves the address nginx connects
# from, and no other local peer (which could forge REMOTE_ADDR past every
# per-address budget, or read /metrics); each host has its pid file.
test_hosts_serve_only_nginx_and_each_has_its_pid_file() {
	local out
	out=$("$ROOT/tests/lib/fcgi.py" "127.0.0.2:$HP" REQUEST_METHOD=GET DOCUMENT_URI=/metrics REMOTE_ADDR=127.0.0.1)
	assertEquals "a FastCGI peer other than nginx is closed unanswered" "1 " "$? $out"
	assertContains "and logged" "$(cat "$CL/host1.log")" "refused a FastCGI connection from 127.0.0.1: not in --allow"
	http GET /
	assertHttp 200 '{"message":"Olá Mundo!"}'
	local i
	for i in 1 2 3; do
		out=$("$FZ_BIN" status --pid-file "$CL/host$i.pid")
		assertContains "host $i's status" "$out" "supervisor pid $(host_pids "$i" | head -1)"
	done
}

test_allow_refuses_other_peers_and_says_so() {
	local p
	p=$(free_ports)
	serve_alone 127.0.0.9 "$p" --allow 127.0.0.5,10.0.0.0/8
	curl -s -o /dev/null "$ALONE_URL/"
	assertEquals "nginx (from 127.0.0.1) is refused" 502 "$(curl -s -o /dev/null -w '%{http_code}' "$ALONE_URL/")"
	assertContains "the refusal is logged" "$(cat "$CL/alone/host.log")" \
		"refused a FastCGI connection from 127.0.0.1: not in --allow"
	stop_alone
	serve_alone 127.0.0.9 "$p" --allow 127.0.0.1/32
	assertEquals "an allowed peer is served" 200 "$(curl -s -o /dev/null -w '%{http_code}' "$ALONE_URL/")"
	stop_alone
	local out
	out=$(SECRET_KEY=k DATABASE_URL="$(pg_url fast_zero)" "$FZ_BIN" serve --listen "127.0.0.9:$p" \
		--migrations "$ROOT/migrations" --allow 'nonsense' 2>&1)
	assertEquals "a bad --allow stops the start" 2 $?
	assertContains "$out" "--allow: nonsense is not an address or ADDRESS/BITS"
}

# A cluster of its own, started as a terminal starts it: `make cluster` in a
# session (so a process group) of its own, FZ_BIN's binary as it is. Sets
# OWN_SID (make's pid: the session's and the group's id), OWN_DIR and OWN_URL.
# Other ports when nginx finds its port taken meanwhile (the cluster stops).
own_cluster_start() {
	local hp port
	OWN_DIR=$(mktemp -d "${TMPDIR:-/tmp}/fast_zero_own.XXXXXX")
	chmod 755 "$OWN_DIR"
	for _ in 1 2 3; do
		hp=$(free_ports) port=$(free_port)
		(cd "$ROOT" && exec setsid env -u DATABASE_URL HOSTS=3 PORT="$port" HOST_PORT="$hp" CLUSTER_DIR="$OWN_DIR" \
			ACCESS_LOG="$OWN_DIR/access.log" SECRET_KEY=test-secret-key FZ_BIN="$FZ_BIN" WORKERS=3 \
			make --no-print-directory -C "$ROOT" cluster) >>"$OWN_DIR/log" 2>&1 &
		OWN_SID=$! OWN_URL=http://127.0.0.1:$port OWN_HP=$hp
		within 180 own_cluster_up_or_gone
		own_cluster_up && return 0
		kill -0 "$OWN_SID" 2>/dev/null && break # neither up nor stopped
		wait "$OWN_SID"
	done
	fail "the cluster did not come up: $(cat "$OWN_DIR/log")"
	return 1
}

# Up: its nginx answers GET / (logged in its own access log: no other
# server took the port), and PostgreSQL's pid file is there.
own_cluster_up() {
	[ "$(curl -s -o /dev/null -w '%{http_code}' "$OWN_URL/")" = 200 ] && grep -q '"GET / ' "$OWN_DIR/access.log" &&
		[ -s "$OWN_DIR/pg/data/postmaster.pid" ]
}
own_cluster_up_or_gone() { own_cluster_up || ! kill -0 "$OWN_SID" 2>/dev/null; }

# What is left of the cluster, one process or path a line: a process of its
# session, a process naming its folder (nginx, PostgreSQL, the cluster's guard),
# its PostgreSQL, its pg folder.
own_cluster_left() {
	ps -o pid=,stat=,args= -s "$OWN_SID" | awk '$2 !~ /^Z/'
	pgrep -af -- "$OWN_DIR"
	[ -n "${OWN_PM:-}" ] && ps -o pid=,stat=,args= -p "$OWN_PM" | awk '$2 !~ /^Z/'
	[ -e "$OWN_DIR/pg" ] && echo "$OWN_DIR/pg"
	return 0
}
own_cluster_gone() { [ -z "$(own_cluster_left)" ]; }

# Whatever a failed test left of its own cluster, and its folder.
own_cluster_clean() {
	kill -KILL -- -"$OWN_SID" 2>/dev/null
	if [ -f "$OWN_DIR/pg/data/postmaster.pid" ]; then
		PG_DATA=$OWN_DIR/pg/data PG_OWNER=$(stat -c %U "$OWN_DIR/pg") pg_halt
	fi
	pkill -KILL -f -- "$OWN_DIR"
	wait "$OWN_SID" 2>/dev/null
	rm -rf "$OWN_DIR"
}

# own_cluster_signal SIG: SIG to the whole process group of the cluster, as
# a terminal sends it (Ctrl-C: SIGINT), make included (make passes a SIGTERM
# on to scripts/cluster a moment later); nothing of the cluster is left 10 s
# later, and no stop failed. Then its folder goes.
own_cluster_signal() {
	OWN_PM=$(head -n 1 "$OWN_DIR/pg/data/postmaster.pid")
	kill -"$1" -- -"$OWN_SID"
	wait "$OWN_SID"
	within 10 own_cluster_gone
	assertEquals "what is left of the cluster 10 s after SIG$1" "" "$(own_cluster_left)"
	assertNotContains "its log says no stop failed" "$(cat "$OWN_DIR/log")" "could not stop"
	own_cluster_clean
	OWN_PM=
}

# login_burst: the reported busy moment: one user, 40 logins at once with a
# wrong password, from 40 source addresses.
login_burst() {
	local saved=$BASE_URL i pids=()
	BASE_URL=$OWN_URL
	register burst burst@example.com
	BASE_URL=$saved
	assertEquals "registered" 201 "$STATUS"
	for i in $(seq 10 49); do
		curl -s -o /dev/null -w '%{http_code}\n' --max-time 120 --interface "127.0.0.$i" -X POST "$OWN_URL/auth/token" \
			-d 'username=burst@example.com&password=wrong' >"$OWN_DIR/login.$i" &
		pids+=($!)
	done
	wait "${pids[@]}"
	# 401s and some 429s; on a machine too busy to hash in time, 502s and 504s too.
	echo "the burst's answers:$(sort "$OWN_DIR"/login.* | uniq -c | tr -s ' \n' ' ')"
	assertEquals "40 logins answered" 40 "$(cat "$OWN_DIR"/login.* | grep -c '^[1-5][0-9][0-9]$')"
}

test_sigterm_to_the_process_group_after_a_login_burst_leaves_nothing() {
	own_cluster_start || { own_cluster_clean; return; }
	login_burst
	own_cluster_signal TERM
}

test_sigint_to_the_process_group_after_a_login_burst_leaves_nothing() {
	own_cluster_start || { own_cluster_clean; return; }
	login_burst
	own_cluster_signal INT
}

# Host 2 (supervisor and workers) SIGKILLed, and the signal at once, before
# the cluster starts it again.
test_sigterm_to_the_process_group_after_a_host_was_sigkilled_leaves_nothing() {
	own_cluster_start || { own_cluster_clean; return; }
	local script sup
	script=$(pgrep -P "$OWN_SID" -f scripts/cluster)
	sup=$(pgrep -P "$script" -f -- "--listen $(host 2):$OWN_HP ")
	assertNotNull "host 2 runs" "$sup"
	# shellcheck disable=SC2046
	kill -KILL "$sup" $(pgrep -P "$sup")
	own_cluster_signal TERM
}

test_sigterm_leaves_no_process_socket_or_server() {
	local pids
	pids=$(pgrep -s "$CL_PID" | tr '\n' ' ')
	kill -TERM "$CL_PID"
	wait "$CL_PID"
	assertEquals "the cluster exits 0" 0 $?
	wait_until 60 eval '! kill -0 $pids 2>/dev/null'
	local left=""
	for p in $pids; do kill -0 "$p" 2>/dev/null && left="$left $p"; done
	assertEquals "no process of its session left" "" "$left"
	assertEquals "no PostgreSQL left" "" "$(pgrep -f -- "-D $CL/pg/data")"
	assertFalse "its cluster is removed" "[ -e '$CL/pg' ]"
	assertFalse "nothing listens on the hosts' port" "(echo >/dev/tcp/127.0.0.2/$HP) 2>/dev/null"
	assertFalse "nothing listens on nginx's port" "(echo >/dev/tcp/127.0.0.1/$CPORT) 2>/dev/null"
}

# ---- issue 17: budgets for the whole deployment, retried writes ----
# (At the end of the file, after the SIGTERM test stops the cluster: each
# test here starts it again first when it is gone.)

# cluster_up [SETTING=value]: the cluster, started again when a test above
# stopped it, or when it does not run with the setting given.
cluster_up() {
	[ "${CL_SETTING:-}" = "${1:-}" ] && kill -0 "$CL_PID" 2>/dev/null && return 0
	kill -TERM "$CL_PID" "${VIA_PID[@]}" 2>/dev/null
	wait "$CL_PID" "${VIA_PID[@]}" 2>/dev/null
	rm -rf "$CL"
	CL_SETTING=${1:-}
	local rc
	[ -z "$CL_SETTING" ] || export "${CL_SETTING?}"
	oneTimeSetUp
	rc=$?
	[ -z "$CL_SETTING" ] || unset "${CL_SETTING%%=*}"
	return $rc
}

# hashed_logins: the wrong logins the three hosts have hashed (bad password
# or unknown email), from their metrics.
hashed_logins() {
	local i total=0 n
	for i in 1 2 3; do
		n=$(curl -s "${HOST_URL[$i]}/metrics" | awk 'index($0, "fast_zero_logins_total{outcome=\"bad_password\"}") == 1 ||
			index($0, "fast_zero_logins_total{outcome=\"unknown_email\"}") == 1 { s += $2 } END { print s + 0 }')
		total=$((total + n))
	done
	echo "$total"
}

# 40 wrong passwords for one email at once, each from its own address,
# spread by nginx over the three hosts: the email's budget (10 at once, then
# one every 2 s) is kept in PostgreSQL, so the hosts hash 10 together, not
# 10 each. The account's hash is made cheap (argon2 verifies any PHC string
# with its own parameters), so that the burst takes little time on any
# machine; the refills during it are allowed for (one per 2 s).
test_an_emails_login_budget_holds_across_the_hosts() {
	cluster_up || fail "the cluster did not start again"
	local before hashed start elapsed_ms statuses
	register lena lena@example.com
	sql "UPDATE users SET password = '$("$PY" -c 'import argon2; print(argon2.PasswordHasher(time_cost=1,
memory_cost=8, parallelism=1).hash("pw-lena"))')' WHERE email = 'lena@example.com'"
	before=$(hashed_logins)
	start=$(date +%s%N)
	statuses=$(seq 10 49 | xargs -P 40 -I{} curl -s --interface 127.0.1.{} -o /dev/null -w '%{http_code}\n' \
		-d 'username=lena@example.com&password=wrong' "$MAIN_URL/auth/token" | sort | uniq -c | xargs)
	elapsed_ms=$((($(date +%s%N) - start) / 1000000))
	hashed=$(($(hashed_logins) - before))
	assertTrue "hashed $hashed ($statuses) in $elapsed_ms ms: the email's 10, and one per 2 s since" \
		"[ $hashed -ge 10 ] && [ $hashed -le $((10 + elapsed_ms / 2000)) ]"
	assertContains "the others are refused" "$statuses" " 429"
	assertEquals "the hosts hashed what they answered 401" "$hashed" \
		"$(awk '{ for (i = 2; i <= NF; i += 2) if ($i == 401) print $(i - 1) }' <<<"$statuses")"
}

# hold_row ID: a session of the test holds user ID's row (SELECT ... FOR
# UPDATE) until release_row: a write to it waits meanwhile.
hold_row() {
	pg_psql "$PG_DB" -c "BEGIN; SELECT 1 FROM users WHERE id = $1 FOR UPDATE; SELECT pg_sleep(300)" \
		>/dev/null 2>&1 &
	HOLD_PID=$!
	for _ in $(seq 1 1200); do
		[ -n "$(sql "SELECT pid FROM pg_stat_activity WHERE query LIKE '%pg_sleep(300)%' AND state = 'active' AND pid <> pg_backend_pid()")" ] && return 0
		sleep 0.05
	done
	return 1
}
release_row() {
	sql "SELECT pg_cancel_backend(pid) FROM pg_stat_activity WHERE query LIKE '%pg_sleep(300)%' AND pid <> pg_backend_pid()" >/dev/null
	wait "$HOLD_PID" 2>/dev/null
}

# waiting_worker TEXT: the fast_zero worker whose PostgreSQL backend waits
# for a lock in a statement holding TEXT (at most 60 s): the two ends of
# their unix socket, from ss.
waiting_worker() {
	local backend peer
	for _ in $(seq 1 1200); do
		backend=$(sql "SELECT pid FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE '%$1%' AND pid <> pg_backend_pid()")
		[ -n "$backend" ] && break
		sleep 0.05
	done
	[ -n "$backend" ] || return 1
	peer=$(ss -xpn | awk -v b="pid=$backend," 'index($0, b) { print $8; exit }')
	ss -xpn | awk -v i="$peer" '$6 == i' | grep -o 'pid=[0-9]*' | head -1 | cut -d= -f2
}

# until_true SQL: waits (at most 60 s) until SQL answers t.
until_true() {
	for _ in $(seq 1 1200); do
		[ "$(sql "$1")" = t ] && return 0
		sleep 0.05
	done
	return 1
}

# Issue 17: nginx passes a PUT or DELETE to the next host when the one that
# had it dies (fastcgi_next_upstream error; HTTP calls both idempotent).
# When that host had committed the write, the resent request must answer
# what the first would have, not 401 (its token's password changed; its
# account is gone). Made to happen, not waited for: the write waits for a
# row the test holds, the test stops the worker that sent it (SIGSTOP),
# lets the write commit, then kills the worker: nginx resends to another host.
test_a_put_resent_after_its_host_died_answers_as_the_first_time() {
	cluster_up REQUEST_TIMEOUT=60 || fail "the cluster did not start again" # the waits below take seconds
	local id token worker
	register rita rita@example.com
	id=$(jq .id <<<"$BODY")
	http POST /auth/token -d 'username=rita@example.com&password=pw-rita'
	token=$(jq -r .access_token <<<"$BODY")
	hold_row "$id" || fail "the row was not held"
	curl -s -o "$CL/put.body" -w '%{http_code}' -X PUT "${JSON[@]}" -H "Authorization: Bearer $token" \
		-d '{"username":"rita2","email":"rita@example.com","password":"new"}' "$MAIN_URL/users/$id" >"$CL/put.status" &
	local put=$!
	worker=$(waiting_worker "UPDATE users SET")
	assertNotNull "the PUT's worker waits for the row" "$worker"
	kill -STOP "$worker"
	release_row
	until_true "SELECT username = 'rita2' FROM users WHERE id = $id"
	assertTrue "the PUT is committed" $?
	kill -KILL "$worker"
	wait "$put"
	assertEquals "the resent PUT answers as the first would have" \
		"200 {\"id\":$id,\"username\":\"rita2\",\"email\":\"rita@example.com\"}" \
		"$(cat "$CL/put.status") $(cat "$CL/put.body")"
	assertContains "nginx passed it to another host" "$(grep "\"PUT /users/$id " "$CL/access.log")" ", 127.0.0."
	http POST /auth/token -d 'username=rita@example.com&password=new'
	assertEquals "the new password stands" 200 "$STATUS"
}

test_a_delete_resent_after_its_host_died_answers_as_the_first_time() {
	cluster_up REQUEST_TIMEOUT=60 || fail "the cluster did not start again"
	local id token worker
	register dora dora@example.com
	id=$(jq .id <<<"$BODY")
	http POST /auth/token -d 'username=dora@example.com&password=pw-dora'
	token=$(jq -r .access_token <<<"$BODY")
	hold_row "$id" || fail "the row was not held"
	curl -s -o "$CL/delete.body" -w '%{http_code}' -X DELETE -H "Authorization: Bearer $token" \
		"$MAIN_URL/users/$id" >"$CL/delete.status" &
	local del=$!
	worker=$(waiting_worker "DELETE FROM users WHERE")
	assertNotNull "the DELETE's worker waits for the row" "$worker"
	kill -STOP "$worker"
	release_row
	until_true "SELECT count(*) = 0 FROM users WHERE id = $id"
	assertTrue "the DELETE is committed" $?
	kill -KILL "$worker"
	wait "$del"
	assertEquals "the resent DELETE answers as the first would have" '200 {"message":"User deleted"}' \
		"$(cat "$CL/delete.status") $(cat "$CL/delete.body")"
	assertContains "nginx passed it to another host" "$(grep "\"DELETE /users/$id " "$CL/access.log")" ", 127.0.0."
	http DELETE "/users/$id" -H "Authorization: Bearer $token"
	assertEquals "another DELETE with the token (another request) is refused" 401 "$STATUS"
}

. "$(dirname "$0")/../lib/report.sh"
. shunit2

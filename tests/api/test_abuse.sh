#!/bin/bash
# test_abuse.sh -- what one client must not be able to do (issue 10): bound
# fields, cheap 422s, tokens held against the account they were made for,
# ids never given twice, throttles on every route that hashes, nginx's own
# limits and answers. The floods themselves are measured by `make bench`
# (bench/abuse); here each limit is shown once, without a timing assertion.
SUITE_NAME=abuse
. "$(dirname "$0")/../lib/stack.sh"

oneTimeSetUp() {
	stack_start SESSION_MAX_HOURS=1 || exit 1
	# An argon2id hash of "secret" at 8 KiB and one pass, verified in a few
	# microseconds: the accounts a budget test counts requests of have it.
	# What such a test counts must not depend on how fast the machine
	# hashes: with the server's hashes (0.1 s each, seconds on a loaded
	# machine, two hash workers) the budgets refill while the requests wait
	# for a worker, and a request meant to find a budget spent finds it full.
	CHEAP_HASH=$("$PY" -c 'import argon2; print(argon2.PasswordHasher(time_cost=1, memory_cost=8, parallelism=1).hash("secret"))')
}
oneTimeTearDown() { stack_stop; }

# Each test of a budget kept per client address sends from a loopback
# address of its own (curl --interface 127.0.0.N): it starts on full
# budgets, nginx's and the workers', whatever the other tests spent, and
# spends none of theirs.

# cheap_users NAME N: users NAME1..NAMEN (NAMEi@example.com, password
# "secret" under CHEAP_HASH), made with SQL.
cheap_users() {
	sql "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $2)
		INSERT INTO users (username, password, email)
		SELECT '$1' || i, '$CHEAP_HASH', '$1' || i || '@example.com' FROM n"
}

# at_once N CURL_ARGS... URL: N copies of one request, all sent at once by
# one curl (no process started for each); one -w line each on stdout.
at_once() {
	local n=$1 url=${!#} copies=() i
	for i in $(seq "$n"); do copies+=(-o /dev/null "$url"); done
	curl -s --no-progress-meter -Z --parallel-immediate --parallel-max "$n" "${@:2:$#-2}" "${copies[@]}"
}

# now_ms: the time in milliseconds.
now_ms() { echo $(($(date +%s%N) / 1000000)); }

# register NAME EMAIL [PASSWORD]: sets ID
register() {
	send_json POST /users/ "{\"username\":\"$1\",\"email\":\"$2\",\"password\":\"${3:-secret}\"}"
	ID=$(jq -r .id <<<"$BODY")
}

# login EMAIL [PASSWORD]: sets TOKEN
login() {
	http POST /auth/token --data-urlencode "username=$1" --data-urlencode "password=${2:-secret}"
	TOKEN=$(jq -r .access_token <<<"$BODY")
}

# refresh TOKEN: POST /auth/refresh_token with it
refresh() { http POST /auth/refresh_token -H "Authorization: Bearer $1"; }

# put_self ID BODY TOKEN: PUT /users/ID
put_self() { send_json PUT "/users/$1" "$2" -H "Authorization: Bearer $3"; }

# repeat CHAR N: CHAR N times
repeat() { printf "%${2}s" "" | sed "s/ /$1/g"; }

# forge CLAIMS_JSON [ALG_TEXT]: a token signed with the stack's secret, its
# header's alg written as given (HS256 by default).
forge() {
	"$PY" - "$1" "${2:-HS256}" "$SECRET" <<'PY'
import base64, hashlib, hmac, json, sys
b = lambda x: base64.urlsafe_b64encode(x).rstrip(b'=').decode()
head = b(json.dumps({'alg': sys.argv[2], 'typ': 'JWT'}, separators=(',', ':')).encode())
body = b(sys.argv[1].encode())
sig = b(hmac.new(sys.argv[3].encode(), f'{head}.{body}'.encode(), hashlib.sha256).digest())
print(f'{head}.{body}.{sig}')
PY
}

test_username_longer_than_150_characters_is_string_too_long() {
	local long
	long=$(repeat a 151)
	send_json POST /users/ "{\"username\":\"$long\",\"email\":\"long@example.com\",\"password\":\"secret\"}"
	assertHttp 422 "{\"detail\":[{\"type\":\"string_too_long\",\"loc\":[\"body\",\"username\"],\"msg\":\"String should have at most 150 characters\",\"input\":\"$long\",\"ctx\":{\"max_length\":150}}]}"
	register "$(repeat é 150)" long@example.com
	assertEquals "150 characters (300 bytes) are accepted" 201 "$STATUS"
}

test_email_and_password_are_bounded() {
	local email password
	email="$(repeat a 60)@$(repeat b 190).com" # 255 characters
	password=$(repeat p 257)
	send_json POST /users/ "{\"username\":\"bounded\",\"email\":\"$email\",\"password\":\"$password\"}"
	assertHttp 422 "{\"detail\":[{\"type\":\"string_too_long\",\"loc\":[\"body\",\"email\"],\"msg\":\"String should have at most 254 characters\",\"input\":\"$email\",\"ctx\":{\"max_length\":254}},{\"type\":\"string_too_long\",\"loc\":[\"body\",\"password\"],\"msg\":\"String should have at most 256 characters\",\"input\":\"$password\",\"ctx\":{\"max_length\":256}}]}"
	register bounded bounded@example.com "$(repeat p 256)"
	assertEquals "a 256-character password is accepted" 201 "$STATUS"
	http PUT "/users/$ID" -H 'Content-Type: application/json' -H "Authorization: Bearer x" \
		--data-binary "{\"username\":\"$(repeat u 151)\",\"email\":\"b@example.com\",\"password\":\"s\"}"
	assertEquals "PUT checks the token first" 401 "$STATUS"
}

test_a_mebibyte_of_floats_is_answered_422_and_echoed_as_python_does() {
	local file=$STACK_DIR/floats.json
	"$PY" -c "
import sys
sys.stdout.write('{\"username\":\"a\",\"x\":[' + ','.join(['1.7976931348623157e308'] * 44521) + ',0.1000000000000000055511151231257827,2.9999999999999996]}')" >"$file"
	http POST /users/ -H 'Content-Type: application/json' --data-binary "@$file"
	assertEquals 422 "$STATUS"
	assertEquals "missing email and password, each echoing the body" "missing missing" \
		"$(jq -r '[.detail[].type] | join(" ")' <<<"$BODY")"
	assertEquals "floats written as Python writes them" \
		"1.7976931348623157e+308 44523 0.1 2.9999999999999996" \
		"$(jq -r '.detail[0].input.x | "\(.[0]) \(length) \(.[44521]) \(.[44522])"' <<<"$BODY")"
}

test_login_reads_the_email_as_registration_does() {
	register alice alice@example.com
	login alice@EXAMPLE.com
	assertEquals "the domain's case does not matter" 200 "$STATUS"
	login ALICE@example.com
	assertHttp 401 '{"detail":"Incorrect email or password"}'
}

test_our_tokens_carry_iat_and_auth_time() {
	register irene irene@example.com
	login irene@example.com
	assertEquals "auth_time exp iat pwh sub" "$(cut -d. -f2 <<<"$TOKEN" | "$PY" -c '
import base64, sys
print(" ".join(__import__("json").loads(base64.urlsafe_b64decode(sys.stdin.read().strip() + "==")).keys()))')"
}

test_an_old_token_does_not_open_the_next_account_with_its_email() {
	local old
	register carol carol@example.com
	login carol@example.com
	old=$TOKEN
	http DELETE "/users/$ID" -H "Authorization: Bearer $old"
	assertEquals 200 "$STATUS"
	register mallory carol@example.com # within the same second, as often as not
	assertEquals 201 "$STATUS"
	refresh "$old"
	assertHttp 401 '{"detail":"Could not validate credentials"}'
	put_self "$ID" '{"username":"x","email":"carol@example.com","password":"x"}' "$old"
	assertEquals 401 "$STATUS"
	http DELETE "/users/$ID" -H "Authorization: Bearer $old"
	assertEquals 401 "$STATUS"
	login carol@example.com
	refresh "$TOKEN"
	assertEquals "the new account's own token works" 200 "$STATUS"
}

test_an_old_token_does_not_follow_its_email_to_another_account() {
	local dave erin
	register dave dave@example.com
	dave=$ID
	login dave@example.com
	put_self "$dave" '{"username":"dave","email":"dave2@example.com","password":"secret"}' "$TOKEN"
	assertEquals 200 "$STATUS"
	local old=$TOKEN
	register erin dave@example.com
	erin=$ID
	put_self "$erin" '{"username":"erin","email":"dave@example.com","password":"owned"}' "$old"
	assertHttp 401 '{"detail":"Could not validate credentials"}'
}

test_a_password_change_refuses_older_tokens() {
	local id first second
	register frank frank@example.com
	id=$ID
	login frank@example.com
	first=$TOKEN
	login frank@example.com
	second=$TOKEN
	put_self "$id" '{"username":"frank","email":"frank@example.com","password":"secret"}' "$first"
	assertEquals "a PUT keeping the password" 200 "$STATUS"
	refresh "$first"
	assertEquals "keeps the caller's token" 200 "$STATUS"
	put_self "$id" '{"username":"frank","email":"frank@example.com","password":"new"}' "$first"
	assertEquals "a PUT changing it" 200 "$STATUS"
	refresh "$first"
	assertHttp 401 '{"detail":"Could not validate credentials"}'
	refresh "$second"
	assertEquals "every older token is refused" 401 "$STATUS"
	login frank@example.com new
	refresh "$TOKEN"
	assertEquals "a login right after works" 200 "$STATUS"
}

# phc PASSWORD T: an argon2id PHC string of PASSWORD at time cost T (8 MiB,
# one lane): argon2 verifies any PHC string with its own parameters, so a
# large T makes one verify take as long as a test needs, on any machine.
phc() {
	"$PY" -c 'import argon2, sys; print(argon2.PasswordHasher(time_cost=int(sys.argv[2]), memory_cost=8192,
parallelism=1).hash(sys.argv[1]))' "$1" "$2"
}

# hashing: waits (at most 60 s) until a hash worker is verifying.
hashing() {
	local i
	for i in $(seq 1 1200); do
		curl -s "$BASE_URL/metrics" | grep -q '^fast_zero_workers{socket="hash",state="hashing"} [1-9]' && return 0
		sleep 0.05
	done
	return 1
}

# race_setup EMAIL: stores a slow hash of "old" for EMAIL's account (its
# verify takes seconds) and a cheap one; sets SLOW and CHEAP, the SQL that
# puts each in place. The time cost doubles from one try to the next (RACE_T).
race_setup() {
	local q="UPDATE users SET password = '%s' WHERE email = '$1'"
	# shellcheck disable=SC2059
	SLOW=$(printf "$q" "$(phc old "$RACE_T")") CHEAP=$(printf "$q" "$(phc old 1)")
}
RACE_T=100

# A login verifying the old password while its owner changes it (issue 17):
# the token it gets was granted against the old hash, and opens nothing.
# Each try is a new account; the time cost doubles when the slow verify
# ended before the change did (a fast machine).
test_a_login_racing_a_password_change_gets_no_lasting_token() {
	[ "$(nproc)" -ge 2 ] || startSkipping # the change must hash while the login does
	local id try slow_login raced=""
	for try in 1 2 3; do
		register "ruth$try" "ruth$try@example.com" old
		id=$ID
		race_setup "ruth$try@example.com"
		sql "$SLOW"
		curl -s -o "$STACK_DIR/slow_login" -d "username=ruth$try@example.com&password=old" \
			"$BASE_URL/auth/token" &
		slow_login=$!
		hashing || fail "the login never started hashing"
		sql "$CHEAP" # the owner's own login and PUT are quick
		login "ruth$try@example.com" old
		put_self "$id" "{\"username\":\"ruth$try\",\"email\":\"ruth$try@example.com\",\"password\":\"new\"}" "$TOKEN"
		assertEquals "the password change" 200 "$STATUS"
		kill -0 "$slow_login" 2>/dev/null && raced=1
		wait "$slow_login"
		[ -n "$raced" ] && break
		RACE_T=$((RACE_T * 2))
	done
	assertNotNull "the login was still verifying when the change was answered" "$raced"
	assertEquals "the old password verified against the hash it read" bearer \
		"$(jq -r .token_type "$STACK_DIR/slow_login")"
	refresh "$(jq -r .access_token "$STACK_DIR/slow_login")"
	assertHttp 401 '{"detail":"Could not validate credentials"}'
	login "ruth$try@example.com" new
	refresh "$TOKEN"
	assertEquals "the new password's token works" 200 "$STATUS"
}

# A PUT checked against the old hash, racing a PUT that changes the
# password, writes nothing after that change (compare-and-swap on the hash).
test_a_put_racing_a_password_change_writes_nothing_after_it() {
	[ "$(nproc)" -ge 2 ] || startSkipping
	local id try put_a raced="" user
	for try in 1 2 3; do
		user=sam$try
		register "$user" "$user@example.com" old
		id=$ID
		race_setup "$user@example.com"
		sql "$SLOW"
		login "$user@example.com" old # slowly: a token granted against the slow hash
		# A keeps the password (verified against the slow hash) and renames.
		curl -s -o "$STACK_DIR/put_a" -w '%{http_code}' -X PUT -H 'Content-Type: application/json' \
			-H "Authorization: Bearer $TOKEN" \
			-d "{\"username\":\"$user-a\",\"email\":\"$user@example.com\",\"password\":\"old\"}" \
			"$BASE_URL/users/$id" >"$STACK_DIR/put_a.status" &
		put_a=$!
		hashing || fail "PUT A never started hashing"
		sql "$CHEAP"
		login "$user@example.com" old
		put_self "$id" "{\"username\":\"$user\",\"email\":\"$user@example.com\",\"password\":\"new\"}" "$TOKEN"
		assertEquals "B changes the password" 200 "$STATUS"
		kill -0 "$put_a" 2>/dev/null && raced=1
		wait "$put_a"
		[ -n "$raced" ] && break
		RACE_T=$((RACE_T * 2))
	done
	assertNotNull "A was still verifying when B was answered" "$raced"
	assertEquals "A is refused" '401 {"detail":"Could not validate credentials"}' \
		"$(cat "$STACK_DIR/put_a.status") $(cat "$STACK_DIR/put_a")"
	http GET "/users/$id"
	assertHttp 200 "{\"id\":$id,\"username\":\"$user\",\"email\":\"$user@example.com\"}"
	login "$user@example.com" new
	assertEquals "B's password stands" 200 "$STATUS"
	login "$user@example.com" old
	assertEquals "the old one is not back" 401 "$STATUS"
}

test_pyjwt_tokens_without_iat_are_accepted_until_a_password_change() {
	local id tok
	register gina gina@example.com
	id=$ID
	tok=$(forge "{\"sub\":\"gina@example.com\",\"exp\":$(($(date +%s) + 600))}")
	refresh "$tok"
	assertEquals "accepted until its exp" 200 "$STATUS"
	put_self "$id" '{"username":"gina","email":"gina@example.com","password":"new"}' "$tok"
	assertEquals 200 "$STATUS"
	refresh "$tok"
	assertEquals "refused once the password changed" 401 "$STATUS"
}

test_refresh_cannot_outlive_session_max_hours() {
	local now tok exp
	register hugo hugo@example.com
	if [ "$FZ_BACKEND" = postgresql ]; then
		sql "UPDATE users SET created_at = now() - interval '2 hours' WHERE id = $ID"
	else
		sql "UPDATE users SET created_at = datetime('now', '-2 hours') WHERE id = $ID"
	fi
	now=$(date +%s)
	tok=$(forge "{\"auth_time\":$((now - 3000)),\"exp\":$((now + 600)),\"iat\":$((now - 1)),\"sub\":\"hugo@example.com\"}")
	refresh "$tok"
	assertEquals 200 "$STATUS"
	exp=$(jq -r .access_token <<<"$BODY" | cut -d. -f2 | "$PY" -c '
import base64, json, sys
c = json.loads(base64.urlsafe_b64decode(sys.stdin.read().strip() + "=="))
print(int(c["exp"] - c["auth_time"]))')
	assertEquals "the new token ends with the session (SESSION_MAX_HOURS=1)" 3600 "$exp"
	tok=$(forge "{\"auth_time\":$((now - 3601)),\"exp\":$((now + 600)),\"iat\":$((now - 1)),\"sub\":\"hugo@example.com\"}")
	refresh "$tok"
	assertHttp 401 '{"detail":"Could not validate credentials"}'
}

test_alg_is_compared_exactly() {
	local tok
	register ivan ivan@example.com
	tok=$(forge "{\"sub\":\"ivan@example.com\",\"exp\":$(($(date +%s) + 600))}" hs256)
	refresh "$tok"
	assertHttp 401 '{"detail":"Could not validate credentials"}'
}

test_ids_are_never_given_twice() {
	local top
	register jack jack@example.com
	top=$ID
	login jack@example.com
	http DELETE "/users/$top" -H "Authorization: Bearer $TOKEN"
	register jill jill@example.com
	assertEquals "the deleted highest id is not reused" $((top + 1)) "$ID"
}

test_a_nul_in_a_form_field_name_is_another_field() {
	http POST /auth/token -d 'username%00junk=alice@example.com&password=secret'
	assertHttp 422 '{"detail":[{"type":"missing","loc":["body","username"],"msg":"Field required","input":null}]}'
}

# An account's logins have a budget, 10 at once then one every 2 s (GCRA):
# within any stretch of time it lets through no more than 10 + the
# stretch / 2 s, whatever the answer would be; once it is spent, a right
# password is refused as a wrong one is. kate logs in from 127.0.0.2.
test_an_account_has_a_login_budget() {
	local statuses start ms verified ok=0
	sql "INSERT INTO users (username, password, email) VALUES ('kate', '$CHEAP_HASH', 'kate@example.com')"
	start=$(now_ms)
	statuses=$(at_once 16 --interface 127.0.0.2 -w '%{http_code}\n' \
		-d 'username=kate@example.com&password=wrong' "$BASE_URL/auth/token" | sort | uniq -c)
	ms=$(($(now_ms) - start))
	verified=$(awk '$2 == 401 { n += $1 } END { print n + 0 }' <<<"$statuses")
	assertEquals "each is verified or refused: $statuses" 16 "$(awk '$2 == 401 || $2 == 429 { n += $1 } END { print n + 0 }' <<<"$statuses")"
	assertTrue "the first ones, the whole burst, are verified: $statuses" "[ $verified -ge 10 ]"
	assertTrue "no more than the budget lets through in $ms ms ($((10 + ms / 2000))): $statuses" \
		"[ $verified -le $((10 + ms / 2000)) ]"
	# The budget spent, the right password is refused; a login the budget
	# let through meanwhile (one every 2 s) must be one it could.
	for _ in $(seq 1 20); do
		http POST /auth/token --interface 127.0.0.2 -d 'username=kate@example.com&password=secret'
		[ "$STATUS" = 200 ] || break
		ok=$((ok + 1))
	done
	ms=$(($(now_ms) - start))
	assertHttp 429 '{"detail":"Too Many Requests"}'
	assertNotNull "refused by a worker (kate's budget), not by nginx" "$(header X-Request-Id)"
	assertTrue "Retry-After in seconds: $(header Retry-After)" "[[ '$(header Retry-After)' =~ ^[1-9][0-9]*$ ]]"
	assertTrue "logins let through in $ms ms: $verified wrong and $ok right, more than the budget's $((10 + ms / 2000))" \
		"[ $((verified + ok)) -le $((10 + ms / 2000)) ]"
	http POST /auth/token --interface 127.0.0.2 -d 'username=kate2@example.com&password=secret'
	assertEquals "another account is not held back" 401 "$STATUS"
}

# spray EMAIL FILE: wrong passwords for EMAIL, each from the next of
# 200 loopback addresses (127.0.0.10...), ~10 a second, one "status" a line in
# FILE, until FILE.stop exists.
spray() {
	local i=0
	while [ ! -e "$2.stop" ]; do
		curl -s --interface "127.0.0.$((10 + i % 200))" -o /dev/null -w '%{http_code}\n' \
			-d "username=$1&password=wrong" "$BASE_URL/auth/token" >>"$2"
		i=$((i + 1))
		sleep 0.1
	done
}

# Issue 17: wrong passwords for the owner's email from rotating addresses
# spend the email's budget, but not the budget of the address its owner has
# logged in from before: the owner is not locked out, and the spray gets
# no more guesses hashed than the email's budget gives. The account's hash
# is made cheap, so that the spray outruns the budget's refill on any
# machine (argon2 verifies a PHC string with its own parameters).
test_a_spray_from_other_addresses_does_not_lock_the_owner_out() {
	local file=$STACK_DIR/spray statuses="" i start hashed
	register olga olga@example.com
	sql "UPDATE users SET password = '$(phc secret 1)' WHERE email = 'olga@example.com'"
	login olga@example.com
	assertEquals "the owner logs in from 127.0.0.1 (remembered)" 200 "$STATUS"
	start=$SECONDS
	spray olga@example.com "$file" &
	local pid=$!
	for i in $(seq 1 600); do # until the email's budget is spent (at most 60 s)
		grep -q '^429$' "$file" 2>/dev/null && break
		sleep 0.1
	done
	for i in 1 2 3; do
		login olga@example.com
		statuses="$statuses $STATUS"
		sleep 0.5
	done
	touch "$file.stop"
	wait "$pid"
	assertContains "the spray spent the email's budget" "$(sort "$file" | uniq -c)" " 429"
	assertEquals "the owner's logins meanwhile" " 200 200 200" "$statuses"
	hashed=$(grep -c '^401$' "$file")
	assertTrue "the spray's guesses hashed ($hashed in $((SECONDS - start)) s): the email's budget, no more" \
		"[ $hashed -le $((9 + (SECONDS - start) / 2 + 1)) ]"
	assertEquals "only the owner's address is remembered" 127.0.0.1 \
		"$(sql "SELECT address FROM login_addresses JOIN users ON users.id = user_id WHERE email = 'olga@example.com'")"
}

# Issue 17: nginx keys its per-address limits on an IPv6 client's /64 (and
# on the address itself for IPv4, IPv4-mapped included). The stack's own
# map, in a scratch nginx that takes the client's address from
# X-Forwarded-For (realip), limiting 2 at once per key.
test_nginx_keys_an_ipv6_client_on_its_64() {
	local map dir=$STACK_DIR/realip port pid out="" a
	map=$(grep -o 'map \$binary_remote_addr \$fast_zero_client {.*}' "$STACK_DIR/nginx.conf")
	assertNotNull "the stack's nginx has the map" "$map"
	assertContains "nginx/upstream.conf's is the same" "$(tr -d '\n\t' <"$ROOT/nginx/upstream.conf")" \
		"$(sed 's/{ /{/; s/; /;/g; s/; }/;}/' <<<"$map" | tr -d '\t')"
	mkdir -p "$dir"
	port=$(free_port)
	cat >"$dir/nginx.conf" <<EOF
daemon off;
pid $dir/nginx.pid;
error_log $dir/error.log;
events { worker_connections 64; }
http {
	access_log off;
	client_body_temp_path $dir/body;
	fastcgi_temp_path $dir/fastcgi;
	proxy_temp_path $dir/proxy;
	uwsgi_temp_path $dir/uwsgi;
	scgi_temp_path $dir/scgi;
	set_real_ip_from 127.0.0.1;
	real_ip_header X-Forwarded-For;
	$map
	limit_req_zone \$fast_zero_client zone=t:1m rate=1r/m;
	server {
		listen 127.0.0.1:$port;
		location / { limit_req zone=t burst=1 nodelay; limit_req_status 429; empty_gif; }
	}
}
EOF
	nginx -p "$dir" -c "$dir/nginx.conf" -e "$dir/error.log" &
	pid=$!
	for _ in $(seq 1 1200); do
		(echo >"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
		sleep 0.05
	done
	for a in 2001:db8:1:2::1 2001:db8:1:2:ffff::2 2001:db8:1:2::3 2001:db8:1:3::1 ::ffff:192.0.2.1 ::ffff:192.0.2.2 \
		::ffff:192.0.2.1 ::ffff:192.0.2.1 192.0.2.1; do
		out="$out $(curl -s -o /dev/null -w '%{http_code}' -H "X-Forwarded-For: $a" "http://127.0.0.1:$port/")"
	done
	kill "$pid"
	wait "$pid"
	assertEquals "one budget for 2001:db8:1:2::/64, another for 2001:db8:1:3::/64, one per IPv4 address" \
		" 200 200 429 200 200 200 200 429 200" "$out"
}

# An account's updates have a budget, 10 at once then one a second. liam
# updates from 127.0.0.5, keeping his (cheaply hashed) password.
test_an_account_has_an_update_budget() {
	local id statuses start ms made
	sql "INSERT INTO users (username, password, email) VALUES ('liam', '$CHEAP_HASH', 'liam@example.com')"
	id=$(sql "SELECT id FROM users WHERE email = 'liam@example.com'")
	login liam@example.com
	start=$(now_ms)
	statuses=$(at_once 16 --interface 127.0.0.5 -w '%{http_code}\n' -X PUT \
		-H 'Content-Type: application/json' -H "Authorization: Bearer $TOKEN" \
		-d '{"username":"liam","email":"liam@example.com","password":"secret"}' \
		"$BASE_URL/users/$id" | sort | uniq -c)
	ms=$(($(now_ms) - start))
	made=$(awk '$2 == 200 { n += $1 } END { print n + 0 }' <<<"$statuses")
	assertEquals "each is made or refused: $statuses" 16 "$(awk '$2 == 200 || $2 == 429 { n += $1 } END { print n + 0 }' <<<"$statuses")"
	assertTrue "the first ones, the whole burst, are made: $statuses" "[ $made -ge 10 ]"
	assertTrue "no more than the budget lets through in $ms ms ($((10 + ms / 1000))): $statuses" \
		"[ $made -le $((10 + ms / 1000)) ]"
	# The budget spent, the next update is refused; one the budget let
	# through meanwhile (one a second) must be one it could.
	for _ in $(seq 1 20); do
		send_json PUT "/users/$id" '{"username":"liam","email":"liam@example.com","password":"secret"}' \
			--interface 127.0.0.5 -H "Authorization: Bearer $TOKEN"
		[ "$STATUS" = 200 ] || break
		made=$((made + 1))
	done
	ms=$(($(now_ms) - start))
	assertHttp 429 '{"detail":"Too Many Requests"}'
	assertNotNull "refused by a worker (liam's budget), not by nginx" "$(header X-Request-Id)"
	assertTrue "updates made in $ms ms: $made, more than the budget's $((10 + ms / 1000))" \
		"[ $made -le $((10 + ms / 1000)) ]"
}

# nginx's own budget for the hashing routes, per address: 100 at once, then
# 20 a second. 300 registrations from 127.0.0.3, 40 at a time by one curl
# (bad JSON: answered without a hash, but counted).
test_nginx_caps_requests_to_the_hashing_routes_per_address() {
	local statuses start ms made
	start=$(now_ms)
	statuses=$(curl -s --no-progress-meter -Z --parallel-immediate --parallel-max 40 --interface 127.0.0.3 -o /dev/null \
		-w '%{http_code} %{content_type} retry-after=%header{retry-after}\n' \
		-H 'Content-Type: application/json' -d '{' "$BASE_URL/users/?[1-300]" | sort | uniq -c)
	ms=$(($(now_ms) - start))
	made=$(awk '$2 == 422 { n += $1 } END { print n + 0 }' <<<"$statuses")
	assertContains "some are refused by nginx, in JSON: $statuses" "$statuses" \
		" 429 application/json retry-after=1"
	assertTrue "a burst of 100 let through: $statuses" "[ $made -ge 100 ]"
	assertTrue "no more than the budget lets through in $ms ms ($((101 + ms / 50))): $statuses" \
		"[ $made -le $((101 + ms / 50)) ]"
	http GET /users/1 --interface 127.0.0.3
	assertEquals "reads are not held back" 200 "$STATUS"
}

test_requests_in_flight_per_address_are_capped() {
	local out
	# 70 requests whose bodies never come: 64 are held, the rest refused at once.
	out=$("$PY" - "$PORT" <<'PY'
import socket, sys
socks, refused = [], 0
for _ in range(70):
    s = socket.create_connection(('127.0.0.1', int(sys.argv[1])))
    s.sendall(b'POST /users/1 HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n')
    socks.append(s)
for s in socks:
    s.settimeout(0.5)
    try:
        if s.recv(64).startswith(b'HTTP/1.1 429'):
            refused += 1
    except socket.timeout:
        pass
for s in socks:
    s.close()
print(refused)
PY
)
	assertTrue "some of the 70 are refused 429 ($out)" "[ '$out' -ge 1 ] && [ '$out' -le 10 ]"
	http GET /
	assertEquals "and the address is served again once they are gone" 200 "$STATUS"
}

test_every_nginx_answer_is_json() {
	http GET /_fast_zero/anything
	assertHttp 404 '{"detail":"Not Found"}'
	http GET /_fast_zero/429.json
	assertHttp 404 '{"detail":"Not Found"}'
}

test_http_0_9_is_not_answered() {
	local out
	out=$("$PY" - "$PORT" <<'PY'
import socket, sys
s = socket.create_connection(('127.0.0.1', int(sys.argv[1])))
s.settimeout(5)
s.sendall(b'GET /\r\n')
print(len(s.recv(4096)))
PY
)
	assertEquals "closed without a byte" 0 "$out"
}

test_no_token_reaches_the_access_log() {
	register mona mona@example.com
	login mona@example.com
	http GET "/users/?limit=1&token=$TOKEN"
	http GET "/users/$TOKEN"
	http GET "/users/?access_token=abc"
	http GET "/users/?limit=1"
	assertNotContains "$(cat "$STACK_DIR/access.log")" "$TOKEN"
	assertNotContains "$(cat "$STACK_DIR/access.log")" "access_token=abc"
	assertContains "the path is kept" "$(cat "$STACK_DIR/access.log")" '"GET /users/?[removed: holds a token] HTTP/1.1"'
	assertContains "other queries are kept" "$(cat "$STACK_DIR/access.log")" '"GET /users/?limit=1'
}

test_no_password_reaches_the_access_log() {
	http GET "/users/?limit=1&password=hunter2"
	http GET "/users/?client_secret=s3cr3t&limit=1"
	http GET "/users/?PASSWORD=Hunter3"
	assertNotContains "$(cat "$STACK_DIR/access.log")" "hunter2"
	assertNotContains "$(cat "$STACK_DIR/access.log")" "s3cr3t"
	assertNotContains "$(cat "$STACK_DIR/access.log")" "Hunter3"
	assertEquals "the path is kept" 3 "$(grep -c '"GET /users/?\[removed: holds a password\] HTTP/1.1"' "$STACK_DIR/access.log")"
}

test_a_short_secret_key_is_warned_about_at_start() {
	assertContains "$(cat "$STACK_DIR/log")" "warning: setting SECRET_KEY is 15 bytes"
}

test_nginx_workers_are_not_root() {
	[ "$(id -u)" -eq 0 ] || startSkipping
	local users
	users=$(ps -o user= --ppid "$(cat "$STACK_DIR/nginx.pid")" | sort -u)
	assertEquals "nobody" "$users"
}

# The workers' budget per address for the requests that hash, 40 at once,
# then 4 a second: 90 updates at once from 127.0.0.4, each of another
# account keeping its (cheaply hashed) password, each a verification's worth
# of the budget. nginx lets them all through (its budget is 100 at once).
test_one_address_has_a_budget_for_hashes() {
	local statuses start ms made
	cheap_users flood 90
	# One PUT each, with a token signed with the stack's secret, in a curl
	# config: one curl sends them all.
	"$PY" - "$BASE_URL" "$SECRET" "$(sql "SELECT id || '|' || email FROM users WHERE username LIKE 'flood%'")" \
		>"$STACK_DIR/flood.curl" <<'PY'
import base64, hashlib, hmac, json, sys, time
url, secret, rows = sys.argv[1], sys.argv[2], sys.argv[3].split()
b = lambda x: base64.urlsafe_b64encode(x).rstrip(b'=').decode()
head = b(b'{"alg":"HS256","typ":"JWT"}')
for n, row in enumerate(rows):
    uid, email = row.split('|')
    claims = b(json.dumps({'sub': email, 'exp': int(time.time()) + 600}).encode())
    sig = b(hmac.new(secret.encode(), f'{head}.{claims}'.encode(), hashlib.sha256).digest())
    body = json.dumps({'username': email.split('@')[0], 'email': email, 'password': 'secret'})
    print('next' if n else '', f'url = "{url}/users/{uid}"', 'request = "PUT"', 'output = "/dev/null"',
          'header = "Content-Type: application/json"', f'header = "Authorization: Bearer {head}.{claims}.{sig}"',
          'data = ' + json.dumps(body), 'interface = "127.0.0.4"', 'silent',
          r'write-out = "%{http_code} %header{x-request-id}\n"', sep='\n')
PY
	start=$(now_ms)
	statuses=$(curl -s --no-progress-meter -Z --parallel-immediate --parallel-max 45 -K "$STACK_DIR/flood.curl" |
		awk '{ print $1, ($2 == "" ? "by nginx" : "by a worker") }' | sort | uniq -c)
	ms=$(($(now_ms) - start))
	made=$(awk '$2 == 200 { n += $1 } END { print n + 0 }' <<<"$statuses")
	assertEquals "each is made or refused by a worker: $statuses" 90 \
		"$(awk '($2 == 200 || $2 == 429) && $5 == "worker" { n += $1 } END { print n + 0 }' <<<"$statuses")"
	assertTrue "the first ones, the whole burst, are made: $statuses" "[ $made -ge 40 ]"
	assertTrue "no more than the budget lets through in $ms ms ($((40 + ms / 250))): $statuses" \
		"[ $made -le $((40 + ms / 250)) ]"
	assertContains "some are refused by the workers: $statuses" "$statuses" " 429 by a worker"
}

. "$(dirname "$0")/../lib/report.sh"
. shunit2

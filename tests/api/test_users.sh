#!/bin/bash
# test_users.sh -- the /users routes: create, list, read, update, delete, their
# 403/404/405/409 answers, both spellings of each path, and what is stored
# (argon2id hashes, never returned), against a real stack.
SUITE_NAME=users
. "$(dirname "$0")/../lib/stack.sh"


# A token for EMAIL as PyJWT makes it with the stack's secret (HS256, 30 min).
token_for() {
	"$PY" -c 'import jwt, sys, time
print(jwt.encode({"sub": sys.argv[1], "exp": int(time.time()) + 1800}, sys.argv[2], algorithm="HS256"))' "$1" "$SECRET"
}

auth() { echo "Authorization: Bearer $(token_for "$1")"; }

# The id the database holds for EMAIL.
id_of() {
	sqlite3 "$DB" "select id from users where email = '$1'"
}

user_count() {
	sqlite3 "$DB" 'select count(*) from users'
}

# Logs in with the OAuth2 password form; sets STATUS/BODY.
login() {
	http POST /auth/token --data-urlencode "username=$1" --data-urlencode "password=$2"
}

oneTimeSetUp() {
	stack_start || return 1
	send_json POST /users/ '{"username":"alice","email":"alice@example.com","password":"secret"}'
	ALICE_STATUS=$STATUS ALICE_BODY=$BODY ALICE_TYPE=$(header Content-Type)
	send_json POST /users '{"username":"bob","email":"Bob@Example.COM","password":"secret"}'
	BOB_STATUS=$STATUS BOB_BODY=$BODY
	send_json POST /users/ '{"username":"carol","email":"carol@example.com","password":"secret"}'
	CAROL_STATUS=$STATUS CAROL_BODY=$BODY
}
oneTimeTearDown() { stack_stop; }

ALICE='{"id":1,"username":"alice","email":"alice@example.com"}'
BOB='{"id":2,"username":"bob","email":"Bob@example.com"}'
CAROL='{"id":3,"username":"carol","email":"carol@example.com"}'

# --- POST /users/ ---------------------------------------------------------

test_post_users_answers_201_with_the_user() {
	assertEquals "status" 201 "$ALICE_STATUS"
	assertEquals "body" "$ALICE" "$ALICE_BODY"
	assertEquals "application/json" "$ALICE_TYPE"
	assertEquals "status" 201 "$CAROL_STATUS"
	assertEquals "body" "$CAROL" "$CAROL_BODY"
}

test_post_users_without_slash_is_the_same_route() {
	assertEquals "status" 201 "$BOB_STATUS"
	assertEquals "the email's domain is lower-cased, the local part kept" "$BOB" "$BOB_BODY"
	assertEquals "Bob@example.com" "$(sqlite3 "$DB" 'select email from users where id = 2')"
}

# --- GET /users/ ----------------------------------------------------------

test_get_users_lists_every_user_by_id() {
	http GET /users/
	assertHttp 200 "{\"users\":[$ALICE,$BOB,$CAROL]}"
	assertEquals "application/json" "$(header Content-Type)"
	http GET /users
	assertHttp 200 "{\"users\":[$ALICE,$BOB,$CAROL]}"
}

test_get_users_offset_and_limit() {
	http GET '/users/?offset=0&limit=100'
	assertHttp 200 "{\"users\":[$ALICE,$BOB,$CAROL]}"
	http GET '/users/?offset=1&limit=1'
	assertHttp 200 "{\"users\":[$BOB]}"
	http GET '/users/?limit=2'
	assertHttp 200 "{\"users\":[$ALICE,$BOB]}"
	http GET '/users/?offset=1&limit=2'
	assertHttp 200 "{\"users\":[$BOB,$CAROL]}"
	http GET '/users?offset=2&limit=1'
	assertHttp 200 "{\"users\":[$CAROL]}"
	http GET '/users/?offset=1000'
	assertHttp 200 '{"users":[]}'
}

test_get_users_unknown_query_keys_are_ignored() {
	http GET '/users/?limit=1&color=blue'
	assertHttp 200 "{\"users\":[$ALICE]}"
}

# Each list worker keeps its last short page while the data is unchanged:
# a change made by any other connection is seen by the very next list.
test_get_users_never_answers_from_before_a_change() {
	local i
	for i in $(seq 1 16); do
		http GET '/users/?offset=1&limit=1'
		assertHttp 200 "{\"users\":[$BOB]}"
	done
	sqlite3 "$DB" "UPDATE users SET username = 'bobby' WHERE id = 2"
	for i in $(seq 1 16); do
		http GET '/users/?offset=1&limit=1'
		assertHttp 200 "{\"users\":[$(echo "$BOB" | jq -c '.username = "bobby"')]}"
	done
	sqlite3 "$DB" "UPDATE users SET username = 'bob' WHERE id = 2"
	for i in $(seq 1 16); do
		http GET '/users/?offset=1&limit=1'
		assertHttp 200 "{\"users\":[$BOB]}"
	done
}

# --- GET /users/{user_id} -------------------------------------------------

test_get_user_by_id_both_spellings() {
	http GET /users/1
	assertHttp 200 "$ALICE"
	assertEquals "application/json" "$(header Content-Type)"
	http GET /users/1/
	assertHttp 200 "$ALICE"
	http GET /users/2
	assertHttp 200 "$BOB"
}

test_get_unknown_user_is_404() {
	http GET /users/999
	assertHttp 404 '{"detail":"User not found"}'
	assertEquals "application/json" "$(header Content-Type)"
	http GET /users/999/
	assertHttp 404 '{"detail":"User not found"}'
	http GET /users/0
	assertHttp 404 '{"detail":"User not found"}'
	http GET /users/-1
	assertHttp 404 '{"detail":"User not found"}'
}

test_path_below_a_user_is_not_found() {
	http GET /users/1/extra
	assertHttp 404 '{"detail":"Not Found"}'
}

# --- 405 ------------------------------------------------------------------

test_users_collection_other_methods_are_405_with_allow() {
	local m
	for m in DELETE PUT PATCH; do
		http $m /users/
		assertHttp 405 '{"detail":"Method Not Allowed"}'
		assertEquals "Allow of $m /users/" "POST, GET" "$(header Allow)"
		http $m /users
		assertHttp 405 '{"detail":"Method Not Allowed"}'
		assertEquals "Allow of $m /users" "POST, GET" "$(header Allow)"
	done
}

test_user_item_other_methods_are_405_with_allow() {
	local p
	for p in /users/1 /users/1/ /users/abc; do
		http PATCH "$p"
		assertHttp 405 '{"detail":"Method Not Allowed"}'
		assertEquals "Allow of PATCH $p" "GET, PUT, DELETE" "$(header Allow)"
		http POST "$p"
		assertHttp 405 '{"detail":"Method Not Allowed"}'
		assertEquals "Allow of POST $p" "GET, PUT, DELETE" "$(header Allow)"
	done
}

# --- POST conflicts -------------------------------------------------------

test_post_username_taken_is_409() {
	local before
	before=$(user_count)
	send_json POST /users/ '{"username":"alice","email":"other@example.com","password":"x"}'
	assertHttp 409 '{"detail":"Username already exists"}'
	assertEquals "application/json" "$(header Content-Type)"
	assertEquals "nothing was stored" "$before" "$(user_count)"
}

test_post_email_taken_is_409() {
	local before
	before=$(user_count)
	send_json POST /users/ '{"username":"other","email":"alice@example.com","password":"x"}'
	assertHttp 409 '{"detail":"Email already exists"}'
	send_json POST /users '{"username":"other","email":"Bob@example.com","password":"x"}'
	assertHttp 409 '{"detail":"Email already exists"}'
	assertEquals "nothing was stored" "$before" "$(user_count)"
}

test_post_email_taken_once_its_domain_is_lower_cased() {
	send_json POST /users/ '{"username":"other","email":"alice@EXAMPLE.Com","password":"x"}'
	assertHttp 409 '{"detail":"Email already exists"}'
	send_json POST /users/ '{"username":"other","email":"Bob@EXAMPLE.COM","password":"x"}'
	assertHttp 409 '{"detail":"Email already exists"}'
}

test_post_username_wins_when_both_are_taken_by_different_users() {
	send_json POST /users/ '{"username":"bob","email":"alice@example.com","password":"x"}'
	assertHttp 409 '{"detail":"Username already exists"}'
	send_json POST /users/ '{"username":"alice","email":"Bob@example.com","password":"x"}'
	assertHttp 409 '{"detail":"Username already exists"}'
	send_json POST /users/ '{"username":"carol","email":"carol@example.com","password":"x"}'
	assertHttp 409 '{"detail":"Username already exists"}'
}

test_post_email_local_part_is_case_sensitive() {
	send_json POST /users/ '{"username":"alice-upper","email":"ALICE@example.com","password":"x"}'
	local id
	id=$(id_of ALICE@example.com)
	assertHttp 201 "{\"id\":$id,\"username\":\"alice-upper\",\"email\":\"ALICE@example.com\"}"
	assertEquals "alice keeps her email" "alice@example.com" "$(sqlite3 "$DB" 'select email from users where id = 1')"
}

# --- PUT /users/{user_id} -------------------------------------------------

test_put_updates_the_user() {
	send_json POST /users/ '{"username":"dave","email":"dave@example.com","password":"old-pass"}'
	assertEquals 201 "$STATUS"
	local id
	id=$(id_of dave@example.com)
	send_json PUT "/users/$id" '{"username":"dave2","email":"Dave.Two@Example.ORG","password":"new-pass"}' \
		-H "$(auth dave@example.com)"
	local want="{\"id\":$id,\"username\":\"dave2\",\"email\":\"Dave.Two@example.org\"}"
	assertHttp 200 "$want"
	assertEquals "application/json" "$(header Content-Type)"
	http GET "/users/$id"
	assertHttp 200 "$want"
	assertEquals "Dave.Two@example.org" "$(sqlite3 "$DB" "select email from users where id = $id")"
}

test_put_changes_the_password() {
	local id
	id=$(id_of Dave.Two@example.org)
	assertNotNull "test_put_updates_the_user made dave2" "$id"
	login Dave.Two@example.org new-pass
	assertEquals "the new password logs in" 200 "$STATUS"
	assertEquals "bearer" "$(echo "$BODY" | jq -r .token_type)"
	login Dave.Two@example.org old-pass
	assertHttp 401 '{"detail":"Incorrect email or password"}'
}

test_put_old_email_token_is_refused_after_the_email_changes() {
	local id
	id=$(id_of Dave.Two@example.org)
	send_json PUT "/users/$id" '{"username":"dave3","email":"dave3@example.com","password":"p"}' \
		-H "$(auth dave@example.com)"
	assertHttp 401 '{"detail":"Could not validate credentials"}'
	assertEquals "Bearer" "$(header WWW-Authenticate)"
}

test_put_other_spelling_is_the_same_route() {
	send_json PUT /users/3/ '{"username":"carol","email":"carol@example.com","password":"secret"}' \
		-H "$(auth carol@example.com)"
	assertHttp 200 "$CAROL"
}

test_put_keeping_own_username_and_email_is_200() {
	send_json PUT /users/1 '{"username":"alice","email":"alice@example.com","password":"secret"}' \
		-H "$(auth alice@example.com)"
	assertHttp 200 "$ALICE"
}

test_put_another_users_id_is_403() {
	send_json PUT /users/2 '{"username":"mallory","email":"mallory@example.com","password":"x"}' \
		-H "$(auth alice@example.com)"
	assertHttp 403 '{"detail":"Not enough permissions"}'
	assertEquals "application/json" "$(header Content-Type)"
	http GET /users/2
	assertHttp 200 "$BOB"
	send_json PUT /users/999 '{"username":"mallory","email":"mallory@example.com","password":"x"}' \
		-H "$(auth alice@example.com)"
	assertHttp 403 '{"detail":"Not enough permissions"}'
}

test_put_username_taken_is_409() {
	send_json PUT /users/1 '{"username":"bob","email":"alice@example.com","password":"secret"}' \
		-H "$(auth alice@example.com)"
	assertHttp 409 '{"detail":"Username or Email already exists"}'
	http GET /users/1
	assertHttp 200 "$ALICE"
}

test_put_email_taken_is_409() {
	send_json PUT /users/1 '{"username":"alice","email":"Bob@example.com","password":"secret"}' \
		-H "$(auth alice@example.com)"
	assertHttp 409 '{"detail":"Username or Email already exists"}'
	send_json PUT /users/1 '{"username":"alice","email":"Bob@EXAMPLE.com","password":"secret"}' \
		-H "$(auth alice@example.com)"
	assertHttp 409 '{"detail":"Username or Email already exists"}'
	http GET /users/1
	assertHttp 200 "$ALICE"
}

test_put_needs_a_token() {
	send_json PUT /users/1 '{"username":"alice","email":"alice@example.com","password":"secret"}'
	assertHttp 401 '{"detail":"Not authenticated"}'
	assertEquals "Bearer" "$(header WWW-Authenticate)"
}

# --- DELETE /users/{user_id} ----------------------------------------------

test_delete_another_users_id_is_403() {
	http DELETE /users/2 -H "$(auth alice@example.com)"
	assertHttp 403 '{"detail":"Not enough permissions"}'
	http GET /users/2
	assertHttp 200 "$BOB"
	http DELETE /users/999 -H "$(auth alice@example.com)"
	assertHttp 403 '{"detail":"Not enough permissions"}'
}

test_delete_needs_a_token() {
	http DELETE /users/1
	assertHttp 401 '{"detail":"Not authenticated"}'
	assertEquals "Bearer" "$(header WWW-Authenticate)"
}

test_delete_removes_the_user_and_refuses_its_token() {
	send_json POST /users/ '{"username":"erin","email":"erin@example.com","password":"secret"}'
	assertEquals 201 "$STATUS"
	local id token
	id=$(id_of erin@example.com)
	token="Authorization: Bearer $(token_for erin@example.com)"
	http DELETE "/users/$id" -H "$token"
	assertHttp 200 '{"message":"User deleted"}'
	assertEquals "application/json" "$(header Content-Type)"
	assertEquals "the row is gone" 0 "$(sqlite3 "$DB" "select count(*) from users where id = $id")"
	http GET "/users/$id"
	assertHttp 404 '{"detail":"User not found"}'
	http DELETE "/users/$id" -H "$token"
	assertHttp 401 '{"detail":"Could not validate credentials"}'
	assertEquals "Bearer" "$(header WWW-Authenticate)"
	send_json PUT "/users/$id" '{"username":"erin","email":"erin@example.com","password":"x"}' -H "$token"
	assertHttp 401 '{"detail":"Could not validate credentials"}'
	http POST /auth/refresh_token -H "$token"
	assertHttp 401 '{"detail":"Could not validate credentials"}'
	assertEquals "Bearer" "$(header WWW-Authenticate)"
}

test_delete_other_spelling_is_the_same_route() {
	send_json POST /users '{"username":"frank","email":"frank@example.com","password":"secret"}'
	assertEquals 201 "$STATUS"
	local id
	id=$(id_of frank@example.com)
	http DELETE "/users/$id/" -H "$(auth frank@example.com)"
	assertHttp 200 '{"message":"User deleted"}'
	http GET "/users/$id/"
	assertHttp 404 '{"detail":"User not found"}'
}

test_deleted_users_username_and_email_are_free_again() {
	send_json POST /users/ '{"username":"erin","email":"erin@example.com","password":"again"}'
	local id
	id=$(id_of erin@example.com)
	assertHttp 201 "{\"id\":$id,\"username\":\"erin\",\"email\":\"erin@example.com\"}"
}

# --- what goes in and out -------------------------------------------------

test_unicode_username_round_trips() {
	send_json POST /users/ '{"username":"José 漢字 😀","email":"jose@example.com","password":"x"}'
	local id
	id=$(id_of jose@example.com)
	assertHttp 201 "{\"id\":$id,\"username\":\"José 漢字 😀\",\"email\":\"jose@example.com\"}"
	http GET "/users/$id"
	assertHttp 200 "{\"id\":$id,\"username\":\"José 漢字 😀\",\"email\":\"jose@example.com\"}"
	assertEquals "stored as UTF-8" "José 漢字 😀" "$(sqlite3 "$DB" "select username from users where id = $id")"
}

test_escaped_unicode_is_answered_as_is() {
	send_json POST /users/ '{"username":"Jos\u00e9 \u6f22 \ud83d\ude00","email":"jose2@example.com","password":"x"}'
	local id
	id=$(id_of jose2@example.com)
	assertHttp 201 "{\"id\":$id,\"username\":\"José 漢 😀\",\"email\":\"jose2@example.com\"}"
}

test_quotes_backslashes_and_controls_round_trip() {
	# In: say "hi" \ back/slash / ctl<TAB><LF><01><1f><7f><U+2028>
	send_json POST /users/ '{"username":"say \"hi\" \\ back/slash \/ ctl\t\n\u0001\u001f\u007f\u2028","email":"quotes@example.com","password":"x"}'
	local id want
	id=$(id_of quotes@example.com)
	# Python's json.dumps(ensure_ascii=False): short escapes, \u00XX in lower
	# case for other controls, DEL and U+2028 as-is, / not escaped.
	want="{\"id\":$id,\"username\":\"say \\\"hi\\\" \\\\ back/slash / ctl\\t\\n\\u0001\\u001f"$'\x7f\xe2\x80\xa8'"\",\"email\":\"quotes@example.com\"}"
	assertHttp 201 "$want"
	http GET "/users/$id"
	assertHttp 200 "$want"
	assertEquals "stored unescaped" \
		"$(printf 'say "hi" \\ back/slash / ctl\t\n\001\037\177\342\200\250' | od -An -tx1 | tr -d ' \n')" \
		"$(sqlite3 "$DB" "select hex(username) from users where id = $id" | tr 'A-F' 'a-f')"
}

test_empty_username_and_password_are_accepted() {
	send_json POST /users/ '{"username":"","email":"empty@example.com","password":""}'
	local id
	id=$(id_of empty@example.com)
	assertHttp 201 "{\"id\":$id,\"username\":\"\",\"email\":\"empty@example.com\"}"
	send_json POST /users/ '{"username":"","email":"empty2@example.com","password":""}'
	assertHttp 409 '{"detail":"Username already exists"}'
}

test_unknown_keys_are_ignored() {
	send_json POST /users/ '{"id":999,"is_admin":true,"username":"grace","email":"grace@example.com","password":"x","created_at":"2000-01-01"}'
	local id
	id=$(id_of grace@example.com)
	assertNotEquals "the id is not taken from the body" 999 "$id"
	assertHttp 201 "{\"id\":$id,\"username\":\"grace\",\"email\":\"grace@example.com\"}"
}

test_password_is_never_returned() {
	local answers=$STACK_DIR/answers
	: >"$answers"
	keep() { { cat "$HEADERS"; echo "$BODY"; } >>"$answers"; }
	send_json POST /users/ '{"username":"heidi","email":"heidi@example.com","password":"pw-MARKER-417"}'
	assertEquals 201 "$STATUS"
	keep
	local id
	id=$(id_of heidi@example.com)
	http GET /users/
	keep
	http GET "/users/$id"
	keep
	send_json POST /users/ '{"username":"heidi","email":"heidi@example.com","password":"pw-MARKER-417"}'
	keep
	send_json PUT "/users/$id" '{"username":"heidi","email":"heidi@example.com","password":"pw-MARKER-418"}' \
		-H "$(auth heidi@example.com)"
	assertEquals 200 "$STATUS"
	keep
	login heidi@example.com pw-MARKER-418
	assertEquals 200 "$STATUS"
	keep
	login heidi@example.com pw-MARKER-417
	keep
	send_json POST /users/ '{"username":5,"email":"heidi@example.com","password":"pw-MARKER-419"}'
	assertEquals 422 "$STATUS"
	keep
	assertFalse "no answer holds the password" "grep -q 'pw-MARKER' '$answers'"
	assertFalse "no answer holds a hash" "grep -q 'argon2' '$answers'"
	assertFalse "no answer has a password key" "grep -q '\"password\":' '$answers'"
}

test_stored_passwords_are_argon2id_phc_strings() {
	local h n=0 bad=0
	while IFS= read -r h; do
		n=$((n + 1))
		if ! [[ $h =~ ^\$argon2id\$v=19\$m=65536,t=3,p=4\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$ ]]; then
			bad=$((bad + 1))
			echo "not a PHC string: $h" >&2
		fi
	done < <(sqlite3 "$DB" 'select password from users')
	assertTrue "there are users" "[ $n -gt 0 ]"
	assertEquals "hashes that are not argon2id PHC strings" 0 "$bad"
	assertEquals "each user has its own salt" "$n" \
		"$(sqlite3 "$DB" 'select password from users' | cut -d'$' -f5 | sort -u | wc -l)"
}

test_stored_hash_verifies_with_argon2_cffi() {
	local h
	h=$(sqlite3 "$DB" "select password from users where email = 'carol@example.com'")
	assertTrue "argon2-cffi verifies carol's password" \
		"'$PY' -c 'import argon2, sys; argon2.PasswordHasher().verify(sys.argv[1], \"secret\")' '$h'"
}

. "$(dirname "$0")/../lib/report.sh"
. shunit2

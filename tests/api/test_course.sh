#!/bin/bash
# test_course.sh -- the course's own pytest tests of lessons 08 and 09 ("FastAPI
# do Zero": users CRUD with authentication, token expiry and refresh), with
# their names, rewritten for curl against a real stack. Statuses and bodies
# are API.md's (where the course's older texts differ, API.md wins).
#
# The course's fixtures: every test starts on an empty users table (the
# course's in-memory database), `user` and `other_user` are inserted straight
# into the database with a pwdlib hash (as the fixtures do through the
# session), and `token` logs `user` in through POST /auth/token.
SUITE_NAME=course
. "$(dirname "$0")/../lib/stack.sh"

SECRET_KEY=test-secret-key
ALGORITHM=HS256

oneTimeSetUp() {
	stack_start SECRET_KEY="$SECRET_KEY" ALGORITHM="$ALGORITHM" ACCESS_TOKEN_EXPIRE_MINUTES=30 || return 1
	# get_password_hash('testtest'), pwdlib's PasswordHash.recommended().
	TESTTEST_HASH=$("$PY" -c 'import argon2; print(argon2.PasswordHasher(time_cost=3, memory_cost=65536, parallelism=4, hash_len=32, salt_len=16).hash("testtest"))')
}
oneTimeTearDown() { stack_stop; }

# The course's session fixture: a fresh database for every test.
setUp() {
	sql 'DELETE FROM users'
	USER_ID='' OTHER_ID='' TOKEN=''
}

# Inserts a user as the fixtures do; prints its id.
insert_user() {
	sql "INSERT INTO users (username, email, password) VALUES ('$1', '$2', '$TESTTEST_HASH') RETURNING id"
}

# @pytest.fixture user: Teste / teste@test.com / testtest
user() {
	USER_ID=$(insert_user Teste teste@test.com)
	USER_USERNAME=Teste
	USER_EMAIL=teste@test.com
	USER_CLEAN_PASSWORD=testtest
}

# @pytest.fixture other_user: UserFactory's next user, password testtest
other_user() {
	OTHER_ID=$(insert_user test1 test1@test.com)
}

# @pytest.fixture token: user's access token from POST /auth/token.
token() {
	http POST /auth/token --data-urlencode "username=$USER_EMAIL" --data-urlencode "password=$USER_CLEAN_PASSWORD"
	assertEquals "the token fixture's login: $BODY" 200 "$STATUS"
	TOKEN=$(echo "$BODY" | jq -r .access_token)
}

# A token made by PyJWT with the stack's key: claims as a Python dict literal,
# where `now` is the current time in seconds.
pyjwt_token() {
	"$PY" - "$1" "$SECRET_KEY" "$ALGORITHM" <<'PY'
import sys, time, jwt
now = int(time.time())
print(jwt.encode(eval(sys.argv[1], {'now': now}), sys.argv[2], algorithm=sys.argv[3]))
PY
}

put_json() { # PUT /users/$1 with $TOKEN and a JSON body $2
	http PUT "/users/$1" -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' -d "$2"
}

# --- tests/test_app.py --------------------------------------------------------

test_root_deve_retornar_ok_e_ola_mundo() {
	http GET /
	assertHttp 200 '{"message":"Olá Mundo!"}'
}

# --- tests/test_users.py ------------------------------------------------------

test_create_user() {
	http POST /users/ -H 'Content-Type: application/json' \
		-d '{"username":"alice","email":"alice@example.com","password":"secret"}'
	assertHttp 201 '{"id":1,"username":"alice","email":"alice@example.com"}'
}

test_read_users() {
	http GET /users/
	assertHttp 200 '{"users":[]}'
}

test_read_users_with_users() {
	user
	http GET /users/
	assertHttp 200 "{\"users\":[{\"id\":$USER_ID,\"username\":\"Teste\",\"email\":\"teste@test.com\"}]}"
}

test_read_user() {
	user
	http GET "/users/$USER_ID"
	assertHttp 200 "{\"id\":$USER_ID,\"username\":\"Teste\",\"email\":\"teste@test.com\"}"
}

test_read_user_not_found() {
	user
	http GET /users/666
	assertHttp 404 '{"detail":"User not found"}'
}

test_update_user() {
	user
	token
	put_json "$USER_ID" '{"username":"bob","email":"bob@example.com","password":"mynewpassword"}'
	assertHttp 200 "{\"id\":$USER_ID,\"username\":\"bob\",\"email\":\"bob@example.com\"}"
}

test_update_integrity_error() {
	user
	token
	# Inserting fausto
	http POST /users/ -H 'Content-Type: application/json' \
		-d '{"username":"fausto","email":"fausto@example.com","password":"secret"}'
	assertEquals "fausto is created: $BODY" 201 "$STATUS"
	# Changing the fixture's user to fausto
	put_json "$USER_ID" '{"username":"fausto","email":"bob@example.com","password":"mynewpassword"}'
	assertHttp 409 '{"detail":"Username or Email already exists"}'
}

test_delete_user() {
	user
	token
	http DELETE "/users/$USER_ID" -H "Authorization: Bearer $TOKEN"
	assertHttp 200 '{"message":"User deleted"}'
	http GET "/users/$USER_ID"
	assertHttp 404 '{"detail":"User not found"}'
}

test_delete_wrong_user() {
	user
	other_user
	token
	http DELETE "/users/$OTHER_ID" -H "Authorization: Bearer $TOKEN"
	assertHttp 403 '{"detail":"Not enough permissions"}'
}

test_update_wrong_user() {
	user
	other_user
	token
	put_json "$OTHER_ID" '{"username":"bob","email":"bob@example.com","password":"mynewpassword"}'
	assertHttp 403 '{"detail":"Not enough permissions"}'
}

# --- tests/test_auth.py -------------------------------------------------------

test_get_token() {
	user
	http POST /auth/token --data-urlencode "username=$USER_EMAIL" --data-urlencode "password=$USER_CLEAN_PASSWORD"
	assertEquals 200 "$STATUS"
	assertEquals "access_token and token_type" '["access_token","token_type"]' "$(echo "$BODY" | jq -c keys_unsorted)"
	assertEquals bearer "$(echo "$BODY" | jq -r .token_type)"
	assertNotNull "$(echo "$BODY" | jq -r '.access_token // empty')"
}

test_token_inexistent_user() {
	http POST /auth/token -d 'username=no_user@no_domain.com' -d 'password=testtest'
	assertHttp 401 '{"detail":"Incorrect email or password"}'
}

test_token_wrong_password() {
	user
	http POST /auth/token --data-urlencode "username=$USER_EMAIL" -d 'password=wrong_password'
	assertHttp 401 '{"detail":"Incorrect email or password"}'
}

# freeze_time('12:00') for the login, then freeze_time('12:31'): here, the
# token the login would have given 31 minutes ago (exp 30 minutes after it).
test_token_expired_after_time() {
	user
	TOKEN=$(pyjwt_token "{'sub': 'teste@test.com', 'exp': now - 31 * 60 + 30 * 60}")
	put_json "$USER_ID" '{"username":"wrongwrong","email":"wrong@wrong.com","password":"wrong"}'
	assertHttp 401 '{"detail":"Could not validate credentials"}'
	assertEquals "Bearer" "$(header WWW-Authenticate)"
	assertEquals "the user is unchanged" "Teste" "$(sql "SELECT username FROM users WHERE id = $USER_ID")"
}

test_refresh_token() {
	user
	token
	http POST /auth/refresh_token -H "Authorization: Bearer $TOKEN"
	assertEquals "$BODY" 200 "$STATUS"
	assertEquals '["access_token","token_type"]' "$(echo "$BODY" | jq -c keys_unsorted)"
	assertEquals bearer "$(echo "$BODY" | jq -r .token_type)"
	assertNotNull "$(echo "$BODY" | jq -r '.access_token // empty')"
}

test_token_expired_dont_refresh() {
	user
	TOKEN=$(pyjwt_token "{'sub': 'teste@test.com', 'exp': now - 31 * 60 + 30 * 60}")
	http POST /auth/refresh_token -H "Authorization: Bearer $TOKEN"
	assertHttp 401 '{"detail":"Could not validate credentials"}'
	assertEquals "Bearer" "$(header WWW-Authenticate)"
}

# --- tests/test_security.py ---------------------------------------------------

# create_access_token can only be reached through a login here: the token
# decodes with PyJWT, with settings.SECRET_KEY and settings.ALGORITHM.
test_jwt() {
	user
	token
	local decoded
	decoded=$("$PY" - "$TOKEN" "$SECRET_KEY" "$ALGORITHM" <<'PY'
import sys, jwt
d = jwt.decode(sys.argv[1], sys.argv[2], algorithms=[sys.argv[3]])
print(d['sub'], bool(d['exp']))
PY
)
	assertEquals "decoded['sub'], decoded['exp']" "teste@test.com True" "$decoded"
}

test_jwt_invalid_token() {
	http DELETE /users/1 -H 'Authorization: Bearer token-invalido'
	assertHttp 401 '{"detail":"Could not validate credentials"}'
	assertEquals "Bearer" "$(header WWW-Authenticate)"
}

# The lesson's exercises on get_current_user.
test_get_current_user_not_found() {
	TOKEN=$(pyjwt_token "{'no-email': 'test', 'exp': now + 30 * 60}")
	http DELETE /users/1 -H "Authorization: Bearer $TOKEN"
	assertHttp 401 '{"detail":"Could not validate credentials"}'
}

test_get_current_user_does_not_exists() {
	TOKEN=$(pyjwt_token "{'sub': 'fake@email.com', 'exp': now + 30 * 60}")
	http DELETE /users/1 -H "Authorization: Bearer $TOKEN"
	assertHttp 401 '{"detail":"Could not validate credentials"}'
}

. "$(dirname "$0")/../lib/report.sh"
. shunit2

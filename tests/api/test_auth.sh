#!/bin/bash
# test_auth.sh -- POST /auth/token (the OAuth2 password form), POST
# /auth/refresh_token, the JWTs (checked and forged with PyJWT) and every 401
# of the protected routes, against a real stack.
SUITE_NAME=auth
. "$(dirname "$0")/../lib/stack.sh"

# This suite logs in far more often than a client would: nginx's login
# throttle (tested with the stack's own suites) is off for it.
export LOGIN_RATE_LIMIT=off


# mint CLAIMS_JSON [EXP_OFFSET|none] [SECRET] [ALG]: a token made by PyJWT;
# exp is now + EXP_OFFSET seconds (1800 by default), left out with "none".
mint() {
	"$PY" - "$1" "${2:-1800}" "${3:-$SECRET}" "${4:-HS256}" <<'PY'
import json, sys, time
import jwt
claims = json.loads(sys.argv[1])
if sys.argv[2] != "none":
    claims["exp"] = int(time.time()) + int(sys.argv[2])
key = None if sys.argv[4] == "none" else sys.argv[3]
print(jwt.encode(claims, key, algorithm=sys.argv[4]))
PY
}

# pyjwt_decode TOKEN [ALG]: the claims as compact JSON with "left" = exp - now
# added, or "INVALID: <error>".
pyjwt_decode() {
	"$PY" - "$1" "$SECRET" "${2:-HS256}" <<'PY'
import json, sys, time
import jwt
try:
    c = jwt.decode(sys.argv[1], sys.argv[2], algorithms=[sys.argv[3]])
except Exception as e:
    print("INVALID: %r" % e)
else:
    c["left"] = c["exp"] - time.time() if isinstance(c.get("exp"), int) else None
    print(json.dumps(c, separators=(",", ":"), sort_keys=True))
PY
}

# expires_in SECONDS T0 T1 CLAIMS_JSON: exp is SECONDS after a moment
# between T0 and T1 (whole seconds, taken before and after the request that
# issued the token): however long the request and the checks after it take.
expires_in() {
	local exp
	exp=$(echo "$4" | jq .exp)
	[ "$exp" -ge $(($2 + $1)) ] && [ "$exp" -le $(($3 + $1)) ]
}

# The decoded JSON of segment N (1 header, 2 claims) of a token.
segment() {
	"$PY" -c 'import base64, sys
s = sys.argv[1].split(".")[int(sys.argv[2]) - 1]
sys.stdout.write(base64.urlsafe_b64decode(s + "=" * (-len(s) % 4)).decode())' "$1" "$2"
}

login() {
	http POST /auth/token --data-urlencode "username=$1" --data-urlencode "password=$2"
}

# The token of a successful login (empty if it failed).
token_of() {
	login "$1" "$2"
	[ "$STATUS" = 200 ] && echo "$BODY" | jq -r .access_token
}

# assert401 DETAIL: the last answer is that 401, with WWW-Authenticate.
assert401() {
	assertHttp 401 "{\"detail\":\"$1\"}"
	assertEquals "WWW-Authenticate of a 401" "Bearer" "$(header WWW-Authenticate)"
	assertEquals "application/json" "$(header Content-Type)"
}

# refused AUTH_HEADER_OR_EMPTY DETAIL: every protected route answers that 401
# (the routes are chosen so that a token wrongly accepted changes nothing).
refused() {
	local h=() what=$2
	[ -n "$1" ] && h=(-H "$1")
	http POST /auth/refresh_token "${h[@]}"
	assert401 "$what"
	send_json PUT /users/2 '{"username":"x","email":"x@example.com","password":"x"}' "${h[@]}"
	assert401 "$what"
	http DELETE /users/2 "${h[@]}"
	assert401 "$what"
}

oneTimeSetUp() {
	stack_start || return 1
	send_json POST /users/ '{"username":"alice","email":"alice@example.com","password":"secret"}'
	[ "$STATUS" = 201 ] || echo "alice was not created: $STATUS $BODY" >&2
	send_json POST /users/ '{"username":"bob","email":"bob@example.com","password":"open sesame ä"}'
	[ "$STATUS" = 201 ] || echo "bob was not created: $STATUS $BODY" >&2
}
oneTimeTearDown() { stack_stop; }

# --- POST /auth/token -----------------------------------------------------

test_token_answers_200_access_token_and_bearer() {
	http POST /auth/token -d 'username=alice@example.com&password=secret'
	assertEquals "status" 200 "$STATUS"
	assertEquals "application/json" "$(header Content-Type)"
	assertEquals "keys, in order" '["access_token","token_type"]' "$(echo "$BODY" | jq -c keys_unsorted)"
	local token
	token=$(echo "$BODY" | jq -r .access_token)
	assertTrue "the token is a JWT" "[[ '$token' =~ ^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$ ]]"
	assertEquals "the body, exactly" "{\"access_token\":\"$token\",\"token_type\":\"bearer\"}" "$BODY"
}

test_token_decodes_with_pyjwt() {
	local token claims t0 t1
	t0=$(date +%s)
	token=$(token_of alice@example.com secret)
	t1=$(date +%s)
	claims=$(pyjwt_decode "$token")
	assertEquals "sub" "alice@example.com" "$(echo "$claims" | jq -r .sub)"
	assertEquals "the claims" '["auth_time","exp","iat","left","pwh","sub"]' "$(echo "$claims" | jq -c keys)"
	assertEquals "exp is an integer" number "$(echo "$claims" | jq -r '.exp | type')"
	assertTrue "exp is 30 minutes from the login (at $t0..$t1: $claims)" "expires_in 1800 $t0 $t1 '$claims'"
}

test_token_header_is_hs256_jwt() {
	local token
	token=$(token_of alice@example.com secret)
	assertEquals '{"alg":"HS256","typ":"JWT"}' "$(segment "$token" 1)"
}

test_wrong_password_is_401() {
	http POST /auth/token -d 'username=alice@example.com&password=wrong'
	assert401 "Incorrect email or password"
	http POST /auth/token -d 'username=alice@example.com&password=Secret'
	assert401 "Incorrect email or password"
}

test_unknown_email_is_401() {
	http POST /auth/token -d 'username=nobody@example.com&password=secret'
	assert401 "Incorrect email or password"
}

test_login_email_is_read_as_registration_stores_it() {
	http POST /auth/token -d 'username=alice@EXAMPLE.com&password=secret'
	assertEquals "the domain is lower-cased, as EmailStr does (ours)" 200 "$STATUS"
	http POST /auth/token -d 'username=ALICE@example.com&password=secret'
	assert401 "Incorrect email or password"
	http POST /auth/token -d 'username=alice&password=secret'
	assert401 "Incorrect email or password"
}

test_unknown_email_and_wrong_password_take_the_same_time() {
	local t_wrong=() t_unknown=() i
	for i in 1 2 3 4 5; do
		t_wrong+=("$(curl -s -o /dev/null -w '%{time_total}' -d 'username=alice@example.com&password=wrong' "$BASE_URL/auth/token")")
		t_unknown+=("$(curl -s -o /dev/null -w '%{time_total}' -d 'username=nobody@example.com&password=wrong' "$BASE_URL/auth/token")")
	done
	local mw mu
	mw=$(printf '%s\n' "${t_wrong[@]}" | sort -n | sed -n 3p)
	mu=$(printf '%s\n' "${t_unknown[@]}" | sort -n | sed -n 3p)
	assertTrue "median times: wrong password ${mw}s, unknown email ${mu}s" \
		"awk -v w=$mw -v u=$mu 'BEGIN { exit !(u >= w / 2 && u <= w * 2) }'"
}

test_any_argon2_phc_string_in_the_database_verifies() {
	# Users as another writer of the database (the FastAPI application, older
	# settings) may have left them: other parameters, other argon2 variants.
	local spec email hash
	for spec in 'ID 2 1024 1' 'ID 3 65536 4' 'I 2 4096 2' 'D 1 2048 1'; do
		set -- $spec
		email="legacy-$(echo "$spec" | tr ' ' '-' | tr 'A-Z' 'a-z')@example.com"
		hash=$("$PY" -c 'import sys
from argon2 import PasswordHasher, Type
t, c, m, p = sys.argv[1:5]
print(PasswordHasher(time_cost=int(c), memory_cost=int(m), parallelism=int(p), type=getattr(Type, t)).hash("legacy pass"))' "$1" "$2" "$3" "$4")
		sql "insert into users (username, password, email) values ('$email', '$hash', '$email')"
		http POST /auth/token --data-urlencode "username=$email" --data-urlencode 'password=legacy pass'
		assertEquals "login with $hash" 200 "$STATUS"
		assertEquals "$email" "$(pyjwt_decode "$(echo "$BODY" | jq -r .access_token)" | jq -r .sub)"
		http POST /auth/token --data-urlencode "username=$email" --data-urlencode 'password=legacy pas'
		assertHttp 401 '{"detail":"Incorrect email or password"}'
	done
}

test_form_values_are_url_decoded() {
	http POST /auth/token -d 'username=alice%40example.com&password=s%65cret'
	assertEquals 200 "$STATUS"
	http POST /auth/token -d 'username=bob%40example.com&password=open+sesame+%C3%A4'
	assertEquals "+ is a space" 200 "$STATUS"
	assertEquals "bob@example.com" "$(pyjwt_decode "$(echo "$BODY" | jq -r .access_token)" | jq -r .sub)"
}

test_multipart_form_logs_in_as_with_fastapi() {
	http POST /auth/token -F username=bob@example.com -F 'password=open sesame ä'
	assertEquals "curl -F logs in" 200 "$STATUS"
	assertEquals "bob@example.com" "$(pyjwt_decode "$(echo "$BODY" | jq -r .access_token)" | jq -r .sub)"
	http POST /auth/token -F username=bob@example.com -F password=wrong
	assert401 "Incorrect email or password"
	http POST /auth/token -F username=bob@example.com
	assertHttp 422 '{"detail":[{"type":"missing","loc":["body","password"],"msg":"Field required","input":null}]}'
}

test_form_fields_missing_are_422() {
	http POST /auth/token
	assertHttp 422 '{"detail":[{"type":"missing","loc":["body","username"],"msg":"Field required","input":null},{"type":"missing","loc":["body","password"],"msg":"Field required","input":null}]}'
	assertEquals "application/json" "$(header Content-Type)"
	http POST /auth/token -d 'username=alice@example.com'
	assertHttp 422 '{"detail":[{"type":"missing","loc":["body","password"],"msg":"Field required","input":null}]}'
	http POST /auth/token -d 'password=secret'
	assertHttp 422 '{"detail":[{"type":"missing","loc":["body","username"],"msg":"Field required","input":null}]}'
}

test_form_empty_value_counts_as_missing() {
	http POST /auth/token -d 'username=&password='
	assertHttp 422 '{"detail":[{"type":"missing","loc":["body","username"],"msg":"Field required","input":null},{"type":"missing","loc":["body","password"],"msg":"Field required","input":null}]}'
	http POST /auth/token -d 'username=alice@example.com&password='
	assertHttp 422 '{"detail":[{"type":"missing","loc":["body","password"],"msg":"Field required","input":null}]}'
	http POST /auth/token -d 'username=&password=secret'
	assertHttp 422 '{"detail":[{"type":"missing","loc":["body","username"],"msg":"Field required","input":null}]}'
}

test_grant_type_other_than_password_is_422() {
	http POST /auth/token -d 'grant_type=client_credentials&username=alice@example.com&password=secret'
	assertHttp 422 '{"detail":[{"type":"string_pattern_mismatch","loc":["body","grant_type"],"msg":"String should match pattern '"'^password\$'"'","input":"client_credentials","ctx":{"pattern":"^password$"}}]}'
	http POST /auth/token -d 'grant_type=PASSWORD&username=alice@example.com&password=secret'
	assertHttp 422 '{"detail":[{"type":"string_pattern_mismatch","loc":["body","grant_type"],"msg":"String should match pattern '"'^password\$'"'","input":"PASSWORD","ctx":{"pattern":"^password$"}}]}'
}

test_grant_type_comes_first_among_form_errors() {
	http POST /auth/token -d 'grant_type=client_credentials'
	assertHttp 422 '{"detail":[{"type":"string_pattern_mismatch","loc":["body","grant_type"],"msg":"String should match pattern '"'^password\$'"'","input":"client_credentials","ctx":{"pattern":"^password$"}},{"type":"missing","loc":["body","username"],"msg":"Field required","input":null},{"type":"missing","loc":["body","password"],"msg":"Field required","input":null}]}'
}

test_grant_type_password_and_the_optional_fields_are_accepted() {
	http POST /auth/token -d 'grant_type=password&username=alice@example.com&password=secret'
	assertEquals 200 "$STATUS"
	assertEquals "bearer" "$(echo "$BODY" | jq -r .token_type)"
	http POST /auth/token -d 'grant_type=password&username=alice@example.com&password=secret&scope=me+items&client_id=cli&client_secret=shh'
	assertEquals 200 "$STATUS"
	http POST /auth/token -d 'grant_type=&username=alice@example.com&password=secret'
	assertEquals "an empty grant_type counts as absent" 200 "$STATUS"
}

test_json_body_to_token_is_both_fields_missing() {
	send_json POST /auth/token '{"username":"alice@example.com","password":"secret"}'
	assertHttp 422 '{"detail":[{"type":"missing","loc":["body","username"],"msg":"Field required","input":null},{"type":"missing","loc":["body","password"],"msg":"Field required","input":null}]}'
}

test_auth_routes_other_methods_are_405() {
	http GET /auth/token
	assertHttp 405 '{"detail":"Method Not Allowed"}'
	assertEquals "POST" "$(header Allow)"
	http PUT /auth/token
	assertHttp 405 '{"detail":"Method Not Allowed"}'
	assertEquals "POST" "$(header Allow)"
	http GET /auth/refresh_token
	assertHttp 405 '{"detail":"Method Not Allowed"}'
	assertEquals "POST" "$(header Allow)"
}

# --- POST /auth/refresh_token ---------------------------------------------

test_refresh_token_answers_a_new_token_counted_from_now() {
	local t1 t2 c1 c2 s0 s1
	t1=$(mint '{"sub":"alice@example.com"}' 60)
	c1=$(pyjwt_decode "$t1")
	sleep 1.1
	s0=$(date +%s)
	http POST /auth/refresh_token -H "Authorization: Bearer $t1"
	s1=$(date +%s)
	assertEquals "status" 200 "$STATUS"
	assertEquals "application/json" "$(header Content-Type)"
	t2=$(echo "$BODY" | jq -r .access_token)
	assertEquals "the body, exactly" "{\"access_token\":\"$t2\",\"token_type\":\"bearer\"}" "$BODY"
	assertNotEquals "a new token" "$t1" "$t2"
	c2=$(pyjwt_decode "$t2")
	assertEquals "sub" "alice@example.com" "$(echo "$c2" | jq -r .sub)"
	assertTrue "exp is 30 minutes from the refresh (at $s0..$s1: $c2)" "expires_in 1800 $s0 $s1 '$c2'"
	assertTrue "exp is later than the old one's" "[ $(echo "$c2" | jq .exp) -gt $(echo "$c1" | jq .exp) ]"
	assertEquals '{"alg":"HS256","typ":"JWT"}' "$(segment "$t2" 1)"
	http POST /auth/refresh_token -H "Authorization: Bearer $t2"
	assertEquals "the new token works" 200 "$STATUS"
}

test_login_token_works_on_protected_routes() {
	local token
	token=$(token_of alice@example.com secret)
	http POST /auth/refresh_token -H "Authorization: Bearer $token"
	assertEquals 200 "$STATUS"
	send_json PUT /users/2 '{"username":"x","email":"x@example.com","password":"x"}' -H "Authorization: Bearer $token"
	assertHttp 403 '{"detail":"Not enough permissions"}'
}

# --- tokens accepted ------------------------------------------------------

test_pyjwt_hs256_token_is_accepted() {
	http POST /auth/refresh_token -H "Authorization: Bearer $(mint '{"sub":"alice@example.com"}')"
	assertEquals 200 "$STATUS"
	assertEquals "alice@example.com" "$(pyjwt_decode "$(echo "$BODY" | jq -r .access_token)" | jq -r .sub)"
}

test_pyjwt_token_with_more_claims_is_accepted() {
	local now
	now=$(date +%s)
	http POST /auth/refresh_token -H "Authorization: Bearer $(mint "{\"sub\":\"bob@example.com\",\"iat\":$now,\"nbf\":$((now - 10)),\"jti\":\"abc\",\"scope\":\"x\"}")"
	assertEquals 200 "$STATUS"
	assertEquals "bob@example.com" "$(pyjwt_decode "$(echo "$BODY" | jq -r .access_token)" | jq -r .sub)"
}

test_bearer_scheme_is_case_insensitive() {
	local token
	token=$(mint '{"sub":"alice@example.com"}')
	http POST /auth/refresh_token -H "Authorization: bearer $token"
	assertEquals 200 "$STATUS"
	http POST /auth/refresh_token -H "Authorization: BEARER $token"
	assertEquals 200 "$STATUS"
}

# --- 401: Not authenticated -----------------------------------------------

test_no_authorization_header_is_not_authenticated() {
	refused "" "Not authenticated"
}

test_basic_scheme_is_not_authenticated() {
	refused "Authorization: Basic YWxpY2U6c2VjcmV0" "Not authenticated"
}

test_other_schemes_are_not_authenticated() {
	refused "Authorization: Token $(mint '{"sub":"alice@example.com"}')" "Not authenticated"
	refused "Authorization: Bearer$(mint '{"sub":"alice@example.com"}')" "Not authenticated"
}

# --- 401: Could not validate credentials ----------------------------------

test_bearer_without_token_is_refused() {
	refused "Authorization: Bearer" "Could not validate credentials"
}

test_bearer_garbage_is_refused() {
	refused "Authorization: Bearer garbage" "Could not validate credentials"
	refused "Authorization: Bearer a.b.c" "Could not validate credentials"
}

test_bad_signature_is_refused() {
	refused "Authorization: Bearer $(mint '{"sub":"alice@example.com"}' 1800 another-secret)" \
		"Could not validate credentials"
}

test_tampered_claims_are_refused() {
	local good forged claims
	good=$(mint '{"sub":"bob@example.com"}')
	claims=$(printf '{"sub":"alice@example.com","exp":%s}' $(($(date +%s) + 1800)) | base64 -w0 | tr '+/' '-_' | tr -d '=')
	forged="${good%%.*}.$claims.${good##*.}"
	refused "Authorization: Bearer $forged" "Could not validate credentials"
}

test_alg_none_is_refused() {
	local token
	token=$(mint '{"sub":"alice@example.com"}' 1800 "" none)
	assertEquals "the forged token has no signature" "" "${token##*.}"
	assertEquals '{"alg":"none","typ":"JWT"}' "$(segment "$token" 1)"
	refused "Authorization: Bearer $token" "Could not validate credentials"
	# The same, signed with the secret anyway.
	local h c
	h=$(printf '{"alg":"none","typ":"JWT"}' | base64 -w0 | tr '+/' '-_' | tr -d '=')
	c=$(printf '{"sub":"alice@example.com","exp":%s}' $(($(date +%s) + 1800)) | base64 -w0 | tr '+/' '-_' | tr -d '=')
	local sig
	sig=$(printf '%s.%s' "$h" "$c" | openssl dgst -sha256 -hmac "$SECRET" -binary | base64 -w0 | tr '+/' '-_' | tr -d '=')
	refused "Authorization: Bearer $h.$c.$sig" "Could not validate credentials"
}

test_other_algorithm_than_the_setting_is_refused() {
	refused "Authorization: Bearer $(mint '{"sub":"alice@example.com"}' 1800 "$SECRET" HS512)" \
		"Could not validate credentials"
	refused "Authorization: Bearer $(mint '{"sub":"alice@example.com"}' 1800 "$SECRET" HS384)" \
		"Could not validate credentials"
}

test_expired_token_is_refused() {
	refused "Authorization: Bearer $(mint '{"sub":"alice@example.com"}' -60)" "Could not validate credentials"
}

test_token_without_sub_is_refused() {
	refused "Authorization: Bearer $(mint '{"name":"alice@example.com"}')" "Could not validate credentials"
}

test_token_with_empty_sub_is_refused() {
	refused "Authorization: Bearer $(mint '{"sub":""}')" "Could not validate credentials"
}

test_token_with_a_non_integer_exp_is_refused() {
	refused "Authorization: Bearer $(mint '{"sub":"alice@example.com","exp":"9999999999"}' none)" \
		"Could not validate credentials"
}

test_token_whose_sub_is_no_user_is_refused() {
	refused "Authorization: Bearer $(mint '{"sub":"ghost@example.com"}')" "Could not validate credentials"
	refused "Authorization: Bearer $(mint '{"sub":"alice"}')" "Could not validate credentials"
}

test_deleted_users_token_is_refused() {
	send_json POST /users/ '{"username":"zed","email":"zed@example.com","password":"secret"}'
	assertEquals 201 "$STATUS"
	local id token
	id=$(echo "$BODY" | jq .id)
	token=$(token_of zed@example.com secret)
	assertNotNull "zed logged in" "$token"
	http DELETE "/users/$id" -H "Authorization: Bearer $token"
	assertHttp 200 '{"message":"User deleted"}'
	refused "Authorization: Bearer $token" "Could not validate credentials"
	http DELETE "/users/$id" -H "Authorization: Bearer $token"
	assert401 "Could not validate credentials"
	http POST /auth/token -d 'username=zed@example.com&password=secret'
	assert401 "Incorrect email or password"
}

# --- ALGORITHM=HS512 ------------------------------------------------------

test_hs512_setting_issues_and_requires_hs512() {
	# A second stack, beside the suite's: keep the first one's state aside.
	local saved=("$STACK_DIR" "$PORT" "$BASE_URL" "$DB" "$SOCKET" "$FZ_PID" "$NGINX_PID" "${PG_DB:-}" "$STACK_URL" "${PRISM_PID:-}")
	local saved_env=("${STACK_ENV[@]}")
	if stack_start ALGORITHM=HS512 ACCESS_TOKEN_EXPIRE_MINUTES=5; then
		send_json POST /users/ '{"username":"alice","email":"alice@example.com","password":"secret"}'
		assertEquals 201 "$STATUS"
		local token claims t0 t1
		t0=$(date +%s)
		token=$(token_of alice@example.com secret)
		t1=$(date +%s)
		assertNotNull "the login succeeds" "$token"
		assertEquals '{"alg":"HS512","typ":"JWT"}' "$(segment "$token" 1)"
		claims=$(pyjwt_decode "$token" HS512)
		assertEquals "sub" "alice@example.com" "$(echo "$claims" | jq -r .sub)"
		assertTrue "exp is 5 minutes from the login (at $t0..$t1: $claims)" "expires_in 300 $t0 $t1 '$claims'"
		http POST /auth/refresh_token -H "Authorization: Bearer $token"
		assertEquals "its own token is accepted" 200 "$STATUS"
		assertEquals '{"alg":"HS512","typ":"JWT"}' "$(segment "$(echo "$BODY" | jq -r .access_token)" 1)"
		http POST /auth/refresh_token -H "Authorization: Bearer $(mint '{"sub":"alice@example.com"}' 1800 "$SECRET" HS512)"
		assertEquals "a PyJWT HS512 token is accepted" 200 "$STATUS"
		refused "Authorization: Bearer $(mint '{"sub":"alice@example.com"}' 1800 "$SECRET" HS256)" \
			"Could not validate credentials"
		stack_stop
	else
		fail "the HS512 stack did not start"
		stack_stop
	fi
	STACK_DIR=${saved[0]} PORT=${saved[1]} BASE_URL=${saved[2]} DB=${saved[3]}
	SOCKET=${saved[4]} FZ_PID=${saved[5]} NGINX_PID=${saved[6]} PG_DB=${saved[7]} STACK_URL=${saved[8]}
	PRISM_PID=${saved[9]} # under test_openapi.sh, the suite's prism
	STACK_ENV=("${saved_env[@]}")
	http GET /
	assertEquals "the suite's stack still answers" 200 "$STATUS"
}

. "$(dirname "$0")/../lib/report.sh"
. shunit2

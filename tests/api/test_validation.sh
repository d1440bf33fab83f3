#!/bin/bash
# test_validation.sh -- every 422 of the contract in pydantic v2's exact shape
# (body, fields, emails, query, path), the 400 for a body that is not UTF-8,
# and the order of the checks (JSON, then authentication, then fields), against
# a real stack. No answer of this suite may be a 5xx.
SUITE_NAME=validation
. "$(dirname "$0")/../lib/stack.sh"


post_user() { send_json POST /users/ "$@"; }

# A token for EMAIL as PyJWT makes it with the stack's secret.
token_for() {
	"$PY" -c 'import jwt, sys, time
print(jwt.encode({"sub": sys.argv[1], "exp": int(time.time()) + 1800}, sys.argv[2], algorithm="HS256"))' "$1" "$SECRET"
}

# The entries of a 422, as pydantic v2 and FastAPI write them.
e_missing() { printf '{"type":"missing","loc":["body","%s"],"msg":"Field required","input":%s}' "$1" "$2"; }
e_string() { printf '{"type":"string_type","loc":["body","%s"],"msg":"Input should be a valid string","input":%s}' "$1" "$2"; }
e_int() { printf '{"type":"int_parsing","loc":["%s","%s"],"msg":"Input should be a valid integer, unable to parse string as an integer","input":%s}' "$1" "$2" "$3"; }
e_ge() { printf '{"type":"greater_than_equal","loc":["query","%s"],"msg":"Input should be greater than or equal to %s","input":%s,"ctx":{"ge":%s}}' "$1" "$2" "$3" "$2"; }
e_email() { printf '{"type":"value_error","loc":["body","email"],"msg":"value is not a valid email address: %s","input":%s,"ctx":{"reason":"%s"}}' "$2" "$1" "$2"; }
e_not_object() { printf '{"type":"model_attributes_type","loc":["body"],"msg":"Input should be a valid dictionary or object to extract fields from","input":%s}' "$1"; }
e_json() { printf '{"type":"json_invalid","loc":["body",%s],"msg":"JSON decode error","input":{},"ctx":{"error":"%s"}}' "$1" "$2"; }
detail() {
	local IFS=,
	printf '{"detail":[%s]}' "$*"
}

BODY_MISSING='{"detail":[{"type":"missing","loc":["body"],"msg":"Field required","input":null}]}'
PARSE_400='{"detail":"There was an error parsing the body"}'

# json_invalid BODY POS ERROR: POST /users/ with BODY is that json_invalid.
# POS and ERROR are what Python's json.loads says (e.pos, e.msg), e.g.
#   /usr/bin/python3 -c 'import json; json.loads(b"{\"username\":")'
json_invalid() {
	post_user "$1"
	assertHttp 422 "$(detail "$(e_json "$2" "$3")")"
}

# email_error ADDRESS REASON: the email ADDRESS (a JSON string) is refused for REASON.
email_error() {
	post_user "{\"username\":\"u\",\"email\":$1,\"password\":\"x\"}"
	assertHttp 422 "$(detail "$(e_email "$1" "$2")")"
}

oneTimeSetUp() {
	stack_start || return 1
	post_user '{"username":"alice","email":"alice@example.com","password":"secret"}'
	[ "$STATUS" = 201 ] || echo "alice was not created: $STATUS $BODY" >&2
	post_user '{"username":"bob","email":"bob@example.com","password":"secret"}'
	[ "$STATUS" = 201 ] || echo "bob was not created: $STATUS $BODY" >&2
	ALICE_AUTH="Authorization: Bearer $(token_for alice@example.com)"
}
oneTimeTearDown() { stack_stop; }

# --- the body as a whole --------------------------------------------------

test_no_body_is_missing() {
	http POST /users/
	assertHttp 422 "$BODY_MISSING"
	assertEquals "application/json" "$(header Content-Type)"
	http POST /users/ -H 'Content-Type: application/json'
	assertHttp 422 "$BODY_MISSING"
}

test_empty_body_is_missing() {
	post_user ''
	assertHttp 422 "$BODY_MISSING"
	http POST /users/ -H 'Content-Type: text/plain' --data-binary ''
	assertHttp 422 "$BODY_MISSING"
}

test_null_body_is_missing() {
	post_user 'null'
	assertHttp 422 "$BODY_MISSING"
	post_user ' null '
	assertHttp 422 "$BODY_MISSING"
}

test_truncated_json_is_json_invalid() {
	# json.loads('{"username":') -> Expecting value: line 1 column 13 (char 12)
	json_invalid '{"username":' 12 'Expecting value'
	json_invalid '{"username":"x"' 15 "Expecting ',' delimiter"
	json_invalid '[1,2' 4 "Expecting ',' delimiter"
	json_invalid '"abc' 0 'Unterminated string starting at'
}

test_whitespace_only_body_is_json_invalid() {
	json_invalid ' ' 1 'Expecting value'
}

test_json_syntax_errors_carry_pythons_message_and_position() {
	json_invalid '{' 1 'Expecting property name enclosed in double quotes'
	json_invalid '{"a":1,}' 7 'Expecting property name enclosed in double quotes'
	json_invalid "{'a':1}" 1 'Expecting property name enclosed in double quotes'
	json_invalid '{"a" 1}' 5 "Expecting ':' delimiter"
	json_invalid '["a",]' 5 'Expecting value'
	json_invalid 'nul' 0 'Expecting value'
	json_invalid '{"a":tru}' 5 'Expecting value'
	json_invalid '{"a":1.}' 6 "Expecting ',' delimiter"
	json_invalid '{"a":01}' 6 "Expecting ',' delimiter"
	json_invalid '{"a":1} x' 8 'Extra data'
}

test_json_string_errors_carry_pythons_message_and_position() {
	json_invalid '{"a":"b\x"}' 7 'Invalid \\escape'
	json_invalid '{"a":"\u12"}' 7 'Invalid \\uXXXX escape'
	json_invalid $'{"a":"b\tc"}' 7 'Invalid control character at'
}

test_json_that_is_not_an_object() {
	post_user '[1,2]'
	assertHttp 422 "$(detail "$(e_not_object '[1,2]')")"
	post_user ' [ 1 , "a" ] '
	assertHttp 422 "$(detail "$(e_not_object '[1,"a"]')")"
	post_user '"x"'
	assertHttp 422 "$(detail "$(e_not_object '"x"')")"
	post_user '5'
	assertHttp 422 "$(detail "$(e_not_object '5')")"
	post_user 'true'
	assertHttp 422 "$(detail "$(e_not_object 'true')")"
	post_user '[]'
	assertHttp 422 "$(detail "$(e_not_object '[]')")"
}

test_text_plain_body_is_a_string() {
	http POST /users/ -H 'Content-Type: text/plain' --data-binary '{"username":"a"}'
	assertHttp 422 "$(detail "$(e_not_object '"{\"username\":\"a\"}"')")"
	http POST /users/ -H 'Content-Type: text/plain' --data-binary $'say "hi" \\ é\t\x01'
	assertHttp 422 "$(detail "$(e_not_object '"say \"hi\" \\ é\t\u0001"')")"
}

test_other_content_types_are_not_json() {
	local ct
	for ct in application/x-www-form-urlencoded application/xml text/json application/x-json; do
		http POST /users/ -H "Content-Type: $ct" --data-binary '{"a":1}'
		assertHttp 422 "$(detail "$(e_not_object '"{\"a\":1}"')")"
	done
	# curl's own default for -d
	http POST /users/ -d '{"a":1}'
	assertHttp 422 "$(detail "$(e_not_object '"{\"a\":1}"')")"
}

test_json_content_types_are_parsed() {
	local ct want
	want=$(detail "$(e_missing email '{"username":"a"}')" "$(e_missing password '{"username":"a"}')")
	for ct in application/json 'application/json; charset=utf-8' APPLICATION/JSON \
		application/vnd.api+json application/merge-patch+json; do
		http POST /users/ -H "Content-Type: $ct" --data-binary '{"username":"a"}'
		assertHttp 422 "$want"
	done
	# no Content-Type at all counts as JSON
	http POST /users/ -H 'Content-Type:' --data-binary '{"username":"a"}'
	assertHttp 422 "$want"
}

test_body_not_utf8_is_400() {
	post_user $'{"username":"\xff","email":"a@example.com","password":"x"}'
	assertHttp 400 "$PARSE_400"
	assertEquals "application/json" "$(header Content-Type)"
	http POST /users/ -H 'Content-Type: application/vnd.api+json' --data-binary $'{"username":"\xc3"}'
	assertHttp 400 "$PARSE_400"
	http POST /users/ -H 'Content-Type:' --data-binary $'\xfe\xff'
	assertHttp 400 "$PARSE_400"
}

# --- the fields -----------------------------------------------------------

test_field_missing_input_is_the_whole_body() {
	post_user '{ "email" : "a@example.com" , "password" : "x" }'
	assertHttp 422 "$(detail "$(e_missing username '{"email":"a@example.com","password":"x"}')")"
	post_user '{"username":"u","password":"x"}'
	assertHttp 422 "$(detail "$(e_missing email '{"username":"u","password":"x"}')")"
	post_user '{"username":"u","email":"a@example.com"}'
	assertHttp 422 "$(detail "$(e_missing password '{"username":"u","email":"a@example.com"}')")"
}

test_every_field_missing_in_field_order() {
	post_user '{}'
	assertHttp 422 "$(detail "$(e_missing username '{}')" "$(e_missing email '{}')" "$(e_missing password '{}')")"
	local body='{"name":"Jos\u00e9 😀","extra":[1,{"b":null}],"n":-1.5}'
	local input='{"name":"José 😀","extra":[1,{"b":null}],"n":-1.5}'
	post_user "$body"
	assertHttp 422 "$(detail "$(e_missing username "$input")" "$(e_missing email "$input")" "$(e_missing password "$input")")"
}

test_username_not_a_string() {
	local v
	for v in 1 1.5 -7 true false null '[1,"a"]' '{"a":1}' '[]' '{}'; do
		post_user "{\"username\":$v,\"email\":\"a@example.com\",\"password\":\"x\"}"
		assertHttp 422 "$(detail "$(e_string username "$v")")"
	done
}

test_non_string_input_is_reserialised_compactly() {
	post_user '{"username":{ "a" : [ 1 , 2 ] , "b" : "\u00e9" },"email":"a@example.com","password":"x"}'
	assertHttp 422 "$(detail "$(e_string username '{"a":[1,2],"b":"é"}')")"
}

test_non_string_numbers_are_written_as_python_does() {
	local pair
	for pair in '1e2 100.0' '10.50 10.5' '-0.0 -0.0' '1e-7 1e-07' '12345678901234567890123 12345678901234567890123'; do
		post_user "{\"username\":${pair% *},\"email\":\"a@example.com\",\"password\":\"x\"}"
		assertHttp 422 "$(detail "$(e_string username "${pair#* }")")"
	done
}

test_email_and_password_not_strings() {
	post_user '{"username":"u","email":5,"password":[1]}'
	assertHttp 422 "$(detail "$(e_string email 5)" "$(e_string password '[1]')")"
	post_user '{"username":"u","email":null,"password":{"p":true}}'
	assertHttp 422 "$(detail "$(e_string email null)" "$(e_string password '{"p":true}')")"
}

test_every_field_wrong_in_field_order() {
	post_user '{"password":null,"email":"bad","username":5}'
	assertHttp 422 "$(detail "$(e_string username 5)" \
		"$(e_email '"bad"' 'An email address must have an @-sign.')" "$(e_string password null)")"
}

test_unknown_keys_are_ignored() {
	post_user '{"username":"u","email":"bad","password":"x","extra":1,"id":99,"is_admin":true}'
	assertHttp 422 "$(detail "$(e_email '"bad"' 'An email address must have an @-sign.')")"
}

test_duplicate_keys_the_last_one_wins() {
	post_user '{"username":"a","username":5,"email":"a@example.com","password":"x"}'
	assertHttp 422 "$(detail "$(e_string username 5)")"
}

# --- emails (email_validator's reasons) -----------------------------------

test_email_without_at_sign() {
	email_error '"alice.example.com"' 'An email address must have an @-sign.'
}

test_email_with_nothing_before_at_sign() {
	email_error '"@example.com"' 'There must be something before the @-sign.'
}

test_email_with_nothing_after_at_sign() {
	email_error '"alice@"' 'There must be something after the @-sign.'
}

test_email_domain_without_a_period() {
	email_error '"alice@example"' 'The part after the @-sign is not valid. It should have a period.'
}

test_email_with_two_periods_in_a_row() {
	email_error '"al..ice@example.com"' 'An email address cannot have two periods in a row.'
}

test_email_starting_with_a_period() {
	email_error '".alice@example.com"' 'An email address cannot start with a period.'
}

test_email_with_a_period_before_the_at_sign() {
	email_error '"alice.@example.com"' 'An email address cannot have a period immediately before the @-sign.'
}

test_email_local_part_too_long() {
	local a64
	a64=$(printf 'a%.0s' $(seq 64))
	email_error "\"${a64}aa@example.com\"" 'The email address is too long before the @-sign (2 characters too many).'
	email_error "\"${a64}a@example.com\"" 'The email address is too long before the @-sign (1 character too many).'
	post_user "{\"username\":\"u\",\"email\":\"${a64}\",\"password\":\"x\"}"
	assertHttp 422 "$(detail "$(e_email "\"${a64}\"" 'An email address must have an @-sign.')")"
}

test_email_too_long() {
	local a64 a60 b c d e32 email
	a64=$(printf 'a%.0s' $(seq 64))
	a60=$(printf 'a%.0s' $(seq 60))
	b=$(printf 'b%.0s' $(seq 63))
	c=$(printf 'c%.0s' $(seq 63))
	d=$(printf 'd%.0s' $(seq 63))
	e32=$(printf 'é%.0s' $(seq 32))
	# Over 254 characters: the field's maximum length (ours), before the address is read.
	for email in "$a64@$b.$c.$d.com" "${a60%a}@$b.$c.$d.com"; do # 260, 255
		send_json POST /users/ "{\"username\":\"u\",\"email\":\"$email\",\"password\":\"p\"}"
		assertHttp 422 "{\"detail\":[{\"type\":\"string_too_long\",\"loc\":[\"body\",\"email\"],\"msg\":\"String should have at most 254 characters\",\"input\":\"$email\",\"ctx\":{\"max_length\":254}}]}"
	done
	# 228 characters but 260 octets: email_validator's own limit, in octets.
	email_error "\"$e32@$b.$c.$d.com\"" 'The email address is too long (3-6 characters too many).'
}

test_email_invalid_character_before_at_sign() {
	email_error '"al(ice@example.com"' "The email address contains invalid characters before the @-sign: '('."
	email_error '"a,l;ice@example.com"' "The email address contains invalid characters before the @-sign: ',', ';'."
	email_error '"al ice@example.com"' 'The email address contains invalid characters before the @-sign: SPACE.'
}

test_email_invalid_character_after_at_sign() {
	email_error '"alice@exa_mple.com"' "The part after the @-sign contains invalid characters: '_'."
	email_error '"alice@e#x!ample.com"' "The part after the @-sign contains invalid characters: '!', '#'."
}

# --- query and path -------------------------------------------------------

test_query_limit_not_an_integer() {
	http GET '/users/?limit=abc'
	assertHttp 422 "$(detail "$(e_int query limit '"abc"')")"
	assertEquals "application/json" "$(header Content-Type)"
	http GET '/users/?offset=x1'
	assertHttp 422 "$(detail "$(e_int query offset '"x1"')")"
	http GET '/users/?limit='
	assertHttp 422 "$(detail "$(e_int query limit '""')")"
}

test_query_offset_below_zero() {
	http GET '/users/?offset=-1'
	assertHttp 422 "$(detail "$(e_ge offset 0 '"-1"')")"
}

test_query_limit_below_one() {
	http GET '/users/?limit=0'
	assertHttp 422 "$(detail "$(e_ge limit 1 '"0"')")"
	http GET '/users/?limit=-5'
	assertHttp 422 "$(detail "$(e_ge limit 1 '"-5"')")"
}

test_query_integer_beyond_64_bits() {
	http GET '/users/?limit=99999999999999999999'
	assertHttp 422 "$(detail "$(e_int query limit '"99999999999999999999"')")"
	http GET '/users/?offset=9223372036854775808'
	assertHttp 422 "$(detail "$(e_int query offset '"9223372036854775808"')")"
	http GET '/users/?limit=9223372036854775807&offset=9223372036854775807'
	assertHttp 200 '{"users":[]}'
}

test_query_errors_in_field_order() {
	http GET '/users/?limit=abc&offset=-1'
	assertHttp 422 "$(detail "$(e_ge offset 0 '"-1"')" "$(e_int query limit '"abc"')")"
	http GET '/users?offset=-1&limit=0'
	assertHttp 422 "$(detail "$(e_ge offset 0 '"-1"')" "$(e_ge limit 1 '"0"')")"
}

test_path_user_id_not_an_integer() {
	http GET /users/abc
	assertHttp 422 "$(detail "$(e_int path user_id '"abc"')")"
	http GET /users/abc/
	assertHttp 422 "$(detail "$(e_int path user_id '"abc"')")"
	http GET /users/1.5x
	assertHttp 422 "$(detail "$(e_int path user_id '"1.5x"')")"
	http GET /users/%C3%A9
	assertHttp 422 "$(detail "$(e_int path user_id '"é"')")"
	http DELETE /users/abc -H "$ALICE_AUTH"
	assertHttp 422 "$(detail "$(e_int path user_id '"abc"')")"
	send_json PUT /users/abc '{"username":"alice","email":"alice@example.com","password":"secret"}' -H "$ALICE_AUTH"
	assertHttp 422 "$(detail "$(e_int path user_id '"abc"')")"
}

test_path_bytes_not_utf8_are_replaced() {
	# Starlette decodes the path with errors="replace": U+FFFD, in UTF-8.
	http GET /users/%E9
	assertHttp 422 "$(detail "$(e_int path user_id '"�"')")"
	http GET '/users/?limit=%E9'
	assertHttp 422 "$(detail "$(e_int query limit '"�"')")"
}

test_path_integer_beyond_64_bits() {
	http GET /users/99999999999999999999
	assertHttp 422 "$(detail "$(e_int path user_id '"99999999999999999999"')")"
	http GET /users/-9223372036854775809
	assertHttp 422 "$(detail "$(e_int path user_id '"-9223372036854775809"')")"
	http GET /users/9223372036854775807
	assertHttp 404 '{"detail":"User not found"}'
}

test_path_and_body_errors_together_in_order() {
	send_json PUT /users/abc '{"email":"bad","password":5}' -H "$ALICE_AUTH"
	local input='{"email":"bad","password":5}'
	assertHttp 422 "$(detail "$(e_int path user_id '"abc"')" "$(e_missing username "$input")" \
		"$(e_email '"bad"' 'An email address must have an @-sign.')" "$(e_string password 5)")"
	send_json PUT /users/x '[]' -H "$ALICE_AUTH"
	assertHttp 422 "$(detail "$(e_int path user_id '"x"')" "$(e_not_object '[]')")"
	http PUT /users/x -H "$ALICE_AUTH"
	assertHttp 422 "$(detail "$(e_int path user_id '"x"')" '{"type":"missing","loc":["body"],"msg":"Field required","input":null}')"
}

# --- order of the checks --------------------------------------------------

test_non_json_body_is_refused_before_authentication() {
	send_json PUT /users/1 '{"username":' -H 'Authorization: Bearer garbage'
	assertHttp 422 "$(detail "$(e_json 12 'Expecting value')")"
	send_json PUT /users/abc '{"username":' -H 'Authorization: Bearer garbage'
	assertHttp 422 "$(detail "$(e_json 12 'Expecting value')")"
	send_json PUT /users/1 '{"username":'
	assertHttp 422 "$(detail "$(e_json 12 'Expecting value')")"
}

test_body_not_utf8_is_refused_before_authentication() {
	send_json PUT /users/1 $'{"username":"\xff"}' -H 'Authorization: Bearer garbage'
	assertHttp 400 "$PARSE_400"
}

test_authentication_comes_before_path_and_fields() {
	send_json PUT /users/abc '{}' -H 'Authorization: Bearer garbage'
	assertHttp 401 '{"detail":"Could not validate credentials"}'
	assertEquals "Bearer" "$(header WWW-Authenticate)"
	send_json PUT /users/abc '{"email":"bad"}'
	assertHttp 401 '{"detail":"Not authenticated"}'
	assertEquals "Bearer" "$(header WWW-Authenticate)"
	http PUT /users/abc -H 'Authorization: Bearer garbage'
	assertHttp 401 '{"detail":"Could not validate credentials"}'
	send_json PUT /users/1 '[1]' -H 'Authorization: Bearer garbage'
	assertHttp 401 '{"detail":"Could not validate credentials"}'
	http DELETE /users/abc -H 'Authorization: Bearer garbage'
	assertHttp 401 '{"detail":"Could not validate credentials"}'
	http DELETE /users/abc
	assertHttp 401 '{"detail":"Not authenticated"}'
}

test_text_plain_body_is_not_parsed_before_authentication() {
	http PUT /users/1 -H 'Content-Type: text/plain' --data-binary '{"username":' -H 'Authorization: Bearer garbage'
	assertHttp 401 '{"detail":"Could not validate credentials"}'
}

test_fields_come_before_permissions() {
	send_json PUT /users/2 '{}' -H "$ALICE_AUTH"
	assertHttp 422 "$(detail "$(e_missing username '{}')" "$(e_missing email '{}')" "$(e_missing password '{}')")"
	send_json PUT /users/2 '{"username":"u","email":"bad","password":"x"}' -H "$ALICE_AUTH"
	assertHttp 422 "$(detail "$(e_email '"bad"' 'An email address must have an @-sign.')")"
	send_json PUT /users/2 '{"username":"u","email":"u@example.com","password":"x"}' -H "$ALICE_AUTH"
	assertHttp 403 '{"detail":"Not enough permissions"}'
}

test_fields_come_before_conflicts() {
	post_user '{"username":"alice","email":"alice@example.com","password":5}'
	assertHttp 422 "$(detail "$(e_string password 5)")"
	send_json PUT /users/1 '{"username":"bob","email":"bob@example","password":"x"}' -H "$ALICE_AUTH"
	assertHttp 422 "$(detail "$(e_email '"bob@example"' 'The part after the @-sign is not valid. It should have a period.')")"
}

# --- no 5xx ---------------------------------------------------------------

test_odd_bodies_answer_no_5xx() {
	local f=$STACK_DIR/odd body
	local bodies=(
		'1e400' '-1e400' 'NaN' 'Infinity' '-Infinity'
		'{"username":1e400,"email":"a@example.com","password":"x"}'
		'{"username":NaN,"email":"a@example.com","password":"x"}'
		'{"username":"\ud800","email":"bad","password":"x"}'
		'{"username":"x","email":"\udc00@example.com","password":"x"}'
		'{"username":"x","email":"a\u0000b@example.com","password":"x"}'
		$'\xef\xbb\xbf{}' '{"":1}' '{"a":{}}' '{"a":"\u0000"}'
	)
	for body in "${bodies[@]}"; do
		post_user "$body"
		assertTrue "no 5xx for $(printf %q "$body"): $STATUS $BODY" "[ '$STATUS' -lt 500 ]"
	done
	local nul
	for nul in '{"a":"\0"}' '\377\376{\0}\0' '{"username":"a\0b","email":"a@example.com","password":"x"}'; do
		printf "$nul" >"$f"
		http POST /users/ -H 'Content-Type: application/json' --data-binary @"$f"
		assertTrue "no 5xx for a NUL byte in $nul: $STATUS $BODY" "[ '$STATUS' -lt 500 ]"
	done
	"$PY" -c 'import sys; n = 100000; sys.stdout.write("[" * n + "]" * n)' >"$f"
	http POST /users/ -H 'Content-Type: application/json' --data-binary @"$f"
	assertTrue "no 5xx for a deep array: $STATUS" "[ '$STATUS' -lt 500 ]"
	"$PY" -c 'import sys; n = 100000; sys.stdout.write("{\"a\":" * n + "1" + "}" * n)' >"$f"
	http POST /users/ -H 'Content-Type: application/json' --data-binary @"$f"
	assertTrue "no 5xx for a deep object: $STATUS" "[ '$STATUS' -lt 500 ]"
	"$PY" -c 'import sys; sys.stdout.write("{" + ",".join("\"k%d\":%d" % (i, i) for i in range(50000)) + "}")' >"$f"
	http POST /users/ -H 'Content-Type: application/json' --data-binary @"$f"
	assertTrue "no 5xx for 50000 keys: $STATUS" "[ '$STATUS' -lt 500 ]"
	"$PY" -c 'import sys; sys.stdout.write("{\"username\":\"" + "x" * 900000 + "\"}")' >"$f"
	http POST /users/ -H 'Content-Type: application/json' --data-binary @"$f"
	assertTrue "no 5xx for a long string: $STATUS" "[ '$STATUS' -lt 500 ]"
}

# Keep last: every answer of this suite, as nginx logged it.
test_zz_no_answer_of_the_suite_was_5xx() {
	local bad
	bad=$(grep -E '" 5[0-9][0-9] ' "$STACK_DIR/access.log")
	assertEquals "5xx answers in the access log" "" "$bad"
	assertTrue "the access log was read" "[ -s '$STACK_DIR/access.log' ]"
}

. "$(dirname "$0")/../lib/report.sh"
. shunit2

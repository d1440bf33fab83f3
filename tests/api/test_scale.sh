#!/bin/bash
# test_scale.sh -- lists on a table of a million users, made with SQL: long
# answers streamed byte for byte, deep pages read in order, and the request
# time limit (REQUEST_TIMEOUT) interrupting a statement that runs past it.
# Speed and memory are measured by `make bench`, never asserted here.
SUITE_NAME=scale
. "$(dirname "$0")/../lib/stack.sh"

USERS=1000000

# The list answer for ids FIRST..LAST as the contract writes it, by SQL (the
# names and emails need no escaping).
expected_list() {
	local agg="group_concat(u, ',')"
	[ "$FZ_BACKEND" = postgresql ] && agg="string_agg(u, ',' ORDER BY id)"
	sql "SELECT '{\"users\":[' || coalesce($agg, '') || ']}' FROM (SELECT id, '{\"id\":' || id ||
		',\"username\":\"' || username || '\",\"email\":\"' || email || '\"}' AS u
		FROM users WHERE id BETWEEN $1 AND $2 ORDER BY id) AS page"
}

oneTimeSetUp() {
	stack_start || return 1
	db_fill_users "$DB" "$USERS"
}
oneTimeTearDown() { stack_stop; }

test_a_short_list_keeps_its_content_length() {
	http GET '/users/?offset=10&limit=3'
	assertHttp 200 "$(expected_list 11 13)"
	assertEquals "Content-Length" "${#BODY}" "$(header Content-Length)"
}

test_a_long_list_is_streamed_byte_for_byte() {
	local got=$STACK_DIR/long.json want=$STACK_DIR/long.want
	curl -s -D "$STACK_DIR/long.headers" -o "$got" "$BASE_URL/users/?offset=0&limit=20000"
	expected_list 1 20000 >"$want"
	truncate -s -1 "$want" # the client's newline
	assertEquals "status" 200 "$(head -1 "$STACK_DIR/long.headers" | cut -d' ' -f2)"
	assertTrue "the body is the 20,000 users in order" "cmp -s '$got' '$want'"
	assertEquals "streamed: chunked, with no Content-Length" "chunked" \
		"$(grep -i '^transfer-encoding:' "$STACK_DIR/long.headers" | cut -d' ' -f2 | tr -d '\r')"
	assertEquals "no Content-Length" "" "$(grep -i '^content-length:' "$STACK_DIR/long.headers")"
}

test_the_whole_table_in_one_answer() {
	local got=$STACK_DIR/all.json
	curl -s -o "$got" -w '%{http_code}' "$BASE_URL/users/?limit=1000000000" >"$STACK_DIR/all.status"
	assertEquals "status" 200 "$(cat "$STACK_DIR/all.status")"
	assertEquals "every user, first and last in place" "$USERS 1 $USERS" \
		"$(jq -r '"\(.users | length) \(.users[0].id) \(.users[-1].id)"' "$got")"
	assertEquals "the bytes end the document" ']}' "$(tail -c 2 "$got")"
}

test_a_deep_page_is_the_rows_at_that_offset() {
	http GET "/users/?offset=$((USERS - 100))&limit=100"
	assertHttp 200 "$(expected_list $((USERS - 99)) $USERS)"
	http GET "/users/?offset=$((USERS - 2))&limit=100"
	assertHttp 200 "$(expected_list $((USERS - 1)) $USERS)"
}

test_a_page_past_the_end_is_empty() {
	http GET "/users/?offset=$USERS&limit=10"
	assertHttp 200 '{"users":[]}'
	http GET "/users/?offset=9223372036854775807&limit=9223372036854775807"
	assertHttp 200 '{"users":[]}'
}

test_pages_follow_the_ids_with_gaps() {
	sql "DELETE FROM users WHERE id IN (500001, 500002, 500004)"
	http GET '/users/?offset=500000&limit=3'
	assertHttp 200 '{"users":[{"id":500003,"username":"user500003","email":"user500003@example.com"},{"id":500005,"username":"user500005","email":"user500005@example.com"},{"id":500006,"username":"user500006","email":"user500006@example.com"}]}'
	sql "INSERT INTO users (id, username, password, email) VALUES
		(500001, 'user500001', 'x', 'user500001@example.com'), (500002, 'user500002', 'x', 'user500002@example.com'),
		(500004, 'user500004', 'x', 'user500004@example.com')"
}

# A statement past REQUEST_TIMEOUT is interrupted: 503 with Retry-After, and
# a log line with the request id and the route. Skipping a million index
# entries takes milliseconds; the limit here is one.
test_a_statement_past_the_time_limit_answers_503() {
	kill -TERM "$FZ_PID"
	wait "$FZ_PID" 2>/dev/null
	stack_serve REQUEST_TIMEOUT=0.001 REQUEST_KILL_TIMEOUT=0 # the kill limit (2 ms by default here) is not under test
	stack_wait
	http GET "/users/?offset=$((USERS - 1))&limit=1000000" -H 'X-Request-Id: ignored'
	assertHttp 503 '{"detail":"Service Unavailable"}'
	assertEquals "Retry-After" 1 "$(header Retry-After)"
	local id
	id=$(header X-Request-Id)
	assertNotNull "the answer names its request id" "$id"
	assertContains "the log names the request and its route" "$(cat "$STACK_DIR/log")" \
		"request $id: GET /users: stopped at the time limit (REQUEST_TIMEOUT=1 ms)"
	# The whole table cannot be read in a millisecond either. Its first rows
	# usually went already (the status with them): the answer is then cut
	# short, so the client sees a broken transfer, never a complete document.
	local rc
	curl -s -o "$STACK_DIR/cut.json" -w '%{http_code}' "$BASE_URL/users/?limit=1000000" >"$STACK_DIR/cut.status"
	rc=$?
	if [ "$(cat "$STACK_DIR/cut.status")" = 503 ]; then
		assertEquals "interrupted before the first rows" '{"detail":"Service Unavailable"}' "$(cat "$STACK_DIR/cut.json")"
	else
		assertEquals "curl: transfer closed with data outstanding" 18 "$rc"
		assertEquals "the status went first" 200 "$(cat "$STACK_DIR/cut.status")"
		assertEquals "the rows that went" '{"users":[{"id":1,' "$(head -c 18 "$STACK_DIR/cut.json")"
		assertNotEquals "the document is not complete" ']}' "$(tail -c 2 "$STACK_DIR/cut.json")"
	fi
	assertEquals "two time limit lines in the log" 2 "$(grep -c 'stopped at the time limit' "$STACK_DIR/log")"
	kill -TERM "$FZ_PID"
	wait "$FZ_PID" 2>/dev/null
	stack_serve
	stack_wait
	http GET "/users/?offset=$((USERS - 1))&limit=1000000"
	assertHttp 200 "$(expected_list $USERS $USERS)"
}

. "$(dirname "$0")/../lib/report.sh"
. shunit2

#!/bin/bash
# test_app.sh -- the first routes, the 404/405 answers and nginx's own errors,
# against a real stack (nginx + worker pool + SQLite).
SUITE_NAME=app
. "$(dirname "$0")/../lib/stack.sh"

oneTimeSetUp() { stack_start; }
oneTimeTearDown() { stack_stop; }

test_root_answers_ola_mundo() {
	http GET /
	assertHttp 200 '{"message":"Olá Mundo!"}'
	assertEquals "application/json" "$(header Content-Type)"
	assertEquals "25" "$(header Content-Length)"
}

test_root_carries_nosniff_once() {
	http GET /
	assertEquals "1" "$(grep -ci '^X-Content-Type-Options: nosniff' "$HEADERS")"
}

test_exercicio_html_is_the_page() {
	http GET /exercicio-html
	assertEquals 200 "$STATUS"
	assertEquals "text/html; charset=utf-8" "$(header Content-Type)"
	assertContains "$BODY" "<h1> Olá Mundo </h1>"
	assertContains "$BODY" "<title>Nosso olá mundo!</title>"
}

test_other_spelling_is_answered_directly() {
	http GET /exercicio-html/
	assertEquals 200 "$STATUS"
}

# The routing map of nginx/upstream.conf is the route table's, as
# `fast_zero nginx-map` writes it (and scripts/nginx-conf uses it).
test_upstream_conf_routes_by_the_route_table() {
	local copy
	copy=$(sed -n '/^# Written by `fast_zero nginx-map`/,/^}/p' "$ROOT/nginx/upstream.conf")
	assertNotNull "nginx/upstream.conf holds the map" "$copy"
	assertEquals "nginx/upstream.conf vs fast_zero nginx-map (make nginx-map rewrites it)" \
		"$("$FZ_BIN" nginx-map)" "$copy"
	assertContains "the stack's nginx.conf" "$(cat "$STACK_DIR/nginx.conf")" \
		"$("$FZ_BIN" nginx-map | sed 's/^/\t/')"
}

test_unknown_path_is_404() {
	http GET /nao-existe
	assertHttp 404 '{"detail":"Not Found"}'
	assertEquals "application/json" "$(header Content-Type)"
}

test_known_path_other_method_is_405_with_allow() {
	http POST /
	assertHttp 405 '{"detail":"Method Not Allowed"}'
	assertEquals "GET" "$(header Allow)"
}

test_head_is_405_as_fastapi() {
	STATUS=$(curl -s -o /dev/null -w '%{http_code}' -I "$BASE_URL/")
	assertEquals 405 "$STATUS"
}

test_body_over_1m_is_413_json() {
	head -c 1100000 /dev/zero | tr '\0' a >"$STACK_DIR/big"
	http POST /users/ -H 'Content-Type: application/json' --data-binary @"$STACK_DIR/big"
	assertHttp 413 '{"detail":"Request Entity Too Large"}'
	assertEquals "application/json" "$(header Content-Type)"
}

test_login_burst_is_throttled_with_json_429() {
	local i clients=()
	for i in $(seq 1 40); do
		curl -s -o "$STACK_DIR/login.$i" -D "$STACK_DIR/head.$i" -w '%{http_code}\n' -X POST \
			"$BASE_URL/auth/token" -d 'username=nobody@example.com&password=x' >"$STACK_DIR/code.$i" &
		clients+=($!)
	done
	wait "${clients[@]}"
	cat "$STACK_DIR"/code.* >"$STACK_DIR/codes"
	assertTrue "some logins were throttled" "grep -qx 429 '$STACK_DIR/codes'"
	assertTrue "the burst allowance got through" "grep -qx 401 '$STACK_DIR/codes'"
	i=$(grep -lx 429 "$STACK_DIR"/code.* | head -1)
	i=${i##*.}
	assertEquals '{"detail":"Too Many Requests"}' "$(cat "$STACK_DIR/login.$i")"
	assertTrue "a throttled answer is JSON" "grep -qi '^Content-Type: application/json' '$STACK_DIR/head.$i'"
	http GET /
	assertEquals "other paths are not throttled" 200 "$STATUS"
}

test_health_answers_ok_then_503_when_the_database_does_not() {
	local id
	http GET /health
	assertHttp 200 '{"status":"ok"}'
	sqlite3 "$DB" 'ALTER TABLE users RENAME TO users_away'
	http GET /health
	assertHttp 503 '{"detail":"Service Unavailable"}'
	assertEquals "Retry-After" 1 "$(header Retry-After)"
	id=$(header X-Request-Id)
	assertTrue "the error on stderr carries the request id $id" "grep -q 'request $id: storage' '$STACK_DIR/log'"
	sqlite3 "$DB" 'ALTER TABLE users_away RENAME TO users'
	http GET /health
	assertHttp 200 '{"status":"ok"}'
}

test_request_id_is_returned() {
	http GET /
	assertNotNull "X-Request-Id" "$(header X-Request-Id)"
	id=$(header X-Request-Id)
	assertTrue "the access log names the request id" "grep -q 'id=$id' '$STACK_DIR/access.log'"
}

test_no_worker_is_502_json() {
	kill -TERM "$FZ_PID"
	wait "$FZ_PID" 2>/dev/null
	http GET /
	assertHttp 502 '{"detail":"Bad Gateway"}'
	assertEquals "application/json" "$(header Content-Type)"
	stack_serve
	stack_wait
	http GET /
	assertEquals 200 "$STATUS"
}

. "$(dirname "$0")/../lib/report.sh"
. shunit2

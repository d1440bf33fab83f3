#!/bin/bash
# backends: sqlite
# test_openapi.sh -- /openapi.json tells the whole truth: the API suites run
# again with every request through a validating proxy (npm's
# @stoplight/prism-cli, `prism proxy`), and no answer may be one the
# document does not describe (status, body schema, content type).
#
# The replay knows what it sent rather than counting answers: each replayed
# suite must run to its end and pass, and prism must have forwarded an
# answer to every request the suite sent it, no more, no fewer (stack.sh
# notes each request the suite's curl sends through prism; prism logs each
# it received and forwarded). The suites' own checks hold through the proxy:
# prism adds CORS headers and lower-cases header names, but the suites read
# a header by name in any case (stack.sh's header) and none asserts that a
# header is absent. A test that could not pass through prism would have to
# say so itself (skip under FZ_PRISM, with the reason): nothing here
# excuses a failure.
SUITE_NAME=openapi
. "$(dirname "$0")/../lib/stack.sh"

PRISM=$ROOT/docs/node_modules/.bin/prism
# The suites of the API proper; the hostile ones (1 MiB bodies, HEAD, raw
# bytes) are left out: prism itself does not survive them.
SUITES="users auth course todos"
# How long one replayed suite may run (seconds): a bound for a hang, far
# above what the slowest run needs (about a minute each alone; the three
# took 20 minutes under the sanitizers beside other suites, load 20 on 2
# cores).
REPLAY_LIMIT=${REPLAY_LIMIT:-1800}

# Each suite once, through prism: its output in $PRISM_DIR/SUITE.out, its
# exit status in SUITE.rc, its prisms' logs and sent lists in SUITE/.
oneTimeSetUp() {
	local s
	PRISM_DIR=$(mktemp -d)
	for s in $SUITES; do
		mkdir "$PRISM_DIR/$s"
		FZ_PRISM=$PRISM PRISM_LOG_DIR=$PRISM_DIR/$s timeout -k 10 "$REPLAY_LIMIT" \
			bash "$ROOT/tests/api/test_$s.sh" >"$PRISM_DIR/$s.out" 2>&1
		echo $? >"$PRISM_DIR/$s.rc"
	done
}
oneTimeTearDown() { [ -n "${KEEP_PRISM_LOGS:-}" ] || rm -rf "$PRISM_DIR"; }

# The number of tests of suite $1, found as tests/run finds them.
count_tests() {
	grep -cE '^\s*((function test[A-Za-z0-9_-]*)|(test[A-Za-z0-9_-]* *\(\)))' "$ROOT/tests/api/test_$1.sh"
}

# The requests prism received and forwarded an answer to, from its log
# $1: one "method path" line each. The replayed suites send one request at
# a time, so a forward response belongs to the request received last.
forwarded() {
	awk '/\[HTTP SERVER\] .* Request received/ {
			sub(/.*\[HTTP SERVER\] /, ""); split($0, f, " "); request = f[1] " " f[2] }
		/Received forward response/ && request != "" { print request; request = "" }' "$1"
}

# quoted: the replayed suite's lines (stdin), each behind "  | " (tests/run
# counts the lines that start with "ok - " and "not ok - ").
quoted() { sed 's/^/  | /'; }

test_the_replayed_suites_ran_to_their_end_and_passed() {
	local s rc expected passed failed
	for s in $SUITES; do
		rc=$(cat "$PRISM_DIR/$s.rc")
		expected=$(count_tests "$s")
		passed=$(grep -c '^ok - ' "$PRISM_DIR/$s.out")
		failed=$(grep -c '^not ok - ' "$PRISM_DIR/$s.out")
		if [ "$rc" = 124 ] || [ "$rc" = 137 ]; then
			fail "$s through prism did not end within $REPLAY_LIMIT s ($passed of $expected tests reported); its output ends:
$(tail -n 20 "$PRISM_DIR/$s.out" | quoted)"
			continue
		fi
		assertEquals "$s through prism: its own failures:
$(grep -e '^not ok - ' -e 'ASSERT' "$PRISM_DIR/$s.out" | head -40 | quoted)
" 0 "$failed"
		assertEquals "$s through prism: every test reported passed (exit status $rc); its output ends:
$(tail -n 20 "$PRISM_DIR/$s.out" | quoted)
" "$expected 0" "$passed $rc"
	done
}

test_prism_forwarded_an_answer_to_every_request_sent() {
	local s sent log unanswered difference count
	for s in $SUITES; do
		count=0
		for sent in "$PRISM_DIR/$s"/prism-*.sent; do
			[ -f "$sent" ] || continue
			log=${sent%.sent}.log
			count=$((count + $(grep -c '^0 ' "$sent")))
			# A request curl got no answer to (a timeout, a reset): exit
			# status 7 is prism not listening yet, while the stack comes up.
			unanswered=$(awk '$1 != 0 && $1 != 7' "$sent" | sort | uniq -c | head -20)
			assertNull "$s: requests that got no answer through prism ($(basename "$log")): $unanswered" "$unanswered"
			difference=$(diff <(awk '$1 == 0 { print $2, $3 }' "$sent" | sort) <(forwarded "$log" | sort) |
				sed -n 's/^< /sent, no answer forwarded: /p; s/^> /forwarded, never sent: /p' | head -20)
			assertNull "$s: what the suite sent is not what prism forwarded ($(basename "$log")):
$difference" "$difference"
		done
		assertTrue "$s sent its requests through prism ($count answered)" "[ $count -gt 0 ]"
	done
}

test_every_answer_of_the_api_suites_is_in_the_document() {
	local violations
	# Each violation with the answer it is about ("PATH has returned STATUS").
	# Prism takes PUT and DELETE /users/ (PATCH and DELETE /todos/) for
	# /users/{user_id} (/todos/{todo_id}) with an empty id, an operation they
	# are not (the router answers the path's 405): those are not counted.
	violations=$(cat "$PRISM_DIR"/*/prism-*.log | awk '/has returned/ { call = $0; sub(/.*upstream call to /, "", call) }
		/Violation: response/ && call !~ /^\/(users|todos)\/ has returned 405/ {
			v = $0; sub(/.*Violation: /, "", v); print call ": " v }' | sort | uniq -c | head -20)
	assertNull "answers /openapi.json does not describe: $violations" "$violations"
}

. "$(dirname "$0")/../lib/report.sh"
. shunit2

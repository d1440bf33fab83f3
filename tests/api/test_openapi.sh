#!/bin/bash
# backends: sqlite
# test_openapi.sh -- /openapi.json tells the whole truth: the API suites run
# again with every request through a validating proxy (npm's
# @stoplight/prism-cli, `prism proxy`), and no answer may be one the
# document does not describe (status, body schema, content type). The
# suites' own checks are not counted here (the proxy adds CORS headers and
# lower-cases header names); only prism's verdict on each answer is.
SUITE_NAME=openapi
. "$(dirname "$0")/../lib/stack.sh"

PRISM=$ROOT/docs/node_modules/.bin/prism
# The suites of the API proper; the hostile ones (1 MiB bodies, HEAD, raw
# bytes) are left out: prism itself does not survive them.
SUITES="users auth course"

oneTimeSetUp() {
	PRISM_DIR=$(mktemp -d)
}
oneTimeTearDown() { [ -n "${KEEP_PRISM_LOGS:-}" ] || rm -rf "$PRISM_DIR"; }

test_every_answer_of_the_api_suites_is_in_the_document() {
	local s answered violations
	for s in $SUITES; do
		FZ_PRISM=$PRISM PRISM_LOG_DIR=$PRISM_DIR timeout 600 bash "$ROOT/tests/api/test_$s.sh" >"$PRISM_DIR/$s.out" 2>&1
	done
	answered=$(cat "$PRISM_DIR"/*.log | grep -c 'Received forward response')
	assertTrue "prism saw the suites' traffic ($answered answers)" "[ $answered -ge 200 ]"
	# Each violation with the answer it is about ("PATH has returned STATUS").
	# Prism takes PUT and DELETE /users/ for /users/{user_id} with an empty id,
	# an operation they are not (the router answers the path's 405): those
	# are not counted.
	violations=$(cat "$PRISM_DIR"/*.log | awk '/has returned/ { call = $0; sub(/.*upstream call to /, "", call) }
		/Violation: response/ && call !~ /^\/users\/ has returned 405/ {
			v = $0; sub(/.*Violation: /, "", v); print call ": " v }' | sort | uniq -c | head -20)
	assertNull "answers /openapi.json does not describe: $violations" "$violations"
}

. "$(dirname "$0")/../lib/report.sh"
. shunit2

# tests/lib/report.sh -- sourced by every suite just before shunit2: one line
# per test, "ok - name" or "not ok - name", which tests/run counts.
tearDown() {
	[ -n "${_shunit_test_:-}" ] || return 0 # shunit2 calls it again on exit
	if [ "${__shunit_testSuccess:-0}" = "${SHUNIT_TRUE:-0}" ]; then
		echo "ok - ${SUITE_NAME:-api}: ${_shunit_test_}"
	else
		echo "not ok - ${SUITE_NAME:-api}: ${_shunit_test_}"
	fi
	[ "$(type -t suiteTearDown)" = function ] && suiteTearDown
	return 0
}

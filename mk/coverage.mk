# mk/coverage.mk -- make coverage: the whole `make test` suite (K= works too)
# on a build instrumented with gcov in build/coverage/, then the coverage of
# src/ per file, lines and branches, an HTML report in
# build/coverage/report/index.html, and a floor under which the target fails.
#
# Every process counts: the unit tests, the supervisor and each worker write
# their counters when they exit through exit() (a worker stopped by SIGTERM,
# SIGINT, or its supervisor's death, which it receives as SIGTERM); libgcov
# merges concurrent writers under a file lock, and counts atomically across
# the hashing thread. A process killed by SIGKILL (the tests that kill a
# worker or the whole stack outright) or by a crash writes nothing. The fuzz
# regressions run on their own clang build and are not counted.

COV_BUILD := build/coverage
COV_FLAGS := -O0 -g --coverage -fprofile-update=atomic
# The floor: the share of src/'s lines the suite reaches, in percent.
COV_FLOOR ?= 91

.PHONY: coverage
coverage: deps
	@scripts/deps $(FUZZ_DEPS) gcovr
	@$(MAKE) --no-print-directory fuzz-build docs-assets
	@$(MAKE) --no-print-directory BUILD=$(COV_BUILD) OPT="$(COV_FLAGS)" $(COV_BUILD)/fast_zero unit
	@find $(COV_BUILD) -name '*.gcda' -delete
	@tests/run $(TEST_K) $(COV_BUILD); rc=$$?; \
		scripts/coverage $(COV_BUILD) $(COV_FLOOR) && exit $$rc

# mk/valgrind.mk -- make valgrind: a request sequence under memcheck.
.PHONY: valgrind
valgrind: deps
	@scripts/deps valgrind
	@$(MAKE) --no-print-directory fast_zero
	@tests/valgrind.sh

# mk/bench.mk -- `make bench`: our stack against its ceiling (the same nginx
# in front of bench/null_fcgi, a FastCGI responder that costs nothing), and a
# table of a million users and a million todos of one user, in one run (scripts/bench; results in bench/),
# with every throttle off (RATE_LIMIT=off: it measures speed, from one
# address); then the PostgreSQL backend beside SQLite (bench/postgres,
# bench/postgres.md); then bench/abuse, with the default limits, measures
# what one abusive client does to the others, bench/lockout whether a
# spray of wrong passwords locks a user out, and bench/overload what several
# abusive clients do (login floods from five addresses, slow readers of long
# lists). BENCH_QUICK=1 makes them short smoke runs (scripts/bench's written
# to build/bench/quick/).

.PHONY: bench
bench:
	@scripts/deps wrk gnuplot-nox
	@$(MAKE) --no-print-directory fast_zero build/bench/argon2_cpu build/bench/null_fcgi
	@RATE_LIMIT=off scripts/bench
	@RATE_LIMIT=off bench/postgres
	@bench/abuse
	@bench/lockout
	@bench/overload

# The CPU cost of one argon2_verify at the service's parameters: the login ceiling.
build/bench/argon2_cpu: bench/argon2_cpu.c
	@mkdir -p $(dir $@)
	$(CC) -std=c11 -D_GNU_SOURCE $(WARN) -O2 $(shell pkg-config --cflags libargon2) -o $@ $< \
		$(shell pkg-config --libs libargon2) -lpthread

build/bench/null_fcgi: bench/null_fcgi.c
	@mkdir -p $(dir $@)
	$(CC) -std=c11 -D_GNU_SOURCE $(WARN) -O2 -o $@ $<

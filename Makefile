# fast_zero -- build, run and test. `make run` and `make test` install what is
# missing (scripts/deps) before anything else.

CC ?= cc
PKGS = sqlite3 libpq libjwt libargon2 gnutls
VERSION = 0.1.0
OPT ?= -O2 -g
WARN = -Wall -Wextra -Werror
PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS = $(shell pkg-config --libs $(PKGS) 2>/dev/null)
ALL_CFLAGS = -std=c11 -D_GNU_SOURCE -Isrc -DFZ_VERSION='"$(VERSION)"' $(WARN) $(OPT) $(PKG_CFLAGS) $(CFLAGS)
LIBS = $(PKG_LIBS) -lpthread -lm

# BUILD=build by default; `make sanitize` builds into build/san with ASan+UBSan.
BUILD ?= build
SRC := $(wildcard src/*.c src/*/*.c)
HDR := $(wildcard src/*/*.h)
LIB_SRC := $(filter-out src/main.c,$(SRC))
OBJ := $(SRC:src/%.c=$(BUILD)/obj/%.o)
LIB_OBJ := $(LIB_SRC:src/%.c=$(BUILD)/obj/%.o)
UNIT_SRC := $(wildcard tests/unit/test_*.c)
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/unit/%)
SAN_FLAGS = -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined

.PHONY: all deps run test test-list unit sanitize format lint clean check-build
all: fast_zero

fast_zero: $(BUILD)/fast_zero
	@[ "$(BUILD)" = build ] && cp -f $< $@ || true

$(BUILD)/fast_zero: $(OBJ)
	$(CC) $(ALL_CFLAGS) -o $@ $^ $(LIBS) $(LDFLAGS)

$(BUILD)/obj/%.o: src/%.c $(HDR)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(BUILD)/unit/%: tests/unit/%.c $(LIB_OBJ) tests/unit/unit.h
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -Isrc -o $@ $< $(LIB_OBJ) $(LIBS) $(LDFLAGS)

unit: $(UNIT_BIN)

deps:
	@scripts/deps

# Builds, migrates and serves http://127.0.0.1:$${PORT:-8000} in the foreground.
run: deps
	@$(MAKE) --no-print-directory fast_zero docs-assets
	@scripts/run

# C unit tests, then the shunit2 suites against a real stack; the last line is
# "N passed, N failed". K=PATTERN runs only the tests whose names contain it.
TEST_K = $(if $(K),-k '$(K)')
test: deps
	@scripts/deps $(FUZZ_DEPS)
	@$(MAKE) --no-print-directory fast_zero unit fuzz-build docs-assets
	@tests/run $(TEST_K) $(BUILD)

# Every test's name, suite by suite (what K= matches).
test-list:
	@$(MAKE) --no-print-directory unit >/dev/null
	@tests/run --list $(BUILD)

# The whole suite again, every process built with ASan and UBSan.
sanitize: deps
	@scripts/deps $(FUZZ_DEPS)
	@$(MAKE) --no-print-directory fuzz-build docs-assets
	@$(MAKE) --no-print-directory BUILD=build/san OPT="-O1 -g $(SAN_FLAGS)" build/san/fast_zero unit
	@ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 tests/run $(TEST_K) build/san

format:
	clang-format -i $(SRC) $(HDR) $(UNIT_SRC) tests/unit/unit.h \
		$(wildcard tests/fuzz/*.c tests/fuzz/*.h bench/*.c)

lint:
	cppcheck --quiet --error-exitcode=1 --enable=warning,performance,portability \
		--std=c11 --suppress=missingIncludeSystem -D_GNU_SOURCE -Isrc src
	clang-tidy --quiet $(SRC) -- -std=c11 -D_GNU_SOURCE -Isrc $(PKG_CFLAGS)

clean:
	rm -rf build fast_zero

# Further targets (fuzz, bench, docs, install, ...) live beside this file.
-include $(sort $(wildcard mk/*.mk))

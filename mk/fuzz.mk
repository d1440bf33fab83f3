# mk/fuzz.mk -- the libFuzzer harnesses of tests/fuzz/ (see tests/fuzz/README).
#
#   make fuzz [FUZZ_SECONDS=60] [FUZZ_ONLY="json form"]
#       runs each harness for FUZZ_SECONDS from its seed corpus (new inputs go
#       to build/fuzz/work/, never into the checked-in corpus), prints the
#       executions of each and the total, and fails when any harness crashed;
#   make fuzz-regress
#       replays every seed and every tests/fuzz/regress/ input once (seconds);
#   make fuzz-build
#       only builds build/fuzz/fuzz_*.
#
# Built with Debian's clang, ASan + UBSan everywhere: the library objects with
# -fsanitize=fuzzer-no-link, each harness linked with -fsanitize=fuzzer.
# Password hashing is swapped for a fake at link time (--wrap): see
# tests/fuzz/common.h.

FUZZ_CC ?= clang
FUZZ_SECONDS ?= 60
FUZZ_BUILD := build/fuzz
FUZZ_SAN := -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer
FUZZ_CFLAGS = -std=c11 -D_GNU_SOURCE -Isrc -DFZ_VERSION='"$(VERSION)"' $(WARN) -O1 -g $(PKG_CFLAGS) $(FUZZ_SAN)
FUZZ_WRAP := -Wl,--wrap=password_hash -Wl,--wrap=password_verify
FUZZ_LIB_OBJ := $(LIB_SRC:src/%.c=$(FUZZ_BUILD)/obj/%.o)
FUZZ_NAMES := $(sort $(patsubst tests/fuzz/fuzz_%.c,%,$(wildcard tests/fuzz/fuzz_*.c)))
FUZZ_BIN := $(FUZZ_NAMES:%=$(FUZZ_BUILD)/fuzz_%)
FUZZ_ONLY ?= $(FUZZ_NAMES)
FUZZ_DEPS := clang libclang-rt-14-dev

.PHONY: fuzz fuzz-build fuzz-regress

fuzz:
	@scripts/deps $(FUZZ_DEPS)
	@$(MAKE) --no-print-directory fuzz-build
	@tests/fuzz/run fuzz $(FUZZ_SECONDS) $(FUZZ_ONLY)

fuzz-regress:
	@scripts/deps $(FUZZ_DEPS)
	@$(MAKE) --no-print-directory fuzz-build
	@tests/fuzz/run regress $(FUZZ_ONLY)

fuzz-build: $(FUZZ_BIN)

# Kept between builds (make would delete them as intermediates).
.SECONDARY: $(FUZZ_LIB_OBJ) $(FUZZ_BUILD)/common.o

$(FUZZ_BUILD)/obj/%.o: src/%.c $(HDR)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -c -o $@ $<

$(FUZZ_BUILD)/common.o: tests/fuzz/common.c tests/fuzz/common.h $(HDR)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -DFUZZ_MIGRATIONS='"$(CURDIR)/migrations"' -c -o $@ $<

$(FUZZ_BUILD)/fuzz_%: tests/fuzz/fuzz_%.c tests/fuzz/common.h $(FUZZ_BUILD)/common.o $(FUZZ_LIB_OBJ)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer -o $@ $< $(FUZZ_BUILD)/common.o $(FUZZ_LIB_OBJ) \
		$(FUZZ_WRAP) $(LIBS) $(LDFLAGS)

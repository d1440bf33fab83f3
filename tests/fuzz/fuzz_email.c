/* fuzz_email.c -- email_check, the EmailStr check of registration and update.
 *
 * The "email" field of POST /users/ and PUT /users/{id} goes through
 * email_check (about 1400 lines of UTF-8, IDNA and punycode handling) as
 * the client wrote it, any bytes, NUL included. Besides the sanitizers the
 * harness checks the contract in src/compat/email.h:
 *   - exactly one of the two buffers is written: the address on success,
 *     a non-empty reason on failure, and either is valid UTF-8;
 *   - the normalised address is itself accepted, and normalises to itself. */
#include <stdio.h>
#include <string.h>

#include "../../src/compat/email.h"
#include "common.h"

static void check_normalised(const struct buf *addr)
{
	struct buf again, reason;
	buf_init(&again);
	buf_init(&reason);
	bool ok = email_check(addr->data, addr->len, &again, &reason);
	if (!ok)
		fprintf(stderr, "normalised address %.*s refused: %.*s\n", (int)addr->len, addr->data,
			(int)reason.len, reason.data);
	FUZZ_CHECK(ok);
	FUZZ_CHECK(again.len == addr->len && memcmp(again.data, addr->data, addr->len) == 0);
	buf_free(&again);
	buf_free(&reason);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct buf out, reason;
	buf_init(&out);
	buf_init(&reason);
	bool ok = email_check((const char *)data, size, &out, &reason);
	FUZZ_CHECK(buf_ok(&out) && buf_ok(&reason));
	if (ok) {
		FUZZ_CHECK(reason.len == 0 && out.len > 0);
		FUZZ_CHECK(fuzz_utf8_ok((const unsigned char *)out.data, out.len));
		check_normalised(&out);
	} else {
		FUZZ_CHECK(out.len == 0 && reason.len > 0);
		FUZZ_CHECK(fuzz_utf8_ok((const unsigned char *)reason.data, reason.len));
	}
	buf_free(&out);
	buf_free(&reason);
	return 0;
}

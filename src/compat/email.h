/* email.h -- the EmailStr check: is this text an email address, and in what form is it stored?
 *
 * The course's models declare `email: EmailStr`, which pydantic v2 checks with
 * email_validator.validate_email(value, check_deliverability=False). This module
 * gives the same verdict, the same reason text (it goes into the 422 answer as
 * "value is not a valid email address: <reason>") and the same normalised
 * address (what is stored and compared): the local part as written, the domain
 * lower-cased. The wording follows email_validator 2.2, the last release that
 * still refuses local parts longer than 64 characters, as API.md requires.
 * No DNS is consulted. */
#ifndef FZ_EMAIL_H
#define FZ_EMAIL_H

#include <stdbool.h>
#include <stddef.h>
#include "base/buf.h"

/* Checks the UTF-8 text in[0..len). On success returns true and appends the
 * normalised address to *out. On failure returns false and appends the reason
 * (email_validator's wording, e.g. "An email address must have an @-sign.") to *reason.
 *
 * in may hold any bytes, NUL included; nothing outside in[0..len) is read.
 * Bytes that are not UTF-8 count as one character each and are refused as
 * unsafe characters, so what is appended (address or reason) is always valid
 * UTF-8. Nothing is written to *out on failure, nor to *reason on success.
 * Memory is taken only through the two buffers (and freed scratch buffers):
 * when it runs short the buffer is marked failed, so the caller checks
 * buf_ok() on the one it is about to use. No global state; thread-safe. */
bool email_check(const char *in, size_t len, struct buf *out, struct buf *reason);

#endif

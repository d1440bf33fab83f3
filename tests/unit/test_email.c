/* test_email.c -- unit tests of email_check(): pydantic's EmailStr verdicts,
 * email_validator's reasons word for word, and the normalised address.
 *
 * Every expected reason below was produced by email_validator 2.2's own code
 * (through pydantic's validate_email) for the same input. */
#include "compat/email.h"
#include "unit.h"

#include <stdbool.h>
#include <string.h>

/* Expects in[0..len) to be refused with exactly `want`, and nothing stored. */
static void expect_reason_n(const char *in, size_t len, const char *want)
{
	struct buf out, reason;
	buf_init(&out);
	buf_init(&reason);
	CHECK(!email_check(in, len, &out, &reason));
	CHECK_STR(buf_cstr(&reason), want);
	CHECK(out.len == 0);
	CHECK(buf_ok(&reason));
	buf_free(&out);
	buf_free(&reason);
}

static void expect_reason(const char *in, const char *want)
{
	expect_reason_n(in, strlen(in), want);
}

/* Expects in to be accepted and stored as `want`, with no reason written. */
static void expect_ok(const char *in, const char *want)
{
	struct buf out, reason;
	buf_init(&out);
	buf_init(&reason);
	CHECK(email_check(in, strlen(in), &out, &reason));
	CHECK_STR(buf_cstr(&out), want);
	CHECK(reason.len == 0);
	CHECK(buf_ok(&out));
	buf_free(&out);
	buf_free(&reason);
}

/* s[0..n) = n copies of c, NUL-terminated; returns the end. */
static char *fill(char *s, char c, size_t n)
{
	memset(s, c, n);
	s[n] = '\0';
	return s + n;
}

/* s = count copies of piece, NUL-terminated; returns the end. */
static char *repeat(char *s, const char *piece, size_t count)
{
	size_t n = strlen(piece);
	for (size_t i = 0; i < count; i++, s += n)
		memcpy(s, piece, n);
	*s = '\0';
	return s;
}

#define SPECIAL_USE                                                                                          \
	"The part after the @-sign is a special-use or reserved name that cannot be used with email."
#define IPV4_REASON(e)                                                                                       \
	"The address in brackets after the @-sign is not valid: It is not an IPv4 address (" e               \
	") or is missing an address literal tag."

/* ---- accepted ---- */

static void test_accepts_plain_address(void)
{
	expect_ok("alice@example.com", "alice@example.com");
	expect_ok("a'b@example.com", "a'b@example.com");
}

static void test_accepts_the_course_addresses(void)
{
	/* "test" is a special-use TLD, but test.com is not under it */
	expect_ok("teste@test.com", "teste@test.com");
	expect_ok("test@test.com", "test@test.com");
}

static void test_lowercases_the_domain_only(void)
{
	expect_ok("Alice.Smith+tag@Example.COM", "Alice.Smith+tag@example.com");
}

static void test_lowercases_role_mailboxes(void)
{
	/* RFC 2142 names, which email_validator lower-cases */
	expect_ok("Info@Example.com", "info@example.com");
	expect_ok("POSTMASTER@example.com", "postmaster@example.com");
}

static void test_accepts_unicode(void)
{
	expect_ok("a\xc3\xa7\xc3\xa3o@exemplo.com", "a\xc3\xa7\xc3\xa3o@exemplo.com"); /* ação */
	expect_ok("jos\xc3\xa9@b\xc3\xbc"
		  "cher.de",
		  "jos\xc3\xa9@b\xc3\xbc"
		  "cher.de"); /* josé@bücher.de */
	expect_ok(
		"\xe7\x94\xa8\xe6\x88\xb7@\xe4\xbe\x8b\xe5\xad\x90.\xe5\xb9\xbf\xe5\x91\x8a", /* 用户@例子.广告 */
		"\xe7\x94\xa8\xe6\x88\xb7@\xe4\xbe\x8b\xe5\xad\x90.\xe5\xb9\xbf\xe5\x91\x8a");
}

static void test_maps_unicode_domains(void)
{
	expect_ok("a@M\xc3\x9cNCHEN.DE", "a@m\xc3\xbcnchen.de"); /* MÜNCHEN.DE */
	expect_ok("a@example\xe3\x80\x82"
		  "com",
		  "a@example.com"); /* ideographic full stop */
}

static void test_accepts_the_pretty_form(void)
{
	expect_ok("Alice <alice@example.com>", "alice@example.com");
	expect_ok("\"Smith, Alice\" <alice@example.com>", "alice@example.com");
	expect_ok("  <alice@example.com>  ", "alice@example.com");
}

static void test_strips_surrounding_whitespace(void)
{
	expect_ok("  alice@example.com\t\n", "alice@example.com");
}

static void test_accepts_64_char_local_part(void)
{
	char in[128];
	strcpy(fill(in, 'a', 64), "@example.com");
	char want[128];
	strcpy(want, in);
	expect_ok(in, want);
}

/* ---- the reasons the API contract lists ---- */

static void test_no_at_sign(void)
{
	expect_reason("alice.example.com", "An email address must have an @-sign.");
	expect_reason("\"a@b\"", "An email address must have an @-sign."); /* quoted, so not a separator */
}

static void test_empty_string(void)
{
	expect_reason("", "An email address must have an @-sign.");
	expect_reason_n(NULL, 0, "An email address must have an @-sign.");
}

static void test_only_at_sign(void)
{
	expect_reason("@", "There must be something before the @-sign.");
}

static void test_nothing_before_at(void)
{
	expect_reason("@example.com", "There must be something before the @-sign.");
}

static void test_nothing_after_at(void)
{
	expect_reason("alice@", "There must be something after the @-sign.");
}

static void test_domain_without_period(void)
{
	expect_reason("alice@localhost", "The part after the @-sign is not valid. It should have a period.");
	expect_reason("teste@test", "The part after the @-sign is not valid. It should have a period.");
}

static void test_two_periods_in_a_row(void)
{
	expect_reason("alice..smith@example.com", "An email address cannot have two periods in a row.");
	expect_reason("alice@example..com", "An email address cannot have two periods in a row.");
}

static void test_local_part_starts_with_period(void)
{
	expect_reason(".alice@example.com", "An email address cannot start with a period.");
}

static void test_period_before_at(void)
{
	expect_reason("alice.@example.com",
		      "An email address cannot have a period immediately before the @-sign.");
}

static void test_local_part_65_chars_is_one_character_too_many(void)
{
	char in[128];
	strcpy(fill(in, 'a', 65), "@example.com");
	expect_reason(in, "The email address is too long before the @-sign (1 character too many).");
	strcpy(fill(in, 'a', 66), "@example.com");
	expect_reason(in, "The email address is too long before the @-sign (2 characters too many).");
}

static void test_address_of_300_chars(void)
{
	char in[512], *end = fill(in, 'a', 52);
	*end++ = '@';
	for (int i = 0; i < 4; i++) {
		end = fill(end, 'b', 60);
		*end++ = '.';
	}
	strcpy(end, "com");
	CHECK(strlen(in) == 300);
	expect_reason(in, "The email address is too long (46 characters too many).");
}

static void test_address_too_long_in_octets(void)
{
	/* 60 two-octet characters: the count of characters is a range */
	char in[512], *end = repeat(in, "\xc3\xa9", 60);
	*end++ = '@';
	end = fill(end, 'b', 63);
	*end++ = '.';
	end = fill(end, 'c', 63);
	strcpy(end, ".dddddddddd.com");
	expect_reason(in, "The email address is too long (4-9 characters too many).");
}

static void test_invalid_characters_before_at(void)
{
	expect_reason("alice smith@example.com",
		      "The email address contains invalid characters before the @-sign: SPACE.");
	expect_reason("a(b)c,d@example.com",
		      "The email address contains invalid characters before the @-sign: '(', ')', ','.");
	expect_reason("a\\b@example.com",
		      "The email address contains invalid characters before the @-sign: \"\\\".");
}

static void test_invalid_characters_after_at(void)
{
	expect_reason("alice@exa_mple.com", "The part after the @-sign contains invalid characters: '_'.");
	expect_reason("alice@exam ple.com", "The part after the @-sign contains invalid characters: SPACE.");
	expect_reason("alice@o'hara.com", "The part after the @-sign contains invalid characters: \"'\".");
}

/* ---- the other email_validator reasons ---- */

static void test_two_at_signs(void)
{
	expect_reason("alice@@example.com", "The part after the @-sign contains invalid characters: '@'.");
	expect_reason("a@b@example.com", "The part after the @-sign contains invalid characters: '@'.");
}

static void test_domain_period_placement(void)
{
	expect_reason("a@.example.com",
		      "An email address cannot have a period immediately after the @-sign.");
	expect_reason("a@example.com.", "An email address cannot end with a period.");
}

static void test_domain_hyphen_placement(void)
{
	expect_reason("a@-example.com",
		      "An email address cannot have a hyphen immediately after the @-sign.");
	expect_reason("a@example.com-", "An email address cannot end with a hyphen.");
	expect_reason("a@example-.com",
		      "An email address cannot have a period and a hyphen next to each other.");
}

static void test_reserved_two_dash_labels(void)
{
	expect_reason("a@ab--cd.com",
		      "An email address cannot have two letters followed by two dashes immediately "
		      "after the @-sign or after a period, except Punycode.");
	/* Punycode is exempt: this one gets as far as the top-level domain check */
	expect_reason("a@XN--bcher-kva.123",
		      "The part after the @-sign is not valid. It is not within a valid top-level domain.");
}

static void test_domain_label_too_long(void)
{
	char in[128];
	memcpy(in, "a@", 2);
	strcpy(fill(in + 2, 'b', 64), ".com");
	expect_reason(in, "After the @-sign, periods cannot be separated by so many characters (1 character "
			  "too many).");
}

static void test_domain_too_long(void)
{
	char in[512], *end = in;
	*end++ = 'a';
	*end++ = '@';
	for (int i = 0; i < 4; i++) {
		end = fill(end, 'a', 62);
		*end++ = '.';
	}
	strcpy(end, "com");
	expect_reason(in, "The email address is too long after the @-sign (2 characters too many).");
	/* capitals change the domain on its way to ASCII: counted in bytes */
	for (char *p = in + 2; *p; p++)
		if (*p == 'a')
			*p = 'A';
	expect_reason(
		in, "The email address is too long after the @-sign (2 bytes too many after IDNA encoding).");
}

static void test_internationalised_domain_limits(void)
{
	char in[512];
	memcpy(in, "a@", 2);
	strcpy(repeat(in + 2, "\xc3\xa9", 60), ".com");
	expect_reason(in, "The part after the @-sign is invalid (Label too long).");
	/* each "é." is 3 octets as typed, 8 as "xn--9ca." */
	char *end = fill(in, 'a', 64);
	*end++ = '@';
	strcpy(repeat(end, "\xc3\xa9.", 25), "com");
	expect_reason(
		in, "The email address is too long when the part after the @-sign is converted to IDNA ASCII "
		    "(14 bytes too many).");
}

static void test_special_use_domains(void)
{
	expect_reason("a@foo.test", SPECIAL_USE);
	expect_reason("a@x.localhost", SPECIAL_USE);
	expect_reason("a@printer.local", SPECIAL_USE);
	expect_reason("a@x.onion", SPECIAL_USE);
	expect_reason("a@x.invalid", SPECIAL_USE);
	expect_reason("a@1.0.168.192.in-addr.arpa", SPECIAL_USE);
}

static void test_top_level_domain_must_end_with_letter(void)
{
	expect_reason("a@example.123",
		      "The part after the @-sign is not valid. It is not within a valid top-level domain.");
	expect_reason("a@b.c1",
		      "The part after the @-sign is not valid. It is not within a valid top-level domain.");
}

static void test_domain_literals_refused(void)
{
	expect_reason("a@[192.168.0.1]", "A bracketed IP address after the @-sign is not allowed here.");
	expect_reason("a@[IPv6:::1]", "A bracketed IP address after the @-sign is not allowed here.");
	expect_reason("a@[mailhost]", "The part after the @-sign in brackets is not an IPv4 address and has "
				      "no address literal tag.");
	expect_reason("a@[foo:bar]",
		      "The part after the @-sign contains an invalid address literal tag in brackets.");
}

static void test_bad_ipv4_literals(void)
{
	expect_reason("a@[1.2.3]", IPV4_REASON("Expected 4 octets in '1.2.3'"));
	expect_reason("a@[300.1.1.1]", IPV4_REASON("Octet 300 (> 255) not permitted in '300.1.1.1'"));
	expect_reason("a@[01.1.1.1]", IPV4_REASON("Leading zeros are not permitted in '01' in '01.1.1.1'"));
}

static void test_quoted_local_parts_refused(void)
{
	expect_reason("\"alice smith\"@example.com",
		      "Quoting the part before the @-sign is not allowed here.");
	expect_reason("\"alice\"@example.com", "Quoting the part before the @-sign is not allowed here.");
	expect_reason("\"a\"b@example.com", "Extra character(s) found after close quote: 'b'");
}

static void test_whitespace_inside(void)
{
	expect_reason("alice @example.com",
		      "The email address contains invalid characters before the @-sign: SPACE.");
	expect_reason("ali\tce@example.com",
		      "The email address contains invalid characters before the @-sign: U+0009.");
	expect_reason("a@b.com x", "The part after the @-sign contains invalid characters: SPACE.");
}

static void test_nul_bytes(void)
{
	expect_reason_n("ali\0ce@example.com", 18,
			"The email address contains invalid characters before the @-sign: U+0000.");
	expect_reason_n("alice@exa\0mple.com", 18,
			"The part after the @-sign contains invalid characters: U+0000.");
	/* NUL is not whitespace, so it is not stripped */
	expect_reason_n("alice@example.com\0", 18,
			"The part after the @-sign contains invalid characters: U+0000.");
}

static void test_unsafe_characters(void)
{
	expect_reason("ali\xe2\x80\x8b"
		      "ce@example.com",
		      "The email address contains unsafe characters: ZERO WIDTH SPACE.");
	/* not UTF-8: taken as Python's surrogateescape would */
	expect_reason("al\xff"
		      "ice@example.com",
		      "The email address contains unsafe characters: U+DCFF.");
}

static void test_pydantic_length_limit(void)
{
	static char in[2100];
	fill(in, 'a', 2049);
	expect_reason(in, "Length must not exceed 2048 characters");
	fill(in, 'a', 2048);
	expect_reason(in, "An email address must have an @-sign.");
}

static void test_display_name_forms_refused(void)
{
	expect_reason("Alice. <alice@example.com>",
		      "The display name contains invalid characters when not quoted: '.'.");
	expect_reason("Alice <alice@example.com> x", "There can't be anything after the email address.");
	expect_reason("Alice <alice@example.com",
		      "An open angle bracket at the start of the email address has to be "
		      "followed by a close angle bracket at the end.");
	/* pydantic's pattern wants a non-empty quoted name; email_validator parses it, then refuses */
	expect_reason("\"\" <alice@example.com>",
		      "A display name and angle brackets around the email address are not permitted here.");
}

static void test_appends_to_buffers(void)
{
	struct buf out, reason;
	buf_init(&out);
	buf_init(&reason);
	buf_adds(&out, "x:");
	buf_adds(&reason, "y:");
	CHECK(email_check("a@B.com", 7, &out, &reason));
	CHECK(!email_check("a", 1, &out, &reason));
	CHECK_STR(buf_cstr(&out), "x:a@b.com");
	CHECK_STR(buf_cstr(&reason), "y:An email address must have an @-sign.");
	buf_free(&out);
	buf_free(&reason);
}

int main(void)
{
	RUN(test_accepts_plain_address);
	RUN(test_accepts_the_course_addresses);
	RUN(test_lowercases_the_domain_only);
	RUN(test_lowercases_role_mailboxes);
	RUN(test_accepts_unicode);
	RUN(test_maps_unicode_domains);
	RUN(test_accepts_the_pretty_form);
	RUN(test_strips_surrounding_whitespace);
	RUN(test_accepts_64_char_local_part);
	RUN(test_no_at_sign);
	RUN(test_empty_string);
	RUN(test_only_at_sign);
	RUN(test_nothing_before_at);
	RUN(test_nothing_after_at);
	RUN(test_domain_without_period);
	RUN(test_two_periods_in_a_row);
	RUN(test_local_part_starts_with_period);
	RUN(test_period_before_at);
	RUN(test_local_part_65_chars_is_one_character_too_many);
	RUN(test_address_of_300_chars);
	RUN(test_address_too_long_in_octets);
	RUN(test_invalid_characters_before_at);
	RUN(test_invalid_characters_after_at);
	RUN(test_two_at_signs);
	RUN(test_domain_period_placement);
	RUN(test_domain_hyphen_placement);
	RUN(test_reserved_two_dash_labels);
	RUN(test_domain_label_too_long);
	RUN(test_domain_too_long);
	RUN(test_internationalised_domain_limits);
	RUN(test_special_use_domains);
	RUN(test_top_level_domain_must_end_with_letter);
	RUN(test_domain_literals_refused);
	RUN(test_bad_ipv4_literals);
	RUN(test_quoted_local_parts_refused);
	RUN(test_whitespace_inside);
	RUN(test_nul_bytes);
	RUN(test_unsafe_characters);
	RUN(test_pydantic_length_limit);
	RUN(test_display_name_forms_refused);
	RUN(test_appends_to_buffers);
	return unit_done();
}

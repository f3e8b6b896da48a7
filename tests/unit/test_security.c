/*
 * test_security.c - the secret filters of sb_util.c: sb_scrub (credentials
 * and token-shaped words in messages, even when a server echoes them) and
 * sb_redact (Authorization values and token= in trace lines); messages and
 * trace lines cut short never end in half a secret; and that a cleared
 * buffer holds no byte of what it held.
 */
#include <string.h>

#include "fake_port.h"
#include "harness.h"
#include "sb_diag.h"
#include "sb_util.h"

#define BASIC "Basic c3F1X3NlY3JldHRva2VuOg==" /* "squ_secrettoken:" */

static char out[512];

TEST(scrub_basic_credential_and_decoded_token)
{
	sb_scrub(BASIC, "bad c3F1X3NlY3JldHRva2VuOg== and squ_secrettoken!", out,
		 sizeof(out));
	CHECK_STR_EQ(out, "bad [redacted] and [redacted]!");
}

/* A proxy's "user:password": the pair, and the password on its own; the
 * user name alone is no secret. */
TEST(scrub_proxy_password)
{
	/* base64("bob:s3cret-pw") */
	sb_scrub("Basic Ym9iOnMzY3JldC1wdw==",
		 "bob:s3cret-pw, s3cret-pw, Ym9iOnMzY3JldC1wdw== and bob", out,
		 sizeof(out));
	CHECK_STR_EQ(out, "[redacted], [redacted], [redacted] and bob");
}

TEST(scrub_bearer)
{
	sb_scrub("Bearer abcd.efgh", "token abcd.efgh rejected", out,
		 sizeof(out));
	CHECK_STR_EQ(out, "token [redacted] rejected");
}

TEST(scrub_token_shaped_words)
{
	sb_scrub(NULL,
		 "old sqb_0123456789abcdef0123456789abcdef01234567, "
		 "cloud 0123456789abcdef0123456789abcdef01234567; "
		 "short sqb_12 and squ_a1b2c3d4e5",
		 out, sizeof(out));
	CHECK_STR_EQ(out, "old [redacted], cloud [redacted]; short sqb_12 and "
			  "[redacted]");
}

TEST(scrub_keeps_ordinary_text)
{
	const char *m = "project 'my:proj' not found (HTTP 404: Unknown url)";

	sb_scrub(BASIC, m, out, sizeof(out));
	CHECK_STR_EQ(out, m);
	/* A hex run inside a word is not a token (e.g. part of a key). */
	sb_scrub(NULL, "key-x0123456789abcdef0123456789abcdef0y", out,
		 sizeof(out));
	CHECK_STR_EQ(out, "key-x0123456789abcdef0123456789abcdef0y");
}

TEST(scrub_truncates_safely)
{
	char small[8];

	sb_scrub(BASIC, "squ_secrettoken", small, sizeof(small));
	CHECK_STR_EQ(small, "[redact");
	sb_scrub(BASIC, "x", small, 1);
	CHECK_STR_EQ(small, "");
}

TEST(redact_authorization_without_scheme_or_with_tab)
{
	sb_redact("> Authorization: squ_secret", out, sizeof(out));
	CHECK(strstr(out, "squ_secret") == NULL);
	sb_redact("> Authorization: Basic\tc2VjcmV0", out, sizeof(out));
	CHECK(strstr(out, "c2VjcmV0") == NULL);
	CHECK(strchr(out, '\t') == NULL);
	sb_redact("> Authorization: Basic c2VjcmV0", out, sizeof(out));
	CHECK_STR_EQ(out, "> Authorization: Basic [redacted]");
}

TEST(redact_token_query)
{
	sb_redact("> GET /api/project_badges/measure?project=a&token=sqb_1 HTTP/1.1",
		  out, sizeof(out));
	CHECK_STR_EQ(out, "> GET /api/project_badges/measure?project=a&token="
			  "[redacted] HTTP/1.1");
}

/* A user token of the old shape (40 hex digits, no prefix). */
#define HEX_TOKEN "0123456789abcdef0123456789abcdef01234567"
#define HEX_BASIC "Basic MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWYwMTIzNDU2Nzo="

static char traced[2048];

static void keep_line(void *user, const char *line)
{
	(void)user;
	sb_fmt(traced, sizeof(traced), "%s", line);
}

/* A server echoing the token after text of any length: wherever the
 * message (512 bytes) or the trace line (1024) is cut, not even the
 * token's first four digits are shown. */
TEST(cut_messages_show_no_half_secret)
{
	static char pad[1100];
	sb_diag d;
	int n;

	memset(&d, 0, sizeof(d));
	memset(pad, 'y', sizeof(pad) - 1);
	d.auth = HEX_BASIC;
	d.trace = keep_line;
	for (n = 0; n < 1060; n++) {
		sb_diag_fail(&d, SB_ERR_SERVER, "server said: %.*s %s", n, pad,
			     HEX_TOKEN);
		if (strstr(d.message, "0123")) {
			harness_fail(__FILE__, __LINE__, "padding %d: %s", n,
				     d.message);
			return;
		}
		sb_diag_trace(&d, "< X-Echo: %.*s %s", n, pad, HEX_TOKEN);
		if (strstr(traced, "0123")) {
			harness_fail(__FILE__, __LINE__, "padding %d: %s", n,
				     traced);
			return;
		}
	}
	/* What fits is kept whole. */
	sb_diag_fail(&d, SB_ERR_SERVER, "server said: %s", HEX_TOKEN);
	CHECK_STR_EQ(d.message, "server said: [redacted]");
	sb_diag_fail(&d, SB_ERR_SERVER, "%.*s", 600, pad);
	CHECK_EQ_INT((long long)strlen(d.message), 4);
	CHECK_STR_EQ(d.message, " ...");
}

static int all_zero(const sb_buf *b)
{
	size_t i;

	for (i = 0; i < b->cap; i++)
		if (b->data[i])
			return 0;
	return 1;
}

/* A large answer, then smaller ones: after every clear no byte of any
 * earlier content is left anywhere in the buffer's memory. */
TEST(buf_clear_leaves_nothing)
{
	static struct fake_state fs;
	static char big[40000];
	sb_port port;
	sb_buf b;
	size_t cap;

	fake_init(&fs, &port);
	sb_buf_init(&b, &port);
	memset(big, 't', sizeof(big));
	CHECK(sb_buf_append(&b, big, sizeof(big), 1u << 20) == SB_OK);
	cap = b.cap;
	sb_buf_clear(&b);
	CHECK(b.len == 0 && b.cap == cap && all_zero(&b));
	CHECK(sb_buf_append(&b, "{\"token\":\"sqb_1234\"}", 21, 1u << 20) ==
	      SB_OK);
	CHECK(sb_buf_append(&b, big, 100, 1u << 20) == SB_OK);
	CHECK(b.cap == cap);
	sb_buf_clear(&b);
	CHECK(all_zero(&b));
	CHECK(sb_buf_append(&b, big, sizeof(big) - 1, 1u << 20) == SB_OK);
	CHECK(b.cap == cap); /* filled to the last spare byte */
	sb_buf_clear(&b);
	CHECK(all_zero(&b));
	sb_buf_free(&b);
	CHECK(b.data == NULL && b.cap == 0);
}

int main(void)
{
	RUN(scrub_basic_credential_and_decoded_token);
	RUN(scrub_proxy_password);
	RUN(scrub_bearer);
	RUN(scrub_token_shaped_words);
	RUN(scrub_keeps_ordinary_text);
	RUN(scrub_truncates_safely);
	RUN(redact_authorization_without_scheme_or_with_tab);
	RUN(redact_token_query);
	RUN(cut_messages_show_no_half_secret);
	RUN(buf_clear_leaves_nothing);
	return harness_main();
}

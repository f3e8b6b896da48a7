/*
 * fuzz_json.c - the JSON reader (sb_json.c): the strict RFC 8259 syntax
 * check, jsmn tokenizing, the iteration API (a whole walk with one
 * iterator per open container), top-level member lookup with
 * duplicate-key rejection, full unescaping (\uXXXX, surrogate pairs),
 * UTF-8 validation and SonarQube's {"errors":[{"msg":...}]} messages.
 *
 * Input: a response body, as the server sends it.
 */
#include "fuzz_common.h"
#include "sb_json.h"

unsigned long fuzz_accepted;

/* Is s (n bytes) well-formed UTF-8 without NUL? */
static int valid_utf8(const unsigned char *s, size_t n)
{
	size_t i = 0;

	while (i < n) {
		size_t k, len;
		unsigned cp;

		if (s[i] == 0)
			return 0;
		if (s[i] < 0x80) {
			i++;
			continue;
		}
		if (s[i] >= 0xc2 && s[i] <= 0xdf)
			len = 2, cp = s[i] & 0x1fu;
		else if (s[i] >= 0xe0 && s[i] <= 0xef)
			len = 3, cp = s[i] & 0x0fu;
		else if (s[i] >= 0xf0 && s[i] <= 0xf4)
			len = 4, cp = s[i] & 0x07u;
		else
			return 0;
		if (n - i < len)
			return 0;
		for (k = 1; k < len; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				return 0;
			cp = cp << 6 | (s[i + k] & 0x3fu);
		}
		if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
		    cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return 0;
		i += len;
	}
	return 1;
}

static void lookup(const sb_port *port, const char *js, size_t len,
		   const char *key, size_t cap)
{
	char out[SB_MAX_TOKEN_LEN + 1];
	int missing = -1;
	sb_err err;

	memset(out, 'x', sizeof(out));
	err = sb_json_get_string(port, js, len, key, out, cap, &missing);
	FUZZ_ASSERT(missing == 0 || missing == 1);
	if (err == SB_OK) {
		size_t n = strlen(out);

		FUZZ_ASSERT(n < cap);
		FUZZ_ASSERT(valid_utf8((const unsigned char *)out, n));
		FUZZ_ASSERT(!missing);
		fuzz_accepted++;
	} else {
		FUZZ_ASSERT(out[0] == '\0'); /* wiped, never half a value */
		FUZZ_ASSERT(!missing || err == SB_ERR_JSON);
	}
}

/* Parse and walk every value; the walk must see every token once. */
static void walk(const sb_port *port, const char *js, size_t len)
{
	sb_json_iter open[SB_MAX_JSON_DEPTH];
	sb_json_doc d;
	sb_err err = sb_json_parse(port, js, len, &d), verr;
	int top = 1, v, k, seen = 1;
	char out[64];
	uint64_t x;

	verr = sb_json_validate(js, len);
	FUZZ_ASSERT(err != SB_OK || verr == SB_OK);
	FUZZ_ASSERT(verr != SB_ERR_JSON || err == SB_ERR_JSON);
	FUZZ_ASSERT(verr != SB_ERR_TOO_LARGE || err == SB_ERR_TOO_LARGE);
	if (err != SB_OK) {
		FUZZ_ASSERT(d.store == NULL);
		return;
	}
	FUZZ_ASSERT(d.count >= 1 && d.count <= SB_MAX_JSON_TOKENS);
	FUZZ_ASSERT(sb_json_skip(&d, 0) == d.count);
	sb_json_iter_init(&d, 0, &open[0]);
	while (top > 0) {
		sb_json_kind kind;

		v = sb_json_iter_next(&d, &open[top - 1], &k);
		if (v < 0) {
			top--;
			continue;
		}
		seen += k >= 0 ? 2 : 1;
		FUZZ_ASSERT(k < 0 || k + 1 == v);
		FUZZ_ASSERT(k < 0 || sb_json_kind_of(&d, k) == SB_JSON_STRING);
		FUZZ_ASSERT(sb_json_skip(&d, v) > v &&
			    sb_json_skip(&d, v) <= d.count);
		kind = sb_json_kind_of(&d, v);
		FUZZ_ASSERT(kind != SB_JSON_NONE);
		if (sb_json_string(&d, v, out, sizeof(out)) == SB_OK)
			FUZZ_ASSERT(valid_utf8((const unsigned char *)out,
					       strlen(out)));
		else
			FUZZ_ASSERT(out[0] == '\0');
		if (sb_json_uint(&d, v, 1000000, &x) == SB_OK)
			FUZZ_ASSERT(x <= 1000000);
		(void)sb_json_member(&d, v, "key");
		if (kind == SB_JSON_OBJECT || kind == SB_JSON_ARRAY) {
			FUZZ_ASSERT(top < SB_MAX_JSON_DEPTH);
			sb_json_iter_init(&d, v, &open[top++]);
		}
	}
	FUZZ_ASSERT(seen == d.count);
	sb_json_free(&d);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_mem mem;
	sb_port port;
	const char *js = (const char *)data;
	char msg[SB_MAX_MESSAGE_LEN];
	char *buf;
	size_t n = 0;
	sb_err err;

	fuzz_mem_port(&port, &mem);
	lookup(&port, js, size, "token", SB_MAX_TOKEN_LEN + 1);
	lookup(&port, js, size, "badgeToken", SB_MAX_TOKEN_LEN + 1);
	lookup(&port, js, size, "token", 8);
	walk(&port, js, size);

	err = sb_json_error_message(&port, js, size, msg, sizeof(msg));
	if (err == SB_OK) {
		FUZZ_ASSERT(strlen(msg) < sizeof(msg));
		FUZZ_ASSERT(msg[0] != '\0');
		fuzz_accepted++;
	}
	err = sb_json_error_message(&port, js, size, msg, 5);
	FUZZ_ASSERT(err != SB_OK || strlen(msg) < 5);

	/* The unescaper on the whole input, as if it were a string body:
	 * the result is never longer than the escaped text. */
	buf = malloc(size + 1);
	if (buf) {
		err = sb_json_unescape(js, size, buf, size + 1, &n);
		if (err == SB_OK) {
			FUZZ_ASSERT(n <= size);
			FUZZ_ASSERT(strlen(buf) == n);
			FUZZ_ASSERT(valid_utf8((const unsigned char *)buf, n));
		}
		free(buf);
	}
	FUZZ_ASSERT(mem.live == 0);
	return 0;
}

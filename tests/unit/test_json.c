/*
 * test_json.c - the strict JSON reader: validation, tokens and their
 * iteration, top-level string lookups and SonarQube error messages.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fake_port.h"
#include "harness.h"
#include "sb_json.h"

static struct fake_state F;
static sb_port P;

/*
 * sb_json_get_string on js as given and on a heap copy of exactly its
 * length (ASan then catches any read past the end); both must agree.
 */
static sb_err get(const char *js, size_t len, const char *key, char *out,
		  size_t cap, int *missing)
{
	char *copy = malloc(len ? len : 1), *out2 = malloc(cap ? cap : 1);
	sb_err a, b;
	int m2 = -1;

	if (!copy || !out2)
		abort();
	memcpy(copy, js, len);
	a = sb_json_get_string(&P, js, len, key, out, cap, missing);
	b = sb_json_get_string(&P, copy, len, key, out2, cap, &m2);
	if (a != b || (a == SB_OK && strcmp(out, out2) != 0) ||
	    (missing && *missing != m2))
		a = (sb_err)-999; /* shows up in the failing CHECK */
	free(copy);
	free(out2);
	return a;
}

#define GET(js, key, out, missing) \
	get((js), sizeof(js) - 1, (key), (out), sizeof(out), (missing))

/* Expect SB_ERR_JSON for the member "token" of js (len bytes). */
static void expect_json_error(const char *js, size_t len)
{
	char out[64];
	int missing = -1;

	memset(out, 'Z', sizeof(out));
	CHECKF(get(js, len, "token", out, sizeof(out), &missing) ==
		       SB_ERR_JSON,
	       "accepted: %.*s", (int)len, js);
	CHECKF(missing == 0, "missing set for: %.*s", (int)len, js);
	CHECK(out[0] == '\0'); /* nothing half-decoded is left */
	CHECK_EQ_INT(F.live, 0);
}

#define EXPECT_JSON_ERROR(js)                          \
	do {                                           \
		expect_json_error((js), sizeof(js) - 1); \
		CHECK_HELPER();                        \
	} while (0)

/* Expect the member "token" of js to decode to want. */
static void expect_token(const char *js, size_t len, const char *want)
{
	char out[64];
	int missing = -1;
	sb_err err = get(js, len, "token", out, sizeof(out), &missing);

	CHECKF(err == SB_OK, "rc %d for: %.*s", err, (int)len, js);
	CHECKF(strcmp(out, want) == 0, "got \"%s\" for: %.*s", out, (int)len,
	       js);
	CHECK_EQ_INT(missing, 0);
	CHECK_EQ_INT(F.live, 0);
}

#define EXPECT_TOKEN(js, want)                              \
	do {                                                \
		expect_token((js), sizeof(js) - 1, (want)); \
		CHECK_HELPER();                             \
	} while (0)

TEST(simple)
{
	EXPECT_TOKEN("{\"token\":\"sqb_0123\"}", "sqb_0123");
	EXPECT_TOKEN(" \r\n\t{ \"token\" : \"x\" , \"other\" : 1 } \n", "x");
	EXPECT_TOKEN("{\"a\":[1,{\"b\":null}],\"token\":\"\",\"c\":true}", "");
	/* The key is unescaped before it is compared. */
	EXPECT_TOKEN("{\"tok\\u0065n\":\"esc\"}", "esc");
}

TEST(key_only_at_top_level)
{
	char out[64];
	int missing = 0;

	CHECK_EQ_INT(GET("{\"a\":{\"token\":\"nested\"}}", "token", out,
			 &missing),
		     SB_ERR_JSON);
	CHECK_EQ_INT(missing, 1);
	CHECK_EQ_INT(GET("{\"a\":\"token\",\"b\":[\"token\"]}", "token", out,
			 &missing),
		     SB_ERR_JSON);
	CHECK_EQ_INT(missing, 1);
	CHECK_EQ_INT(GET("{\"a\":[{\"token\":\"x\"}],\"b\":{\"c\":{\"token\":"
			 "\"y\"}},\"token\":\"top\"}",
			 "token", out, &missing),
		     SB_OK);
	CHECK_STR_EQ(out, "top");
	CHECK_EQ_INT(missing, 0);
}

TEST(missing_member)
{
	char out[16];
	int missing = 0;

	CHECK_EQ_INT(GET("{\"tokens\":\"x\",\"toke\":\"y\"}", "token", out,
			 &missing),
		     SB_ERR_JSON);
	CHECK_EQ_INT(missing, 1);
	CHECK_EQ_INT(GET("{}", "token", out, &missing), SB_ERR_JSON);
	CHECK_EQ_INT(missing, 1);
	/* NULL missing is fine. */
	CHECK_EQ_INT(GET("{}", "token", out, NULL), SB_ERR_JSON);
	CHECK_EQ_INT(F.live, 0);
}

TEST(duplicate_key)
{
	EXPECT_JSON_ERROR("{\"token\":\"a\",\"token\":\"b\"}");
	EXPECT_JSON_ERROR("{\"token\":\"a\",\"x\":1,\"tok\\u0065n\":\"a\"}");
}

TEST(non_string_value)
{
	EXPECT_JSON_ERROR("{\"token\":1}");
	EXPECT_JSON_ERROR("{\"token\":null}");
	EXPECT_JSON_ERROR("{\"token\":true}");
	EXPECT_JSON_ERROR("{\"token\":[\"a\"]}");
	EXPECT_JSON_ERROR("{\"token\":{\"a\":\"b\"}}");
}

TEST(escapes)
{
	EXPECT_TOKEN("{\"token\":\"q\\\" b\\\\ s\\/ \\b\\f\\n\\r\\t.\"}",
		     "q\" b\\ s/ \b\f\n\r\t.");
}

TEST(unicode_escapes)
{
	EXPECT_TOKEN("{\"token\":\"\\u00e9\"}", "\xc3\xa9");
	EXPECT_TOKEN("{\"token\":\"\\u20AC\"}", "\xe2\x82\xac");
	EXPECT_TOKEN("{\"token\":\"\\ud83d\\ude00\"}", "\xf0\x9f\x98\x80");
	EXPECT_TOKEN("{\"token\":\"\\u0041\\u007f\\u0080\\u07ff\\u0800"
		     "\\uffff\"}",
		     "A\x7f\xc2\x80\xdf\xbf\xe0\xa0\x80\xef\xbf\xbf");
	EXPECT_TOKEN("{\"token\":\"\\udbff\\udfff\"}", "\xf4\x8f\xbf\xbf");
	/* Raw UTF-8 passes through. */
	EXPECT_TOKEN("{\"token\":\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\"}",
		     "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80");
}

TEST(bad_unicode_escapes)
{
	EXPECT_JSON_ERROR("{\"token\":\"\\ud83d\"}");	      /* lone high */
	EXPECT_JSON_ERROR("{\"token\":\"\\ud83dx\"}");
	EXPECT_JSON_ERROR("{\"token\":\"\\ud83d\\u0041\"}"); /* not a low */
	EXPECT_JSON_ERROR("{\"token\":\"\\ud83d\\ud83d\"}");
	EXPECT_JSON_ERROR("{\"token\":\"\\ude00\"}"); /* lone low */
	EXPECT_JSON_ERROR("{\"token\":\"\\ude00\\ud83d\"}");
	EXPECT_JSON_ERROR("{\"token\":\"a\\u0000b\"}");
	EXPECT_JSON_ERROR("{\"token\":\"\\u00g0\"}");
	EXPECT_JSON_ERROR("{\"token\":\"\\u00\"}");
}

TEST(invalid_escape)
{
	EXPECT_JSON_ERROR("{\"token\":\"\\x41\"}");
	EXPECT_JSON_ERROR("{\"token\":\"\\a\"}");
	EXPECT_JSON_ERROR("{\"token\":\"\\'\"}");
}

TEST(raw_control_char)
{
	EXPECT_JSON_ERROR("{\"token\":\"a\nb\"}");
	EXPECT_JSON_ERROR("{\"token\":\"a\tb\"}");
	EXPECT_JSON_ERROR("{\"token\":\"a\x1f\"}");
	/* In a key too: the key cannot be compared. */
	EXPECT_JSON_ERROR("{\"a\x01\":\"b\",\"token\":\"x\"}");
}

TEST(invalid_utf8)
{
	EXPECT_JSON_ERROR("{\"token\":\"\xff\"}");
	EXPECT_JSON_ERROR("{\"token\":\"\xc0\xaf\"}");	   /* overlong / */
	EXPECT_JSON_ERROR("{\"token\":\"\xe0\x80\xaf\"}"); /* overlong */
	EXPECT_JSON_ERROR("{\"token\":\"\xf0\x80\x80\xaf\"}");
	EXPECT_JSON_ERROR("{\"token\":\"\xe2\x82\"}");	   /* truncated */
	EXPECT_JSON_ERROR("{\"token\":\"\xe2\x82x\"}");
	EXPECT_JSON_ERROR("{\"token\":\"\xc3\"}");
	EXPECT_JSON_ERROR("{\"token\":\"\xed\xa0\x80\"}"); /* surrogate */
	EXPECT_JSON_ERROR("{\"token\":\"\xf4\x90\x80\x80\"}"); /* > U+10FFFF */
	EXPECT_JSON_ERROR("{\"token\":\"\x80\"}");	       /* lone cont. */
}

TEST(not_one_object)
{
	EXPECT_JSON_ERROR("{\"token\":\"a\"} x");
	EXPECT_JSON_ERROR("{\"token\":\"a\"}}");
	EXPECT_JSON_ERROR("{\"token\":\"a\"}{\"token\":\"b\"}");
	EXPECT_JSON_ERROR("{\"token\":\"a\"} {}");
	EXPECT_JSON_ERROR("{\"token\":\"a\"} 1");
	EXPECT_JSON_ERROR("[{\"token\":\"a\"}]");
	EXPECT_JSON_ERROR("\"token\"");
	EXPECT_JSON_ERROR("1");
	EXPECT_JSON_ERROR("");
	EXPECT_JSON_ERROR("   ");
	EXPECT_JSON_ERROR("{\"token\":\"a\"");
	EXPECT_JSON_ERROR("{\"token\":\"a");
	EXPECT_JSON_ERROR("{\"token\":");
	EXPECT_JSON_ERROR("{\"token\"");
	EXPECT_JSON_ERROR("{");
	EXPECT_JSON_ERROR("{\"token\":[\"a\"}");
	EXPECT_JSON_ERROR("{\"token\":\"a\"]");
	EXPECT_JSON_ERROR("{\"token\":tru}x");
}

TEST(nul_bytes_rejected)
{
	/* A NUL is not JSON, neither inside nor after the document. */
	expect_json_error("{\"token\":\"a\0\"}", 14);
	CHECK_HELPER();
	expect_json_error("{\"token\":\"a\"}\0", 14);
	CHECK_HELPER();
	expect_json_error("{\"token\":\"a\"}\0x", 15);
	CHECK_HELPER();
}

TEST(null_document)
{
	char out[8];

	CHECK_EQ_INT(sb_json_get_string(&P, NULL, 0, "token", out,
					sizeof(out), NULL),
		     SB_ERR_JSON);
	CHECK_EQ_INT(sb_json_get_string(&P, "{}", 2, "token", out, 0, NULL),
		     SB_ERR_INVALID_ARG);
}

TEST(buffer_too_small)
{
	static const char js[] = "{\"token\":\"abcd\"}";
	char out[8];

	memset(out, 'Z', sizeof(out));
	CHECK_EQ_INT(get(js, sizeof(js) - 1, "token", out, 4, NULL),
		     SB_ERR_BUFFER_TOO_SMALL);
	CHECK(out[0] == '\0' && out[3] == '\0' && out[4] == 'Z');
	CHECK_EQ_INT(get(js, sizeof(js) - 1, "token", out, 5, NULL), SB_OK);
	CHECK_STR_EQ(out, "abcd");
	/* Multi-byte sequences are never cut. */
	CHECK_EQ_INT(GET("{\"token\":\"ab\\u20ac\"}", "token", out, NULL),
		     SB_OK);
	CHECK_EQ_INT(get("{\"token\":\"ab\\u20ac\"}", 20, "token", out, 5,
			 NULL),
		     SB_ERR_BUFFER_TOO_SMALL);
	CHECK_EQ_INT(get("{\"token\":\"ab\\n\"}", 16, "token", out, 3, NULL),
		     SB_ERR_BUFFER_TOO_SMALL);
	CHECK_EQ_INT(F.live, 0);
}

/* {"token":"x","a":[0,0,...]} with n zeros: n + 5 tokens. */
static char *big_doc(size_t n, size_t *len)
{
	static const char head[] = "{\"token\":\"x\",\"a\":[";
	size_t i, pos = sizeof(head) - 1;
	char *s = malloc(pos + 2 * n + 2);

	if (!s)
		abort();
	memcpy(s, head, pos);
	for (i = 0; i < n; i++) {
		s[pos++] = '0';
		s[pos++] = i + 1 < n ? ',' : ']';
	}
	s[pos++] = '}';
	*len = pos;
	return s;
}

TEST(token_cap)
{
	char out[8];
	size_t len;
	char *s;
	sb_err err;

	s = big_doc(SB_MAX_JSON_TOKENS - 5, &len);
	err = get(s, len, "token", out, sizeof(out), NULL);
	free(s);
	CHECK_EQ_INT(err, SB_OK);
	CHECK_STR_EQ(out, "x");
	s = big_doc(SB_MAX_JSON_TOKENS - 4, &len);
	err = get(s, len, "token", out, sizeof(out), NULL);
	free(s);
	CHECK_EQ_INT(err, SB_ERR_TOO_LARGE);
	CHECK_EQ_INT(F.live, 0);
}

TEST(token_allocation_failure)
{
	char out[8];

	F.fail_alloc = F.alloc_calls + 1;
	CHECK_EQ_INT(sb_json_get_string(&P, "{\"token\":\"a\"}", 13, "token",
					out, sizeof(out), NULL),
		     SB_ERR_NOMEM);
	F.fail_alloc = 0;
	CHECK_EQ_INT(F.live, 0);
}

/* sb_json_error_message on js and on an exact-length heap copy. */
static sb_err errmsg(const char *js, char *out, size_t cap)
{
	size_t len = strlen(js);
	char *copy = malloc(len ? len : 1), *out2 = malloc(cap);
	sb_err a, b;

	if (!copy || !out2)
		abort();
	memcpy(copy, js, len);
	a = sb_json_error_message(&P, js, len, out, cap);
	b = sb_json_error_message(&P, copy, len, out2, cap);
	if (a != b || strcmp(out, out2) != 0)
		a = (sb_err)-999;
	free(copy);
	free(out2);
	return a;
}

TEST(error_message)
{
	char out[128];

	CHECK_EQ_INT(errmsg("{\"errors\":[{\"msg\":\"Insufficient "
			    "privileges\"}]}",
			    out, sizeof(out)),
		     SB_OK);
	CHECK_STR_EQ(out, "Insufficient privileges");
	CHECK_EQ_INT(errmsg("{\"errors\":[{\"msg\":\"one\"},{\"x\":1},"
			    "{\"msg\":\"two \\u00e9\"}]}",
			    out, sizeof(out)),
		     SB_OK);
	CHECK_STR_EQ(out, "one; two \xc3\xa9");
	/* A short buffer truncates: it is a message, not data. */
	CHECK_EQ_INT(errmsg("{\"errors\":[{\"msg\":\"one\"},{\"msg\":\"two\"}]}",
			    out, 7),
		     SB_OK);
	CHECK_STR_EQ(out, "one; t");
	CHECK_EQ_INT(F.live, 0);
}

TEST(error_message_not_an_error_document)
{
	char out[64];

	CHECK_EQ_INT(errmsg("{\"token\":\"x\"}", out, sizeof(out)),
		     SB_ERR_JSON);
	CHECK_EQ_INT(errmsg("{\"errors\":[]}", out, sizeof(out)), SB_ERR_JSON);
	CHECK_EQ_INT(errmsg("{\"errors\":{\"msg\":\"x\"}}", out, sizeof(out)),
		     SB_ERR_JSON);
	CHECK_EQ_INT(errmsg("{\"errors\":[{\"msg\":1}]}", out, sizeof(out)),
		     SB_ERR_JSON);
	CHECK_EQ_INT(errmsg("{\"errors\":[\"msg\"]}", out, sizeof(out)),
		     SB_ERR_JSON);
	CHECK_EQ_INT(errmsg("<html>Bad Gateway</html>", out, sizeof(out)),
		     SB_ERR_JSON);
	CHECK_EQ_INT(errmsg("", out, sizeof(out)), SB_ERR_JSON);
	CHECK_STR_EQ(out, "");
	CHECK_EQ_INT(F.live, 0);
}

/* jsmn alone lets these through; the syntax check must not. */
TEST(strict_syntax)
{
	EXPECT_JSON_ERROR("{\"token\" \"x\"}");
	EXPECT_JSON_ERROR("{\"token\":\"x\":\"y\"}");
	EXPECT_JSON_ERROR("{\"token\":\"x\",}");
	EXPECT_JSON_ERROR("{,\"token\":\"x\"}");
	EXPECT_JSON_ERROR("{\"token\":\"x\",,}");
	EXPECT_JSON_ERROR("{\"token\":\"x\",\"a\":[1 2]}");
	EXPECT_JSON_ERROR("{\"token\":\"x\",\"a\":[1,]}");
	EXPECT_JSON_ERROR("{\"token\":\"x\",\"a\":tru}");
	EXPECT_JSON_ERROR("{\"x\":1,\"token\":\"v\",\"y\":}");
	EXPECT_JSON_ERROR("{\"token\":\"x\",\"n\":01}");
	EXPECT_JSON_ERROR("{\"token\":\"x\",\"n\":1.}");
	EXPECT_JSON_ERROR("{\"token\":\"x\",\"n\":-}");
	EXPECT_JSON_ERROR("{\"token\":\"x\",\"n\":1e}");
	EXPECT_JSON_ERROR("{\"token\":\"x\",\"a\":{\"b\":1]}");
	EXPECT_JSON_ERROR("{\"token\":\"x\"");
	EXPECT_JSON_ERROR("{\"token\":\"x\"}}");
	EXPECT_JSON_ERROR("{1:\"x\"}");
	EXPECT_TOKEN("{\"n\":-0.5e+10,\"a\":[true,false,null,{},[]],"
		     "\"token\":\"x\"}",
		     "x");
	EXPECT_TOKEN(" \r\n\t{ \"token\" : \"x\" } \n", "x");
}

/* {"token":"x","a":[[...]]} with the array nesting depth levels (so the
 * document nests depth + 1); returns its length. */
static size_t nested_doc(char *js, size_t cap, size_t depth)
{
	static const char head[] = "{\"token\":\"x\",\"a\":";
	size_t i, n = sizeof(head) - 1;

	if (2 * depth + n + 1 > cap)
		abort();
	memcpy(js, head, n);
	for (i = 0; i < depth; i++)
		js[n++] = '[';
	for (i = 0; i < depth; i++)
		js[n++] = ']';
	js[n++] = '}';
	return n;
}

/* The deepest document of nested_doc within both caps (4 tokens besides
 * the arrays), at most SB_MAX_JSON_DEPTH. */
#define WITHIN_CAPS                                                  \
	(SB_MAX_JSON_DEPTH - 1 < SB_MAX_JSON_TOKENS - 4 ? SB_MAX_JSON_DEPTH - 1 \
							: SB_MAX_JSON_TOKENS - 4)

/* Nesting deeper than SB_MAX_JSON_DEPTH is refused as too large. */
TEST(nesting_cap)
{
	char js[2 * SB_MAX_JSON_DEPTH + 300], out[8];
	size_t n;

	n = nested_doc(js, sizeof(js), WITHIN_CAPS);
	CHECK_EQ_INT(get(js, n, "token", out, sizeof(out), NULL), SB_OK);
	CHECK_STR_EQ(out, "x");
	CHECK_EQ_INT(sb_json_validate(js, n), SB_OK);
	n = nested_doc(js, sizeof(js), SB_MAX_JSON_DEPTH);
	CHECK_EQ_INT(get(js, n, "token", out, sizeof(out), NULL),
		     SB_ERR_TOO_LARGE);
	CHECK_EQ_INT(sb_json_validate(js, n), SB_ERR_TOO_LARGE);
	n = nested_doc(js, sizeof(js), SB_MAX_JSON_DEPTH + 100);
	CHECK_EQ_INT(get(js, n, "token", out, sizeof(out), NULL),
		     SB_ERR_TOO_LARGE);
	CHECK_EQ_INT(F.live, 0);
}

/* ---- the iteration API ---------------------------------------------- */

static const char walk_doc[] =
	" {\"paging\":{\"total\":3,\"big\":1000000000000,\"neg\":-1,"
	"\"frac\":1.5,\"exp\":1e3},"
	"\"list\":[\"a\",{\"k\":[1,[2,{}]]},[],\"\\u00e9\",null,[[[]]]],"
	"\"empty\":{},\"n\\u0061me\":true} ";

TEST(parse_and_walk)
{
	sb_json_doc d;
	sb_json_iter it;
	int v, k, list, count = 0;
	uint64_t x = 7;
	char out[16];
	static const sb_json_kind kinds[] = {SB_JSON_STRING, SB_JSON_OBJECT,
					     SB_JSON_ARRAY,  SB_JSON_STRING,
					     SB_JSON_PRIMITIVE, SB_JSON_ARRAY};

	CHECK_EQ_INT(sb_json_parse(&P, walk_doc, sizeof(walk_doc) - 1, &d),
		     SB_OK);
	CHECK_EQ_INT(sb_json_kind_of(&d, 0), SB_JSON_OBJECT);
	CHECK_EQ_INT(sb_json_skip(&d, 0), d.count);
	/* The members of the root, in order, with their names. */
	sb_json_iter_init(&d, 0, &it);
	while ((v = sb_json_iter_next(&d, &it, &k)) >= 0) {
		CHECK_EQ_INT(sb_json_kind_of(&d, k), SB_JSON_STRING);
		CHECK_EQ_INT(k + 1, v);
		count++;
	}
	CHECK_EQ_INT(count, 4);
	CHECK_EQ_INT(sb_json_iter_next(&d, &it, &k), -1);
	CHECK_EQ_INT(k, -1);
	/* Elements of an array; each skip lands on the next one. */
	list = sb_json_member(&d, 0, "list");
	CHECK_EQ_INT(sb_json_kind_of(&d, list), SB_JSON_ARRAY);
	sb_json_iter_init(&d, list, &it);
	count = 0;
	while ((v = sb_json_iter_next(&d, &it, &k)) >= 0) {
		CHECK(count < 6);
		CHECK_EQ_INT(sb_json_kind_of(&d, v), kinds[count]);
		CHECK_EQ_INT(k, -1);
		count++;
	}
	CHECK_EQ_INT(count, 6);
	CHECK_EQ_INT(sb_json_skip(&d, list), sb_json_member(&d, 0, "empty") - 1);
	/* Strings, unescaped; names are unescaped before comparing. */
	sb_json_iter_init(&d, list, &it);
	v = sb_json_iter_next(&d, &it, NULL);
	CHECK_EQ_INT(sb_json_string(&d, v, out, sizeof(out)), SB_OK);
	CHECK_STR_EQ(out, "a");
	CHECK(sb_json_member(&d, 0, "name") > 0);
	/* Integers: digits only, at most max. */
	v = sb_json_member(&d, 0, "paging");
	CHECK_EQ_INT(sb_json_uint(&d, sb_json_member(&d, v, "total"), 3, &x),
		     SB_OK);
	CHECK_EQ_INT(x, 3);
	CHECK_EQ_INT(sb_json_uint(&d, sb_json_member(&d, v, "total"), 2, &x),
		     SB_ERR_JSON);
	CHECK_EQ_INT(sb_json_uint(&d, sb_json_member(&d, v, "big"),
				  999999999999u, &x),
		     SB_ERR_JSON);
	CHECK_EQ_INT(sb_json_uint(&d, sb_json_member(&d, v, "big"),
				  UINT64_MAX, &x),
		     SB_OK);
	CHECK(x == 1000000000000u);
	CHECK_EQ_INT(sb_json_uint(&d, sb_json_member(&d, v, "neg"), 9, &x),
		     SB_ERR_JSON);
	CHECK_EQ_INT(sb_json_uint(&d, sb_json_member(&d, v, "frac"), 9, &x),
		     SB_ERR_JSON);
	CHECK_EQ_INT(sb_json_uint(&d, sb_json_member(&d, v, "exp"), 9999, &x),
		     SB_ERR_JSON);
	/* Wrong kinds and absent values answer "no". */
	CHECK_EQ_INT(sb_json_member(&d, 0, "nope"), SB_JSON_ABSENT);
	CHECK_EQ_INT(sb_json_member(&d, list, "a"), SB_JSON_ABSENT);
	CHECK_EQ_INT(sb_json_member(&d, SB_JSON_ABSENT, "a"), SB_JSON_ABSENT);
	CHECK_EQ_INT(sb_json_string(&d, list, out, sizeof(out)), SB_ERR_JSON);
	CHECK_EQ_INT(sb_json_string(&d, -1, out, sizeof(out)), SB_ERR_JSON);
	CHECK_EQ_INT(sb_json_string(&d, d.count, out, sizeof(out)),
		     SB_ERR_JSON);
	CHECK_EQ_INT(sb_json_kind_of(&d, d.count), SB_JSON_NONE);
	CHECK_EQ_INT(sb_json_kind_of(&d, -2), SB_JSON_NONE);
	sb_json_iter_init(&d, sb_json_member(&d, 0, "empty"), &it);
	CHECK_EQ_INT(sb_json_iter_next(&d, &it, NULL), -1);
	sb_json_iter_init(&d, -1, &it);
	CHECK_EQ_INT(sb_json_iter_next(&d, &it, NULL), -1);
	sb_json_free(&d);
	sb_json_free(&d); /* twice is harmless */
	CHECK_EQ_INT(F.live, 0);
}

/* Any JSON text: scalars and arrays at the top level too. */
TEST(parse_any_text)
{
	static const struct {
		const char *js;
		sb_json_kind kind;
	} ok[] = {
		{"1", SB_JSON_PRIMITIVE},     {" -0.5e+3 ", SB_JSON_PRIMITIVE},
		{"true", SB_JSON_PRIMITIVE},  {"null\n", SB_JSON_PRIMITIVE},
		{"\"s\"", SB_JSON_STRING},     {"[]", SB_JSON_ARRAY},
		{"[1,\"a\"]", SB_JSON_ARRAY}, {"{}", SB_JSON_OBJECT},
	};
	static const char *const bad[] = {"", " ", "1 2", "01", "tru",
					  "[1,]", "\"a", "\xef\xbb\xbf{}"};
	sb_json_doc d;
	size_t i;

	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		CHECKF(sb_json_parse(&P, ok[i].js, strlen(ok[i].js), &d) ==
			       SB_OK,
		       "refused: %s", ok[i].js);
		CHECKF(sb_json_kind_of(&d, 0) == ok[i].kind, "kind of %s",
		       ok[i].js);
		CHECK_EQ_INT(sb_json_skip(&d, 0), d.count);
		sb_json_free(&d);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		CHECKF(sb_json_parse(&P, bad[i], strlen(bad[i]), &d) ==
			       SB_ERR_JSON,
		       "accepted: %s", bad[i]);
		CHECK_EQ_INT(sb_json_validate(bad[i], strlen(bad[i])),
			     SB_ERR_JSON);
		CHECK(d.store == NULL);
	}
	CHECK_EQ_INT(F.live, 0);
}

/* A name twice (even spelt differently), or a name that cannot be a C
 * string, makes the lookup ambiguous; other names do not matter. */
TEST(member_ambiguous)
{
	static const struct {
		const char *js;
		int want; /* 1: found, else the negative result */
	} cases[] = {
		{"{\"key\":\"a\",\"key\":\"b\"}", SB_JSON_AMBIGUOUS},
		{"{\"key\":\"a\",\"k\\u0065y\":\"a\"}", SB_JSON_AMBIGUOUS},
		{"{\"k\\u0000\":1,\"key\":\"a\"}", SB_JSON_AMBIGUOUS},
		{"{\"\\ud800\":1,\"key\":\"a\"}", SB_JSON_AMBIGUOUS},
		{"{\"x\":1,\"x\":2,\"key\":\"a\"}", 1},
		{"{\"keys\":1,\"ke\":2}", SB_JSON_ABSENT},
	};
	sb_json_doc d;
	size_t i;
	int v;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		CHECKF(sb_json_parse(&P, cases[i].js, strlen(cases[i].js),
				     &d) == SB_OK,
		       "refused: %s", cases[i].js);
		v = sb_json_member(&d, 0, "key");
		sb_json_free(&d);
		CHECKF(cases[i].want == 1 ? v > 0 : v == cases[i].want,
		       "%s: %d", cases[i].js, v);
	}
	CHECK_EQ_INT(F.live, 0);
}

/* Grammar, not values: a lone surrogate or \u0000 in a string the
 * reader never reads does not refuse the document; reading it does. */
TEST(unread_strings_not_decoded)
{
	char out[16];
	sb_json_doc d;
	static const char js[] = "[\"\\ud800\",\"\\u0000\",\"ok\"]";
	sb_json_iter it;
	int v;

	CHECK_EQ_INT(sb_json_parse(&P, js, sizeof(js) - 1, &d), SB_OK);
	sb_json_iter_init(&d, 0, &it);
	v = sb_json_iter_next(&d, &it, NULL);
	CHECK_EQ_INT(sb_json_string(&d, v, out, sizeof(out)), SB_ERR_JSON);
	CHECK(out[0] == '\0');
	v = sb_json_iter_next(&d, &it, NULL);
	CHECK_EQ_INT(sb_json_string(&d, v, out, sizeof(out)), SB_ERR_JSON);
	v = sb_json_iter_next(&d, &it, NULL);
	CHECK_EQ_INT(sb_json_string(&d, v, out, sizeof(out)), SB_OK);
	CHECK_STR_EQ(out, "ok");
	sb_json_free(&d);
	EXPECT_TOKEN("{\"x\":\"\\udc00\",\"token\":\"t\"}", "t");
	/* Invalid UTF-8 is refused anywhere: the text is not JSON. */
	EXPECT_JSON_ERROR("{\"x\":\"\xff\",\"token\":\"t\"}");
	EXPECT_JSON_ERROR("{\"x\xc3\x28\":1,\"token\":\"t\"}");
}

TEST(parse_allocation_failure)
{
	sb_json_doc d;

	F.fail_alloc = F.alloc_calls + 1;
	CHECK_EQ_INT(sb_json_parse(&P, "[1]", 3, &d), SB_ERR_NOMEM);
	F.fail_alloc = 0;
	CHECK(d.store == NULL);
	sb_json_free(&d);
	CHECK_EQ_INT(sb_json_parse(NULL, "[1]", 3, &d), SB_ERR_INVALID_ARG);
	CHECK_EQ_INT(sb_json_parse(&P, NULL, 0, &d), SB_ERR_JSON);
	CHECK_EQ_INT(F.live, 0);
}

TEST(unescape_direct)
{
	char out[16];
	size_t n = 0;

	CHECK_EQ_INT(sb_json_unescape("a\\tb", 4, out, sizeof(out), &n), SB_OK);
	CHECK_STR_EQ(out, "a\tb");
	CHECK_EQ_INT(n, 3);
	CHECK_EQ_INT(sb_json_unescape("ab\\", 3, out, sizeof(out), &n),
		     SB_ERR_JSON);
	CHECK_EQ_INT(sb_json_unescape("ab", 2, out, 0, &n),
		     SB_ERR_BUFFER_TOO_SMALL);
	CHECK_EQ_INT(sb_json_unescape("", 0, out, 1, &n), SB_OK);
	CHECK_STR_EQ(out, "");
}

int main(void)
{
	fake_init(&F, &P);
	RUN(simple);
	RUN(key_only_at_top_level);
	RUN(missing_member);
	RUN(duplicate_key);
	RUN(non_string_value);
	RUN(escapes);
	RUN(unicode_escapes);
	RUN(bad_unicode_escapes);
	RUN(invalid_escape);
	RUN(raw_control_char);
	RUN(invalid_utf8);
	RUN(not_one_object);
	RUN(nul_bytes_rejected);
	RUN(null_document);
	RUN(buffer_too_small);
	RUN(token_cap);
	RUN(token_allocation_failure);
	RUN(error_message);
	RUN(error_message_not_an_error_document);
	RUN(unescape_direct);
	RUN(strict_syntax);
	RUN(nesting_cap);
	RUN(parse_and_walk);
	RUN(parse_any_text);
	RUN(member_ambiguous);
	RUN(unread_strings_not_decoded);
	RUN(parse_allocation_failure);
	return harness_main();
}

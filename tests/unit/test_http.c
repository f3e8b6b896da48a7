/* test_http.c - the HTTP/1.1 request writer and response parser. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fake_port.h"
#include "harness.h"
#include "sb_http.h"
#include "sb_util.h"

static struct fake_state F;
static sb_port P;
static sb_http_response R; /* large: not on the stack */

/* ---- request writer ------------------------------------------------ */

static sb_http_request get_req(void)
{
	sb_http_request q;

	memset(&q, 0, sizeof(q));
	q.method = "GET";
	q.host = "sq.example.com";
	q.target = "/api/project_badges/token?project=my%3Akey";
	q.auth = "Basic c3F1X3g6";
	q.user_agent = "sonarbadge/0.1.0";
	return q;
}

TEST(request_get_exact)
{
	sb_http_request q = get_req();
	char out[512];
	size_t len = 0;

	CHECK_EQ_INT(sb_http_write_request(&q, out, sizeof(out), &len), SB_OK);
	CHECK_STR_EQ(out, "GET /api/project_badges/token?project=my%3Akey "
			  "HTTP/1.1\r\n"
			  "Host: sq.example.com\r\n"
			  "User-Agent: sonarbadge/0.1.0\r\n"
			  "Accept: application/json\r\n"
			  "Authorization: Basic c3F1X3g6\r\n"
			  "\r\n");
	CHECK_EQ_INT(len, strlen(out));
}

TEST(request_get_without_auth)
{
	sb_http_request q = get_req();
	char out[512];
	size_t len = 0;

	q.auth = NULL;
	CHECK_EQ_INT(sb_http_write_request(&q, out, sizeof(out), &len), SB_OK);
	CHECK_STR_EQ(out, "GET /api/project_badges/token?project=my%3Akey "
			  "HTTP/1.1\r\n"
			  "Host: sq.example.com\r\n"
			  "User-Agent: sonarbadge/0.1.0\r\n"
			  "Accept: application/json\r\n"
			  "\r\n");
}

/* Through a forward proxy: absolute form and Proxy-Authorization. */
TEST(request_absolute_form)
{
	sb_http_request q = get_req();
	char out[512];
	size_t len = 0;

	q.origin = "http://sq.example.com";
	q.proxy_auth = "Basic Ym9iOnM=";
	CHECK_EQ_INT(sb_http_write_request(&q, out, sizeof(out), &len), SB_OK);
	CHECK_STR_EQ(out, "GET http://sq.example.com/api/project_badges/token"
			  "?project=my%3Akey HTTP/1.1\r\n"
			  "Host: sq.example.com\r\n"
			  "User-Agent: sonarbadge/0.1.0\r\n"
			  "Accept: application/json\r\n"
			  "Authorization: Basic c3F1X3g6\r\n"
			  "Proxy-Authorization: Basic Ym9iOnM=\r\n"
			  "\r\n");
	q.proxy_auth = "Basic x\r\nX-Evil: 1";
	CHECK_EQ_INT(sb_http_write_request(&q, out, sizeof(out), &len),
		     SB_ERR_INVALID_ARG);
}

TEST(request_post_exact)
{
	sb_http_request q = get_req();
	char out[512];
	size_t len = 0;

	q.method = "POST";
	q.target = "/api/project_badges/renew_token";
	q.auth = "Bearer squ_x";
	q.content_type = "application/x-www-form-urlencoded";
	q.body = "project=my%3Akey";
	q.body_len = strlen(q.body);
	CHECK_EQ_INT(sb_http_write_request(&q, out, sizeof(out), &len), SB_OK);
	CHECK_STR_EQ(out, "POST /api/project_badges/renew_token HTTP/1.1\r\n"
			  "Host: sq.example.com\r\n"
			  "User-Agent: sonarbadge/0.1.0\r\n"
			  "Accept: application/json\r\n"
			  "Authorization: Bearer squ_x\r\n"
			  "Content-Type: application/x-www-form-urlencoded\r\n"
			  "Content-Length: 16\r\n"
			  "\r\n"
			  "project=my%3Akey");
	CHECK_EQ_INT(len, strlen(out));
}

/* The number writer the request uses for Content-Length (newlib-nano
 * prints a size_t conversion literally). */
TEST(decimal_writer)
{
	char d[SB_DEC_MAX];

	CHECK_STR_EQ(sb_dec_u64(d, 0), "0");
	CHECK_STR_EQ(sb_dec_u64(d, 8192), "8192");
	CHECK_STR_EQ(sb_dec_u64(d, 4294967296u), "4294967296");
	CHECK_STR_EQ(sb_dec_u64(d, UINT64_MAX), "18446744073709551615");
	CHECK_STR_EQ(sb_dec_i64(d, -1), "-1");
	CHECK_STR_EQ(sb_dec_i64(d, 2147483648), "2147483648");
	CHECK_STR_EQ(sb_dec_i64(d, INT64_MAX), "9223372036854775807");
	CHECK_STR_EQ(sb_dec_i64(d, INT64_MIN), "-9223372036854775808");
}

TEST(request_crlf_injection_rejected)
{
	static const char *const bad[] = {"a\rb", "a\nb", "a\r\nX-Evil: 1"};
	char out[512];
	size_t len, i, field;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		for (field = 0; field < 6; field++) {
			sb_http_request q = get_req();

			q.content_type = "text/plain";
			q.body = "x";
			q.body_len = 1;
			switch (field) {
			case 0: q.method = bad[i]; break;
			case 1: q.host = bad[i]; break;
			case 2: q.target = bad[i]; break;
			case 3: q.auth = bad[i]; break;
			case 4: q.user_agent = bad[i]; break;
			default: q.content_type = bad[i]; break;
			}
			CHECKF(sb_http_write_request(&q, out, sizeof(out),
						     &len) == SB_ERR_INVALID_ARG,
			       "field %lu value %lu accepted", (unsigned long)field,
			       (unsigned long)i);
		}
	}
}

TEST(request_buffer_too_small)
{
	sb_http_request q = get_req();
	char out[512], small[512];
	size_t len = 0, need, cap, i;

	q.method = "POST";
	q.body = "project=k";
	q.body_len = 9;
	CHECK_EQ_INT(sb_http_write_request(&q, out, sizeof(out), &len), SB_OK);
	need = len + 1; /* the NUL too */
	for (cap = 1; cap < need; cap++) {
		memset(small, 'Z', sizeof(small));
		CHECKF(sb_http_write_request(&q, small, cap, &len) ==
			       SB_ERR_TOO_LARGE,
		       "cap %lu", (unsigned long)cap);
		/* It may have held the Authorization value: wiped. */
		for (i = 0; i < cap; i++)
			CHECKF(small[i] == '\0', "cap %lu byte %lu",
			       (unsigned long)cap, (unsigned long)i);
		CHECK(small[cap] == 'Z');
	}
	CHECK_EQ_INT(sb_http_write_request(&q, small, need, &len), SB_OK);
	CHECK_STR_EQ(small, out);
	CHECK_EQ_INT(sb_http_write_request(&q, small, 0, &len),
		     SB_ERR_INVALID_ARG);
}

/* ---- response parser: table ---------------------------------------- */

struct rcase {
	const char *name;
	const char *data;
	size_t len;	    /* 0: strlen(data) */
	int head;	    /* response to HEAD */
	int eof;	    /* the peer closes after the data */
	int rc;		    /* the final result */
	int status;	    /* when rc == SB_OK */
	int keep_alive;	    /* when rc == SB_OK */
	const char *body;   /* when rc == SB_OK */
	size_t trailing;    /* bytes after the response (not used) */
	const char *hname;  /* a header to look up, or NULL */
	const char *hvalue; /* its value (NULL: must be missing) */
};

#define CRLF "\r\n"
#define OK200 "HTTP/1.1 200 OK" CRLF
#define TOKEN_JSON "{\"token\":\"sqb_1\"}"

static const struct rcase cases[] = {
	{"content_length",
	 OK200 "Content-Type: application/json" CRLF "Content-Length: 17" CRLF
	       CRLF TOKEN_JSON,
	 0, 0, 0, SB_OK, 200, 1, TOKEN_JSON, 0, "content-type",
	 "application/json"},
	{"content_length_zero", OK200 "Content-Length: 0" CRLF CRLF, 0, 0, 0,
	 SB_OK, 200, 1, "", 0, "Content-Length", "0"},
	{"same_content_length_twice",
	 OK200 "Content-Length: 2" CRLF "Content-Length: 2" CRLF CRLF "ok", 0,
	 0, 0, SB_OK, 200, 1, "ok", 0, NULL, NULL},
	{"status_line_without_reason",
	 "HTTP/1.1 200" CRLF "Content-Length: 2" CRLF CRLF "ok", 0, 0, 0,
	 SB_OK, 200, 1, "ok", 0, NULL, NULL},
	{"chunked_extensions_trailers",
	 OK200 "Transfer-Encoding: chunked" CRLF CRLF "5;ext=1" CRLF
	       "hello" CRLF "6 ; name=\"v\"" CRLF " world" CRLF
	       "000" CRLF "X-Trailer: yes" CRLF "X-Other: 2" CRLF CRLF,
	 0, 0, 0, SB_OK, 200, 1, "hello world", 0, "Transfer-Encoding",
	 "chunked"},
	{"chunked_upper_hex_and_leading_zeros",
	 OK200 "Transfer-Encoding: chunked" CRLF CRLF "000A" CRLF
	       "0123456789" CRLF "0" CRLF CRLF,
	 0, 0, 0, SB_OK, 200, 1, "0123456789", 0, NULL, NULL},
	{"chunked_bare_lf",
	 "HTTP/1.1 200 OK\nTransfer-Encoding: chunked\nX-A: b\n\n3\nabc\n"
	 "2;x\nde\n0\nT: 1\n\n",
	 0, 0, 0, SB_OK, 200, 1, "abcde", 0, "x-a", "b"},
	{"chunked_and_content_length_no_reuse",
	 OK200 "Content-Length: 99" CRLF "Transfer-Encoding: chunked" CRLF CRLF
	       "2" CRLF "ok" CRLF "0" CRLF CRLF,
	 0, 0, 0, SB_OK, 200, 0, "ok", 0, NULL, NULL},
	{"close_delimited",
	 OK200 "Content-Type: text/plain" CRLF CRLF "until\r\nclose", 0, 0, 1,
	 SB_OK, 200, 0, "until\r\nclose", 0, NULL, NULL},
	{"close_delimited_empty", OK200 CRLF, 0, 0, 1, SB_OK, 200, 0, "", 0,
	 NULL, NULL},
	{"continue_then_200",
	 "HTTP/1.1 100 Continue" CRLF CRLF "HTTP/1.1 103 Early Hints" CRLF
	 "Link: </a.css>" CRLF CRLF OK200 "Content-Length: 2" CRLF CRLF "ok",
	 0, 0, 0, SB_OK, 200, 1, "ok", 0, "Link", NULL},
	{"no_content_ignores_length",
	 "HTTP/1.1 204 No Content" CRLF "Content-Length: 5" CRLF CRLF "hello",
	 0, 0, 0, SB_OK, 204, 1, "", 5, NULL, NULL},
	{"not_modified_ignores_length",
	 "HTTP/1.1 304 Not Modified" CRLF "Content-Length: 5" CRLF CRLF, 0, 0,
	 0, SB_OK, 304, 1, "", 0, NULL, NULL},
	{"head_response",
	 OK200 "Content-Length: 100" CRLF "Transfer-Encoding: chunked" CRLF
	       CRLF,
	 0, 1, 0, SB_OK, 200, 1, "", 0, NULL, NULL},
	{"connection_close",
	 OK200 "Connection: close" CRLF "Content-Length: 2" CRLF CRLF "ok", 0,
	 0, 0, SB_OK, 200, 0, "ok", 0, "connection", "close"},
	{"connection_list_with_close",
	 OK200 "Connection: keep-alive,  Close " CRLF "Content-Length: 2" CRLF
	       CRLF "ok",
	 0, 0, 0, SB_OK, 200, 0, "ok", 0, "Connection", "keep-alive,  Close"},
	{"http_1_0",
	 "HTTP/1.0 200 OK" CRLF "Content-Length: 2" CRLF CRLF "ok", 0, 0, 0,
	 SB_OK, 200, 0, "ok", 0, NULL, NULL},
	{"lowercase_content_length",
	 OK200 "content-length: 2" CRLF CRLF "ok", 0, 0, 0, SB_OK, 200, 1, "ok",
	 0, "CONTENT-LENGTH", "2"},
	{"uppercase_transfer_encoding",
	 OK200 "TRANSFER-ENCODING: Chunked" CRLF CRLF "2" CRLF "ok" CRLF
	       "0" CRLF CRLF,
	 0, 0, 0, SB_OK, 200, 1, "ok", 0, NULL, NULL},
	{"value_whitespace_trimmed",
	 OK200 "X-A: \t spaced out \t" CRLF "X-Empty:" CRLF
	       "Content-Length: 0" CRLF CRLF,
	 0, 0, 0, SB_OK, 200, 1, "", 0, "x-a", "spaced out"},
	{"bytes_after_response",
	 OK200 "Content-Length: 2" CRLF CRLF "ok" OK200 "Content-Length: 0" CRLF
	       CRLF,
	 0, 0, 0, SB_OK, 200, 1, "ok", 38, NULL, NULL},
	{"bytes_after_chunked",
	 OK200 "Transfer-Encoding: chunked" CRLF CRLF "0" CRLF CRLF "XYZ", 0, 0,
	 0, SB_OK, 200, 1, "", 3, NULL, NULL},
	{"unauthorized_status",
	 "HTTP/1.1 401 Unauthorized" CRLF "Content-Length: 0" CRLF CRLF, 0, 0,
	 0, SB_OK, 401, 1, "", 0, NULL, NULL},

	/* Errors. */
	{"garbage_status_line", "garbage" CRLF CRLF, 0, 0, 0,
	 SB_ERR_HTTP_PROTOCOL, 0, 0, NULL, 0, NULL, NULL},
	{"http2_status_line", "HTTP/2 200 OK" CRLF CRLF, 0, 0, 0,
	 SB_ERR_HTTP_PROTOCOL, 0, 0, NULL, 0, NULL, NULL},
	{"status_line_no_space", "HTTP/1.1 200OK" CRLF CRLF, 0, 0, 0,
	 SB_ERR_HTTP_PROTOCOL, 0, 0, NULL, 0, NULL, NULL},
	{"bad_status_code", "HTTP/1.1 2x0 OK" CRLF CRLF, 0, 0, 0,
	 SB_ERR_HTTP_PROTOCOL, 0, 0, NULL, 0, NULL, NULL},
	{"status_code_below_100", "HTTP/1.1 099 Low" CRLF CRLF, 0, 0, 0,
	 SB_ERR_HTTP_PROTOCOL, 0, 0, NULL, 0, NULL, NULL},
	{"obs_fold", OK200 "X-A: one" CRLF " two" CRLF CRLF, 0, 0, 0,
	 SB_ERR_HTTP_PROTOCOL, 0, 0, NULL, 0, NULL, NULL},
	{"header_without_colon", OK200 "NoColonHere" CRLF CRLF, 0, 0, 0,
	 SB_ERR_HTTP_PROTOCOL, 0, 0, NULL, 0, NULL, NULL},
	{"space_before_colon", OK200 "X-A : 1" CRLF CRLF, 0, 0, 0,
	 SB_ERR_HTTP_PROTOCOL, 0, 0, NULL, 0, NULL, NULL},
	{"control_char_in_value", OK200 "X-A: a\x01z" CRLF CRLF, 0, 0, 0,
	 SB_ERR_HTTP_PROTOCOL, 0, 0, NULL, 0, NULL, NULL},
	{"del_in_value", OK200 "X-A: a\x7fz" CRLF CRLF, 0, 0, 0,
	 SB_ERR_HTTP_PROTOCOL, 0, 0, NULL, 0, NULL, NULL},
	{"bare_cr_in_value", OK200 "X-A: a\rz" CRLF CRLF, 0, 0, 0,
	 SB_ERR_HTTP_PROTOCOL, 0, 0, NULL, 0, NULL, NULL},
	{"nul_in_header", OK200 "X-A: a\0z" CRLF CRLF, sizeof(OK200) + 10, 0,
	 0, SB_ERR_HTTP_PROTOCOL, 0, 0, NULL, 0, NULL, NULL},
	{"nul_in_header_name", OK200 "X\0A: z" CRLF CRLF, sizeof(OK200) + 8,
	 0, 0, SB_ERR_HTTP_PROTOCOL, 0, 0, NULL, 0, NULL, NULL},
	{"non_numeric_content_length",
	 OK200 "Content-Length: 12a" CRLF CRLF, 0, 0, 0, SB_ERR_HTTP_PROTOCOL,
	 0, 0, NULL, 0, NULL, NULL},
	{"signed_content_length", OK200 "Content-Length: +2" CRLF CRLF "ok", 0,
	 0, 0, SB_ERR_HTTP_PROTOCOL, 0, 0, NULL, 0, NULL, NULL},
	{"empty_content_length", OK200 "Content-Length:" CRLF CRLF, 0, 0, 0,
	 SB_ERR_HTTP_PROTOCOL, 0, 0, NULL, 0, NULL, NULL},
	{"conflicting_content_length",
	 OK200 "Content-Length: 2" CRLF "Content-Length: 3" CRLF CRLF "ok", 0,
	 0, 0, SB_ERR_HTTP_PROTOCOL, 0, 0, NULL, 0, NULL, NULL},
	{"content_length_over_cap",
	 OK200 "Content-Length: 1048577" CRLF CRLF, 0, 0, 0, SB_ERR_TOO_LARGE,
	 0, 0, NULL, 0, NULL, NULL},
	{"content_length_overflow",
	 OK200 "Content-Length: 184467440737095516160" CRLF CRLF, 0, 0, 0,
	 SB_ERR_TOO_LARGE, 0, 0, NULL, 0, NULL, NULL},
	{"chunk_size_overflow",
	 OK200 "Transfer-Encoding: chunked" CRLF CRLF "fffffffffffffffff" CRLF,
	 0, 0, 0, SB_ERR_TOO_LARGE, 0, 0, NULL, 0, NULL, NULL},
	{"chunk_size_over_body_cap",
	 OK200 "Transfer-Encoding: chunked" CRLF CRLF "100001" CRLF, 0, 0, 0,
	 SB_ERR_TOO_LARGE, 0, 0, NULL, 0, NULL, NULL},
	{"chunks_over_body_cap",
	 OK200 "Transfer-Encoding: chunked" CRLF CRLF "1" CRLF "a" CRLF
	       "100000" CRLF,
	 0, 0, 0, SB_ERR_TOO_LARGE, 0, 0, NULL, 0, NULL, NULL},
	{"invalid_chunk_size",
	 OK200 "Transfer-Encoding: chunked" CRLF CRLF "zz" CRLF, 0, 0, 0,
	 SB_ERR_HTTP_PROTOCOL, 0, 0, NULL, 0, NULL, NULL},
	{"empty_chunk_size",
	 OK200 "Transfer-Encoding: chunked" CRLF CRLF CRLF, 0, 0, 0,
	 SB_ERR_HTTP_PROTOCOL, 0, 0, NULL, 0, NULL, NULL},
	{"chunk_size_junk",
	 OK200 "Transfer-Encoding: chunked" CRLF CRLF "5 x" CRLF, 0, 0, 0,
	 SB_ERR_HTTP_PROTOCOL, 0, 0, NULL, 0, NULL, NULL},
	{"missing_crlf_after_chunk",
	 OK200 "Transfer-Encoding: chunked" CRLF CRLF "3" CRLF "abcX" CRLF
	       "0" CRLF CRLF,
	 0, 0, 0, SB_ERR_HTTP_PROTOCOL, 0, 0, NULL, 0, NULL, NULL},
	{"trailer_without_colon",
	 OK200 "Transfer-Encoding: chunked" CRLF CRLF "0" CRLF "bad" CRLF CRLF,
	 0, 0, 0, SB_ERR_HTTP_PROTOCOL, 0, 0, NULL, 0, NULL, NULL},
	{"transfer_encoding_gzip",
	 OK200 "Transfer-Encoding: gzip" CRLF CRLF, 0, 0, 0,
	 SB_ERR_HTTP_PROTOCOL, 0, 0, NULL, 0, NULL, NULL},
	{"transfer_encoding_gzip_chunked",
	 OK200 "Transfer-Encoding: gzip, chunked" CRLF CRLF, 0, 0, 0,
	 SB_ERR_HTTP_PROTOCOL, 0, 0, NULL, 0, NULL, NULL},
	{"transfer_encoding_twice",
	 OK200 "Transfer-Encoding: chunked" CRLF "Transfer-Encoding: chunked"
	       CRLF CRLF,
	 0, 0, 0, SB_ERR_HTTP_PROTOCOL, 0, 0, NULL, 0, NULL, NULL},
	{"switching_protocols",
	 "HTTP/1.1 101 Switching Protocols" CRLF "Upgrade: h2c" CRLF CRLF, 0,
	 0, 0, SB_ERR_HTTP_PROTOCOL, 0, 0, NULL, 0, NULL, NULL},
	{"eof_before_any_byte", "", 0, 0, 1, SB_ERR_NETWORK, 0, 0, NULL, 0,
	 NULL, NULL},
	{"eof_in_status_line", "HTTP/1.1 20", 0, 0, 1, SB_ERR_NETWORK, 0, 0,
	 NULL, 0, NULL, NULL},
	{"eof_in_headers", OK200 "Content-Len", 0, 0, 1, SB_ERR_NETWORK, 0, 0,
	 NULL, 0, NULL, NULL},
	{"eof_after_headers_before_blank", OK200 "Content-Length: 2" CRLF, 0,
	 0, 1, SB_ERR_NETWORK, 0, 0, NULL, 0, NULL, NULL},
	{"eof_in_length_body", OK200 "Content-Length: 10" CRLF CRLF "short", 0,
	 0, 1, SB_ERR_NETWORK, 0, 0, NULL, 0, NULL, NULL},
	{"eof_in_chunk",
	 OK200 "Transfer-Encoding: chunked" CRLF CRLF "a" CRLF "abc", 0, 0, 1,
	 SB_ERR_NETWORK, 0, 0, NULL, 0, NULL, NULL},
	{"eof_in_chunk_size",
	 OK200 "Transfer-Encoding: chunked" CRLF CRLF "a", 0, 0, 1,
	 SB_ERR_NETWORK, 0, 0, NULL, 0, NULL, NULL},
	{"eof_before_last_chunk",
	 OK200 "Transfer-Encoding: chunked" CRLF CRLF "1" CRLF "a" CRLF, 0, 0,
	 1, SB_ERR_NETWORK, 0, 0, NULL, 0, NULL, NULL},
	{"eof_in_trailers",
	 OK200 "Transfer-Encoding: chunked" CRLF CRLF "0" CRLF "T: 1" CRLF, 0,
	 0, 1, SB_ERR_NETWORK, 0, 0, NULL, 0, NULL, NULL},
};

/* What one way of feeding a case gave. */
struct outcome {
	int rc;
	size_t used; /* bytes of the input that belong to the response */
};

/*
 * Feed data cut at the offsets cuts[0..ncuts) (ascending), stopping at
 * the first result that is not SB_HTTP_MORE; the peer closes after the
 * last piece when eof is set.
 */
static struct outcome feed_pieces(const unsigned char *data, size_t len,
				  const size_t *cuts, size_t ncuts, int head,
				  int eof)
{
	struct outcome o = {SB_HTTP_MORE, 0};
	size_t start = 0, k;

	sb_http_response_reset(&R, head);
	for (k = 0; k <= ncuts; k++) {
		size_t end = k < ncuts ? cuts[k] : len, used = 0;

		o.rc = sb_http_feed(&R, data + start, end - start, &used);
		o.used = start + used;
		if (o.rc != SB_HTTP_MORE)
			return o;
		if (used != end - start) {
			o.rc = -1000; /* MORE must mean "all used" */
			return o;
		}
		start = end;
	}
	if (eof)
		o.rc = sb_http_feed_eof(&R);
	return o;
}

/* Compare the parser's state after a successful case. */
static void check_result(const struct rcase *c, const char *mode, size_t at,
			 struct outcome o, size_t len)
{
	size_t vlen = 0;
	const char *v;

	CHECKF(o.rc == c->rc, "%s (%s at %lu): rc %d, want %d (%s)", c->name,
	       mode, (unsigned long)at, o.rc, c->rc, R.error ? R.error : "");
	if (c->rc != SB_OK)
		return;
	CHECKF(R.status == c->status, "%s (%s at %lu): status %d", c->name,
	       mode, (unsigned long)at, R.status);
	CHECKF(R.keep_alive == c->keep_alive, "%s (%s at %lu): keep_alive %d",
	       c->name, mode, (unsigned long)at, R.keep_alive);
	CHECKF(R.body.len == strlen(c->body) &&
		       (R.body.len == 0 ||
			memcmp(R.body.data, c->body, R.body.len) == 0),
	       "%s (%s at %lu): body of %lu bytes", c->name, mode,
	       (unsigned long)at, (unsigned long)R.body.len);
	CHECKF(o.used == len - c->trailing, "%s (%s at %lu): used %lu of %lu",
	       c->name, mode, (unsigned long)at, (unsigned long)o.used,
	       (unsigned long)len);
	if (!c->hname)
		return;
	v = sb_http_header_value(&R, c->hname, &vlen);
	if (!c->hvalue) {
		CHECKF(v == NULL, "%s: header %s present", c->name, c->hname);
		return;
	}
	CHECKF(v && vlen == strlen(c->hvalue) &&
		       memcmp(v, c->hvalue, vlen) == 0,
	       "%s (%s at %lu): header %s", c->name, mode,
	       (unsigned long)at, c->hname);
}

/*
 * Run one case whole, split into two at every byte boundary and one byte
 * at a time. Big inputs are split at a stride to stay fast.
 */
static void run_case(const struct rcase *c, const unsigned char *data,
		     size_t len)
{
	struct outcome o;
	size_t cut, stride = len > 4096 ? 997 : 1;
	size_t *cuts;

	o = feed_pieces(data, len, NULL, 0, c->head, c->eof);
	check_result(c, "whole", 0, o, len);
	CHECK_HELPER();
	for (cut = 0; cut <= len; cut += stride) {
		o = feed_pieces(data, len, &cut, 1, c->head, c->eof);
		check_result(c, "split", cut, o, len);
		CHECK_HELPER();
	}
	cuts = malloc((len ? len : 1) * sizeof(*cuts));
	CHECK(cuts != NULL);
	for (cut = 0; cut + 1 < len; cut++)
		cuts[cut] = cut + 1;
	o = feed_pieces(data, len, cuts, len ? len - 1 : 0, c->head, c->eof);
	free(cuts);
	check_result(c, "bytewise", 0, o, len);
}

TEST(response_table)
{
	size_t i;

	sb_http_response_init(&R, &P, 0);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct rcase *c = &cases[i];
		size_t len = c->len ? c->len : strlen(c->data);

		run_case(c, (const unsigned char *)c->data, len);
		if (harness_failed())
			break;
	}
	sb_http_response_free(&R);
	CHECK_EQ_INT(F.live, 0);
}

/* ---- response parser: generated inputs over the caps --------------- */

/* A growing text for the generated cases (malloc: test-side only). */
struct text {
	char *s;
	size_t len, cap;
};

static void text_add(struct text *t, const char *s, size_t n)
{
	if (t->len + n + 1 > t->cap) {
		t->cap = (t->len + n + 1) * 2;
		t->s = realloc(t->s, t->cap);
		if (!t->s)
			abort();
	}
	memcpy(t->s + t->len, s, n);
	t->len += n;
	t->s[t->len] = '\0';
}

static void text_str(struct text *t, const char *s)
{
	text_add(t, s, strlen(s));
}

static void text_repeat(struct text *t, char ch, size_t n)
{
	char block[256];

	memset(block, ch, sizeof(block));
	while (n) {
		size_t k = n < sizeof(block) ? n : sizeof(block);

		text_add(t, block, k);
		n -= k;
	}
}

/* Run a generated case that must fail with rc, the parser's message
 * holding error (which cap tripped), whole, split and byte by byte. */
static void run_generated(const char *name, struct text *t, int eof, int rc,
			  const char *error)
{
	struct rcase c;
	const char *got; /* the parser's messages are literals */

	memset(&c, 0, sizeof(c));
	c.name = name;
	c.data = t->s;
	c.eof = eof;
	c.rc = rc;
	sb_http_response_init(&R, &P, 0);
	run_case(&c, (const unsigned char *)t->s, t->len);
	got = R.error ? R.error : "";
	sb_http_response_free(&R);
	free(t->s);
	memset(t, 0, sizeof(*t));
	CHECK_HELPER();
	CHECKF(strstr(got, error) != NULL, "%s: \"%s\", want \"%s\"", name,
	       got, error);
	CHECK_EQ_INT(F.live, 0);
}

TEST(header_block_one_huge_line)
{
	struct text t = {0};

	text_str(&t, OK200 "X-Big: ");
	text_repeat(&t, 'a', SB_MAX_HEADER_BYTES);
	text_str(&t, CRLF CRLF);
	run_generated("one_huge_line", &t, 0, SB_ERR_TOO_LARGE,
		      "header block exceeds");
}

TEST(header_block_many_lines)
{
	struct text t = {0};
	size_t i;

	text_str(&t, OK200);
	/* Half as many lines as SB_MAX_HEADERS, more bytes than the block
	 * (whatever the caps are set to). */
	for (i = 0; i < (SB_MAX_HEADERS + 1) / 2; i++) {
		text_str(&t, "X-Pad: ");
		text_repeat(&t, 'p',
			    SB_MAX_HEADER_BYTES / ((SB_MAX_HEADERS + 1) / 2));
		text_str(&t, CRLF);
	}
	text_str(&t, CRLF);
	run_generated("many_lines", &t, 0, SB_ERR_TOO_LARGE,
		      "header block exceeds");
}

TEST(header_block_just_fits)
{
	struct text t = {0};
	size_t pad;

	/* Status line + one header + blank line = SB_MAX_HEADER_BYTES - 1. */
	text_str(&t, OK200 "Content-Length: 0" CRLF "X-Pad: ");
	pad = SB_MAX_HEADER_BYTES - 1 - t.len - 4;
	text_repeat(&t, 'p', pad);
	text_str(&t, CRLF CRLF);
	CHECK_EQ_INT(t.len, SB_MAX_HEADER_BYTES - 1);
	{
		struct rcase c;

		memset(&c, 0, sizeof(c));
		c.name = "just_fits";
		c.data = t.s;
		c.rc = SB_OK;
		c.status = 200;
		c.keep_alive = 1;
		c.body = "";
		sb_http_response_init(&R, &P, 0);
		run_case(&c, (const unsigned char *)t.s, t.len);
		sb_http_response_free(&R);
		free(t.s);
	}
}

TEST(too_many_headers)
{
	struct text t = {0};
	size_t i;

	text_str(&t, OK200);
	for (i = 0; i <= SB_MAX_HEADERS; i++)
		text_str(&t, "X-H: 1" CRLF);
	text_str(&t, CRLF);
	run_generated("too_many_headers", &t, 0, SB_ERR_TOO_LARGE,
		      "too many header fields");
}

TEST(max_headers_accepted)
{
	struct text t = {0};
	size_t i;

	text_str(&t, OK200 "Content-Length: 0" CRLF);
	for (i = 1; i < SB_MAX_HEADERS; i++)
		text_str(&t, "X-H: 1" CRLF);
	text_str(&t, CRLF);
	sb_http_response_init(&R, &P, 0);
	CHECK_EQ_INT(sb_http_feed(&R, (const unsigned char *)t.s, t.len,
				  &i),
		     SB_OK);
	CHECK_EQ_INT(R.header_count, SB_MAX_HEADERS);
	sb_http_response_free(&R);
	free(t.s);
}

TEST(too_many_trailers)
{
	struct text t = {0};
	size_t i;

	text_str(&t, OK200 "Transfer-Encoding: chunked" CRLF CRLF "0" CRLF);
	for (i = 0; i < SB_MAX_HEADERS; i++)
		text_str(&t, "T: 1" CRLF);
	text_str(&t, CRLF);
	run_generated("too_many_trailers", &t, 0, SB_ERR_TOO_LARGE,
		      "too many header fields");
}

TEST(trailer_bytes_over_cap)
{
	/* The head leaves less room than a trailer line, which fits a chunk
	 * line (CRLF included): only the header-block cap can trip. */
	size_t line = SB_MAX_CHUNK_LINE - 4;
	struct text t = {0};
	size_t i;

	text_str(&t, OK200 "Transfer-Encoding: chunked" CRLF "X-Pad: ");
	text_repeat(&t, 'p', SB_MAX_HEADER_BYTES - line - t.len - 4);
	text_str(&t, CRLF CRLF);
	text_str(&t, "0" CRLF);
	for (i = 0; i < 2; i++) {
		text_str(&t, "T: ");
		text_repeat(&t, 't', line - 3);
		text_str(&t, CRLF);
	}
	text_str(&t, CRLF);
	run_generated("trailer_bytes", &t, 0, SB_ERR_TOO_LARGE,
		      "trailers exceed");
}

TEST(trailer_line_over_cap)
{
	struct text t = {0};

	text_str(&t, OK200 "Transfer-Encoding: chunked" CRLF CRLF "0" CRLF "T: ");
	text_repeat(&t, 't', SB_MAX_CHUNK_LINE);
	text_str(&t, CRLF CRLF);
	run_generated("trailer_line", &t, 0, SB_ERR_TOO_LARGE,
		      "chunk line exceeds");
}

TEST(chunk_line_over_cap)
{
	struct text t = {0};

	text_str(&t, OK200 "Transfer-Encoding: chunked" CRLF CRLF "1;");
	text_repeat(&t, 'e', SB_MAX_CHUNK_LINE);
	text_str(&t, CRLF "a" CRLF "0" CRLF CRLF);
	run_generated("chunk_line", &t, 0, SB_ERR_TOO_LARGE,
		      "chunk line exceeds");
}

TEST(close_delimited_body_over_cap)
{
	struct text t = {0};

	text_str(&t, OK200 CRLF);
	text_repeat(&t, 'b', SB_MAX_BODY_BYTES + 1);
	run_generated("close_over_cap", &t, 1, SB_ERR_TOO_LARGE,
		      "body exceeds");
}

TEST(close_delimited_body_at_cap)
{
	struct text t = {0};
	size_t used = 0;

	text_str(&t, OK200 CRLF);
	text_repeat(&t, 'b', SB_MAX_BODY_BYTES);
	sb_http_response_init(&R, &P, 0);
	CHECK_EQ_INT(sb_http_feed(&R, (const unsigned char *)t.s, t.len,
				  &used),
		     SB_HTTP_MORE);
	CHECK_EQ_INT(sb_http_feed_eof(&R), SB_OK);
	CHECK_EQ_INT(R.body.len, SB_MAX_BODY_BYTES);
	sb_http_response_free(&R);
	free(t.s);
	CHECK_EQ_INT(F.live, 0);
}

TEST(content_length_at_cap)
{
	struct text t = {0};
	char head[96];
	size_t used = 0;

	snprintf(head, sizeof(head), OK200 "Content-Length: %u" CRLF CRLF,
		 (unsigned)SB_MAX_BODY_BYTES);
	text_str(&t, head);
	text_repeat(&t, 'b', SB_MAX_BODY_BYTES);
	sb_http_response_init(&R, &P, 0);
	CHECK_EQ_INT(sb_http_feed(&R, (const unsigned char *)t.s, t.len,
				  &used),
		     SB_OK);
	CHECK_EQ_INT(used, t.len);
	CHECK_EQ_INT(R.body.len, SB_MAX_BODY_BYTES);
	sb_http_response_free(&R);
	free(t.s);
}

/* ---- header lookups and reuse -------------------------------------- */

TEST(header_value_lookups)
{
	static const char resp[] = OK200 "Content-Type: application/json" CRLF
		"X-Dup: first" CRLF "X-Dup: second" CRLF "X-Empty:" CRLF
		"Content-Length: 0" CRLF CRLF;
	size_t used = 0, len = 99;
	const char *v;

	sb_http_response_init(&R, &P, 0);
	CHECK_EQ_INT(sb_http_feed(&R, (const unsigned char *)resp,
				  strlen(resp), &used),
		     SB_OK);
	v = sb_http_header_value(&R, "CONTENT-TYPE", &len);
	CHECK(v && len == 16 && memcmp(v, "application/json", 16) == 0);
	v = sb_http_header_value(&R, "x-dup", &len);
	CHECK(v && len == 5 && memcmp(v, "first", 5) == 0); /* the first */
	v = sb_http_header_value(&R, "X-Empty", &len);
	CHECK(v && len == 0);
	CHECK(sb_http_header_value(&R, "Content", NULL) == NULL);
	CHECK(sb_http_header_value(&R, "Content-Type-X", NULL) == NULL);
	CHECK(sb_http_header_value(&R, "Location", &len) == NULL);
	CHECK(sb_http_header_value(&R, "content-type", NULL) != NULL);
	CHECK_STR_EQ(R.head, "HTTP/1.1 200 OK");
	sb_http_response_free(&R);
}

TEST(reset_for_next_response)
{
	static const char two[] = OK200 "Content-Length: 3" CRLF CRLF "one"
		"HTTP/1.1 404 Not Found" CRLF "Content-Length: 3" CRLF CRLF
		"two";
	size_t used = 0, used2 = 0;

	sb_http_response_init(&R, &P, 0);
	CHECK_EQ_INT(sb_http_feed(&R, (const unsigned char *)two, strlen(two),
				  &used),
		     SB_OK);
	CHECK(used < strlen(two));
	CHECK_EQ_INT(R.status, 200);
	/* Feeding a complete response more bytes uses none of them. */
	CHECK_EQ_INT(sb_http_feed(&R, (const unsigned char *)two + used, 4,
				  &used2),
		     SB_OK);
	CHECK_EQ_INT(used2, 0);
	sb_http_response_reset(&R, 0);
	CHECK_EQ_INT(sb_http_feed(&R, (const unsigned char *)two + used,
				  strlen(two) - used, &used2),
		     SB_OK);
	CHECK_EQ_INT(used + used2, strlen(two));
	CHECK_EQ_INT(R.status, 404);
	CHECK(R.body.len == 3 && memcmp(R.body.data, "two", 3) == 0);
	CHECK_EQ_INT(R.header_count, 1);
	sb_http_response_free(&R);
	CHECK_EQ_INT(F.live, 0);
}

TEST(body_allocation_failure)
{
	static const char resp[] = OK200 "Content-Length: 2" CRLF CRLF "ok";
	size_t used = 0;

	F.fail_alloc = F.alloc_calls + 1;
	sb_http_response_init(&R, &P, 0);
	CHECK_EQ_INT(sb_http_feed(&R, (const unsigned char *)resp,
				  strlen(resp), &used),
		     SB_ERR_NOMEM);
	F.fail_alloc = 0;
	sb_http_response_free(&R);
	CHECK_EQ_INT(F.live, 0);
}

int main(void)
{
	fake_init(&F, &P);
	RUN(request_get_exact);
	RUN(request_get_without_auth);
	RUN(request_absolute_form);
	RUN(request_post_exact);
	RUN(decimal_writer);
	RUN(request_crlf_injection_rejected);
	RUN(request_buffer_too_small);
	RUN(response_table);
	RUN(header_block_one_huge_line);
	RUN(header_block_many_lines);
	RUN(header_block_just_fits);
	RUN(too_many_headers);
	RUN(max_headers_accepted);
	RUN(too_many_trailers);
	RUN(trailer_bytes_over_cap);
	RUN(trailer_line_over_cap);
	RUN(chunk_line_over_cap);
	RUN(close_delimited_body_over_cap);
	RUN(close_delimited_body_at_cap);
	RUN(content_length_at_cap);
	RUN(header_value_lookups);
	RUN(reset_for_next_response);
	RUN(body_allocation_failure);
	return harness_main();
}

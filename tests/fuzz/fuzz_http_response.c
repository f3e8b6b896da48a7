/*
 * fuzz_http_response.c - the incremental HTTP/1.1 response parser
 * (sb_http.c): status line, headers, Content-Length, chunked bodies with
 * extensions and trailers, close-delimited bodies, 1xx, 204/304.
 *
 * Input: one control byte, then the bytes the server sends.
 *   bits 0-5  piece size for the split parse (0: one byte at a time)
 *   bit 6     end of stream is an EOF (else the data just runs out)
 *   bit 7     the response answers a HEAD request
 *
 * The response is parsed twice - whole, and split into pieces - and both
 * parses must agree (the parser promises that a response split at any
 * byte boundary parses the same). Every cap of sb_limits.h is checked on
 * the result, and nothing may leak.
 */
#include "fuzz_common.h"
#include "sb_http.h"

unsigned long fuzz_accepted;

struct outcome {
	int rc;
	size_t used;
	int status;
	size_t body_len;
	int keep_alive;
};

static void check_result(const sb_http_response *r, const struct outcome *o,
			 size_t len)
{
	size_t i, n;

	FUZZ_ASSERT(o->used <= len);
	FUZZ_ASSERT(r->body.len <= SB_MAX_BODY_BYTES);
	if (o->rc == SB_HTTP_MORE) /* not complete yet: no verdict */
		return;
	if (o->rc != SB_OK) {
		FUZZ_ASSERT(r->error != NULL);
		return;
	}
	FUZZ_ASSERT(r->state == SB_HS_DONE);
	FUZZ_ASSERT(r->status >= 200 && r->status <= 999);
	FUZZ_ASSERT(r->header_count <= SB_MAX_HEADERS);
	FUZZ_ASSERT(r->head_len < SB_MAX_HEADER_BYTES);
	FUZZ_ASSERT(r->body.len <= SB_MAX_BODY_BYTES);
	FUZZ_ASSERT(r->body.len == 0 || r->body.data[r->body.len] == '\0');
	for (i = 0; i < r->header_count; i++) {
		const sb_http_header *h = &r->headers[i];

		FUZZ_ASSERT(h->name_len > 0);
		FUZZ_ASSERT((size_t)h->name_off + h->name_len <= r->head_len);
		FUZZ_ASSERT((size_t)h->value_off + h->value_len <= r->head_len);
	}
	(void)sb_http_header_value(r, "Content-Type", &n);
	(void)sb_http_header_value(r, "connection", &n);
}

/* Feed data in pieces of at most piece bytes (0: all at once). */
static void parse(sb_http_response *r, const unsigned char *data, size_t len,
		  size_t piece, int eof, struct outcome *o)
{
	size_t pos = 0;

	o->rc = SB_HTTP_MORE;
	while (pos < len) {
		size_t n = piece && len - pos > piece ? piece : len - pos;
		size_t used = 0;

		o->rc = sb_http_feed(r, data + pos, n, &used);
		FUZZ_ASSERT(used <= n);
		pos += used;
		if (o->rc != SB_HTTP_MORE)
			break;
		FUZZ_ASSERT(used == n); /* MORE: every byte was taken */
	}
	if (o->rc == SB_HTTP_MORE && eof)
		o->rc = sb_http_feed_eof(r);
	o->used = pos;
	o->status = r->status;
	o->body_len = r->body.len;
	o->keep_alive = r->keep_alive;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_mem mem;
	sb_port port;
	sb_http_response whole, split;
	struct outcome a, b;
	size_t piece;
	int head, eof;

	if (size < 1)
		return 0;
	piece = data[0] & 0x3f;
	if (piece == 0)
		piece = 1;
	eof = (data[0] & 0x40) != 0;
	head = (data[0] & 0x80) != 0;
	data++;
	size--;

	fuzz_mem_port(&port, &mem);
	sb_http_response_init(&whole, &port, head);
	sb_http_response_init(&split, &port, head);
	parse(&whole, data, size, 0, eof, &a);
	parse(&split, data, size, piece, eof, &b);
	check_result(&whole, &a, size);
	check_result(&split, &b, size);

	/* Split at any boundary: the same outcome. */
	FUZZ_ASSERT(a.rc == b.rc);
	if (a.rc == SB_OK) {
		FUZZ_ASSERT(a.used == b.used);
		FUZZ_ASSERT(a.status == b.status);
		FUZZ_ASSERT(a.body_len == b.body_len);
		FUZZ_ASSERT(a.keep_alive == b.keep_alive);
		FUZZ_ASSERT(a.body_len == 0 ||
			    memcmp(whole.body.data, split.body.data,
				   a.body_len) == 0);
		fuzz_accepted++;
	}

	/* The same object parses the next response after a reset. */
	sb_http_response_reset(&whole, 0);
	parse(&whole, data, size, 0, 1, &a);
	check_result(&whole, &a, size);

	sb_http_response_free(&whole);
	sb_http_response_free(&split);
	FUZZ_ASSERT(mem.live == 0);
	return 0;
}

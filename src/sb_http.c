/*
 * sb_http.c - HTTP/1.1 request writer and incremental response parser.
 *
 * The parser is a byte-driven state machine, so a response split at any
 * byte boundary parses the same as one delivered whole. Header lines are
 * kept in a fixed block (SB_MAX_HEADER_BYTES); the body grows up to
 * SB_MAX_BODY_BYTES. Line ends may be CRLF or a bare LF.
 */
#include "sb_http.h"

#include <stdio.h>
#include <string.h>

#if SB_MAX_HEADER_BYTES > 65535
#error "SB_MAX_HEADER_BYTES must fit the 16-bit header offsets"
#endif

/* ---------------------------------------------------------------------
 * Request writer
 * ------------------------------------------------------------------- */

static sb_err put(char *out, size_t cap, size_t *pos, const char *s, size_t n)
{
	if (n >= cap - *pos)
		return SB_ERR_TOO_LARGE;
	memcpy(out + *pos, s, n);
	*pos += n;
	out[*pos] = '\0';
	return SB_OK;
}

static sb_err put_str(char *out, size_t cap, size_t *pos, const char *s)
{
	return put(out, cap, pos, s, strlen(s));
}

/* Header values must not smuggle in a line break. */
static int is_clean(const char *s)
{
	for (; *s; s++)
		if (*s == '\r' || *s == '\n')
			return 0;
	return 1;
}

sb_err sb_http_write_request(const sb_http_request *req, char *out,
			     size_t cap, size_t *len)
{
	size_t pos = 0;
	sb_err err = SB_OK;
	char num[32];
	const char *parts[8];
	size_t i;

	if (!req || !out || cap == 0 || !req->method || !req->host ||
	    !req->target || !req->user_agent)
		return SB_ERR_INVALID_ARG;
	parts[0] = req->method;
	parts[1] = req->host;
	parts[2] = req->target;
	parts[3] = req->auth ? req->auth : "";
	parts[4] = req->user_agent;
	parts[5] = req->content_type ? req->content_type : "";
	parts[6] = req->origin ? req->origin : "";
	parts[7] = req->proxy_auth ? req->proxy_auth : "";
	for (i = 0; i < 8; i++)
		if (!is_clean(parts[i]))
			return SB_ERR_INVALID_ARG;
	out[0] = '\0';

#define PUT(s)                                              \
	do {                                                \
		if (err == SB_OK)                           \
			err = put_str(out, cap, &pos, (s)); \
	} while (0)
	PUT(req->method);
	PUT(" ");
	if (req->origin)
		PUT(req->origin);
	PUT(req->target);
	PUT(" HTTP/1.1\r\nHost: ");
	PUT(req->host);
	PUT("\r\nUser-Agent: ");
	PUT(req->user_agent);
	PUT("\r\nAccept: application/json\r\n");
	if (req->auth) {
		PUT("Authorization: ");
		PUT(req->auth);
		PUT("\r\n");
	}
	if (req->proxy_auth) {
		PUT("Proxy-Authorization: ");
		PUT(req->proxy_auth);
		PUT("\r\n");
	}
	if (req->body) {
		sb_dec_u64(num, req->body_len);
		PUT("Content-Type: ");
		PUT(req->content_type ? req->content_type
				      : "application/x-www-form-urlencoded");
		PUT("\r\nContent-Length: ");
		PUT(num);
		PUT("\r\n");
	}
	PUT("\r\n");
#undef PUT
	if (err == SB_OK && req->body)
		err = put(out, cap, &pos, req->body, req->body_len);
	if (err != SB_OK) {
		sb_wipe(out, cap); /* it may hold the Authorization value */
		return err;
	}
	*len = pos;
	return SB_OK;
}

/* ---------------------------------------------------------------------
 * Response parser
 * ------------------------------------------------------------------- */

/* What head points at before the first byte: an empty line. */
static char no_head[1];

void sb_http_response_init(sb_http_response *r, const sb_port *port,
			   int head_request)
{
	memset(r, 0, sizeof(*r));
	r->head = no_head;
	sb_buf_init(&r->body, port);
	sb_http_response_reset(r, head_request);
}

void sb_http_response_reset(sb_http_response *r, int head_request)
{
	r->status = 0;
	r->minor_version = 0;
	r->keep_alive = 0;
	r->header_count = 0;
	r->head_len = 0;
	r->head[0] = '\0';
	sb_buf_clear(&r->body);
	r->state = SB_HS_STATUS;
	r->head_request = head_request;
	r->line_start = 0;
	r->remaining = 0;
	r->chunk_line_len = 0;
	r->trailer_bytes = 0;
	r->header_total = 0;
	r->error = NULL;
}

void sb_http_response_free(sb_http_response *r)
{
	if (r->head_cap) {
		sb_wipe(r->head, r->head_cap);
		r->body.port->free(r->body.port->ctx, r->head);
	}
	r->head = no_head;
	r->head_cap = 0;
	r->head_len = 0;
	sb_buf_free(&r->body);
}

/* Room for n more bytes and a NUL in head, within SB_MAX_HEADER_BYTES. */
static int head_reserve(sb_http_response *r, size_t n)
{
	size_t need = r->head_len + n + 1, cap;
	char *p;

	if (need <= r->head_cap)
		return SB_OK;
	if (need > SB_MAX_HEADER_BYTES)
		return SB_ERR_TOO_LARGE;
	cap = r->head_cap ? r->head_cap : 1024;
	while (cap < need)
		cap *= 2;
	if (cap > SB_MAX_HEADER_BYTES)
		cap = SB_MAX_HEADER_BYTES;
	p = r->body.port->alloc(r->body.port->ctx, cap);
	if (!p)
		return SB_ERR_NOMEM;
	if (r->head_cap) {
		memcpy(p, r->head, r->head_len + 1);
		sb_wipe(r->head, r->head_cap);
		r->body.port->free(r->body.port->ctx, r->head);
	}
	r->head = p;
	r->head_cap = cap;
	return SB_OK;
}

static int fail(sb_http_response *r, int err, const char *why)
{
	r->error = why;
	return err;
}

static int is_tchar(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || (c && strchr("!#$%&'*+-.^_`|~", c));
}

static int is_digit(int c)
{
	return c >= '0' && c <= '9';
}

const char *sb_http_header_value(const sb_http_response *r, const char *name,
				 size_t *len)
{
	size_t i, n = strlen(name);

	for (i = 0; i < r->header_count; i++) {
		const sb_http_header *h = &r->headers[i];

		if (h->name_len == n &&
		    sb_ascii_ncaseeq(r->head + h->name_off, name, n)) {
			if (len)
				*len = h->value_len;
			return r->head + h->value_off;
		}
	}
	return NULL;
}

/* Is token (case-insensitive) one of the comma-separated list items? */
static int list_has(const char *v, size_t len, const char *token)
{
	size_t n = strlen(token), i = 0;

	while (i < len) {
		size_t s, e;

		while (i < len && (v[i] == ' ' || v[i] == '\t' || v[i] == ','))
			i++;
		s = i;
		while (i < len && v[i] != ',')
			i++;
		e = i;
		while (e > s && (v[e - 1] == ' ' || v[e - 1] == '\t'))
			e--;
		if (e - s == n && sb_ascii_ncaseeq(v + s, token, n))
			return 1;
	}
	return 0;
}

static int parse_status_line(sb_http_response *r, const char *l, size_t n)
{
	size_t i;

	if (n < 12 || memcmp(l, "HTTP/1.", 7) != 0 || !is_digit(l[7]) ||
	    l[8] != ' ' || !is_digit(l[9]) || !is_digit(l[10]) ||
	    !is_digit(l[11]) || (n > 12 && l[12] != ' '))
		return fail(r, SB_ERR_HTTP_PROTOCOL, "invalid status line");
	for (i = 12; i < n; i++)
		if ((unsigned char)l[i] < 0x20 && l[i] != '\t')
			return fail(r, SB_ERR_HTTP_PROTOCOL,
				    "control character in status line");
	r->minor_version = l[7] - '0';
	r->status = (l[9] - '0') * 100 + (l[10] - '0') * 10 + (l[11] - '0');
	if (r->status < 100)
		return fail(r, SB_ERR_HTTP_PROTOCOL, "invalid status code");
	return SB_OK;
}

static int parse_header_line(sb_http_response *r, size_t off, size_t n)
{
	const char *l = r->head + off;
	size_t i = 0, vs, ve, name_len;
	sb_http_header *h;

	if (l[0] == ' ' || l[0] == '\t')
		return fail(r, SB_ERR_HTTP_PROTOCOL,
			    "folded header line (obsolete line folding)");
	while (i < n && is_tchar((unsigned char)l[i]))
		i++;
	if (i == 0 || i >= n || l[i] != ':')
		return fail(r, SB_ERR_HTTP_PROTOCOL, "invalid header line");
	name_len = i;
	vs = i + 1;
	while (vs < n && (l[vs] == ' ' || l[vs] == '\t'))
		vs++;
	ve = n;
	while (ve > vs && (l[ve - 1] == ' ' || l[ve - 1] == '\t'))
		ve--;
	for (i = vs; i < ve; i++) {
		unsigned char c = (unsigned char)l[i];

		if ((c < 0x20 && c != '\t') || c == 0x7f)
			return fail(r, SB_ERR_HTTP_PROTOCOL,
				    "control character in header value");
	}
	if (r->header_count >= SB_MAX_HEADERS)
		return fail(r, SB_ERR_TOO_LARGE, "too many header fields");
	h = &r->headers[r->header_count++];
	r->header_total++;
	h->name_off = (uint16_t)off;
	h->name_len = (uint16_t)name_len;
	h->value_off = (uint16_t)(off + vs);
	h->value_len = (uint16_t)(ve - vs);
	return SB_OK;
}

/* Parse a Content-Length value: digits only, within the body cap. */
static int parse_length(sb_http_response *r, const char *v, size_t n,
			uint64_t *out)
{
	uint64_t x = 0;
	size_t i;

	if (n == 0)
		return fail(r, SB_ERR_HTTP_PROTOCOL, "empty Content-Length");
	for (i = 0; i < n; i++) {
		if (!is_digit(v[i]))
			return fail(r, SB_ERR_HTTP_PROTOCOL,
				    "invalid Content-Length");
		x = x * 10 + (uint64_t)(v[i] - '0');
		if (x > SB_MAX_BODY_BYTES)
			return fail(r, SB_ERR_TOO_LARGE,
				    "Content-Length exceeds the body limit");
	}
	*out = x;
	return SB_OK;
}

/* All header lines are in: choose how the body is delimited. */
static int end_of_headers(sb_http_response *r)
{
	size_t i, n;
	const char *v;
	int have_length = 0, chunked = 0;
	uint64_t length = 0;

	if (r->status >= 100 && r->status < 200) {
		if (r->status == 101)
			return fail(r, SB_ERR_HTTP_PROTOCOL,
				    "unexpected 101 Switching Protocols");
		sb_http_response_reset(r, r->head_request); /* skip 1xx */
		return SB_OK;
	}
	v = sb_http_header_value(r, "Connection", &n);
	r->keep_alive = r->minor_version >= 1 && !(v && list_has(v, n, "close"));

	for (i = 0; i < r->header_count; i++) {
		const sb_http_header *h = &r->headers[i];
		const char *hv = r->head + h->value_off;

		if (h->name_len == 17 &&
		    sb_ascii_ncaseeq(r->head + h->name_off,
				     "Transfer-Encoding", 17)) {
			if (h->value_len != 7 ||
			    !sb_ascii_ncaseeq(hv, "chunked", 7) || chunked)
				return fail(r, SB_ERR_HTTP_PROTOCOL,
					    "unsupported Transfer-Encoding");
			chunked = 1;
		} else if (h->name_len == 14 &&
			   sb_ascii_ncaseeq(r->head + h->name_off,
					    "Content-Length", 14)) {
			uint64_t x;
			int rc = parse_length(r, hv, h->value_len, &x);

			if (rc != SB_OK)
				return rc;
			if (have_length && x != length)
				return fail(r, SB_ERR_HTTP_PROTOCOL,
					    "conflicting Content-Length");
			have_length = 1;
			length = x;
		}
	}
	if (r->head_request || r->status == 204 || r->status == 304) {
		r->state = SB_HS_DONE;
	} else if (chunked) {
		if (have_length) /* framing ambiguity: never reuse */
			r->keep_alive = 0;
		r->state = SB_HS_CHUNK_SIZE;
	} else if (have_length) {
		r->remaining = length;
		r->state = length ? SB_HS_BODY_LENGTH : SB_HS_DONE;
	} else {
		r->keep_alive = 0;
		r->state = SB_HS_BODY_CLOSE;
	}
	return SB_OK;
}

/*
 * Head lines (status and headers) accumulate in r->head. Returns SB_OK
 * after consuming up to and including one '\n', SB_HTTP_MORE when data
 * ran out first.
 */
static int head_bytes(sb_http_response *r, const unsigned char *data,
		      size_t len, size_t *used)
{
	const unsigned char *nl = memchr(data, '\n', len);
	size_t take = nl ? (size_t)(nl - data) + 1 : len;
	size_t start, n;
	int rc;

	rc = head_reserve(r, take);
	if (rc == SB_ERR_TOO_LARGE)
		return fail(r, SB_ERR_TOO_LARGE,
			    "response header block exceeds the limit");
	if (rc != SB_OK)
		return fail(r, rc, "out of memory for the response headers");
	memcpy(r->head + r->head_len, data, take);
	r->head_len += take;
	r->head[r->head_len] = '\0';
	*used = take;
	if (!nl)
		return SB_HTTP_MORE;

	start = r->line_start;
	n = r->head_len - start - 1; /* without the '\n' */
	if (n > 0 && r->head[start + n - 1] == '\r')
		n--;
	r->head[start + n] = '\0';
	r->line_start = r->head_len;
	if (memchr(r->head + start, '\0', n))
		return fail(r, SB_ERR_HTTP_PROTOCOL, "NUL byte in header");

	if (r->state == SB_HS_STATUS) {
		rc = parse_status_line(r, r->head + start, n);
		if (rc == SB_OK)
			r->state = SB_HS_HEADERS;
		return rc;
	}
	if (n == 0)
		return end_of_headers(r);
	return parse_header_line(r, start, n);
}

/* Chunk-size lines, the CRLF after chunk data and trailer lines. */
static int small_line_bytes(sb_http_response *r, const unsigned char *data,
			    size_t len, size_t *used, int *complete)
{
	const unsigned char *nl = memchr(data, '\n', len);
	size_t take = nl ? (size_t)(nl - data) + 1 : len;

	*complete = 0;
	if (take >= sizeof(r->chunk_line) - r->chunk_line_len)
		return fail(r, SB_ERR_TOO_LARGE, "chunk line exceeds the limit");
	memcpy(r->chunk_line + r->chunk_line_len, data, take);
	r->chunk_line_len += take;
	*used = take;
	if (nl) {
		size_t n = r->chunk_line_len - 1;

		if (n > 0 && r->chunk_line[n - 1] == '\r')
			n--;
		r->chunk_line[n] = '\0';
		r->chunk_line_len = n;
		*complete = 1;
	}
	return SB_OK;
}

static int parse_chunk_size(sb_http_response *r)
{
	const char *l = r->chunk_line;
	size_t i = 0, digits = 0;
	uint64_t x = 0;

	while (sb_hex_value((unsigned char)l[i]) >= 0) {
		/* Leading zeros are harmless; 16 significant digits are not. */
		if (x || l[i] != '0')
			digits++;
		if (digits > 15)
			return fail(r, SB_ERR_TOO_LARGE,
				    "chunk size overflows");
		x = x * 16 + (uint64_t)sb_hex_value((unsigned char)l[i]);
		i++;
	}
	if (i == 0)
		return fail(r, SB_ERR_HTTP_PROTOCOL, "invalid chunk size");
	while (l[i] == ' ' || l[i] == '\t')
		i++;
	if (l[i] != '\0' && l[i] != ';')
		return fail(r, SB_ERR_HTTP_PROTOCOL, "invalid chunk size");
	if (x > SB_MAX_BODY_BYTES - r->body.len)
		return fail(r, SB_ERR_TOO_LARGE,
			    "chunked body exceeds the body limit");
	r->remaining = x;
	r->state = x ? SB_HS_CHUNK_DATA : SB_HS_TRAILERS;
	return SB_OK;
}

static int body_bytes(sb_http_response *r, const unsigned char *data,
		      size_t len, size_t *used)
{
	size_t take = len;
	sb_err err;

	if (r->state != SB_HS_BODY_CLOSE && take > r->remaining)
		take = (size_t)r->remaining;
	err = sb_buf_append(&r->body, data, take, SB_MAX_BODY_BYTES);
	if (err == SB_ERR_TOO_LARGE)
		return fail(r, err, "response body exceeds the limit");
	if (err != SB_OK)
		return fail(r, err, "out of memory for the response body");
	*used = take;
	if (r->state != SB_HS_BODY_CLOSE) {
		r->remaining -= take;
		if (r->remaining == 0)
			r->state = r->state == SB_HS_CHUNK_DATA
					   ? SB_HS_CHUNK_DATA_END
					   : SB_HS_DONE;
	}
	return SB_OK;
}

/* One step: consume some bytes in the current state. */
static int step(sb_http_response *r, const unsigned char *data, size_t len,
		size_t *used)
{
	int rc, complete;

	switch (r->state) {
	case SB_HS_STATUS:
	case SB_HS_HEADERS:
		rc = head_bytes(r, data, len, used);
		return rc == SB_HTTP_MORE ? SB_OK : rc;
	case SB_HS_BODY_LENGTH:
	case SB_HS_CHUNK_DATA:
	case SB_HS_BODY_CLOSE:
		return body_bytes(r, data, len, used);
	case SB_HS_CHUNK_SIZE:
		rc = small_line_bytes(r, data, len, used, &complete);
		if (rc == SB_OK && complete) {
			rc = parse_chunk_size(r);
			r->chunk_line_len = 0;
		}
		return rc;
	case SB_HS_CHUNK_DATA_END:
		rc = small_line_bytes(r, data, len, used, &complete);
		if (rc == SB_OK && complete) {
			if (r->chunk_line_len != 0)
				return fail(r, SB_ERR_HTTP_PROTOCOL,
					    "missing CRLF after chunk data");
			r->state = SB_HS_CHUNK_SIZE;
		}
		return rc;
	case SB_HS_TRAILERS:
		rc = small_line_bytes(r, data, len, used, &complete);
		if (rc != SB_OK || !complete)
			return rc;
		if (r->chunk_line_len == 0) {
			r->state = SB_HS_DONE;
			return SB_OK;
		}
		r->trailer_bytes += r->chunk_line_len + 2;
		if (++r->header_total > SB_MAX_HEADERS)
			return fail(r, SB_ERR_TOO_LARGE,
				    "too many header fields");
		if (r->trailer_bytes + r->head_len > SB_MAX_HEADER_BYTES)
			return fail(r, SB_ERR_TOO_LARGE,
				    "response trailers exceed the limit");
		if (!strchr(r->chunk_line, ':'))
			return fail(r, SB_ERR_HTTP_PROTOCOL,
				    "invalid trailer line");
		r->chunk_line_len = 0;
		return SB_OK;
	case SB_HS_DONE:
		break;
	}
	*used = 0;
	return SB_OK;
}

int sb_http_feed(sb_http_response *r, const unsigned char *data, size_t len,
		 size_t *used)
{
	size_t pos = 0;

	*used = 0;
	while (r->state != SB_HS_DONE && pos < len) {
		size_t n = 0;
		int rc = step(r, data + pos, len - pos, &n);

		pos += n;
		*used = pos;
		if (rc != SB_OK)
			return rc;
	}
	return r->state == SB_HS_DONE ? SB_OK : SB_HTTP_MORE;
}

int sb_http_feed_eof(sb_http_response *r)
{
	if (r->state == SB_HS_DONE)
		return SB_OK;
	if (r->state == SB_HS_BODY_CLOSE) {
		r->state = SB_HS_DONE;
		return SB_OK;
	}
	if (r->state == SB_HS_STATUS && r->head_len == 0)
		return fail(r, SB_ERR_NETWORK,
			    "connection closed before a response arrived");
	if (r->state == SB_HS_STATUS || r->state == SB_HS_HEADERS)
		return fail(r, SB_ERR_NETWORK,
			    "connection closed inside the response headers");
	return fail(r, SB_ERR_NETWORK,
		    "connection closed before the end of the response body");
}

/*
 * sb_http.h - HTTP/1.1 request writer and incremental response parser.
 * Pure code: no I/O. The parser takes bytes as they arrive, in pieces of
 * any size, and keeps every part of the response within sb_limits.h.
 */
#ifndef SB_HTTP_H
#define SB_HTTP_H

#include <stddef.h>
#include <stdint.h>

#include "sb_util.h"

/* The User-Agent of every request the library sends (the proxy's CONNECT
 * included). */
#define SB_USER_AGENT "sonarbadge/" SB_VERSION

typedef struct sb_http_request {
	const char *method;	  /* "GET" or "POST" */
	const char *host;	  /* Host header value (with :port if needed) */
	const char *origin;	  /* "http://host:port" before the target
				     (absolute form, for a forward proxy),
				     or NULL */
	const char *target;	  /* path and query, already encoded */
	const char *auth;	  /* full Authorization value, or NULL */
	const char *proxy_auth;	  /* Proxy-Authorization value, or NULL */
	const char *user_agent;	  /* User-Agent value */
	const char *content_type; /* for a body, or NULL */
	const char *body;	  /* NULL: no body */
	size_t body_len;
} sb_http_request;

/* Write the request into out (NUL-terminated); *len excludes the NUL. */
sb_err sb_http_write_request(const sb_http_request *req, char *out,
			     size_t cap, size_t *len);

typedef struct sb_http_header {
	uint16_t name_off, name_len;
	uint16_t value_off, value_len;
} sb_http_header;

enum sb_http_state {
	SB_HS_STATUS,
	SB_HS_HEADERS,
	SB_HS_BODY_LENGTH,
	SB_HS_CHUNK_SIZE,
	SB_HS_CHUNK_DATA,
	SB_HS_CHUNK_DATA_END,
	SB_HS_TRAILERS,
	SB_HS_BODY_CLOSE,
	SB_HS_DONE
};

typedef struct sb_http_response {
	/* Results. */
	int status;
	int minor_version;
	int keep_alive;	     /* the connection may carry another request */
	sb_http_header headers[SB_MAX_HEADERS];
	size_t header_count;
	/* Status line and header lines; grows up to SB_MAX_HEADER_BYTES
	 * (allocated with the first byte, so an idle client holds none). */
	char *head;
	size_t head_len;
	size_t head_cap;
	sb_buf body;

	/* Parser state. */
	enum sb_http_state state;
	int head_request; /* response to HEAD: never a body */
	size_t line_start; /* where the current line begins in head */
	uint64_t remaining; /* bytes left in body or chunk */
	char chunk_line[SB_MAX_CHUNK_LINE];
	size_t chunk_line_len;
	size_t trailer_bytes;
	size_t header_total; /* header fields seen incl. trailers */
	const char *error;   /* detail of the last error */
} sb_http_response;

#define SB_HTTP_MORE 1 /* feed() result: the response is not complete */

/* Prepare to parse one response. The body grows through port. */
void sb_http_response_init(sb_http_response *r, const sb_port *port,
			   int head_request);
/* Reset for the next response on the same connection (keeps memory). */
void sb_http_response_reset(sb_http_response *r, int head_request);
void sb_http_response_free(sb_http_response *r);

/*
 * Feed received bytes. Returns SB_OK when the response is complete (with
 * *used telling how many bytes of data belong to it), SB_HTTP_MORE when
 * every byte was used and more are needed, or a negative sb_err
 * (r->error says why).
 */
int sb_http_feed(sb_http_response *r, const unsigned char *data, size_t len,
		 size_t *used);
/* The peer closed the connection: SB_OK when that ends the body. */
int sb_http_feed_eof(sb_http_response *r);

/* Value of a header (case-insensitive name), or NULL; *len its length. */
const char *sb_http_header_value(const sb_http_response *r, const char *name,
				 size_t *len);

#endif

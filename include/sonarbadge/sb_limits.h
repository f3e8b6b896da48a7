/*
 * sb_limits.h - the fixed caps that keep libsonarbadge's memory bounded.
 * Each can be lowered (or raised) at build time with -DSB_MAX_...=N.
 * Going past a cap is an SB_ERR_TOO_LARGE error, never a truncation.
 */
#ifndef SONARBADGE_SB_LIMITS_H
#define SONARBADGE_SB_LIMITS_H

/* Status line plus all header lines of one response, in bytes. */
#ifndef SB_MAX_HEADER_BYTES
#define SB_MAX_HEADER_BYTES 16384
#endif

/* Number of header fields in one response (trailers included). */
#ifndef SB_MAX_HEADERS
#define SB_MAX_HEADERS 64
#endif

/* One chunk-size line of a chunked body, extensions included. */
#ifndef SB_MAX_CHUNK_LINE
#define SB_MAX_CHUNK_LINE 1024
#endif

/* Decoded body of one response, in bytes (1 MiB). */
#ifndef SB_MAX_BODY_BYTES
#define SB_MAX_BODY_BYTES (1024u * 1024u)
#endif

/* JSON tokens (jsmn) in one response body. */
#ifndef SB_MAX_JSON_TOKENS
#define SB_MAX_JSON_TOKENS 16384
#endif

/* Nesting of JSON arrays and objects in one response body ([[1]] is 2).
 * The syntax check keeps one bit per level on the stack. */
#ifndef SB_MAX_JSON_DEPTH
#define SB_MAX_JSON_DEPTH 64
#endif

/* Request line plus headers plus body of one request, in bytes. */
#ifndef SB_MAX_REQUEST_BYTES
#define SB_MAX_REQUEST_BYTES 8192
#endif

/* A badge token as returned by the server (sqb_ + 40 hex is 44). */
#ifndef SB_MAX_TOKEN_LEN
#define SB_MAX_TOKEN_LEN 128
#endif

/* A user token (the secret that authenticates the caller). */
#ifndef SB_MAX_USER_TOKEN_LEN
#define SB_MAX_USER_TOKEN_LEN 512
#endif

/* Host name, base-URL path and project key lengths. */
#ifndef SB_MAX_HOST_LEN
#define SB_MAX_HOST_LEN 255
#endif
#ifndef SB_MAX_PATH_LEN
#define SB_MAX_PATH_LEN 1024
#endif
#ifndef SB_MAX_KEY_LEN
#define SB_MAX_KEY_LEN 400
#endif

/* A trust-store file (4 MiB): a PEM bundle (streamed, never held whole,
 * but read no further than this), a DER certificate or a file of a CA
 * folder (read whole). */
#ifndef SB_MAX_CA_FILE_BYTES
#define SB_MAX_CA_FILE_BYTES (4u * 1024u * 1024u)
#endif

/* Detailed error message kept by a client. */
#ifndef SB_MAX_MESSAGE_LEN
#define SB_MAX_MESSAGE_LEN 512
#endif

/* A badge image (SVG) read by sb_badge_fetch. */
#ifndef SB_MAX_BADGE_BYTES
#define SB_MAX_BADGE_BYTES (64u * 1024u)
#endif

/* Page size used for api/projects/search (the API's maximum). */
#ifndef SB_PROJECTS_PAGE_SIZE
#define SB_PROJECTS_PAGE_SIZE 500
#endif

/* Pages followed at most by sb_projects_list (500 x 2000 = 1,000,000). */
#ifndef SB_MAX_PROJECT_PAGES
#define SB_MAX_PROJECT_PAGES 2000
#endif

/* The measure badges a UI offers at most (12 on every version). */
#ifndef SB_MAX_OFFERED
#define SB_MAX_OFFERED 24
#endif

/* Redirects followed for one request. */
#ifndef SB_MAX_REDIRECTS
#define SB_MAX_REDIRECTS 5
#endif

/* --resolve entries, and the addresses of one entry. */
#ifndef SB_MAX_RESOLVE_ENTRIES
#define SB_MAX_RESOLVE_ENTRIES 16
#endif
#ifndef SB_MAX_RESOLVE_ADDRS
#define SB_MAX_RESOLVE_ADDRS 8
#endif

/* Public-key pins (--pinnedpubkey sha256//... entries). */
#ifndef SB_MAX_PINS
#define SB_MAX_PINS 8
#endif

#endif

/* sb_util.h - small internal helpers: growable buffers, strings, wiping. */
#ifndef SB_UTIL_H
#define SB_UTIL_H

#include <stddef.h>
#include <stdint.h>

#include "sonarbadge/sonarbadge.h"

/* A byte buffer that grows through the port's allocator up to a cap. */
typedef struct sb_buf {
	unsigned char *data;
	size_t len;
	size_t cap;
	const sb_port *port;
} sb_buf;

void sb_buf_init(sb_buf *b, const sb_port *port);
/* Make room for extra more bytes; SB_ERR_TOO_LARGE past max in total. */
sb_err sb_buf_reserve(sb_buf *b, size_t extra, size_t max);
sb_err sb_buf_append(sb_buf *b, const void *data, size_t n, size_t max);
/* Forget the contents (wiped) but keep the memory. */
void sb_buf_clear(sb_buf *b);
/* Wipe and free. */
void sb_buf_free(sb_buf *b);

/* Overwrite memory in a way the compiler may not optimise away. */
void sb_wipe(void *p, size_t n);

/* ASCII case-insensitive comparison of n bytes / of whole strings. */
int sb_ascii_ncaseeq(const char *a, const char *b, size_t n);
int sb_ascii_caseeq(const char *a, const char *b);

/* Copy src (len bytes) into dst with a NUL; SB_ERR_BUFFER_TOO_SMALL. */
sb_err sb_copy(char *dst, size_t cap, const char *src, size_t len);

/* snprintf that always terminates and never fails (truncates). */
void sb_fmt(char *dst, size_t cap, const char *fmt, ...)
#if defined(__GNUC__)
	__attribute__((format(printf, 3, 4)))
#endif
	;

/*
 * Decimal text of v in out, which holds SB_DEC_MAX bytes; returns out, for
 * a "%s". Small C libraries (newlib-nano, Debian's newlib) have no size_t,
 * long long or intmax_t length modifiers, so no format string of the
 * library, its ports or its tests uses one (`make lint` checks).
 */
#define SB_DEC_MAX 22 /* a sign, 20 digits (UINT64_MAX) and a NUL */
char *sb_dec_u64(char out[SB_DEC_MAX], uint64_t v);
char *sb_dec_i64(char out[SB_DEC_MAX], int64_t v);

/* Duplicate a string with the port's allocator (NULL on failure). */
char *sb_strdup(const sb_port *port, const char *s);
/* Wipe and free a string from sb_strdup. */
void sb_strfree(const sb_port *port, char *s);

/* Standard base64 of n bytes into out (NUL-terminated). */
sb_err sb_base64(const unsigned char *in, size_t n, char *out, size_t cap);
/* Decode base64 (standard alphabet, padding required); -1 on error. */
int sb_base64_decode(const char *in, size_t len, unsigned char *out,
		     size_t cap, size_t *out_len);
/* Value of a hex digit, or -1. */
int sb_hex_value(int c);
/* Form-decode s[0..n) ('+' is a space, %XX a byte) into out; -1 when an
 * escape is malformed, a byte decodes to a control character, or out is
 * too small. */
int sb_form_decode(const char *s, size_t n, char *out, size_t cap);

/* Copy a line for display: control characters become '?'. */
void sb_printable(const char *in, char *out, size_t cap);

/*
 * Copy a line for verbose output with secrets masked: the value of an
 * Authorization or Proxy-Authorization header, a cookie's value
 * (Set-Cookie, Cookie), the credentials of any URL (scheme://user:pass@)
 * and the values of token=, password= and similar query parameters.
 */
void sb_redact(const char *line, char *out, size_t cap);

/*
 * Copy a message or trace line with the caller's credentials masked,
 * wherever they appear (a server may echo them back): the credential of
 * the Authorization value auth ("Basic B64" or "Bearer TOKEN"; NULL for
 * none), for Basic also the decoded credentials (and the password of a
 * "user:password" pair on its own), and every token-shaped
 * word (sqb_/squ_/sqp_/sqa_ + 8 or more letters and digits, or a run of
 * 32 or more hex digits) become "[redacted]". out may not alias in.
 */
void sb_scrub(const char *auth, const char *in, char *out, size_t cap);

#endif

/*
 * sb_diag.h - a client's diagnostics: the one-line message of the last
 * failure, the trace and notice callbacks, and the secrets every line is
 * scrubbed of before anyone sees it. The connection and the exchange take
 * this, not the whole client.
 */
#ifndef SB_DIAG_H
#define SB_DIAG_H

#include "sb_util.h"

typedef struct sb_diag {
	char message[SB_MAX_MESSAGE_LEN];
	sb_trace_fn trace; /* -v lines, or NULL */
	void *trace_user;
	sb_trace_fn notice; /* lines the user sees without -v, or NULL */
	void *notice_user;
	/* Header values whose credentials never reach a line: the
	 * Authorization and Proxy-Authorization values (owned elsewhere;
	 * NULL when absent). */
	const char *auth;
	const char *proxy_auth;
} sb_diag;

#if defined(__GNUC__)
#define SB_PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#define SB_PRINTF(f, a)
#endif

/* Set the message (printf-style, secrets masked, printable) and return
 * err. */
sb_err sb_diag_fail(sb_diag *d, sb_err err, const char *fmt, ...)
	SB_PRINTF(3, 4);
/* A -v line; nothing when tracing is off. */
void sb_diag_trace(sb_diag *d, const char *fmt, ...) SB_PRINTF(2, 3);
/* A line for the user (retries, waits); nothing when there is no sink. */
void sb_diag_notice(sb_diag *d, const char *fmt, ...) SB_PRINTF(2, 3);
int sb_diag_tracing(const sb_diag *d);
/* Forget the last failure. */
void sb_diag_clear(sb_diag *d);

#endif

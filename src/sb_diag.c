/* sb_diag.c - messages, trace and notice lines, always scrubbed. */
#include "sb_diag.h"

#include <stdarg.h>
#include <stdio.h>

sb_err sb_diag_fail(sb_diag *d, sb_err err, const char *fmt, ...)
{
	va_list ap;
	char raw[SB_MAX_MESSAGE_LEN], clean[SB_MAX_MESSAGE_LEN];

	va_start(ap, fmt);
	if (vsnprintf(raw, sizeof(raw), fmt, ap) < 0)
		raw[0] = '\0';
	va_end(ap);
	/* A server or a proxy may echo the credentials or a badge token
	 * back, or put credentials in a URL (a Location). */
	sb_redact(raw, clean, sizeof(clean));
	sb_scrub(d->auth, clean, raw, sizeof(raw));
	sb_scrub(d->proxy_auth, raw, clean, sizeof(clean));
	sb_printable(clean, d->message, sizeof(d->message));
	return err;
}

/* Format a line, mask secrets in it and hand it to fn. */
SB_PRINTF(4, 0)
static void emit(const sb_diag *d, sb_trace_fn fn, void *user,
		 const char *fmt, va_list ap)
{
	char raw[1024], line[1024];

	if (vsnprintf(raw, sizeof(raw), fmt, ap) < 0)
		raw[0] = '\0';
	sb_redact(raw, line, sizeof(line));
	sb_scrub(d->auth, line, raw, sizeof(raw));
	sb_scrub(d->proxy_auth, raw, line, sizeof(line));
	fn(user, line);
}

void sb_diag_trace(sb_diag *d, const char *fmt, ...)
{
	va_list ap;

	if (!d->trace)
		return;
	va_start(ap, fmt);
	emit(d, d->trace, d->trace_user, fmt, ap);
	va_end(ap);
}

void sb_diag_notice(sb_diag *d, const char *fmt, ...)
{
	va_list ap;

	if (!d->notice)
		return;
	va_start(ap, fmt);
	emit(d, d->notice, d->notice_user, fmt, ap);
	va_end(ap);
}

int sb_diag_tracing(const sb_diag *d)
{
	return d->trace != NULL;
}

void sb_diag_clear(sb_diag *d)
{
	d->message[0] = '\0';
}

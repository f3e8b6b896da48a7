/* sb_diag.c - messages, trace and notice lines, always scrubbed. */
#include "sb_diag.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/*
 * Mask secrets in raw (cap bytes, cut is set when raw was cut short)
 * into out. Every stage copies into a buffer of the same size, so a line
 * may be cut short anywhere, also in the middle of a secret, which no
 * filter recognises by its first half: a line that was, or may have been,
 * cut ends at its last blank instead (credentials and tokens hold none),
 * followed by "...".
 */
static void mask(const sb_diag *d, char *raw, int cut, char *out, size_t cap)
{
	const char *blank;
	size_t at;

	sb_redact(raw, out, cap);
	cut |= strlen(out) + 1 == cap;
	sb_scrub(d->auth, out, raw, cap);
	cut |= strlen(raw) + 1 == cap;
	sb_scrub(d->proxy_auth, raw, out, cap);
	cut |= strlen(out) + 1 == cap;
	if (!cut || cap < 5)
		return;
	blank = strrchr(out, ' ');
	at = blank ? (size_t)(blank - out) : 0;
	if (at > cap - 5)
		at = cap - 5;
	memcpy(out + at, " ...", 5);
}

sb_err sb_diag_fail(sb_diag *d, sb_err err, const char *fmt, ...)
{
	va_list ap;
	char raw[SB_MAX_MESSAGE_LEN], clean[SB_MAX_MESSAGE_LEN];
	int n;

	va_start(ap, fmt);
	n = vsnprintf(raw, sizeof(raw), fmt, ap);
	if (n < 0)
		raw[0] = '\0';
	va_end(ap);
	/* A server or a proxy may echo the credentials or a badge token
	 * back, or put credentials in a URL (a Location). */
	mask(d, raw, n >= (int)sizeof(raw), clean, sizeof(clean));
	sb_printable(clean, d->message, sizeof(d->message));
	return err;
}

/* Format a line, mask secrets in it and hand it to fn. */
SB_PRINTF(4, 0)
static void emit(const sb_diag *d, sb_trace_fn fn, void *user,
		 const char *fmt, va_list ap)
{
	char raw[1024], line[1024];
	int n = vsnprintf(raw, sizeof(raw), fmt, ap);

	if (n < 0)
		raw[0] = '\0';
	mask(d, raw, n >= (int)sizeof(raw), line, sizeof(line));
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

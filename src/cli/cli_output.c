/*
 * cli_output.c - everything the command writes: errors, warnings and
 * informational lines on stderr (one printable line each), and standard
 * output, whose write errors (a closed pipe, a full disk) are remembered
 * instead of killing the process: SIGPIPE is ignored (main.c).
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "sb_util.h"

static int quiet;
static int out_failed;

void cli_set_quiet(int q)
{
	quiet = q;
}

/* One line on stderr: a file name or an argument echoed in the message
 * cannot break it (control characters become '?'). */
#if defined(__GNUC__)
__attribute__((format(printf, 2, 0)))
#endif
static void say(const char *prefix, const char *fmt, va_list ap)
{
	char raw[2048], line[2048];

	if (vsnprintf(raw, sizeof(raw), fmt, ap) < 0)
		raw[0] = '\0';
	sb_printable(raw, line, sizeof(line));
	fprintf(stderr, "%s%s\n", prefix, line);
}

void cli_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	say("sonarbadge: ", fmt, ap);
	va_end(ap);
}

void cli_warn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	say("sonarbadge: warning: ", fmt, ap);
	va_end(ap);
}

void cli_info(const char *fmt, ...)
{
	va_list ap;

	if (quiet)
		return;
	va_start(ap, fmt);
	say("sonarbadge: ", fmt, ap);
	va_end(ap);
}

void cli_out(const char *fmt, ...)
{
	va_list ap;
	int rc;

	if (out_failed)
		return;
	va_start(ap, fmt);
	rc = vprintf(fmt, ap);
	va_end(ap);
	if (rc < 0 || (strchr(fmt, '\n') && fflush(stdout) != 0) ||
	    ferror(stdout))
		out_failed = 1;
}

void cli_out_bytes(const void *data, size_t len)
{
	if (out_failed)
		return;
	if (fwrite(data, 1, len, stdout) != len || fflush(stdout) != 0)
		out_failed = 1;
}

/* Length of the valid UTF-8 sequence at s, or 0 (RFC 3629: no overlong
 * forms, no surrogates, nothing above U+10FFFF). */
static size_t utf8_seq(const unsigned char *s)
{
	unsigned char c = s[0];
	size_t n, i;
	unsigned long cp;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf) {
		n = 2;
		cp = c & 0x1f;
	} else if (c >= 0xe0 && c <= 0xef) {
		n = 3;
		cp = c & 0x0f;
	} else if (c >= 0xf0 && c <= 0xf4) {
		n = 4;
		cp = c & 0x07;
	} else {
		return 0;
	}
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) ||
	    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
		return 0;
	return n;
}

void cli_out_json_string(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	cli_out("\"");
	while (*p) {
		size_t n = utf8_seq(p);

		if (n == 0) {
			cli_out("\\ufffd"); /* not UTF-8: never emitted raw */
			p++;
		} else if (*p == '"' || *p == '\\') {
			cli_out("\\%c", *p);
			p++;
		} else if (*p < 0x20 || *p == 0x7f) {
			cli_out("\\u%04x", *p);
			p++;
		} else {
			cli_out_bytes(p, n);
			p += n;
		}
	}
	cli_out("\"");
}

int cli_out_failed(void)
{
	if (!out_failed && (fflush(stdout) != 0 || ferror(stdout)))
		out_failed = 1;
	return out_failed;
}

int cli_exit_code(sb_err err)
{
	switch (err) {
	case SB_OK:
		return EXIT_OK;
	case SB_ERR_INVALID_ARG:
	case SB_ERR_CONFIG:
	case SB_ERR_BUFFER_TOO_SMALL:
		return EXIT_USAGE;
	case SB_ERR_DNS:
	case SB_ERR_CONNECT:
	case SB_ERR_PROXY:
	case SB_ERR_NETWORK:
	case SB_ERR_TIMEOUT:
		return EXIT_NETWORK;
	case SB_ERR_TLS:
	case SB_ERR_TLS_VERIFY:
		return EXIT_TLS;
	case SB_ERR_UNAUTHORIZED:
	case SB_ERR_FORBIDDEN:
		return EXIT_AUTH;
	case SB_ERR_NOT_FOUND:
		return EXIT_NOT_FOUND;
	default:
		return EXIT_SERVER;
	}
}

int cli_fail(sb_client *c, sb_err err)
{
	const char *m = c ? sb_client_message(c) : NULL;

	cli_error("%s", m && *m ? m : sb_strerror(err));
	return cli_exit_code(err);
}

/* sb_util.c - small internal helpers shared by the library's modules. */
#include "sb_util.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void sb_buf_init(sb_buf *b, const sb_port *port)
{
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
	b->port = port;
}

sb_err sb_buf_reserve(sb_buf *b, size_t extra, size_t max)
{
	size_t need, ncap;
	unsigned char *ndata;

	if (extra > max || b->len > max - extra)
		return SB_ERR_TOO_LARGE;
	need = b->len + extra;
	if (need + 1 <= b->cap)
		return SB_OK;
	ncap = b->cap ? b->cap : 256;
	while (ncap < need + 1)
		ncap = ncap > (max + 1) / 2 ? max + 1 : ncap * 2;
	ndata = b->port->alloc(b->port->ctx, ncap);
	if (!ndata)
		return SB_ERR_NOMEM;
	if (b->data) {
		memcpy(ndata, b->data, b->len);
		sb_wipe(b->data, b->cap);
		b->port->free(b->port->ctx, b->data);
	}
	b->data = ndata;
	b->cap = ncap;
	return SB_OK;
}

sb_err sb_buf_append(sb_buf *b, const void *data, size_t n, size_t max)
{
	sb_err err = sb_buf_reserve(b, n, max);

	if (err != SB_OK)
		return err;
	if (n)
		memcpy(b->data + b->len, data, n);
	b->len += n;
	b->data[b->len] = '\0'; /* always room: reserve keeps one spare */
	return SB_OK;
}

/*
 * Only the bytes in use and the NUL after them are wiped: nothing else
 * is ever written (sb_buf_append is the only writer and moves len past
 * what it wrote), and the rest was wiped by the clear before or came
 * zeroed from the port. Wiping the whole capacity cost a large buffer's
 * size on every answer (a 64 KiB body buffer kept after a projects page
 * made each later token read wipe 64 KiB).
 */
void sb_buf_clear(sb_buf *b)
{
	if (b->data)
		sb_wipe(b->data, b->len < b->cap ? b->len + 1 : b->cap);
	b->len = 0;
}

void sb_buf_free(sb_buf *b)
{
	if (b->data) {
		sb_wipe(b->data, b->cap);
		b->port->free(b->port->ctx, b->data);
	}
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
}

void sb_wipe(void *p, size_t n)
{
	volatile unsigned char *v = p;

	while (n--)
		*v++ = 0;
}

static int lower(int c)
{
	return (c >= 'A' && c <= 'Z') ? c + ('a' - 'A') : c;
}

int sb_ascii_ncaseeq(const char *a, const char *b, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (lower((unsigned char)a[i]) != lower((unsigned char)b[i]))
			return 0;
	return 1;
}

int sb_ascii_caseeq(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);

	return la == lb && sb_ascii_ncaseeq(a, b, la);
}

/* Digits of v at out, NUL-terminated (at most 21 bytes). */
static void put_dec(char *out, uint64_t v)
{
	char tmp[20];
	size_t n = 0, i;

	do {
		tmp[n++] = (char)('0' + (int)(v % 10u));
		v /= 10u;
	} while (v);
	for (i = 0; i < n; i++)
		out[i] = tmp[n - 1 - i];
	out[n] = '\0';
}

char *sb_dec_u64(char out[SB_DEC_MAX], uint64_t v)
{
	put_dec(out, v);
	return out;
}

char *sb_dec_i64(char out[SB_DEC_MAX], int64_t v)
{
	if (v >= 0) {
		put_dec(out, (uint64_t)v);
	} else {
		out[0] = '-';
		/* -(v + 1) + 1 stays in range for INT64_MIN. */
		put_dec(out + 1, (uint64_t)(-(v + 1)) + 1u);
	}
	return out;
}

sb_err sb_copy(char *dst, size_t cap, const char *src, size_t len)
{
	if (!dst || cap == 0 || len >= cap)
		return SB_ERR_BUFFER_TOO_SMALL;
	memcpy(dst, src, len);
	dst[len] = '\0';
	return SB_OK;
}

void sb_fmt(char *dst, size_t cap, const char *fmt, ...)
{
	va_list ap;

	if (!dst || cap == 0)
		return;
	va_start(ap, fmt);
	if (vsnprintf(dst, cap, fmt, ap) < 0)
		dst[0] = '\0';
	va_end(ap);
}

char *sb_strdup(const sb_port *port, const char *s)
{
	size_t n = strlen(s) + 1;
	char *d = port->alloc(port->ctx, n);

	if (d)
		memcpy(d, s, n);
	return d;
}

void sb_strfree(const sb_port *port, char *s)
{
	if (s) {
		sb_wipe(s, strlen(s));
		port->free(port->ctx, s);
	}
}

sb_err sb_base64(const unsigned char *in, size_t n, char *out, size_t cap)
{
	static const char tab[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
		"0123456789+/";
	size_t i, pos = 0;

	if (cap == 0 || (n + 2) / 3 * 4 >= cap)
		return SB_ERR_BUFFER_TOO_SMALL;
	for (i = 0; i + 2 < n; i += 3) {
		unsigned v = (unsigned)in[i] << 16 | (unsigned)in[i + 1] << 8 |
			     in[i + 2];

		out[pos++] = tab[v >> 18];
		out[pos++] = tab[(v >> 12) & 63];
		out[pos++] = tab[(v >> 6) & 63];
		out[pos++] = tab[v & 63];
	}
	if (i < n) {
		unsigned v = (unsigned)in[i] << 16;

		if (i + 1 < n)
			v |= (unsigned)in[i + 1] << 8;
		out[pos++] = tab[v >> 18];
		out[pos++] = tab[(v >> 12) & 63];
		out[pos++] = i + 1 < n ? tab[(v >> 6) & 63] : '=';
		out[pos++] = '=';
	}
	out[pos] = '\0';
	return SB_OK;
}

void sb_printable(const char *in, char *out, size_t cap)
{
	size_t i;

	if (cap == 0)
		return;
	for (i = 0; in[i] && i + 1 < cap; i++) {
		unsigned char c = (unsigned char)in[i];

		out[i] = (c < 0x20 || c == 0x7f) ? '?' : (char)c;
	}
	out[i] = '\0';
}

static const char REDACTED[] = "[redacted]";

/* Query parameters whose values are secrets, wherever they appear. */
static const char *const secret_params[] = {
	"token=",  "access_token=", "password=", "passwd=", "pwd=",
	"secret=", "api_key=",	    "apikey=",	 NULL,
};

/* Length of a secret parameter's name at s (after a boundary), or 0. */
static size_t secret_param(const char *s)
{
	size_t k, n;

	for (k = 0; secret_params[k]; k++) {
		n = strlen(secret_params[k]);
		if (sb_ascii_ncaseeq(s, secret_params[k], n))
			return n;
	}
	return 0;
}

/* At line[i] "://user:pass@": the length of "user:pass", else 0. */
static size_t url_userinfo(const char *line, size_t i)
{
	size_t k;

	if (strncmp(line + i, "://", 3) != 0)
		return 0;
	for (k = i + 3; line[k] && !strchr("/?# \"'<>", line[k]); k++)
		if (line[k] == '@')
			/* A proxy's display is masked already. */
			return k - (i + 3) == 7 &&
					       strncmp(line + i + 3, "***:***", 7) == 0
				       ? 0
				       : k - (i + 3);
	return 0;
}

void sb_redact(const char *line, char *out, size_t cap)
{
	size_t i = 0, pos = 0, rn = strlen(REDACTED);
	const char *h = line;

	if (cap == 0)
		return;
	/* Trace lines start with "> " (sent) or "< " (received). */
	if ((h[0] == '>' || h[0] == '<') && h[1] == ' ')
		h += 2;
	if (sb_ascii_ncaseeq(h, "Authorization:", 14) ||
	    sb_ascii_ncaseeq(h, "Proxy-Authorization:", 20)) {
		const char *v = strchr(h, ':') + 1;
		size_t scheme;

		while (*v == ' ')
			v++;
		scheme = strcspn(v, " \t");
		if (v[scheme] == '\0')
			scheme = 0; /* no scheme word: the value is all secret */
		sb_fmt(out, cap, "%.*s %.*s %s", (int)(v - line - 1), line,
		       (int)scheme, v, REDACTED);
		sb_printable(out, out, cap); /* a tab or CR in the scheme */
		return;
	}
	/* A session cookie is a credential: keep its name, mask its value
	 * (the attributes after ';' are not secret). */
	if (sb_ascii_ncaseeq(h, "Set-Cookie:", 11) ||
	    sb_ascii_ncaseeq(h, "Cookie:", 7)) {
		const char *v = strchr(h, ':') + 1, *eq = strchr(v, '=');
		const char *semi = eq ? strchr(eq, ';') : NULL;

		if (!eq)
			sb_fmt(out, cap, "%.*s %s", (int)(v - line), line,
			       REDACTED);
		else
			sb_fmt(out, cap, "%.*s%s%s", (int)(eq + 1 - line), line,
			       REDACTED, semi ? semi : "");
		sb_printable(out, out, cap);
		return;
	}
	while (line[i] && pos + 1 < cap) {
		int boundary = i == 0 || strchr("?&; ", line[i - 1]);
		size_t name = boundary ? secret_param(line + i) : 0;
		size_t user = url_userinfo(line, i);

		if (name || user) {
			size_t keep = name ? name : 3;

			if (pos + keep + rn >= cap)
				break;
			memcpy(out + pos, line + i, keep);
			memcpy(out + pos + keep, REDACTED, rn);
			pos += keep + rn;
			i += keep + user;
			while (name && line[i] && !strchr("& #\"'<>", line[i]))
				i++;
			continue;
		}
		out[pos++] = line[i++];
	}
	out[pos] = '\0';
	sb_printable(out, out, cap);
}

int sb_base64_decode(const char *in, size_t len, unsigned char *out,
		     size_t cap, size_t *out_len)
{
	size_t i, o = 0;
	unsigned acc = 0;
	int bits = 0, pad = 0;

	if (len % 4 != 0)
		return -1;
	for (i = 0; i < len; i++) {
		char c = in[i];
		int v;

		if (c >= 'A' && c <= 'Z')
			v = c - 'A';
		else if (c >= 'a' && c <= 'z')
			v = c - 'a' + 26;
		else if (c >= '0' && c <= '9')
			v = c - '0' + 52;
		else if (c == '+')
			v = 62;
		else if (c == '/')
			v = 63;
		else if (c == '=' && i >= len - 2) {
			pad++;
			continue;
		} else
			return -1;
		if (pad)
			return -1; /* data after padding */
		acc = (acc << 6) | (unsigned)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			if (o >= cap)
				return -1;
			out[o++] = (unsigned char)(acc >> bits);
		}
	}
	*out_len = o;
	return 0;
}

int sb_hex_value(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int sb_form_decode(const char *s, size_t n, char *out, size_t cap)
{
	size_t i, o = 0;

	for (i = 0; i < n; i++) {
		char c = s[i];

		if (c == '+') {
			c = ' ';
		} else if (c == '%') {
			int h, l;

			if (i + 2 >= n)
				return -1;
			h = sb_hex_value((unsigned char)s[i + 1]);
			l = sb_hex_value((unsigned char)s[i + 2]);
			if (h < 0 || l < 0)
				return -1;
			c = (char)(h * 16 + l);
			i += 2;
		}
		if ((unsigned char)c < 0x20 || c == 0x7f || o + 1 >= cap)
			return -1;
		out[o++] = c;
	}
	out[o] = '\0';
	return 0;
}

static int is_alnum_ch(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9');
}

static int is_hex_ch(int c)
{
	return (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F') ||
	       (c >= '0' && c <= '9');
}

/* Length of a token-shaped word at s (0 when there is none). */
static size_t token_word(const char *s, int at_boundary)
{
	size_t n = 0;

	if (!at_boundary)
		return 0;
	if (s[0] == 's' && s[1] == 'q' && strchr("bupa", s[2]) && s[2] &&
	    s[3] == '_') {
		while (is_alnum_ch((unsigned char)s[4 + n]))
			n++;
		return n >= 8 ? 4 + n : 0;
	}
	while (is_hex_ch((unsigned char)s[n]))
		n++;
	return n >= 32 && !is_alnum_ch((unsigned char)s[n]) ? n : 0;
}

void sb_scrub(const char *auth, const char *in, char *out, size_t cap)
{
	const char *cred = NULL, *pw = NULL;
	size_t cred_len = 0, user_len = 0, pw_len = 0, i = 0, pos = 0;
	char user[SB_MAX_USER_TOKEN_LEN + 2];

	if (cap == 0)
		return;
	if (auth) {
		cred = strchr(auth, ' ');
		cred = cred ? cred + 1 : auth;
		cred_len = strlen(cred);
		if (sb_ascii_ncaseeq(auth, "Basic ", 6)) {
			if (sb_base64_decode(cred, cred_len,
					     (unsigned char *)user,
					     sizeof(user) - 1, &user_len) != 0)
				user_len = 0;
			while (user_len > 0 && user[user_len - 1] == ':')
				user_len--; /* the empty password */
			/* "user:password" (a proxy's): the password alone too. */
			pw = memchr(user, ':', user_len);
			if (pw) {
				pw++;
				pw_len = user_len - (size_t)(pw - user);
			}
		}
	}
	while (in[i] && pos + 1 < cap) {
		size_t skip = 0;
		int boundary = i == 0 || !is_alnum_ch((unsigned char)in[i - 1]);

		if (cred_len >= 4 && strncmp(in + i, cred, cred_len) == 0)
			skip = cred_len;
		else if (user_len >= 4 && strncmp(in + i, user, user_len) == 0)
			skip = user_len;
		else if (pw_len >= 4 && strncmp(in + i, pw, pw_len) == 0)
			skip = pw_len;
		else
			skip = token_word(in + i, boundary);
		if (skip) {
			size_t n = strlen(REDACTED);

			if (n > cap - 1 - pos)
				n = cap - 1 - pos;
			memcpy(out + pos, REDACTED, n);
			pos += n;
			i += skip;
			continue;
		}
		out[pos++] = in[i++];
	}
	out[pos] = '\0';
	sb_wipe(user, sizeof(user));
}

/*
 * sb_json.c - top-level member lookups over jsmn, with full unescaping
 * (\uXXXX and surrogate pairs) and UTF-8 validation of the result.
 */
#include "sb_json.h"

#include <string.h>

#define JSMN_STATIC
#define JSMN_STRICT
#include <jsmn.h>

typedef struct doc {
	const char *js;
	jsmntok_t *tok;
	int count;
} doc;

static int hex4(const char *s, unsigned *out)
{
	unsigned v = 0;
	int i;

	for (i = 0; i < 4; i++) {
		char c = s[i];

		v <<= 4;
		if (c >= '0' && c <= '9')
			v |= (unsigned)(c - '0');
		else if (c >= 'a' && c <= 'f')
			v |= (unsigned)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			v |= (unsigned)(c - 'A' + 10);
		else
			return -1;
	}
	*out = v;
	return 0;
}

static int put_utf8(char *out, size_t cap, size_t *pos, unsigned cp)
{
	unsigned char b[4];
	size_t n, i;

	if (cp < 0x80) {
		b[0] = (unsigned char)cp;
		n = 1;
	} else if (cp < 0x800) {
		b[0] = (unsigned char)(0xc0 | (cp >> 6));
		b[1] = (unsigned char)(0x80 | (cp & 0x3f));
		n = 2;
	} else if (cp < 0x10000) {
		b[0] = (unsigned char)(0xe0 | (cp >> 12));
		b[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3f));
		b[2] = (unsigned char)(0x80 | (cp & 0x3f));
		n = 3;
	} else {
		b[0] = (unsigned char)(0xf0 | (cp >> 18));
		b[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3f));
		b[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3f));
		b[3] = (unsigned char)(0x80 | (cp & 0x3f));
		n = 4;
	}
	if (n >= cap - *pos)
		return -1;
	for (i = 0; i < n; i++)
		out[(*pos)++] = (char)b[i];
	return 0;
}

/* Length of the valid UTF-8 sequence at s, or 0 when it is invalid. */
static size_t utf8_seq(const unsigned char *s, size_t len)
{
	unsigned cp;
	size_t n, i;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		n = 2;
		cp = s[0] & 0x1fu;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		n = 3;
		cp = s[0] & 0x0fu;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		n = 4;
		cp = s[0] & 0x07u;
	} else {
		return 0;
	}
	if (n > len)
		return 0;
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3fu);
	}
	if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) ||
	    cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return n;
}

sb_err sb_json_unescape(const char *s, size_t len, char *out, size_t cap,
			size_t *out_len)
{
	size_t i = 0, pos = 0;

	if (!out || cap == 0)
		return SB_ERR_BUFFER_TOO_SMALL;
	while (i < len) {
		unsigned char c = (unsigned char)s[i];

		if (c < 0x20)
			return SB_ERR_JSON; /* raw control character */
		if (c != '\\') {
			size_t n = utf8_seq((const unsigned char *)s + i,
					    len - i);

			if (n == 0)
				return SB_ERR_JSON; /* invalid UTF-8 */
			if (n >= cap - pos)
				return SB_ERR_BUFFER_TOO_SMALL;
			memcpy(out + pos, s + i, n);
			pos += n;
			i += n;
			continue;
		}
		if (++i >= len)
			return SB_ERR_JSON;
		c = (unsigned char)s[i++];
		if (c == 'u') {
			unsigned cp, lo;

			if (len - i < 4 || hex4(s + i, &cp) != 0)
				return SB_ERR_JSON;
			i += 4;
			if (cp >= 0xdc00 && cp <= 0xdfff)
				return SB_ERR_JSON; /* lone low surrogate */
			if (cp >= 0xd800 && cp <= 0xdbff) {
				if (len - i < 6 || s[i] != '\\' ||
				    s[i + 1] != 'u' ||
				    hex4(s + i + 2, &lo) != 0 || lo < 0xdc00 ||
				    lo > 0xdfff)
					return SB_ERR_JSON;
				i += 6;
				cp = 0x10000 + ((cp - 0xd800) << 10) +
				     (lo - 0xdc00);
			}
			if (cp == 0)
				return SB_ERR_JSON; /* no NUL in C strings */
			if (put_utf8(out, cap, &pos, cp) != 0)
				return SB_ERR_BUFFER_TOO_SMALL;
			continue;
		}
		switch (c) {
		case '"': c = '"'; break;
		case '\\': c = '\\'; break;
		case '/': c = '/'; break;
		case 'b': c = '\b'; break;
		case 'f': c = '\f'; break;
		case 'n': c = '\n'; break;
		case 'r': c = '\r'; break;
		case 't': c = '\t'; break;
		default: return SB_ERR_JSON;
		}
		if (1 >= cap - pos)
			return SB_ERR_BUFFER_TOO_SMALL;
		out[pos++] = (char)c;
	}
	out[pos] = '\0';
	if (out_len)
		*out_len = pos;
	return SB_OK;
}

/* ---------------------------------------------------------------------
 * Strict syntax check. jsmn, even with JSMN_STRICT, does not check
 * every comma and colon ({"a" "b"} passes), so each document is checked
 * against RFC 8259 first. Nesting is capped at MAX_DEPTH.
 * ------------------------------------------------------------------- */

#define MAX_DEPTH 64

enum { EXPECT_VALUE, EXPECT_KEY, AFTER_VALUE };

static size_t skip_ws(const char *js, size_t len, size_t i)
{
	while (i < len && (js[i] == ' ' || js[i] == '\t' || js[i] == '\n' ||
			   js[i] == '\r'))
		i++;
	return i;
}

/* A string starting at the quote at i; returns the index past it, or 0. */
static size_t scan_string(const char *js, size_t len, size_t i)
{
	unsigned cp;

	for (i++; i < len; i++) {
		unsigned char c = (unsigned char)js[i];

		if (c == '"')
			return i + 1;
		if (c < 0x20)
			return 0;
		if (c != '\\')
			continue;
		if (++i >= len)
			return 0;
		if (js[i] == 'u') {
			if (len - i < 5 || hex4(js + i + 1, &cp) != 0)
				return 0;
			i += 4;
		} else if (!strchr("\"\\/bfnrt", js[i]) || js[i] == '\0') {
			return 0;
		}
	}
	return 0;
}

static int is_dig(char c)
{
	return c >= '0' && c <= '9';
}

/* A number starting at i; returns the index past it, or 0. */
static size_t scan_number(const char *js, size_t len, size_t i)
{
	size_t start;

	if (i < len && js[i] == '-')
		i++;
	if (i >= len || !is_dig(js[i]))
		return 0;
	if (js[i] == '0')
		i++;
	else
		while (i < len && is_dig(js[i]))
			i++;
	if (i < len && js[i] == '.') {
		start = ++i;
		while (i < len && is_dig(js[i]))
			i++;
		if (i == start)
			return 0;
	}
	if (i < len && (js[i] == 'e' || js[i] == 'E')) {
		i++;
		if (i < len && (js[i] == '+' || js[i] == '-'))
			i++;
		start = i;
		while (i < len && is_dig(js[i]))
			i++;
		if (i == start)
			return 0;
	}
	return i;
}

static size_t scan_literal(const char *js, size_t len, size_t i)
{
	static const char *const lits[] = {"true", "false", "null"};
	size_t k, n;

	for (k = 0; k < 3; k++) {
		n = strlen(lits[k]);
		if (len - i >= n && memcmp(js + i, lits[k], n) == 0)
			return i + n;
	}
	return 0;
}

static int json_syntax_ok(const char *js, size_t len)
{
	char stack[MAX_DEPTH];
	int depth = 0, state = EXPECT_VALUE;
	size_t i = skip_ws(js, len, 0), next;

	for (;;) {
		if (state == AFTER_VALUE) {
			i = skip_ws(js, len, i);
			if (depth == 0)
				return skip_ws(js, len, i) == len;
			if (i >= len)
				return 0;
			if (js[i] == ',') {
				i = skip_ws(js, len, i + 1);
				state = stack[depth - 1] == '{' ? EXPECT_KEY
								: EXPECT_VALUE;
			} else if ((js[i] == '}' && stack[depth - 1] == '{') ||
				   (js[i] == ']' && stack[depth - 1] == '[')) {
				depth--;
				i++;
			} else {
				return 0;
			}
			continue;
		}
		if (i >= len)
			return 0;
		if (state == EXPECT_KEY) {
			if (js[i] != '"')
				return 0;
			next = scan_string(js, len, i);
			if (!next)
				return 0;
			i = skip_ws(js, len, next);
			if (i >= len || js[i] != ':')
				return 0;
			i = skip_ws(js, len, i + 1);
			state = EXPECT_VALUE;
			continue;
		}
		/* EXPECT_VALUE */
		if (js[i] == '{' || js[i] == '[') {
			if (depth == MAX_DEPTH)
				return 0;
			stack[depth++] = js[i];
			i = skip_ws(js, len, i + 1);
			if (i < len && js[i] == (stack[depth - 1] == '{' ? '}' : ']')) {
				depth--;
				i++;
				state = AFTER_VALUE;
			} else {
				state = stack[depth - 1] == '{' ? EXPECT_KEY
								: EXPECT_VALUE;
			}
			continue;
		}
		if (js[i] == '"')
			next = scan_string(js, len, i);
		else if (js[i] == '-' || is_dig(js[i]))
			next = scan_number(js, len, i);
		else
			next = scan_literal(js, len, i);
		if (!next)
			return 0;
		i = next;
		state = AFTER_VALUE;
	}
}

/* Index just past the token at i and everything nested in it. */
static int skip(const doc *d, int i)
{
	int end = i + 1, pending = d->tok[i].size;

	while (pending > 0 && end < d->count) {
		pending += d->tok[end].size - 1;
		end++;
	}
	return end;
}

/*
 * Value index of member key in the object at obj: -1 missing, -2 when
 * the key appears twice or a key cannot be decoded.
 */
static int find_member(const doc *d, int obj, const char *key)
{
	int i = obj + 1, k, found = -1;
	char name[64];
	size_t n;

	if (d->tok[obj].type != JSMN_OBJECT)
		return -1;
	for (k = 0; k < d->tok[obj].size && i + 1 < d->count; k++) {
		const jsmntok_t *t = &d->tok[i];
		sb_err err = sb_json_unescape(d->js + t->start,
					      (size_t)(t->end - t->start), name,
					      sizeof(name), &n);

		if (err == SB_ERR_JSON)
			return -2;
		if (err == SB_OK && strcmp(name, key) == 0) {
			if (found >= 0)
				return -2;
			found = i + 1;
		}
		i = skip(d, i + 1);
	}
	return found;
}

static sb_err parse(const sb_port *port, const char *js, size_t len, doc *d)
{
	jsmn_parser p;
	int n;
	size_t rest;

	d->js = js;
	d->tok = NULL;
	d->count = 0;
	if (!js || !json_syntax_ok(js, len))
		return SB_ERR_JSON;
	jsmn_init(&p);
	n = jsmn_parse(&p, js, len, NULL, 0);
	if (n < 1)
		return SB_ERR_JSON;
	if (n > SB_MAX_JSON_TOKENS)
		return SB_ERR_TOO_LARGE;
	d->tok = port->alloc(port->ctx, sizeof(jsmntok_t) * (size_t)n);
	if (!d->tok)
		return SB_ERR_NOMEM;
	jsmn_init(&p);
	d->count = jsmn_parse(&p, js, len, d->tok, (unsigned)n);
	if (d->count != n || d->tok[0].type != JSMN_OBJECT)
		return SB_ERR_JSON;
	/* One document only: nothing but white space after it. */
	for (rest = (size_t)d->tok[0].end; rest < len; rest++)
		if (js[rest] == '\0' || !strchr(" \t\r\n", js[rest]))
			return SB_ERR_JSON; /* strchr finds the NUL too */
	if (skip(d, 0) != d->count)
		return SB_ERR_JSON;
	return SB_OK;
}

static void release(const sb_port *port, doc *d)
{
	if (d->tok)
		port->free(port->ctx, d->tok);
	d->tok = NULL;
}

static sb_err string_at(const doc *d, int i, char *out, size_t cap)
{
	const jsmntok_t *t = &d->tok[i];

	if (t->type != JSMN_STRING)
		return SB_ERR_JSON;
	return sb_json_unescape(d->js + t->start, (size_t)(t->end - t->start),
				out, cap, NULL);
}

sb_err sb_json_get_string(const sb_port *port, const char *js, size_t len,
			  const char *key, char *out, size_t cap, int *missing)
{
	doc d;
	sb_err err;
	int v;

	if (missing)
		*missing = 0;
	if (!port || !key || !out || cap == 0)
		return SB_ERR_INVALID_ARG;
	out[0] = '\0';
	err = parse(port, js, len, &d);
	if (err == SB_OK) {
		v = find_member(&d, 0, key);
		if (v == -1 && missing)
			*missing = 1;
		err = v < 0 ? SB_ERR_JSON : string_at(&d, v, out, cap);
	}
	release(port, &d);
	if (err != SB_OK)
		sb_wipe(out, cap);
	return err;
}

sb_err sb_json_error_message(const sb_port *port, const char *js, size_t len,
			     char *out, size_t cap)
{
	doc d;
	sb_err err;
	int arr, i, k;
	size_t pos = 0;

	if (!port || !out || cap == 0)
		return SB_ERR_INVALID_ARG;
	out[0] = '\0';
	err = parse(port, js, len, &d);
	if (err != SB_OK)
		goto done;
	arr = find_member(&d, 0, "errors");
	if (arr < 0 || d.tok[arr].type != JSMN_ARRAY || d.tok[arr].size < 1) {
		err = SB_ERR_JSON;
		goto done;
	}
	i = arr + 1;
	for (k = 0; k < d.tok[arr].size && i < d.count; k++) {
		int m = find_member(&d, i, "msg");
		char msg[256];

		if (m >= 0 && string_at(&d, m, msg, sizeof(msg)) == SB_OK) {
			size_t n = strlen(msg);

			if (pos && pos + 2 < cap) {
				memcpy(out + pos, "; ", 2);
				pos += 2;
			}
			if (n > cap - pos - 1)
				n = cap - pos - 1; /* a message, not data */
			memcpy(out + pos, msg, n);
			pos += n;
			out[pos] = '\0';
		}
		i = skip(&d, i);
	}
	err = pos ? SB_OK : SB_ERR_JSON;
done:
	release(port, &d);
	return err;
}

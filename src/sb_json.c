/*
 * sb_json.c - the one JSON reader: a strict RFC 8259 check, jsmn tokens,
 * iteration over them without recursion, full unescaping (\uXXXX and
 * surrogate pairs) with UTF-8 validation, and the lookups the badge API
 * needs. The only file that includes jsmn.
 */
#include "sb_json.h"

#include <limits.h>
#include <string.h>

/*
 * JSMN_PARENT_LINKS: without it jsmn finds the enclosing container of
 * every comma and closing bracket by scanning back over all the tokens
 * before it, which makes a wide object quadratic (16,000 tokens: tens of
 * milliseconds); with it, one step per nesting level.
 */
#define JSMN_STATIC
#define JSMN_STRICT
#define JSMN_PARENT_LINKS
#include <jsmn.h>

#if SB_MAX_JSON_DEPTH < 1
#error "SB_MAX_JSON_DEPTH must be at least 1"
#endif
/* Token indexes are ints, and sizes multiples of the token count. */
#if SB_MAX_JSON_TOKENS < 1 || SB_MAX_JSON_TOKENS > 16777216
#error "SB_MAX_JSON_TOKENS must be between 1 and 2^24"
#endif

/* One allocation: the tokens, then end[i], the index just past token
 * i and everything nested in it. */
struct sb_json_store {
	int *end;
	jsmntok_t tok[];
};

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
 * Strict check. jsmn, even with JSMN_STRICT, does not check every comma
 * and colon ({"a" "b"} passes), nor UTF-8, so each document is checked
 * against RFC 8259 first, in one pass without recursion: one bit per
 * open array or object (set for an object) up to SB_MAX_JSON_DEPTH. The
 * pass also counts the tokens jsmn will make (every value and every
 * member name), so jsmn runs once, into an array of the exact size.
 * ------------------------------------------------------------------- */

enum { EXPECT_VALUE, EXPECT_KEY, AFTER_VALUE };

typedef struct shape {
	size_t tokens;
	size_t root_start, root_end; /* the top-level value */
} shape;

static size_t skip_ws(const char *js, size_t len, size_t i)
{
	while (i < len && (js[i] == ' ' || js[i] == '\t' || js[i] == '\n' ||
			   js[i] == '\r'))
		i++;
	return i;
}

/*
 * A string starting at the quote at i: valid escapes, UTF-8, no control
 * characters. Returns the index past the closing quote, or 0.
 */
static size_t scan_string(const char *js, size_t len, size_t i)
{
	unsigned cp;

	for (i++; i < len;) {
		unsigned char c = (unsigned char)js[i];

		if (c == '"')
			return i + 1;
		if (c < 0x20)
			return 0;
		if (c >= 0x80) {
			size_t n = utf8_seq((const unsigned char *)js + i,
					    len - i);

			if (n == 0)
				return 0;
			i += n;
			continue;
		}
		if (c != '\\') {
			i++;
			continue;
		}
		if (++i >= len)
			return 0;
		if (js[i] == 'u') {
			if (len - i < 5 || hex4(js + i + 1, &cp) != 0)
				return 0;
			i += 5;
		} else if (js[i] != '\0' && strchr("\"\\/bfnrt", js[i])) {
			i++;
		} else {
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

static sb_err check_text(const char *js, size_t len, shape *sh)
{
	unsigned char object[(SB_MAX_JSON_DEPTH + 7) / 8] = {0};
	size_t depth = 0, i = skip_ws(js, len, 0), next;
	int state = EXPECT_VALUE, in_object = 0;

#define LEVEL_IS_OBJECT(k) ((object[(k) / 8] >> ((k) % 8)) & 1)
	sh->tokens = 0;
	sh->root_start = i;
	sh->root_end = i;
	for (;;) {
		if (state == AFTER_VALUE) {
			if (depth == 0) {
				sh->root_end = i;
				return skip_ws(js, len, i) == len ? SB_OK
								  : SB_ERR_JSON;
			}
			i = skip_ws(js, len, i);
			if (i >= len)
				return SB_ERR_JSON;
			if (js[i] == ',') {
				i = skip_ws(js, len, i + 1);
				state = in_object ? EXPECT_KEY : EXPECT_VALUE;
			} else if (js[i] == (in_object ? '}' : ']')) {
				i++;
				depth--;
				in_object = depth && LEVEL_IS_OBJECT(depth - 1);
			} else {
				return SB_ERR_JSON;
			}
			continue;
		}
		if (i >= len)
			return SB_ERR_JSON;
		if (state == EXPECT_KEY) {
			if (js[i] != '"')
				return SB_ERR_JSON;
			next = scan_string(js, len, i);
			if (!next)
				return SB_ERR_JSON;
			sh->tokens++;
			i = skip_ws(js, len, next);
			if (i >= len || js[i] != ':')
				return SB_ERR_JSON;
			i = skip_ws(js, len, i + 1);
			state = EXPECT_VALUE;
			continue;
		}
		/* EXPECT_VALUE */
		sh->tokens++;
		if (js[i] == '{' || js[i] == '[') {
			if (depth == SB_MAX_JSON_DEPTH)
				return SB_ERR_TOO_LARGE;
			in_object = js[i] == '{';
			if (in_object)
				object[depth / 8] |= (unsigned char)(1u << (depth % 8));
			else
				object[depth / 8] &= (unsigned char)~(1u << (depth % 8));
			depth++;
			i = skip_ws(js, len, i + 1);
			if (i < len && js[i] == (in_object ? '}' : ']')) {
				i++;
				depth--;
				in_object = depth && LEVEL_IS_OBJECT(depth - 1);
				state = AFTER_VALUE;
			} else {
				state = in_object ? EXPECT_KEY : EXPECT_VALUE;
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
			return SB_ERR_JSON;
		i = next;
		state = AFTER_VALUE;
	}
#undef LEVEL_IS_OBJECT
}

sb_err sb_json_validate(const char *js, size_t len)
{
	shape sh;

	if (!js)
		return SB_ERR_JSON;
	return check_text(js, len, &sh);
}

/* ---------------------------------------------------------------------
 * Tokens
 * ------------------------------------------------------------------- */

/*
 * end[i] for every token, from the last to the first: a token's subtree
 * ends where its last child's does, and every child's end is known by
 * then. O(tokens) in all (each token is one child of one parent).
 */
static int compute_ends(const jsmntok_t *tok, int *end, int count)
{
	int i, k, j;

	for (i = count - 1; i >= 0; i--) {
		j = i + 1;
		for (k = 0; k < tok[i].size; k++) {
			if (j >= count)
				return -1;
			j = end[j];
		}
		end[i] = j;
	}
	return end[0] == count ? 0 : -1;
}

sb_err sb_json_parse(const sb_port *port, const char *js, size_t len,
		     sb_json_doc *d)
{
	struct sb_json_store *st;
	jsmn_parser p;
	shape sh;
	sb_err err;
	int n;

	if (!d)
		return SB_ERR_INVALID_ARG;
	memset(d, 0, sizeof(*d));
	if (!port)
		return SB_ERR_INVALID_ARG;
	if (!js)
		return SB_ERR_JSON;
	if (len > (size_t)INT_MAX)
		return SB_ERR_TOO_LARGE; /* jsmn's offsets are ints */
	err = check_text(js, len, &sh);
	if (err != SB_OK)
		return err;
	if (sh.tokens > SB_MAX_JSON_TOKENS)
		return SB_ERR_TOO_LARGE;
	n = (int)sh.tokens;
	st = port->alloc(port->ctx, sizeof(*st) +
					    (size_t)n * (sizeof(jsmntok_t) +
							 sizeof(int)));
	if (!st)
		return SB_ERR_NOMEM;
	st->end = (int *)(void *)(st->tok + n);
	if (strchr("-0123456789tfn", js[sh.root_start])) {
		/* A lone number or literal: jsmn (strict) wants a delimiter
		 * after a primitive, which the end of the text is not. */
		st->tok[0].type = JSMN_PRIMITIVE;
		st->tok[0].start = (int)sh.root_start;
		st->tok[0].end = (int)sh.root_end;
		st->tok[0].size = 0;
		st->tok[0].parent = -1;
	} else {
		jsmn_init(&p);
		if (jsmn_parse(&p, js, len, st->tok, (unsigned)n) != n)
			goto bad;
	}
	if (compute_ends(st->tok, st->end, n) != 0)
		goto bad;
	d->js = js;
	d->len = len;
	d->count = n;
	d->port = port;
	d->store = st;
	return SB_OK;
bad:
	/* The check and jsmn disagree: refused, whatever jsmn thought. */
	port->free(port->ctx, st);
	return SB_ERR_JSON;
}

void sb_json_free(sb_json_doc *d)
{
	if (d && d->store) {
		d->port->free(d->port->ctx, d->store);
		d->store = NULL;
		d->count = 0;
	}
}

static const jsmntok_t *tok_at(const sb_json_doc *d, int v)
{
	if (!d || !d->store || v < 0 || v >= d->count)
		return NULL;
	return &d->store->tok[v];
}

sb_json_kind sb_json_kind_of(const sb_json_doc *d, int v)
{
	const jsmntok_t *t = tok_at(d, v);

	if (!t)
		return SB_JSON_NONE;
	switch (t->type) {
	case JSMN_OBJECT: return SB_JSON_OBJECT;
	case JSMN_ARRAY: return SB_JSON_ARRAY;
	case JSMN_STRING: return SB_JSON_STRING;
	case JSMN_PRIMITIVE: return SB_JSON_PRIMITIVE;
	default: return SB_JSON_NONE;
	}
}

int sb_json_skip(const sb_json_doc *d, int v)
{
	if (!tok_at(d, v))
		return d ? d->count : 0;
	return d->store->end[v];
}

void sb_json_iter_init(const sb_json_doc *d, int container, sb_json_iter *it)
{
	sb_json_kind k = sb_json_kind_of(d, container);

	it->next = container + 1;
	it->object = k == SB_JSON_OBJECT;
	it->remaining = k == SB_JSON_OBJECT || k == SB_JSON_ARRAY
				? d->store->tok[container].size
				: 0;
}

int sb_json_iter_next(const sb_json_doc *d, sb_json_iter *it, int *key)
{
	int v;

	if (key)
		*key = -1;
	if (it->remaining <= 0 || !tok_at(d, it->next))
		return -1;
	v = it->next;
	if (it->object) {
		if (key)
			*key = v;
		v++; /* a name's one child is its value */
		if (!tok_at(d, v))
			return -1;
	}
	it->next = d->store->end[v];
	it->remaining--;
	return v;
}

/* Is the name token k equal to name? 1, 0, or -1 when k cannot be
 * unescaped to a C string. */
static int name_is(const sb_json_doc *d, int k, const char *name,
		   size_t nlen)
{
	const jsmntok_t *t = &d->store->tok[k];
	const char *raw = d->js + t->start;
	size_t rlen = (size_t)(t->end - t->start), n;
	char buf[128];
	sb_err err;

	if (!memchr(raw, '\\', rlen)) /* UTF-8 was checked already */
		return rlen == nlen && memcmp(raw, name, nlen) == 0;
	err = sb_json_unescape(raw, rlen, buf, sizeof(buf), &n);
	if (err == SB_ERR_JSON)
		return -1;
	return err == SB_OK && n == nlen && memcmp(buf, name, nlen) == 0;
}

int sb_json_member(const sb_json_doc *d, int obj, const char *name)
{
	sb_json_iter it;
	int k, v, eq, found = SB_JSON_ABSENT;
	size_t nlen;

	if (!name || sb_json_kind_of(d, obj) != SB_JSON_OBJECT)
		return SB_JSON_ABSENT;
	nlen = strlen(name);
	if (nlen >= 128)
		return SB_JSON_AMBIGUOUS; /* cannot be compared */
	sb_json_iter_init(d, obj, &it);
	while ((v = sb_json_iter_next(d, &it, &k)) >= 0) {
		eq = name_is(d, k, name, nlen);
		if (eq < 0 || (eq && found >= 0))
			return SB_JSON_AMBIGUOUS;
		if (eq)
			found = v;
	}
	return found;
}

sb_err sb_json_string(const sb_json_doc *d, int v, char *out, size_t cap)
{
	const jsmntok_t *t = tok_at(d, v);
	sb_err err;

	if (!out || cap == 0)
		return SB_ERR_BUFFER_TOO_SMALL;
	if (!t || t->type != JSMN_STRING) {
		out[0] = '\0';
		return SB_ERR_JSON;
	}
	err = sb_json_unescape(d->js + t->start, (size_t)(t->end - t->start),
			       out, cap, NULL);
	if (err != SB_OK)
		sb_wipe(out, cap);
	return err;
}

sb_err sb_json_uint(const sb_json_doc *d, int v, uint64_t max, uint64_t *out)
{
	const jsmntok_t *t = tok_at(d, v);
	uint64_t x = 0;
	int i;

	if (!t || t->type != JSMN_PRIMITIVE || t->end <= t->start)
		return SB_ERR_JSON;
	for (i = t->start; i < t->end; i++) {
		unsigned digit;

		if (!is_dig(d->js[i]))
			return SB_ERR_JSON;
		digit = (unsigned)(d->js[i] - '0');
		if (x > max / 10 || (x == max / 10 && digit > max % 10))
			return SB_ERR_JSON;
		x = x * 10 + digit;
	}
	*out = x;
	return SB_OK;
}

int sb_json_is_true(const sb_json_doc *d, int v)
{
	const jsmntok_t *t = tok_at(d, v);

	return t && t->type == JSMN_PRIMITIVE && t->end - t->start == 4 &&
	       memcmp(d->js + t->start, "true", 4) == 0;
}

/* ---------------------------------------------------------------------
 * The badge API's lookups
 * ------------------------------------------------------------------- */

sb_err sb_json_get_string(const sb_port *port, const char *js, size_t len,
			  const char *key, char *out, size_t cap, int *missing)
{
	sb_json_doc d;
	sb_err err;
	int v;

	if (missing)
		*missing = 0;
	if (!port || !key || !out || cap == 0)
		return SB_ERR_INVALID_ARG;
	out[0] = '\0';
	err = sb_json_parse(port, js, len, &d);
	if (err == SB_OK && sb_json_kind_of(&d, 0) != SB_JSON_OBJECT)
		err = SB_ERR_JSON;
	if (err == SB_OK) {
		v = sb_json_member(&d, 0, key);
		if (v == SB_JSON_ABSENT && missing)
			*missing = 1;
		err = v < 0 ? SB_ERR_JSON : sb_json_string(&d, v, out, cap);
	}
	sb_json_free(&d);
	if (err != SB_OK)
		sb_wipe(out, cap);
	return err;
}

sb_err sb_json_error_message(const sb_port *port, const char *js, size_t len,
			     char *out, size_t cap)
{
	sb_json_doc d;
	sb_json_iter it;
	sb_err err;
	int e;
	size_t pos = 0;

	if (!port || !out || cap == 0)
		return SB_ERR_INVALID_ARG;
	out[0] = '\0';
	err = sb_json_parse(port, js, len, &d);
	if (err != SB_OK)
		return err;
	sb_json_iter_init(&d, sb_json_member(&d, 0, "errors"), &it);
	if (it.object)
		it.remaining = 0; /* "errors" must be an array */
	while ((e = sb_json_iter_next(&d, &it, NULL)) >= 0) {
		char msg[256];
		size_t n;

		if (sb_json_string(&d, sb_json_member(&d, e, "msg"), msg,
				   sizeof(msg)) != SB_OK)
			continue;
		n = strlen(msg);
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
	sb_json_free(&d);
	return pos ? SB_OK : SB_ERR_JSON;
}

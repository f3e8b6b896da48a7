/*
 * fuzz_client.c - the whole client (connection handling, request/response
 * exchange, keep-alive and reconnects, status handling, the token and
 * renew API with its never-repeat-blindly logic) reading a fuzzed byte
 * stream through a scripted in-memory port (plain http://, no TLS).
 *
 * Input: one control byte, then what the server sends; "@@conn@@"
 * separates the byte streams of successive connections (at most 8; a
 * connect past the last one is refused). Within a connection, "@@resp@@"
 * separates responses: the next one becomes readable only once the
 * previous one was read to its end and the client sent again (as a real
 * server answers a kept-alive connection's next request).
 *   bits 0-1  operation: 0 token, 1 renew through a forward proxy with
 *             credentials (the streams are what the proxy relays), 2 token
 *             (bearer, organization), 3 renew below a context path
 *   bits 2-4  bytes per recv: 0 as many as fit, else 1 << (n - 1)
 *   bits 5-6  when a stream runs out: 0 closed, 1 time-out, 2 reset,
 *             3 closed after a time-out
 *   bit 7     the first connect is refused
 *
 * Checked: no crash, no leak, every socket closed once, the user token
 * and the proxy password never in a message, messages printable, a
 * returned token plain text, and at most two renewal POSTs.
 */
#include "fuzz_common.h"

#define MAX_CONNS 8
#define SEP "@@conn@@"
#define RESP_SEP "@@resp@@"
#define USER_TOKEN "squ_fuzz5ecret"
#define USER_TOKEN_B64 "c3F1X2Z1eno1ZWNyZXQ6" /* base64("squ_fuzz5ecret:") */
#define PROXY_URL "http://fuzzer:pr0xy-s3cret@proxy.test:3128"
#define PROXY_PASSWORD "pr0xy-s3cret"
#define PROXY_B64 "ZnV6emVyOnByMHh5LXMzY3JldA==" /* "fuzzer:pr0xy-s3cret" */

unsigned long fuzz_accepted;

struct sb_socket {
	const uint8_t *data;
	size_t len, pos;
	size_t seg_end; /* end of the response being served */
	int opened, closed;
	int timed_out;
};

struct world {
	struct fuzz_mem mem;
	uint64_t now;
	struct sb_socket socks[MAX_CONNS];
	size_t nsocks, connects;
	size_t piece;
	int end_mode;
	int refuse_first;
	unsigned posts;
	unsigned bad_closes;
};

/* Where the response starting at from ends (a RESP_SEP or the end). */
static size_t segment_end(const struct sb_socket *s, size_t from)
{
	size_t k = strlen(RESP_SEP), i;

	for (i = from; i + k <= s->len; i++)
		if (memcmp(s->data + i, RESP_SEP, k) == 0)
			return i;
	return s->len;
}

static int w_connect(void *ctx, const char *host, uint16_t port,
		     uint32_t timeout_ms, struct sb_socket **out)
{
	struct world *w = ctx;
	size_t i = w->connects++;

	(void)host;
	(void)port;
	(void)timeout_ms;
	*out = NULL;
	w->now += 1;
	if (i == 0 && w->refuse_first)
		return SB_PORT_ERR_CONNECT;
	if (w->refuse_first)
		i--;
	if (i >= w->nsocks)
		return SB_PORT_ERR_CONNECT;
	w->socks[i].opened = 1;
	w->socks[i].seg_end = segment_end(&w->socks[i], 0);
	*out = &w->socks[i];
	return 0;
}

static int w_send(void *ctx, struct sb_socket *s, const unsigned char *buf,
		  size_t len, uint32_t timeout_ms)
{
	struct world *w = ctx;
	size_t i;

	(void)timeout_ms;
	FUZZ_ASSERT(s && s->opened && !s->closed);
	w->now += 1;
	for (i = 0; i + 5 <= len; i++)
		if (memcmp(buf + i, "POST ", 5) == 0 &&
		    (i == 0 || buf[i - 1] == '\n'))
			w->posts++;
	/* The next request: serve the next response. */
	if (s->pos == s->seg_end && s->seg_end < s->len) {
		s->pos = s->seg_end + strlen(RESP_SEP);
		s->seg_end = segment_end(s, s->pos);
	}
	return len > 0x7fffffff ? 0x7fffffff : (int)len;
}

static int w_recv(void *ctx, struct sb_socket *s, unsigned char *buf,
		  size_t len, uint32_t timeout_ms)
{
	struct world *w = ctx;
	size_t n;

	FUZZ_ASSERT(s && s->opened && !s->closed);
	FUZZ_ASSERT(len > 0);
	w->now += 1;
	/* A poll of an idle connection that has more answers to give: open,
	 * nothing to read yet (the next answer waits for the next request). */
	if (timeout_ms == 0 && s->pos == s->seg_end && s->seg_end < s->len)
		return SB_PORT_TIMEOUT;
	if (s->pos == s->seg_end) {
		switch (w->end_mode) {
		case 1:
			w->now += timeout_ms;
			return SB_PORT_TIMEOUT;
		case 2:
			return SB_PORT_ERR_IO;
		case 3:
			if (!s->timed_out) {
				s->timed_out = 1;
				w->now += timeout_ms < 1000 ? timeout_ms : 1000;
				return SB_PORT_TIMEOUT;
			}
			return SB_PORT_CLOSED;
		default:
			return SB_PORT_CLOSED;
		}
	}
	n = s->seg_end - s->pos;
	if (n > len)
		n = len;
	if (w->piece && n > w->piece)
		n = w->piece;
	memcpy(buf, s->data + s->pos, n);
	s->pos += n;
	return (int)n;
}

static void w_close(void *ctx, struct sb_socket *s)
{
	struct world *w = ctx;

	if (!s || !s->opened || s->closed) {
		w->bad_closes++;
		return;
	}
	s->closed = 1;
}

static uint64_t w_now(void *ctx)
{
	return ((struct world *)ctx)->now;
}

static int w_entropy(void *ctx, unsigned char *buf, size_t len)
{
	(void)ctx;
	memset(buf, 0x5a, len);
	return 0;
}

static int w_read_file(void *ctx, const char *path, size_t max_len,
		       unsigned char **data, size_t *len)
{
	(void)ctx;
	(void)path;
	(void)max_len;
	(void)data;
	(void)len;
	return SB_PORT_ERR_FILE;
}

static const char *w_describe(void *ctx)
{
	(void)ctx;
	return "Connection reset by peer";
}

static void split_streams(struct world *w, const uint8_t *data, size_t size)
{
	size_t start = 0, i = 0, k = strlen(SEP);

	while (w->nsocks < MAX_CONNS) {
		for (; i + k <= size; i++)
			if (memcmp(data + i, SEP, k) == 0)
				break;
		if (i + k > size || w->nsocks == MAX_CONNS - 1) {
			w->socks[w->nsocks].data = data + start;
			w->socks[w->nsocks].len = size - start;
			w->nsocks++;
			return;
		}
		w->socks[w->nsocks].data = data + start;
		w->socks[w->nsocks].len = i - start;
		w->nsocks++;
		i += k;
		start = i;
	}
}

static int plain_token(const char *t)
{
	size_t n = strlen(t), i;

	if (n == 0 || n > SB_MAX_TOKEN_LEN)
		return 0;
	for (i = 0; i < n; i++)
		if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVW"
			    "XYZ0123456789_.-",
			    t[i]))
			return 0;
	return 1;
}

/* bearer: the Basic form of the token is never sent, so a server cannot
 * echo it back from the request (it could only compute it); likewise the
 * proxy's credentials only exist for the client when it uses the proxy. */
static void check_message(const char *m, int bearer, int proxied)
{
	size_t i;

	FUZZ_ASSERT(strlen(m) < SB_MAX_MESSAGE_LEN);
	FUZZ_ASSERT(!strstr(m, USER_TOKEN));
	FUZZ_ASSERT(bearer || !strstr(m, USER_TOKEN_B64));
	FUZZ_ASSERT(!proxied ||
		    (!strstr(m, PROXY_PASSWORD) && !strstr(m, PROXY_B64)));
	for (i = 0; m[i]; i++)
		FUZZ_ASSERT((unsigned char)m[i] >= 0x20 && m[i] != 0x7f);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct world w;
	sb_port port;
	sb_config cfg;
	sb_client *c = NULL;
	char msg[SB_MAX_MESSAGE_LEN];
	char old_tok[SB_MAX_TOKEN_LEN + 1], new_tok[SB_MAX_TOKEN_LEN + 1];
	int op, bits;
	size_t i;
	sb_err err;

	if (size < 1)
		return 0;
	memset(&w, 0, sizeof(w));
	w.now = 1000000;
	op = data[0] & 3;
	bits = (data[0] >> 2) & 7;
	w.piece = bits ? (size_t)1 << (bits - 1) : 0;
	w.end_mode = (data[0] >> 5) & 3;
	w.refuse_first = (data[0] & 0x80) != 0;
	split_streams(&w, data + 1, size - 1);

	memset(&port, 0, sizeof(port));
	port.version = SB_PORT_VERSION;
	port.ctx = &w;
	port.connect = w_connect;
	port.send = w_send;
	port.recv = w_recv;
	port.close = w_close;
	port.now_ms = w_now;
	port.entropy = w_entropy;
	port.read_file = w_read_file;
	port.alloc = fuzz_alloc;
	port.free = fuzz_free;
	port.describe_error = w_describe;
	/* fuzz_alloc counts in the struct fuzz_mem at the start of ctx. */

	memset(&cfg, 0, sizeof(cfg));
	cfg.base_url = op == 3 ? "http://sonar.test:9000/sonarqube/"
			       : "http://sonar.test";
	cfg.user_token = USER_TOKEN;
	cfg.auth = op == 2 ? SB_AUTH_BEARER : SB_AUTH_BASIC;
	cfg.organization = op == 2 ? "my org" : NULL;
	cfg.proxy = op == 1 ? PROXY_URL : NULL;
	cfg.max_time_ms = 5000;
	cfg.connect_timeout_ms = 1000;

	err = sb_client_create(&cfg, &port, &c, msg, sizeof(msg));
	FUZZ_ASSERT(err == SB_OK && c);

	if (op & 1)
		err = sb_token_renew(c, "my:project", old_tok, sizeof(old_tok),
				     new_tok, sizeof(new_tok));
	else
		err = sb_token_get(c, "my:project", new_tok, sizeof(new_tok));
	check_message(sb_client_message(c), op == 2, op == 1);
	if (err == SB_OK) {
		FUZZ_ASSERT(plain_token(new_tok));
		FUZZ_ASSERT(!(op & 1) || (plain_token(old_tok) &&
					 strcmp(old_tok, new_tok) != 0));
		FUZZ_ASSERT(sb_client_message(c)[0] == '\0');
		fuzz_accepted++;
	} else {
		FUZZ_ASSERT(sb_client_message(c)[0] != '\0');
	}
	FUZZ_ASSERT(w.posts <= 2);
	FUZZ_ASSERT(w.now - 1000000 < 60000); /* bounded by max time */

	sb_client_destroy(c);
	FUZZ_ASSERT(w.mem.live == 0);
	FUZZ_ASSERT(w.bad_closes == 0);
	for (i = 0; i < w.nsocks; i++)
		FUZZ_ASSERT(w.socks[i].opened == w.socks[i].closed);
	return 0;
}

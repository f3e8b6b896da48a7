/*
 * test_transport.c - an https:// client driven through a scripted byte
 * stream at the transport seam (sb_transport.h): what TLS does under the
 * exchange - bytes left inside TLS on an idle connection, alerts, resets
 * at every step of a renewal - without a TLS peer.
 */
#include <stdio.h>
#include <string.h>

#include "fake_port.h"
#include "harness.h"
#include "sb_client.h"

#define OLD "sqb_0000000000000000000000000000000000000001"
#define NEW "sqb_0000000000000000000000000000000000000002"

/* EV_SEND_RESET fails the next send; the others are what a read gets. */
enum ev_kind { EV_REPLY, EV_ALERT, EV_RESET, EV_CLOSE, EV_SEND_RESET };

struct event {
	enum ev_kind kind;
	const char *bytes; /* EV_REPLY */
};

/* One scripted stream: event k is readable once k + 1 requests went out. */
struct stream {
	struct event ev[8];
	int nev;
	int next;		/* the event being served */
	size_t pos;		/* bytes of it delivered */
	int requests;		/* requests sent on it */
	int idle_pending_after; /* >0: after this many requests, TLS holds
				   unasked bytes when idle */
	int closed;
	char sent[8192];
	size_t sent_len;
};

static struct stream streams[6];
static int nstreams, opened;
static struct fake_state F;
static sb_port P;

static void reset_streams(void)
{
	memset(streams, 0, sizeof(streams));
	nstreams = opened = 0;
}

static struct stream *add_stream(void)
{
	return &streams[nstreams++];
}

static void add(struct stream *s, enum ev_kind kind, const char *bytes)
{
	s->ev[s->nev].kind = kind;
	s->ev[s->nev].bytes = bytes;
	s->nev++;
}

static int t_send(void *ctx, const unsigned char *buf, size_t len,
		  uint64_t deadline)
{
	struct stream *s = ctx;
	const char *p;

	(void)deadline;
	if (s->next < s->nev && s->ev[s->next].kind == EV_SEND_RESET) {
		s->next++;
		return SB_PORT_ERR_IO; /* reset while sending */
	}
	if (len > sizeof(s->sent) - 1 - s->sent_len)
		len = sizeof(s->sent) - 1 - s->sent_len;
	memcpy(s->sent + s->sent_len, buf, len);
	s->sent_len += len;
	s->sent[s->sent_len] = '\0';
	/* A request ends with its blank line (or its form body). */
	s->requests = 0;
	for (p = s->sent; (p = strstr(p, " HTTP/1.1\r\n")) != NULL; p++)
		s->requests++;
	return (int)len;
}

static int t_recv(void *ctx, unsigned char *buf, size_t len,
		  uint64_t deadline)
{
	struct stream *s = ctx;
	const struct event *e;
	size_t n;

	(void)deadline;
	if (s->next >= s->nev)
		return SB_PORT_CLOSED;
	if (s->requests <= s->next)
		return SB_PORT_TIMEOUT; /* nothing asked yet */
	e = &s->ev[s->next];
	switch (e->kind) {
	case EV_ALERT:
		s->next++;
		return SB_TLS_ERR_PROTOCOL;
	case EV_RESET:
		s->next++;
		return SB_PORT_ERR_IO;
	case EV_CLOSE:
		s->next++;
		return SB_PORT_CLOSED;
	default:
		break;
	}
	n = strlen(e->bytes) - s->pos;
	if (n > len)
		n = len;
	memcpy(buf, e->bytes + s->pos, n);
	s->pos += n;
	if (s->pos == strlen(e->bytes)) {
		s->next++;
		s->pos = 0;
	}
	return (int)n;
}

static int t_idle_closed(void *ctx)
{
	struct stream *s = ctx;

	return s->idle_pending_after && s->requests >= s->idle_pending_after;
}

static void t_close(void *ctx)
{
	((struct stream *)ctx)->closed = 1;
}

static const char *t_detail(void *ctx, int rc)
{
	(void)ctx;
	return rc == SB_TLS_ERR_PROTOCOL
		       ? "TLS read failed: SSL - A fatal alert message was "
			 "received from our peer"
		       : "Connection reset by peer";
}

static const sb_transport_ops scripted = {t_send, t_recv, t_idle_closed,
					  t_close, t_detail};

static sb_err open_scripted(sb_conn *conn, uint64_t deadline, void *user)
{
	(void)deadline;
	(void)user;
	if (opened >= nstreams)
		return sb_diag_fail(conn->diag, SB_ERR_CONNECT,
				    "no scripted stream left");
	conn->transport.ops = &scripted;
	conn->transport.ctx = &streams[opened++];
	return SB_OK;
}

static sb_client *https_client(int retries)
{
	sb_config cfg;
	sb_client *c = NULL;
	char msg[256];

	memset(&cfg, 0, sizeof(cfg));
	cfg.base_url = "https://sonar.test";
	cfg.user_token = "squ_x";
	cfg.insecure = 1; /* no trust store: the stream is scripted */
	cfg.retries = retries;
	if (sb_client_create(&cfg, &P, &c, msg, sizeof(msg)) != SB_OK) {
		harness_fail(__FILE__, __LINE__, "create: %s", msg);
		return NULL;
	}
	c->conn.opener = open_scripted;
	return c;
}

static char pool[16][512];
static int pool_next;

static const char *token_reply(const char *tok)
{
	char *p = pool[pool_next++ % 16];
	char body[128];

	snprintf(body, sizeof(body), "{\"token\":\"%s\"}", tok);
	snprintf(p, sizeof(pool[0]),
		 "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
		 "Content-Length: %u\r\n\r\n%s",
		 (unsigned)strlen(body), body);
	return p;
}

static const char renewed_reply[] =
	"HTTP/1.1 204 No Content\r\n\r\n";

static unsigned count(const char *hay, const char *needle)
{
	unsigned n = 0;

	for (; (hay = strstr(hay, needle)) != NULL; hay++)
		n++;
	return n;
}

static unsigned posts_sent(void)
{
	unsigned n = 0;
	int i;

	for (i = 0; i < nstreams; i++)
		n += count(streams[i].sent, "POST ");
	return n;
}

TEST(bytes_inside_tls_on_idle_connection)
{
	char out[64];
	sb_client *c;
	struct stream *s;

	fake_init(&F, &P);
	reset_streams();
	s = add_stream();
	add(s, EV_REPLY, token_reply(OLD));
	s->idle_pending_after = 1; /* an unasked record sits in TLS */
	add(add_stream(), EV_REPLY, token_reply(OLD));
	c = https_client(0);
	CHECK(c != NULL);
	CHECK_EQ_INT(sb_token_get(c, "K", out, sizeof(out)), SB_OK);
	CHECK_EQ_INT(sb_token_get(c, "K", out, sizeof(out)), SB_OK);
	/* The second request went on a new stream; the first was closed. */
	CHECK_EQ_INT(opened, 2);
	CHECK_EQ_INT(streams[0].closed, 1);
	CHECK_EQ_INT(count(streams[0].sent, "GET "), 1);
	CHECK_EQ_INT(count(streams[1].sent, "GET "), 1);
	sb_client_destroy(c);
}

TEST(tls_alert_is_a_tls_error_not_retried)
{
	char out[64];
	sb_client *c;

	fake_init(&F, &P);
	reset_streams();
	add(add_stream(), EV_ALERT, NULL);
	add(add_stream(), EV_REPLY, token_reply(OLD));
	c = https_client(2);
	CHECK(c != NULL);
	CHECK_EQ_INT(sb_token_get(c, "K", out, sizeof(out)), SB_ERR_TLS);
	CHECK(strstr(sb_client_message(c), "fatal alert"));
	CHECK_EQ_INT(opened, 1);
	CHECK_EQ_INT(F.sleeps, 0);
	sb_client_destroy(c);
}

TEST(reset_of_a_get_is_retried)
{
	char out[64];
	sb_client *c;

	fake_init(&F, &P);
	reset_streams();
	add(add_stream(), EV_RESET, NULL);
	add(add_stream(), EV_REPLY, token_reply(OLD));
	c = https_client(1);
	CHECK(c != NULL);
	CHECK_EQ_INT(sb_token_get(c, "K", out, sizeof(out)), SB_OK);
	CHECK_STR_EQ(out, OLD);
	CHECK_EQ_INT(F.sleeps, 1);
	sb_client_destroy(c);
}

/*
 * A renewal is a GET (old token), a POST, a GET (new token). A reset at
 * each step: the POST goes out once when it applied, twice at most when
 * it did not, and the result is always the server's token.
 */
TEST(renewal_with_a_reset_at_every_step)
{
	static const struct {
		const char *name;
		int applied; /* the server applied the lost POST */
		int posts;   /* POSTs the client must send */
		sb_err err;
	} cases[] = {
		{"reset while sending the POST", 0, 1, SB_OK},
		{"reset after the POST, applied", 1, 1, SB_OK},
		{"reset after the POST, not applied", 0, 2, SB_OK},
		{"reset on the last GET", 1, 1, SB_OK},
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char o[64], n[64];
		struct stream *s;
		sb_client *c;

		fake_init(&F, &P);
		reset_streams();
		s = add_stream();
		add(s, EV_REPLY, token_reply(OLD));
		switch (i) {
		case 0: /* the POST never left */
			add(s, EV_SEND_RESET, NULL);
			s = add_stream();
			add(s, EV_REPLY, token_reply(OLD));
			s = add_stream();
			add(s, EV_REPLY, renewed_reply);
			add(s, EV_REPLY, token_reply(NEW));
			break;
		case 1: /* it arrived and applied, the answer was lost */
		case 2: /* it arrived and did not apply */
			add(s, EV_RESET, NULL);
			s = add_stream();
			add(s, EV_REPLY, token_reply(cases[i].applied ? NEW : OLD));
			if (cases[i].applied) {
				add(s, EV_REPLY, token_reply(NEW));
			} else {
				s = add_stream();
				add(s, EV_REPLY, renewed_reply);
				add(s, EV_REPLY, token_reply(NEW));
			}
			break;
		default: /* the POST answered; the read after it reset */
			add(s, EV_REPLY, renewed_reply);
			add(s, EV_RESET, NULL);
			s = add_stream();
			add(s, EV_REPLY, token_reply(NEW));
			break;
		}
		c = https_client(1);
		CHECK(c != NULL);
		CHECKF(sb_token_renew(c, "K", o, sizeof(o), n, sizeof(n)) ==
			       cases[i].err,
		       "%s: %s", cases[i].name, sb_client_message(c));
		CHECKF(strcmp(n, NEW) == 0 && strcmp(o, OLD) == 0, "%s: %s %s",
		       cases[i].name, o, n);
		CHECKF(posts_sent() == (unsigned)cases[i].posts, "%s: %u POSTs",
		       cases[i].name, posts_sent());
		sb_client_destroy(c);
		CHECK_EQ_INT(F.live, 0);
	}
}

int main(void)
{
	RUN(bytes_inside_tls_on_idle_connection);
	RUN(tls_alert_is_a_tls_error_not_retried);
	RUN(reset_of_a_get_is_retried);
	RUN(renewal_with_a_reset_at_every_step);
	return harness_main();
}

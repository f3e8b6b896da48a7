/*
 * test_net.c - the network helpers (IP literals, NO_PROXY, --resolve,
 * proxy URLs, pinned keys, Retry-After) and, over the fake port, GET
 * retries, redirects and the proxy tunnel.
 */
#include <stdio.h>
#include <string.h>

#include "fake_port.h"
#include "harness.h"
#include "sb_client.h"
#include "sb_net.h"

static struct fake_state F;
static sb_port P;

TEST(ip_literals)
{
	unsigned char ip[16];
	static const unsigned char v6_1[16] = {0, 0, 0, 0, 0, 0, 0, 0,
					       0, 0, 0, 0, 0, 0, 0, 1};

	CHECK_EQ_INT(sb_ip_parse("127.0.0.1", 9, ip), 4);
	CHECK(ip[0] == 127 && ip[3] == 1);
	CHECK_EQ_INT(sb_ip_parse("::1", 3, ip), 16);
	CHECK(memcmp(ip, v6_1, 16) == 0);
	CHECK_EQ_INT(sb_ip_parse("fe80::1:2", 9, ip), 16);
	CHECK(ip[0] == 0xfe && ip[1] == 0x80 && ip[13] == 1 && ip[15] == 2);
	CHECK_EQ_INT(sb_ip_parse("::ffff:10.1.2.3", 15, ip), 16);
	CHECK(ip[10] == 0xff && ip[12] == 10 && ip[15] == 3);
	CHECK_EQ_INT(sb_ip_parse("1:2:3:4:5:6:7:8", 15, ip), 16);
	CHECK_EQ_INT(sb_ip_parse("256.0.0.1", 9, ip), 0);
	CHECK_EQ_INT(sb_ip_parse("1.2.3", 5, ip), 0);
	CHECK_EQ_INT(sb_ip_parse("1.2.3.4.5", 9, ip), 0);
	CHECK_EQ_INT(sb_ip_parse("1::2::3", 7, ip), 0);
	CHECK_EQ_INT(sb_ip_parse("12345::", 7, ip), 0);
	CHECK_EQ_INT(sb_ip_parse("1:2:3:4:5:6:7:8:9", 17, ip), 0);
	CHECK_EQ_INT(sb_ip_parse("example.com", 11, ip), 0);
	CHECK_EQ_INT(sb_ip_parse(":1", 2, ip), 0);
	CHECK_EQ_INT(sb_ip_parse("1:", 2, ip), 0);
}

TEST(noproxy_matching)
{
	static const struct {
		const char *list, *host;
		int match;
	} cases[] = {
		{"*", "anything.example", 1},
		{"example.com", "example.com", 1},
		{"example.com", "www.example.com", 1},
		{"example.com", "badexample.com", 0},
		{".example.com", "www.example.com", 1},
		{".example.com", "example.com", 1},
		{"EXAMPLE.com", "Www.Example.COM", 1},
		{"example.com", "example.com.", 1},
		{"a.test, example.com ,b.test", "x.example.com", 1},
		{"a.test,b.test", "c.test", 0},
		{"localhost", "localhost", 1},
		{"127.0.0.1", "127.0.0.1", 1},
		{"127.0.0.1", "127.0.0.2", 0},
		{"127.0.0.0/8", "127.9.8.7", 1},
		{"10.0.0.0/8", "11.0.0.1", 0},
		{"192.168.1.0/24", "192.168.1.77", 1},
		{"192.168.1.0/25", "192.168.1.200", 0},
		{"::1", "::1", 1},
		{"[::1]", "::1", 1},
		{"fd00::/8", "fd12:3456::1", 1},
		{"fd00::/8", "fe80::1", 0},
		{"0.0.0.0/0", "8.8.8.8", 1},
		{"127.0.0.1", "localhost", 0},
		{"example.com", "127.0.0.1", 0},
		{"", "example.com", 0},
		{",,", "example.com", 0},
		{"*.example.com", "www.example.com", 0},
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		CHECKF(sb_noproxy_match(cases[i].list, cases[i].host) ==
			       cases[i].match,
		       "NO_PROXY=\"%s\" host %s", cases[i].list,
		       cases[i].host);
	CHECK(!sb_noproxy_match(NULL, "x"));
}

TEST(resolve_entries)
{
	const char *e1[] = {"sonar.test:443:127.0.0.1", NULL};
	const char *e2[] = {"other:443:10.0.0.1",
			    "sonar.test:8443:[::1],127.0.0.2", NULL};
	const char *bad[][2] = {{"sonar.test:443", NULL},
				{"sonar.test::127.0.0.1", NULL},
				{"sonar.test:99999:127.0.0.1", NULL},
				{"sonar.test:443:not-an-ip", NULL},
				{":443:127.0.0.1", NULL},
				{"sonar.test:443:", NULL}};
	char addrs[8][64], msg[128];
	size_t i;

	CHECK_EQ_INT(sb_resolve_lookup(e1, "sonar.test", 443, addrs, 8, msg,
				       sizeof(msg)),
		     1);
	CHECK_STR_EQ(addrs[0], "127.0.0.1");
	CHECK_EQ_INT(sb_resolve_lookup(e1, "SONAR.test", 443, addrs, 8, msg,
				       sizeof(msg)),
		     1);
	CHECK_EQ_INT(sb_resolve_lookup(e1, "sonar.test", 80, addrs, 8, msg,
				       sizeof(msg)),
		     0);
	CHECK_EQ_INT(sb_resolve_lookup(e2, "sonar.test", 8443, addrs, 8, msg,
				       sizeof(msg)),
		     2);
	CHECK_STR_EQ(addrs[0], "::1");
	CHECK_STR_EQ(addrs[1], "127.0.0.2");
	CHECK_EQ_INT(sb_resolve_lookup(NULL, "x", 1, addrs, 8, msg,
				       sizeof(msg)),
		     0);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		msg[0] = '\0';
		CHECKF(sb_resolve_lookup(bad[i], "sonar.test", 443, addrs, 8,
					 msg, sizeof(msg)) == -1,
		       "accepted %s", bad[i][0]);
		CHECK(strstr(msg, "--resolve") != NULL);
	}
}

TEST(proxy_urls)
{
	sb_proxy_url p;
	char msg[128];

	CHECK_EQ_INT(sb_proxy_parse("http://proxy.test:3128", &p, msg,
				    sizeof(msg)),
		     SB_OK);
	CHECK_STR_EQ(p.host, "proxy.test");
	CHECK_EQ_INT(p.port, 3128);
	CHECK_EQ_INT(p.has_credentials, 0);
	CHECK_STR_EQ(p.display, "http://proxy.test:3128");
	CHECK_EQ_INT(sb_proxy_parse("proxy.test", &p, msg, sizeof(msg)),
		     SB_OK);
	CHECK_EQ_INT(p.port, 1080);
	CHECK_EQ_INT(sb_proxy_parse("http://us%40er:p%3Ass%25w@[::1]:8888/", &p,
				    msg, sizeof(msg)),
		     SB_OK);
	CHECK_STR_EQ(p.user, "us@er");
	CHECK_STR_EQ(p.password, "p:ss%w");
	CHECK_STR_EQ(p.host, "::1");
	CHECK_EQ_INT(p.port, 8888);
	CHECK(strstr(p.display, "ss") == NULL && strstr(p.display, "us") == NULL);
	CHECK_STR_EQ(p.display, "http://***:***@[::1]:8888");
	CHECK_EQ_INT(sb_proxy_parse("socks5://h:1080", &p, msg, sizeof(msg)),
		     SB_ERR_CONFIG);
	CHECK(strstr(msg, "'socks5://'") != NULL);
	CHECK_EQ_INT(sb_proxy_parse("https://h:1080", &p, msg, sizeof(msg)),
		     SB_ERR_CONFIG);
	/* Text before "://" that is no proxy scheme is never echoed: it
	 * may hold the password (found by fuzz_net in CI). */
	CHECK_EQ_INT(sb_proxy_parse("1y01pa55word://us:pa55word@proxy:1", &p,
				    msg, sizeof(msg)),
		     SB_ERR_CONFIG);
	CHECK(strstr(msg, "pa55word") == NULL);
	CHECK(strstr(msg, "unsupported proxy scheme") != NULL);
	CHECK_EQ_INT(sb_proxy_parse("http://h:0", &p, msg, sizeof(msg)),
		     SB_ERR_CONFIG);
	CHECK_EQ_INT(sb_proxy_parse("http://h:1/path", &p, msg, sizeof(msg)),
		     SB_ERR_CONFIG);
	CHECK_EQ_INT(sb_proxy_parse("http://u:p%zz@h:1", &p, msg, sizeof(msg)),
		     SB_ERR_CONFIG);
	CHECK(strstr(msg, "p%zz") == NULL);
	CHECK_EQ_INT(sb_proxy_parse("http://u:%00@h:1", &p, msg, sizeof(msg)),
		     SB_ERR_CONFIG);
	CHECK_EQ_INT(sb_proxy_parse("", &p, msg, sizeof(msg)), SB_ERR_CONFIG);
}

TEST(pins)
{
	unsigned char pins[8][32];
	/* base64 of 32 zero bytes and of 32 0xff bytes */
	const char *z = "sha256//AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";
	char two[200];

	CHECK_EQ_INT(sb_pins_parse(z, pins, 8), 1);
	CHECK(pins[0][0] == 0 && pins[0][31] == 0);
	snprintf(two, sizeof(two), "%s;%s", z,
		 "sha256////////////////////////////////////////////8=");
	CHECK_EQ_INT(sb_pins_parse(two, pins, 8), 2);
	CHECK(pins[1][0] == 0xff && pins[1][31] == 0xff);
	CHECK_EQ_INT(sb_pins_parse("sha256//AAAA", pins, 8), -1);
	CHECK_EQ_INT(sb_pins_parse("sha1//AAAAAAAAAAAAAAAAAAAAAAAAAAA=", pins, 8),
		     -1);
	CHECK_EQ_INT(sb_pins_parse("/etc/key.pem", pins, 8), -1);
	CHECK_EQ_INT(sb_pins_parse("", pins, 8), -1);
	CHECK_EQ_INT(sb_pins_parse(two, pins, 1), -1);
}

TEST(retry_after)
{
	uint32_t ms = 0;
	int64_t t = 0;

	CHECK_EQ_INT(sb_retry_after_ms("1", 1, NULL, 0, -1, &ms), 0);
	CHECK_EQ_INT(ms, 1000);
	CHECK_EQ_INT(sb_retry_after_ms("120 ", 4, NULL, 0, -1, &ms), 0);
	CHECK_EQ_INT(ms, 120000);
	CHECK_EQ_INT(sb_retry_after_ms("99999999999", 11, NULL, 0, -1, &ms), 0);
	CHECK(ms >= 2147483000u);
	CHECK_EQ_INT(sb_retry_after_ms("-1", 2, NULL, 0, -1, &ms), -1);
	CHECK_EQ_INT(sb_retry_after_ms("1.5", 3, NULL, 0, -1, &ms), -1);
	CHECK_EQ_INT(sb_retry_after_ms("", 0, NULL, 0, -1, &ms), -1);
	CHECK_EQ_INT(sb_http_date("Sun, 06 Nov 1994 08:49:37 GMT", 29, &t), 0);
	CHECK_EQ_INT(t, 784111777);
	CHECK_EQ_INT(sb_http_date("Sunday, 06-Nov-94 08:49:37 GMT", 30, &t), 0);
	CHECK_EQ_INT(t, 784111777);
	CHECK_EQ_INT(sb_http_date("Sun Nov  6 08:49:37 1994", 24, &t), 0);
	CHECK_EQ_INT(t, 784111777);
	CHECK_EQ_INT(sb_http_date("Sun, 06 Nov 1994 08:49:37 CET", 29, &t), -1);
	CHECK_EQ_INT(sb_http_date("Sun, 06 Foo 1994 08:49:37 GMT", 29, &t), -1);
	CHECK_EQ_INT(sb_http_date("Sun, 06 Nov 1994 08:49:37 GMTx", 30, &t),
		     -1);
	/* A date 30 s after the answer's own Date header. */
	CHECK_EQ_INT(sb_retry_after_ms("Sun, 06 Nov 1994 08:50:07 GMT", 29,
				       "Sun, 06 Nov 1994 08:49:37 GMT", 29, -1,
				       &ms),
		     0);
	CHECK_EQ_INT(ms, 30000);
	/* No Date header: the wall clock; a date in the past: no wait. */
	CHECK_EQ_INT(sb_retry_after_ms("Sun, 06 Nov 1994 08:49:47 GMT", 29,
				       NULL, 0, 784111777, &ms),
		     0);
	CHECK_EQ_INT(ms, 10000);
	CHECK_EQ_INT(sb_retry_after_ms("Sun, 06 Nov 1994 08:49:47 GMT", 29,
				       NULL, 0, 784111999, &ms),
		     0);
	CHECK_EQ_INT(ms, 0);
	CHECK_EQ_INT(sb_retry_after_ms("Sun, 06 Nov 1994 08:49:47 GMT", 29,
				       NULL, 0, -1, &ms),
		     -1);
}

/* ---- the client over the fake port ---------------------------------- */

#define TOKEN_JSON "{\"token\":\"sqb_abc\"}"
#define OK_TOKEN                                                     \
	"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"      \
	"Content-Length: 19\r\n\r\n" TOKEN_JSON

static int retry_connrefused;

static sb_client *make_client_with(int retries, const char *url,
				   const char *proxy, int tunnel)
{
	sb_config cfg;
	sb_client *c = NULL;
	char msg[256];

	memset(&cfg, 0, sizeof(cfg));
	cfg.base_url = url;
	cfg.user_token = "squ_x";
	cfg.retries = retries;
	cfg.proxy = proxy;
	cfg.proxy_tunnel = tunnel;
	cfg.retry_connrefused = retry_connrefused;
	if (sb_client_create(&cfg, &P, &c, msg, sizeof(msg)) != SB_OK)
		harness_fail(__FILE__, __LINE__, "create: %s", msg);
	return c;
}

static sb_client *make_client(int retries, const char *url,
			      const char *proxy)
{
	return make_client_with(retries, url, proxy, 0);
}

static void done(sb_client *c)
{
	sb_client_destroy(c);
}

TEST(retry_503_then_ok)
{
	sb_client *c;
	char out[64];
	struct fake_conn *k;

	fake_init(&F, &P);
	k = fake_add_conn(&F);
	fake_reply(k, "HTTP/1.1 503 Service Unavailable\r\nRetry-After: 1\r\n"
		      "Content-Length: 0\r\n\r\n");
	k = fake_add_conn(&F);
	fake_reply(k, "HTTP/1.1 503 Service Unavailable\r\nRetry-After: 1\r\n"
		      "Content-Length: 0\r\n\r\n");
	fake_conn1(&F, OK_TOKEN);
	c = make_client(2, "http://sonar.test", NULL);
	CHECK(c != NULL);
	CHECK_EQ_INT(sb_token_get(c, "K", out, sizeof(out)), SB_OK);
	CHECK_STR_EQ(out, "sqb_abc");
	CHECK_EQ_INT(F.sleeps, 2);
	CHECK_EQ_INT(F.slept_ms, 2000); /* Retry-After, not the back-off */
	done(c);
	CHECK_EQ_INT(F.live, 0);
}

TEST(retry_gives_up_on_429)
{
	sb_client *c;
	char out[64];
	int i;

	fake_init(&F, &P);
	for (i = 0; i < 4; i++)
		fake_conn1(&F, "HTTP/1.1 429 Too Many Requests\r\n"
			       "Content-Length: 0\r\n\r\n");
	c = make_client(2, "http://sonar.test", NULL);
	CHECK(c != NULL);
	CHECK_EQ_INT(sb_token_get(c, "K", out, sizeof(out)),
		     SB_ERR_RATE_LIMITED);
	CHECK_EQ_INT(F.connects, 3); /* one try and two retries */
	CHECK(F.slept_ms >= 1000 + 2000 && F.slept_ms <= 1500 + 3000);
	CHECK(strstr(sb_client_message(c), "429") != NULL);
	done(c);
}

TEST(retry_after_too_long)
{
	sb_client *c;
	char out[64];

	fake_init(&F, &P);
	fake_conn1(&F, "HTTP/1.1 503 Busy\r\nRetry-After: 3600\r\n"
		       "Content-Length: 0\r\n\r\n");
	c = make_client(2, "http://sonar.test", NULL);
	CHECK(c != NULL);
	CHECK_EQ_INT(sb_token_get(c, "K", out, sizeof(out)), SB_ERR_SERVER);
	CHECK_EQ_INT(F.sleeps, 0);
	done(c);
}

TEST(no_retry_without_retries_or_for_post)
{
	sb_client *c;
	char o[64], n[64];

	fake_init(&F, &P);
	fake_conn1(&F, "HTTP/1.1 500 Oops\r\nContent-Length: 0\r\n\r\n");
	c = make_client(0, "http://sonar.test", NULL);
	CHECK(c != NULL);
	CHECK_EQ_INT(sb_token_get(c, "K", o, sizeof(o)), SB_ERR_SERVER);
	CHECK_EQ_INT(F.connects, 1);
	done(c);

	/* The renew POST answered 503 is not retried. */
	fake_init(&F, &P);
	{
		struct fake_conn *k = fake_add_conn(&F);

		fake_reply(k, OK_TOKEN);
		fake_reply(k, "HTTP/1.1 503 Busy\r\nContent-Length: 0\r\n\r\n");
	}
	c = make_client(3, "http://sonar.test", NULL);
	CHECK(c != NULL);
	CHECK_EQ_INT(sb_token_renew(c, "K", o, sizeof(o), n, sizeof(n)),
		     SB_ERR_SERVER);
	CHECK_EQ_INT(fake_count_sent(&F, 0, "POST "), 1);
	CHECK_EQ_INT(F.sleeps, 0);
	done(c);
}

TEST(retry_connect_failure)
{
	sb_client *c;
	char out[64];
	struct fake_conn *k;

	/* A refused connection fails at once, as curl does... */
	fake_init(&F, &P);
	k = fake_add_conn(&F);
	k->connect_rc = SB_PORT_ERR_CONNECT;
	fake_conn1(&F, OK_TOKEN);
	c = make_client(1, "http://sonar.test", NULL);
	CHECK(c != NULL);
	CHECK_EQ_INT(sb_token_get(c, "K", out, sizeof(out)), SB_ERR_CONNECT);
	CHECK_EQ_INT(F.sleeps, 0);
	done(c);
	/* ...unless retries of refused connections were asked for. */
	fake_init(&F, &P);
	k = fake_add_conn(&F);
	k->connect_rc = SB_PORT_ERR_CONNECT;
	fake_conn1(&F, OK_TOKEN);
	retry_connrefused = 1;
	c = make_client(1, "http://sonar.test", NULL);
	retry_connrefused = 0;
	CHECK(c != NULL);
	CHECK_EQ_INT(sb_token_get(c, "K", out, sizeof(out)), SB_OK);
	CHECK_EQ_INT(F.sleeps, 1);
	done(c);
}

TEST(redirects)
{
	sb_client *c;
	char out[64];
	struct fake_conn *k;

	/* Relative and absolute same-origin redirects are followed. */
	fake_init(&F, &P);
	k = fake_add_conn(&F);
	fake_reply(k, "HTTP/1.1 302 Found\r\nLocation: /moved/token?x=1\r\n"
		      "Content-Length: 0\r\n\r\n");
	fake_reply(k, "HTTP/1.1 301 Moved\r\nLocation: "
		      "http://SONAR.test/final?project=K\r\nContent-Length: "
		      "0\r\n\r\n");
	fake_reply(k, OK_TOKEN);
	c = make_client(0, "http://sonar.test", NULL);
	CHECK(c != NULL);
	CHECK_EQ_INT(sb_token_get(c, "K", out, sizeof(out)), SB_OK);
	CHECK(strstr(F.conns[0].sent, "GET /moved/token?x=1 HTTP/1.1") != NULL);
	CHECK(strstr(F.conns[0].sent, "GET /final?project=K HTTP/1.1") != NULL);
	CHECK_EQ_INT(fake_count_sent(&F, 0, "Authorization: Basic"), 3);
	done(c);

	/* Another host, another port, https to http: refused. */
	{
		static const char *locs[] = {
			"http://evil.test/api/x", "http://sonar.test:8080/x",
			"https://sonar.test/x", "//evil.test/x"};
		size_t i;

		for (i = 0; i < 4; i++) {
			char r[256];

			fake_init(&F, &P);
			snprintf(r, sizeof(r),
				 "HTTP/1.1 307 Temporary\r\nLocation: %s\r\n"
				 "Content-Length: 0\r\n\r\n",
				 locs[i]);
			fake_conn1(&F, r);
			c = make_client(0, "http://sonar.test", NULL);
			CHECK(c != NULL);
			CHECKF(sb_token_get(c, "K", out, sizeof(out)) ==
				       SB_ERR_UNEXPECTED_STATUS,
			       "followed %s", locs[i]);
			CHECK_EQ_INT(F.connects, 1);
			done(c);
		}
	}

	/* A loop ends after five hops. */
	fake_init(&F, &P);
	k = fake_add_conn(&F);
	{
		int i;

		for (i = 0; i < 7; i++)
			fake_reply(k, "HTTP/1.1 302 Found\r\nLocation: /loop\r\n"
				      "Content-Length: 0\r\n\r\n");
	}
	c = make_client(0, "http://sonar.test", NULL);
	CHECK(c != NULL);
	CHECK_EQ_INT(sb_token_get(c, "K", out, sizeof(out)),
		     SB_ERR_UNEXPECTED_STATUS);
	CHECK(strstr(sb_client_message(c), "redirects") != NULL);
	CHECK_EQ_INT(fake_count_sent(&F, 0, "GET "), 6);
	done(c);
}

/* CONNECT (always used for https://; asked for here with proxy_tunnel
 * because the fake port speaks no TLS). */
TEST(proxy_tunnel)
{
	sb_client *c;
	char out[64];
	struct fake_conn *k;

	fake_init(&F, &P);
	k = fake_add_conn(&F);
	fake_reply(k, "HTTP/1.1 200 Connection established\r\n\r\n");
	fake_reply(k, OK_TOKEN);
	c = make_client_with(0, "http://sonar.test:9000",
			"http://bob:s%3Acret@proxy.test:3128", 1);
	CHECK(c != NULL);
	CHECK_EQ_INT(sb_token_get(c, "K", out, sizeof(out)), SB_OK);
	CHECK_STR_EQ(F.last_host, "proxy.test");
	CHECK(strncmp(F.conns[0].sent,
		      "CONNECT sonar.test:9000 HTTP/1.1\r\nHost: "
		      "sonar.test:9000\r\n",
		      53) == 0);
	/* base64("bob:s:cret") */
	CHECK(strstr(F.conns[0].sent,
		     "Proxy-Authorization: Basic Ym9iOnM6Y3JldA==\r\n") != NULL);
	CHECK_EQ_INT(fake_count_sent(&F, 0, "Proxy-Authorization"), 1);
	done(c);

	/* 407: a network error naming the proxy, credentials masked. */
	fake_init(&F, &P);
	fake_conn1(&F, "HTTP/1.1 407 Proxy Authentication Required\r\n"
		       "Content-Length: 5\r\n\r\nnope!");
	c = make_client_with(0, "http://sonar.test", "http://bob:secret@proxy.test:3128", 1);
	CHECK(c != NULL);
	CHECK_EQ_INT(sb_token_get(c, "K", out, sizeof(out)), SB_ERR_PROXY);
	CHECK(strstr(sb_client_message(c), "407") != NULL);
	CHECK(strstr(sb_client_message(c), "http://***:***@proxy.test:3128"));
	CHECK(strstr(sb_client_message(c), "secret") == NULL);
	CHECK(strstr(sb_client_message(c), "bob") == NULL);
	done(c);

	/* The proxy closes without answering. */
	fake_init(&F, &P);
	fake_add_conn(&F);
	c = make_client_with(0, "http://sonar.test", "http://proxy.test:3128",
			     1);
	CHECK(c != NULL);
	CHECK_EQ_INT(sb_token_get(c, "K", out, sizeof(out)), SB_ERR_PROXY);
	CHECK(strstr(sb_client_message(c), "proxy.test") != NULL);
	done(c);
	CHECK_EQ_INT(F.live, 0);
}

/* An http:// base through a proxy: absolute form, as curl sends it. */
TEST(proxy_forwarding)
{
	sb_client *c;
	char out[64];
	struct fake_conn *k;

	fake_init(&F, &P);
	k = fake_add_conn(&F);
	fake_reply(k, OK_TOKEN);
	fake_reply(k, OK_TOKEN);
	c = make_client(0, "http://sonar.test:9000/sq",
			"http://bob:s%3Acret@proxy.test:3128");
	CHECK(c != NULL);
	CHECK_EQ_INT(sb_token_get(c, "K", out, sizeof(out)), SB_OK);
	CHECK_EQ_INT(sb_token_get(c, "K", out, sizeof(out)), SB_OK);
	CHECK_STR_EQ(F.last_host, "proxy.test");
	CHECK_EQ_INT(F.connects, 1); /* kept alive with the proxy */
	CHECK(strncmp(F.conns[0].sent,
		      "GET http://sonar.test:9000/sq/api/project_badges/token"
		      "?project=K HTTP/1.1\r\nHost: sonar.test:9000\r\n",
		      98) == 0);
	CHECK_EQ_INT(fake_count_sent(&F, 0, "GET http://sonar.test:9000/"), 2);
	CHECK_EQ_INT(fake_count_sent(&F, 0,
				     "Proxy-Authorization: Basic "
				     "Ym9iOnM6Y3JldA==\r\n"),
		     2);
	CHECK_EQ_INT(fake_count_sent(&F, 0, "CONNECT"), 0);
	done(c);

	/* 407 from the proxy: SB_ERR_PROXY, credentials masked. */
	fake_init(&F, &P);
	fake_conn1(&F, "HTTP/1.1 407 Proxy Authentication Required\r\n"
		       "Content-Length: 0\r\n\r\n");
	c = make_client(2, "http://sonar.test", "http://bob:secret@proxy.test:3128");
	CHECK(c != NULL);
	CHECK_EQ_INT(sb_token_get(c, "K", out, sizeof(out)), SB_ERR_PROXY);
	CHECK(strstr(sb_client_message(c), "407") != NULL);
	CHECK(strstr(sb_client_message(c), "http://***:***@proxy.test:3128"));
	CHECK(strstr(sb_client_message(c), "secret") == NULL);
	CHECK_EQ_INT(F.connects, 1); /* not retried */
	done(c);

	/* A proxy that echoes the Proxy-Authorization back in an error. */
	fake_init(&F, &P);
	fake_conn1(&F, "HTTP/1.1 400 Bad Request\r\nContent-Type: "
		       "application/json\r\nContent-Length: 54\r\n\r\n"
		       "{\"errors\":[{\"msg\":\"bad Ym9iOnNlY3JldA== bob:secret\"}]}");
	c = make_client(0, "http://sonar.test", "http://bob:secret@proxy.test:3128");
	CHECK(c != NULL);
	CHECK(sb_token_get(c, "K", out, sizeof(out)) != SB_OK);
	CHECK(strstr(sb_client_message(c), "Ym9iOnNlY3JldA==") == NULL);
	CHECK(strstr(sb_client_message(c), "bob:secret") == NULL);
	CHECK(strstr(sb_client_message(c), "bad [redacted] [redacted]") != NULL);
	done(c);
	CHECK_EQ_INT(F.live, 0);
}

TEST(noproxy_bypass_and_resolve)
{
	sb_client *c = NULL;
	char out[64], msg[256];
	sb_config cfg;
	const char *res[] = {"sonar.test:80:192.0.2.7", NULL};

	fake_init(&F, &P);
	fake_conn1(&F, OK_TOKEN);
	memset(&cfg, 0, sizeof(cfg));
	cfg.base_url = "http://sonar.test";
	cfg.user_token = "squ_x";
	cfg.proxy = "http://proxy.test:3128";
	cfg.noproxy = "other.test,.sonar.test";
	cfg.resolve = res;
	CHECK_EQ_INT(sb_client_create(&cfg, &P, &c, msg, sizeof(msg)), SB_OK);
	CHECK_EQ_INT(sb_token_get(c, "K", out, sizeof(out)), SB_OK);
	CHECK_STR_EQ(F.last_host, "192.0.2.7"); /* direct, as resolved */
	CHECK(strstr(F.conns[0].sent, "Host: sonar.test\r\n") != NULL);
	CHECK_EQ_INT(fake_count_sent(&F, 0, "CONNECT"), 0);
	sb_client_destroy(c);

	{
		const char *bad[] = {"sonar.test:80", NULL};

		cfg.resolve = bad;
		CHECK_EQ_INT(sb_client_create(&cfg, &P, &c, msg, sizeof(msg)),
			     SB_ERR_CONFIG);
		CHECK(strstr(msg, "--resolve") != NULL);
	}
	cfg.resolve = NULL;
	cfg.proxy = "socks5://proxy.test";
	CHECK_EQ_INT(sb_client_create(&cfg, &P, &c, msg, sizeof(msg)),
		     SB_ERR_CONFIG);
	CHECK_EQ_INT(F.live, 0);
}

int main(void)
{
	RUN(ip_literals);
	RUN(noproxy_matching);
	RUN(resolve_entries);
	RUN(proxy_urls);
	RUN(pins);
	RUN(retry_after);
	RUN(retry_503_then_ok);
	RUN(retry_gives_up_on_429);
	RUN(retry_after_too_long);
	RUN(no_retry_without_retries_or_for_post);
	RUN(retry_connect_failure);
	RUN(redirects);
	RUN(proxy_tunnel);
	RUN(proxy_forwarding);
	RUN(noproxy_bypass_and_resolve);
	return harness_main();
}

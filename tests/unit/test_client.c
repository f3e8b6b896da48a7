/*
 * test_client.c - the whole client (sb_client_*, sb_token_get/renew) over
 * the scripted fake port, with a plain http:// base URL: no TLS here.
 */
#include <stdio.h>
#include <string.h>

#include "fake_port.h"
#include "harness.h"
#include "sonarbadge/sonarbadge.h"

static struct fake_state F;
static sb_port P;

#define USER_TOKEN "squ_x"
#define USER_TOKEN_B64 "c3F1X3g6" /* base64("squ_x:") */
#define OLD "sqb_0ld0000000000000000000000000000000000000"
#define NEW "sqb_new1111111111111111111111111111111111111"

#define REQ_HEAD(method, target)                                     \
	method " " target " HTTP/1.1\r\n"                            \
	       "Host: sonar.test\r\n"                                \
	       "User-Agent: sonarbadge/0.1.0\r\n"                    \
	       "Accept: application/json\r\n"
#define GET_TOKEN_REQ                                                    \
	REQ_HEAD("GET", "/api/project_badges/token?project=KEY")          \
	"Authorization: Basic " USER_TOKEN_B64 "\r\n\r\n"
#define POST_RENEW_REQ                                                   \
	REQ_HEAD("POST", "/api/project_badges/renew_token")               \
	"Authorization: Basic " USER_TOKEN_B64 "\r\n"                     \
	"Content-Type: application/x-www-form-urlencoded\r\n"            \
	"Content-Length: 11\r\n\r\nproject=KEY"

/* ---- scripted responses -------------------------------------------- */

static char pool[64][2048];
static size_t pool_next;

/* "HTTP/1.1 <status>" with extra header lines and a Content-Length body. */
static const char *resp(const char *status, const char *headers,
			const char *body)
{
	char *p = pool[pool_next++ % 64];

	snprintf(p, sizeof(pool[0]),
		 "HTTP/1.1 %s\r\n%sContent-Length: %lu\r\n\r\n%s", status,
		 headers, (unsigned long)strlen(body), body);
	return p;
}

static const char *json(const char *status, const char *body)
{
	return resp(status, "Content-Type: application/json\r\n", body);
}

static const char *tok(const char *token)
{
	char body[256];

	snprintf(body, sizeof(body), "{\"token\":\"%s\"}", token);
	return json("200 OK", body);
}

static const char *err_body(const char *status, const char *msg)
{
	char body[512];

	snprintf(body, sizeof(body), "{\"errors\":[{\"msg\":\"%s\"}]}", msg);
	return json(status, body);
}

static const char *no_content(void)
{
	return "HTTP/1.1 204 No Content\r\n\r\n";
}

/* ---- client set-up and checks -------------------------------------- */

static sb_config config(void)
{
	sb_config cfg;

	memset(&cfg, 0, sizeof(cfg));
	cfg.base_url = "http://sonar.test";
	cfg.user_token = USER_TOKEN;
	cfg.auth = SB_AUTH_BASIC;
	return cfg;
}

static sb_client *client_with(const sb_config *cfg)
{
	sb_client *c = NULL;
	char msg[256];

	if (sb_client_create(cfg, &P, &c, msg, sizeof(msg)) != SB_OK) {
		harness_fail(__FILE__, __LINE__, "sb_client_create: %s", msg);
		return NULL;
	}
	return c;
}

static sb_client *client(void)
{
	sb_config cfg = config();

	return client_with(&cfg);
}

/* The secret must never be in a message. */
static int leaks_secret(const char *s)
{
	return strstr(s, USER_TOKEN) || strstr(s, USER_TOKEN_B64);
}

/* Destroy c and check the fake saw nothing wrong. */
static void finish(sb_client *c)
{
	int leak = leaks_secret(sb_client_message(c));

	sb_client_destroy(c);
	CHECKF(!leak, "user token in the message");
	CHECK_EQ_INT(F.live, 0);
	CHECK_EQ_INT(F.bad_closes, 0);
	CHECK_EQ_INT(F.unscripted, 0);
}

#define FINISH(c)               \
	do {                    \
		finish(c);      \
		CHECK_HELPER(); \
	} while (0)

#define SETUP() fake_init(&F, &P)

/* Read the token of KEY and expect err (and want on success). */
static void expect_get(sb_client *c, sb_err err, const char *want)
{
	char out[SB_MAX_TOKEN_LEN + 1];
	sb_err got;

	memset(out, 'Z', sizeof(out));
	got = sb_token_get(c, "KEY", out, sizeof(out));
	CHECKF(got == err, "sb_token_get: %s (%s), want %s", sb_err_name(got),
	       sb_client_message(c), sb_err_name(err));
	if (err == SB_OK) {
		CHECK_STR_EQ(out, want);
		CHECK_STR_EQ(sb_client_message(c), "");
	} else {
		CHECK(sb_client_message(c)[0] != '\0');
	}
}

#define EXPECT_GET(c, err, want)                \
	do {                                    \
		expect_get((c), (err), (want)); \
		if (harness_failed()) {         \
			sb_client_destroy(c);   \
			return;                 \
		}                               \
	} while (0)

/* ---- creation ------------------------------------------------------ */

TEST(create_and_destroy)
{
	sb_client *c;

	SETUP();
	c = client();
	CHECK(c != NULL);
	CHECK_STR_EQ(sb_client_base_url(c), "http://sonar.test");
	CHECK_EQ_INT(sb_client_connections(c), 0);
	CHECK_EQ_INT(sb_client_http_status(c), 0);
	CHECK_EQ_INT(sb_client_is_sonarcloud(c), 0);
	CHECK_STR_EQ(sb_client_message(c), "");
	FINISH(c);
	CHECK_EQ_INT(F.connects, 0); /* nothing is sent at creation */
	sb_client_destroy(NULL);
	CHECK_STR_EQ(sb_client_message(NULL), "");
}

TEST(create_errors)
{
	sb_config cfg;
	sb_port bad;
	sb_client *c = (sb_client *)&c;
	char msg[256];

	SETUP();
	cfg = config();
	cfg.base_url = "ftp://sonar.test";
	CHECK_EQ_INT(sb_client_create(&cfg, &P, &c, msg, sizeof(msg)),
		     SB_ERR_CONFIG);
	CHECK(c == NULL && msg[0] != '\0');
	cfg = config();
	cfg.user_token = "squ_x y";
	CHECK_EQ_INT(sb_client_create(&cfg, &P, &c, msg, sizeof(msg)),
		     SB_ERR_CONFIG);
	CHECK(strstr(msg, "squ_x") == NULL);
	cfg.user_token = "squ_x\r\nX-Evil: 1";
	CHECK_EQ_INT(sb_client_create(&cfg, &P, &c, msg, sizeof(msg)),
		     SB_ERR_CONFIG);
	cfg = config();
	bad = P;
	bad.recv = NULL;
	CHECK_EQ_INT(sb_client_create(&cfg, &bad, &c, msg, sizeof(msg)),
		     SB_ERR_INVALID_ARG);
	CHECK_EQ_INT(sb_client_create(NULL, &P, &c, msg, sizeof(msg)),
		     SB_ERR_INVALID_ARG);
	CHECK_EQ_INT(F.live, 0);
}

/* ---- reading the token --------------------------------------------- */

TEST(token_read_basic)
{
	sb_client *c;

	SETUP();
	fake_conn1(&F, tok(OLD));
	c = client();
	CHECK(c != NULL);
	EXPECT_GET(c, SB_OK, OLD);
	CHECK_STR_EQ(F.conns[0].sent, GET_TOKEN_REQ);
	CHECK_EQ_INT(sb_client_connections(c), 1);
	CHECK_EQ_INT(sb_client_http_status(c), 200);
	FINISH(c);
	CHECK_EQ_INT(F.conns[0].closed, 1);
}

TEST(token_read_bearer)
{
	sb_config cfg;
	sb_client *c;

	struct fake_conn *k;
	const char *sent;

	/* The version first (10.0 has Bearer), without the token. */
	SETUP();
	k = fake_add_conn(&F);
	fake_reply(k, resp("200 OK", "Content-Type: text/plain\r\n",
			   "10.0.0.68432"));
	fake_reply(k, tok(OLD));
	cfg = config();
	cfg.auth = SB_AUTH_BEARER;
	c = client_with(&cfg);
	CHECK(c != NULL);
	EXPECT_GET(c, SB_OK, OLD);
	sent = F.conns[0].sent;
	CHECK(strncmp(sent, "GET /api/server/version HTTP/1.1\r\n", 34) == 0);
	CHECK_EQ_INT(fake_count_sent(&F, 0, "Authorization"), 1);
	CHECK(strstr(sent, REQ_HEAD("GET",
				    "/api/project_badges/token?project=KEY")
			   "Authorization: Bearer squ_x\r\n\r\n") != NULL);
	FINISH(c);
}

/* Before 10.0 a Bearer header is read as no credentials: refused before
 * the token is sent. */
TEST(bearer_refused_before_10)
{
	sb_config cfg;
	sb_client *c;
	struct fake_conn *k;

	SETUP();
	k = fake_add_conn(&F);
	fake_reply(k, resp("200 OK", "Content-Type: text/plain\r\n",
			   "9.9.8.100196"));
	cfg = config();
	cfg.auth = SB_AUTH_BEARER;
	c = client_with(&cfg);
	CHECK(c != NULL);
	EXPECT_GET(c, SB_ERR_CONFIG, NULL);
	CHECK(strstr(sb_client_message(c), "SonarQube 9.9 has no Bearer "
					   "authentication (it came in 10.0)"));
	CHECK_EQ_INT(fake_count_sent(&F, 0, "Authorization"), 0);
	CHECK_EQ_INT(fake_count_sent(&F, 0, "GET "), 1);
	FINISH(c);
}

/* Badge images never get the user token; a client without one sends
 * no credentials at all. */
TEST(badge_images_without_credentials)
{
	sb_config cfg;
	sb_client *c;
	size_t len = 0;
	static const char svg[] =
		"HTTP/1.1 200 OK\r\nContent-Type: image/svg+xml\r\n"
		"Content-Length: 56\r\n\r\n"
		"<svg><text>coverage</text><text>80.0%</text></svg>      ";

	SETUP();
	fake_conn1(&F, svg);
	c = client();
	CHECK(c != NULL);
	CHECK_EQ_INT(sb_badge_fetch(c, "/api/project_badges/measure?project=KEY"
				       "&metric=coverage&token=sqb_1",
				    NULL, 0, &len),
		     SB_OK);
	CHECK_EQ_INT(len, 56);
	CHECK_EQ_INT(fake_count_sent(&F, 0, "Authorization"), 0);
	FINISH(c);

	SETUP();
	fake_conn1(&F, tok(OLD));
	cfg = config();
	cfg.user_token = NULL;
	c = client_with(&cfg);
	CHECK(c != NULL);
	EXPECT_GET(c, SB_OK, OLD);
	CHECK_EQ_INT(fake_count_sent(&F, 0, "Authorization"), 0);
	FINISH(c);
}

TEST(token_read_encoded_key_and_base_path)
{
	sb_config cfg;
	sb_client *c;
	char out[64];

	SETUP();
	fake_conn1(&F, tok(OLD));
	cfg = config();
	cfg.base_url = "http://sonar.test:9000/sonarqube/";
	c = client_with(&cfg);
	CHECK(c != NULL);
	CHECK_EQ_INT(sb_token_get(c, "my:key", out, sizeof(out)), SB_OK);
	{
		static const char want[] =
			"GET /sonarqube/api/project_badges/token?project="
			"my%3Akey HTTP/1.1\r\nHost: sonar.test:9000\r\n";

		CHECK(strncmp(F.conns[0].sent, want, sizeof(want) - 1) == 0);
	}
	FINISH(c);
}

TEST(token_read_byte_by_byte)
{
	static char chunked[512];
	static const char rest[] = "en\":\"" OLD "\"}";
	struct fake_conn *k;
	sb_client *c;

	SETUP();
	/* A chunked body, delivered and taken one byte at a time. */
	snprintf(chunked, sizeof(chunked),
		 "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
		 "Transfer-Encoding: chunked\r\n\r\n"
		 "5\r\n{\"tok\r\n%lx\r\n%s\r\n0\r\n\r\n",
		 (unsigned long)strlen(rest), rest);
	k = fake_conn1(&F, chunked);
	k->piece = 1;
	k->send_piece = 1;
	c = client();
	CHECK(c != NULL);
	EXPECT_GET(c, SB_OK, OLD);
	CHECK_STR_EQ(F.conns[0].sent, GET_TOKEN_REQ);
	CHECK(k->recv_calls >= strlen(chunked));
	FINISH(c);
}

/* The status code at the start of "404 Not Found". */
static int atoi_status(const char *s)
{
	return (s[0] - '0') * 100 + (s[1] - '0') * 10 + (s[2] - '0');
}

TEST(status_errors)
{
	static const struct {
		const char *status, *msg;
		sb_err err;
		const char *in_message;
	} cases[] = {
		{"401 Unauthorized", NULL, SB_ERR_UNAUTHORIZED, "401"},
		{"403 Forbidden", "Insufficient privileges", SB_ERR_FORBIDDEN,
		 "Insufficient privileges"},
		{"400 Bad Request", "Project or Application not found",
		 SB_ERR_NOT_FOUND, "Project or Application not found"},
		{"400 Bad Request", "Something else", SB_ERR_UNEXPECTED_STATUS,
		 "Something else"},
		{"500 Internal Server Error", "boom", SB_ERR_SERVER, "boom"},
		{"503 Service Unavailable", NULL, SB_ERR_SERVER, "503"},
		{"429 Too Many Requests", NULL, SB_ERR_RATE_LIMITED, "429"},
		{"418 I'm a teapot", NULL, SB_ERR_UNEXPECTED_STATUS, "418"},
		{"302 Found", NULL, SB_ERR_HTTP_PROTOCOL, "302"}, /* no Location */
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		sb_client *c;
		char out[64];
		sb_err err;

		SETUP();
		if (cases[i].msg)
			fake_conn1(&F, err_body(cases[i].status, cases[i].msg));
		else
			fake_conn1(&F, resp(cases[i].status, "",
					    "<html>no json</html>"));
		c = client();
		CHECK(c != NULL);
		err = sb_token_get(c, "KEY", out, sizeof(out));
		CHECKF(err == cases[i].err, "%s: %s (%s)", cases[i].status,
		       sb_err_name(err), sb_client_message(c));
		CHECKF(strstr(sb_client_message(c), cases[i].in_message),
		       "%s: message \"%s\"", cases[i].status,
		       sb_client_message(c));
		CHECK_EQ_INT(sb_client_http_status(c),
			     atoi_status(cases[i].status));
		CHECK_STR_EQ(out, "");
		FINISH(c);
		CHECK_EQ_INT(F.connects, 1); /* no fallback, no retry */
	}
}

TEST(navigation_fallback)
{
	struct fake_conn *k;
	sb_client *c;

	SETUP();
	k = fake_add_conn(&F);
	fake_reply(k, err_body("404 Not Found", "Unknown url : "
						"/api/project_badges/token"));
	fake_reply(k, json("200 OK", "{\"key\":\"KEY\",\"badgeToken\":\"" OLD
				     "\",\"name\":\"token\"}"));
	c = client();
	CHECK(c != NULL);
	EXPECT_GET(c, SB_OK, OLD);
	CHECK_STR_EQ(F.conns[0].sent,
		     GET_TOKEN_REQ REQ_HEAD(
			     "GET", "/api/navigation/component?component=KEY")
			     "Authorization: Basic " USER_TOKEN_B64 "\r\n\r\n");
	CHECK_EQ_INT(sb_client_connections(c), 1);
	FINISH(c);
}

TEST(navigation_fallback_organization)
{
	struct fake_conn *k;
	sb_config cfg;
	sb_client *c;

	SETUP();
	k = fake_add_conn(&F);
	fake_reply(k, resp("404 Not Found", "", ""));
	fake_reply(k, json("200 OK", "{\"badgeToken\":\"" OLD "\"}"));
	cfg = config();
	cfg.organization = "my org";
	c = client_with(&cfg);
	CHECK(c != NULL);
	EXPECT_GET(c, SB_OK, OLD);
	CHECK(strstr(F.conns[0].sent,
		     "GET /api/navigation/component?component=KEY&"
		     "organization=my+org HTTP/1.1\r\n"));
	/* The organization goes to the fallback only. */
	CHECK(strncmp(F.conns[0].sent, GET_TOKEN_REQ,
		      strlen(GET_TOKEN_REQ)) == 0);
	FINISH(c);
}

TEST(no_token_api_at_all)
{
	struct fake_conn *k;
	sb_client *c;

	/* Both answer 404 Unknown url: the version says why. */
	SETUP();
	k = fake_add_conn(&F);
	fake_reply(k, err_body("404 Not Found", "Unknown url : /api/x"));
	fake_reply(k, err_body("404 Not Found", "Unknown url : /api/y"));
	fake_reply(k, resp("200 OK", "Content-Type: text/plain\r\n",
			   "9.1.0.47736"));
	c = client();
	CHECK(c != NULL);
	EXPECT_GET(c, SB_ERR_UNSUPPORTED, NULL);
	CHECK(strstr(sb_client_message(c), "SonarQube 9.1 (9.1.0.47736) has "
					   "no badge tokens; they came in "
					   "SonarQube 9.2"));
	/* The version request never carries the user token. */
	CHECK_EQ_INT(fake_count_sent(&F, 0, "Authorization"), 2);
	FINISH(c);

	/* navigation/component answers without badgeToken. */
	SETUP();
	k = fake_add_conn(&F);
	fake_reply(k, resp("404 Not Found", "", ""));
	fake_reply(k, json("200 OK", "{\"key\":\"KEY\"}"));
	fake_reply(k, resp("200 OK", "", "10.7.0.96327\n"));
	c = client();
	CHECK(c != NULL);
	EXPECT_GET(c, SB_ERR_UNSUPPORTED, NULL);
	CHECK(strstr(sb_client_message(c), "SonarQube 10.7, version "
					   "10.7.0.96327"));
	FINISH(c);

	/* No SonarQube there at all (a wrong context path). */
	SETUP();
	k = fake_add_conn(&F);
	fake_reply(k, resp("404 Not Found", "", "<html>nothing</html>"));
	fake_reply(k, resp("404 Not Found", "", "<html>nothing</html>"));
	fake_reply(k, resp("404 Not Found", "", "<html>nothing</html>"));
	c = client();
	CHECK(c != NULL);
	EXPECT_GET(c, SB_ERR_CONFIG, NULL);
	CHECK(strstr(sb_client_message(c), "no SonarQube at http://sonar.test"));
	CHECK(strstr(sb_client_message(c), "context path"));
	FINISH(c);

	/* The fallback says the project is not there. */
	SETUP();
	k = fake_add_conn(&F);
	fake_reply(k, resp("404 Not Found", "", ""));
	fake_reply(k, err_body("404 Not Found",
			       "Component key 'KEY' not found"));
	c = client();
	CHECK(c != NULL);
	EXPECT_GET(c, SB_ERR_NOT_FOUND, NULL);
	FINISH(c);
}

TEST(bad_token_bodies)
{
	static const char *const bodies[] = {
		"not json",
		"",
		"{\"token\":\"sqb abc\"}",
		"{\"token\":\"sqb_<script>\"}",
		"{\"token\":\"sqb_\\u00e9\"}",
		"{\"token\":\"\"}",
		"{\"token\":42}",
		"{\"other\":\"sqb_1\"}",
		"[\"token\"]",
		"{\"token\":\"a\",\"token\":\"b\"}",
	};
	size_t i;

	for (i = 0; i < sizeof(bodies) / sizeof(bodies[0]); i++) {
		sb_client *c;
		char out[64];
		sb_err err;

		SETUP();
		fake_conn1(&F, json("200 OK", bodies[i]));
		c = client();
		CHECK(c != NULL);
		err = sb_token_get(c, "KEY", out, sizeof(out));
		CHECKF(err == SB_ERR_JSON, "%s: %s", bodies[i],
		       sb_err_name(err));
		CHECK(sb_client_message(c)[0] != '\0');
		CHECK_STR_EQ(out, "");
		FINISH(c);
	}
}

TEST(token_too_long)
{
	char body[512], t[SB_MAX_TOKEN_LEN + 2];
	sb_client *c;

	SETUP();
	memset(t, 'a', sizeof(t) - 1);
	t[sizeof(t) - 1] = '\0';
	snprintf(body, sizeof(body), "{\"token\":\"%s\"}", t);
	fake_conn1(&F, json("200 OK", body));
	c = client();
	CHECK(c != NULL);
	EXPECT_GET(c, SB_ERR_TOO_LARGE, NULL);
	FINISH(c);
}

TEST(output_buffer_too_small)
{
	sb_client *c;
	char out[8];

	SETUP();
	fake_conn1(&F, tok(OLD));
	c = client();
	CHECK(c != NULL);
	CHECK_EQ_INT(sb_token_get(c, "KEY", out, sizeof(out)),
		     SB_ERR_BUFFER_TOO_SMALL);
	CHECK_EQ_INT(sb_token_get(c, "", out, sizeof(out)),
		     SB_ERR_INVALID_ARG);
	CHECK_EQ_INT(sb_token_get(c, NULL, out, sizeof(out)),
		     SB_ERR_INVALID_ARG);
	CHECK_EQ_INT(sb_token_get(c, "KEY", out, 0), SB_ERR_INVALID_ARG);
	CHECK_EQ_INT(sb_token_get(NULL, "KEY", out, sizeof(out)),
		     SB_ERR_INVALID_ARG);
	FINISH(c);
}

/* ---- the kept-alive connection ------------------------------------- */

TEST(keep_alive_one_connection)
{
	struct fake_conn *k;
	sb_client *c;

	SETUP();
	k = fake_add_conn(&F);
	fake_reply(k, tok(OLD));
	fake_reply(k, tok(NEW));
	c = client();
	CHECK(c != NULL);
	EXPECT_GET(c, SB_OK, OLD);
	EXPECT_GET(c, SB_OK, NEW);
	CHECK_EQ_INT(sb_client_connections(c), 1);
	CHECK_EQ_INT(F.connects, 1);
	CHECK_EQ_INT(fake_count_sent(&F, 0, "GET "), 2);
	CHECK_EQ_INT(F.conns[0].closed, 0);
	FINISH(c);
	CHECK_EQ_INT(F.conns[0].closed, 1);
}

TEST(connection_close_means_new_connection)
{
	sb_client *c;

	SETUP();
	fake_conn1(&F, resp("200 OK", "Connection: close\r\n",
			    "{\"token\":\"" OLD "\"}"));
	fake_conn1(&F, tok(NEW));
	c = client();
	CHECK(c != NULL);
	EXPECT_GET(c, SB_OK, OLD);
	CHECK_EQ_INT(F.conns[0].closed, 1);
	EXPECT_GET(c, SB_OK, NEW);
	CHECK_EQ_INT(sb_client_connections(c), 2);
	FINISH(c);
}

TEST(bytes_after_response_mean_new_connection)
{
	static char twice[1024];
	sb_client *c;

	SETUP();
	/* Extra bytes right behind the response: do not reuse. */
	snprintf(twice, sizeof(twice), "%s%s", tok(OLD), tok(OLD));
	fake_conn1(&F, twice);
	fake_conn1(&F, tok(NEW));
	c = client();
	CHECK(c != NULL);
	EXPECT_GET(c, SB_OK, OLD);
	EXPECT_GET(c, SB_OK, NEW);
	CHECK_EQ_INT(sb_client_connections(c), 2);
	FINISH(c);
}

TEST(kept_alive_closed_get_retried)
{
	struct fake_conn *k;
	sb_client *c;

	SETUP();
	k = fake_conn1(&F, tok(OLD));
	k->end_rc = SB_PORT_CLOSED; /* closed before the second request */
	fake_conn1(&F, tok(NEW));
	c = client();
	CHECK(c != NULL);
	EXPECT_GET(c, SB_OK, OLD);
	EXPECT_GET(c, SB_OK, NEW);
	CHECK_EQ_INT(sb_client_connections(c), 2);
	CHECK_EQ_INT(fake_count_sent(&F, 0, "GET "), 2);
	CHECK_EQ_INT(fake_count_sent(&F, 1, "GET "), 1);
	CHECK_STR_EQ(F.conns[1].sent, GET_TOKEN_REQ);
	FINISH(c);
}

TEST(kept_alive_reset_get_retried)
{
	struct fake_conn *k;
	sb_client *c;

	SETUP();
	k = fake_conn1(&F, tok(OLD));
	k->end_rc = SB_PORT_ERR_IO;
	fake_conn1(&F, tok(NEW));
	c = client();
	CHECK(c != NULL);
	EXPECT_GET(c, SB_OK, OLD);
	EXPECT_GET(c, SB_OK, NEW);
	CHECK_EQ_INT(sb_client_connections(c), 2);
	FINISH(c);
}

TEST(retry_only_once)
{
	struct fake_conn *k;
	sb_client *c;

	SETUP();
	k = fake_conn1(&F, tok(OLD));
	fake_add_conn(&F); /* the new connection closes at once too */
	c = client();
	CHECK(c != NULL);
	(void)k;
	EXPECT_GET(c, SB_OK, OLD);
	EXPECT_GET(c, SB_ERR_NETWORK, NULL);
	CHECK_EQ_INT(F.connects, 2);
	FINISH(c);
}

TEST(fresh_connection_closed_not_retried)
{
	sb_client *c;

	SETUP();
	fake_add_conn(&F);
	c = client();
	CHECK(c != NULL);
	EXPECT_GET(c, SB_ERR_NETWORK, NULL);
	CHECK_EQ_INT(F.connects, 1);
	FINISH(c);
}

TEST(closed_mid_response_not_retried)
{
	struct fake_conn *k;
	sb_client *c;

	SETUP();
	k = fake_add_conn(&F);
	fake_reply(k, tok(OLD));
	fake_reply(k, tok(NEW));
	/* Half of the second response, then the peer closes. */
	k->close_after = (long)strlen(tok(OLD)) + 20;
	c = client();
	CHECK(c != NULL);
	EXPECT_GET(c, SB_OK, OLD);
	EXPECT_GET(c, SB_ERR_NETWORK, NULL);
	CHECK_EQ_INT(F.connects, 1);
	FINISH(c);
}

TEST(malformed_response)
{
	sb_client *c;

	SETUP();
	fake_conn1(&F, "HTTP/1.1 200 OK\r\nBad Header\r\n\r\n");
	c = client();
	CHECK(c != NULL);
	EXPECT_GET(c, SB_ERR_HTTP_PROTOCOL, NULL);
	FINISH(c);
}

/* ---- renewal ------------------------------------------------------- */

static sb_err renew(sb_client *c, char *old_out, char *new_out)
{
	return sb_token_renew(c, "KEY", old_out, SB_MAX_TOKEN_LEN + 1, new_out,
			      SB_MAX_TOKEN_LEN + 1);
}

static unsigned count_all(const char *needle)
{
	unsigned n = 0;
	size_t i;

	for (i = 0; i < F.conn_count; i++)
		n += fake_count_sent(&F, i, needle);
	return n;
}

TEST(renew_ok)
{
	char old_tok[SB_MAX_TOKEN_LEN + 1], new_tok[SB_MAX_TOKEN_LEN + 1];
	struct fake_conn *k;
	sb_client *c;

	SETUP();
	k = fake_add_conn(&F);
	fake_reply(k, tok(OLD));
	fake_reply(k, no_content());
	fake_reply(k, tok(NEW));
	c = client();
	CHECK(c != NULL);
	CHECK_EQ_INT(renew(c, old_tok, new_tok), SB_OK);
	CHECK_STR_EQ(old_tok, OLD);
	CHECK_STR_EQ(new_tok, NEW);
	CHECK_STR_EQ(F.conns[0].sent,
		     GET_TOKEN_REQ POST_RENEW_REQ GET_TOKEN_REQ);
	CHECK_EQ_INT(sb_client_connections(c), 1);
	CHECK_STR_EQ(sb_client_message(c), "");
	FINISH(c);
}

TEST(renew_without_old_out)
{
	char new_tok[SB_MAX_TOKEN_LEN + 1];
	struct fake_conn *k;
	sb_client *c;

	SETUP();
	k = fake_add_conn(&F);
	fake_reply(k, tok(OLD));
	fake_reply(k, json("200 OK", "{}"));
	fake_reply(k, tok(NEW));
	c = client();
	CHECK(c != NULL);
	CHECK_EQ_INT(sb_token_renew(c, "KEY", NULL, 0, new_tok,
				    sizeof(new_tok)),
		     SB_OK);
	CHECK_STR_EQ(new_tok, NEW);
	FINISH(c);
}

TEST(renew_unsupported)
{
	char old_tok[SB_MAX_TOKEN_LEN + 1], new_tok[SB_MAX_TOKEN_LEN + 1];
	struct fake_conn *k;
	sb_client *c;

	SETUP();
	k = fake_add_conn(&F);
	fake_reply(k, tok(OLD));
	fake_reply(k, err_body("404 Not Found",
			       "Unknown url : /api/project_badges/renew_token"));
	fake_reply(k, resp("200 OK", "Content-Type: text/plain\r\n",
			   "8.0.0.82356"));
	c = client();
	CHECK(c != NULL);
	CHECK_EQ_INT(renew(c, old_tok, new_tok), SB_ERR_UNSUPPORTED);
	/* The version tells SonarQube Cloud, and what to do there. */
	CHECK(strstr(sb_client_message(c), "SonarQube Cloud (SonarCloud) has "
					   "no documented API to renew"));
	CHECK_EQ_INT(count_all("GET "), 2);
	CHECK_EQ_INT(count_all("POST "), 1);
	CHECK_EQ_INT(F.connects, 1);
	CHECK_STR_EQ(new_tok, "");
	FINISH(c);
}

TEST(renew_forbidden)
{
	char old_tok[SB_MAX_TOKEN_LEN + 1], new_tok[SB_MAX_TOKEN_LEN + 1];
	struct fake_conn *k;
	sb_client *c;

	SETUP();
	k = fake_add_conn(&F);
	fake_reply(k, tok(OLD));
	fake_reply(k, err_body("403 Forbidden", "Insufficient privileges"));
	c = client();
	CHECK(c != NULL);
	CHECK_EQ_INT(renew(c, old_tok, new_tok), SB_ERR_FORBIDDEN);
	CHECK(strstr(sb_client_message(c), "Insufficient privileges"));
	CHECK_EQ_INT(count_all("POST "), 1);
	CHECK_EQ_INT(count_all("GET "), 1);
	FINISH(c);
}

TEST(renew_token_unchanged)
{
	char old_tok[SB_MAX_TOKEN_LEN + 1], new_tok[SB_MAX_TOKEN_LEN + 1];
	struct fake_conn *k;
	sb_client *c;

	SETUP();
	k = fake_add_conn(&F);
	fake_reply(k, tok(OLD));
	fake_reply(k, no_content());
	fake_reply(k, tok(OLD));
	c = client();
	CHECK(c != NULL);
	CHECK_EQ_INT(renew(c, old_tok, new_tok), SB_ERR_TOKEN_UNCHANGED);
	CHECK_EQ_INT(count_all("POST "), 1);
	FINISH(c);
}

/* A connection the peer closed while idle is seen before anything is
 * sent on it: a POST never meets it (no unknown outcome, one POST). */
TEST(kept_alive_closed_seen_before_sending)
{
	char old_tok[SB_MAX_TOKEN_LEN + 1], new_tok[SB_MAX_TOKEN_LEN + 1];
	struct fake_conn *k;
	sb_client *c;

	SETUP();
	k = fake_conn1(&F, tok(OLD));
	k->end_rc = SB_PORT_CLOSED;
	k->idle_closed = 1;
	k = fake_add_conn(&F);
	fake_reply(k, no_content());
	fake_reply(k, tok(NEW));
	c = client();
	CHECK(c != NULL);
	CHECK_EQ_INT(renew(c, old_tok, new_tok), SB_OK);
	CHECK_STR_EQ(new_tok, NEW);
	CHECK_STR_EQ(F.conns[0].sent, GET_TOKEN_REQ);
	CHECK_STR_EQ(F.conns[1].sent, POST_RENEW_REQ GET_TOKEN_REQ);
	CHECK_EQ_INT(count_all("POST "), 1);
	CHECK_EQ_INT(sb_client_connections(c), 2);
	FINISH(c);
}

TEST(renew_dropped_but_applied)
{
	char old_tok[SB_MAX_TOKEN_LEN + 1], new_tok[SB_MAX_TOKEN_LEN + 1];
	struct fake_conn *k;
	sb_client *c;

	SETUP();
	/* The POST goes out, then the connection drops with no answer. */
	fake_conn1(&F, tok(OLD));
	k = fake_add_conn(&F);
	fake_reply(k, tok(NEW)); /* the check: it was renewed */
	fake_reply(k, tok(NEW));
	c = client();
	CHECK(c != NULL);
	CHECK_EQ_INT(renew(c, old_tok, new_tok), SB_OK);
	CHECK_STR_EQ(old_tok, OLD);
	CHECK_STR_EQ(new_tok, NEW);
	CHECK_EQ_INT(count_all("POST "), 1);
	CHECK_EQ_INT(fake_count_sent(&F, 0, "POST "), 1);
	CHECK_EQ_INT(fake_count_sent(&F, 1, "POST "), 0);
	FINISH(c);
}

TEST(renew_dropped_not_applied)
{
	char old_tok[SB_MAX_TOKEN_LEN + 1], new_tok[SB_MAX_TOKEN_LEN + 1];
	struct fake_conn *k;
	sb_client *c;

	SETUP();
	k = fake_conn1(&F, tok(OLD));
	k->end_rc = SB_PORT_ERR_IO; /* reset after the POST went out */
	fake_conn1(&F, tok(OLD)); /* the check: not renewed */
	k = fake_add_conn(&F);	  /* the second POST, on a new connection */
	fake_reply(k, no_content());
	fake_reply(k, tok(NEW));
	c = client();
	CHECK(c != NULL);
	CHECK_EQ_INT(renew(c, old_tok, new_tok), SB_OK);
	CHECK_STR_EQ(new_tok, NEW);
	CHECK_EQ_INT(count_all("POST "), 2);
	CHECK_STR_EQ(F.conns[1].sent, GET_TOKEN_REQ);
	CHECK_STR_EQ(F.conns[2].sent, POST_RENEW_REQ GET_TOKEN_REQ);
	FINISH(c);
}

TEST(renew_dropped_twice)
{
	char old_tok[SB_MAX_TOKEN_LEN + 1], new_tok[SB_MAX_TOKEN_LEN + 1];
	sb_client *c;

	SETUP();
	fake_conn1(&F, tok(OLD)); /* the read, then the POST drops */
	fake_conn1(&F, tok(OLD)); /* the check: not renewed */
	fake_add_conn(&F);	  /* the second POST drops too */
	fake_conn1(&F, tok(OLD)); /* the check: still not renewed */
	c = client();
	CHECK(c != NULL);
	CHECK_EQ_INT(renew(c, old_tok, new_tok), SB_ERR_NETWORK);
	CHECK_EQ_INT(count_all("POST "), 2); /* never a third */
	CHECK_EQ_INT(fake_count_sent(&F, 2, "POST "), 1);
	CHECK_STR_EQ(new_tok, "");
	FINISH(c);
}

TEST(renew_send_failed)
{
	char old_tok[SB_MAX_TOKEN_LEN + 1], new_tok[SB_MAX_TOKEN_LEN + 1];
	struct fake_conn *k;
	sb_client *c;

	SETUP();
	k = fake_add_conn(&F);
	fake_reply(k, resp("200 OK", "Connection: close\r\n",
			   "{\"token\":\"" OLD "\"}"));
	k = fake_add_conn(&F);
	k->send_rc = SB_PORT_ERR_IO; /* the POST may have gone out */
	k = fake_add_conn(&F);
	fake_reply(k, tok(NEW));
	fake_reply(k, tok(NEW));
	c = client();
	CHECK(c != NULL);
	CHECK_EQ_INT(renew(c, old_tok, new_tok), SB_OK);
	CHECK_STR_EQ(new_tok, NEW);
	FINISH(c);
}

/* ---- time-outs and connect errors ---------------------------------- */

TEST(recv_timeout)
{
	struct fake_conn *k;
	sb_config cfg;
	sb_client *c;
	uint64_t start;

	SETUP();
	k = fake_add_conn(&F);
	k->end_rc = SB_PORT_TIMEOUT;
	cfg = config();
	cfg.max_time_ms = 5000;
	c = client_with(&cfg);
	CHECK(c != NULL);
	start = F.now;
	EXPECT_GET(c, SB_ERR_TIMEOUT, NULL);
	CHECK(F.now - start <= 5000);
	CHECK(k->recv_calls <= 2);
	FINISH(c);
}

TEST(recv_timeout_mid_response)
{
	static char part[256];
	struct fake_conn *k;
	sb_client *c;
	uint64_t start;

	SETUP();
	snprintf(part, sizeof(part), "%.30s", tok(OLD));
	k = fake_conn1(&F, part);
	k->end_rc = SB_PORT_TIMEOUT;
	k->piece = 3;
	c = client(); /* default maximum time: 60 s */
	CHECK(c != NULL);
	start = F.now;
	EXPECT_GET(c, SB_ERR_TIMEOUT, NULL);
	CHECK(F.now - start <= 60000);
	FINISH(c);
}

TEST(deadline_already_passed)
{
	struct fake_conn *k;
	sb_config cfg;
	sb_client *c;

	/* A port whose recv gives single bytes while time runs out. */
	SETUP();
	k = fake_conn1(&F, tok(OLD));
	k->piece = 1;
	cfg = config();
	cfg.max_time_ms = 1;
	c = client_with(&cfg);
	CHECK(c != NULL);
	EXPECT_GET(c, SB_OK, OLD); /* the fake clock did not move */
	FINISH(c);
}

TEST(connect_errors)
{
	static const struct {
		int port_rc;
		sb_err err;
		const char *in_message;
	} cases[] = {
		{SB_PORT_ERR_DNS, SB_ERR_DNS, "Name or service not known"},
		{SB_PORT_ERR_CONNECT, SB_ERR_CONNECT, "Connection refused"},
		{SB_PORT_TIMEOUT, SB_ERR_TIMEOUT, "timed out"},
		{SB_PORT_ERR_OTHER, SB_ERR_CONNECT, "sonar.test"},
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		sb_config cfg;
		sb_client *c;
		char out[64];
		sb_err err;
		uint64_t start;

		SETUP();
		fake_add_conn(&F)->connect_rc = cases[i].port_rc;
		cfg = config();
		cfg.connect_timeout_ms = 3000;
		c = client_with(&cfg);
		CHECK(c != NULL);
		start = F.now;
		err = sb_token_get(c, "KEY", out, sizeof(out));
		CHECKF(err == cases[i].err, "case %lu: %s", (unsigned long)i,
		       sb_err_name(err));
		CHECKF(strstr(sb_client_message(c), cases[i].in_message),
		       "case %lu: %s", (unsigned long)i,
		       sb_client_message(c));
		CHECK(F.now - start <= 3000);
		CHECK_EQ_INT(sb_client_connections(c), 0);
		CHECK_EQ_INT(F.connects, 1);
		FINISH(c);
	}
}

TEST(recv_error)
{
	struct fake_conn *k;
	sb_client *c;

	SETUP();
	k = fake_add_conn(&F);
	k->end_rc = SB_PORT_ERR_IO;
	c = client();
	CHECK(c != NULL);
	EXPECT_GET(c, SB_ERR_NETWORK, NULL);
	CHECK(strstr(sb_client_message(c), "Connection reset by peer"));
	FINISH(c);
}

/* ---- allocation failures ------------------------------------------- */

TEST(allocation_failures)
{
	unsigned long n;

	for (n = 1; n < 1000; n++) {
		sb_config cfg = config();
		sb_client *c = NULL;
		char out[64], msg[256];
		sb_err err;
		int reached;

		SETUP();
		fake_conn1(&F, tok(OLD));
		F.fail_alloc = n;
		err = sb_client_create(&cfg, &P, &c, msg, sizeof(msg));
		if (err == SB_OK) {
			CHECK(c != NULL);
			err = sb_token_get(c, "KEY", out, sizeof(out));
			CHECKF(!leaks_secret(sb_client_message(c)), "n=%lu", n);
			sb_client_destroy(c);
		} else {
			CHECKF(c == NULL, "n=%lu", n);
			CHECKF(err == SB_ERR_NOMEM, "n=%lu: create %s", n,
			       sb_err_name(err));
		}
		CHECKF(F.live == 0, "n=%lu: %ld blocks leaked", n, F.live);
		CHECK_EQ_INT(F.bad_closes, 0);
		reached = F.alloc_calls >= n;
		if (!reached) {
			/* Every allocation was tried: this run succeeded. */
			CHECKF(err == SB_OK, "n=%lu: %s", n, sb_err_name(err));
			CHECK_STR_EQ(out, OLD);
			CHECK(n > 3);
			return;
		}
		CHECKF(err != SB_OK, "n=%lu: the failure went unnoticed", n);
	}
	CHECK(0); /* never got to a run without a failure */
}

/* ---- verbose trace ------------------------------------------------- */

static char trace_lines[64][1100];
static size_t trace_count;

static void collect(void *user, const char *line)
{
	(void)user;
	if (trace_count < 64)
		snprintf(trace_lines[trace_count++], sizeof(trace_lines[0]),
			 "%s", line);
}

static int traced(const char *needle)
{
	size_t i;

	for (i = 0; i < trace_count; i++)
		if (strstr(trace_lines[i], needle))
			return 1;
	return 0;
}

TEST(trace_redacts_secrets)
{
	struct fake_conn *k;
	sb_config cfg;
	sb_client *c;
	size_t i;

	SETUP();
	trace_count = 0;
	k = fake_add_conn(&F);
	fake_reply(k, resp("404 Not Found",
			   "Location: /x?token=sqb_secret&y=1\r\n", ""));
	fake_reply(k, json("200 OK", "{\"badgeToken\":\"" OLD "\"}"));
	cfg = config();
	cfg.trace = collect;
	c = client_with(&cfg);
	CHECK(c != NULL);
	EXPECT_GET(c, SB_OK, OLD);
	CHECK(traced("> GET /api/project_badges/token?project=KEY HTTP/1.1"));
	CHECK(traced("> Host: sonar.test"));
	CHECK(traced("Authorization: Basic [redacted]"));
	CHECK(traced("< HTTP/1.1 404 Not Found"));
	CHECK(traced("< Location: /x?token=[redacted]&y=1"));
	CHECK(traced("> GET /api/navigation/component?component=KEY "));
	for (i = 0; i < trace_count; i++) {
		CHECKF(!leaks_secret(trace_lines[i]), "line %lu: %s",
		       (unsigned long)i, trace_lines[i]);
		CHECKF(!strstr(trace_lines[i], "sqb_secret"), "line %lu: %s",
		       (unsigned long)i, trace_lines[i]);
		CHECKF(!strchr(trace_lines[i], '\r') &&
			       !strchr(trace_lines[i], '\n'),
		       "line %lu has a line break", (unsigned long)i);
	}
	FINISH(c);
}

TEST(trace_bearer_redacted)
{
	struct fake_conn *k;
	sb_config cfg;
	sb_client *c;
	size_t i;

	SETUP();
	trace_count = 0;
	k = fake_add_conn(&F);
	fake_reply(k, resp("200 OK", "Content-Type: text/plain\r\n",
			   "2025.6.0.117042"));
	fake_reply(k, tok(OLD));
	cfg = config();
	cfg.auth = SB_AUTH_BEARER;
	cfg.trace = collect;
	c = client_with(&cfg);
	CHECK(c != NULL);
	EXPECT_GET(c, SB_OK, OLD);
	CHECK(traced("Authorization: Bearer [redacted]"));
	for (i = 0; i < trace_count; i++)
		CHECKF(!leaks_secret(trace_lines[i]), "%s", trace_lines[i]);
	FINISH(c);
}

int main(void)
{
	RUN(create_and_destroy);
	RUN(create_errors);
	RUN(token_read_basic);
	RUN(token_read_bearer);
	RUN(bearer_refused_before_10);
	RUN(badge_images_without_credentials);
	RUN(token_read_encoded_key_and_base_path);
	RUN(token_read_byte_by_byte);
	RUN(status_errors);
	RUN(navigation_fallback);
	RUN(navigation_fallback_organization);
	RUN(no_token_api_at_all);
	RUN(bad_token_bodies);
	RUN(token_too_long);
	RUN(output_buffer_too_small);
	RUN(keep_alive_one_connection);
	RUN(connection_close_means_new_connection);
	RUN(bytes_after_response_mean_new_connection);
	RUN(kept_alive_closed_get_retried);
	RUN(kept_alive_closed_seen_before_sending);
	RUN(kept_alive_reset_get_retried);
	RUN(retry_only_once);
	RUN(fresh_connection_closed_not_retried);
	RUN(closed_mid_response_not_retried);
	RUN(malformed_response);
	RUN(renew_ok);
	RUN(renew_without_old_out);
	RUN(renew_unsupported);
	RUN(renew_forbidden);
	RUN(renew_token_unchanged);
	RUN(renew_dropped_but_applied);
	RUN(renew_dropped_not_applied);
	RUN(renew_dropped_twice);
	RUN(renew_send_failed);
	RUN(recv_timeout);
	RUN(recv_timeout_mid_response);
	RUN(deadline_already_passed);
	RUN(connect_errors);
	RUN(recv_error);
	RUN(allocation_failures);
	RUN(trace_redacts_secrets);
	RUN(trace_bearer_redacted);
	return harness_main();
}

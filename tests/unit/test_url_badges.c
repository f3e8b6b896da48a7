/* test_url_badges.c - base-URL parsing, form encoding and badge URLs. */
#include <stdio.h>
#include <string.h>

#include "harness.h"
#include "sb_url.h"

static sb_url U; /* large: not on the stack */

static void expect_url(const char *text, int tls, const char *host,
		       unsigned port, const char *path, const char *normalized,
		       const char *host_header)
{
	char msg[128], hh[300];

	msg[0] = '\0';
	CHECKF(sb_url_parse(text, &U, msg, sizeof(msg)) == SB_OK,
	       "%s rejected: %s", text, msg);
	CHECKF(U.tls == tls, "%s: tls %d", text, U.tls);
	CHECKF(strcmp(U.host, host) == 0, "%s: host %s", text, U.host);
	CHECKF(U.port == port, "%s: port %u", text, (unsigned)U.port);
	CHECKF(strcmp(U.path, path) == 0, "%s: path \"%s\"", text, U.path);
	CHECKF(strcmp(U.normalized, normalized) == 0, "%s: normalized %s",
	       text, U.normalized);
	sb_url_host_header(&U, hh, sizeof(hh));
	CHECKF(strcmp(hh, host_header) == 0, "%s: Host %s", text, hh);
}

#define EXPECT_URL(...)                 \
	do {                            \
		expect_url(__VA_ARGS__); \
		CHECK_HELPER();         \
	} while (0)

TEST(url_parse_ok)
{
	EXPECT_URL("https://sq.example.com", 1, "sq.example.com", 443, "",
		   "https://sq.example.com", "sq.example.com");
	EXPECT_URL("https://sq.example.com/", 1, "sq.example.com", 443, "",
		   "https://sq.example.com", "sq.example.com");
	EXPECT_URL("http://sonar.test", 0, "sonar.test", 80, "",
		   "http://sonar.test", "sonar.test");
	EXPECT_URL("https://h:8443", 1, "h", 8443, "", "https://h:8443",
		   "h:8443");
	EXPECT_URL("http://h:9000/", 0, "h", 9000, "", "http://h:9000",
		   "h:9000");
	EXPECT_URL("https://h:443", 1, "h", 443, "", "https://h:443", "h");
	EXPECT_URL("http://h:443", 0, "h", 443, "", "http://h:443", "h:443");
	EXPECT_URL("https://h:65535", 1, "h", 65535, "", "https://h:65535",
		   "h:65535");
	EXPECT_URL("https://[::1]:9443", 1, "::1", 9443, "",
		   "https://[::1]:9443", "[::1]:9443");
	EXPECT_URL("https://[2001:db8::1]/", 1, "2001:db8::1", 443, "",
		   "https://[2001:db8::1]", "[2001:db8::1]");
	EXPECT_URL("https://h/sonarqube", 1, "h", 443, "/sonarqube",
		   "https://h/sonarqube", "h");
	EXPECT_URL("https://h/sonarqube/", 1, "h", 443, "/sonarqube",
		   "https://h/sonarqube", "h");
	EXPECT_URL("https://h/sonarqube///", 1, "h", 443, "/sonarqube",
		   "https://h/sonarqube", "h");
	EXPECT_URL("https://h:9000/a/b", 1, "h", 9000, "/a/b",
		   "https://h:9000/a/b", "h:9000");
	EXPECT_URL("HTTPS://Sq.Example.com/x", 1, "Sq.Example.com", 443, "/x",
		   "HTTPS://Sq.Example.com/x", "Sq.Example.com");
	EXPECT_URL("https://my_host-1.example/", 1, "my_host-1.example", 443,
		   "", "https://my_host-1.example", "my_host-1.example");
}

static void expect_bad_url(const char *text)
{
	char msg[128];

	msg[0] = '\0';
	CHECKF(sb_url_parse(text, &U, msg, sizeof(msg)) == SB_ERR_CONFIG,
	       "accepted: \"%s\"", text);
	CHECKF(msg[0] != '\0', "no message for \"%s\"", text);
}

#define EXPECT_BAD_URL(t)               \
	do {                            \
		expect_bad_url(t);      \
		CHECK_HELPER();         \
	} while (0)

TEST(url_parse_rejected)
{
	EXPECT_BAD_URL("");
	EXPECT_BAD_URL("ftp://h");
	EXPECT_BAD_URL("h.example.com");
	EXPECT_BAD_URL("https:/h");
	EXPECT_BAD_URL("https://user@h");
	EXPECT_BAD_URL("https://user:pw@h/x");
	EXPECT_BAD_URL("https://h?x=1");
	EXPECT_BAD_URL("https://h/p?x=1");
	EXPECT_BAD_URL("https://h/#frag");
	EXPECT_BAD_URL("https://h#frag");
	EXPECT_BAD_URL("https://h:0");
	EXPECT_BAD_URL("https://h:65536");
	EXPECT_BAD_URL("https://h:99999999999999999999");
	EXPECT_BAD_URL("https://h:80a");
	EXPECT_BAD_URL("https://h:-1");
	EXPECT_BAD_URL("https://h:");
	EXPECT_BAD_URL("https://");
	EXPECT_BAD_URL("https:///path");
	EXPECT_BAD_URL("https://:443");
	EXPECT_BAD_URL("https://h x");
	EXPECT_BAD_URL("https://h/a b");
	EXPECT_BAD_URL(" https://h");
	EXPECT_BAD_URL("https://h\t");
	EXPECT_BAD_URL("https://h\xc3\xa9");
	EXPECT_BAD_URL("https://h/a//b");
	EXPECT_BAD_URL("https://[]:443");
	EXPECT_BAD_URL("https://[::1");
	EXPECT_BAD_URL("https://[::1]x");
	EXPECT_BAD_URL("https://[fe80::1%25eth0]");
	EXPECT_BAD_URL("https://h!/");
}

/* Brackets hold an IPv6 address, nothing else. */
TEST(url_brackets_only_for_ipv6)
{
	static const char *const bad[] = {
		"https://[ab.be]/",  "https://[ab.be]:443",
		"https://[1.2.3.4]", "https://[dead.beef]/sonar",
		"https://[abc]",     "https://[1:2:3]",
		"https://[::1::2]",  "https://[1:2:3:4:5:6:7:8:9]",
	};
	char msg[128];
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		msg[0] = '\0';
		CHECKF(sb_url_parse(bad[i], &U, msg, sizeof(msg)) ==
			       SB_ERR_CONFIG,
		       "accepted: %s", bad[i]);
		CHECKF(strstr(msg, "is not an IPv6 address") != NULL,
		       "%s: %s", bad[i], msg);
	}
	CHECK_EQ_INT(sb_url_parse("https://[ab.be]/", &U, msg, sizeof(msg)),
		     SB_ERR_CONFIG);
	CHECK_STR_EQ(msg, "invalid base URL: '[ab.be]' is not an IPv6 address "
			  "(brackets hold IPv6 addresses only)");
	EXPECT_URL("https://[::ffff:10.1.2.3]:8443/s", 1, "::ffff:10.1.2.3",
		   8443, "/s", "https://[::ffff:10.1.2.3]:8443/s",
		   "[::ffff:10.1.2.3]:8443");
	EXPECT_URL("http://[FE80::AB:1]", 0, "FE80::AB:1", 80, "",
		   "http://[FE80::AB:1]", "[FE80::AB:1]");
}

TEST(url_parse_long)
{
	char text[SB_MAX_HOST_LEN + SB_MAX_PATH_LEN + 64], msg[128];
	size_t n;

	/* A host of exactly SB_MAX_HOST_LEN bytes is fine, one more is not. */
	strcpy(text, "https://");
	n = strlen(text);
	memset(text + n, 'a', SB_MAX_HOST_LEN);
	text[n + SB_MAX_HOST_LEN] = '\0';
	CHECK_EQ_INT(sb_url_parse(text, &U, msg, sizeof(msg)), SB_OK);
	strcat(text, "a");
	CHECK_EQ_INT(sb_url_parse(text, &U, msg, sizeof(msg)), SB_ERR_CONFIG);
	/* Same for the path. */
	strcpy(text, "https://h/");
	n = strlen(text);
	memset(text + n, 'p', SB_MAX_PATH_LEN - 1);
	text[n + SB_MAX_PATH_LEN - 1] = '\0';
	CHECK_EQ_INT(sb_url_parse(text, &U, msg, sizeof(msg)), SB_OK);
	CHECK_EQ_INT(strlen(U.path), SB_MAX_PATH_LEN);
	strcat(text, "p");
	CHECK_EQ_INT(sb_url_parse(text, &U, msg, sizeof(msg)), SB_ERR_CONFIG);
	/* No message buffer is fine. */
	CHECK_EQ_INT(sb_url_parse("ftp://h", &U, NULL, 0), SB_ERR_CONFIG);
	CHECK_EQ_INT(sb_url_parse(NULL, &U, NULL, 0), SB_ERR_CONFIG);
}

/* ---- form encoding ------------------------------------------------- */

static void expect_form(const char *in, const char *want)
{
	char out[128];
	size_t len = 0;

	CHECKF(sb_form_encode(in, out, sizeof(out), &len) == SB_OK, "%s", in);
	CHECKF(strcmp(out, want) == 0, "%s -> %s", in, out);
	CHECK_EQ_INT(len, strlen(want));
}

#define EXPECT_FORM(a, b)               \
	do {                            \
		expect_form((a), (b));  \
		CHECK_HELPER();         \
	} while (0)

TEST(form_encode)
{
	char out[16];
	size_t len;

	EXPECT_FORM("my:key", "my%3Akey");
	EXPECT_FORM("a b", "a+b");
	EXPECT_FORM("*-._", "*-._");
	EXPECT_FORM("AZaz09", "AZaz09");
	EXPECT_FORM("\xc3\xa9\xe2\x82\xac", "%C3%A9%E2%82%AC");
	EXPECT_FORM("~!'()/?&=+%#", "%7E%21%27%28%29%2F%3F%26%3D%2B%25%23");
	EXPECT_FORM("feature/x", "feature%2Fx");
	EXPECT_FORM("", "");
	/* It appends at *len. */
	strcpy(out, "id=");
	len = 3;
	CHECK_EQ_INT(sb_form_encode("a:b", out, sizeof(out), &len), SB_OK);
	CHECK_STR_EQ(out, "id=a%3Ab");
	CHECK_EQ_INT(len, 8);
	/* Exactly enough room, then one byte short for each kind. */
	len = 0;
	CHECK_EQ_INT(sb_form_encode("ab", out, 3, &len), SB_OK);
	len = 0;
	CHECK_EQ_INT(sb_form_encode("abc", out, 3, &len),
		     SB_ERR_BUFFER_TOO_SMALL);
	len = 0;
	CHECK_EQ_INT(sb_form_encode(":", out, 4, &len), SB_OK);
	CHECK_STR_EQ(out, "%3A");
	len = 0;
	CHECK_EQ_INT(sb_form_encode(":", out, 3, &len),
		     SB_ERR_BUFFER_TOO_SMALL);
	len = 0;
	CHECK_EQ_INT(sb_form_encode(" ", out, 1, &len),
		     SB_ERR_BUFFER_TOO_SMALL);
	len = 5;
	CHECK_EQ_INT(sb_form_encode("a", out, 5, &len), SB_ERR_INVALID_ARG);
	CHECK_EQ_INT(sb_form_encode(NULL, out, 5, &len), SB_ERR_INVALID_ARG);
}

/* ---- badges -------------------------------------------------------- */

#define TOKEN "sqb_0123456789abcdef0123456789abcdef01234567"
#define BASE "https://sq.example.com"
#define IMG_AS                                                           \
	BASE "/api/project_badges/measure?project=my%3Akey&metric=alert_" \
	     "status&token=" TOKEN
#define IMG_AS_BRANCH                                                   \
	BASE "/api/project_badges/measure?branch=feature%2Fx&project=my%3A" \
	     "key&metric=alert_status&token=" TOKEN
#define IMG_QG BASE "/api/project_badges/quality_gate?project=my%3Akey&token=" TOKEN
#define LINK BASE "/dashboard?id=my%3Akey"
#define LINK_BRANCH BASE "/dashboard?id=my%3Akey&branch=feature%2Fx"

static sb_badge_spec spec(const char *metric, const char *branch)
{
	sb_badge_spec s;

	memset(&s, 0, sizeof(s));
	s.base_url = BASE "/";
	s.project = "my:key";
	s.branch = branch;
	s.metric = metric;
	s.token = TOKEN;
	return s;
}

typedef sb_err (*badge_fn)(const sb_badge_spec *, char *, size_t);

/*
 * fn must write want; with every smaller buffer it must fail with
 * SB_ERR_BUFFER_TOO_SMALL and leave an empty string.
 */
static void expect_badge(badge_fn fn, const sb_badge_spec *s,
			 const char *want)
{
	char out[1024];
	size_t need = strlen(want) + 1, cap;

	CHECKF(fn(s, out, sizeof(out)) == SB_OK, "failed for %s", want);
	CHECKF(strcmp(out, want) == 0, "\n got  %s\n want %s", out, want);
	CHECKF(fn(s, out, need) == SB_OK, "exact size for %s", want);
	CHECK_STR_EQ(out, want);
	for (cap = 1; cap < need; cap++) {
		memset(out, 'Z', sizeof(out));
		CHECKF(fn(s, out, cap) == SB_ERR_BUFFER_TOO_SMALL,
		       "cap %lu for %s", (unsigned long)cap, want);
		CHECKF(out[0] == '\0', "cap %lu left \"%.*s\"",
		       (unsigned long)cap, (int)cap, out);
		CHECKF(out[cap] == 'Z', "cap %lu: wrote past the end",
		       (unsigned long)cap);
	}
	CHECK_EQ_INT(fn(s, out, 0), SB_ERR_INVALID_ARG);
}

#define EXPECT_BADGE(fn, s, want)                \
	do {                                     \
		expect_badge((fn), (s), (want)); \
		CHECK_HELPER();                  \
	} while (0)

TEST(badge_image_urls)
{
	sb_badge_spec s = spec("alert_status", NULL);

	EXPECT_BADGE(sb_badge_image_url, &s, IMG_AS);
	s.branch = "";
	EXPECT_BADGE(sb_badge_image_url, &s, IMG_AS);
	s = spec("alert_status", "feature/x");
	EXPECT_BADGE(sb_badge_image_url, &s, IMG_AS_BRANCH);
	s = spec(NULL, NULL);
	EXPECT_BADGE(sb_badge_image_url, &s, IMG_QG);
	s.token = NULL;
	EXPECT_BADGE(sb_badge_image_url, &s,
		     BASE "/api/project_badges/quality_gate?project=my%3Akey");
	s = spec("coverage", "main");
	s.base_url = "https://h/sonarqube";
	EXPECT_BADGE(sb_badge_image_url, &s,
		     "https://h/sonarqube/api/project_badges/measure?branch="
		     "main&project=my%3Akey&metric=coverage&token=" TOKEN);
	s.base_url = "https://h/sonarqube//";
	EXPECT_BADGE(sb_badge_image_url, &s,
		     "https://h/sonarqube/api/project_badges/measure?branch="
		     "main&project=my%3Akey&metric=coverage&token=" TOKEN);
}

TEST(badge_links)
{
	sb_badge_spec s = spec("alert_status", NULL);

	EXPECT_BADGE(sb_badge_link_url, &s, LINK);
	s.branch = "feature/x";
	EXPECT_BADGE(sb_badge_link_url, &s, LINK_BRANCH);
	s = spec(NULL, NULL);
	s.base_url = "https://sonarcloud.io";
	s.project = "KEY";
	s.sonarcloud = 1;
	EXPECT_BADGE(sb_badge_link_url, &s,
		     "https://sonarcloud.io/summary/new_code?id=KEY");
	s.branch = "dev";
	EXPECT_BADGE(sb_badge_link_url, &s,
		     "https://sonarcloud.io/summary/new_code?id=KEY&branch=dev");
	s = spec(NULL, NULL);
	s.base_url = "https://h/sonarqube/";
	EXPECT_BADGE(sb_badge_link_url, &s,
		     "https://h/sonarqube/dashboard?id=my%3Akey");
}

TEST(badge_markdown)
{
	sb_badge_spec s = spec("alert_status", "feature/x");

	EXPECT_BADGE(sb_badge_markdown, &s,
		     "[![Quality Gate Status](" IMG_AS_BRANCH ")](" LINK_BRANCH
		     ")");
	s = spec(NULL, NULL);
	EXPECT_BADGE(sb_badge_markdown, &s,
		     "[![Quality gate](" IMG_QG ")](" LINK ")");
	s = spec("duplicated_lines_density", NULL);
	s.token = NULL;
	EXPECT_BADGE(sb_badge_markdown, &s,
		     "[![Duplicated Lines (%)](" BASE "/api/project_badges/"
		     "measure?project=my%3Akey&metric=duplicated_lines_density"
		     ")](" LINK ")");
}

TEST(badge_invalid)
{
	char out[512];
	sb_badge_spec s = spec("no_such_metric", NULL);

	CHECK_EQ_INT(sb_badge_markdown(&s, out, sizeof(out)),
		     SB_ERR_INVALID_ARG);
	CHECK_STR_EQ(out, "");
	s = spec(NULL, NULL);
	s.project = "";
	CHECK_EQ_INT(sb_badge_image_url(&s, out, sizeof(out)),
		     SB_ERR_INVALID_ARG);
	s.project = NULL;
	CHECK_EQ_INT(sb_badge_link_url(&s, out, sizeof(out)),
		     SB_ERR_INVALID_ARG);
	s = spec(NULL, NULL);
	s.base_url = "/";
	CHECK_EQ_INT(sb_badge_image_url(&s, out, sizeof(out)),
		     SB_ERR_INVALID_ARG);
	s.base_url = NULL;
	CHECK_EQ_INT(sb_badge_markdown(&s, out, sizeof(out)),
		     SB_ERR_INVALID_ARG);
	CHECK_EQ_INT(sb_badge_image_url(NULL, out, sizeof(out)),
		     SB_ERR_INVALID_ARG);
}

TEST(badge_metrics)
{
	size_t i, j;

	CHECK_EQ_INT(sb_badge_metric_count, 19);
	CHECK_STR_EQ(sb_badge_metrics[0].key, "alert_status");
	CHECK_STR_EQ(sb_badge_metrics[0].label, "Quality Gate Status");
	CHECK_STR_EQ(sb_badge_metric_label("alert_status"),
		     "Quality Gate Status");
	CHECK_STR_EQ(sb_badge_metric_label("coverage"), "Coverage");
	CHECK_STR_EQ(sb_badge_metric_label("sqale_index"), "Technical Debt");
	CHECK(sb_badge_metric_label("no_such_metric") == NULL);
	CHECK(sb_badge_metric_label("") == NULL);
	CHECK(sb_badge_metric_label(NULL) == NULL);
	CHECK(sb_badge_metric_label("Coverage") == NULL);
	for (i = 0; i < sb_badge_metric_count; i++) {
		CHECK(sb_badge_metrics[i].key && sb_badge_metrics[i].label);
		CHECK(sb_badge_metric_label(sb_badge_metrics[i].key) ==
		      sb_badge_metrics[i].label);
		for (j = i + 1; j < sb_badge_metric_count; j++)
			CHECKF(strcmp(sb_badge_metrics[i].key,
				      sb_badge_metrics[j].key) != 0,
			       "duplicate %s", sb_badge_metrics[i].key);
	}
}

int main(void)
{
	RUN(url_parse_ok);
	RUN(url_parse_rejected);
	RUN(url_brackets_only_for_ipv6);
	RUN(url_parse_long);
	RUN(form_encode);
	RUN(badge_image_urls);
	RUN(badge_links);
	RUN(badge_markdown);
	RUN(badge_invalid);
	RUN(badge_metrics);
	return harness_main();
}

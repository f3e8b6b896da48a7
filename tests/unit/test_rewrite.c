/* test_rewrite.c - the badge-URL finder and token rewriter (sb_rewrite.c),
 * the error-SVG recogniser (sb_fetch.c), byte for byte against the
 * fixtures in tests/fixtures/rewrite/. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "sb_rewrite.h"

#define BASE "https://sonar.example.com/sonarqube"
#define OLD "sqb_0000000000000000000000000000000000000000"
#define NEW "sqb_1111111111111111111111111111111111111111"

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	long n;

	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = malloc((size_t)n + 1);
	if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
		free(buf);
		buf = NULL;
	}
	fclose(f);
	if (buf) {
		buf[n] = '\0';
		*len = (size_t)n;
	}
	return buf;
}

static void fixture(const char *name, unsigned want_found,
		    unsigned want_stale)
{
	char in_path[256], exp_path[256], *in, *exp, *out;
	size_t in_len, exp_len, need, got;
	unsigned found, stale;

	snprintf(in_path, sizeof(in_path), "tests/fixtures/rewrite/%s.in",
		 name);
	snprintf(exp_path, sizeof(exp_path),
		 "tests/fixtures/rewrite/%s.expected", name);
	in = slurp(in_path, &in_len);
	exp = slurp(exp_path, &exp_len);
	CHECKF(in && exp, "cannot read %s or %s", in_path, exp_path);
	need = sb_badge_rewrite(in, in_len, BASE, "my:proj", NEW, NULL, 0,
				&found, &stale);
	CHECKF(found == want_found, "%s: found %u", name, found);
	CHECKF(stale == want_stale, "%s: stale %u", name, stale);
	CHECKF(need == exp_len, "%s: length %lu != %lu", name,
	       (unsigned long)need, (unsigned long)exp_len);
	out = malloc(need + 1);
	CHECK(out != NULL);
	got = sb_badge_rewrite(in, in_len, BASE, "my:proj", NEW, out, need + 1,
			       &found, &stale);
	CHECKF(got == exp_len && memcmp(out, exp, exp_len) == 0,
	       "%s differs from %s", name, exp_path);
	/* A second pass changes nothing. */
	sb_badge_rewrite(out, got, BASE, "my:proj", NEW, NULL, 0, &found,
			 &stale);
	CHECKF(stale == 0, "%s: not idempotent", name);
	/* A short buffer: measured, nothing written. */
	out[0] = 'Z';
	sb_badge_rewrite(in, in_len, BASE, "my:proj", NEW, out, need, &found,
			 &stale);
	CHECK(out[0] == 'Z');
	free(out);
	free(in);
	free(exp);
}

#define FIXTURE(...)                   \
	do {                           \
		fixture(__VA_ARGS__);  \
		CHECK_HELPER();        \
	} while (0)

TEST(rewrite_fixtures)
{
	FIXTURE("README.md", 7, 6);
	FIXTURE("index.html", 3, 3);
	FIXTURE("docs.rst", 3, 3);
	FIXTURE("nomatch.txt", 0, 0);
}

TEST(find_fields)
{
	const char *t = "x " BASE "/api/project_badges/measure?branch=feature%2Fx"
			"&amp;project=my%3Aproj&amp;metric=coverage&amp;token="
			OLD "\" y " BASE "/api/project_badges/quality_gate?"
			"project=a+b&token=" OLD ". done";
	sb_badge_ref r;
	size_t pos = 0;
	char target[512];

	CHECK(sb_badge_find(t, strlen(t), BASE "/", &pos, &r) == 1);
	CHECK_STR_EQ(r.project, "my:proj");
	CHECK_STR_EQ(r.branch, "feature/x");
	CHECK_STR_EQ(r.metric, "coverage");
	CHECK(r.kind == SB_BADGE_MEASURE && r.has_token);
	CHECK(r.token_len == strlen(OLD) &&
	      memcmp(t + r.token_start, OLD, r.token_len) == 0);
	CHECK(t[r.end] == '"');
	CHECK(sb_badge_ref_target(t, &r, target, sizeof(target)) == SB_OK);
	CHECK_STR_EQ(target, "/api/project_badges/measure?branch=feature%2Fx"
			     "&project=my%3Aproj&metric=coverage&token=" OLD);
	CHECK(sb_badge_ref_target(t, &r, target, 10) ==
	      SB_ERR_BUFFER_TOO_SMALL);
	CHECK(sb_badge_find(t, strlen(t), BASE, &pos, &r) == 1);
	CHECK_STR_EQ(r.project, "a b");
	CHECK(r.kind == SB_BADGE_QUALITY_GATE);
	/* The sentence's full stop is not part of the token. */
	CHECK(r.token_len == strlen(OLD));
	CHECK(sb_badge_find(t, strlen(t), BASE, &pos, &r) == 0);
}

TEST(find_rejects)
{
	static const char *const bad[] = {
		BASE "/api/project_badges/measure?metric=bugs&token=" OLD,
		BASE "/api/project_badges/other?project=p&token=" OLD,
		BASE "/api/project_badges/measure?project=%zz&token=" OLD,
		BASE "/api/project_badges/measure?project=%0a&token=" OLD,
		BASE "/api/project_badges/measure?project=&token=" OLD,
		"https://sonar.example.com/api/project_badges/measure?project=p",
		BASE "x/api/project_badges/measure?project=p",
		BASE "/api/project_badges/measure",
		"",
		NULL,
	};
	sb_badge_ref r;
	size_t pos;
	int i;

	for (i = 0; bad[i]; i++) {
		pos = 0;
		CHECKF(sb_badge_find(bad[i], strlen(bad[i]), BASE, &pos, &r) ==
			       0,
		       "found in %s", bad[i]);
	}
}

TEST(token_edge_cases)
{
	/* token with characters a token never has: left alone. */
	const char *t1 = BASE "/api/project_badges/measure?project=p&token=a%20b";
	/* empty token: the current one is put in. */
	const char *t2 = BASE "/api/project_badges/measure?project=p&token=&metric=x";
	char out[512];
	unsigned found, stale;
	size_t n;

	n = sb_badge_rewrite(t1, strlen(t1), BASE, "p", NEW, out, sizeof(out),
			     &found, &stale);
	CHECK(found == 0 && stale == 0 && n == strlen(t1));
	CHECK_STR_EQ(out, t1);
	n = sb_badge_rewrite(t2, strlen(t2), BASE, "p", NEW, out, sizeof(out),
			     &found, &stale);
	CHECK(found == 1 && stale == 1);
	CHECK_STR_EQ(out, BASE "/api/project_badges/measure?project=p&token=" NEW
			  "&metric=x");
	(void)n;
}

/* Sentence punctuation after a URL is not part of it (GitHub's
 * autolinker drops trailing ? ! . , : * ~ the same way). */
TEST(trailing_punctuation)
{
	static const char *const ends[] = {".", ",", "!", ":", "*", "?",
					   "...", ".)", "!*"};
	char text[512], want[512], out[512];
	size_t i;
	unsigned found, stale;
	sb_badge_ref r;
	size_t pos;

	for (i = 0; i < sizeof(ends) / sizeof(ends[0]); i++) {
		snprintf(text, sizeof(text),
			 "See " BASE "/api/project_badges/measure?project=p&"
			 "metric=coverage&token=" OLD "%s Next.",
			 ends[i]);
		snprintf(want, sizeof(want),
			 "See " BASE "/api/project_badges/measure?project=p&"
			 "metric=coverage&token=" NEW "%s Next.",
			 ends[i]);
		sb_badge_rewrite(text, strlen(text), BASE, "p", NEW, out,
				 sizeof(out), &found, &stale);
		CHECKF(found == 1 && stale == 1 && strcmp(out, want) == 0,
		       "'%s': %s", ends[i], out);
	}
	/* The last value of any parameter: the metric is "coverage". */
	snprintf(text, sizeof(text),
		 BASE "/api/project_badges/measure?project=p&token=" OLD
		      "&metric=coverage.");
	pos = 0;
	CHECK(sb_badge_find(text, strlen(text), BASE, &pos, &r) == 1);
	CHECK_STR_EQ(r.metric, "coverage");
	CHECK(r.end == strlen(text) - 1);
	/* Inside the URL, a dot before another parameter is data. */
	snprintf(text, sizeof(text),
		 BASE "/api/project_badges/measure?project=a.&metric=m");
	pos = 0;
	CHECK(sb_badge_find(text, strlen(text), BASE, &pos, &r) == 1);
	CHECK_STR_EQ(r.project, "a.");
}

TEST(tokenless_badges)
{
	const char *md = "[![q](" BASE "/api/project_badges/measure?project=p&"
			 "metric=coverage)](x) " BASE
			 "/api/project_badges/quality_gate?project=p#.svg";
	const char *html = "<img src=\"" BASE "/api/project_badges/measure?"
			   "project=p&amp;metric=ncloc\">";
	char out[1024];
	sb_rewrite_counts k;

	sb_badge_rewrite_ex(md, strlen(md), BASE, "p", NEW, 0, out, sizeof(out),
			    &k);
	CHECK(k.found == 0 && k.stale == 0 && k.tokenless == 2);
	CHECK_STR_EQ(out, md);
	sb_badge_rewrite_ex(md, strlen(md), BASE, "p", NEW, 1, out, sizeof(out),
			    &k);
	CHECK_STR_EQ(out, "[![q](" BASE "/api/project_badges/measure?project=p&"
			  "metric=coverage&token=" NEW ")](x) " BASE
			  "/api/project_badges/quality_gate?project=p&token=" NEW
			  "#.svg");
	sb_badge_rewrite_ex(html, strlen(html), BASE, "p", NEW, 1, out,
			    sizeof(out), &k);
	CHECK_STR_EQ(out, "<img src=\"" BASE "/api/project_badges/measure?"
			  "project=p&amp;metric=ncloc&amp;token=" NEW "\">");
	/* Another project's tokenless badge is left alone. */
	sb_badge_rewrite_ex(md, strlen(md), BASE, "q", NEW, 1, out, sizeof(out),
			    &k);
	CHECK(k.tokenless == 0);
	CHECK_STR_EQ(out, md);
}

/* A parameter's name is any run of URL characters: "circle-token=" (the
 * corpus's CircleCI badges) or "cache-bust=" inside a badge URL is one more
 * parameter, not where the URL ends. */
TEST(parameter_names)
{
	const char *tokenless = "[![q](" BASE "/api/project_badges/measure?"
				"project=p&circle-token=abc&metric=coverage)](x)";
	const char *after = "[![q](" BASE "/api/project_badges/measure?"
			    "project=p&metric=coverage&cache-bust=1&token=" OLD
			    ")](x)";
	char out[1024];
	sb_rewrite_counts k;
	sb_badge_ref r;
	size_t pos = 0;

	CHECK(sb_badge_find(tokenless, strlen(tokenless), BASE, &pos, &r) == 1);
	CHECK_STR_EQ(r.metric, "coverage");
	CHECK(!r.has_token && tokenless[r.end] == ')');
	sb_badge_rewrite_ex(tokenless, strlen(tokenless), BASE, "p", NEW, 1, out,
			    sizeof(out), &k);
	CHECK(k.found == 0 && k.tokenless == 1);
	CHECK_STR_EQ(out, "[![q](" BASE "/api/project_badges/measure?project=p&"
			  "circle-token=abc&metric=coverage&token=" NEW ")](x)");
	sb_badge_rewrite_ex(after, strlen(after), BASE, "p", NEW, 1, out,
			    sizeof(out), &k);
	CHECK(k.found == 1 && k.stale == 1 && k.tokenless == 0);
	CHECK_STR_EQ(out, "[![q](" BASE "/api/project_badges/measure?project=p&"
			  "metric=coverage&cache-bust=1&token=" NEW ")](x)");
}

TEST(error_svg)
{
	const char *err =
		"<svg xmlns=\"http://www.w3.org/2000/svg\" height=\"20\" "
		"width=\"200\"><rect fill=\"#e05d44\"/><g><text x=\"6\" "
		"y=\"14\">Project has not been found</text></g></svg>";
	const char *shadowed =
		"<svg><text fill-opacity=\".3\">Project is invalid</text>"
		"<text>Project is invalid</text></svg>";
	const char *ok =
		"<svg><text x=\"6\">coverage</text><text x=\"80\">87.5%</text>"
		"</svg>";
	const char *amp = "<svg><text>a &amp; b</text></svg>";
	char msg[128];

	CHECK(sb_badge_svg_error(err, strlen(err), msg, sizeof(msg)) == 1);
	CHECK_STR_EQ(msg, "Project has not been found");
	CHECK(sb_badge_svg_error(shadowed, strlen(shadowed), msg,
				 sizeof(msg)) == 1);
	CHECK_STR_EQ(msg, "Project is invalid");
	CHECK(sb_badge_svg_error(ok, strlen(ok), msg, sizeof(msg)) == 0);
	CHECK(sb_badge_svg_error(amp, strlen(amp), msg, sizeof(msg)) == 1);
	CHECK_STR_EQ(msg, "a & b");
	CHECK(sb_badge_svg_error("not svg", 7, msg, sizeof(msg)) == 0);
	CHECK(sb_badge_svg_error("<svg><text>x", 12, NULL, 0) == 0);
}

int main(void)
{
	RUN(rewrite_fixtures);
	RUN(find_fields);
	RUN(find_rejects);
	RUN(token_edge_cases);
	RUN(trailing_punctuation);
	RUN(tokenless_badges);
	RUN(parameter_names);
	RUN(error_svg);
	return harness_main();
}

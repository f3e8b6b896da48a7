/*
 * test_projects.c - sb_projects_list over the scripted fake port: pages
 * are read with the strict JSON reader (syntax, duplicate names, the
 * nesting cap), and a hostile page cannot exhaust a small stack: the
 * listing runs on a 256 KiB stack, the bare parse and walk on one of
 * 64 KiB (small_stack.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fake_port.h"
#include "harness.h"
#include "sb_json.h"
#include "small_stack.h"
#include "sonarbadge/sonarbadge.h"

static struct fake_state F;
static sb_port P;

#define HOSTILE_DEPTH 16000 /* within SB_MAX_JSON_TOKENS at the default */
/* The deepest components array within both caps: the page adds two
 * levels and 11 tokens besides the arrays. */
#define AT_CAP                                                        \
	(SB_MAX_JSON_DEPTH - 2 < SB_MAX_JSON_TOKENS - 11 ? SB_MAX_JSON_DEPTH - 2 \
							 : SB_MAX_JSON_TOKENS - 11)

/* "HTTP/1.1 200 OK" with body as JSON; the result is malloc'd. */
static char *page(const char *body)
{
	size_t n = strlen(body) + 128;
	char *p = malloc(n);

	if (!p)
		abort();
	snprintf(p, n,
		 "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
		 "Content-Length: %lu\r\n\r\n%s",
		 (unsigned long)strlen(body), body);
	return p;
}

/* A projects page whose components array holds depth nested arrays. */
static char *nested_page_body(size_t depth)
{
	static const char head[] = "{\"paging\":{\"pageIndex\":1,\"pageSize\":"
				   "500,\"total\":1},\"components\":[";
	size_t n = sizeof(head) - 1, i;
	char *b = malloc(n + 2 * depth + 3);

	if (!b)
		abort();
	memcpy(b, head, n);
	for (i = 0; i < depth; i++)
		b[n++] = '[';
	for (i = 0; i < depth; i++)
		b[n++] = ']';
	memcpy(b + n, "]}", 3);
	return b;
}

struct listing {
	char keys[8][64];
	int count;
	sb_err err;
	char message[SB_MAX_MESSAGE_LEN];
};

static int collect(void *user, const char *key)
{
	struct listing *l = user;

	if (l->count < 8)
		snprintf(l->keys[l->count], sizeof(l->keys[0]), "%s", key);
	l->count++;
	return 0;
}

/* List the projects of a server answering reply once. */
static void list_with(const char *body, struct listing *l)
{
	sb_config cfg;
	sb_client *c = NULL;
	char msg[SB_MAX_MESSAGE_LEN], *reply = page(body);

	memset(l, 0, sizeof(*l));
	fake_init(&F, &P);
	fake_conn1(&F, reply);
	memset(&cfg, 0, sizeof(cfg));
	cfg.base_url = "http://sonar.test";
	cfg.user_token = "squ_x";
	cfg.auth = SB_AUTH_BASIC;
	if (sb_client_create(&cfg, &P, &c, msg, sizeof(msg)) != SB_OK) {
		l->err = SB_ERR_CONFIG;
		snprintf(l->message, sizeof(l->message), "%s", msg);
	} else {
		l->err = sb_projects_list(c, NULL, collect, l);
		snprintf(l->message, sizeof(l->message), "%s",
			 sb_client_message(c));
		sb_client_destroy(c);
	}
	free(reply);
}

static void expect_refused(const char *body, sb_err err, const char *words)
{
	struct listing l;

	list_with(body, &l);
	CHECKF(l.err == err, "%s: %s (%s)", body, sb_err_name(l.err),
	       l.message);
	CHECKF(strstr(l.message, words) != NULL, "%s: message %s", body,
	       l.message);
	CHECK_EQ_INT(F.live, 0);
}

#define EXPECT_REFUSED(body, err, words)             \
	do {                                         \
		expect_refused((body), (err), (words)); \
		CHECK_HELPER();                      \
	} while (0)

TEST(lists_keys)
{
	struct listing l;

	list_with("{\"paging\":{\"pageIndex\":1,\"pageSize\":500,\"total\":2},"
		  "\"components\":[{\"key\":\"a\",\"name\":\"A\",\"x\":[{}]},"
		  "{\"name\":\"B\",\"k\\u0065y\":\"b\\u003ac\"}]}",
		  &l);
	CHECKF(l.err == SB_OK, "%s", l.message);
	CHECK_EQ_INT(l.count, 2);
	CHECK_STR_EQ(l.keys[0], "a");
	CHECK_STR_EQ(l.keys[1], "b:c");
	CHECK_EQ_INT(F.live, 0);
}

/* Never one of two values picked: the page is refused. */
TEST(duplicate_names_refused)
{
	EXPECT_REFUSED("{\"paging\":{\"total\":1},\"components\":"
		       "[{\"key\":\"a\",\"key\":\"b\"}]}",
		       SB_ERR_JSON, "two keys");
	EXPECT_REFUSED("{\"paging\":{\"total\":1},\"components\":"
		       "[{\"key\":\"a\",\"k\\u0065y\":\"a\"}]}",
		       SB_ERR_JSON, "two keys");
	EXPECT_REFUSED("{\"paging\":{\"total\":1,\"total\":9},\"components\":"
		       "[{\"key\":\"a\"}]}",
		       SB_ERR_JSON, "named twice");
	EXPECT_REFUSED("{\"paging\":{\"total\":1},\"components\":[],"
		       "\"components\":[{\"key\":\"a\"}]}",
		       SB_ERR_JSON, "named twice");
}

/* What jsmn alone would let through. */
TEST(strict_syntax)
{
	static const char *const bad[] = {
		"{\"paging\":{\"total\":1},\"components\":[{\"key\":\"a\",}]}",
		"{\"paging\":{\"total\":1},\"components\":[{\"key\" \"a\"}]}",
		"{\"paging\":{\"total\":1},\"components\":[{\"key\":\"a\"}],}",
		"{\"paging\":{\"total\":1} \"components\":[{\"key\":\"a\"}]}",
		"{\"paging\":{\"total\":01},\"components\":[{\"key\":\"a\"}]}",
		"{\"paging\":{\"total\":1},\"components\":[{\"key\":\"a\"}]} x",
		"{\"paging\":{\"total\":1},\"components\":[{\"key\":\"\xff\"}]}",
		"{\"paging\":{\"total\":1},\"components\":[{\"key\":\"a\"},]}",
	};
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		EXPECT_REFUSED(bad[i], SB_ERR_JSON, "syntax error");
	EXPECT_REFUSED("{\"paging\":{\"total\":-1},\"components\":[]}",
		       SB_ERR_JSON, "paging.total");
	EXPECT_REFUSED("{\"paging\":{\"total\":1000000000000},"
		       "\"components\":[]}",
		       SB_ERR_JSON, "paging.total");
	EXPECT_REFUSED("{\"paging\":{\"total\":1},\"components\":[{\"key\":"
		       "\"\\ud800\"}]}",
		       SB_ERR_JSON, "key is invalid");
	EXPECT_REFUSED("{\"paging\":{\"total\":1},\"components\":[[]]}",
		       SB_ERR_JSON, "without a key");
}

/* ---- small stacks ---------------------------------------------------- */

struct job {
	char *body;
	struct listing listing;
	sb_err parse_err;
	int walked;
};

static void *list_job(void *arg)
{
	struct job *j = arg;

	list_with(j->body, &j->listing);
	return NULL;
}

/* Parse, then visit every value depth-first with one iterator per open
 * container (an explicit stack, no recursion). */
static void *parse_job(void *arg)
{
	struct job *j = arg;
	sb_json_iter open[SB_MAX_JSON_DEPTH];
	sb_json_doc d;
	sb_json_kind k;
	int v, top = 1;

	j->parse_err = sb_json_parse(&P, j->body, strlen(j->body), &d);
	if (j->parse_err != SB_OK)
		return NULL;
	j->walked = 1;
	sb_json_iter_init(&d, 0, &open[0]);
	while (top > 0) {
		v = sb_json_iter_next(&d, &open[top - 1], NULL);
		if (v < 0) {
			top--;
			continue;
		}
		j->walked++;
		k = sb_json_kind_of(&d, v);
		if (k != SB_JSON_OBJECT && k != SB_JSON_ARRAY)
			continue;
		if (top == SB_MAX_JSON_DEPTH) {
			j->walked = -1; /* deeper than the parse allowed */
			break;
		}
		sb_json_iter_init(&d, v, &open[top++]);
	}
	sb_json_free(&d);
	return NULL;
}

TEST(hostile_nesting_small_stack)
{
	struct job j;

	memset(&j, 0, sizeof(j));
	j.body = nested_page_body(HOSTILE_DEPTH);
	CHECK_EQ_INT(run_with_stack(list_job, &j, 256 * 1024), 0);
	CHECKF(j.listing.err == SB_ERR_TOO_LARGE, "%s (%s)",
	       sb_err_name(j.listing.err), j.listing.message);
	CHECKF(strstr(j.listing.message, "nested deeper than") != NULL, "%s",
	       j.listing.message);
	CHECK_EQ_INT(j.listing.count, 0);
	CHECK_EQ_INT(run_with_stack(parse_job, &j, 64 * 1024), 0);
	CHECK_EQ_INT(j.parse_err, SB_ERR_TOO_LARGE);
	CHECK_EQ_INT(sb_json_validate(j.body, strlen(j.body)),
		     SB_ERR_TOO_LARGE);
	free(j.body);
	CHECK_EQ_INT(F.live, 0);
}

/* At the caps the page is read, on the same small stacks. */
TEST(nesting_at_the_cap_small_stack)
{
	struct job j;

	memset(&j, 0, sizeof(j));
	j.body = nested_page_body(AT_CAP);
	CHECK_EQ_INT(run_with_stack(parse_job, &j, 64 * 1024), 0);
	CHECK_EQ_INT(j.parse_err, SB_OK);
	/* root, paging and its 3 members, components, the arrays */
	CHECK_EQ_INT(j.walked, 6 + AT_CAP);
	CHECK_EQ_INT(run_with_stack(list_job, &j, 256 * 1024), 0);
	/* Read, then refused for what it is: a component that is no
	 * object. */
	CHECKF(j.listing.err == SB_ERR_JSON, "%s (%s)",
	       sb_err_name(j.listing.err), j.listing.message);
	CHECKF(strstr(j.listing.message, "without a key") != NULL, "%s",
	       j.listing.message);
	free(j.body);
	CHECK_EQ_INT(F.live, 0);
}

int main(void)
{
	fake_init(&F, &P);
	RUN(lists_keys);
	RUN(duplicate_names_refused);
	RUN(strict_syntax);
	RUN(hostile_nesting_small_stack);
	RUN(nesting_at_the_cap_small_stack);
	return harness_main();
}

/*
 * test_llhttp_responses.c - llhttp's response cases (vendored and
 * converted in tests/conformance/llhttp, see its README) through
 * sb_http_feed, delivered whole and one byte at a time. Each case's
 * outcome must be llhttp's, or the one differences.txt gives with a
 * reason.
 *
 * The outcome is written as in responses.txt: every complete response
 * as STATUS:"BODY", then how the input ends: end (every byte used),
 * error (refused, or the input ends inside a response), or, for
 * sonarbadge, unread: bytes after a complete response, which the client
 * never parses as another response (it drops such a connection).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fake_port.h"
#include "harness.h"
#include "sb_http.h"

#define DIR "tests/conformance/llhttp/"
#define MAX_CASES 128
#define MAX_REASONS 32
#define LINE_CAP 8192

static struct fake_state F;
static sb_port P;

struct llcase {
	unsigned char *input;
	size_t len;
	const char *ours;   /* from differences.txt, or NULL */
	const char *reason; /* its reason key */
	int head;
	char id[64];
	char title[160];
	char llhttp[LINE_CAP];
};

static struct llcase cases[MAX_CASES];
static size_t case_count;

static char reason_keys[MAX_REASONS][48];
static size_t reason_count;

static char diff_lines[MAX_CASES][LINE_CAP];

static void chomp(char *s)
{
	size_t n = strlen(s);

	while (n && (s[n - 1] == '\n' || s[n - 1] == '\r'))
		s[--n] = '\0';
}

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Undo responses.txt's escapes; -1 on a malformed one. */
static long unescape(const char *s, unsigned char *out, size_t cap)
{
	size_t n = 0;

	for (; *s; s++) {
		int c = (unsigned char)*s;

		if (c == '\\') {
			s++;
			switch (*s) {
			case 'r': c = '\r'; break;
			case 'n': c = '\n'; break;
			case 't': c = '\t'; break;
			case '\\': c = '\\'; break;
			case '"': c = '"'; break;
			case 'x':
				if (hexval(s[1]) < 0 || hexval(s[2]) < 0)
					return -1;
				c = hexval(s[1]) * 16 + hexval(s[2]);
				s += 2;
				break;
			default:
				return -1;
			}
		}
		if (n == cap)
			return -1;
		out[n++] = (unsigned char)c;
	}
	return (long)n;
}

static void escape_into(char *out, size_t cap, const unsigned char *d,
			size_t n)
{
	size_t i, pos = strlen(out);

	for (i = 0; i < n && pos + 5 < cap; i++) {
		unsigned char c = d[i];

		if (c == '\r' || c == '\n' || c == '\t' || c == '\\' ||
		    c == '"') {
			out[pos++] = '\\';
			out[pos++] = c == '\r' ? 'r'
				     : c == '\n' ? 'n'
				     : c == '\t' ? 't'
						 : (char)c;
		} else if (c >= 0x20 && c < 0x7f) {
			out[pos++] = (char)c;
		} else {
			pos += (size_t)snprintf(out + pos, cap - pos, "\\x%02x",
						c);
		}
	}
	out[pos] = '\0';
}

static int load_cases(void)
{
	FILE *f = fopen(DIR "responses.txt", "r");
	static char line[LINE_CAP];
	static unsigned char buf[LINE_CAP];
	struct llcase *c = NULL;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		chomp(line);
		if (strncmp(line, "case ", 5) == 0) {
			if (case_count == MAX_CASES)
				break;
			c = &cases[case_count++];
			if (sscanf(line + 5, "%63s", c->id) != 1)
				break;
			snprintf(c->title, sizeof(c->title), "%s",
				 line + 5 + strlen(c->id) + 1);
		} else if (c && strcmp(line, "head") == 0) {
			c->head = 1;
		} else if (c && strncmp(line, "input ", 6) == 0) {
			long n = unescape(line + 6, buf, sizeof(buf));

			if (n < 0 || c->input)
				break;
			c->input = malloc(n ? (size_t)n : 1);
			if (!c->input)
				abort();
			memcpy(c->input, buf, (size_t)n);
			c->len = (size_t)n;
		} else if (c && strncmp(line, "llhttp ", 7) == 0) {
			snprintf(c->llhttp, sizeof(c->llhttp), "%s", line + 7);
		}
	}
	fclose(f);
	return 0;
}

static struct llcase *case_of(const char *id)
{
	size_t i;

	for (i = 0; i < case_count; i++)
		if (strcmp(cases[i].id, id) == 0)
			return &cases[i];
	return NULL;
}

/* differences.txt: "reason KEY TEXT" and "ID|OUTCOME|KEY" lines. */
static int load_differences(unsigned *bad)
{
	FILE *f = fopen(DIR "differences.txt", "r");
	static char line[LINE_CAP];
	size_t k = 0, i;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		char *p1, *p2;
		struct llcase *c;

		chomp(line);
		if (line[0] == '#' || line[0] == '\0')
			continue;
		if (strncmp(line, "reason ", 7) == 0) {
			if (reason_count < MAX_REASONS &&
			    sscanf(line + 7, "%47s",
				   reason_keys[reason_count]) == 1)
				reason_count++;
			continue;
		}
		if (k == MAX_CASES)
			break;
		snprintf(diff_lines[k], sizeof(diff_lines[k]), "%s", line);
		p1 = strchr(diff_lines[k], '|');
		p2 = p1 ? strrchr(p1 + 1, '|') : NULL;
		if (!p2) {
			(*bad)++;
			printf("FAIL differences.txt: not ID|OUTCOME|REASON: "
			       "%s\n",
			       line);
			continue;
		}
		*p1++ = '\0';
		*p2++ = '\0';
		c = case_of(diff_lines[k]);
		for (i = 0; i < reason_count; i++)
			if (strcmp(reason_keys[i], p2) == 0)
				break;
		if (!c || i == reason_count || c->ours ||
		    strcmp(p1, c->llhttp) == 0) {
			(*bad)++;
			printf("FAIL differences.txt: %s names no case, no "
			       "known reason, a case twice, or llhttp's own "
			       "outcome\n",
			       diff_lines[k]);
			continue;
		}
		c->ours = p1;
		c->reason = p2;
		k++;
	}
	fclose(f);
	return 0;
}

/* Feed c's input in pieces of at most piece bytes; describe the result. */
static void run_case(const struct llcase *c, size_t piece, char *out,
		     size_t cap)
{
	sb_http_response r;
	size_t pos = 0, used;
	int rc = SB_HTTP_MORE;

	out[0] = '\0';
	sb_http_response_init(&r, &P, c->head);
	while (pos < c->len) {
		size_t n = c->len - pos < piece ? c->len - pos : piece;

		rc = sb_http_feed(&r, c->input + pos, n, &used);
		pos += used;
		if (rc != SB_HTTP_MORE)
			break;
	}
	if (rc == SB_HTTP_MORE)
		rc = sb_http_feed_eof(&r);
	if (rc == SB_OK) {
		size_t o = strlen(out);

		snprintf(out + o, cap - o, "%d:\"", r.status);
		escape_into(out, cap - 2, r.body.data, r.body.len);
		o = strlen(out);
		snprintf(out + o, cap - o, "\" %s",
			 pos < c->len ? "unread" : "end");
	} else {
		snprintf(out, cap, "error");
	}
	sb_http_response_free(&r);
}

static unsigned same, differences, file_errors;
static size_t current;

TEST(data_files_read)
{
	CHECKF(load_cases() == 0 && case_count > 0,
	       "cannot read " DIR "responses.txt (run from the top folder)");
	CHECKF(load_differences(&file_errors) == 0,
	       "cannot read " DIR "differences.txt");
	CHECKF(file_errors == 0, "%u bad lines in differences.txt",
	       file_errors);
}

/* One case: whole and byte by byte agree, and end as expected. */
TEST(response_case)
{
	static char whole[LINE_CAP], bytewise[LINE_CAP];
	const struct llcase *c = &cases[current];
	const char *want = c->ours ? c->ours : c->llhttp;

	CHECKF(c->input && c->llhttp[0], "case incomplete in responses.txt");
	run_case(c, c->len + 1, whole, sizeof(whole));
	run_case(c, 1, bytewise, sizeof(bytewise));
	CHECKF(strcmp(whole, bytewise) == 0,
	       "(%s) whole \"%s\", byte by byte \"%s\"", c->title, whole,
	       bytewise);
	CHECKF(strcmp(whole, want) == 0, "(%s) %s, want %s (%s; llhttp: %s)",
	       c->title, whole, want, c->ours ? c->reason : "as llhttp",
	       c->llhttp);
	if (c->ours)
		differences++;
	else
		same++;
	CHECK_EQ_INT(F.live, 0);
}

int main(void)
{
	size_t i;

	fake_init(&F, &P);
	RUN(data_files_read);
	for (current = 0; current < case_count; current++)
		harness_run(cases[current].id, response_case);
	printf("llhttp responses: %lu cases, %u as llhttp, %u deliberate "
	       "differences\n",
	       (unsigned long)case_count, same, differences);
	for (i = 0; i < case_count; i++)
		free(cases[i].input);
	return harness_main();
}

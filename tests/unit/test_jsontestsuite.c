/*
 * test_jsontestsuite.c - JSONTestSuite's test_parsing files (vendored in
 * tests/conformance/JSONTestSuite, see its README) through the strict
 * reader, sb_json_parse: every y_ file accepted, every n_ file refused,
 * every i_ file decided as tests/conformance/JSONTestSuite/expected.txt
 * records. An accepted document is also walked and every string in it
 * (names and values) read with sb_json_string; a y_ or i_ file with a
 * string the reader refuses (U+0000, a lone surrogate) is recorded as
 * "accepted,string-refused" in expected.txt too.
 *
 * The files are named by an index the build writes from the folder
 * (JSONTS_INDEX, one name a line), so the test needs no readdir, which
 * newlib (make check-cortex-m) does not have.
 *
 * Each file is parsed from a heap copy of exactly its size, so ASan
 * (make test SAN=1) catches any read past the end.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fake_port.h"
#include "harness.h"
#include "sb_json.h"

#define SUITE_DIR "tests/conformance/JSONTestSuite"
#ifndef JSONTS_INDEX
#error "JSONTS_INDEX: the path of the list of test_parsing's files"
#endif
#define MAX_FILES 512
#define MAX_FILE_BYTES (512 * 1024)

static struct fake_state F;
static sb_port P;

static char *names[MAX_FILES];
static size_t name_count;

struct expectation {
	char file[128];
	char decision[64];
	int used;
};
static struct expectation expected[MAX_FILES];
static size_t expected_count;

/* The index: one file name a line, in C order, only .json files. */
static int load_names(void)
{
	FILE *f = fopen(JSONTS_INDEX, "r");
	char line[256];

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		size_t n = strcspn(line, "\r\n");
		int whole = line[n] != '\0' || feof(f);

		line[n] = '\0';
		if (!whole || n < 6 || strcmp(line + n - 5, ".json") != 0 ||
		    name_count == MAX_FILES) {
			fclose(f);
			return -1;
		}
		names[name_count] = malloc(n + 1);
		if (!names[name_count])
			abort();
		memcpy(names[name_count++], line, n + 1);
	}
	fclose(f);
	return 0;
}

/* expected.txt: "FILE DECISION" lines, '#' comments, blank lines. */
static int load_expected(void)
{
	FILE *f = fopen(SUITE_DIR "/expected.txt", "r");
	char line[512];

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		struct expectation *x;

		if (line[0] == '#' || line[0] == '\n')
			continue;
		if (expected_count == MAX_FILES) {
			fclose(f);
			return -1;
		}
		x = &expected[expected_count];
		if (sscanf(line, "%127s %63s", x->file, x->decision) != 2) {
			fclose(f);
			return -1;
		}
		expected_count++;
	}
	fclose(f);
	return 0;
}

static struct expectation *expectation_of(const char *file)
{
	size_t i;

	for (i = 0; i < expected_count; i++)
		if (strcmp(expected[i].file, file) == 0)
			return &expected[i];
	return NULL;
}

/* Read a whole file into an exact-size heap block. */
static char *read_file(const char *name, size_t *len)
{
	char path[512], *buf, *exact;
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), SUITE_DIR "/test_parsing/%s", name);
	f = fopen(path, "rb");
	if (!f)
		return NULL;
	buf = malloc(MAX_FILE_BYTES + 1);
	if (!buf)
		abort();
	n = fread(buf, 1, MAX_FILE_BYTES + 1, f);
	fclose(f);
	if (n > MAX_FILE_BYTES) {
		free(buf);
		return NULL;
	}
	exact = malloc(n ? n : 1);
	if (!exact)
		abort();
	memcpy(exact, buf, n);
	free(buf);
	*len = n;
	return exact;
}

/* Does every string of d (names included) read as a C string? */
static int strings_readable(const sb_json_doc *d, size_t len)
{
	char *out = malloc(len + 1);
	int v, ok = 1;

	if (!out)
		abort();
	for (v = 0; v < d->count && ok; v++)
		if (sb_json_kind_of(d, v) == SB_JSON_STRING &&
		    sb_json_string(d, v, out, len + 1) != SB_OK)
			ok = 0;
	free(out);
	return ok;
}

/*
 * The reader's decision on one file: "accepted",
 * "accepted,string-refused" or "refused:SB_ERR_...". Also checks that
 * sb_json_validate agrees and that every token is walked once.
 */
static void decide(const char *name, char *out, size_t cap)
{
	sb_json_doc d;
	size_t len = 0;
	char *js = read_file(name, &len);
	sb_err err, verr;

	if (!js) {
		snprintf(out, cap, "unreadable-file");
		return;
	}
	err = sb_json_parse(&P, js, len, &d);
	verr = sb_json_validate(js, len);
	if (err == SB_OK) {
		int readable = strings_readable(&d, len);

		if (verr != SB_OK || sb_json_skip(&d, 0) != d.count)
			snprintf(out, cap, "inconsistent");
		else
			snprintf(out, cap, "%s",
				 readable ? "accepted"
					  : "accepted,string-refused");
		sb_json_free(&d);
	} else if (verr == SB_OK && err != SB_ERR_TOO_LARGE) {
		snprintf(out, cap, "inconsistent");
	} else {
		snprintf(out, cap, "refused:%s", sb_err_name(err));
	}
	free(js);
}

static unsigned counts[3][2]; /* [y, n, i][accepted, refused] */
static size_t current;

TEST(suite_present)
{
	CHECKF(load_names() == 0 && name_count > 0,
	       "cannot read the index " JSONTS_INDEX " of " SUITE_DIR
	       "/test_parsing (run from the top folder)");
	CHECKF(load_expected() == 0, "cannot read " SUITE_DIR "/expected.txt");
}

/* One file: y_ accepted, n_ refused, i_ (and listed y_) as recorded. */
TEST(suite_file)
{
	const char *name = names[current];
	struct expectation *x = expectation_of(name);
	char got[64];
	int kind = name[0] == 'y' ? 0 : name[0] == 'n' ? 1 : 2;

	decide(name, got, sizeof(got));
	counts[kind][strncmp(got, "accepted", 8) != 0]++;
	if (x)
		x->used = 1;
	if (kind == 1) {
		CHECKF(strncmp(got, "refused:", 8) == 0, "%s, must be refused",
		       got);
		CHECKF(!x, "n_ files are not listed in expected.txt");
	} else if (x) {
		CHECKF(strcmp(got, x->decision) == 0,
		       "%s, expected.txt says %s", got, x->decision);
		CHECKF(kind == 2 || strcmp(got, "accepted") != 0,
		       "a plain accepted y_ file is not listed");
	} else {
		CHECKF(kind == 0, "%s: no decision in expected.txt", got);
		CHECKF(strcmp(got, "accepted") == 0, "%s, must be accepted",
		       got);
	}
	CHECK_EQ_INT(F.live, 0);
}

TEST(every_expectation_used)
{
	size_t i;

	for (i = 0; i < expected_count; i++)
		CHECKF(expected[i].used,
		       "expected.txt names %s, which is not in the suite",
		       expected[i].file);
}

int main(void)
{
	size_t i;

	fake_init(&F, &P);
	RUN(suite_present);
	for (current = 0; current < name_count; current++)
		harness_run(names[current], suite_file);
	RUN(every_expectation_used);
	printf("JSONTestSuite test_parsing: y_ %u accepted, %u refused; "
	       "n_ %u refused, %u accepted; i_ %u accepted, %u refused\n",
	       counts[0][0], counts[0][1], counts[1][1], counts[1][0],
	       counts[2][0], counts[2][1]);
	for (i = 0; i < name_count; i++)
		free(names[i]);
	return harness_main();
}

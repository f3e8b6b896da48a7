/*
 * test_port_posix.c - the POSIX port's file hooks: whole files and files
 * in pieces are regular files within their cap, and anything else (a
 * FIFO without a writer, /dev/zero, a folder) fails at once instead of
 * blocking or reading forever; folders are listed to the end.
 */
#define _GNU_SOURCE 1
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness.h"
#include "sb_port_posix.h"

static sb_port P;
static sb_posix_ctx PX;
static char dir[64];

static void path_of(char *out, size_t cap, const char *name)
{
	snprintf(out, cap, "%s/%s", dir, name);
}

static int write_file(const char *name, const char *text)
{
	char p[128];
	FILE *f;

	path_of(p, sizeof(p), name);
	f = fopen(p, "wb");
	if (!f)
		return -1;
	fputs(text, f);
	return fclose(f);
}

TEST(read_file_regular)
{
	char p[128];
	unsigned char *data = NULL;
	size_t len = 0;

	CHECK(write_file("a.pem", "hello") == 0);
	path_of(p, sizeof(p), "a.pem");
	CHECK_EQ_INT(P.read_file(P.ctx, p, 100, &data, &len), 0);
	CHECK_EQ_INT(len, 5);
	CHECK_STR_EQ((char *)data, "hello");
	P.free(P.ctx, data);
	CHECK_EQ_INT(P.read_file(P.ctx, p, 4, &data, &len), SB_PORT_ERR_FILE);
}

TEST(fifo_fails_at_once)
{
	char p[128];
	unsigned char *data = NULL;
	size_t len = 0;
	struct sb_file *f = NULL;

	path_of(p, sizeof(p), "fifo");
	CHECK(mkfifo(p, 0600) == 0);
	/* No writer: a blocking open would never return. */
	CHECK_EQ_INT(P.read_file(P.ctx, p, 100, &data, &len),
		     SB_PORT_ERR_FILE);
	CHECK_EQ_INT(P.file_open(P.ctx, p, 100, &f), SB_PORT_ERR_FILE);
	CHECK(strstr(P.describe_error(P.ctx), "not a regular file"));
}

TEST(devices_and_folders_refused)
{
	unsigned char *data = NULL;
	size_t len = 0;
	struct sb_file *f = NULL;

	CHECK_EQ_INT(P.file_open(P.ctx, "/dev/zero", 1u << 20, &f),
		     SB_PORT_ERR_FILE);
	CHECK_EQ_INT(P.read_file(P.ctx, "/dev/zero", 1u << 20, &data, &len),
		     SB_PORT_ERR_FILE);
	CHECK_EQ_INT(P.file_open(P.ctx, dir, 1u << 20, &f), SB_PORT_ERR_FILE);
	CHECK_EQ_INT(P.file_open(P.ctx, "/nonexistent/x", 10, &f),
		     SB_PORT_ERR_FILE);
}

TEST(file_in_pieces)
{
	char p[128], got[64];
	unsigned char piece[3];
	struct sb_file *f = NULL;
	size_t n = 0;
	int rc;

	CHECK(write_file("b.pem", "0123456789abcdef") == 0);
	path_of(p, sizeof(p), "b.pem");
	CHECK_EQ_INT(P.file_open(P.ctx, p, 15, &f), SB_PORT_ERR_FILE);
	CHECK_EQ_INT(P.file_open(P.ctx, p, 16, &f), 0);
	while ((rc = P.file_read(P.ctx, f, piece, sizeof(piece))) > 0 &&
	       n + (size_t)rc < sizeof(got)) {
		memcpy(got + n, piece, (size_t)rc);
		n += (size_t)rc;
	}
	P.file_close(P.ctx, f);
	CHECK_EQ_INT(rc, 0);
	got[n] = '\0';
	CHECK_STR_EQ(got, "0123456789abcdef");
}

/* A file that grows past the cap while it is read fails there. */
TEST(growing_file_stops_at_cap)
{
	char p[128];
	unsigned char buf[64];
	struct sb_file *f = NULL;
	FILE *w;
	int rc, total = 0, i;

	CHECK(write_file("grow.pem", "0123456789") == 0);
	path_of(p, sizeof(p), "grow.pem");
	CHECK_EQ_INT(P.file_open(P.ctx, p, 20, &f), 0);
	w = fopen(p, "ab");
	CHECK(w != NULL);
	for (i = 0; i < 10; i++)
		fputs("0123456789", w);
	fclose(w);
	for (i = 0; i < 100; i++) {
		rc = P.file_read(P.ctx, f, buf, sizeof(buf));
		if (rc <= 0)
			break;
		total += rc;
	}
	P.file_close(P.ctx, f);
	CHECK_EQ_INT(rc, SB_PORT_ERR_FILE);
	CHECK(total <= 21);
}

struct names {
	char seen[8][32];
	int n;
};

static int collect(void *arg, const char *name)
{
	struct names *ns = arg;

	if (ns->n < 8)
		snprintf(ns->seen[ns->n++], sizeof(ns->seen[0]), "%s", name);
	return 0;
}

static int stop_first(void *arg, const char *name)
{
	(void)name;
	++*(int *)arg;
	return 1;
}

static int listed(const struct names *ns, const char *name)
{
	int i;

	for (i = 0; i < ns->n; i++)
		if (strcmp(ns->seen[i], name) == 0)
			return 1;
	return 0;
}

TEST(list_dir_every_entry)
{
	char sub[128];
	struct names ns;
	int calls = 0;

	CHECK(write_file("c.pem", "x") == 0);
	path_of(sub, sizeof(sub), "d");
	CHECK(mkdir(sub, 0700) == 0);
	memset(&ns, 0, sizeof(ns));
	CHECK_EQ_INT(P.list_dir(P.ctx, dir, collect, &ns), 0);
	CHECK(listed(&ns, "c.pem"));
	CHECK(listed(&ns, "d"));
	CHECK(!listed(&ns, "."));
	CHECK(!listed(&ns, ".."));
	CHECK_EQ_INT(P.list_dir(P.ctx, dir, stop_first, &calls), 0);
	CHECK_EQ_INT(calls, 1);
	CHECK_EQ_INT(P.list_dir(P.ctx, "/nonexistent", collect, &ns),
		     SB_PORT_ERR_FILE);
	path_of(sub, sizeof(sub), "c.pem");
	CHECK_EQ_INT(P.list_dir(P.ctx, sub, collect, &ns), SB_PORT_ERR_FILE);
}

static void cleanup(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", dir);
}

int main(void)
{
	const char *tmp = getenv("TMPDIR");

	snprintf(dir, sizeof(dir), "%s/sbport.XXXXXX",
		 tmp && strlen(tmp) < 40 ? tmp : "/tmp");
	if (!mkdtemp(dir)) {
		printf("FAIL setup: mkdtemp\n0 passed, 1 failed\n");
		return 1;
	}
	sb_port_posix_init(&P, &PX);
	RUN(read_file_regular);
	RUN(fifo_fails_at_once);
	RUN(devices_and_folders_refused);
	RUN(file_in_pieces);
	RUN(growing_file_stops_at_cap);
	RUN(list_dir_every_entry);
	cleanup();
	return harness_main();
}

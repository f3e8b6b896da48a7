/*
 * replay_main.c - runs every file of a corpus folder through a fuzz
 * target's LLVMFuzzerTestOneInput, like mbedTLS's programs/fuzz/onefile.c
 * but for whole folders, so the seed corpora run under the normal
 * compiler (and ASan/UBSan with SAN=1) in `make test`.
 *
 *	fuzz_replay_TARGET [DIR|FILE]...   default: FUZZ_CORPUS_DIR
 *
 * Each file replayed counts as one pass; a crash ends the program (the
 * test runner then counts the suite as failed). The last line is
 * "N passed, N failed": an unreadable file, an empty corpus, or a corpus
 * where no input got all the way through the target (fuzz_accepted
 * stayed 0) is a failure, and so is a folder that cannot be listed to
 * the end (readdir's errors are reported: a 32-bit build without
 * _FILE_OFFSET_BITS=64 meets EOVERFLOW on a 64-bit file system).
 */
#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_common.h"

#ifndef FUZZ_CORPUS_DIR
#error "build with -DFUZZ_CORPUS_DIR=\"tests/fuzz/corpus/TARGET\""
#endif

#define MAX_FILE (16u * 1024u * 1024u)

static unsigned passed, failed;

static void replay_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	unsigned char *buf;
	size_t n;

	if (!f) {
		printf("FAIL replay %s: cannot open\n", path);
		failed++;
		return;
	}
	buf = malloc(MAX_FILE);
	if (!buf) {
		fclose(f);
		printf("FAIL replay %s: out of memory\n", path);
		failed++;
		return;
	}
	n = fread(buf, 1, MAX_FILE, f);
	if (ferror(f) || (n == MAX_FILE && fgetc(f) != EOF)) {
		printf("FAIL replay %s: read error or larger than %u bytes\n",
		       path, MAX_FILE);
		failed++;
	} else {
		/* An exact-size copy, so ASan sees any read past the end. */
		unsigned char *exact = malloc(n ? n : 1);

		if (exact) {
			memcpy(exact, buf, n);
			LLVMFuzzerTestOneInput(exact, n);
			free(exact);
			passed++;
			if (getenv("SB_TEST_VERBOSE"))
				printf("ok replay %s\n", path);
		} else {
			failed++;
		}
	}
	free(buf);
	fclose(f);
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void replay_dir(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char **names = NULL;
	size_t count = 0, cap = 0, i;

	if (!d) {
		replay_file(dir); /* a single file */
		return;
	}
	for (;;) {
		char *path;
		size_t len;

		errno = 0;
		e = readdir(d);
		if (!e) {
			if (errno != 0) {
				printf("FAIL replay %s: cannot list the folder: "
				       "%s\n",
				       dir, strerror(errno));
				failed++;
			}
			break;
		}
		if (e->d_name[0] == '.')
			continue;
		if (count == cap) {
			char **more;

			cap = cap ? cap * 2 : 64;
			more = realloc(names, cap * sizeof(*names));
			if (!more) {
				printf("FAIL replay %s: out of memory\n", dir);
				failed++;
				break;
			}
			names = more;
		}
		len = strlen(dir) + strlen(e->d_name) + 2;
		path = malloc(len);
		if (!path) {
			printf("FAIL replay %s: out of memory\n", dir);
			failed++;
			break;
		}
		snprintf(path, len, "%s/%s", dir, e->d_name);
		names[count++] = path;
	}
	closedir(d);
	if (count)
		qsort(names, count, sizeof(*names), by_name);
	for (i = 0; i < count; i++) {
		replay_file(names[i]);
		free(names[i]);
	}
	free(names);
}

int main(int argc, char **argv)
{
	int i;

	if (argc > 1)
		for (i = 1; i < argc; i++)
			replay_dir(argv[i]);
	else
		replay_dir(FUZZ_CORPUS_DIR);
	if (passed == 0) {
		printf("FAIL replay: no corpus file found\n");
		failed++;
	} else if (fuzz_accepted == 0) {
		printf("FAIL replay: no input got through the target: the "
		       "corpus exercises nothing but the first checks\n");
		failed++;
	} else {
		printf("replayed %u inputs, %lu accepted all the way\n",
		       passed, fuzz_accepted);
	}
	printf("%u passed, %u failed\n", passed, failed);
	return failed ? 1 : 0;
}

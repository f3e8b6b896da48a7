/* harness.c - see harness.h. Static state only: no allocation. */
#include "harness.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

static int current_failed;
static char detail[1024];
static unsigned passed, failed;

void harness_fail(const char *file, int line, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (current_failed)
		return; /* the first failure is the one reported */
	current_failed = 1;
	n = snprintf(detail, sizeof(detail), "%s:%d: ", file, line);
	if (n < 0 || (size_t)n >= sizeof(detail))
		n = 0;
	va_start(ap, fmt);
	vsnprintf(detail + n, sizeof(detail) - (size_t)n, fmt, ap);
	va_end(ap);
}

int harness_failed(void)
{
	return current_failed;
}

static int verbose(void)
{
	const char *v = getenv("SB_TEST_VERBOSE");

	return v && strcmp(v, "1") == 0;
}

void harness_run(const char *name, void (*fn)(void))
{
	current_failed = 0;
	detail[0] = '\0';
	fn();
	if (current_failed) {
		failed++;
		printf("FAIL %s: %s\n", name, detail);
	} else {
		passed++;
		if (verbose())
			printf("ok %s\n", name);
	}
	fflush(stdout);
}

int harness_main(void)
{
	printf("%u passed, %u failed\n", passed, failed);
	return failed ? 1 : 0;
}

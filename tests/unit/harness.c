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

/* Decimal text of v; out holds at least 22 bytes. */
static const char *dec(char *out, long long v)
{
	char tmp[24];
	unsigned long long u = v < 0 ? 0ull - (unsigned long long)v
				     : (unsigned long long)v;
	size_t n = 0, i = 0;

	do {
		tmp[n++] = (char)('0' + (int)(u % 10u));
		u /= 10u;
	} while (u);
	if (v < 0)
		out[i++] = '-';
	while (n > 0)
		out[i++] = tmp[--n];
	out[i] = '\0';
	return out;
}

void harness_fail_ints(const char *file, int line, const char *a,
		       const char *b, long long va, long long vb)
{
	char ta[24], tb[24];

	harness_fail(file, line, "%s == %s (%s != %s)", a, b, dec(ta, va),
		     dec(tb, vb));
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

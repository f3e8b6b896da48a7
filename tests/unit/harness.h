/*
 * harness.h - a tiny unit-test harness (greatest / jsmn test.h style).
 *
 *	TEST(name) { CHECK(x); CHECK_EQ_INT(a, b); CHECK_STR_EQ(s, t); }
 *	int main(void) { RUN(name); return harness_main(); }
 *
 * A failed check records file:line and the values, then returns from the
 * function it is in. The first failure of a test is the one reported:
 * "FAIL name: file:line: detail". With SB_TEST_VERBOSE=1 passing tests
 * print "ok name". The last line is always "N passed, N failed".
 * Nothing here allocates.
 */
#ifndef SB_TEST_HARNESS_H
#define SB_TEST_HARNESS_H

#include <string.h>

#define TEST(name) static void name(void)
#define RUN(test) harness_run(#test, test)

/* Record a failure of the current test (printf-style detail). */
void harness_fail(const char *file, int line, const char *fmt, ...)
#if defined(__GNUC__)
	__attribute__((format(printf, 3, 4)))
#endif
	;
/* harness_fail for CHECK_EQ_INT: "A == B (a != b)", the values written
 * without a long long conversion, which newlib-nano does not print. */
void harness_fail_ints(const char *file, int line, const char *a,
		       const char *b, long long va, long long vb);
/* 1 when the current test has failed already (for helper functions). */
int harness_failed(void);
void harness_run(const char *name, void (*fn)(void));
/* Print the summary line; returns the process exit code. */
int harness_main(void);

/* Return from a test when a helper it called has failed. */
#define CHECK_HELPER()                   \
	do {                             \
		if (harness_failed())    \
			return;          \
	} while (0)

#define CHECK(cond)                                                    \
	do {                                                           \
		if (!(cond)) {                                         \
			harness_fail(__FILE__, __LINE__, "%s", #cond); \
			return;                                        \
		}                                                      \
	} while (0)

/* CHECK with a printf-style detail (e.g. the table case's name). */
#define CHECKF(cond, ...)                                         \
	do {                                                      \
		if (!(cond)) {                                    \
			harness_fail(__FILE__, __LINE__, __VA_ARGS__); \
			return;                                   \
		}                                                 \
	} while (0)

#define CHECK_EQ_INT(a, b)                                                  \
	do {                                                                \
		long long h_a_ = (long long)(a), h_b_ = (long long)(b);     \
		if (h_a_ != h_b_) {                                         \
			harness_fail_ints(__FILE__, __LINE__, #a, #b, h_a_, \
					  h_b_);                            \
			return;                                             \
		}                                                           \
	} while (0)

#define CHECK_STR_EQ(a, b)                                                  \
	do {                                                                \
		const char *h_s_ = (a), *h_t_ = (b);                        \
		if (!h_s_ || !h_t_ || strcmp(h_s_, h_t_) != 0) {            \
			harness_fail(__FILE__, __LINE__,                    \
				     "%s == %s (\"%s\" != \"%s\")", #a, #b, \
				     h_s_ ? h_s_ : "(null)",                \
				     h_t_ ? h_t_ : "(null)");               \
			return;                                             \
		}                                                           \
	} while (0)

#endif

/*
 * small_stack.h - run a test's work on a stack of a given size, so a
 * hostile input that would recurse or grow the stack without bound shows
 * as a failure, not a pass on a large main stack.
 *
 * tests/unit/small_stack_pthread.c: a thread with that stack size (the
 * POSIX builds); tests/embedded/cortexm/small_stack_board.c: a painted
 * block of the board's heap, checked afterwards (make check-cortex-m).
 */
#ifndef SB_TEST_SMALL_STACK_H
#define SB_TEST_SMALL_STACK_H

#include <stddef.h>

/* Run fn(arg) to its end on a stack of stack bytes (a multiple of 8).
 * 0 when it ran, else non-zero. */
int run_with_stack(void *(*fn)(void *), void *arg, size_t stack);

#endif

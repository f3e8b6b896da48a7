/*
 * small_stack_board.c - run_with_stack (tests/unit/small_stack.h) on the
 * Cortex-M board, which has no threads: the stack is a block of the heap,
 * painted first. The board has no guard below it, so an overflow is found
 * afterwards: a block used to its last word counts as overflowed.
 */
#include "small_stack.h"

#include <stdint.h>
#include <stdlib.h>

#include "board.h"

struct call {
	void *(*fn)(void *);
	void *arg;
};

static void call_fn(void *p)
{
	struct call *c = p;

	c->fn(c->arg);
}

int run_with_stack(void *(*fn)(void *), void *arg, size_t stack)
{
	struct call c;
	uint32_t *bottom;
	size_t used;

	if (stack % 8 != 0)
		return -1;
	bottom = malloc(stack);
	if (!bottom)
		return -1;
	c.fn = fn;
	c.arg = arg;
	board_paint(bottom, stack);
	board_call_on_stack(call_fn, &c, (char *)bottom + stack);
	used = board_painted_used(bottom, stack);
	free(bottom);
	return used < stack ? 0 : -1;
}

/*
 * fuzz_common.h - shared helpers of the libFuzzer targets: a minimal
 * allocation-only sb_port (calloc/free with a live-allocation count, so
 * every target can check that nothing leaked) and the counter the replay
 * program reads to tell that a corpus really reached the parsers.
 *
 * Each target defines LLVMFuzzerTestOneInput. Built with
 * -fsanitize=fuzzer it is a libFuzzer program; linked with replay_main.c
 * it runs a corpus folder under the normal compiler (and ASan/UBSan with
 * SAN=1) as part of `make test`.
 */
#ifndef SB_FUZZ_COMMON_H
#define SB_FUZZ_COMMON_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sonarbadge/sonarbadge.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/*
 * Inputs that went all the way through (a complete response, a token
 * found, a URL accepted...). The replay fails when no file of a corpus
 * does: a corpus of rejects exercises nothing but the first check.
 */
extern unsigned long fuzz_accepted;

struct fuzz_mem {
	long live;
};

static inline void *fuzz_alloc(void *ctx, size_t size)
{
	void *p = calloc(1, size ? size : 1);

	if (p)
		((struct fuzz_mem *)ctx)->live++;
	return p;
}

static inline void fuzz_free(void *ctx, void *ptr)
{
	if (ptr) {
		((struct fuzz_mem *)ctx)->live--;
		free(ptr);
	}
}

/* A port for the pure modules: only alloc and free are ever called. */
static inline void fuzz_mem_port(sb_port *port, struct fuzz_mem *mem)
{
	memset(port, 0, sizeof(*port));
	memset(mem, 0, sizeof(*mem));
	port->version = SB_PORT_VERSION;
	port->ctx = mem;
	port->alloc = fuzz_alloc;
	port->free = fuzz_free;
}

/* A library bug found: report and crash, so libFuzzer keeps the input. */
#define FUZZ_ASSERT(cond)                                                  \
	do {                                                               \
		if (!(cond)) {                                             \
			fprintf(stderr, "%s:%d: assertion failed: %s\n",   \
				__FILE__, __LINE__, #cond);                \
			abort();                                           \
		}                                                          \
	} while (0)

#endif

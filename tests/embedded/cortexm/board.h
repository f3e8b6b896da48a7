/*
 * board.h - the Cortex-M4 test board under QEMU (mps2-an386): start-up,
 * newlib's system calls over Arm semihosting, a fixed heap, stack
 * painting, and an allocator that counts what each part of the image
 * holds.
 */
#ifndef SB_BOARD_H
#define SB_BOARD_H

#include <stddef.h>
#include <stdint.h>

/* Who is allocating: the library (and mbedTLS through the port), or the
 * in-image server; set around the server's work. */
enum board_owner { OWNER_CLIENT = 0, OWNER_SERVER = 1, OWNER_COUNT };

struct board_heap_stats {
	size_t live[OWNER_COUNT], peak[OWNER_COUNT];
	size_t mbedtls_live, mbedtls_peak; /* the client's, via mbedtls_calloc */
	size_t mbedtls_at_client_peak;	   /* mbedTLS's part of the client peak */
	unsigned long calls, failures;
};

extern enum board_owner board_owner;
extern struct board_heap_stats board_heap;
/* Each owner may hold at most this many bytes; 0: no limit. */
extern size_t board_heap_limit[OWNER_COUNT];

/* Zeroed memory with its size and owner recorded; NULL past the limit. */
void *board_alloc(size_t size);
void board_free(void *ptr);
/* Forget the peaks (the live counts stay). */
void board_heap_reset_peaks(void);

/* Bytes of the main stack ever used (painted at reset), and of another
 * painted region. */
size_t board_stack_used(void);
void board_paint(void *bottom, size_t len);
size_t board_painted_used(const void *bottom, size_t len);
/* Run fn(arg) with the stack pointer at top (for the in-image server). */
void board_call_on_stack(void (*fn)(void *), void *arg, void *top);

#endif

/*
 * sb_port_lwip.h - libsonarbadge's port over lwIP's sockets API
 * (lwip_socket, lwip_connect, lwip_poll, lwip_getaddrinfo ...), for an
 * RTOS with lwIP (NO_SYS=0, LWIP_SOCKET=1, LWIP_DNS=1).
 *
 * The board supplies what lwIP does not: a millisecond clock, an entropy
 * source (a hardware RNG), a sleep, and optionally files (CA bundle,
 * client certificate). Memory comes from lwIP's mem_malloc unless the
 * board gives its own allocator.
 */
#ifndef SB_PORT_LWIP_H
#define SB_PORT_LWIP_H

#include <stddef.h>
#include <stdint.h>

#include "sonarbadge/sb_port.h"

typedef struct sb_lwip_board {
	/* Required: monotonic milliseconds. */
	uint64_t (*now_ms)(void *user);
	/* Required: len bytes from a hardware RNG; 0 on success. */
	int (*entropy)(void *user, unsigned char *buf, size_t len);
	/* Required: block the calling task for ms milliseconds. */
	void (*sleep_ms)(void *user, uint32_t ms);
	/* Optional: whole-file read (contract of sb_port.read_file); NULL
	 * means no file system (use SONAR_ROOT_CERT-style PEM text). */
	int (*read_file)(void *user, const char *path, size_t max_len,
			 unsigned char **data, size_t *len);
	/* Optional: zeroed allocation and its free; NULL: mem_calloc. */
	void *(*alloc)(void *user, size_t size);
	void (*free)(void *user, void *ptr);
	void *user;
} sb_lwip_board;

typedef struct sb_lwip_ctx {
	const sb_lwip_board *board;
	char error[96]; /* describe_error's text */
} sb_lwip_ctx;

/* Fill port with the lwIP hooks; ctx and board must outlive the port. */
void sb_port_lwip_init(sb_port *port, sb_lwip_ctx *ctx,
		       const sb_lwip_board *board);

#endif

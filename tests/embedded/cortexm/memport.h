/*
 * memport.h - an sb_port for the Cortex-M test image: the "network" is a
 * pair of in-memory pipes to mini_sonar, which runs inside the client's
 * send and recv (on its own stack, its memory counted apart); files are
 * texts compiled into the image, served whole (read_file) and in pieces
 * (file_open/read/close); memory is the board's counted heap. The clock
 * only moves when the client waits, and the "entropy" is a fixed
 * xorshift sequence: fine for a test, never for a real board.
 */
#ifndef SB_MEMPORT_H
#define SB_MEMPORT_H

#include "mini_sonar.h"
#include "sonarbadge/sb_port.h"

struct memport_file {
	const char *path;
	const char *text;
};

/* Fill port; connects to port 443 reach server, others are refused. */
void memport_init(sb_port *port, mini_sonar *server,
		  const struct memport_file *files, size_t file_count);
/* Connections the client opened. */
unsigned memport_connects(void);
/* Bytes of the server's stack ever used. */
size_t memport_server_stack_used(void);
/* Entropy for the server's DRBG (same fixed sequence). */
int memport_entropy(void *ctx, unsigned char *buf, size_t len);

#endif

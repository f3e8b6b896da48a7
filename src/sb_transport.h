/*
 * sb_transport.h - the seam under HTTP: a byte stream with deadlines,
 * shaped like coreHTTP's transport interface. Two implementations: plain
 * (the port's socket) and TLS (a verified session over that socket).
 * Tests put a scripted stream here to drive an https:// client.
 *
 * Results follow the port's conventions: bytes moved (> 0),
 * SB_PORT_CLOSED (recv: the peer ended the stream in order),
 * SB_PORT_TIMEOUT (the deadline passed), or another negative value
 * (SB_PORT_ERR_IO, SB_TLS_ERR_PROTOCOL, ...) described by detail().
 */
#ifndef SB_TRANSPORT_H
#define SB_TRANSPORT_H

#include <stdint.h>

#include "sb_tls.h"

typedef struct sb_transport_ops {
	int (*send)(void *ctx, const unsigned char *buf, size_t len,
		    uint64_t deadline_ms);
	int (*recv)(void *ctx, unsigned char *buf, size_t len,
		    uint64_t deadline_ms);
	/* Has the peer closed the idle stream, or sent bytes nobody asked
	 * for (on the socket, or already inside TLS)? A poll that never
	 * waits; after a yes the stream must be closed (a byte may have
	 * been consumed). */
	int (*idle_closed)(void *ctx);
	/* End the stream (TLS close_notify, best effort) and release the
	 * socket. */
	void (*close)(void *ctx);
	/* Text of the failure a call just returned (rc), for messages. */
	const char *(*detail)(void *ctx, int rc);
} sb_transport_ops;

typedef struct sb_transport {
	const sb_transport_ops *ops; /* NULL: no open stream */
	void *ctx;
} sb_transport;

/* The context of both real implementations: one socket, maybe TLS. */
typedef struct sb_stream {
	const sb_port *port;
	struct sb_socket *sock;
	sb_tls *tls; /* NULL: plain */
} sb_stream;

extern const sb_transport_ops sb_plain_transport;
extern const sb_transport_ops sb_tls_transport;

/* Milliseconds from now to deadline on the port's clock (0 if past). */
uint32_t sb_left_ms(const sb_port *port, uint64_t deadline_ms);

#endif

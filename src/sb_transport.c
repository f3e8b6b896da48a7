/* sb_transport.c - the plain and TLS byte streams over a port socket. */
#include "sb_transport.h"

uint32_t sb_left_ms(const sb_port *port, uint64_t deadline_ms)
{
	uint64_t now = port->now_ms(port->ctx);

	if (now >= deadline_ms)
		return 0;
	return deadline_ms - now > 0xffffffffu ? 0xffffffffu
					       : (uint32_t)(deadline_ms - now);
}

static const char *port_detail(const sb_stream *s)
{
	const char *d = s->port->describe_error
				? s->port->describe_error(s->port->ctx)
				: NULL;

	return d && *d ? d : "unknown error";
}

/* ---- plain ---- */

static int plain_send(void *ctx, const unsigned char *buf, size_t len,
		      uint64_t deadline_ms)
{
	sb_stream *s = ctx;
	uint32_t left = sb_left_ms(s->port, deadline_ms);

	if (left == 0)
		return SB_PORT_TIMEOUT;
	return s->port->send(s->port->ctx, s->sock, buf, len, left);
}

static int plain_recv(void *ctx, unsigned char *buf, size_t len,
		      uint64_t deadline_ms)
{
	sb_stream *s = ctx;
	uint32_t left = sb_left_ms(s->port, deadline_ms);

	if (left == 0)
		return SB_PORT_TIMEOUT;
	return s->port->recv(s->port->ctx, s->sock, buf, len, left);
}

/* An idle connection has nothing to read: a FIN, a reset or a byte
 * nobody asked for all mean it is over. */
static int socket_idle_closed(const sb_stream *s)
{
	unsigned char b[1];

	return s->port->recv(s->port->ctx, s->sock, b, sizeof(b), 0) !=
	       SB_PORT_TIMEOUT;
}

static int plain_idle_closed(void *ctx)
{
	return socket_idle_closed(ctx);
}

static void plain_close(void *ctx)
{
	sb_stream *s = ctx;

	if (s->sock)
		s->port->close(s->port->ctx, s->sock);
	s->sock = NULL;
}

static const char *plain_detail(void *ctx, int rc)
{
	(void)rc;
	return port_detail(ctx);
}

const sb_transport_ops sb_plain_transport = {
	plain_send, plain_recv, plain_idle_closed, plain_close, plain_detail,
};

/* ---- TLS ---- */

static int tls_send(void *ctx, const unsigned char *buf, size_t len,
		    uint64_t deadline_ms)
{
	sb_stream *s = ctx;

	if (sb_left_ms(s->port, deadline_ms) == 0)
		return SB_PORT_TIMEOUT;
	return sb_tls_send(s->tls, buf, len, deadline_ms);
}

static int tls_recv(void *ctx, unsigned char *buf, size_t len,
		    uint64_t deadline_ms)
{
	sb_stream *s = ctx;

	if (sb_left_ms(s->port, deadline_ms) == 0)
		return SB_PORT_TIMEOUT;
	return sb_tls_recv(s->tls, buf, len, deadline_ms);
}

static int tls_idle_closed(void *ctx)
{
	sb_stream *s = ctx;

	/* Bytes past the last answer already inside TLS: whatever they
	 * are, they must not be read as the answer to the next request.
	 * Then the raw socket: a close_notify or a FIN means it is over. */
	return sb_tls_pending(s->tls) || socket_idle_closed(s);
}

static void tls_close(void *ctx)
{
	sb_stream *s = ctx;

	sb_tls_end(s->tls);
	plain_close(s);
}

static const char *tls_detail(void *ctx, int rc)
{
	sb_stream *s = ctx;
	const char *m = sb_tls_message(s->tls);

	return rc == SB_TLS_ERR_PROTOCOL && m && *m ? m : port_detail(s);
}

const sb_transport_ops sb_tls_transport = {
	tls_send, tls_recv, tls_idle_closed, tls_close, tls_detail,
};

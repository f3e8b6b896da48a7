/*
 * sb_conn.c - the client's connection: resolved through --resolve
 * entries or the port, direct or through an HTTP proxy (CONNECT, so TLS
 * runs end to end with the server), then TLS for https:// - all within
 * the connect time-out and the operation's deadline.
 */
#include <string.h>

#include "sb_client.h"

#define USER_AGENT "sonarbadge/" SB_VERSION

uint32_t sb_client_left_ms(const sb_client *c, uint64_t deadline)
{
	uint64_t now = c->port.now_ms(c->port.ctx);

	if (now >= deadline)
		return 0;
	return deadline - now > 0xffffffffu ? 0xffffffffu
					    : (uint32_t)(deadline - now);
}

/* "host port N" or "[v6] port N" for messages. */
static void where(const char *host, uint16_t port, char *out, size_t cap)
{
	sb_fmt(out, cap, "%s port %u", host, (unsigned)port);
}

/* Connect to host:port, through --resolve addresses when one matches. */
static sb_err tcp_connect(sb_client *c, const char *host, uint16_t port,
			  uint64_t deadline, const char *what)
{
	char addrs[SB_MAX_RESOLVE_ADDRS][64], msg[128], place[SB_MAX_HOST_LEN + 16];
	int n, i, rc = SB_PORT_ERR_CONNECT;

	n = sb_resolve_lookup((const char *const *)c->resolve, host, port,
			      addrs, SB_MAX_RESOLVE_ADDRS, msg, sizeof(msg));
	where(host, port, place, sizeof(place));
	if (n <= 0) {
		sb_client_trace(c, "* Connecting to %s%s", what, place);
		rc = c->port.connect(c->port.ctx, host, port,
				     sb_client_left_ms(c, deadline), &c->sock);
	}
	for (i = 0; i < n; i++) {
		uint32_t left = sb_client_left_ms(c, deadline);

		if (left == 0) {
			rc = SB_PORT_TIMEOUT;
			break;
		}
		sb_client_trace(c, "* Connecting to %s%s at %s (--resolve)",
				what, place, addrs[i]);
		rc = c->port.connect(c->port.ctx, addrs[i], port, left,
				     &c->sock);
		if (rc == 0)
			break;
	}
	if (rc == 0) {
		c->connections++;
		return SB_OK;
	}
	c->sock = NULL;
	switch (rc) {
	case SB_PORT_ERR_DNS:
		return sb_client_fail(c, SB_ERR_DNS, "cannot resolve %shost %s: %s",
				      what, host, sb_client_port_error(c));
	case SB_PORT_TIMEOUT:
		return sb_client_fail(c, SB_ERR_TIMEOUT,
				      "connection to %s%s timed out", what,
				      place);
	case SB_PORT_ERR_NOMEM:
		return sb_client_fail(c, SB_ERR_NOMEM, "out of memory");
	default:
		return sb_client_fail(c, SB_ERR_CONNECT,
				      "cannot connect to %s%s: %s", what, place,
				      sb_client_port_error(c));
	}
}

/* Plain send of a whole buffer on the socket (the CONNECT request). */
static int send_plain(sb_client *c, const char *buf, size_t len,
		      uint64_t deadline)
{
	size_t sent = 0;

	while (sent < len) {
		int rc = c->port.send(c->port.ctx, c->sock,
				      (const unsigned char *)buf + sent,
				      len - sent,
				      sb_client_left_ms(c, deadline));

		if (rc <= 0)
			return rc < 0 ? rc : SB_PORT_ERR_IO;
		sent += (size_t)rc;
	}
	return 0;
}

/* Ask the proxy for a tunnel to the server (RFC 9110 CONNECT). */
static sb_err proxy_tunnel(sb_client *c, uint64_t deadline)
{
	char req[1024], target[SB_MAX_HOST_LEN + 16];
	const char *name = c->proxy->display;
	int rc;
	size_t used;

	if (c->url.ipv6_literal)
		sb_fmt(target, sizeof(target), "[%s]:%u", c->url.host,
		       (unsigned)c->url.port);
	else
		sb_fmt(target, sizeof(target), "%s:%u", c->url.host,
		       (unsigned)c->url.port);
	sb_fmt(req, sizeof(req),
	       "CONNECT %s HTTP/1.1\r\nHost: %s\r\nUser-Agent: %s\r\n%s%s%s\r\n",
	       target, target, USER_AGENT,
	       c->proxy_auth ? "Proxy-Authorization: " : "",
	       c->proxy_auth ? c->proxy_auth : "", c->proxy_auth ? "\r\n" : "");
	sb_client_trace(c, "> CONNECT %s HTTP/1.1", target);
	if (c->proxy_auth)
		sb_client_trace(c, "> Proxy-Authorization: Basic x");
	rc = send_plain(c, req, strlen(req), deadline);
	sb_wipe(req, sizeof(req));
	if (rc != 0)
		return sb_client_fail(c, SB_ERR_NETWORK,
				      "proxy %s: connection lost while "
				      "sending CONNECT",
				      name);
	sb_http_response_reset(&c->resp, 1); /* a tunnel answer has no body */
	for (;;) {
		uint32_t left = sb_client_left_ms(c, deadline);

		rc = left ? c->port.recv(c->port.ctx, c->sock, c->rbuf,
					 sizeof(c->rbuf), left)
			  : SB_PORT_TIMEOUT;
		if (rc == SB_PORT_TIMEOUT)
			return sb_client_fail(c, SB_ERR_TIMEOUT,
					      "proxy %s did not answer CONNECT "
					      "in time",
					      name);
		if (rc <= 0)
			return sb_client_fail(c, SB_ERR_PROXY,
					      "proxy %s closed the connection "
					      "instead of answering CONNECT",
					      name);
		rc = sb_http_feed(&c->resp, c->rbuf, (size_t)rc, &used);
		if (rc == SB_OK)
			break;
		if (rc != SB_HTTP_MORE)
			return sb_client_fail(c, SB_ERR_PROXY,
					      "proxy %s sent a malformed answer "
					      "to CONNECT: %s",
					      name, c->resp.error);
	}
	sb_client_trace(c, "< %s", c->resp.head);
	if (c->resp.status / 100 != 2) {
		const char *reason = strchr(c->resp.head, ' ');

		reason = reason ? strchr(reason + 1, ' ') : NULL;
		return sb_client_fail(
			c, SB_ERR_PROXY,
			"proxy %s refused the tunnel to %s: HTTP %d%s%s%s", name,
			target, c->resp.status, reason ? " " : "",
			reason ? reason + 1 : "",
			c->resp.status == 407 ? " (check the proxy credentials)"
					      : "");
	}
	return SB_OK;
}

int sb_conn_forwarding(const sb_client *c)
{
	return c->proxy && !c->url.tls && !c->proxy_tunnel &&
	       !sb_noproxy_match(c->noproxy, c->url.host);
}

sb_err sb_conn_open(sb_client *c)
{
	uint64_t now = c->port.now_ms(c->port.ctx);
	uint64_t connect_deadline = now + c->connect_timeout_ms;
	int via_proxy = c->proxy && !sb_noproxy_match(c->noproxy, c->url.host);
	sb_err err;
	char msg[SB_MAX_MESSAGE_LEN];

	if (connect_deadline > c->deadline)
		connect_deadline = c->deadline;
	if (sb_client_left_ms(c, connect_deadline) == 0)
		return sb_client_fail(c, SB_ERR_TIMEOUT,
				      "maximum time reached before connecting "
				      "to %s",
				      c->url.host);
	if (via_proxy) {
		char what[sizeof(c->proxy->display) + 8];

		sb_fmt(what, sizeof(what), "proxy %s: ", c->proxy->display);
		err = tcp_connect(c, c->proxy->host, c->proxy->port,
				  connect_deadline, what);
		if (err == SB_OK && (c->url.tls || c->proxy_tunnel))
			err = proxy_tunnel(c, connect_deadline);
		else if (err == SB_OK)
			sb_client_trace(c, "* forwarding through proxy %s",
					c->proxy->display);
	} else {
		err = tcp_connect(c, c->url.host, c->url.port, connect_deadline,
				  "");
	}
	if (err != SB_OK) {
		sb_client_disconnect(c);
		return err;
	}
	if (c->tls) {
		err = sb_tls_connect(c->tls, c->sock, c->url.host,
				     connect_deadline, msg, sizeof(msg));
		if (err != SB_OK) {
			sb_client_disconnect(c);
			return sb_client_fail(c, err, "%s", msg);
		}
		sb_tls_describe(c->tls, msg, sizeof(msg));
		sb_client_trace(c, "* TLS session: %s, certificate verified",
				msg);
	}
	return SB_OK;
}

int sb_conn_idle_closed(sb_client *c)
{
	unsigned char b[1];

	/* Bytes past the last answer already inside TLS: whatever they are,
	 * they must not be read as the answer to the next request. */
	if (c->tls && sb_tls_pending(c->tls))
		return 1;
	/* Then the raw socket, under TLS too: an idle connection has nothing
	 * to read (a close_notify or a FIN means it is over). */
	return c->port.recv(c->port.ctx, c->sock, b, sizeof(b), 0) !=
	       SB_PORT_TIMEOUT;
}

int sb_conn_send(sb_client *c, const unsigned char *buf, size_t len)
{
	if (c->tls)
		return sb_tls_send(c->tls, buf, len, c->deadline);
	return c->port.send(c->port.ctx, c->sock, buf, len,
			    sb_client_left_ms(c, c->deadline));
}

int sb_conn_recv(sb_client *c, unsigned char *buf, size_t len)
{
	uint32_t left = sb_client_left_ms(c, c->deadline);

	if (left == 0)
		return SB_PORT_TIMEOUT;
	if (c->tls)
		return sb_tls_recv(c->tls, buf, len, c->deadline);
	return c->port.recv(c->port.ctx, c->sock, buf, len, left);
}

sb_err sb_conn_failure(sb_client *c, int rc, const char *when)
{
	if (rc == SB_PORT_TIMEOUT)
		return sb_client_fail(c, SB_ERR_TIMEOUT,
				      "timed out %s (maximum time %u s)", when,
				      (unsigned)(c->max_time_ms / 1000));
	if (rc == SB_PORT_CLOSED)
		return sb_client_fail(c, SB_ERR_NETWORK,
				      "connection closed by %s %s",
				      c->url.host, when);
	if (rc == SB_TLS_ERR_PROTOCOL)
		return sb_client_fail(c, SB_ERR_TLS, "%s %s",
				      sb_tls_message(c->tls), when);
	return sb_client_fail(c, SB_ERR_NETWORK, "network error %s: %s", when,
			      sb_client_port_error(c));
}

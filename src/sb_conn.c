/*
 * sb_conn.c - the connection: resolved through --resolve entries or the
 * port, direct or through an HTTP proxy (CONNECT, so TLS runs end to end
 * with the server), then TLS for https:// - all within the connect
 * time-out and the operation's deadline.
 */
#include "sb_conn.h"

#include <stdio.h>
#include <string.h>

/* ---------------------------------------------------------------------
 * Set-up
 * ------------------------------------------------------------------- */

/* "Basic B64(user:password)" from raw credentials (wiped by the caller). */
static sb_err basic_value(const sb_port *port, const char *raw, char **out)
{
	size_t n = strlen(raw), cap = 7 + (n + 2) / 3 * 4 + 1;

	*out = port->alloc(port->ctx, cap);
	if (!*out)
		return SB_ERR_NOMEM;
	memcpy(*out, "Basic ", 6);
	return sb_base64((const unsigned char *)raw, n, *out + 6, cap - 6);
}

/* The proxy: parsed URL, and the Proxy-Authorization value if any. */
static sb_err setup_proxy(sb_conn *conn, const sb_config *cfg, char *msg,
			  size_t msg_cap)
{
	char raw[sizeof(conn->proxy->user) + sizeof(conn->proxy->password) + 2];
	int separate = cfg->proxy_user && *cfg->proxy_user;
	sb_err err;

	if (cfg->noproxy && *cfg->noproxy) {
		conn->noproxy = sb_strdup(conn->port, cfg->noproxy);
		if (!conn->noproxy)
			return SB_ERR_NOMEM;
	}
	conn->proxy_tunnel = cfg->proxy_tunnel != 0;
	if (!cfg->proxy || !*cfg->proxy)
		return SB_OK;
	conn->proxy = conn->port->alloc(conn->port->ctx, sizeof(*conn->proxy));
	if (!conn->proxy)
		return SB_ERR_NOMEM;
	err = sb_proxy_parse(cfg->proxy, conn->proxy, msg, msg_cap);
	if (err != SB_OK)
		return err;
	if (!conn->proxy->has_credentials && !separate)
		return SB_OK;
	if (separate) {
		/* Given apart from the URL, so never in argv; it wins. */
		if (strlen(cfg->proxy_user) >= sizeof(raw)) {
			sb_fmt(msg, msg_cap, "proxy user:password too long");
			return SB_ERR_CONFIG;
		}
		sb_fmt(raw, sizeof(raw), "%s", cfg->proxy_user);
		conn->proxy->has_credentials = 1;
		sb_proxy_display(conn->proxy);
	} else {
		sb_fmt(raw, sizeof(raw), "%s:%s", conn->proxy->user,
		       conn->proxy->password);
	}
	err = basic_value(conn->port, raw, &conn->proxy_auth);
	sb_wipe(raw, sizeof(raw));
	sb_wipe(conn->proxy->password, sizeof(conn->proxy->password));
	return err;
}

/* Copy and check the --resolve entries. */
static sb_err setup_resolve(sb_conn *conn, const sb_config *cfg, char *msg,
			    size_t msg_cap)
{
	char addrs[1][64];
	int i;

	for (i = 0; cfg->resolve && cfg->resolve[i]; i++) {
		if (i == SB_MAX_RESOLVE_ENTRIES) {
			sb_fmt(msg, msg_cap, "more than %d --resolve entries",
			       SB_MAX_RESOLVE_ENTRIES);
			return SB_ERR_CONFIG;
		}
		conn->resolve[i] = sb_strdup(conn->port, cfg->resolve[i]);
		if (!conn->resolve[i])
			return SB_ERR_NOMEM;
	}
	/* A lookup that matches nothing still checks every entry. */
	if (sb_resolve_lookup((const char *const *)conn->resolve, "", 0, addrs,
			      1, msg, msg_cap) < 0)
		return SB_ERR_CONFIG;
	return SB_OK;
}

static sb_err setup_tls(sb_conn *conn, const sb_config *cfg, char *msg,
			size_t msg_cap)
{
	sb_tls_config tc;
	unsigned char pins[SB_MAX_PINS][32];

	if (!conn->url->tls) {
		if (cfg->pinned_pubkey || cfg->client_cert) {
			sb_fmt(msg, msg_cap, "--pinnedpubkey and --cert need an "
					     "https:// base URL");
			return SB_ERR_CONFIG;
		}
		return SB_OK;
	}
	memset(&tc, 0, sizeof(tc));
	tc.ca_file = cfg->ca_file;
	tc.ca_path = cfg->ca_path;
	tc.insecure = cfg->insecure;
	tc.extra_root_pem = cfg->extra_root_pem;
	tc.client_cert = cfg->client_cert;
	tc.client_key = cfg->client_key;
	tc.key_passphrase = cfg->client_key_passphrase;
	if (cfg->pinned_pubkey) {
		tc.pin_count = sb_pins_parse(cfg->pinned_pubkey, pins, SB_MAX_PINS);
		if (tc.pin_count < 0) {
			sb_fmt(msg, msg_cap,
			       "invalid --pinnedpubkey (want "
			       "sha256//BASE64[;sha256//BASE64...], at most "
			       "%d)",
			       SB_MAX_PINS);
			return SB_ERR_CONFIG;
		}
		tc.pins = (const unsigned char(*)[32])pins;
	}
	return sb_tls_create(conn->port, &tc, &conn->tls, msg, msg_cap);
}

sb_err sb_conn_init(sb_conn *conn, const sb_port *port, sb_diag *diag,
		    const sb_url *url, const sb_config *cfg, char *msg,
		    size_t msg_cap)
{
	sb_err err;

	memset(conn, 0, sizeof(*conn));
	conn->port = port;
	conn->diag = diag;
	conn->url = url;
	conn->connect_timeout_ms = cfg->connect_timeout_ms;
	conn->stream.port = port;
	err = setup_proxy(conn, cfg, msg, msg_cap);
	if (err == SB_OK)
		err = setup_resolve(conn, cfg, msg, msg_cap);
	if (err == SB_OK)
		err = setup_tls(conn, cfg, msg, msg_cap);
	if (err == SB_ERR_NOMEM)
		sb_fmt(msg, msg_cap, "out of memory");
	diag->proxy_auth = conn->proxy_auth;
	return err;
}

void sb_conn_destroy(sb_conn *conn)
{
	int i;

	sb_conn_close(conn);
	sb_tls_destroy(conn->tls);
	sb_strfree(conn->port, conn->proxy_auth);
	sb_strfree(conn->port, conn->noproxy);
	if (conn->proxy) {
		sb_wipe(conn->proxy, sizeof(*conn->proxy));
		conn->port->free(conn->port->ctx, conn->proxy);
	}
	for (i = 0; i < SB_MAX_RESOLVE_ENTRIES && conn->resolve[i]; i++)
		sb_strfree(conn->port, conn->resolve[i]);
	if (conn->diag && conn->diag->proxy_auth == conn->proxy_auth)
		conn->diag->proxy_auth = NULL;
	memset(conn, 0, sizeof(*conn));
}

/* ---------------------------------------------------------------------
 * Opening
 * ------------------------------------------------------------------- */

static const char *port_error(const sb_conn *conn)
{
	const char *d = conn->port->describe_error
				? conn->port->describe_error(conn->port->ctx)
				: NULL;

	return d && *d ? d : "unknown error";
}

/* Connect to host:port, through --resolve addresses when one matches. */
static sb_err tcp_connect(sb_conn *conn, const char *host, uint16_t port,
			  uint64_t deadline, const char *what)
{
	char addrs[SB_MAX_RESOLVE_ADDRS][64], msg[128];
	char place[SB_MAX_HOST_LEN + 16];
	int n, i, rc = SB_PORT_ERR_CONNECT;

	n = sb_resolve_lookup((const char *const *)conn->resolve, host, port,
			      addrs, SB_MAX_RESOLVE_ADDRS, msg, sizeof(msg));
	sb_fmt(place, sizeof(place), "%s port %u", host, (unsigned)port);
	if (n <= 0) {
		sb_diag_trace(conn->diag, "* Connecting to %s%s", what, place);
		rc = conn->port->connect(conn->port->ctx, host, port,
					 sb_left_ms(conn->port, deadline),
					 &conn->stream.sock);
	}
	for (i = 0; i < n; i++) {
		uint32_t left = sb_left_ms(conn->port, deadline);

		if (left == 0) {
			rc = SB_PORT_TIMEOUT;
			break;
		}
		sb_diag_trace(conn->diag,
			      "* Connecting to %s%s at %s (--resolve)", what,
			      place, addrs[i]);
		rc = conn->port->connect(conn->port->ctx, addrs[i], port, left,
					 &conn->stream.sock);
		if (rc == 0)
			break;
	}
	if (rc == 0) {
		conn->opened++;
		return SB_OK;
	}
	conn->stream.sock = NULL;
	switch (rc) {
	case SB_PORT_ERR_DNS:
		return sb_diag_fail(conn->diag, SB_ERR_DNS,
				    "cannot resolve %shost %s: %s", what, host,
				    port_error(conn));
	case SB_PORT_TIMEOUT:
		return sb_diag_fail(conn->diag, SB_ERR_TIMEOUT,
				    "connection to %s%s timed out", what, place);
	case SB_PORT_ERR_NOMEM:
		return sb_diag_fail(conn->diag, SB_ERR_NOMEM, "out of memory");
	default:
		return sb_diag_fail(conn->diag, SB_ERR_CONNECT,
				    "cannot connect to %s%s: %s", what, place,
				    port_error(conn));
	}
}

/* Plain send of a whole buffer on the socket (the CONNECT request). */
static int send_all(sb_conn *conn, const char *buf, size_t len,
		    uint64_t deadline)
{
	size_t sent = 0;

	while (sent < len) {
		int rc = conn->port->send(conn->port->ctx, conn->stream.sock,
					  (const unsigned char *)buf + sent,
					  len - sent,
					  sb_left_ms(conn->port, deadline));

		if (rc <= 0)
			return rc < 0 ? rc : SB_PORT_ERR_IO;
		sent += (size_t)rc;
	}
	return 0;
}

/* Read the proxy's answer to CONNECT into r (a response without body). */
static sb_err read_connect_answer(sb_conn *conn, sb_http_response *r,
				  uint64_t deadline)
{
	const char *name = conn->proxy->display;
	unsigned char buf[512];
	size_t used;
	int rc;

	for (;;) {
		uint32_t left = sb_left_ms(conn->port, deadline);

		rc = left ? conn->port->recv(conn->port->ctx, conn->stream.sock,
					     buf, sizeof(buf), left)
			  : SB_PORT_TIMEOUT;
		if (rc == SB_PORT_TIMEOUT)
			return sb_diag_fail(conn->diag, SB_ERR_TIMEOUT,
					    "proxy %s did not answer CONNECT in "
					    "time",
					    name);
		if (rc <= 0)
			return sb_diag_fail(conn->diag, SB_ERR_PROXY,
					    "proxy %s closed the connection "
					    "instead of answering CONNECT",
					    name);
		rc = sb_http_feed(r, buf, (size_t)rc, &used);
		if (rc == SB_OK)
			return SB_OK;
		if (rc != SB_HTTP_MORE)
			return sb_diag_fail(conn->diag, SB_ERR_PROXY,
					    "proxy %s sent a malformed answer "
					    "to CONNECT: %s",
					    name, r->error);
	}
}

/* Ask the proxy for a tunnel to the server (RFC 9110 CONNECT). The
 * answer is parsed into its own small response, never the client's. */
static sb_err proxy_tunnel(sb_conn *conn, uint64_t deadline)
{
	static const char fmt[] =
		"CONNECT %s HTTP/1.1\r\nHost: %s\r\nUser-Agent: %s\r\n%s%s%s\r\n";
	char *req, target[SB_MAX_HOST_LEN + 16];
	const char *name = conn->proxy->display;
	const char *pa = conn->proxy_auth;
	const sb_url *u = conn->url;
	sb_http_response *r;
	size_t req_cap;
	sb_err err;
	int rc;

	if (u->ipv6_literal)
		sb_fmt(target, sizeof(target), "[%s]:%u", u->host,
		       (unsigned)u->port);
	else
		sb_fmt(target, sizeof(target), "%s:%u", u->host,
		       (unsigned)u->port);
	/* Sized to fit: a long host name and long proxy credentials must
	 * not cut the request short (the proxy would wait for its end). */
	rc = snprintf(NULL, 0, fmt, target, target, SB_USER_AGENT,
		      pa ? "Proxy-Authorization: " : "", pa ? pa : "",
		      pa ? "\r\n" : "");
	if (rc < 0)
		return sb_diag_fail(conn->diag, SB_ERR_CONFIG,
				    "cannot write the CONNECT request");
	req_cap = (size_t)rc + 1;
	req = conn->port->alloc(conn->port->ctx, req_cap);
	if (!req)
		return sb_diag_fail(conn->diag, SB_ERR_NOMEM, "out of memory");
	sb_fmt(req, req_cap, fmt, target, target, SB_USER_AGENT,
	       pa ? "Proxy-Authorization: " : "", pa ? pa : "",
	       pa ? "\r\n" : "");
	sb_diag_trace(conn->diag, "> CONNECT %s HTTP/1.1", target);
	if (conn->proxy_auth)
		sb_diag_trace(conn->diag, "> Proxy-Authorization: Basic x");
	rc = send_all(conn, req, strlen(req), deadline);
	sb_wipe(req, req_cap);
	conn->port->free(conn->port->ctx, req);
	if (rc != 0)
		return sb_diag_fail(conn->diag, SB_ERR_NETWORK,
				    "proxy %s: connection lost while sending "
				    "CONNECT",
				    name);
	r = conn->port->alloc(conn->port->ctx, sizeof(*r));
	if (!r)
		return sb_diag_fail(conn->diag, SB_ERR_NOMEM, "out of memory");
	sb_http_response_init(r, conn->port, 1); /* a tunnel has no body */
	err = read_connect_answer(conn, r, deadline);
	if (err == SB_OK) {
		sb_diag_trace(conn->diag, "< %s", r->head);
		if (r->status / 100 != 2) {
			const char *reason = strchr(r->head, ' ');

			reason = reason ? strchr(reason + 1, ' ') : NULL;
			err = sb_diag_fail(
				conn->diag, SB_ERR_PROXY,
				"proxy %s refused the tunnel to %s: HTTP %d%s%s%s",
				name, target, r->status, reason ? " " : "",
				reason ? reason + 1 : "",
				r->status == 407 ? " (check the proxy credentials)"
						 : "");
		}
	}
	sb_http_response_free(r);
	conn->port->free(conn->port->ctx, r);
	return err;
}

int sb_conn_forwarding(const sb_conn *conn)
{
	return conn->proxy && !conn->url->tls && !conn->proxy_tunnel &&
	       !sb_noproxy_match(conn->noproxy, conn->url->host);
}

/* The socket (through the proxy when one is in use), then TLS. */
static sb_err open_stream(sb_conn *conn, uint64_t connect_deadline)
{
	const sb_url *u = conn->url;
	int via_proxy = conn->proxy && !sb_noproxy_match(conn->noproxy, u->host);
	char msg[SB_MAX_MESSAGE_LEN];
	sb_err err;

	if (via_proxy) {
		char what[sizeof(conn->proxy->display) + 8];

		sb_fmt(what, sizeof(what), "proxy %s: ", conn->proxy->display);
		err = tcp_connect(conn, conn->proxy->host, conn->proxy->port,
				  connect_deadline, what);
		if (err == SB_OK && (u->tls || conn->proxy_tunnel))
			err = proxy_tunnel(conn, connect_deadline);
		else if (err == SB_OK)
			sb_diag_trace(conn->diag, "* forwarding through proxy %s",
				      conn->proxy->display);
	} else {
		err = tcp_connect(conn, u->host, u->port, connect_deadline, "");
	}
	if (err != SB_OK)
		return err;
	conn->stream.tls = conn->tls;
	if (!conn->tls) {
		conn->transport.ops = &sb_plain_transport;
		conn->transport.ctx = &conn->stream;
		return SB_OK;
	}
	err = sb_tls_connect(conn->tls, conn->stream.sock, u->host,
			     connect_deadline, msg, sizeof(msg));
	if (err != SB_OK)
		return sb_diag_fail(conn->diag, err, "%s", msg);
	sb_tls_describe(conn->tls, msg, sizeof(msg));
	sb_diag_trace(conn->diag, "* TLS session: %s, certificate verified", msg);
	conn->transport.ops = &sb_tls_transport;
	conn->transport.ctx = &conn->stream;
	return SB_OK;
}

sb_err sb_conn_open(sb_conn *conn, uint64_t deadline_ms)
{
	uint64_t now = conn->port->now_ms(conn->port->ctx);
	uint64_t connect_deadline = now + conn->connect_timeout_ms;
	sb_err err;

	sb_conn_close(conn);
	if (connect_deadline > deadline_ms)
		connect_deadline = deadline_ms;
	if (sb_left_ms(conn->port, connect_deadline) == 0)
		return sb_diag_fail(conn->diag, SB_ERR_TIMEOUT,
				    "maximum time reached before connecting to "
				    "%s",
				    conn->url->host);
	err = conn->opener ? conn->opener(conn, connect_deadline,
					  conn->opener_user)
			   : open_stream(conn, connect_deadline);
	if (err != SB_OK) {
		if (!conn->opener && conn->stream.sock) {
			if (conn->tls)
				sb_tls_end(conn->tls);
			conn->port->close(conn->port->ctx, conn->stream.sock);
		}
		conn->stream.sock = NULL;
		conn->transport.ops = NULL;
		return err;
	}
	if (conn->opener)
		conn->opened++;
	return SB_OK;
}

int sb_conn_is_open(const sb_conn *conn)
{
	return conn->transport.ops != NULL;
}

void sb_conn_close(sb_conn *conn)
{
	if (conn->transport.ops)
		conn->transport.ops->close(conn->transport.ctx);
	conn->transport.ops = NULL;
	conn->transport.ctx = NULL;
}

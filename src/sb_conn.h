/*
 * sb_conn.h - one client's connection: how to reach the server (direct,
 * through --resolve addresses, through an HTTP proxy by CONNECT or by
 * forwarding), the TLS trust and settings for https://, and the stream
 * that is open now, behind the transport seam. Everything is bounded by
 * the connect time-out and the caller's deadline.
 */
#ifndef SB_CONN_H
#define SB_CONN_H

#include "sb_diag.h"
#include "sb_http.h"
#include "sb_net.h"
#include "sb_transport.h"
#include "sb_url.h"

struct sb_conn;

/* Opens the stream instead of connecting (tests script one here): it
 * must set conn->transport, or fail through conn->diag. */
typedef sb_err (*sb_conn_opener)(struct sb_conn *conn, uint64_t deadline_ms,
				 void *user);

typedef struct sb_conn {
	const sb_port *port;
	sb_diag *diag;
	const sb_url *url; /* the server (the client owns it) */
	uint32_t connect_timeout_ms;

	sb_proxy_url *proxy; /* NULL: direct */
	char *proxy_auth;    /* "Basic ..." for Proxy-Authorization; secret */
	int proxy_tunnel;    /* CONNECT for an http:// base too */
	char *noproxy;
	char *resolve[SB_MAX_RESOLVE_ENTRIES + 1];
	sb_tls *tls; /* trust and settings for https://; NULL for http:// */

	sb_stream stream;	/* the socket (and TLS session) now open */
	sb_transport transport; /* ops NULL: nothing open */
	unsigned opened;	/* streams opened so far */

	sb_conn_opener opener; /* NULL: a real connection */
	void *opener_user;
} sb_conn;

/*
 * Set up from the configuration: proxy (its credentials into
 * proxy_auth), --resolve entries, and for https:// the TLS trust store,
 * pins and client certificate. Nothing is sent. msg says what is wrong.
 */
sb_err sb_conn_init(sb_conn *conn, const sb_port *port, sb_diag *diag,
		    const sb_url *url, const sb_config *cfg, char *msg,
		    size_t msg_cap);
/* Close the stream and free everything (secrets wiped). */
void sb_conn_destroy(sb_conn *conn);

/* Open a stream to the server: connect (every address in turn), the
 * proxy's CONNECT, the TLS handshake and verification. */
sb_err sb_conn_open(sb_conn *conn, uint64_t deadline_ms);
int sb_conn_is_open(const sb_conn *conn);
void sb_conn_close(sb_conn *conn);

/* Requests go to a forward proxy in absolute form: an http:// base URL,
 * a proxy in use for its host, and no CONNECT asked for (curl's way).
 * An https:// base always goes through a CONNECT tunnel. */
int sb_conn_forwarding(const sb_conn *conn);

#endif

/*
 * sb_client.h - the client's internals: configuration, the kept-alive
 * connection and one request/response exchange. The Sonar API calls
 * (sb_api.c) are built on sb_client_exchange.
 */
#ifndef SB_CLIENT_H
#define SB_CLIENT_H

#include "sb_http.h"
#include "sb_net.h"
#include "sb_tls.h"
#include "sb_url.h"

#define SB_MAX_RESOLVE_ENTRIES 16
#define SB_MAX_REDIRECTS 5

struct sb_client {
	sb_port port; /* a copy: the caller's struct may go away */
	sb_url url;
	char host_header[SB_MAX_HOST_LEN + 16];
	char *auth_value; /* "Basic ..." or "Bearer ..."; secret; NULL: none */
	char *organization;
	int sonarcloud;
	uint32_t connect_timeout_ms;
	uint32_t max_time_ms;
	sb_trace_fn trace;
	void *trace_user;
	sb_trace_fn notice;
	void *notice_user;

	/* Networks. */
	sb_proxy_url *proxy;	/* NULL: direct */
	char *proxy_auth;	/* "Basic ..." for Proxy-Authorization; secret */
	int proxy_tunnel;	/* CONNECT for an http:// base too */
	char *noproxy;
	char *resolve[SB_MAX_RESOLVE_ENTRIES + 1];
	int retries;
	int retry_connrefused;
	uint32_t retry_max_wait_ms;
	int retries_done; /* by the last exchange */
	int send_auth;	  /* the exchange in progress carries credentials */

	sb_tls *tls; /* NULL for http:// */
	struct sb_socket *sock;
	unsigned connections;
	uint64_t deadline; /* of the operation in progress */

	int http_status;
	sb_http_response resp;
	unsigned char rbuf[1024];
	char *req; /* the request being sent (holds the Authorization) */
	char message[SB_MAX_MESSAGE_LEN];
};

/* Start an operation: its deadline is now + max time. */
void sb_client_begin(sb_client *c);

/*
 * Send one request and read the whole response into c->resp. target is
 * the path below the base URL, starting with "/api/". For a POST,
 * *outcome_unknown is set when the request may have reached the server
 * but no answer came back; a POST is never re-sent here. A GET on a
 * kept-alive connection that the server had closed is re-sent once on
 * a new connection.
 */
sb_err sb_client_exchange(sb_client *c, const char *method,
			  const char *target, const char *form_body,
			  int *outcome_unknown);

/* Close the connection (the next exchange opens a new one). */
void sb_client_disconnect(sb_client *c);

/* sb_conn.c: the connection, direct or through a proxy, plain or TLS. */
sb_err sb_conn_open(sb_client *c);
/* Through a forward proxy: an http:// base URL, a proxy in use and no
 * proxy_tunnel asked for. Requests then carry the absolute URL and
 * Proxy-Authorization, as curl sends them; an https:// base always goes
 * through a CONNECT tunnel. */
int sb_conn_forwarding(const sb_client *c);
/* Has the peer closed the idle kept-alive connection, or sent anything
 * unasked (on the socket, or already inside TLS)? A poll that does not
 * wait; when it says yes, the connection must be dropped (a byte may
 * have been consumed). */
int sb_conn_idle_closed(sb_client *c);
int sb_conn_send(sb_client *c, const unsigned char *buf, size_t len);
int sb_conn_recv(sb_client *c, unsigned char *buf, size_t len);
/* A send/recv result as an sb_err with a message. */
sb_err sb_conn_failure(sb_client *c, int rc, const char *when);
uint32_t sb_client_left_ms(const sb_client *c, uint64_t deadline);
const char *sb_client_port_error(const sb_client *c);

/* The server's error message(s) from the response body ("" if none). */
void sb_client_server_message(sb_client *c, char *out, size_t cap);

/* Pass a line to the notice callback (never secret). */
void sb_client_notice(sb_client *c, const char *fmt, ...)
#if defined(__GNUC__)
	__attribute__((format(printf, 2, 3)))
#endif
	;

/* Set c->message (printf-style) and return err. */
sb_err sb_client_fail(sb_client *c, sb_err err, const char *fmt, ...)
#if defined(__GNUC__)
	__attribute__((format(printf, 3, 4)))
#endif
	;

void sb_client_trace(sb_client *c, const char *fmt, ...)
#if defined(__GNUC__)
	__attribute__((format(printf, 2, 3)))
#endif
	;

#endif

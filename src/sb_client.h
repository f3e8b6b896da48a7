/*
 * sb_client.h - the client's internals: configuration, the kept-alive
 * connection and one request/response exchange. The Sonar API calls
 * (sb_api.c) are built on sb_client_exchange.
 */
#ifndef SB_CLIENT_H
#define SB_CLIENT_H

#include "sb_http.h"
#include "sb_tls.h"
#include "sb_url.h"

struct sb_client {
	sb_port port; /* a copy: the caller's struct may go away */
	sb_url url;
	char host_header[SB_MAX_HOST_LEN + 16];
	char *auth_value; /* "Basic ..." or "Bearer ..."; secret */
	char *organization;
	int sonarcloud;
	uint32_t connect_timeout_ms;
	uint32_t max_time_ms;
	sb_trace_fn trace;
	void *trace_user;

	sb_tls *tls; /* NULL for http:// */
	struct sb_socket *sock;
	unsigned connections;
	uint64_t deadline; /* of the operation in progress */

	int http_status;
	sb_http_response resp;
	unsigned char rbuf[4096];
	char req[SB_MAX_REQUEST_BYTES];
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

/*
 * sb_status.h - one map from a SonarQube answer (HTTP status and the
 * server's message) to an sb_err with a one-line message, for every API
 * call the library makes.
 */
#ifndef SB_STATUS_H
#define SB_STATUS_H

#include "sb_diag.h"
#include "sb_http.h"

/* What was being done, for the message and for the rules that depend on
 * the call. */
typedef struct sb_op {
	const char *doing;     /* "reading the badge token" */
	const char *project;   /* the project concerned, or NULL */
	const char *api;       /* named when the server lacks it (404) */
	const char *forbidden; /* what a 403 means here, or NULL */
	int anonymous;	       /* sent without the user token (badges) */
} sb_op;

/* The server's error message(s) from a JSON error body ("" if none),
 * printable. */
void sb_status_server_message(const sb_port *port, const sb_http_response *r,
			      char *out, size_t cap);

/* Map an answer the caller did not expect to an error (message set). */
sb_err sb_status_fail(sb_diag *d, const sb_port *port,
		      const sb_http_response *r, const sb_op *op);

#endif

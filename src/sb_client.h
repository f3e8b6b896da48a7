/*
 * sb_client.h - the client: its configuration, and the parts it is made
 * of - diagnostics (sb_diag.h), the connection (sb_conn.h) and the
 * exchange policy (sb_exchange.h). The Sonar API calls (sb_api.c,
 * sb_projects.c, sb_fetch.c, sb_version.c, sb_badge_table.c) are built on
 * sb_client_request.
 */
#ifndef SB_CLIENT_H
#define SB_CLIENT_H

#include "sb_conn.h"
#include "sb_exchange.h"
#include "sb_status.h"

struct sb_client {
	sb_port port; /* a copy: the caller's struct may go away */
	sb_url url;
	char host_header[SB_MAX_HOST_LEN + 16];
	char *auth_value; /* "Basic ..." or "Bearer ..."; secret; NULL: none */
	int bearer_unchecked; /* Bearer, and the server's version not read */
	char *organization;
	int sonarcloud;
	uint32_t max_time_ms;
	uint64_t end_ms; /* no operation runs past this (0: no such end) */

	sb_diag diag;
	sb_conn conn;
	sb_exchange ex;
	sb_http_response resp; /* the last answer (see sb_client_request) */

	sb_server_version version; /* api/server/version, once read */
	int version_known;
};

/*
 * Start a public operation: its deadline is now + the maximum time, the
 * last message is cleared. Called once at the entry of each API call.
 */
void sb_client_begin(sb_client *c);
/*
 * Give the operation in progress a fresh time budget (renewal: knowing
 * whether a POST applied matters more than the time already spent).
 */
void sb_client_extend(sb_client *c);
/*
 * Hold every operation begun from now on to an end ms away (a command's
 * --max-time covering all its operations); sb_client_extend alone may
 * pass it. sb_client_out_of_time: has that end come?
 */
void sb_client_limit_total(sb_client *c, uint32_t ms);
int sb_client_out_of_time(const sb_client *c);

/* One request within the operation's deadline; the answer in *reply. */
sb_err sb_client_request(sb_client *c, const sb_request *rq, sb_reply *reply);

/* Map an answer the caller did not expect to an error (sb_status.h). */
sb_err sb_client_status_fail(sb_client *c, const sb_reply *reply,
			     const sb_op *op);

/* Append "&organization=ORG" (form-encoded) when the client has one. */
sb_err sb_client_append_organization(const sb_client *c, char *out,
				     size_t cap, size_t *len);

/* api/server/version within the operation in progress (read once). */
sb_err sb_client_version(sb_client *c, sb_server_version *out);
/* Does api/server/version say SonarQube Cloud (whatever the address:
 * a proxy, a mirror)? 0 also when it cannot be read. */
int sb_client_on_cloud(sb_client *c);

/* The server's error message(s) of an answer ("" if none). */
void sb_client_server_message(sb_client *c, const sb_reply *reply, char *out,
			      size_t cap);

/* A JSON body (js, len bytes) the reader refused with SB_ERR_TOO_LARGE:
 * the message says which cap, the nesting or the token count. */
sb_err sb_client_json_too_large(sb_client *c, const char *js, size_t len);

#endif

/*
 * sb_exchange.h - one request and its answer, with the whole policy of
 * retries, kept-alive connections, redirects and "did my POST arrive?"
 * in one place (the table at the head of sb_exchange.c).
 */
#ifndef SB_EXCHANGE_H
#define SB_EXCHANGE_H

#include "sb_conn.h"
#include "sb_http.h"

typedef struct sb_request {
	const char *method;    /* "GET" or "POST" */
	const char *target;    /* below the base URL: "/api/...?..." */
	const char *form_body; /* a POST's urlencoded body, or NULL */
	int anonymous;	       /* never send the Authorization header */
	int final_500;	       /* a 500 is the answer, not a passing fault:
				  not retried */
} sb_request;

typedef struct sb_reply {
	/* The answer: status, headers, body (valid until the next run). */
	const sb_http_response *http;
	/* A POST whose request may have reached the server although no
	 * answer came back: it may or may not have been applied. */
	int outcome_unknown;
} sb_reply;

/* Everything an exchange needs; the client holds one. */
typedef struct sb_exchange {
	sb_conn *conn;
	sb_diag *diag;
	const sb_url *url;
	sb_http_response *resp; /* where answers are parsed (memory reused) */
	const char *host_header;
	const char *auth; /* the Authorization value, or NULL */
	int retries;	  /* of a GET */
	int retry_connrefused;
	uint32_t retry_max_wait_ms;
	uint32_t max_time_ms; /* for messages */
	const sb_pacer *pacer; /* shared with other clients, or NULL */
	uint64_t deadline;    /* of the operation in progress */
	int retries_done;     /* by the last run */
	int last_status;      /* of the last whole answer (0: none yet) */
} sb_exchange;

/*
 * Send rq and read its answer. SB_OK means an answer came, whatever its
 * status (the caller maps it: sb_status.h); any other value is a failure
 * with its message in ex->diag.
 */
sb_err sb_exchange_run(sb_exchange *ex, const sb_request *rq, sb_reply *reply);

#endif

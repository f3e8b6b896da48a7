/*
 * sb_exchange.c - one request/response exchange within the operation's
 * deadline. The whole policy is this table; sb_exchange_run walks it.
 *
 *  step      what happened                          next
 *  --------  -------------------------------------  --------------------------
 *  CONNECT   a kept-alive connection is idle         probe it without waiting:
 *                                                    closed by the peer, or
 *                                                    holding bytes nobody asked
 *                                                    for -> drop it
 *            no connection                           open one; failing: RETRY
 *                                                    (GET), else fail
 *  SEND      the request went out                    READ
 *  SEND/READ failed before any byte of an answer,    GET: once more on a new
 *            on a kept-alive connection              connection
 *            failed otherwise                        GET: RETRY. POST: fail; if
 *                                                    a byte of it may have gone,
 *                                                    its outcome is unknown (the
 *                                                    caller reads the token to
 *                                                    find out; never re-sent)
 *            TLS bytes on a plain connection         fail: an https:// port
 *  READ      a whole answer                          STATUS
 *  STATUS    429 or 503                              a shared pacer holds the
 *                                                    other clients (Retry-After)
 *            407 from a forward proxy                fail: the proxy refused
 *            408 429 500 502 503 504 to a GET        RETRY (a 500 not when the
 *                                                    request says it is final)
 *            301 302 303 307 308 to a GET            REDIRECT
 *            anything else                           done (the caller maps it)
 *  RETRY     retries left, the wait fits the         wait (Retry-After, or 1 s
 *            deadline and --retry-max-wait           doubling with jitter),
 *                                                    CONNECT
 *            else                                    done with the last answer,
 *                                                    or fail with the last error
 *  REDIRECT  same scheme, host and port, 5 at most   CONNECT with the new target
 *            else                                    fail
 *
 * A refused connection is retried only with retry_connrefused, as curl
 * does. Every wait and every reopening is said on the notice or trace
 * callback.
 */
#include "sb_exchange.h"

#include <string.h>

#include "sb_redirect.h"

typedef enum {
	STEP_CONNECT,
	STEP_SEND,
	STEP_READ,
	STEP_STATUS,
	STEP_RETRY,
	STEP_REDIRECT,
	STEP_DONE
} step;

/* The run's own state. */
typedef struct run {
	sb_exchange *ex;
	const sb_request *rq;
	int is_get;
	char *target; /* base path + request target; replaced by redirects */
	char *req;    /* the request bytes (they hold the Authorization) */
	size_t req_len, req_cap;
	int reused;	/* the connection was kept alive from before */
	int sent;	/* a byte of the request may have left */
	int got_bytes;	/* a byte of an answer came */
	int stale_done; /* the once-more on a new connection was used */
	int hops;
	sb_err err; /* the failure being handled (SB_OK: an answer) */
} run;

static const sb_port *port_of(const sb_exchange *ex)
{
	return ex->conn->port;
}

/* ---------------------------------------------------------------------
 * The request
 * ------------------------------------------------------------------- */

static void free_request(run *r)
{
	const sb_port *port = port_of(r->ex);

	if (r->req) {
		sb_wipe(r->req, r->req_cap);
		port->free(port->ctx, r->req);
	}
	r->req = NULL;
	r->req_len = r->req_cap = 0;
}

/* Write the request for r->target. The buffer lives only while its
 * request does: it starts small and doubles up to the cap, so an idle
 * client holds no copy of the secret. */
static sb_err write_request(run *r)
{
	sb_exchange *ex = r->ex;
	const sb_port *port = port_of(ex);
	sb_http_request req;
	char origin[SB_MAX_HOST_LEN + 32];
	size_t cap;
	sb_err err;

	free_request(r);
	memset(&req, 0, sizeof(req));
	req.method = r->rq->method;
	req.host = ex->host_header;
	req.target = r->target;
	req.auth = r->rq->anonymous ? NULL : ex->auth;
	if (sb_conn_forwarding(ex->conn)) {
		sb_fmt(origin, sizeof(origin), "http://%s", ex->host_header);
		req.origin = origin;
		req.proxy_auth = ex->conn->proxy_auth;
	}
	req.user_agent = SB_USER_AGENT;
	if (r->rq->form_body) {
		req.body = r->rq->form_body;
		req.body_len = strlen(r->rq->form_body);
		req.content_type = "application/x-www-form-urlencoded";
	}
	for (cap = 1024;; cap *= 2) {
		if (cap > SB_MAX_REQUEST_BYTES)
			cap = SB_MAX_REQUEST_BYTES;
		r->req = port->alloc(port->ctx, cap);
		if (!r->req)
			return sb_diag_fail(ex->diag, SB_ERR_NOMEM,
					    "out of memory");
		r->req_cap = cap;
		err = sb_http_write_request(&req, r->req, cap, &r->req_len);
		if (err == SB_OK)
			return SB_OK;
		free_request(r); /* the writer wiped it */
		if (err != SB_ERR_TOO_LARGE)
			return sb_diag_fail(ex->diag, err,
					    "cannot write the request: a line "
					    "break in a header value");
		if (cap == SB_MAX_REQUEST_BYTES)
			return sb_diag_fail(ex->diag, SB_ERR_TOO_LARGE,
					    "request too large (limit %u bytes)",
					    (unsigned)SB_MAX_REQUEST_BYTES);
	}
}

static void trace_request(run *r)
{
	char line[1024];
	const char *p = r->req, *e;

	if (!p || !sb_diag_tracing(r->ex->diag))
		return;
	while ((e = strstr(p, "\r\n")) != NULL && e != p) {
		size_t n = (size_t)(e - p);

		if (n >= sizeof(line))
			n = sizeof(line) - 1;
		memcpy(line, p, n);
		line[n] = '\0';
		sb_diag_trace(r->ex->diag, "> %s", line);
		p = e + 2;
	}
}

static void trace_response(sb_exchange *ex)
{
	const sb_http_response *h = ex->resp;
	size_t i;

	if (!sb_diag_tracing(ex->diag))
		return;
	sb_diag_trace(ex->diag, "< %s", h->head);
	for (i = 0; i < h->header_count; i++) {
		const sb_http_header *f = &h->headers[i];

		sb_diag_trace(ex->diag, "< %.*s: %.*s", (int)f->name_len,
			      h->head + f->name_off, (int)f->value_len,
			      h->head + f->value_off);
	}
}

/* ---------------------------------------------------------------------
 * Steps
 * ------------------------------------------------------------------- */

/* A transport result as an error with a message; the stream is closed. */
static sb_err io_failure(run *r, int rc, const char *when)
{
	sb_exchange *ex = r->ex;
	sb_transport *t = &ex->conn->transport;
	char detail[SB_MAX_MESSAGE_LEN];
	sb_err err;

	sb_fmt(detail, sizeof(detail), "%s",
	       t->ops ? t->ops->detail(t->ctx, rc) : "connection closed");
	sb_conn_close(ex->conn);
	if (rc == SB_PORT_TIMEOUT)
		return sb_diag_fail(ex->diag, SB_ERR_TIMEOUT,
				    "timed out %s (maximum time %u s)", when,
				    (unsigned)(ex->max_time_ms / 1000));
	if (rc == SB_TLS_ERR_PROTOCOL)
		return sb_diag_fail(ex->diag, SB_ERR_TLS, "%s %s", detail, when);
	if (rc == SB_PORT_CLOSED)
		err = sb_diag_fail(ex->diag, SB_ERR_NETWORK,
				   "connection closed by %s %s", ex->url->host,
				   when);
	else
		err = sb_diag_fail(ex->diag, SB_ERR_NETWORK,
				   "network error %s: %s", when, detail);
	return err;
}

static step do_connect(run *r)
{
	sb_exchange *ex = r->ex;
	sb_conn *conn = ex->conn;

	/* Servers and proxies close idle connections, often without
	 * saying so in the previous answer: look before sending (a POST
	 * that meets a closed connection would leave its outcome unknown). */
	if (sb_conn_is_open(conn) &&
	    conn->transport.ops->idle_closed(conn->transport.ctx)) {
		sb_diag_trace(ex->diag, "* kept-alive connection was closed by "
					"the peer; opening a new one");
		sb_conn_close(conn);
	}
	/* Other clients of this server may have been told to slow down. */
	if (ex->pacer && ex->pacer->wait)
		ex->pacer->wait(ex->pacer->user, sb_left_ms(conn->port,
							     ex->deadline));
	r->reused = sb_conn_is_open(conn);
	r->sent = r->got_bytes = 0;
	if (!r->reused) {
		r->err = sb_conn_open(conn, ex->deadline);
		if (r->err != SB_OK)
			return r->is_get ? STEP_RETRY : STEP_DONE;
	}
	return STEP_SEND;
}

/* After a failed send or read: the table's SEND/READ rows. */
static step after_failure(run *r)
{
	sb_exchange *ex = r->ex;

	if (!r->is_get)
		return STEP_DONE; /* outcome decided by the caller */
	/* A GET is safe to repeat when a kept-alive connection turned out
	 * to be closed already. */
	if (r->reused && !r->got_bytes && r->err == SB_ERR_NETWORK &&
	    !r->stale_done) {
		r->stale_done = 1;
		sb_diag_trace(ex->diag, "* kept-alive connection was closed; "
					"retrying on a new one");
		sb_diag_clear(ex->diag); /* not a failure if this works */
		return STEP_CONNECT;
	}
	return STEP_RETRY;
}

static step do_send(run *r)
{
	sb_exchange *ex = r->ex;
	sb_transport *t = &ex->conn->transport;
	size_t sent = 0;

	trace_request(r);
	while (sent < r->req_len) {
		int rc = t->ops->send(t->ctx, (const unsigned char *)r->req + sent,
				      r->req_len - sent, ex->deadline);

		if (rc <= 0) {
			r->sent = 1; /* part of it may have gone */
			r->err = io_failure(r, rc ? rc : SB_PORT_ERR_IO,
					    "while sending the request");
			return after_failure(r);
		}
		sent += (size_t)rc;
	}
	r->sent = 1;
	return STEP_READ;
}

/* Does an answer on a plain connection start with a TLS record (an
 * alert or a handshake)? Then the URL named an https:// port. */
static int looks_like_tls(const unsigned char *b, size_t n)
{
	return n >= 2 && (b[0] == 0x15 || b[0] == 0x16) && b[1] == 0x03;
}

/* The hint for plain HTTP that a TLS port resets before any answer (a
 * TLS server that answers at all is recognised by its bytes). */
static void tls_port_hint(run *r)
{
	sb_exchange *ex = r->ex;

	if (!ex->url->tls && !r->reused && !r->got_bytes &&
	    !sb_conn_forwarding(ex->conn))
		sb_diag_fail(ex->diag, r->err,
			     "%s (if port %u speaks TLS, the URL must start "
			     "with https://)",
			     ex->diag->message, (unsigned)ex->url->port);
}

static step do_read(run *r)
{
	sb_exchange *ex = r->ex;
	sb_transport *t = &ex->conn->transport;
	unsigned char buf[1024];
	int rc;

	sb_http_response_reset(ex->resp, 0);
	for (;;) {
		size_t used = 0, got;

		rc = t->ops->recv(t->ctx, buf, sizeof(buf), ex->deadline);
		if (rc == SB_PORT_CLOSED) {
			rc = sb_http_feed_eof(ex->resp);
			if (rc == SB_OK)
				break;
			sb_conn_close(ex->conn);
			r->err = sb_diag_fail(ex->diag, (sb_err)rc, "%s (%s)",
					      ex->resp->error, ex->url->host);
			return after_failure(r);
		}
		if (rc <= 0) {
			r->err = io_failure(r, rc, "waiting for the response");
			tls_port_hint(r);
			return after_failure(r);
		}
		got = (size_t)rc;
		if (!r->got_bytes && !ex->url->tls && looks_like_tls(buf, got)) {
			sb_conn_close(ex->conn);
			r->err = sb_diag_fail(ex->diag, SB_ERR_CONFIG,
					      "%s port %u answered in TLS: the "
					      "URL must start with https://",
					      ex->url->host,
					      (unsigned)ex->url->port);
			return STEP_DONE;
		}
		r->got_bytes = 1;
		rc = sb_http_feed(ex->resp, buf, got, &used);
		if (rc == SB_OK) {
			/* Bytes past the answer: not ours to guess at. */
			if (used != got)
				ex->resp->keep_alive = 0;
			break;
		}
		if (rc != SB_HTTP_MORE) {
			sb_conn_close(ex->conn);
			r->err = sb_diag_fail(ex->diag, (sb_err)rc,
					      "bad response from %s: %s",
					      ex->url->host, ex->resp->error);
			return STEP_DONE;
		}
	}
	ex->last_status = ex->resp->status;
	trace_response(ex);
	if (!ex->resp->keep_alive)
		sb_conn_close(ex->conn);
	r->err = SB_OK;
	return STEP_STATUS;
}

/* The pause a 429 or 503 asks for: its Retry-After (capped at the
 * longest wait honoured), else a second. */
static uint32_t server_wait_ms(const sb_exchange *ex)
{
	const sb_port *port = ex->conn->port;
	const char *ra, *date;
	size_t ra_len = 0, date_len = 0;
	uint32_t after;

	ra = sb_http_header_value(ex->resp, "Retry-After", &ra_len);
	date = sb_http_header_value(ex->resp, "Date", &date_len);
	if (!ra || sb_retry_after_ms(ra, ra_len, date, date_len,
				     port->unix_time ? port->unix_time(port->ctx)
						     : -1,
				     &after) != 0)
		return 1000;
	return after < ex->retry_max_wait_ms ? after : ex->retry_max_wait_ms;
}

static int retryable_status(int st)
{
	return st == 408 || st == 429 || st == 500 || st == 502 || st == 503 ||
	       st == 504;
}

static step do_status(run *r)
{
	sb_exchange *ex = r->ex;
	int st = ex->resp->status;

	/* The proxy's own refusal, not the server's answer: the request
	 * did not go further. */
	if (st == 407 && sb_conn_forwarding(ex->conn)) {
		sb_conn_close(ex->conn);
		r->err = sb_diag_fail(ex->diag, SB_ERR_PROXY,
				      "proxy %s refused the request to %s: HTTP "
				      "407 (check the proxy credentials)",
				      ex->conn->proxy->display, ex->url->host);
		return STEP_DONE;
	}
	/* The server asks to slow down: clients sharing a pacer hold too,
	 * whether this request is retried or not. */
	if ((st == 429 || st == 503) && ex->pacer && ex->pacer->hold)
		ex->pacer->hold(ex->pacer->user, server_wait_ms(ex));
	if (!r->is_get)
		return STEP_DONE;
	if (retryable_status(st) && !(st == 500 && r->rq->final_500))
		return STEP_RETRY;
	if (sb_is_redirect(st))
		return STEP_REDIRECT;
	return STEP_DONE;
}

/* Exponential back-off from 1 s, with up to 50 % random jitter. */
static uint32_t backoff_ms(const sb_exchange *ex, int attempt_no)
{
	const sb_port *port = port_of(ex);
	uint32_t base = 1000u << (attempt_no < 8 ? attempt_no : 8);
	unsigned char rnd[2] = {0, 0};

	if (port->entropy(port->ctx, rnd, sizeof(rnd)) != 0)
		rnd[0] = rnd[1] = 0;
	return base + (uint32_t)((uint64_t)base / 2 * (rnd[0] << 8 | rnd[1]) /
				 65536u);
}

/* How long to wait before the next retry, or -1 to give up (said on the
 * notice callback). */
static int64_t retry_wait(run *r)
{
	sb_exchange *ex = r->ex;
	const sb_port *port = port_of(ex);
	uint32_t wait = backoff_ms(ex, ex->retries_done), after;
	const char *ra, *date;
	size_t ra_len = 0, date_len = 0;

	if (r->err == SB_OK) {
		ra = sb_http_header_value(ex->resp, "Retry-After", &ra_len);
		date = sb_http_header_value(ex->resp, "Date", &date_len);
		if (ra && sb_retry_after_ms(ra, ra_len, date, date_len,
					    port->unix_time
						    ? port->unix_time(port->ctx)
						    : -1,
					    &after) == 0) {
			if (after > ex->retry_max_wait_ms) {
				sb_diag_notice(ex->diag,
					       "not retrying: the server asks to "
					       "wait %u s, more than the %u s "
					       "allowed",
					       (unsigned)((after + 999) / 1000),
					       (unsigned)(ex->retry_max_wait_ms /
							  1000));
				return -1;
			}
			wait = after;
		}
	}
	if (wait > ex->retry_max_wait_ms)
		wait = ex->retry_max_wait_ms;
	if (wait >= sb_left_ms(port, ex->deadline)) {
		sb_diag_notice(ex->diag,
			       "not retrying: waiting %u s would pass the "
			       "maximum time",
			       (unsigned)((wait + 999) / 1000));
		return -1;
	}
	return wait;
}

/* A refused connection is retried only when asked for (curl's
 * --retry-connrefused): a typo'd port should fail at once. */
static int retryable_error(const sb_exchange *ex, sb_err err)
{
	return (err == SB_ERR_CONNECT && ex->retry_connrefused) ||
	       err == SB_ERR_TIMEOUT || err == SB_ERR_NETWORK;
}

static step do_retry(run *r)
{
	sb_exchange *ex = r->ex;
	const sb_port *port = port_of(ex);
	char why[SB_MAX_MESSAGE_LEN];
	int64_t wait;

	if (r->err != SB_OK && !retryable_error(ex, r->err))
		return STEP_DONE;
	if (ex->retries_done >= ex->retries)
		return STEP_DONE;
	wait = retry_wait(r);
	if (wait < 0)
		return STEP_DONE;
	if (r->err == SB_OK)
		sb_fmt(why, sizeof(why), "HTTP %d", ex->resp->status);
	else
		sb_fmt(why, sizeof(why), "%s", ex->diag->message);
	ex->retries_done++;
	sb_diag_notice(ex->diag, "retrying in %u.%u s after %s (retry %d of %d)",
		       (unsigned)(wait / 1000), (unsigned)(wait % 1000 / 100),
		       why, ex->retries_done, ex->retries);
	sb_conn_close(ex->conn);
	if (port->sleep_ms)
		port->sleep_ms(port->ctx, (uint32_t)wait);
	sb_diag_clear(ex->diag);
	r->stale_done = 0;
	return STEP_CONNECT;
}

static step do_redirect(run *r)
{
	sb_exchange *ex = r->ex;
	const sb_port *port = port_of(ex);
	char *next;

	if (++r->hops > SB_MAX_REDIRECTS) {
		r->err = sb_diag_fail(ex->diag, SB_ERR_UNEXPECTED_STATUS,
				      "more than %d redirects", SB_MAX_REDIRECTS);
		return STEP_DONE;
	}
	r->err = sb_redirect_target(port, ex->diag, ex->url, ex->resp, r->target,
				    &next);
	if (r->err != SB_OK)
		return STEP_DONE;
	sb_diag_trace(ex->diag, "* following the HTTP %d redirect to %s",
		      ex->resp->status, next);
	port->free(port->ctx, r->target);
	r->target = next;
	r->err = write_request(r);
	return r->err == SB_OK ? STEP_CONNECT : STEP_DONE;
}

sb_err sb_exchange_run(sb_exchange *ex, const sb_request *rq, sb_reply *reply)
{
	const sb_port *port = port_of(ex);
	size_t n = strlen(ex->url->path) + strlen(rq->target);
	step s = STEP_CONNECT;
	run r;

	memset(&r, 0, sizeof(r));
	r.ex = ex;
	r.rq = rq;
	r.is_get = strcmp(rq->method, "GET") == 0;
	reply->http = NULL;
	reply->outcome_unknown = 0;
	ex->retries_done = 0;
	if (n + 64 > SB_MAX_REQUEST_BYTES)
		return sb_diag_fail(ex->diag, SB_ERR_TOO_LARGE,
				    "request target too long");
	r.target = port->alloc(port->ctx, n + 1);
	if (!r.target)
		return sb_diag_fail(ex->diag, SB_ERR_NOMEM, "out of memory");
	sb_fmt(r.target, n + 1, "%s%s", ex->url->path, rq->target);
	r.err = write_request(&r);
	if (r.err != SB_OK)
		s = STEP_DONE;
	while (s != STEP_DONE) {
		switch (s) {
		case STEP_CONNECT:
			s = do_connect(&r);
			break;
		case STEP_SEND:
			s = do_send(&r);
			break;
		case STEP_READ:
			s = do_read(&r);
			break;
		case STEP_STATUS:
			s = do_status(&r);
			break;
		case STEP_RETRY:
			s = do_retry(&r);
			break;
		case STEP_REDIRECT:
			s = do_redirect(&r);
			break;
		case STEP_DONE:
			break;
		}
	}
	if (r.err != SB_OK && !r.is_get && r.sent)
		reply->outcome_unknown = 1;
	if (r.err == SB_OK)
		reply->http = ex->resp;
	free_request(&r);
	port->free(port->ctx, r.target);
	return r.err;
}

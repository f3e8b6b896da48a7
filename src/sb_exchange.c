/*
 * sb_exchange.c - one request/response exchange: the request is written,
 * the response read and parsed within the operation's deadline. A GET is
 * re-sent on a new connection when a kept-alive one turns out closed,
 * retried after connect failures and 408/429/5xx answers (honouring
 * Retry-After), and follows redirects on the same scheme, host and port.
 * A POST is never re-sent here.
 */
#include <string.h>

#include "sb_client.h"

#define USER_AGENT "sonarbadge/" SB_VERSION

static void trace_request(sb_client *c)
{
	char line[1024];
	const char *p = c->req, *e;

	if (!c->trace)
		return;
	while ((e = strstr(p, "\r\n")) != NULL && e != p) {
		size_t n = (size_t)(e - p);

		if (n >= sizeof(line))
			n = sizeof(line) - 1;
		memcpy(line, p, n);
		line[n] = '\0';
		sb_client_trace(c, "> %s", line);
		p = e + 2;
	}
}

static void trace_response(sb_client *c)
{
	size_t i;

	if (!c->trace)
		return;
	sb_client_trace(c, "< %s", c->resp.head);
	for (i = 0; i < c->resp.header_count; i++) {
		const sb_http_header *h = &c->resp.headers[i];

		sb_client_trace(c, "< %.*s: %.*s", (int)h->name_len,
				c->resp.head + h->name_off, (int)h->value_len,
				c->resp.head + h->value_off);
	}
}

/*
 * One attempt on the current (or a new) connection. *nothing_back tells
 * that the connection gave no byte of a response (a kept-alive
 * connection that the server had already closed looks like that).
 */
static sb_err attempt(sb_client *c, size_t req_len, int is_head,
		      int *request_sent, int *nothing_back)
{
	size_t sent = 0, got;
	int rc;
	sb_err err;

	*request_sent = 0;
	*nothing_back = 1;
	/* Servers and proxies close idle connections, often without saying
	 * so in the previous answer: look before sending (a POST that meets
	 * a closed connection would leave its outcome unknown). */
	if (c->sock && sb_conn_idle_closed(c)) {
		sb_client_trace(c, "* kept-alive connection was closed by the "
				   "peer; opening a new one");
		sb_client_disconnect(c);
	}
	if (!c->sock) {
		err = sb_conn_open(c);
		if (err != SB_OK)
			return err;
	}
	trace_request(c);
	while (sent < req_len) {
		rc = sb_conn_send(c, (const unsigned char *)c->req + sent,
				  req_len - sent);
		if (rc <= 0) {
			*request_sent = 1; /* part of it may have gone */
			return sb_conn_failure(c, rc,
					       "while sending the request");
		}
		sent += (size_t)rc;
	}
	*request_sent = 1;
	sb_http_response_reset(&c->resp, is_head);
	for (;;) {
		size_t used = 0;

		rc = sb_conn_recv(c, c->rbuf, sizeof(c->rbuf));
		if (rc == SB_PORT_CLOSED) {
			rc = sb_http_feed_eof(&c->resp);
			if (rc != SB_OK)
				return sb_client_fail(c, (sb_err)rc, "%s (%s)",
						      c->resp.error,
						      c->url.host);
			break;
		}
		if (rc <= 0)
			return sb_conn_failure(c, rc,
					       "waiting for the response");
		*nothing_back = 0;
		got = (size_t)rc;
		rc = sb_http_feed(&c->resp, c->rbuf, got, &used);
		if (rc == SB_OK) {
			/* Bytes past the response: not ours to guess at. */
			if (used != got)
				c->resp.keep_alive = 0;
			break;
		}
		if (rc != SB_HTTP_MORE)
			return sb_client_fail(c, (sb_err)rc,
					      "bad response from %s: %s",
					      c->url.host, c->resp.error);
	}
	c->http_status = c->resp.status;
	trace_response(c);
	if (!c->resp.keep_alive)
		sb_client_disconnect(c);
	return SB_OK;
}

/* One request, re-sent once (GET only) on a stale kept-alive connection. */
static sb_err send_once(sb_client *c, const char *method, const char *target,
			const char *form_body, int *outcome_unknown)
{
	sb_http_request req;
	size_t req_len, cap;
	int tries, is_post = strcmp(method, "POST") == 0;
	int forwarding = sb_conn_forwarding(c);
	char origin[sizeof(c->host_header) + 8];
	sb_err err = SB_OK;

	memset(&req, 0, sizeof(req));
	req.method = method;
	req.host = c->host_header;
	req.target = target;
	req.auth = c->send_auth ? c->auth_value : NULL;
	if (forwarding) {
		sb_fmt(origin, sizeof(origin), "http://%s", c->host_header);
		req.origin = origin;
		req.proxy_auth = c->proxy_auth;
	}
	req.user_agent = USER_AGENT;
	if (form_body) {
		req.body = form_body;
		req.body_len = strlen(form_body);
		req.content_type = "application/x-www-form-urlencoded";
	}
	/* The request buffer lives only while the request does: start small,
	 * double up to the cap (an idle client holds no copy of the secret). */
	for (cap = 1024;; cap *= 2) {
		if (cap > SB_MAX_REQUEST_BYTES)
			cap = SB_MAX_REQUEST_BYTES;
		c->req = c->port.alloc(c->port.ctx, cap);
		if (!c->req)
			return sb_client_fail(c, SB_ERR_NOMEM, "out of memory");
		err = sb_http_write_request(&req, c->req, cap, &req_len);
		if (err == SB_OK)
			break;
		c->port.free(c->port.ctx, c->req); /* wiped by the writer */
		c->req = NULL;
		if (err != SB_ERR_TOO_LARGE)
			return sb_client_fail(c, err,
					      "cannot write the request: a line "
					      "break in a header value");
		if (cap == SB_MAX_REQUEST_BYTES)
			return sb_client_fail(c, SB_ERR_TOO_LARGE,
					      "request too large (limit %u "
					      "bytes)",
					      (unsigned)SB_MAX_REQUEST_BYTES);
	}
	for (tries = 0; tries < 2; tries++) {
		int reused = c->sock != NULL, sent = 0, nothing_back = 1;

		err = attempt(c, req_len, strcmp(method, "HEAD") == 0, &sent,
			      &nothing_back);
		if (err == SB_OK)
			break;
		sb_client_disconnect(c);
		if (is_post) {
			if (sent && outcome_unknown)
				*outcome_unknown = 1;
			break; /* never re-sent here: see sb_token_renew */
		}
		/* A GET is safe to repeat when a kept-alive connection
		 * turned out to be closed already. */
		if (!(reused && nothing_back && err == SB_ERR_NETWORK))
			break;
		sb_client_trace(c, "* kept-alive connection was closed; "
				   "retrying on a new one");
		c->message[0] = '\0'; /* not a failure if the retry works */
	}
	sb_wipe(c->req, cap);
	c->port.free(c->port.ctx, c->req);
	c->req = NULL;
	/* The proxy's own refusal, not the server's answer: the request
	 * did not go further. */
	if (err == SB_OK && forwarding && c->resp.status == 407) {
		sb_client_disconnect(c);
		return sb_client_fail(c, SB_ERR_PROXY,
				      "proxy %s refused the request to %s: "
				      "HTTP 407 (check the proxy credentials)",
				      c->proxy->display, c->url.host);
	}
	return err;
}

/* ---------------------------------------------------------------------
 * Retries
 * ------------------------------------------------------------------- */

static int retryable_status(int st)
{
	return st == 408 || st == 429 || st == 500 || st == 502 || st == 503 ||
	       st == 504;
}

/* A refused connection is retried only when asked for, as curl does
 * (--retry-connrefused): a typo'd port should fail at once. */
static int retryable_error(const sb_client *c, sb_err err)
{
	return (err == SB_ERR_CONNECT && c->retry_connrefused) ||
	       err == SB_ERR_TIMEOUT || err == SB_ERR_NETWORK;
}

/* Exponential back-off from 1 s, with up to 50 % random jitter. */
static uint32_t backoff_ms(sb_client *c, int attempt_no)
{
	uint32_t base = 1000u << (attempt_no < 8 ? attempt_no : 8);
	unsigned char r[2] = {0, 0};

	if (c->port.entropy(c->port.ctx, r, sizeof(r)) != 0)
		r[0] = r[1] = 0;
	return base + (uint32_t)((uint64_t)base / 2 * (r[0] << 8 | r[1]) /
				 65536u);
}

/*
 * How long to wait before retry number attempt_no (0-based), or -1 to
 * give up (the reason is put in c->message for an HTTP answer).
 */
static int64_t retry_wait(sb_client *c, sb_err err, int attempt_no)
{
	uint32_t wait = backoff_ms(c, attempt_no), after;
	const char *ra, *date;
	size_t ra_len = 0, date_len = 0;
	uint32_t left;

	if (err == SB_OK) {
		ra = sb_http_header_value(&c->resp, "Retry-After", &ra_len);
		date = sb_http_header_value(&c->resp, "Date", &date_len);
		if (ra && sb_retry_after_ms(ra, ra_len, date, date_len,
					    c->port.unix_time
						    ? c->port.unix_time(c->port.ctx)
						    : -1,
					    &after) == 0) {
			if (after > c->retry_max_wait_ms) {
				sb_client_notice(
					c,
					"not retrying: the server asks to wait "
					"%u s, more than the %u s allowed",
					(unsigned)((after + 999) / 1000),
					(unsigned)(c->retry_max_wait_ms / 1000));
				return -1;
			}
			wait = after;
		}
	}
	if (wait > c->retry_max_wait_ms)
		wait = c->retry_max_wait_ms;
	left = sb_client_left_ms(c, c->deadline);
	if (wait >= left) {
		sb_client_notice(c,
				 "not retrying: waiting %u s would pass the "
				 "maximum time",
				 (unsigned)((wait + 999) / 1000));
		return -1;
	}
	return wait;
}

/* ---------------------------------------------------------------------
 * Redirects
 * ------------------------------------------------------------------- */

static int is_redirect(int st)
{
	return st == 301 || st == 302 || st == 303 || st == 307 || st == 308;
}

/* A string of n bytes from the port's allocator (NUL added). */
static char *dup_n(sb_client *c, const char *s, size_t n)
{
	char *d = c->port.alloc(c->port.ctx, n + 1);

	if (d) {
		memcpy(d, s, n);
		d[n] = '\0';
	}
	return d;
}

/* Is the origin of an absolute Location ours? Fails with a message. */
static sb_err same_origin(sb_client *c, const char *origin)
{
	char msg[128];
	sb_url *u = c->port.alloc(c->port.ctx, sizeof(*u));
	sb_err err = SB_OK;

	if (!u)
		return sb_client_fail(c, SB_ERR_NOMEM, "out of memory");
	if (sb_url_parse(origin, u, msg, sizeof(msg)) != SB_OK)
		err = sb_client_fail(c, SB_ERR_HTTP_PROTOCOL,
				     "invalid redirect Location: %s", msg);
	else if (c->url.tls && !u->tls)
		err = sb_client_fail(c, SB_ERR_UNEXPECTED_STATUS,
				     "refused a redirect from https to http "
				     "(HTTP %d)",
				     c->resp.status);
	else if (u->tls != c->url.tls || u->port != c->url.port ||
		 !sb_ascii_caseeq(u->host, c->url.host))
		err = sb_client_fail(
			c, SB_ERR_UNEXPECTED_STATUS,
			"refused a redirect to another server (%s): only the "
			"same scheme, host and port are followed, so the token "
			"never goes elsewhere",
			origin);
	c->port.free(c->port.ctx, u);
	return err;
}

/*
 * Turn the Location of a redirect into the next request target (in
 * *out, from the port's allocator), on the same scheme, host and port
 * only: the Authorization header never goes anywhere else, and https is
 * never given up for http.
 */
static sb_err redirect_target(sb_client *c, const char *current, char **out)
{
	size_t n, i, plen;
	const char *loc = sb_http_header_value(&c->resp, "Location", &n);
	char *buf, *hash;
	const char *path;
	sb_err err = SB_OK;

	*out = NULL;
	if (!loc || n == 0)
		return sb_client_fail(c, SB_ERR_HTTP_PROTOCOL,
				      "HTTP %d redirect without a Location",
				      c->resp.status);
	for (i = 0; i < n; i++)
		if ((unsigned char)loc[i] <= 0x20 || (unsigned char)loc[i] >= 0x7f)
			return sb_client_fail(c, SB_ERR_HTTP_PROTOCOL,
					      "invalid redirect Location");
	buf = dup_n(c, loc, n);
	if (!buf)
		return sb_client_fail(c, SB_ERR_NOMEM, "out of memory");
	if ((hash = strchr(buf, '#')) != NULL)
		*hash = '\0';
	path = buf;
	if (strstr(buf, "://") || (buf[0] == '/' && buf[1] == '/')) {
		char origin[SB_MAX_HOST_LEN + 32];
		int scheme_relative = buf[0] == '/';
		const char *auth = scheme_relative ? buf + 2
						   : strstr(buf, "://") + 3;
		size_t alen = strcspn(auth, "/?");

		if (scheme_relative)
			sb_fmt(origin, sizeof(origin), "%s%.*s",
			       c->url.tls ? "https://" : "http://", (int)alen,
			       auth);
		else
			sb_fmt(origin, sizeof(origin), "%.*s",
			       (int)((size_t)(auth - buf) + alen), buf);
		err = same_origin(c, origin);
		path = auth + alen;
		if (*path == '\0')
			path = "/";
	}
	if (err == SB_OK) {
		plen = strcspn(current, "?");
		if (path[0] == '/') {
			*out = dup_n(c, path, strlen(path));
		} else if (path[0] == '?') { /* same path, another query */
			*out = c->port.alloc(c->port.ctx, plen + strlen(path) + 1);
			if (*out)
				sb_fmt(*out, plen + strlen(path) + 1, "%.*s%s",
				       (int)plen, current, path);
		} else { /* relative: replace the last segment */
			size_t dir = 0;

			for (i = 0; i < plen; i++)
				if (current[i] == '/')
					dir = i;
			*out = c->port.alloc(c->port.ctx, dir + strlen(path) + 2);
			if (*out)
				sb_fmt(*out, dir + strlen(path) + 2, "%.*s/%s",
				       (int)dir, current, path);
		}
		if (!*out)
			err = sb_client_fail(c, SB_ERR_NOMEM, "out of memory");
		else if (strlen(*out) + 64 > SB_MAX_REQUEST_BYTES)
			err = sb_client_fail(c, SB_ERR_TOO_LARGE,
					     "redirect Location too long");
	}
	c->port.free(c->port.ctx, buf);
	if (err != SB_OK && *out) {
		c->port.free(c->port.ctx, *out);
		*out = NULL;
	}
	return err;
}

/* The exchange proper; *full is the target, replaced on redirects. */
static sb_err exchange(sb_client *c, const char *method, char **full,
		       const char *form_body, int *outcome_unknown)
{
	int is_get = strcmp(method, "GET") == 0, hops = 0;
	sb_err err;

	for (;;) {
		char *next;

		err = send_once(c, method, *full, form_body, outcome_unknown);
		if (!is_get)
			return err;
		if ((err == SB_OK && retryable_status(c->resp.status)) ||
		    (err != SB_OK && retryable_error(c, err))) {
			int64_t wait;
			char why[SB_MAX_MESSAGE_LEN];

			if (c->retries_done >= c->retries)
				return err;
			wait = retry_wait(c, err, c->retries_done);
			if (wait < 0)
				return err;
			if (err == SB_OK)
				sb_fmt(why, sizeof(why), "HTTP %d",
				       c->resp.status);
			else
				sb_fmt(why, sizeof(why), "%s", c->message);
			c->retries_done++;
			sb_client_notice(c,
					 "retrying in %u.%u s after %s (retry %d "
					 "of %d)",
					 (unsigned)(wait / 1000),
					 (unsigned)(wait % 1000 / 100), why,
					 c->retries_done, c->retries);
			sb_client_disconnect(c);
			if (c->port.sleep_ms)
				c->port.sleep_ms(c->port.ctx, (uint32_t)wait);
			c->message[0] = '\0';
			continue;
		}
		if (err != SB_OK || !is_redirect(c->resp.status))
			return err;
		if (++hops > SB_MAX_REDIRECTS)
			return sb_client_fail(c, SB_ERR_UNEXPECTED_STATUS,
					      "more than %d redirects",
					      SB_MAX_REDIRECTS);
		err = redirect_target(c, *full, &next);
		if (err != SB_OK)
			return err;
		sb_client_trace(c, "* following the HTTP %d redirect to %s",
				c->resp.status, next);
		c->port.free(c->port.ctx, *full);
		*full = next;
	}
}

sb_err sb_client_exchange(sb_client *c, const char *method,
			  const char *target, const char *form_body,
			  int *outcome_unknown)
{
	size_t n = strlen(c->url.path) + strlen(target);
	char *full;
	sb_err err;

	if (outcome_unknown)
		*outcome_unknown = 0;
	c->retries_done = 0;
	/* Badge images never read credentials (SonarQube's
	 * UserSessionInitializer skips their URLs): they carry their own
	 * token, and the user token stays home. */
	c->send_auth = strncmp(target, "/api/project_badges/measure", 27) != 0 &&
		       strncmp(target, "/api/project_badges/quality_gate", 32) != 0 &&
		       strncmp(target, "/api/project_badges/ai_code_assurance",
			       37) != 0;
	if (n + 64 > SB_MAX_REQUEST_BYTES)
		return sb_client_fail(c, SB_ERR_TOO_LARGE,
				      "request target too long");
	full = c->port.alloc(c->port.ctx, n + 1);
	if (!full)
		return sb_client_fail(c, SB_ERR_NOMEM, "out of memory");
	sb_fmt(full, n + 1, "%s%s", c->url.path, target);
	err = exchange(c, method, &full, form_body, outcome_unknown);
	c->port.free(c->port.ctx, full);
	return err;
}

/*
 * sb_client.c - client lifetime, the kept-alive connection (plain or
 * TLS) and one request/response exchange, all bounded by the operation's
 * deadline and the connect time-out.
 */
#include "sb_client.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define DEFAULT_CONNECT_TIMEOUT_MS 10000u
#define DEFAULT_MAX_TIME_MS 60000u
#define USER_AGENT "sonarbadge/" SB_VERSION

sb_err sb_client_fail(sb_client *c, sb_err err, const char *fmt, ...)
{
	va_list ap;
	char raw[SB_MAX_MESSAGE_LEN];

	va_start(ap, fmt);
	if (vsnprintf(raw, sizeof(raw), fmt, ap) < 0)
		raw[0] = '\0';
	va_end(ap);
	sb_printable(raw, c->message, sizeof(c->message));
	return err;
}

void sb_client_trace(sb_client *c, const char *fmt, ...)
{
	va_list ap;
	char raw[1024], line[1024];

	if (!c->trace)
		return;
	va_start(ap, fmt);
	if (vsnprintf(raw, sizeof(raw), fmt, ap) < 0)
		raw[0] = '\0';
	va_end(ap);
	sb_redact(raw, line, sizeof(line));
	c->trace(c->trace_user, line);
}

static const char *port_error(const sb_client *c)
{
	const char *d = c->port.describe_error
				? c->port.describe_error(c->port.ctx)
				: NULL;

	return d && *d ? d : "unknown error";
}

static int port_is_complete(const sb_port *p)
{
	return p && p->connect && p->send && p->recv && p->close &&
	       p->now_ms && p->entropy && p->read_file && p->alloc && p->free;
}

static sb_err make_auth(sb_client *c, const char *token, sb_auth auth)
{
	size_t n = strlen(token), cap;
	char *raw;
	sb_err err;

	if (n == 0 || n > SB_MAX_USER_TOKEN_LEN)
		return SB_ERR_INVALID_ARG;
	cap = 16 + (n + 1 + 2) / 3 * 4 + 1;
	c->auth_value = c->port.alloc(c->port.ctx, cap);
	if (!c->auth_value)
		return SB_ERR_NOMEM;
	if (auth == SB_AUTH_BEARER) {
		sb_fmt(c->auth_value, cap, "Bearer %s", token);
		return SB_OK;
	}
	/* Basic: the token as user name, an empty password. */
	raw = c->port.alloc(c->port.ctx, n + 2);
	if (!raw)
		return SB_ERR_NOMEM;
	memcpy(raw, token, n);
	raw[n] = ':';
	memcpy(c->auth_value, "Basic ", 6);
	err = sb_base64((const unsigned char *)raw, n + 1, c->auth_value + 6,
			cap - 6);
	sb_wipe(raw, n + 2);
	c->port.free(c->port.ctx, raw);
	return err;
}

static int token_is_clean(const char *t)
{
	for (; *t; t++)
		if ((unsigned char)*t <= 0x20 || (unsigned char)*t >= 0x7f)
			return 0;
	return 1;
}

sb_err sb_client_create(const sb_config *cfg, const sb_port *port,
			sb_client **out, char *msg, size_t msg_cap)
{
	sb_client *c;
	sb_err err;

	if (out)
		*out = NULL;
	if (msg && msg_cap)
		msg[0] = '\0';
	if (!cfg || !out || !port_is_complete(port)) {
		sb_fmt(msg, msg_cap, "invalid arguments to sb_client_create");
		return SB_ERR_INVALID_ARG;
	}
	if (!cfg->user_token || !*cfg->user_token) {
		sb_fmt(msg, msg_cap, "no user token given");
		return SB_ERR_CONFIG;
	}
	if (!token_is_clean(cfg->user_token) ||
	    strlen(cfg->user_token) > SB_MAX_USER_TOKEN_LEN) {
		sb_fmt(msg, msg_cap,
		       "the user token contains spaces or control characters, "
		       "or is longer than %d bytes",
		       SB_MAX_USER_TOKEN_LEN);
		return SB_ERR_CONFIG;
	}
	c = port->alloc(port->ctx, sizeof(*c));
	if (!c) {
		sb_fmt(msg, msg_cap, "out of memory");
		return SB_ERR_NOMEM;
	}
	c->port = *port;
	sb_http_response_init(&c->resp, &c->port, 0);
	c->connect_timeout_ms = cfg->connect_timeout_ms
					? cfg->connect_timeout_ms
					: DEFAULT_CONNECT_TIMEOUT_MS;
	c->max_time_ms = cfg->max_time_ms ? cfg->max_time_ms
					  : DEFAULT_MAX_TIME_MS;
	c->trace = cfg->trace;
	c->trace_user = cfg->trace_user;

	err = sb_url_parse(cfg->base_url ? cfg->base_url
					 : "https://sonarcloud.io",
			   &c->url, msg, msg_cap);
	if (err != SB_OK)
		goto fail;
	sb_url_host_header(&c->url, c->host_header, sizeof(c->host_header));
	c->sonarcloud = c->url.tls && sb_ascii_caseeq(c->url.host,
						      "sonarcloud.io") &&
			c->url.port == 443 && c->url.path[0] == '\0';
	err = make_auth(c, cfg->user_token, cfg->auth);
	if (err != SB_OK) {
		sb_fmt(msg, msg_cap, "cannot prepare the Authorization header");
		goto fail;
	}
	if (cfg->organization && *cfg->organization) {
		c->organization = sb_strdup(&c->port, cfg->organization);
		if (!c->organization) {
			err = SB_ERR_NOMEM;
			sb_fmt(msg, msg_cap, "out of memory");
			goto fail;
		}
	}
	if (c->url.tls) {
		sb_tls_config tc;

		tc.ca_file = cfg->ca_file;
		tc.ca_path = cfg->ca_path;
		tc.insecure = cfg->insecure;
		err = sb_tls_create(&c->port, &tc, &c->tls, msg, msg_cap);
		if (err != SB_OK)
			goto fail;
	}
	*out = c;
	return SB_OK;
fail:
	sb_client_destroy(c);
	return err;
}

void sb_client_disconnect(sb_client *c)
{
	if (!c->sock)
		return;
	if (c->tls)
		sb_tls_end(c->tls);
	c->port.close(c->port.ctx, c->sock);
	c->sock = NULL;
}

void sb_client_destroy(sb_client *c)
{
	sb_port port;

	if (!c)
		return;
	sb_client_disconnect(c);
	sb_tls_destroy(c->tls);
	sb_strfree(&c->port, c->auth_value);
	sb_strfree(&c->port, c->organization);
	sb_http_response_free(&c->resp);
	port = c->port;
	sb_wipe(c, sizeof(*c)); /* request buffer held the Authorization */
	port.free(port.ctx, c);
}

const char *sb_client_message(const sb_client *c)
{
	return c ? c->message : "";
}

int sb_client_http_status(const sb_client *c)
{
	return c ? c->http_status : 0;
}

unsigned sb_client_connections(const sb_client *c)
{
	return c ? c->connections : 0;
}

int sb_client_is_sonarcloud(const sb_client *c)
{
	return c ? c->sonarcloud : 0;
}

const char *sb_client_base_url(const sb_client *c)
{
	return c ? c->url.normalized : "";
}

void sb_client_begin(sb_client *c)
{
	c->deadline = c->port.now_ms(c->port.ctx) + c->max_time_ms;
	c->message[0] = '\0';
	c->http_status = 0;
}

static uint32_t left_ms(const sb_client *c, uint64_t deadline)
{
	uint64_t now = c->port.now_ms(c->port.ctx);

	if (now >= deadline)
		return 0;
	return deadline - now > 0xffffffffu ? 0xffffffffu
					    : (uint32_t)(deadline - now);
}

static sb_err open_connection(sb_client *c)
{
	uint64_t now = c->port.now_ms(c->port.ctx);
	uint64_t connect_deadline = now + c->connect_timeout_ms;
	int rc;
	sb_err err;
	char msg[SB_MAX_MESSAGE_LEN];

	if (connect_deadline > c->deadline)
		connect_deadline = c->deadline;
	if (left_ms(c, connect_deadline) == 0)
		return sb_client_fail(c, SB_ERR_TIMEOUT,
				      "maximum time reached before connecting "
				      "to %s",
				      c->url.host);
	sb_client_trace(c, "* Connecting to %s port %u", c->url.host,
			(unsigned)c->url.port);
	rc = c->port.connect(c->port.ctx, c->url.host, c->url.port,
			     left_ms(c, connect_deadline), &c->sock);
	if (rc != 0) {
		c->sock = NULL;
		switch (rc) {
		case SB_PORT_ERR_DNS:
			return sb_client_fail(c, SB_ERR_DNS,
					      "cannot resolve host %s: %s",
					      c->url.host, port_error(c));
		case SB_PORT_TIMEOUT:
			return sb_client_fail(c, SB_ERR_TIMEOUT,
					      "connection to %s port %u timed "
					      "out",
					      c->url.host,
					      (unsigned)c->url.port);
		case SB_PORT_ERR_NOMEM:
			return sb_client_fail(c, SB_ERR_NOMEM, "out of memory");
		default:
			return sb_client_fail(c, SB_ERR_CONNECT,
					      "cannot connect to %s port %u: "
					      "%s",
					      c->url.host,
					      (unsigned)c->url.port,
					      port_error(c));
		}
	}
	c->connections++;
	if (c->tls) {
		err = sb_tls_connect(c->tls, c->sock, c->url.host,
				     connect_deadline, msg, sizeof(msg));
		if (err != SB_OK) {
			sb_client_disconnect(c);
			return sb_client_fail(c, err, "%s", msg);
		}
		sb_tls_describe(c->tls, msg, sizeof(msg));
		sb_client_trace(c, "* TLS session: %s, certificate %s", msg,
				"verified");
	}
	return SB_OK;
}

static int conn_send(sb_client *c, const unsigned char *buf, size_t len)
{
	if (c->tls)
		return sb_tls_send(c->tls, buf, len, c->deadline);
	return c->port.send(c->port.ctx, c->sock, buf, len,
			    left_ms(c, c->deadline));
}

static int conn_recv(sb_client *c, unsigned char *buf, size_t len)
{
	uint32_t left = left_ms(c, c->deadline);

	if (left == 0)
		return SB_PORT_TIMEOUT;
	if (c->tls)
		return sb_tls_recv(c->tls, buf, len, c->deadline);
	return c->port.recv(c->port.ctx, c->sock, buf, len, left);
}

/* A send/recv failure as an sb_err with a message. */
static sb_err io_failure(sb_client *c, int rc, const char *when)
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
			      port_error(c));
}

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
	if (!c->sock) {
		err = open_connection(c);
		if (err != SB_OK)
			return err;
	}
	trace_request(c);
	while (sent < req_len) {
		rc = conn_send(c, (const unsigned char *)c->req + sent,
			       req_len - sent);
		if (rc <= 0) {
			*request_sent = 1; /* part of it may have gone */
			return io_failure(c, rc, "while sending the request");
		}
		sent += (size_t)rc;
	}
	*request_sent = 1;
	sb_http_response_reset(&c->resp, is_head);
	for (;;) {
		size_t used = 0;

		rc = conn_recv(c, c->rbuf, sizeof(c->rbuf));
		if (rc == SB_PORT_CLOSED) {
			rc = sb_http_feed_eof(&c->resp);
			if (rc != SB_OK)
				return sb_client_fail(c, (sb_err)rc, "%s (%s)",
						      c->resp.error,
						      c->url.host);
			break;
		}
		if (rc <= 0)
			return io_failure(c, rc, "waiting for the response");
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

sb_err sb_client_exchange(sb_client *c, const char *method,
			  const char *target, const char *form_body,
			  int *outcome_unknown)
{
	sb_http_request req;
	char full_target[SB_MAX_PATH_LEN + SB_MAX_REQUEST_BYTES / 2];
	size_t req_len;
	int tries, is_post = strcmp(method, "POST") == 0;
	sb_err err = SB_OK;

	if (outcome_unknown)
		*outcome_unknown = 0;
	sb_fmt(full_target, sizeof(full_target), "%s%s", c->url.path, target);
	memset(&req, 0, sizeof(req));
	req.method = method;
	req.host = c->host_header;
	req.target = full_target;
	req.auth = c->auth_value;
	req.user_agent = USER_AGENT;
	if (form_body) {
		req.body = form_body;
		req.body_len = strlen(form_body);
		req.content_type = "application/x-www-form-urlencoded";
	}
	if (strlen(full_target) + 1 >= sizeof(full_target) ||
	    sb_http_write_request(&req, c->req, sizeof(c->req), &req_len) !=
		    SB_OK)
		return sb_client_fail(c, SB_ERR_TOO_LARGE,
				      "request too large (limit %u bytes)",
				      (unsigned)SB_MAX_REQUEST_BYTES);
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
		if (!(reused && nothing_back && (err == SB_ERR_NETWORK)))
			break;
		sb_client_trace(c, "* kept-alive connection was closed; "
				   "retrying on a new one");
		c->message[0] = '\0'; /* not a failure if the retry works */
	}
	sb_wipe(c->req, sizeof(c->req));
	return err;
}

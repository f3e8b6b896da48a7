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
	char raw[SB_MAX_MESSAGE_LEN], clean[SB_MAX_MESSAGE_LEN];

	va_start(ap, fmt);
	if (vsnprintf(raw, sizeof(raw), fmt, ap) < 0)
		raw[0] = '\0';
	va_end(ap);
	/* A server or a proxy may echo the credentials or a badge token
	 * back. */
	sb_scrub(c->auth_value, raw, clean, sizeof(clean));
	sb_scrub(c->proxy_auth, clean, raw, sizeof(raw));
	sb_printable(raw, c->message, sizeof(c->message));
	return err;
}

/* Format a line, mask secrets in it and hand it to fn (trace or notice). */
#if defined(__GNUC__)
__attribute__((format(printf, 4, 0)))
#endif
static void emit(sb_client *c, sb_trace_fn fn, void *user, const char *fmt,
		 va_list ap)
{
	char raw[1024], line[1024];

	if (vsnprintf(raw, sizeof(raw), fmt, ap) < 0)
		raw[0] = '\0';
	sb_redact(raw, line, sizeof(line));
	sb_scrub(c->auth_value, line, raw, sizeof(raw));
	sb_scrub(c->proxy_auth, raw, line, sizeof(line));
	fn(user, line);
}

void sb_client_trace(sb_client *c, const char *fmt, ...)
{
	va_list ap;

	if (!c->trace)
		return;
	va_start(ap, fmt);
	emit(c, c->trace, c->trace_user, fmt, ap);
	va_end(ap);
}

void sb_client_notice(sb_client *c, const char *fmt, ...)
{
	va_list ap;

	if (!c->notice)
		return;
	va_start(ap, fmt);
	emit(c, c->notice, c->notice_user, fmt, ap);
	va_end(ap);
}

const char *sb_client_port_error(const sb_client *c)
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
	/* raw is length-counted (n + 1 bytes go to sb_base64): no NUL. */
	memcpy(raw, token, n); /* NOLINT(bugprone-not-null-terminated-result) */
	raw[n] = ':';
	memcpy(c->auth_value, "Basic ", 6);
	err = sb_base64((const unsigned char *)raw, n + 1, c->auth_value + 6,
			cap - 6);
	sb_wipe(raw, n + 2);
	c->port.free(c->port.ctx, raw);
	return err;
}

/* The proxy: parsed URL, and the Proxy-Authorization value if any. */
static sb_err setup_proxy(sb_client *c, const sb_config *cfg, char *msg,
			  size_t msg_cap)
{
	sb_err err;

	if (cfg->noproxy && *cfg->noproxy) {
		c->noproxy = sb_strdup(&c->port, cfg->noproxy);
		if (!c->noproxy)
			return SB_ERR_NOMEM;
	}
	c->proxy_tunnel = cfg->proxy_tunnel != 0;
	if (!cfg->proxy || !*cfg->proxy)
		return SB_OK;
	c->proxy = c->port.alloc(c->port.ctx, sizeof(*c->proxy));
	if (!c->proxy)
		return SB_ERR_NOMEM;
	err = sb_proxy_parse(cfg->proxy, c->proxy, msg, msg_cap);
	if (err != SB_OK)
		return err;
	if (c->proxy->has_credentials || (cfg->proxy_user && *cfg->proxy_user)) {
		char raw[sizeof(c->proxy->user) + sizeof(c->proxy->password) + 2];
		size_t n, cap;

		if (cfg->proxy_user && *cfg->proxy_user) {
			/* Given apart from the URL (never in argv). */
			if (strlen(cfg->proxy_user) >= sizeof(raw)) {
				sb_fmt(msg, msg_cap, "proxy user:password too long");
				return SB_ERR_CONFIG;
			}
			sb_fmt(raw, sizeof(raw), "%s", cfg->proxy_user);
			if (!c->proxy->has_credentials) {
				c->proxy->has_credentials = 1;
				sb_proxy_display(c->proxy);
			}
		} else {
			sb_fmt(raw, sizeof(raw), "%s:%s", c->proxy->user,
			       c->proxy->password);
		}
		n = strlen(raw);
		cap = 7 + (n + 2) / 3 * 4 + 1;
		c->proxy_auth = c->port.alloc(c->port.ctx, cap);
		if (!c->proxy_auth) {
			sb_wipe(raw, sizeof(raw));
			return SB_ERR_NOMEM;
		}
		memcpy(c->proxy_auth, "Basic ", 6);
		err = sb_base64((const unsigned char *)raw, n,
				c->proxy_auth + 6, cap - 6);
		sb_wipe(raw, sizeof(raw));
		sb_wipe(c->proxy->password, sizeof(c->proxy->password));
		if (err != SB_OK)
			return err;
	}
	return SB_OK;
}

/* Copy and check the --resolve entries. */
static sb_err setup_resolve(sb_client *c, const sb_config *cfg, char *msg,
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
		c->resolve[i] = sb_strdup(&c->port, cfg->resolve[i]);
		if (!c->resolve[i])
			return SB_ERR_NOMEM;
	}
	/* A lookup that matches nothing still checks every entry. */
	if (sb_resolve_lookup((const char *const *)c->resolve, "", 0, addrs, 1,
			      msg, msg_cap) < 0)
		return SB_ERR_CONFIG;
	return SB_OK;
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
	if (cfg->user_token && *cfg->user_token &&
	    (!token_is_clean(cfg->user_token) ||
	     strlen(cfg->user_token) > SB_MAX_USER_TOKEN_LEN)) {
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
	c->notice = cfg->notice;
	c->notice_user = cfg->notice_user;
	c->retries = cfg->retries > 0 ? cfg->retries : 0;
	if (c->retries > 10)
		c->retries = 10;
	c->retry_max_wait_ms = cfg->retry_max_wait_ms ? cfg->retry_max_wait_ms
						      : 300000u;
	c->retry_connrefused = cfg->retry_connrefused != 0;

	err = sb_url_parse(cfg->base_url ? cfg->base_url
					 : "https://sonarcloud.io",
			   &c->url, msg, msg_cap);
	if (err != SB_OK)
		goto fail;
	sb_url_host_header(&c->url, c->host_header, sizeof(c->host_header));
	c->sonarcloud = c->url.tls && sb_ascii_caseeq(c->url.host,
						      "sonarcloud.io") &&
			c->url.port == 443 && c->url.path[0] == '\0';
	err = cfg->user_token && *cfg->user_token
		      ? make_auth(c, cfg->user_token, cfg->auth)
		      : SB_OK;
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
	err = setup_proxy(c, cfg, msg, msg_cap);
	if (err == SB_OK)
		err = setup_resolve(c, cfg, msg, msg_cap);
	if (err != SB_OK) {
		if (err == SB_ERR_NOMEM)
			sb_fmt(msg, msg_cap, "out of memory");
		goto fail;
	}
	if (c->url.tls) {
		sb_tls_config tc;
		unsigned char pins[SB_MAX_PINS][32];

		memset(&tc, 0, sizeof(tc));
		tc.ca_file = cfg->ca_file;
		tc.ca_path = cfg->ca_path;
		tc.insecure = cfg->insecure;
		tc.extra_root_pem = cfg->extra_root_pem;
		tc.client_cert = cfg->client_cert;
		tc.client_key = cfg->client_key;
		tc.key_passphrase = cfg->client_key_passphrase;
		if (cfg->pinned_pubkey) {
			tc.pin_count = sb_pins_parse(cfg->pinned_pubkey, pins,
						     SB_MAX_PINS);
			if (tc.pin_count < 0) {
				sb_fmt(msg, msg_cap,
				       "invalid --pinnedpubkey (want "
				       "sha256//BASE64[;sha256//BASE64...], "
				       "at most %d)",
				       SB_MAX_PINS);
				err = SB_ERR_CONFIG;
				goto fail;
			}
			tc.pins = (const unsigned char(*)[32])pins;
		}
		err = sb_tls_create(&c->port, &tc, &c->tls, msg, msg_cap);
		if (err != SB_OK)
			goto fail;
	} else if (cfg->pinned_pubkey || cfg->client_cert) {
		sb_fmt(msg, msg_cap,
		       "--pinnedpubkey and --cert need an https:// base URL");
		err = SB_ERR_CONFIG;
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
	int i;

	if (!c)
		return;
	sb_client_disconnect(c);
	sb_tls_destroy(c->tls);
	sb_strfree(&c->port, c->auth_value);
	sb_strfree(&c->port, c->organization);
	sb_strfree(&c->port, c->proxy_auth);
	sb_strfree(&c->port, c->noproxy);
	if (c->proxy) {
		sb_wipe(c->proxy, sizeof(*c->proxy));
		c->port.free(c->port.ctx, c->proxy);
	}
	for (i = 0; i < SB_MAX_RESOLVE_ENTRIES && c->resolve[i]; i++)
		sb_strfree(&c->port, c->resolve[i]);
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


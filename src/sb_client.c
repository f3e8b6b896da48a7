/*
 * sb_client.c - a client's lifetime: configuration checked and copied,
 * the Authorization value made, the connection and exchange set up; and
 * the operation's deadline.
 */
#include "sb_client.h"

#include <stddef.h>
#include <string.h>

#include "sb_json.h"

#define DEFAULT_CONNECT_TIMEOUT_MS 10000u
#define DEFAULT_MAX_TIME_MS 60000u
#define DEFAULT_RETRY_MAX_WAIT_MS 300000u
#define MAX_RETRIES 10

static int port_is_complete(const sb_port *p)
{
	return p && p->connect && p->send && p->recv && p->close &&
	       p->now_ms && p->entropy && p->read_file && p->alloc && p->free;
}

static int token_is_clean(const char *t)
{
	for (; *t; t++)
		if ((unsigned char)*t <= 0x20 || (unsigned char)*t >= 0x7f)
			return 0;
	return 1;
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

/* Checks that need no memory: the port, the user token. */
static sb_err check_config(const sb_config *cfg, const sb_port *port,
			   sb_client **out, char *msg, size_t msg_cap)
{
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
	return SB_OK;
}

static void setup_diag(sb_client *c, const sb_config *cfg)
{
	c->diag.trace = cfg->trace;
	c->diag.trace_user = cfg->trace_user;
	c->diag.notice = cfg->notice;
	c->diag.notice_user = cfg->notice_user;
	c->diag.auth = c->auth_value;
}

static void setup_exchange(sb_client *c, const sb_config *cfg)
{
	sb_exchange *ex = &c->ex;

	ex->conn = &c->conn;
	ex->diag = &c->diag;
	ex->url = &c->url;
	ex->resp = &c->resp;
	ex->host_header = c->host_header;
	ex->auth = c->auth_value;
	ex->retries = cfg->retries > 0 ? cfg->retries : 0;
	if (ex->retries > MAX_RETRIES)
		ex->retries = MAX_RETRIES;
	ex->retry_connrefused = cfg->retry_connrefused != 0;
	ex->retry_max_wait_ms = cfg->retry_max_wait_ms
					? cfg->retry_max_wait_ms
					: DEFAULT_RETRY_MAX_WAIT_MS;
	ex->max_time_ms = c->max_time_ms;
	ex->pacer = cfg->pacer;
}

sb_err sb_client_create(const sb_config *cfg, const sb_port *port,
			sb_client **out, char *msg, size_t msg_cap)
{
	sb_config conf;
	sb_client *c;
	sb_err err;

	if (out)
		*out = NULL;
	if (msg && msg_cap)
		msg[0] = '\0';
	err = check_config(cfg, port, out, msg, msg_cap);
	if (err != SB_OK)
		return err;
	c = port->alloc(port->ctx, sizeof(*c));
	if (!c) {
		sb_fmt(msg, msg_cap, "out of memory");
		return SB_ERR_NOMEM;
	}
	/* Copy only what the caller's struct has: a port written against
	 * version 1 ends before the file hooks. */
	if (port->version >= 2)
		c->port = *port;
	else
		memcpy(&c->port, port, offsetof(sb_port, file_open));
	sb_http_response_init(&c->resp, &c->port, 0);
	c->end_ms = 0;
	conf = *cfg;
	if (!conf.connect_timeout_ms)
		conf.connect_timeout_ms = DEFAULT_CONNECT_TIMEOUT_MS;
	c->max_time_ms = cfg->max_time_ms ? cfg->max_time_ms
					  : DEFAULT_MAX_TIME_MS;
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
	c->bearer_unchecked = c->auth_value && cfg->auth == SB_AUTH_BEARER;
	if (cfg->organization && *cfg->organization) {
		c->organization = sb_strdup(&c->port, cfg->organization);
		if (!c->organization) {
			err = SB_ERR_NOMEM;
			sb_fmt(msg, msg_cap, "out of memory");
			goto fail;
		}
	}
	setup_diag(c, cfg);
	err = sb_conn_init(&c->conn, &c->port, &c->diag, &c->url, &conf, msg,
			   msg_cap);
	if (err != SB_OK)
		goto fail;
	setup_exchange(c, cfg);
	*out = c;
	return SB_OK;
fail:
	sb_client_destroy(c);
	return err;
}

void sb_client_destroy(sb_client *c)
{
	sb_port port;

	if (!c)
		return;
	if (c->conn.port)
		sb_conn_destroy(&c->conn);
	sb_strfree(&c->port, c->auth_value);
	sb_strfree(&c->port, c->organization);
	sb_http_response_free(&c->resp);
	port = c->port;
	sb_wipe(c, sizeof(*c)); /* the answers held badge tokens */
	port.free(port.ctx, c);
}

const char *sb_client_message(const sb_client *c)
{
	return c ? c->diag.message : "";
}

int sb_client_http_status(const sb_client *c)
{
	return c ? c->ex.last_status : 0;
}

unsigned sb_client_connections(const sb_client *c)
{
	return c ? c->conn.opened : 0;
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
	sb_client_extend(c);
	if (c->end_ms && c->ex.deadline > c->end_ms)
		c->ex.deadline = c->end_ms;
	sb_diag_clear(&c->diag);
	c->ex.last_status = 0;
}

void sb_client_limit_total(sb_client *c, uint32_t ms)
{
	c->end_ms = c->port.now_ms(c->port.ctx) + ms;
}

int sb_client_out_of_time(const sb_client *c)
{
	return c->end_ms && c->port.now_ms(c->port.ctx) >= c->end_ms;
}

void sb_client_extend(sb_client *c)
{
	c->ex.deadline = c->port.now_ms(c->port.ctx) + c->max_time_ms;
}

/*
 * Before 10.0 SonarQube parses only Basic credentials: a Bearer header is
 * read as no credentials at all, and the answer (401, or 403 that looks
 * like a missing permission) would mislead. Ask the version before the
 * token is first sent that way (UserTokenAuthentication; branch-9.9 has
 * no bearer parsing, the 10.0 documentation introduces it).
 */
static sb_err check_bearer(sb_client *c)
{
	sb_server_version v;
	char name[48];
	sb_err err = sb_client_version(c, &v);

	if (err != SB_OK)
		return err;
	c->bearer_unchecked = 0;
	if (v.flavour != SB_FLAVOUR_SERVER || sb_version_at_least(&v, 10, 0))
		return SB_OK;
	sb_version_describe(&v, name, sizeof(name));
	return sb_diag_fail(&c->diag, SB_ERR_CONFIG,
			    "%s has no Bearer authentication (it came in "
			    "10.0) and would treat the request as anonymous; "
			    "nothing was sent with the token: use --auth "
			    "basic",
			    name);
}

int sb_client_on_cloud(sb_client *c)
{
	sb_server_version v;

	return sb_client_version(c, &v) == SB_OK &&
	       v.flavour == SB_FLAVOUR_CLOUD;
}

sb_err sb_client_request(sb_client *c, const sb_request *rq, sb_reply *reply)
{
	if (c->bearer_unchecked && !rq->anonymous) {
		sb_err err = check_bearer(c);

		if (err != SB_OK)
			return err;
	}
	return sb_exchange_run(&c->ex, rq, reply);
}

sb_err sb_client_status_fail(sb_client *c, const sb_reply *reply,
			     const sb_op *op)
{
	return sb_status_fail(&c->diag, &c->port, reply->http, op);
}

sb_err sb_client_append_organization(const sb_client *c, char *out,
				     size_t cap, size_t *len)
{
	if (!c->organization)
		return SB_OK;
	if (*len + 14 >= cap)
		return SB_ERR_TOO_LARGE;
	memcpy(out + *len, "&organization=", 15);
	*len += 14;
	return sb_form_encode(c->organization, out, cap, len);
}

void sb_client_server_message(sb_client *c, const sb_reply *reply, char *out,
			      size_t cap)
{
	sb_status_server_message(&c->port, reply->http, out, cap);
}

sb_err sb_client_json_too_large(sb_client *c, const char *js, size_t len)
{
	if (sb_json_validate(js, len) != SB_OK)
		return sb_diag_fail(&c->diag, SB_ERR_TOO_LARGE,
				    "the server's JSON answer is nested deeper "
				    "than %d levels",
				    (int)SB_MAX_JSON_DEPTH);
	return sb_diag_fail(&c->diag, SB_ERR_TOO_LARGE,
			    "the server's JSON answer has more than %d tokens",
			    SB_MAX_JSON_TOKENS);
}

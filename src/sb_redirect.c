/* sb_redirect.c - the target of a same-origin redirect (sb_redirect.h). */
#include "sb_redirect.h"

#include <string.h>

int sb_is_redirect(int st)
{
	return st == 301 || st == 302 || st == 303 || st == 307 || st == 308;
}

/* A string of n bytes from the port's allocator (NUL added). */
static char *dup_n(const sb_port *port, const char *s, size_t n)
{
	char *d = port->alloc(port->ctx, n + 1);

	if (d) {
		memcpy(d, s, n);
		d[n] = '\0';
	}
	return d;
}

/* Is the origin of an absolute Location ours? Fails with a message. */
static sb_err same_origin(const sb_port *port, sb_diag *d, const sb_url *url,
			  int status, const char *origin)
{
	char msg[128];
	sb_url *u = port->alloc(port->ctx, sizeof(*u));
	sb_err err = SB_OK;

	if (!u)
		return sb_diag_fail(d, SB_ERR_NOMEM, "out of memory");
	if (sb_url_parse(origin, u, msg, sizeof(msg)) != SB_OK)
		err = sb_diag_fail(d, SB_ERR_HTTP_PROTOCOL,
				   "invalid redirect Location: %s", msg);
	else if (url->tls && !u->tls)
		err = sb_diag_fail(d, SB_ERR_UNEXPECTED_STATUS,
				   "refused a redirect from https to http "
				   "(HTTP %d)",
				   status);
	else if (u->tls != url->tls || u->port != url->port ||
		 !sb_ascii_caseeq(u->host, url->host))
		err = sb_diag_fail(
			d, SB_ERR_UNEXPECTED_STATUS,
			"refused a redirect to another server (%s): only the "
			"same scheme, host and port are followed, so the token "
			"never goes elsewhere",
			origin);
	port->free(port->ctx, u);
	return err;
}

/* The path of a Location relative to the current target. */
static char *resolve_path(const sb_port *port, const char *current,
			  const char *path)
{
	size_t plen = strcspn(current, "?"), dir = 0, i, n;
	char *out;

	if (path[0] == '/')
		return dup_n(port, path, strlen(path));
	if (path[0] == '?') { /* same path, another query */
		n = plen + strlen(path) + 1;
		out = port->alloc(port->ctx, n);
		if (out)
			sb_fmt(out, n, "%.*s%s", (int)plen, current, path);
		return out;
	}
	/* Relative: replace the last segment. */
	for (i = 0; i < plen; i++)
		if (current[i] == '/')
			dir = i;
	n = dir + strlen(path) + 2;
	out = port->alloc(port->ctx, n);
	if (out)
		sb_fmt(out, n, "%.*s/%s", (int)dir, current, path);
	return out;
}

sb_err sb_redirect_target(const sb_port *port, sb_diag *d, const sb_url *url,
			  const sb_http_response *r, const char *current,
			  char **out)
{
	size_t n, i;
	const char *loc = sb_http_header_value(r, "Location", &n);
	char *buf, *hash;
	const char *path;
	sb_err err = SB_OK;

	*out = NULL;
	if (!loc || n == 0)
		return sb_diag_fail(d, SB_ERR_HTTP_PROTOCOL,
				    "HTTP %d redirect without a Location",
				    r->status);
	for (i = 0; i < n; i++)
		if ((unsigned char)loc[i] <= 0x20 || (unsigned char)loc[i] >= 0x7f)
			return sb_diag_fail(d, SB_ERR_HTTP_PROTOCOL,
					    "invalid redirect Location");
	buf = dup_n(port, loc, n);
	if (!buf)
		return sb_diag_fail(d, SB_ERR_NOMEM, "out of memory");
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
			       url->tls ? "https://" : "http://", (int)alen, auth);
		else
			sb_fmt(origin, sizeof(origin), "%.*s",
			       (int)((size_t)(auth - buf) + alen), buf);
		err = same_origin(port, d, url, r->status, origin);
		path = auth + alen;
		if (*path == '\0')
			path = "/";
	}
	if (err == SB_OK) {
		*out = resolve_path(port, current, path);
		if (!*out)
			err = sb_diag_fail(d, SB_ERR_NOMEM, "out of memory");
		else if (strlen(*out) + 64 > SB_MAX_REQUEST_BYTES)
			err = sb_diag_fail(d, SB_ERR_TOO_LARGE,
					   "redirect Location too long");
	}
	port->free(port->ctx, buf);
	if (err != SB_OK && *out) {
		port->free(port->ctx, *out);
		*out = NULL;
	}
	return err;
}

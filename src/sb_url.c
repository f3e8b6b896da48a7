/* sb_url.c - base-URL parsing and application/x-www-form-urlencoded. */
#include "sb_url.h"

#include <string.h>

#include "sb_net.h"

static int is_alnum(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9');
}

sb_err sb_url_parse(const char *text, sb_url *u, char *msg, size_t msg_cap)
{
	const char *p, *host, *host_end, *path;
	unsigned char v6[16];
	size_t n, i;

	memset(u, 0, sizeof(*u));
	u->path = u->normalized; /* "" until parsed */
	if (!text || !*text) {
		sb_fmt(msg, msg_cap, "empty base URL");
		return SB_ERR_CONFIG;
	}
	for (p = text; *p; p++)
		if ((unsigned char)*p <= 0x20 || (unsigned char)*p >= 0x7f) {
			sb_fmt(msg, msg_cap,
			       "base URL contains a space or a non-ASCII "
			       "or control character");
			return SB_ERR_CONFIG;
		}
	if (sb_ascii_ncaseeq(text, "https://", 8)) {
		u->tls = 1;
		u->port = 443;
		host = text + 8;
	} else if (sb_ascii_ncaseeq(text, "http://", 7)) {
		u->port = 80;
		host = text + 7;
	} else {
		sb_fmt(msg, msg_cap,
		       "base URL must start with https:// or http://");
		return SB_ERR_CONFIG;
	}
	path = host + strcspn(host, "/?#");
	if (*path == '?' || *path == '#' || strpbrk(path, "?#")) {
		sb_fmt(msg, msg_cap,
		       "base URL must not have a query or a fragment");
		return SB_ERR_CONFIG;
	}
	if (memchr(host, '@', (size_t)(path - host))) {
		sb_fmt(msg, msg_cap,
		       "base URL must not contain user information (give the "
		       "token with SONAR_TOKEN or --token-file)");
		return SB_ERR_CONFIG;
	}
	if (*host == '[') {
		host_end = memchr(host, ']', (size_t)(path - host));
		if (!host_end || host_end == host + 1) {
			sb_fmt(msg, msg_cap, "invalid IPv6 address in base URL");
			return SB_ERR_CONFIG;
		}
		for (p = host + 1; p < host_end; p++)
			if (!strchr("0123456789abcdefABCDEF:.", *p)) {
				sb_fmt(msg, msg_cap,
				       "invalid IPv6 address in base URL");
				return SB_ERR_CONFIG;
			}
		n = (size_t)(host_end - host - 1);
		if (sb_ip_parse(host + 1, n, v6) != 16) {
			/* "[ab.be]", "[1.2.3.4]": brackets are for IPv6 only */
			sb_fmt(msg, msg_cap,
			       "invalid base URL: '[%.*s]' is not an IPv6 "
			       "address (brackets hold IPv6 addresses only)",
			       (int)(n > 64 ? 64 : n), host + 1);
			return SB_ERR_CONFIG;
		}
		u->ipv6_literal = 1;
		host++;
		p = host_end + 1;
	} else {
		p = host;
		while (p < path && *p != ':')
			p++;
		n = (size_t)(p - host);
		for (i = 0; i < n; i++)
			if (!is_alnum((unsigned char)host[i]) &&
			    host[i] != '-' && host[i] != '.' && host[i] != '_') {
				sb_fmt(msg, msg_cap,
				       "invalid host name in base URL");
				return SB_ERR_CONFIG;
			}
	}
	if (n == 0 || n > SB_MAX_HOST_LEN) {
		sb_fmt(msg, msg_cap, "missing or too long host in base URL");
		return SB_ERR_CONFIG;
	}
	memcpy(u->host, host, n);
	u->host[n] = '\0';
	if (p < path && *p == ':') {
		unsigned long port = 0;

		for (p++; p < path; p++) {
			if (*p < '0' || *p > '9' || port > 65535) {
				port = 70000;
				break;
			}
			port = port * 10 + (unsigned long)(*p - '0');
		}
		if (port == 0 || port > 65535) {
			sb_fmt(msg, msg_cap, "invalid port in base URL");
			return SB_ERR_CONFIG;
		}
		u->port = (uint16_t)port;
		u->explicit_port = 1;
	} else if (p != path) {
		sb_fmt(msg, msg_cap, "invalid base URL");
		return SB_ERR_CONFIG;
	}
	n = strlen(path);
	while (n > 0 && path[n - 1] == '/')
		n--;
	if (n > SB_MAX_PATH_LEN) {
		sb_fmt(msg, msg_cap, "base URL path is too long");
		return SB_ERR_CONFIG;
	}
	/* Normalized: the text as given, minus trailing slashes. */
	if ((size_t)(path - text) + n >= sizeof(u->normalized)) {
		sb_fmt(msg, msg_cap, "base URL is too long");
		return SB_ERR_CONFIG;
	}
	memcpy(u->normalized, text, (size_t)(path - text) + n);
	u->normalized[(size_t)(path - text) + n] = '\0';
	u->path = u->normalized + (path - text);
	if (strstr(u->path, "//")) {
		sb_fmt(msg, msg_cap, "invalid base URL path");
		return SB_ERR_CONFIG;
	}
	return SB_OK;
}

void sb_url_host_header(const sb_url *u, char *out, size_t cap)
{
	int default_port = u->port == (u->tls ? 443 : 80);

	if (u->ipv6_literal)
		sb_fmt(out, cap, default_port ? "[%s]" : "[%s]:%u", u->host,
		       (unsigned)u->port);
	else
		sb_fmt(out, cap, default_port ? "%s" : "%s:%u", u->host,
		       (unsigned)u->port);
}

sb_err sb_form_encode(const char *s, char *out, size_t cap, size_t *len)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t pos;

	if (!s || !out || !len || *len >= cap)
		return SB_ERR_INVALID_ARG;
	pos = *len;
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (is_alnum(c) || c == '*' || c == '-' || c == '.' ||
		    c == '_') {
			if (pos + 1 >= cap)
				return SB_ERR_BUFFER_TOO_SMALL;
			out[pos++] = (char)c;
		} else if (c == ' ') {
			if (pos + 1 >= cap)
				return SB_ERR_BUFFER_TOO_SMALL;
			out[pos++] = '+';
		} else {
			if (pos + 3 >= cap)
				return SB_ERR_BUFFER_TOO_SMALL;
			out[pos++] = '%';
			out[pos++] = hex[c >> 4];
			out[pos++] = hex[c & 15];
		}
	}
	out[pos] = '\0';
	*len = pos;
	return SB_OK;
}

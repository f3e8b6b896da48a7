/*
 * sb_version.c - which SonarQube answers: api/server/version, read once
 * per client, parsed and classified. The formats (read from SonarSource's
 * releases and clients):
 *   SonarQube 9.x / 10.x   MAJOR.MINOR.PATCH.BUILD   9.9.8.100196
 *   Server 2025.1 and on   YEAR.MINOR.PATCH.BUILD    2025.1.0.102418
 *   Community Build        YY.MINOR.PATCH.BUILD      25.1.0.102122
 *   SonarQube Cloud        8.0.0.BUILD               8.0.0.82356
 * SonarQube Cloud answers an 8.0 version; SonarQube 8.0 itself was
 * 8.0.0.29455 (SonarSource/sonar-scanner-msbuild, SonarProduct.cs,
 * IsSonarCloud; SonarSource/docker-sonarqube for the others).
 */
#include <string.h>

#include "sb_client.h"

#define SQ80_BUILD 29455ul

static int read_number(const char **p, unsigned long max, unsigned long *out)
{
	unsigned long v = 0;
	const char *s = *p;

	if (*s < '0' || *s > '9')
		return -1;
	for (; *s >= '0' && *s <= '9'; s++) {
		if (v > (max - (unsigned long)(*s - '0')) / 10)
			return -1;
		v = v * 10 + (unsigned long)(*s - '0');
	}
	*p = s;
	*out = v;
	return 0;
}

sb_err sb_version_parse(const char *text, sb_server_version *out)
{
	unsigned long part[4] = {0, 0, 0, 0};
	const char *p = text;
	int n = 0;

	if (!text || !out)
		return SB_ERR_INVALID_ARG;
	memset(out, 0, sizeof(*out));
	for (n = 0; n < 4; n++) {
		if (read_number(&p, n == 3 ? 0xfffffffful : 0xffffu, &part[n]) != 0)
			return SB_ERR_UNSUPPORTED;
		if (*p != '.')
			break;
		p++;
	}
	/* At least MAJOR.MINOR, then nothing but line white space. */
	if (n < 1 || (*p && strspn(p, " \t\r\n") != strlen(p)))
		return SB_ERR_UNSUPPORTED;
	out->major = (unsigned)part[0];
	out->minor = (unsigned)part[1];
	out->patch = (unsigned)part[2];
	out->build = part[3];
	sb_fmt(out->text, sizeof(out->text), "%.*s", (int)strcspn(text, " \t\r\n"),
	       text);
	/* Server is 9.x, 10.x or 2025 and on; Community Build 24 to 99. */
	if (out->major >= 24 && out->major <= 99)
		out->flavour = SB_FLAVOUR_COMMUNITY_BUILD;
	else if (out->major == 8 && out->minor == 0 && out->build != SQ80_BUILD)
		out->flavour = SB_FLAVOUR_CLOUD;
	else
		out->flavour = SB_FLAVOUR_SERVER;
	return SB_OK;
}

int sb_version_at_least(const sb_server_version *v, unsigned major,
			unsigned minor)
{
	return v->major > major || (v->major == major && v->minor >= minor);
}

void sb_version_describe(const sb_server_version *v, char *out, size_t cap)
{
	switch (v->flavour) {
	case SB_FLAVOUR_CLOUD:
		sb_fmt(out, cap, "SonarQube Cloud");
		break;
	case SB_FLAVOUR_COMMUNITY_BUILD:
		sb_fmt(out, cap, "SonarQube Community Build %u.%u", v->major,
		       v->minor);
		break;
	case SB_FLAVOUR_SERVER:
		sb_fmt(out, cap, "SonarQube %u.%u", v->major, v->minor);
		break;
	default:
		sb_fmt(out, cap, "an unknown SonarQube");
		break;
	}
}

/* Copy a plain-text body, one line, for parsing. */
static int body_text(const sb_http_response *r, char *out, size_t cap)
{
	size_t n = r->body.len;

	if (n == 0 || n >= cap)
		return -1;
	memcpy(out, r->body.data, n);
	out[n] = '\0';
	return 0;
}

sb_err sb_client_version(sb_client *c, sb_server_version *out)
{
	/* Public, and never given the user token (SonarQube reads no
	 * credentials there: UserSessionInitializer's skipped URLs). */
	static const sb_request rq = {"GET", "/api/server/version", NULL, 1, 0};
	char text[64];
	sb_reply reply;
	sb_err err;

	if (c->version_known) {
		*out = c->version;
		return SB_OK;
	}
	err = sb_client_request(c, &rq, &reply);
	if (err != SB_OK)
		return err;
	if (reply.http->status != 200 ||
	    body_text(reply.http, text, sizeof(text)) != 0 ||
	    sb_version_parse(text, &c->version) != SB_OK)
		return sb_diag_fail(&c->diag, SB_ERR_CONFIG,
				    "no SonarQube at %s (api/server/version "
				    "answered HTTP %d%s; check --url and its "
				    "context path)",
				    c->url.normalized, reply.http->status,
				    reply.http->status == 200
					    ? " without a version"
					    : "");
	if (c->sonarcloud)
		c->version.flavour = SB_FLAVOUR_CLOUD;
	c->version_known = 1;
	sb_diag_trace(&c->diag, "* server version %s", c->version.text);
	*out = c->version;
	return SB_OK;
}

sb_err sb_server_info(sb_client *c, sb_server_version *out)
{
	if (!c || !out)
		return SB_ERR_INVALID_ARG;
	sb_client_begin(c);
	return sb_client_version(c, out);
}

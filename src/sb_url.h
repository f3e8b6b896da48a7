/* sb_url.h - base-URL parsing and URL encoding. Pure code. */
#ifndef SB_URL_H
#define SB_URL_H

#include <stdint.h>

#include "sb_util.h"

typedef struct sb_url {
	int tls;			   /* https */
	char host[SB_MAX_HOST_LEN + 1];	   /* without IPv6 brackets */
	int ipv6_literal;		   /* host was [..] */
	uint16_t port;			   /* explicit or default */
	int explicit_port;		   /* the URL named a port */
	/* The URL as given minus trailing slashes, and its path ("" or
	 * "/ctx"), which is the tail of normalized (so never copy an sb_url
	 * by value). */
	char normalized[SB_MAX_HOST_LEN + SB_MAX_PATH_LEN + 32];
	const char *path;
} sb_url;

/*
 * Parse scheme://host[:port][/path] (http or https). User info, queries
 * and fragments are rejected: credentials never go in a URL here. The
 * message says what is wrong.
 */
sb_err sb_url_parse(const char *text, sb_url *u, char *msg, size_t msg_cap);

/* The Host header value: host, [v6] and :port when not the default. */
void sb_url_host_header(const sb_url *u, char *out, size_t cap);

#endif

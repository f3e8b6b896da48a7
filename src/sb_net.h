/*
 * sb_net.h - pure helpers for reaching a server: IP literals, curl's
 * NO_PROXY matching, --resolve entries, proxy URLs, --pinnedpubkey
 * lists and Retry-After values. No I/O.
 */
#ifndef SB_NET_H
#define SB_NET_H

#include <stdint.h>

#include "sb_util.h"

/* Parse an IPv4 or IPv6 literal (no brackets); returns 4, 16 or 0. */
int sb_ip_parse(const char *s, size_t len, unsigned char out[16]);

/*
 * Does host bypass the proxy under list (curl's NO_PROXY rules)? A comma
 * list (a blank not followed by a comma ends it); "*" as the whole list
 * matches every host; an entry matches the host itself or any name below
 * it on a dot boundary (one leading and one trailing dot are ignored); an
 * IP address host matches an address entry literally or by CIDR range
 * (10.0.0.0/8, fd00::/8; /0 is every address, unlike curl; IPv6 entries
 * may be in brackets, unlike curl).
 */
int sb_noproxy_match(const char *list, const char *host);

/*
 * Look host:port up in curl-style --resolve entries (HOST:PORT:ADDR
 * [,ADDR...], IPv6 addresses with or without brackets). Copies up to max
 * addresses into addrs; returns how many (0: no entry for host:port), or
 * -1 when an entry is malformed (msg says which).
 */
int sb_resolve_lookup(const char *const *entries, const char *host,
		      uint16_t port, char addrs[][64], int max, char *msg,
		      size_t msg_cap);

typedef struct sb_proxy_url {
	char host[SB_MAX_HOST_LEN + 1];
	uint16_t port;
	int has_credentials;
	char user[128];	    /* percent-decoded */
	char password[256]; /* percent-decoded; secret */
	char display[SB_MAX_HOST_LEN + 48]; /* credentials masked */
} sb_proxy_url;

/* Parse http://[user[:password]@]host[:port][/]; default port 1080 as
 * curl has it. Messages never contain the credentials. */
sb_err sb_proxy_parse(const char *text, sb_proxy_url *p, char *msg,
		      size_t msg_cap);

/* Write p->display: scheme, masked credentials, host and port. */
void sb_proxy_display(sb_proxy_url *p);

/* Parse "sha256//BASE64[;sha256//BASE64...]" into 32-byte hashes. */
int sb_pins_parse(const char *text, unsigned char pins[][32], int max);

/*
 * Retry-After: delay-seconds, or an HTTP date measured against the
 * answer's Date header (date_hdr, may be NULL) or else now_unix (when
 * >= 0). Returns 0 and *ms (capped at 2^31 - 1), or -1 when unparsable.
 */
int sb_retry_after_ms(const char *value, size_t len, const char *date_hdr,
		      size_t date_len, int64_t now_unix, uint32_t *ms);
/* Parse an HTTP date (IMF-fixdate, RFC 850 or asctime) to Unix time. */
int sb_http_date(const char *s, size_t len, int64_t *out);


#endif

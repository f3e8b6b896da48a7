/*
 * sb_net.c - pure helpers for reaching a server: IP literals, curl's
 * NO_PROXY matching, --resolve entries, proxy URLs, pinned public keys
 * and Retry-After values.
 */
#include "sb_net.h"

#include <stdio.h>
#include <string.h>

/* ---------------------------------------------------------------------
 * IP literals
 * ------------------------------------------------------------------- */

static int ipv4_parse(const char *s, size_t len, unsigned char out[4])
{
	size_t i = 0;
	int part;

	for (part = 0; part < 4; part++) {
		unsigned v = 0, digits = 0;

		while (i < len && s[i] >= '0' && s[i] <= '9') {
			v = v * 10 + (unsigned)(s[i] - '0');
			if (++digits > 3 || v > 255)
				return 0;
			i++;
		}
		if (digits == 0)
			return 0;
		out[part] = (unsigned char)v;
		if (part < 3) {
			if (i >= len || s[i] != '.')
				return 0;
			i++;
		}
	}
	return i == len ? 4 : 0;
}

static int ipv6_parse(const char *s, size_t len, unsigned char out[16])
{
	unsigned char words[16];
	int n = 0, gap = -1;
	size_t i = 0;

	if (len >= 2 && s[0] == ':' && s[1] == ':') {
		gap = 0;
		i = 2;
	} else if (len && s[0] == ':') {
		return 0;
	}
	while (i < len) {
		size_t start = i;
		unsigned v = 0;
		int d = 0;

		if (n >= 16)
			return 0;
		while (i < len && sb_hex_value(s[i]) >= 0 && d < 5) {
			v = (v << 4) | (unsigned)sb_hex_value(s[i]);
			i++;
			d++;
		}
		if (i < len && s[i] == '.') { /* embedded IPv4 at the end */
			if (n > 12 || ipv4_parse(s + start, len - start,
						 words + n) != 4)
				return 0;
			n += 4;
			break; /* the IPv4 part ends the address */
		}
		if (d == 0 || d > 4)
			return 0;
		words[n++] = (unsigned char)(v >> 8);
		words[n++] = (unsigned char)v;
		if (i == len)
			break;
		if (s[i] != ':')
			return 0;
		i++;
		if (i < len && s[i] == ':') {
			if (gap >= 0)
				return 0;
			gap = n;
			i++;
		} else if (i == len) {
			return 0; /* trailing single colon */
		}
	}
	if (gap < 0 && n != 16)
		return 0;
	if (gap >= 0) {
		int tail = n - gap;

		if (n >= 16)
			return 0;
		memset(out, 0, 16);
		memcpy(out, words, (size_t)gap);
		memcpy(out + 16 - tail, words + gap, (size_t)tail);
	} else {
		memcpy(out, words, 16);
	}
	return 16;
}

int sb_ip_parse(const char *s, size_t len, unsigned char out[16])
{
	if (!s || len == 0 || len > 45)
		return 0;
	if (memchr(s, ':', len))
		return ipv6_parse(s, len, out);
	return ipv4_parse(s, len, out);
}

/* ---------------------------------------------------------------------
 * NO_PROXY
 * ------------------------------------------------------------------- */

static int cidr_match(const char *entry, size_t len, const unsigned char *ip,
		      int iplen)
{
	unsigned char net[16];
	const char *slash = memchr(entry, '/', len), *addr = entry;
	size_t alen = slash ? (size_t)(slash - entry) : len;
	int bits, nlen, full, rest;

	if (alen >= 2 && addr[0] == '[' && addr[alen - 1] == ']') {
		addr++;
		alen -= 2;
	}
	nlen = sb_ip_parse(addr, alen, net);
	if (nlen == 0 || nlen != iplen)
		return 0;
	bits = nlen * 8;
	if (slash) {
		const char *b = slash + 1;
		size_t blen = (size_t)(entry + len - b), k;
		int v = 0;

		if (blen == 0 || blen > 3)
			return 0;
		for (k = 0; k < blen; k++) {
			if (b[k] < '0' || b[k] > '9')
				return 0;
			v = v * 10 + (b[k] - '0');
		}
		if (v > bits)
			return 0;
		bits = v;
	}
	full = bits / 8;
	rest = bits % 8;
	if (memcmp(net, ip, (size_t)full) != 0)
		return 0;
	if (rest) {
		unsigned char mask = (unsigned char)(0xff << (8 - rest));

		if ((net[full] & mask) != (ip[full] & mask))
			return 0;
	}
	return 1;
}

int sb_noproxy_match(const char *list, const char *host)
{
	unsigned char ip[16];
	size_t hlen;
	int iplen;
	const char *p;

	if (!list || !host)
		return 0;
	hlen = strlen(host);
	while (hlen && host[hlen - 1] == '.') /* "example.com." */
		hlen--;
	if (hlen == 0)
		return 0;
	iplen = sb_ip_parse(host, hlen, ip);
	p = list;
	while (*p) {
		const char *s, *e;
		size_t n;

		while (*p == ' ' || *p == '\t' || *p == ',')
			p++;
		s = p;
		while (*p && *p != ',' && *p != ' ' && *p != '\t')
			p++;
		e = p;
		if (s == e)
			continue;
		n = (size_t)(e - s);
		if (n == 1 && *s == '*')
			return 1;
		if (iplen) {
			if (cidr_match(s, n, ip, iplen))
				return 1;
			continue;
		}
		if (*s == '.') {
			s++;
			n--;
		}
		while (n && s[n - 1] == '.')
			n--;
		if (n == 0 || n > hlen)
			continue;
		if (!sb_ascii_ncaseeq(host + hlen - n, s, n))
			continue;
		if (n == hlen || host[hlen - n - 1] == '.')
			return 1;
	}
	return 0;
}

/* ---------------------------------------------------------------------
 * --resolve HOST:PORT:ADDR[,ADDR...]
 * ------------------------------------------------------------------- */

int sb_resolve_lookup(const char *const *entries, const char *host,
		      uint16_t port, char addrs[][64], int max, char *msg,
		      size_t msg_cap)
{
	size_t i;

	for (i = 0; entries && entries[i]; i++) {
		const char *e = entries[i], *c1, *c2, *a;
		unsigned long eport = 0;
		int count = 0;

		if (*e == '+')
			e++; /* curl's "add after the fact" marker */
		c1 = strchr(e, ':');
		c2 = c1 ? strchr(c1 + 1, ':') : NULL;
		if (!c1 || !c2 || c1 == e || c2 == c1 + 1 || !c2[1])
			goto bad;
		for (a = c1 + 1; a < c2; a++) {
			if (*a < '0' || *a > '9' || eport > 65535)
				goto bad;
			eport = eport * 10 + (unsigned long)(*a - '0');
		}
		if (eport == 0 || eport > 65535)
			goto bad;
		/* Validate every address of the entry, matching or not. */
		a = c2 + 1;
		while (*a) {
			const char *end = strchr(a, ',');
			size_t n = end ? (size_t)(end - a) : strlen(a);
			unsigned char ip[16];
			const char *lit = a;

			if (n >= 2 && a[0] == '[' && a[n - 1] == ']') {
				lit++;
				n -= 2;
			}
			if (!sb_ip_parse(lit, n, ip))
				goto bad;
			if ((size_t)(c1 - e) == strlen(host) &&
			    sb_ascii_ncaseeq(e, host, strlen(host)) &&
			    eport == port && count < max) {
				memcpy(addrs[count], lit, n);
				addrs[count][n] = '\0';
				count++;
			}
			a = end ? end + 1 : a + strlen(a);
		}
		if (count)
			return count;
		continue;
bad:
		sb_fmt(msg, msg_cap,
		       "invalid --resolve entry '%.80s' (want HOST:PORT:ADDR)",
		       entries[i]);
		return -1;
	}
	return 0;
}

/* ---------------------------------------------------------------------
 * Proxy URLs
 * ------------------------------------------------------------------- */

/* Percent-decode n bytes of s into out; -1 on a bad escape or overflow. */
static int pct_decode(const char *s, size_t n, char *out, size_t cap)
{
	size_t i, o = 0;

	for (i = 0; i < n; i++) {
		int c = (unsigned char)s[i];

		if (c == '%') {
			int h, l;

			if (i + 2 >= n)
				return -1;
			h = sb_hex_value(s[i + 1]);
			l = h >= 0 ? sb_hex_value(s[i + 2]) : -1;
			if (h < 0 || l < 0)
				return -1;
			c = h * 16 + l;
			i += 2;
		}
		if (c == 0 || o + 1 >= cap)
			return -1;
		out[o++] = (char)c;
	}
	out[o] = '\0';
	return 0;
}

sb_err sb_proxy_parse(const char *text, sb_proxy_url *p, char *msg,
		      size_t msg_cap)
{
	const char *rest, *at, *hp, *end, *colon;
	size_t n;
	unsigned long port = 1080;

	memset(p, 0, sizeof(*p));
	if (!text || !*text) {
		sb_fmt(msg, msg_cap, "empty proxy URL");
		return SB_ERR_CONFIG;
	}
	if (sb_ascii_ncaseeq(text, "http://", 7)) {
		rest = text + 7;
	} else if (strstr(text, "://")) {
		/* Name the scheme only when it is one curl knows for
		 * proxies: any other text before "://" may be a mistyped
		 * URL holding the password ("user:pw@h/x://", or a scheme
		 * that happens to contain it). */
		static const char *const known[] = {
			"https", "socks4", "socks4a", "socks5", "socks5h",
		};
		size_t k = (size_t)(strstr(text, "://") - text), i;
		const char *name = NULL;

		for (i = 0; i < sizeof(known) / sizeof(known[0]); i++)
			if (strlen(known[i]) == k &&
			    sb_ascii_ncaseeq(text, known[i], k))
				name = known[i];
		if (name)
			sb_fmt(msg, msg_cap,
			       "unsupported proxy scheme '%s://' (only http:// "
			       "proxies)",
			       name);
		else
			sb_fmt(msg, msg_cap,
			       "unsupported proxy scheme (only http:// "
			       "proxies)");
		return SB_ERR_CONFIG;
	} else {
		rest = text; /* curl: a bare host:port is an HTTP proxy */
	}
	end = rest + strcspn(rest, "/?#");
	if (*end && strcmp(end, "/") != 0) {
		sb_fmt(msg, msg_cap, "proxy URL must not have a path");
		return SB_ERR_CONFIG;
	}
	at = NULL;
	for (hp = rest; hp < end; hp++)
		if (*hp == '@')
			at = hp;
	if (at) {
		const char *sep = memchr(rest, ':', (size_t)(at - rest));
		size_t ulen = sep ? (size_t)(sep - rest) : (size_t)(at - rest);

		if (pct_decode(rest, ulen, p->user, sizeof(p->user)) != 0 ||
		    (sep && pct_decode(sep + 1, (size_t)(at - sep - 1),
				       p->password,
				       sizeof(p->password)) != 0)) {
			sb_wipe(p->password, sizeof(p->password));
			sb_fmt(msg, msg_cap,
			       "invalid credentials in the proxy URL");
			return SB_ERR_CONFIG;
		}
		p->has_credentials = 1;
		hp = at + 1;
	} else {
		hp = rest;
	}
	if (*hp == '[') {
		const char *rb = memchr(hp, ']', (size_t)(end - hp));

		if (!rb)
			goto bad_host;
		n = (size_t)(rb - hp - 1);
		if (n == 0 || n > SB_MAX_HOST_LEN)
			goto bad_host;
		memcpy(p->host, hp + 1, n);
		colon = rb + 1 < end && rb[1] == ':' ? rb + 1 : NULL;
		if (rb + 1 < end && !colon)
			goto bad_host;
	} else {
		colon = memchr(hp, ':', (size_t)(end - hp));
		n = (size_t)((colon ? colon : end) - hp);
		if (n == 0 || n > SB_MAX_HOST_LEN)
			goto bad_host;
		memcpy(p->host, hp, n);
	}
	p->host[n] = '\0';
	if (colon) {
		const char *d;

		port = 0;
		for (d = colon + 1; d < end; d++) {
			if (*d < '0' || *d > '9' || port > 65535)
				goto bad_port;
			port = port * 10 + (unsigned long)(*d - '0');
		}
		if (port == 0 || port > 65535)
			goto bad_port;
	}
	p->port = (uint16_t)port;
	sb_proxy_display(p);
	return SB_OK;
bad_host:
	sb_wipe(p->password, sizeof(p->password));
	sb_fmt(msg, msg_cap, "invalid host in the proxy URL");
	return SB_ERR_CONFIG;
bad_port:
	sb_wipe(p->password, sizeof(p->password));
	sb_fmt(msg, msg_cap, "invalid port in the proxy URL");
	return SB_ERR_CONFIG;
}

/* ---------------------------------------------------------------------
 * --pinnedpubkey
 * ------------------------------------------------------------------- */

int sb_pins_parse(const char *text, unsigned char pins[][32], int max)
{
	int count = 0;
	const char *p = text;

	if (!text || !*text)
		return -1;
	while (*p) {
		const char *e = strchr(p, ';');
		size_t n = e ? (size_t)(e - p) : strlen(p), got = 0;

		if (n < 8 || strncmp(p, "sha256//", 8) != 0 || count >= max)
			return -1;
		if (sb_base64_decode(p + 8, n - 8, pins[count], 32, &got) != 0 ||
		    got != 32)
			return -1;
		count++;
		if (!e)
			break;
		p = e + 1;
	}
	return count ? count : -1;
}

/* ---------------------------------------------------------------------
 * Retry-After and HTTP dates
 * ------------------------------------------------------------------- */

/* Days since 1970-01-01 of a civil date (proleptic Gregorian). */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
	int64_t era;
	unsigned yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = (unsigned)(y - era * 400);
	doy = (153 * (m + (m > 2 ? (unsigned)-3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

static int month_index(const char *m)
{
	static const char names[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
	int i;

	for (i = 0; i < 12; i++)
		if (strncmp(names + i * 3, m, 3) == 0)
			return i + 1;
	return 0;
}

int sb_http_date(const char *s, size_t len, int64_t *out)
{
	char buf[64], mon[4], tz[4] = "";
	int d, y, hh, mm, ss, consumed = 0, m;

	if (len == 0 || len >= sizeof(buf))
		return -1;
	memcpy(buf, s, len);
	buf[len] = '\0';
	/* IMF-fixdate: Sun, 06 Nov 1994 08:49:37 GMT */
	if (sscanf(buf, "%*3s, %2d %3s %4d %2d:%2d:%2d %3s%n", &d, mon, &y,
		   &hh, &mm, &ss, tz, &consumed) == 7 &&
	    (size_t)consumed == len) {
		/* ok */
	} else if (sscanf(buf, "%*[A-Za-z], %2d-%3s-%2d %2d:%2d:%2d %3s%n",
			  &d, mon, &y, &hh, &mm, &ss, tz, &consumed) == 7 &&
		   (size_t)consumed == len) {
		/* RFC 850: Sunday, 06-Nov-94 08:49:37 GMT */
		y += y < 70 ? 2000 : 1900;
	} else if (sscanf(buf, "%*3s %3s %2d %2d:%2d:%2d %4d%n", mon, &d, &hh,
			  &mm, &ss, &y, &consumed) == 6 &&
		   (size_t)consumed == len) {
		strcpy(tz, "GMT"); /* asctime: Sun Nov  6 08:49:37 1994 */
	} else {
		return -1;
	}
	m = month_index(mon);
	if (!m || strcmp(tz, "GMT") != 0 || d < 1 || d > 31 || hh > 23 ||
	    mm > 59 || ss > 60 || y < 1970 || y > 9999 || hh < 0 || mm < 0 ||
	    ss < 0)
		return -1;
	*out = days_from_civil(y, (unsigned)m, (unsigned)d) * 86400 +
	       hh * 3600 + mm * 60 + ss;
	return 0;
}

int sb_retry_after_ms(const char *value, size_t len, const char *date_hdr,
		      size_t date_len, int64_t now_unix, uint32_t *ms)
{
	size_t i;
	int64_t when, now, secs = 0;

	while (len && (value[len - 1] == ' ' || value[len - 1] == '\t'))
		len--;
	if (len == 0)
		return -1;
	if (value[0] >= '0' && value[0] <= '9') {
		for (i = 0; i < len; i++) {
			if (value[i] < '0' || value[i] > '9')
				return -1;
			if (secs < 3000000)
				secs = secs * 10 + (value[i] - '0');
		}
	} else {
		if (sb_http_date(value, len, &when) != 0)
			return -1;
		if (date_hdr && sb_http_date(date_hdr, date_len, &now) == 0)
			; /* the server's own clock: no skew */
		else if (now_unix >= 0)
			now = now_unix;
		else
			return -1;
		secs = when > now ? when - now : 0;
	}
	*ms = secs > 2147483 ? 2147483647u : (uint32_t)(secs * 1000);
	return 0;
}

void sb_proxy_display(sb_proxy_url *p)
{
	sb_fmt(p->display, sizeof(p->display), "http://%s%s%s%s:%u",
	       p->has_credentials ? "***:***@" : "", strchr(p->host, ':') ? "[" : "",
	       p->host, strchr(p->host, ':') ? "]" : "", (unsigned)p->port);
}

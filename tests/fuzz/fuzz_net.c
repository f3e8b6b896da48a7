/*
 * fuzz_net.c - the network helpers of sb_net.c that read user and server
 * text: the NO_PROXY matcher, IP literals, --resolve entries, proxy URLs
 * (whose messages must never carry the credentials), --pinnedpubkey
 * lists, Retry-After values and HTTP dates.
 *
 * Input: lines. Line 1 is a NO_PROXY list, line 2 a host name; the
 * other helpers get line 1 (proxy URL, pins, resolve entry) or line 2
 * (IP literal, Retry-After, date).
 */
#include "fuzz_common.h"
#include "sb_net.h"

unsigned long fuzz_accepted;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static sb_proxy_url proxy;
	static unsigned char pins[SB_MAX_PINS][32];
	char *text, *host, *nl, msg[SB_MAX_MESSAGE_LEN];
	char addrs[SB_MAX_RESOLVE_ADDRS][64];
	const char *entries[2];
	unsigned char ip[16];
	int64_t t;
	uint32_t ms;
	int n;

	if (size > 4096)
		return 0;
	text = malloc(size + 1);
	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	host = text + size;
	nl = strchr(text, '\n');
	if (nl) {
		*nl = '\0';
		host = nl + 1;
		nl = strchr(host, '\n');
		if (nl)
			*nl = '\0';
	}

	n = sb_noproxy_match(text, host);
	FUZZ_ASSERT(n == 0 || n == 1);
	if (n)
		fuzz_accepted++;
	/* "*" bypasses every host (a name of dots only is no host). */
	if (host[strspn(host, ".")] != '\0')
		FUZZ_ASSERT(sb_noproxy_match("*", host) == 1);

	n = sb_ip_parse(host, strlen(host), ip);
	FUZZ_ASSERT(n == 0 || n == 4 || n == 16);

	entries[0] = text;
	entries[1] = NULL;
	msg[0] = '\0';
	n = sb_resolve_lookup(entries, host, 443, addrs, SB_MAX_RESOLVE_ADDRS,
			      msg, sizeof(msg));
	FUZZ_ASSERT(n >= -1 && n <= SB_MAX_RESOLVE_ADDRS);

	msg[0] = '\0';
	if (sb_proxy_parse(text, &proxy, msg, sizeof(msg)) == SB_OK) {
		FUZZ_ASSERT(proxy.port != 0);
		/* The display masks the credentials: it is the scheme,
		 * "***:***@" when there are some, then the host and port
		 * only (which may contain the password's text themselves). */
		char expect[sizeof(proxy.display)];
		int v6 = strchr(proxy.host, ':') != NULL;

		snprintf(expect, sizeof(expect), "http://%s%s%s%s:%u",
			 proxy.has_credentials ? "***:***@" : "",
			 v6 ? "[" : "", proxy.host, v6 ? "]" : "",
			 (unsigned)proxy.port);
		FUZZ_ASSERT(strcmp(proxy.display, expect) == 0);
		fuzz_accepted++;
	} else {
		/* The message never repeats a password given in the URL. */
		const char *at = strrchr(text, '@');
		const char *colon = strstr(text, "://");

		colon = colon ? strchr(colon + 3, ':') : NULL;
		if (at && colon && colon < at && at - colon > 8) {
			char pw[64];
			size_t k = (size_t)(at - colon - 1);

			if (k < sizeof(pw) && !memchr(colon + 1, '%', k)) {
				memcpy(pw, colon + 1, k);
				pw[k] = '\0';
				FUZZ_ASSERT(!strstr(msg, pw));
			}
		}
	}

	n = sb_pins_parse(text, pins, SB_MAX_PINS);
	FUZZ_ASSERT(n <= SB_MAX_PINS);

	if (sb_retry_after_ms(host, strlen(host), text, strlen(text),
			      1700000000, &ms) == 0)
		FUZZ_ASSERT(ms <= 0x7fffffffu);
	(void)sb_retry_after_ms(host, strlen(host), NULL, 0, -1, &ms);
	(void)sb_http_date(host, strlen(host), &t);
	free(text);
	return 0;
}

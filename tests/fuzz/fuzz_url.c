/*
 * fuzz_url.c - base-URL parsing (sb_url.c) and everything else that turns
 * user or server text into URLs and lines: form encoding, the badge URL
 * and Markdown builders, the Host header, the trace redactor and the
 * printable filter.
 *
 * Input: a base URL, optionally followed by "\n" and a project key, "\n"
 * and a branch ("\n" and more are ignored). The base URL alone goes
 * through sb_url_parse; all parts feed the builders.
 */
#include "fuzz_common.h"
#include "sb_url.h"

unsigned long fuzz_accepted;

/* Does s contain only characters a URL may carry unescaped? */
static int url_safe(const char *s)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c <= 0x20 || c >= 0x7f || c == '"' || c == '<' ||
		    c == '>' || c == '\\')
			return 0;
	}
	return 1;
}

static void builders(const char *base, const char *project,
		     const char *branch, int sonarcloud)
{
	static char out[4 * SB_MAX_PATH_LEN + 4096];
	sb_badge_spec spec;
	size_t len = 0;

	memset(&spec, 0, sizeof(spec));
	spec.base_url = base;
	spec.project = project;
	spec.branch = branch;
	spec.metric = "coverage";
	spec.token = "sqb_0123456789abcdef0123456789abcdef01234567";
	spec.sonarcloud = sonarcloud;
	if (sb_badge_image_url(&spec, out, sizeof(out)) == SB_OK) {
		FUZZ_ASSERT(strlen(out) < sizeof(out));
		/* Key and branch are encoded: only the base can be odd. */
		FUZZ_ASSERT(!url_safe(base) || url_safe(out));
	}
	spec.metric = NULL;
	(void)sb_badge_image_url(&spec, out, 64);
	(void)sb_badge_link_url(&spec, out, sizeof(out));
	(void)sb_badge_markdown(&spec, out, sizeof(out));
	(void)sb_badge_markdown(&spec, out, 100);
	if (sb_form_encode(project, out, sizeof(out), &len) == SB_OK) {
		FUZZ_ASSERT(len == strlen(out));
		FUZZ_ASSERT(url_safe(out));
	}
	len = 0;
	(void)sb_form_encode(project, out, 16, &len);
	FUZZ_ASSERT(len < 16);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static sb_url u;
	char *text, *project, *branch, *nl;
	char msg[SB_MAX_MESSAGE_LEN], host[SB_MAX_HOST_LEN + 16];
	char line[256];

	if (size > 8192)
		return 0;
	text = malloc(size + 1);
	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	project = "";
	branch = NULL;
	nl = strchr(text, '\n');
	if (nl) {
		*nl = '\0';
		project = nl + 1;
		nl = strchr(project, '\n');
		if (nl) {
			*nl = '\0';
			branch = nl + 1;
			nl = strchr(branch, '\n');
			if (nl)
				*nl = '\0';
		}
	}

	msg[0] = '\0';
	if (sb_url_parse(text, &u, msg, sizeof(msg)) == SB_OK) {
		FUZZ_ASSERT(u.host[0] != '\0');
		FUZZ_ASSERT(strlen(u.host) <= SB_MAX_HOST_LEN);
		FUZZ_ASSERT(strlen(u.path) <= SB_MAX_PATH_LEN);
		FUZZ_ASSERT(u.port != 0);
		FUZZ_ASSERT(u.path[0] == '\0' || u.path[0] == '/');
		FUZZ_ASSERT(!strchr(u.host, '@') && !strchr(u.path, '?'));
		FUZZ_ASSERT(strncmp(u.normalized, text,
				    strlen(u.normalized)) == 0);
		sb_url_host_header(&u, host, sizeof(host));
		FUZZ_ASSERT(!strpbrk(host, "\r\n /"));
		fuzz_accepted++;
	} else {
		FUZZ_ASSERT(msg[0] != '\0'); /* every rejection says why */
	}
	builders(text, project, branch, (int)(size & 1));

	/* The trace filters: never a control character, never longer. */
	sb_redact(text, line, sizeof(line));
	FUZZ_ASSERT(strlen(line) < sizeof(line));
	{
		size_t i;

		for (i = 0; line[i]; i++)
			FUZZ_ASSERT((unsigned char)line[i] >= 0x20 &&
				    line[i] != 0x7f);
	}
	sb_printable(project, line, sizeof(line));
	free(text);
	return 0;
}

/*
 * test_curl_noproxy.c - curl's NO_PROXY cases (tests/unit/unit1614.c,
 * vendored as tests/conformance/curl/unit1614.txt with sonarbadge's own
 * cases after them) through sb_noproxy_match, one test per line. Each
 * line gives curl's answer and sonarbadge's; they may differ only on a
 * line that says why.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "sb_net.h"

#define CASES "tests/conformance/curl/unit1614.txt"

static char line[1024];
static unsigned cases, differences;

/* The case in line: HOST|NO_PROXY|CURL|SONARBADGE[|WHY]. */
TEST(noproxy_case)
{
	char *host = line, *list, *curl, *ours, *why;
	int got;

	list = strchr(host, '|');
	curl = list ? strchr(list + 1, '|') : NULL;
	ours = curl ? strchr(curl + 1, '|') : NULL;
	CHECKF(ours != NULL, "not HOST|NO_PROXY|CURL|SONARBADGE[|WHY]");
	*list++ = '\0';
	*curl++ = '\0';
	*ours++ = '\0';
	why = strchr(ours, '|');
	if (why)
		*why++ = '\0';
	CHECKF((!strcmp(curl, "0") || !strcmp(curl, "1")) &&
		       (!strcmp(ours, "0") || !strcmp(ours, "1")),
	       "answers must be 0 or 1");
	CHECKF((strcmp(curl, ours) != 0) == (why && *why),
	       "the answers differ exactly when a reason is given");
	cases++;
	if (why)
		differences++;
	got = sb_noproxy_match(list, host);
	CHECKF(got == atoi(ours), "host \"%s\", NO_PROXY \"%s\": %d, want %s "
				  "(curl: %s)",
	       host, list, got, ours, curl);
}

/* curl's 95 cases and ours were all read. */
TEST(all_cases_read)
{
	CHECKF(cases > 100, "only %u cases", cases);
}

int main(void)
{
	FILE *f = fopen(CASES, "r");
	char name[64];
	unsigned lineno = 0;

	if (!f) {
		printf("FAIL cannot read " CASES " (run from the top folder)\n"
		       "0 passed, 1 failed\n");
		return 1;
	}
	while (fgets(line, sizeof(line), f)) {
		char *nl = strchr(line, '\n');

		lineno++;
		if (nl)
			*nl = '\0';
		if (line[0] == '#' || line[0] == '\0')
			continue;
		snprintf(name, sizeof(name), "unit1614.txt:%u", lineno);
		harness_run(name, noproxy_case);
	}
	fclose(f);
	printf("curl unit1614 NO_PROXY: %u cases, %u deliberate differences "
	       "from curl\n",
	       cases, differences);
	RUN(all_cases_read);
	return harness_main();
}

/*
 * test_curl_noproxy.c - curl's NO_PROXY cases (tests/unit/unit1614.c,
 * vendored as tests/conformance/curl/unit1614.txt with sonarbadge's own
 * cases after them) through sb_noproxy_match. Each line gives curl's
 * answer and sonarbadge's; they may differ only on a line that says why.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "sb_net.h"

#define CASES "tests/conformance/curl/unit1614.txt"

TEST(unit1614_cases)
{
	FILE *f = fopen(CASES, "r");
	char line[1024];
	unsigned lineno = 0, cases = 0, failures = 0, differences = 0;

	CHECKF(f != NULL, "cannot read " CASES " (run from the top folder)");
	while (fgets(line, sizeof(line), f)) {
		char *host, *list, *curl, *ours, *why, *nl;
		int got;

		lineno++;
		nl = strchr(line, '\n');
		if (nl)
			*nl = '\0';
		if (line[0] == '#' || line[0] == '\0')
			continue;
		/* HOST|NO_PROXY|CURL|SONARBADGE[|WHY]; no field holds '|'. */
		host = line;
		list = strchr(host, '|');
		curl = list ? strchr(list + 1, '|') : NULL;
		ours = curl ? strchr(curl + 1, '|') : NULL;
		if (!ours) {
			failures++;
			printf("FAIL line %u: not HOST|NO_PROXY|CURL|OURS\n",
			       lineno);
			continue;
		}
		*list++ = '\0';
		*curl++ = '\0';
		*ours++ = '\0';
		why = strchr(ours, '|');
		if (why)
			*why++ = '\0';
		if ((strcmp(curl, "0") && strcmp(curl, "1")) ||
		    (strcmp(ours, "0") && strcmp(ours, "1")) ||
		    (strcmp(curl, ours) != 0) != (why && *why)) {
			failures++;
			printf("FAIL line %u: answers must be 0 or 1, and "
			       "differ only with a reason\n",
			       lineno);
			continue;
		}
		cases++;
		if (why)
			differences++;
		got = sb_noproxy_match(list, host);
		if (got != atoi(ours)) {
			failures++;
			printf("FAIL line %u: host \"%s\", NO_PROXY \"%s\": "
			       "%d, want %s (curl: %s)\n",
			       lineno, host, list, got, ours, curl);
		}
	}
	fclose(f);
	printf("curl unit1614 NO_PROXY: %u cases, %u deliberate differences "
	       "from curl\n",
	       cases, differences);
	CHECK(cases > 100);
	CHECK_EQ_INT(failures, 0);
}

int main(void)
{
	RUN(unit1614_cases);
	return harness_main();
}

/*
 * cmd_projects.c - `sonarbadge projects [--query Q] [--projects-only]`:
 * the keys of the server's projects and applications, one a line with
 * its qualifier (api/projects/search, every page, one page in memory).
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "sb_util.h"

cli_parse_result parse_projects(cli_options *o)
{
	(void)o;
	return CLI_PARSED;
}

static int print_item(void *user, const sb_project_item *item)
{
	char key[SB_MAX_KEY_LEN + 1], qual[8];

	(void)user;
	/* Keys come from the server: never let one move the cursor. */
	sb_printable(item->key, key, sizeof(key));
	sb_printable(item->qualifier, qual, sizeof(qual));
	cli_out("%s\t%s\n", key, qual);
	return 0;
}

int cmd_projects(sb_client *c, cli_options *o)
{
	unsigned page;
	int more = 1;

	for (page = 1; more; page++) {
		sb_err err = sb_projects_page(c, o->query, !o->projects_only,
					      page, print_item, NULL, &more);

		if (err != SB_OK)
			return cli_fail(c, err);
	}
	return EXIT_OK;
}

/*
 * cmd_projects.c - `sonarbadge projects [--query Q]`: the project keys,
 * one a line (api/projects/search, every page).
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

static int print_key(void *user, const char *key)
{
	char buf[SB_MAX_KEY_LEN + 1];

	(void)user;
	/* Keys come from the server: never let one move the cursor. */
	sb_printable(key, buf, sizeof(buf));
	cli_out("%s\n", buf);
	return 0;
}

int cmd_projects(sb_client *c, cli_options *o)
{
	sb_err err = sb_projects_list(c, o->query, print_key, NULL);

	if (err != SB_OK)
		return cli_fail(c, err);
	return EXIT_OK;
}

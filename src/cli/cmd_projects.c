/*
 * cmd_projects.c - `sonarbadge projects [--query Q]`: the project keys,
 * one a line (api/projects/search, every page). Also the helpers the
 * issue-4 commands share.
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "sb_util.h"

int cli_fail(sb_client *c, sb_err err)
{
	const char *m = c ? sb_client_message(c) : NULL;

	cli_error("%s", m && *m ? m : sb_strerror(err));
	return cli_exit_code(err);
}

void cli_json_string(const char *s)
{
	putchar('"');
	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;

		if (ch == '"' || ch == '\\')
			printf("\\%c", ch);
		else if (ch < 0x20 || ch == 0x7f)
			printf("\\u%04x", ch);
		else
			putchar(ch);
	}
	putchar('"');
}

int parse_projects(cli_options *o)
{
	cli_iter it = {0, 0, NULL};
	const char *arg;
	char name[32];
	int kind, rc;

	while ((kind = cli_next_arg(o, &it, &arg, name, sizeof(name))) != 0) {
		if (kind == 1) {
			cli_error("usage: sonarbadge projects [--query Q]");
			return EXIT_USAGE;
		}
		if (strcmp(arg, "--query") != 0)
			return cli_unknown_option(o->command, arg);
		o->query = cli_option_value(o, &it, arg);
		if (!o->query)
			return EXIT_USAGE;
	}
	rc = cli_props_apply(o, NULL);
	return rc;
}

static int print_key(void *user, const char *key)
{
	char buf[SB_MAX_KEY_LEN + 1];

	(void)user;
	/* Keys come from the server: never let one move the cursor. */
	sb_printable(key, buf, sizeof(buf));
	printf("%s\n", buf);
	return 0;
}

int cmd_projects(sb_client *c, const cli_options *o)
{
	sb_err err = sb_projects_list(c, o->query, print_key, NULL);

	if (err != SB_OK)
		return cli_fail(c, err);
	return EXIT_OK;
}

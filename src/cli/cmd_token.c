/* cmd_token.c - the token and renew commands. */
#include <string.h>

#include "cli.h"
#include "sb_util.h"

cli_parse_result parse_project_cmd(cli_options *o)
{
	const char *project = cli_project_or_props(o);

	if (!project)
		return cli_no_project_error(o->cmd, "PROJECT");
	o->project = project;
	return CLI_PARSED;
}

int cmd_token(sb_client *c, cli_options *o)
{
	char tok[SB_MAX_TOKEN_LEN + 1];
	sb_err err;

	err = sb_token_get(c, o->project, tok, sizeof(tok));
	if (err != SB_OK)
		return cli_fail(c, err);
	cli_out("%s\n", tok);
	sb_wipe(tok, sizeof(tok));
	return EXIT_OK;
}

int cmd_renew(sb_client *c, cli_options *o)
{
	char old_tok[SB_MAX_TOKEN_LEN + 1], new_tok[SB_MAX_TOKEN_LEN + 1];
	char s_old[32], s_new[32];
	sb_err err;

	err = sb_token_renew(c, o->project, old_tok, sizeof(old_tok), new_tok,
			     sizeof(new_tok));
	if (err != SB_OK)
		return cli_fail(c, err);
	cli_shorten_token(old_tok, s_old, sizeof(s_old));
	cli_shorten_token(new_tok, s_new, sizeof(s_new));
	cli_out("%s\n", new_tok);
	cli_info("rotated the badge token of %s: %s -> %s", o->project, s_old,
		 s_new);
	sb_wipe(old_tok, sizeof(old_tok));
	sb_wipe(new_tok, sizeof(new_tok));
	return EXIT_OK;
}

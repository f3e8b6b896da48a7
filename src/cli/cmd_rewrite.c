/*
 * cmd_rewrite.c - `sonarbadge rewrite --project KEY [--check] FILE...`:
 * put the project's current badge token in the token= value of its badge
 * URLs in the files (atomic replace, only files that change), or with
 * --check report the stale ones and exit 1.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "sb_rewrite.h"
#include "sb_util.h"

#define REWRITE_MAX (64u * 1024u * 1024u)

cli_parse_result parse_rewrite(cli_options *o)
{
	if (!o->project && o->props.found && o->props.project_key[0])
		o->project = o->props.project_key;
	if (!o->project || o->nargs == 0)
		return cli_command_usage_error(o->cmd);
	return CLI_PARSED;
}

int cmd_rewrite(sb_client *c, cli_options *o)
{
	char tok[SB_MAX_TOKEN_LEN + 1];
	const char *base = sb_client_base_url(c);
	cli_file *files;
	unsigned found, stale, any_stale = 0;
	int i, rc = 0;
	sb_err err;

	files = calloc((size_t)o->nargs, sizeof(cli_file));
	if (!files) {
		cli_error("out of memory");
		return EXIT_USAGE;
	}
	/* Every file must be readable before any is changed. */
	for (i = 0; i < o->nargs && !rc; i++)
		rc = cli_file_read(o->args[i], NULL, REWRITE_MAX, &files[i]);
	if (!rc) {
		err = sb_token_get(c, o->project, tok, sizeof(tok));
		if (err != SB_OK)
			rc = cli_fail(c, err);
	}
	for (i = 0; i < o->nargs && !rc; i++) {
		cli_file *f = &files[i];
		size_t need;
		char *out;

		need = sb_badge_rewrite(f->data, f->len, base, o->project, tok,
					NULL, 0, &found, &stale);
		if (o->check_only || !stale) {
			cli_out("%s %s (%u of %u badge URL%s stale)\n",
			       stale ? "stale" : "ok", o->args[i], stale,
			       found, found == 1 ? "" : "s");
			any_stale += stale;
			continue;
		}
		out = malloc(need + 1);
		if (!out) {
			cli_error("out of memory");
			rc = EXIT_USAGE;
			break;
		}
		sb_badge_rewrite(f->data, f->len, base, o->project, tok, out,
				 need + 1, &found, &stale);
		rc = cli_file_replace(o->args[i], out, need, 0600);
		free(out);
		if (!rc)
			cli_out("updated %s (%u of %u badge URL%s)\n",
			       o->args[i], stale, found, found == 1 ? "" : "s");
	}
	sb_wipe(tok, sizeof(tok));
	for (i = 0; i < o->nargs; i++)
		cli_file_free(&files[i]);
	free(files);
	if (rc)
		return rc;
	return o->check_only && any_stale ? EXIT_CHECK : EXIT_OK;
}

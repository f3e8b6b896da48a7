/*
 * cmd_rewrite.c - `sonarbadge rewrite [--project KEY] [--check]
 * [--add-token] FILE...`: put the project's current badge token in the
 * token= value of its badge URLs in the files, or with --check report the
 * stale ones (and those without a token) and exit 1.
 *
 * Every file is opened and read once, before the token is asked for; it
 * is replaced only if it is still the very file that was read, unchanged
 * (cli_target.h) - an edit made while the server answered is never lost.
 */
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cli_target.h"
#include "sb_rewrite.h"
#include "sb_util.h"

cli_parse_result parse_rewrite(cli_options *o)
{
	if (!o->project && o->props.found && o->props.project_key[0])
		o->project = o->props.project_key;
	if (o->nargs == 0)
		return cli_command_usage_error(o->cmd);
	if (!o->project)
		return cli_no_project_error(o->cmd, "--project KEY");
	if (o->check_only && o->add_token) {
		cli_error("--check changes nothing; --add-token changes files: "
			  "give one of them");
		return CLI_USAGE_ERROR;
	}
	return CLI_PARSED;
}

/* One file: report, or rewrite it. Returns an exit code (0 when fine). */
static int one_file(cli_options *o, cli_target *t, const char *base,
		    const char *tok, sb_rewrite_counts *sum)
{
	sb_rewrite_counts k;
	size_t need;
	char *out;
	int rc;

	need = sb_badge_rewrite_ex(t->data, t->len, base, o->project, tok,
				   o->add_token, NULL, 0, &k);
	sum->found += k.found;
	sum->stale += k.stale;
	sum->tokenless += k.tokenless;
	if (o->check_only || (!k.stale && !(o->add_token && k.tokenless))) {
		cli_out("%s %s (%u of %u badge URL%s stale", k.stale ? "stale" : "ok",
			t->path, k.stale, k.found, k.found == 1 ? "" : "s");
		if (k.tokenless)
			cli_out(", %u without a token", k.tokenless);
		cli_out(")\n");
		return 0;
	}
	out = malloc(need + 1);
	if (!out) {
		cli_error("out of memory");
		return EXIT_USAGE;
	}
	sb_badge_rewrite_ex(t->data, t->len, base, o->project, tok, o->add_token,
			    out, need + 1, &k);
	rc = cli_target_replace(t, out, need, 0600);
	free(out);
	if (!rc) {
		cli_out("updated %s (%u of %u badge URL%s", t->path, k.stale,
			k.found, k.found == 1 ? "" : "s");
		if (o->add_token && k.tokenless)
			cli_out(", a token added to %u", k.tokenless);
		cli_out(")\n");
	}
	return rc;
}

int cmd_rewrite(sb_client *c, cli_options *o)
{
	char tok[SB_MAX_TOKEN_LEN + 1] = "";
	const char *base = sb_client_base_url(c);
	sb_rewrite_counts sum = {0, 0, 0};
	cli_target *files;
	int i, opened = 0, rc = 0;
	sb_err err;

	files = calloc((size_t)o->nargs, sizeof(cli_target));
	if (!files) {
		cli_error("out of memory");
		return EXIT_USAGE;
	}
	/* Every file is read before the token is asked for, and kept. */
	for (i = 0; i < o->nargs && !rc; i++, opened++)
		rc = cli_target_open(o->args[i], CLI_REWRITE_MAX_BYTES, 0, &files[i]);
	if (!rc) {
		err = sb_token_get(c, o->project, tok, sizeof(tok));
		if (err != SB_OK)
			rc = cli_fail(c, err);
	}
	for (i = 0; i < o->nargs && !rc; i++) {
		int one, k;

		/* A file named twice (a link, ./name) is done once: the
		 * second would find it replaced and say it changed. */
		for (k = 0; k < i; k++)
			if (files[k].st.st_dev == files[i].st.st_dev &&
			    files[k].st.st_ino == files[i].st.st_ino)
				break;
		if (k < i)
			continue;
		one = one_file(o, &files[i], base, tok, &sum);
		if (one && !rc)
			rc = one;
	}
	sb_wipe(tok, sizeof(tok));
	for (i = 0; i < opened; i++)
		cli_target_close(&files[i]);
	free(files);
	if (rc)
		return rc;
	if (sum.found + sum.tokenless == 0) {
		/* A gate that checks nothing must not pass. */
		cli_error("no badge URL of %.200s on %s in the files (check "
			  "--url and --project)",
			  o->project, base);
		return EXIT_CHECK;
	}
	if (o->check_only && sum.tokenless)
		cli_info("%u badge URL%s of %.200s carr%s no token: a private "
			 "project's badge does not render without one "
			 "(--add-token adds it)",
			 sum.tokenless, sum.tokenless == 1 ? "" : "s", o->project,
			 sum.tokenless == 1 ? "ies" : "y");
	return o->check_only && sum.stale ? EXIT_CHECK : EXIT_OK;
}

/*
 * cmd_check.c - `sonarbadge check FILE...`: find every badge URL of the
 * configured server (any project) in the files, fetch each once and
 * report those that no longer render. SonarQube answers a stale token
 * with HTTP 200 and an error SVG ("Project has not been found"): that is
 * recognised from the SVG. Exit 1 if any badge is broken.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "sb_rewrite.h"
#include "sb_util.h"

#define CHECK_MAX (64u * 1024u * 1024u)
#define TARGET_MAX 8192

typedef struct seen {
	char *target;
	sb_err err;
	char msg[SB_MAX_MESSAGE_LEN];
} seen;

cli_parse_result parse_check(cli_options *o)
{
	if (o->nargs == 0)
		return cli_command_usage_error(o->cmd);
	return CLI_PARSED;
}

static int fatal(sb_err err)
{
	return err == SB_ERR_UNAUTHORIZED || err == SB_ERR_TLS ||
	       err == SB_ERR_TLS_VERIFY || err == SB_ERR_DNS ||
	       err == SB_ERR_CONNECT || err == SB_ERR_CONFIG ||
	       err == SB_ERR_NOMEM;
}

static size_t line_of(const char *text, size_t at)
{
	size_t line = 1, i;

	for (i = 0; i < at; i++)
		if (text[i] == '\n')
			line++;
	return line;
}

int cmd_check(sb_client *c, cli_options *o)
{
	const char *base = sb_client_base_url(c);
	seen *s = NULL;
	size_t ns = 0, caps = 0, k, total = 0, broken = 0;
	char target[TARGET_MAX];
	cli_file *files;
	int i, rc = 0;

	files = calloc((size_t)o->nargs, sizeof(cli_file));
	if (!files) {
		cli_error("out of memory");
		return EXIT_USAGE;
	}
	for (i = 0; i < o->nargs && !rc; i++)
		rc = cli_file_read(o->args[i], NULL, CHECK_MAX, &files[i]);
	for (i = 0; i < o->nargs && !rc; i++) {
		cli_file *f = &files[i];
		sb_badge_ref ref;
		size_t pos = 0;

		while (!rc && sb_badge_find(f->data, f->len, base, &pos, &ref)) {
			char key[SB_MAX_KEY_LEN + 1], br[300] = "";
			seen *hit = NULL;

			if (sb_badge_ref_target(f->data, &ref, target,
						sizeof(target)) != SB_OK)
				continue;
			for (k = 0; k < ns; k++)
				if (strcmp(s[k].target, target) == 0)
					hit = &s[k];
			if (!hit) {
				sb_err err;

				if (ns == caps) {
					size_t nc = caps ? caps * 2 : 32;
					seen *n2 = realloc(s, nc * sizeof(seen));

					if (!n2) {
						cli_error("out of memory");
						rc = EXIT_USAGE;
						break;
					}
					s = n2;
					caps = nc;
				}
				hit = &s[ns];
				hit->target = strdup(target);
				if (!hit->target) {
					cli_error("out of memory");
					rc = EXIT_USAGE;
					break;
				}
				ns++;
				err = sb_badge_fetch(c, target, NULL, 0, NULL);
				hit->err = err;
				sb_fmt(hit->msg, sizeof(hit->msg), "%s",
				       err == SB_OK ? ""
				       : *sb_client_message(c)
					       ? sb_client_message(c)
					       : sb_strerror(err));
				if (fatal(err)) {
					cli_error("%s", hit->msg);
					rc = cli_exit_code(err);
					break;
				}
			}
			sb_wipe(target, sizeof(target));
			total++;
			sb_printable(ref.project, key, sizeof(key));
			if (ref.branch[0]) {
				char b[256];

				sb_printable(ref.branch, b, sizeof(b));
				sb_fmt(br, sizeof(br), " branch %s", b);
			}
			if (hit->err != SB_OK)
				broken++;
			cli_out("%s:%lu: %s %s %s%s%s%s%s%s\n", o->args[i],
			       (unsigned long)line_of(f->data, ref.start),
			       hit->err == SB_OK ? "ok" : "broken", key,
			       sb_badge_kind_name(ref.kind),
			       ref.metric[0] && ref.kind == SB_BADGE_MEASURE
				       ? " "
				       : "",
			       ref.kind == SB_BADGE_MEASURE ? ref.metric : "",
			       br, hit->err == SB_OK ? "" : ": ",
			       hit->err == SB_OK ? "" : hit->msg);
		}
	}
	for (k = 0; k < ns; k++) {
		sb_wipe(s[k].target, strlen(s[k].target));
		free(s[k].target);
	}
	free(s);
	for (i = 0; i < o->nargs; i++)
		cli_file_free(&files[i]);
	free(files);
	if (rc)
		return rc;
	if (total == 0)
		cli_info("no badge URL of %s in the files", base);
	else
		cli_info("%lu badge URL%s checked, %lu broken",
			 (unsigned long)total, total == 1 ? "" : "s",
			 (unsigned long)broken);
	return broken ? EXIT_CHECK : EXIT_OK;
}

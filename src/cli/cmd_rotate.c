/*
 * cmd_rotate.c - `sonarbadge rotate`: renew the badge tokens of many
 * projects on one kept-alive connection, with a crash-safe state file,
 * and optionally rewrite the badge URLs in files afterwards.
 *
 *   rotate [PROJECT...] [--all] [--query Q] [--from FILE]
 *          [--state FILE [--older-than AGE]] [--rewrite FILE]...
 *          [--dry-run] [--json]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "sb_rewrite.h"
#include "sb_util.h"

#define FROM_MAX (16u * 1024u * 1024u)
#define REWRITE_MAX (64u * 1024u * 1024u)

typedef struct project {
	char *key;
	char *new_token; /* after a rotation, for --rewrite */
} project;

static project *projects;
static size_t nprojects, cap_projects;
static int list_failed;

static int add_project(const char *key)
{
	if (!*key || strlen(key) > SB_MAX_KEY_LEN) {
		cli_error("project key '%.60s%s' is empty or longer than %d "
			  "characters",
			  key, strlen(key) > 60 ? "..." : "", SB_MAX_KEY_LEN);
		return EXIT_USAGE;
	}
	if (nprojects == cap_projects) {
		size_t nc = cap_projects ? cap_projects * 2 : 64;
		project *np = realloc(projects, nc * sizeof(project));

		if (!np) {
			cli_error("out of memory");
			return EXIT_USAGE;
		}
		projects = np;
		cap_projects = nc;
	}
	projects[nprojects].key = strdup(key);
	projects[nprojects].new_token = NULL;
	if (!projects[nprojects].key) {
		cli_error("out of memory");
		return EXIT_USAGE;
	}
	nprojects++;
	return 0;
}

static int cmp_index(const void *a, const void *b)
{
	size_t x = *(const size_t *)a, y = *(const size_t *)b;
	int r = strcmp(projects[x].key, projects[y].key);

	return r ? r : (x < y ? -1 : x > y);
}

/* Drop repeated keys (the first one stays, order kept). */
static int dedupe(void)
{
	size_t *ix, i, w;
	char *drop;

	if (nprojects < 2)
		return 0;
	ix = malloc(nprojects * sizeof(size_t));
	drop = calloc(nprojects, 1);
	if (!ix || !drop) {
		free(ix);
		free(drop);
		cli_error("out of memory");
		return EXIT_USAGE;
	}
	for (i = 0; i < nprojects; i++)
		ix[i] = i;
	qsort(ix, nprojects, sizeof(size_t), cmp_index);
	for (i = 1; i < nprojects; i++)
		if (strcmp(projects[ix[i]].key, projects[ix[i - 1]].key) == 0)
			drop[ix[i]] = 1;
	for (i = w = 0; i < nprojects; i++) {
		if (drop[i])
			free(projects[i].key);
		else
			projects[w++] = projects[i];
	}
	nprojects = w;
	free(ix);
	free(drop);
	return 0;
}

/* Keys one a line; '#' comments and blank lines ignored. */
static int read_from(const char *path)
{
	cli_file f;
	size_t i = 0, line = 0;
	int rc;

	rc = cli_file_read(path, "--from file", FROM_MAX, &f);
	if (rc)
		return rc;
	while (i < f.len) {
		char *l = f.data + i, *nl = memchr(l, '\n', f.len - i), *e;
		size_t k;

		line++;
		if (nl)
			*nl = '\0';
		i = nl ? (size_t)(nl - f.data) + 1 : f.len;
		if (!nl)
			f.data[f.len] = '\0';
		while (*l == ' ' || *l == '\t')
			l++;
		e = l + strlen(l);
		while (e > l && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'))
			*--e = '\0';
		if (!*l || *l == '#')
			continue;
		for (k = 0; l[k]; k++)
			if ((unsigned char)l[k] < 0x20 || l[k] == 0x7f ||
			    l[k] == ' ') {
				cli_error("%.300s, line %zu: a project key "
					  "holds a space or control character",
					  path, line);
				cli_file_free(&f);
				return EXIT_USAGE;
			}
		rc = add_project(l);
		if (rc) {
			cli_file_free(&f);
			return rc;
		}
	}
	cli_file_free(&f);
	return 0;
}

cli_parse_result parse_rotate(cli_options *o)
{
	if (o->query)
		o->all = 1;
	if (o->older_than_s && !o->state_file) {
		cli_error("--older-than needs --state FILE (where the last "
			  "rotations are recorded)");
		return CLI_USAGE_ERROR;
	}
	if (!o->all && !o->from_file && o->nargs == 0 &&
	    !cli_project_or_props(o))
		return cli_command_usage_error(o->cmd);
	return CLI_PARSED;
}

/* The projects named on the command line, in --from, or in the
 * properties file. */
static int initial_projects(const cli_options *o)
{
	int i, rc;

	for (i = 0; i < o->nargs; i++) {
		rc = add_project(o->args[i]);
		if (rc)
			return rc;
	}
	if (o->from_file) {
		rc = read_from(o->from_file);
		if (rc)
			return rc;
	}
	if (!o->all && !o->from_file && o->nargs == 0)
		return add_project(cli_project_or_props(o));
	return 0;
}

static int list_one(void *user, const char *key)
{
	(void)user;
	if (add_project(key) != 0) {
		list_failed = 1;
		return 1;
	}
	return 0;
}

/* Errors after which every other project would fail the same way. */
static int fatal(sb_err err)
{
	switch (err) {
	case SB_ERR_UNAUTHORIZED:
	case SB_ERR_TLS:
	case SB_ERR_TLS_VERIFY:
	case SB_ERR_DNS:
	case SB_ERR_CONNECT:
	case SB_ERR_CONFIG:
	case SB_ERR_UNSUPPORTED:
	case SB_ERR_NOMEM:
		return 1;
	default:
		return 0;
	}
}

static void print_line(cli_options *o, const char *key,
		       const char *old_tok, const char *new_tok,
		       const char *status, const char *error)
{
	char s_old[32], k[SB_MAX_KEY_LEN + 1], e[SB_MAX_MESSAGE_LEN];

	sb_printable(key, k, sizeof(k));
	if (old_tok && *old_tok)
		cli_shorten_token(old_tok, s_old, sizeof(s_old));
	if (error)
		sb_printable(error, e, sizeof(e));
	if (o->json) {
		cli_out("{\"project\":");
		cli_out_json_string(k);
		cli_out(",\"old\":");
		if (old_tok && *old_tok)
			cli_out_json_string(s_old);
		else
			cli_out("null");
		cli_out(",\"new\":");
		if (new_tok && *new_tok)
			cli_out_json_string(new_tok);
		else
			cli_out("null");
		cli_out(",\"status\":\"%s\",\"error\":", status);
		if (error)
			cli_out_json_string(e);
		else
			cli_out("null");
		cli_out("}\n");
	} else {
		cli_out("%-30s  %-12s  %-44s  %s%s%s\n", k,
		       old_tok && *old_tok ? s_old : "-",
		       new_tok && *new_tok ? new_tok : "-", status,
		       error ? ": " : "", error ? e : "");
	}
	fflush(stdout);
}

/* Rewrite the badge URLs of every rotated project in the files. */
static int rewrite_files(sb_client *c, cli_options *o)
{
	const char *base = sb_client_base_url(c);
	int i, rc = 0;
	size_t k;

	for (i = 0; i < o->nrewrite; i++) {
		cli_file f;
		unsigned found, stale, total = 0;

		rc = cli_file_read(o->rewrite_files[i], NULL, REWRITE_MAX, &f);
		if (rc)
			return rc;
		for (k = 0; k < nprojects; k++) {
			size_t need;
			char *out;

			if (!projects[k].new_token)
				continue;
			need = sb_badge_rewrite(f.data, f.len, base,
						projects[k].key,
						projects[k].new_token, NULL, 0,
						&found, &stale);
			if (!stale)
				continue;
			out = malloc(need + 1);
			if (!out) {
				cli_file_free(&f);
				cli_error("out of memory");
				return EXIT_USAGE;
			}
			sb_badge_rewrite(f.data, f.len, base, projects[k].key,
					 projects[k].new_token, out, need + 1,
					 &found, &stale);
			free(f.data);
			f.data = out;
			f.len = need;
			total += stale;
		}
		if (total) {
			rc = cli_file_replace(o->rewrite_files[i], f.data,
					      f.len, 0600);
			if (!rc)
				fprintf(stderr,
					"sonarbadge: rewrote %u badge URL%s "
					"in %s\n",
					total, total == 1 ? "" : "s",
					o->rewrite_files[i]);
		}
		cli_file_free(&f);
		if (rc)
			return rc;
	}
	return 0;
}

int cmd_rotate(sb_client *c, cli_options *o)
{
	char old_tok[SB_MAX_TOKEN_LEN + 1], new_tok[SB_MAX_TOKEN_LEN + 1];
	char fp[80], fp_now[80];
	cli_state *st = NULL;
	size_t i, rotated = 0, failed = 0, skipped = 0, planned = 0;
	int rc = 0, abort_rc = 0, k;
	sb_err err;

	rc = initial_projects(o);
	if (rc)
		return rc;
	/* Files to rewrite must be readable before anything changes. */
	for (k = 0; k < o->nrewrite; k++) {
		cli_file f;

		rc = cli_file_read(o->rewrite_files[k], NULL, REWRITE_MAX, &f);
		if (rc)
			return rc;
		cli_file_free(&f);
	}
	if (o->state_file) {
		rc = cli_state_load(o->state_file, &st);
		if (rc)
			return rc;
	}
	if (o->all) {
		err = sb_projects_list(c, o->query, list_one, NULL);
		if (list_failed) {
			cli_state_free(st);
			return EXIT_USAGE;
		}
		if (err != SB_OK) {
			cli_state_free(st);
			return cli_fail(c, err);
		}
	}
	rc = dedupe();
	if (rc) {
		cli_state_free(st);
		return rc;
	}
	for (i = 0; i < nprojects && !abort_rc; i++) {
		const char *key = projects[i].key;
		long long now = (long long)time(NULL), last;
		int recovered = 0;

		last = st ? cli_state_rotated(st, key) : -1;
		if (o->older_than_s && last >= 0 &&
		    now - last < o->older_than_s) {
			char why[96];

			snprintf(why, sizeof(why), "rotated %lld s ago",
				 now - last);
			print_line(o, key, NULL, NULL, "skipped", why);
			skipped++;
			continue;
		}
		if (o->dry_run) {
			print_line(o, key, NULL, NULL, "would-rotate", NULL);
			planned++;
			continue;
		}
		old_tok[0] = new_tok[0] = '\0';
		err = SB_OK;
		if (st) {
			/* Record the rotation before it is sent. */
			int pending = cli_state_pending(st, key, fp, sizeof(fp));

			err = sb_token_get(c, key, old_tok, sizeof(old_tok));
			if (err == SB_OK && pending) {
				cli_token_fingerprint(old_tok, fp_now,
						      sizeof(fp_now));
				if (strcmp(fp, fp_now) != 0) {
					/* The interrupted run's renewal went
					 * through: do not renew again. */
					recovered = 1;
					memcpy(new_tok, old_tok, sizeof(new_tok));
					old_tok[0] = '\0';
				}
			}
			if (err == SB_OK && !recovered) {
				rc = cli_state_set_pending(st, key, old_tok,
							   now);
				if (rc) {
					abort_rc = rc;
					break;
				}
			}
		}
		if (err == SB_OK && !recovered)
			err = sb_token_renew(c, key, old_tok, sizeof(old_tok),
					     new_tok, sizeof(new_tok));
		if (err != SB_OK) {
			print_line(o, key, old_tok, NULL, "failed",
				   *sb_client_message(c)
					   ? sb_client_message(c)
					   : sb_strerror(err));
			failed++;
			if (fatal(err))
				abort_rc = cli_exit_code(err);
			continue;
		}
		if (st) {
			rc = cli_state_set_rotated(st, key, now);
			if (rc)
				abort_rc = rc;
		}
		print_line(o, key, old_tok, new_tok, "rotated", NULL);
		rotated++;
		if (o->nrewrite) {
			projects[i].new_token = strdup(new_tok);
			if (!projects[i].new_token) {
				cli_error("out of memory");
				abort_rc = EXIT_USAGE;
			}
		}
		sb_wipe(old_tok, sizeof(old_tok));
		sb_wipe(new_tok, sizeof(new_tok));
	}
	sb_wipe(old_tok, sizeof(old_tok));
	sb_wipe(new_tok, sizeof(new_tok));
	cli_state_free(st);
	if (!o->dry_run && o->nrewrite && rotated) {
		rc = rewrite_files(c, o);
		if (rc && !abort_rc)
			abort_rc = rc;
	}
	if (o->dry_run)
		fprintf(stderr,
			"sonarbadge: dry run: %zu project%s would be rotated, "
			"%zu skipped; nothing was changed\n",
			planned, planned == 1 ? "" : "s", skipped);
	else
		fprintf(stderr,
			"sonarbadge: rotated %zu of %zu project%s (%zu failed, "
			"%zu skipped%s)\n",
			rotated, nprojects, nprojects == 1 ? "" : "s", failed,
			skipped,
			abort_rc && i < nprojects ? ", stopped early" : "");
	for (i = 0; i < nprojects; i++) {
		if (projects[i].new_token) {
			sb_wipe(projects[i].new_token,
				strlen(projects[i].new_token));
			free(projects[i].new_token);
		}
		free(projects[i].key);
	}
	free(projects);
	projects = NULL;
	nprojects = cap_projects = 0;
	if (abort_rc)
		return abort_rc;
	return failed ? EXIT_CHECK : EXIT_OK;
}

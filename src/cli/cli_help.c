/*
 * cli_help.c - the help texts, written from the option and command
 * tables (cli_table.c), and "did you mean" suggestions.
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"

#define HELP_COLUMN 23

/* "  -k, --insecure" / "      --metric M" padded to HELP_COLUMN, then the
 * help lines, the environment variables last. */
static void print_opt(FILE *f, const cli_opt *opt, int indent)
{
	char left[64];
	const char *h = opt->help, *nl;
	int n;

	if (opt->short_name)
		n = snprintf(left, sizeof(left), "%*s-%c, %s%s%s", indent, "",
			     opt->short_name, opt->name, opt->arg ? " " : "",
			     opt->arg ? opt->arg : "");
	else
		n = snprintf(left, sizeof(left), "%*s%s%s%s", indent, "",
			     opt->name, opt->arg ? " " : "",
			     opt->arg ? opt->arg : "");
	if (n >= HELP_COLUMN - 1)
		fprintf(f, "%s\n%*s", left, HELP_COLUMN, "");
	else
		fprintf(f, "%-*s", HELP_COLUMN, left);
	while ((nl = strchr(h, '\n')) != NULL) {
		fprintf(f, "%.*s\n%*s", (int)(nl - h), h, HELP_COLUMN, "");
		h = nl + 1;
	}
	fputs(h, f);
	if (opt->env) {
		if (strlen(h) + strlen(opt->env) + 3 + HELP_COLUMN > 79)
			fprintf(f, "\n%*s", HELP_COLUMN, "");
		else
			fputc(' ', f);
		fprintf(f, "[%s]", opt->env);
	}
	fputc('\n', f);
}

static void print_command_line(FILE *f, const cli_command *c)
{
	char left[64];

	snprintf(left, sizeof(left), "  %s%s%s", c->name, *c->operands ? " " : "",
		 c->operands);
	if (strlen(left) >= HELP_COLUMN - 1)
		fprintf(f, "%s\n%*s%s\n", left, HELP_COLUMN, "", c->summary);
	else
		fprintf(f, "%-*s%s\n", HELP_COLUMN, left, c->summary);
}

void cli_usage(void *stream)
{
	FILE *f = stream;
	size_t i;
	const cli_opt *opt;

	fputs("Usage: sonarbadge [OPTIONS] COMMAND [ARGS]\n"
	      "\n"
	      "Read and rotate SonarQube / SonarQube Cloud project badge "
	      "tokens, and keep\nthe badge URLs that carry them up to date.\n"
	      "\n"
	      "Commands:\n",
	      f);
	for (i = 0; i < cli_command_count; i++) {
		print_command_line(f, &cli_commands[i]);
		for (opt = cli_commands[i].opts; opt->name; opt++)
			print_opt(f, opt, 4);
	}
	fputs("  (PROJECT, --url and --organization default to "
	      "sonar.projectKey,\n  sonar.host.url and sonar.organization in "
	      "./sonar-project.properties)\n"
	      "\n"
	      "Options (environment variable in brackets):\n",
	      f);
	for (opt = cli_global_opts; opt->name; opt++)
		print_opt(f, opt, 2);
	fputs("  (SONAR_ROOT_CERT: one more trusted root, PEM text or file)\n"
	      "\n"
	      "Exit codes: 0 ok, 1 check failed or some projects failed, 2 "
	      "usage or\nconfiguration, 3 network, 4 TLS, 5 authentication or "
	      "permission, 6 not\nfound, 7 server, 8 state file locked by "
	      "another run, 9 write failed.\n",
	      f);
}

/* A paragraph wrapped at 76 columns. */
static void print_wrapped(FILE *f, const char *text)
{
	const char *p = text;

	while (*p) {
		size_t n = strlen(p), cut = n;

		if (n > 76) {
			cut = 76;
			while (cut > 0 && p[cut] != ' ')
				cut--;
			if (cut == 0)
				cut = 76;
		}
		fprintf(f, "%.*s\n", (int)cut, p);
		p += cut;
		while (*p == ' ')
			p++;
	}
}

void cli_command_help(const cli_command *cmd, void *stream)
{
	FILE *f = stream;
	const cli_opt *opt;

	fprintf(f, "Usage: sonarbadge [OPTIONS] %s%s%s%s\n\n", cmd->name,
		cmd->opts[0].name ? " [COMMAND OPTIONS]" : "",
		*cmd->operands ? " " : "", cmd->operands);
	print_wrapped(f, cmd->details ? cmd->details : cmd->summary);
	if (cmd->opts[0].name) {
		fprintf(f, "\nOptions of %s:\n", cmd->name);
		for (opt = cmd->opts; opt->name; opt++)
			print_opt(f, opt, 2);
	}
	if (strstr(cmd->operands, "PROJECT") || strcmp(cmd->name, "rewrite") == 0)
		fputs("\nThe project defaults to sonar.projectKey in "
		      "./sonar-project.properties.\n",
		      f);
	fputs("\nGlobal options (--url, --token-file, ...): sonarbadge "
	      "--help\n",
	      f);
}

/* Optimal string alignment distance (edits and swaps), capped at 9. */
static size_t distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), i, j;
	size_t d[33][33];

	if (la > 32 || lb > 32)
		return 9;
	for (i = 0; i <= la; i++)
		d[i][0] = i;
	for (j = 0; j <= lb; j++)
		d[0][j] = j;
	for (i = 1; i <= la; i++)
		for (j = 1; j <= lb; j++) {
			size_t cost = a[i - 1] != b[j - 1], best;

			best = d[i - 1][j] + 1;
			if (d[i][j - 1] + 1 < best)
				best = d[i][j - 1] + 1;
			if (d[i - 1][j - 1] + cost < best)
				best = d[i - 1][j - 1] + cost;
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] &&
			    a[i - 2] == b[j - 1] && d[i - 2][j - 2] + 1 < best)
				best = d[i - 2][j - 2] + 1;
			d[i][j] = best;
		}
	return d[la][lb] > 9 ? 9 : d[la][lb];
}

const char *cli_nearest(const char *word, const char *const *names, size_t n)
{
	const char *best = NULL, *prefixed = NULL;
	size_t i, best_d = 9, wl = strlen(word);
	int prefixes = 0;

	if (wl == 0)
		return NULL;
	for (i = 0; i < n; i++) {
		size_t d = distance(word, names[i]);

		if (d < best_d) {
			best_d = d;
			best = names[i];
		}
		if (strncmp(names[i], word, wl) == 0) {
			prefixes++;
			prefixed = names[i];
		}
	}
	/* Close enough to be a typo: at most 2 edits, and fewer than half
	 * of the word. */
	if (best && best_d <= 2 && best_d * 2 < wl)
		return best;
	return prefixes == 1 && wl >= 2 ? prefixed : NULL;
}

cli_parse_result cli_unknown_command(const char *name)
{
	const char *names[16];
	const char *near;
	size_t i;

	for (i = 0; i < cli_command_count && i < 16; i++)
		names[i] = cli_commands[i].name;
	near = cli_nearest(name, names, i);
	if (near)
		cli_error("unknown command '%.40s' (did you mean '%s'?)", name,
			  near);
	else
		cli_error("unknown command '%.40s' (see sonarbadge --help)", name);
	return CLI_USAGE_ERROR;
}

cli_parse_result cli_command_usage_error(const cli_command *cmd)
{
	cli_error("usage: sonarbadge %s%s%s%s (see sonarbadge help %s)",
		  cmd->name, cmd->opts[0].name ? " [OPTIONS]" : "",
		  *cmd->operands ? " " : "", cmd->operands, cmd->name);
	return CLI_USAGE_ERROR;
}

cli_parse_result cli_no_project_error(const cli_command *cmd, const char *how)
{
	cli_error("no project: give %s, or set sonar.projectKey in "
		  "./sonar-project.properties (see sonarbadge help %s)",
		  how, cmd->name);
	return CLI_USAGE_ERROR;
}

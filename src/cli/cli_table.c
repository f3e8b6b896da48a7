/*
 * cli_table.c - every option and command of sonarbadge, with its help
 * text: --help, `help COMMAND`, the man page and the bash completion are
 * all checked against what this table makes the command print.
 */
#include <string.h>

#include "cli.h"

const cli_opt cli_global_opts[] = {
	{OPT_URL, 0, "--url", "URL", "server base URL (default https://sonarcloud.io)",
	 "SONAR_HOST_URL"},
	{OPT_TOKEN_FILE, 0, "--token-file", "FILE",
	 "read the user token from FILE ('-': stdin)\nelse SONAR_TOKEN; no option "
	 "takes a secret",
	 NULL},
	{OPT_AUTH, 0, "--auth", "basic|bearer",
	 "how the token is sent (default basic)", NULL},
	{OPT_ORGANIZATION, 0, "--organization", "ORG",
	 "SonarQube Cloud organization", "SONAR_ORGANIZATION"},
	{OPT_CACERT, 0, "--cacert", "FILE", "trust the CAs in FILE",
	 "SSL_CERT_FILE"},
	{OPT_CAPATH, 0, "--capath", "DIR", "trust the CAs in DIR", "SSL_CERT_DIR"},
	{OPT_INSECURE, 'k', "--insecure", NULL,
	 "do not verify the server certificate (unsafe)", NULL},
	{OPT_CONNECT_TIMEOUT, 0, "--connect-timeout", "S",
	 "seconds for connect and TLS handshake (default 10)", NULL},
	{OPT_MAX_TIME, 0, "--max-time", "S",
	 "seconds for the whole command, for each project\nof rotate "
	 "(default 60)",
	 NULL},
	{OPT_RETRY, 0, "--retry", "N",
	 "retries of a GET after transient failures\n(default 2, at most 10)",
	 NULL},
	{OPT_RETRY_CONNREFUSED, 0, "--retry-connrefused", NULL,
	 "also retry when the connection is refused", NULL},
	{OPT_RETRY_MAX_WAIT, 0, "--retry-max-wait", "S",
	 "longest Retry-After honoured (default 300)", NULL},
	{OPT_PROXY, 0, "--proxy", "URL", "HTTP proxy",
	 "https_proxy, HTTPS_PROXY, all_proxy, ALL_PROXY"},
	{OPT_PROXY_USER_FILE, 0, "--proxy-user-file", "FILE",
	 "the proxy's user:password, from FILE", NULL},
	{OPT_NOPROXY, 0, "--noproxy", "LIST", "hosts that bypass the proxy",
	 "no_proxy, NO_PROXY"},
	{OPT_PROXYTUNNEL, 'p', "--proxytunnel", NULL,
	 "CONNECT through the proxy for an http:// URL too", NULL},
	{OPT_RESOLVE, 0, "--resolve", "HOST:PORT:ADDR",
	 "connect to ADDR for HOST and PORT (repeatable)", NULL},
	{OPT_PINNEDPUBKEY, 0, "--pinnedpubkey", "PINS",
	 "sha256//BASE64[;...] of the server's public key", NULL},
	{OPT_CERT, 0, "--cert", "FILE", "client certificate (PEM)", NULL},
	{OPT_KEY, 0, "--key", "FILE", "client key (PEM)", NULL},
	{OPT_KEY_PASSPHRASE_FILE, 0, "--key-passphrase-file", "FILE",
	 "the key's passphrase, from FILE", "SONAR_KEY_PASSPHRASE"},
	{OPT_VERBOSE, 'v', "--verbose", NULL,
	 "show requests and responses (secrets redacted)", NULL},
	{OPT_QUIET, 'q', "--quiet", NULL,
	 "no informational lines on stderr (errors still show)", NULL},
	{OPT_HELP, 'h', "--help", NULL, "show this help, or a command's",
	 NULL},
	{OPT_VERSION, 'V', "--version", NULL, "show the version", NULL},
	{0, 0, NULL, NULL, NULL, NULL},
};

static const cli_opt no_opts[] = {{0, 0, NULL, NULL, NULL, NULL}};

static const cli_opt urls_opts[] = {
	{OPT_BRANCH, 0, "--branch", "B",
	 "badges of branch B (default: the main branch)", NULL},
	{OPT_METRIC, 0, "--metric", "M",
	 "only metric M (repeatable; 'quality_gate' for the\nquality gate "
	 "badge)",
	 NULL},
	{OPT_FORMAT, 0, "--format", "F", "markdown (default), url or json", NULL},
	{0, 0, NULL, NULL, NULL, NULL},
};

static const cli_opt rotate_opts[] = {
	{OPT_ALL, 0, "--all", NULL,
	 "every project and application (api/projects/search)", NULL},
	{OPT_QUERY, 0, "--query", "Q", "only those whose key or name matches Q",
	 NULL},
	{OPT_PROJECTS_ONLY, 0, "--projects-only", NULL,
	 "leave applications out of --all", NULL},
	{OPT_FROM, 0, "--from", "FILE", "project keys, one per line ('#' comments)",
	 NULL},
	{OPT_STATE, 0, "--state", "FILE",
	 "when each project was rotated (crash-safe)", NULL},
	{OPT_OLDER_THAN, 0, "--older-than", "AGE",
	 "skip projects rotated more recently (90d, 12h...)", NULL},
	{OPT_LOCK_TIMEOUT, 0, "--lock-timeout", "S",
	 "wait up to S seconds for another run's lock (default 0)", NULL},
	{OPT_JOBS, 0, "--jobs", "N",
	 "N connections at once (default 1, at most 16)", NULL},
	{OPT_REWRITE, 0, "--rewrite", "FILE",
	 "then put the new tokens in FILE (repeatable)", NULL},
	{OPT_DRY_RUN, 0, "--dry-run", NULL,
	 "list what would be rotated; change nothing", NULL},
	{OPT_JSON, 0, "--json", NULL, "one JSON object per project", NULL},
	{0, 0, NULL, NULL, NULL, NULL},
};

static const cli_opt rewrite_opts[] = {
	{OPT_PROJECT, 0, "--project", "KEY", "the project whose badges to update",
	 NULL},
	{OPT_CHECK, 0, "--check", NULL, "change nothing; exit 1 if a token is stale",
	 NULL},
	{OPT_ADD_TOKEN, 0, "--add-token", NULL,
	 "also add the token to the project's tokenless badges", NULL},
	{0, 0, NULL, NULL, NULL, NULL},
};

static const cli_opt fetch_opts[] = {
	{OPT_METRIC, 0, "--metric", "M",
	 "the measure badge of metric M (default alert_status)", NULL},
	{OPT_QUALITY_GATE, 0, "--quality-gate", NULL, "the quality gate badge",
	 NULL},
	{OPT_BRANCH, 0, "--branch", "B", "the badge of branch B", NULL},
	{OPT_OUTPUT, 'o', "--output", "FILE", "write the SVG to FILE", NULL},
	{0, 0, NULL, NULL, NULL, NULL},
};

static const cli_opt projects_opts[] = {
	{OPT_QUERY, 0, "--query", "Q", "only those whose key or name matches Q",
	 NULL},
	{OPT_PROJECTS_ONLY, 0, "--projects-only", NULL, "leave applications out",
	 NULL},
	{0, 0, NULL, NULL, NULL, NULL},
};

const cli_command cli_commands[] = {
	{"token", "[PROJECT]", "print the project's badge token",
	 "Prints the badge token of PROJECT (a project or an application), alone "
	 "on one line. The server creates it on first read.",
	 no_opts, 1, TOKEN_REQUIRED, parse_project_cmd, cmd_token},
	{"renew", "[PROJECT]", "rotate the badge token; print the new one",
	 "Renews the badge token of PROJECT and prints the new one alone on "
	 "standard output; the old and new tokens, shortened, go to standard "
	 "error (not under --quiet). The renewal is never sent twice blindly.",
	 no_opts, 1, TOKEN_REQUIRED, parse_project_cmd, cmd_renew},
	{"urls", "[PROJECT]", "print the badge URLs with the current token",
	 "Prints the badges the server's UI offers for PROJECT, with its current "
	 "token, written exactly as that UI writes them.",
	 urls_opts, 1, TOKEN_REQUIRED, parse_urls, cmd_urls},
	{"rotate", "[PROJECT...]", "renew many tokens; a line each",
	 "Renews the badge tokens of the named projects, those of --from FILE "
	 "and, with --all, every one the server lists. With --state FILE a "
	 "killed run is finished by running the same command again: every "
	 "project renewed exactly once, every --rewrite file updated.",
	 rotate_opts, -1, TOKEN_REQUIRED, parse_rotate, cmd_rotate},
	{"rewrite", "FILE...", "put the current token in a project's badge URLs",
	 "Replaces the token= value of the project's badge URLs in the files "
	 "with its current token; every other byte stays as it was.",
	 rewrite_opts, -1, TOKEN_REQUIRED, parse_rewrite, cmd_rewrite},
	{"check", "FILE...", "fetch every badge URL in the files",
	 "Fetches each badge URL of the server (--url) found in the files and "
	 "says which no longer render; exit 1 if one does not, or if the files "
	 "hold no badge URL of that server (those of other servers are not "
	 "checked). Needs no user token: badge URLs carry their own.",
	 no_opts, -1, TOKEN_UNUSED, parse_check, cmd_check},
	{"fetch", "[PROJECT]", "write a badge SVG",
	 "Writes the badge image of PROJECT to standard output or FILE. With a "
	 "user token the badge token is read first; without one the badge is "
	 "fetched without a token (public projects).",
	 fetch_opts, 1, TOKEN_OPTIONAL, parse_fetch, cmd_fetch},
	{"projects", "", "list project and application keys",
	 "Lists the keys of the server's projects and applications, one a line "
	 "with its qualifier (TRK, APP). Needs the Administer System "
	 "permission; SonarQube Cloud lists only within an --organization.",
	 projects_opts, 0, TOKEN_REQUIRED, parse_projects, cmd_projects},
	{"help", "[COMMAND]", "show the help of a command",
	 "Prints the usage of COMMAND, the same as sonarbadge COMMAND --help; "
	 "without COMMAND, the general help (sonarbadge --help).",
	 no_opts, 1,
	 TOKEN_UNUSED, NULL, NULL},
};

const size_t cli_command_count = sizeof(cli_commands) / sizeof(cli_commands[0]);

const cli_command *cli_find_command(const char *name)
{
	size_t i;

	for (i = 0; i < cli_command_count; i++)
		if (strcmp(cli_commands[i].name, name) == 0)
			return &cli_commands[i];
	return NULL;
}

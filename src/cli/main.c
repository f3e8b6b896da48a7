/*
 * main.c - the sonarbadge command: parse options, read the user token,
 * create a client over the POSIX port and run one command. Errors are
 * one line on stderr beginning "sonarbadge: ", with a distinct exit code.
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "sb_port_posix.h"

int cli_exit_code(sb_err err)
{
	switch (err) {
	case SB_OK:
		return EXIT_OK;
	case SB_ERR_INVALID_ARG:
	case SB_ERR_CONFIG:
	case SB_ERR_BUFFER_TOO_SMALL:
		return EXIT_USAGE;
	case SB_ERR_DNS:
	case SB_ERR_CONNECT:
	case SB_ERR_NETWORK:
	case SB_ERR_TIMEOUT:
		return EXIT_NETWORK;
	case SB_ERR_TLS:
	case SB_ERR_TLS_VERIFY:
		return EXIT_TLS;
	case SB_ERR_UNAUTHORIZED:
	case SB_ERR_FORBIDDEN:
		return EXIT_AUTH;
	case SB_ERR_NOT_FOUND:
		return EXIT_NOT_FOUND;
	default:
		return EXIT_SERVER;
	}
}

static void trace_line(void *user, const char *line)
{
	(void)user;
	fprintf(stderr, "%s\n", line);
}

static const struct command {
	const char *name;
	int (*parse)(cli_options *o);
	int (*run)(sb_client *c, const cli_options *o);
} commands[] = {
	{"token", parse_project_only, cmd_token},
	{"renew", parse_project_only, cmd_renew},
	{"urls", parse_urls, cmd_urls},
};

int main(int argc, char **argv)
{
	cli_options o;
	sb_config cfg;
	sb_port port;
	sb_posix_ctx px;
	sb_client *client = NULL;
	char user_token[SB_MAX_USER_TOKEN_LEN + 2];
	char msg[SB_MAX_MESSAGE_LEN];
	const struct command *cmd = NULL;
	size_t i;
	int rc;
	sb_err err;

	cli_protect_process();
	rc = cli_parse(argc, argv, &o);
	if (rc >= 0)
		return rc;
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (strcmp(o.command, commands[i].name) == 0)
			cmd = &commands[i];
	if (!cmd) {
		cli_error("unknown command '%.40s' (see sonarbadge --help)",
			  o.command);
		return EXIT_USAGE;
	}
	rc = cmd->parse(&o);
	if (rc >= 0)
		return rc;
	rc = cli_read_user_token(&o, user_token, sizeof(user_token));
	if (rc != 0)
		return rc;

	memset(&cfg, 0, sizeof(cfg));
	cfg.base_url = o.url;
	cfg.user_token = user_token;
	cfg.auth = o.auth;
	cfg.organization = o.organization;
	cfg.ca_file = o.cacert;
	cfg.ca_path = o.capath;
	cfg.insecure = o.insecure;
	cfg.connect_timeout_ms = o.connect_timeout_ms;
	cfg.max_time_ms = o.max_time_ms;
	if (o.verbose)
		cfg.trace = trace_line;
	sb_port_posix_init(&port, &px);
	err = sb_client_create(&cfg, &port, &client, msg, sizeof(msg));
	memset(user_token, 0, sizeof(user_token)); /* the client has a copy */
	if (err != SB_OK) {
		cli_error("%s", msg[0] ? msg : sb_strerror(err));
		return cli_exit_code(err);
	}
	if (strncmp(o.url, "http://", 7) == 0 ||
	    strncmp(o.url, "HTTP://", 7) == 0)
		cli_warn("%s is plain http: the user token and badge tokens "
			 "travel in clear text",
			 sb_client_base_url(client));
	if (o.insecure)
		cli_warn("--insecure: the server certificate is not verified; "
			 "anyone on the path can read the token");
	rc = cmd->run(client, &o);
	sb_client_destroy(client);
	fflush(stdout);
	if (ferror(stdout)) {
		cli_error("cannot write to standard output");
		return rc ? rc : EXIT_USAGE;
	}
	return rc;
}

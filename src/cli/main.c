/*
 * main.c - the sonarbadge command: parse options, read the user token,
 * create a client over the POSIX port and run one command. Errors are
 * one line on stderr beginning "sonarbadge: ", with a distinct exit code.
 */
#include <stdio.h>
#include <stdlib.h>
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
	case SB_ERR_PROXY:
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

static void notice_line(void *user, const char *line)
{
	(void)user;
	fprintf(stderr, "sonarbadge: %s\n", line);
}

/* SONAR_ROOT_CERT: PEM text, as Sonar's scanners take it, or a file. */
static int read_root_cert(char *out, size_t cap)
{
	const char *v = getenv("SONAR_ROOT_CERT");
	FILE *f;
	size_t n;

	if (!v || !*v)
		return 0;
	if (strstr(v, "-----BEGIN")) {
		if (strlen(v) >= cap) {
			cli_error("SONAR_ROOT_CERT is too long");
			return EXIT_USAGE;
		}
		strcpy(out, v);
		return 0;
	}
	f = fopen(v, "r");
	if (!f) {
		cli_error("SONAR_ROOT_CERT is neither PEM text nor a readable "
			  "file");
		return EXIT_USAGE;
	}
	n = fread(out, 1, cap - 1, f);
	fclose(f);
	out[n] = '\0';
	if (!strstr(out, "-----BEGIN")) {
		cli_error("SONAR_ROOT_CERT file %s holds no PEM certificate", v);
		return EXIT_USAGE;
	}
	return 0;
}

static const struct command {
	const char *name;
	int (*parse)(cli_options *o);
	int (*run)(sb_client *c, const cli_options *o);
} commands[] = {
	{"token", parse_project_only, cmd_token},
	{"renew", parse_project_only, cmd_renew},
	{"urls", parse_urls, cmd_urls},
	/* issue 4 */
	{"rotate", parse_rotate, cmd_rotate},
	{"rewrite", parse_rewrite, cmd_rewrite},
	{"check", parse_check, cmd_check},
	{"fetch", parse_fetch, cmd_fetch},
	{"projects", parse_projects, cmd_projects},
};

/* The parsed command line; main frees what parsing allocated. */
static cli_options o;

static int run_command(int argc, char **argv)
{
	sb_config cfg;
	sb_port port;
	sb_posix_ctx px;
	sb_client *client = NULL;
	char user_token[SB_MAX_USER_TOKEN_LEN + 2];
	char passphrase[256];
	static char root_pem[16384];
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
	passphrase[0] = '\0';
	if (o.key_passphrase_file)
		rc = cli_read_secret_file(o.key_passphrase_file, "passphrase",
					  passphrase, sizeof(passphrase));
	else if (getenv("SONAR_KEY_PASSPHRASE"))
		snprintf(passphrase, sizeof(passphrase), "%s",
			 getenv("SONAR_KEY_PASSPHRASE"));
	if (rc == 0)
		rc = read_root_cert(root_pem, sizeof(root_pem));
	if (rc != 0) {
		memset(user_token, 0, sizeof(user_token));
		return rc;
	}

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
	cfg.notice = notice_line;
	cfg.proxy = o.proxy;
	cfg.noproxy = o.noproxy;
	cfg.proxy_tunnel = o.proxytunnel;
	cfg.resolve = o.nresolve ? o.resolve : NULL;
	cfg.extra_root_pem = root_pem[0] ? root_pem : NULL;
	cfg.pinned_pubkey = o.pinned_pubkey;
	cfg.client_cert = o.cert;
	cfg.client_key = o.key;
	cfg.client_key_passphrase = passphrase[0] ? passphrase : NULL;
	cfg.retries = o.retries;
	cfg.retry_max_wait_ms = o.retry_max_wait_ms;
	sb_port_posix_init(&port, &px);
	err = sb_client_create(&cfg, &port, &client, msg, sizeof(msg));
	/* The client has copies of what it needs. */
	memset(user_token, 0, sizeof(user_token));
	memset(passphrase, 0, sizeof(passphrase));
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

int main(int argc, char **argv)
{
	int rc = run_command(argc, argv);

	cli_options_free(&o);
	return rc;
}

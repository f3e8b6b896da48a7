/* cli.h - the sonarbadge command's shared declarations. */
#ifndef SB_CLI_H
#define SB_CLI_H

#include <stddef.h>

#include "sonarbadge/sonarbadge.h"

/* Exit codes (README "Exit codes"). */
enum {
	EXIT_OK = 0,
	EXIT_CHECK = 1,	 /* a check found problems */
	EXIT_USAGE = 2,	 /* usage or configuration error */
	EXIT_NETWORK = 3, /* DNS, connect, reset, time-out */
	EXIT_TLS = 4,	 /* handshake, untrusted certificate, wrong host */
	EXIT_AUTH = 5,	 /* 401, 403 */
	EXIT_NOT_FOUND = 6,
	EXIT_SERVER = 7 /* anything else the server did wrong */
};

#define MAX_METRICS 32

typedef enum { FORMAT_MARKDOWN, FORMAT_URL, FORMAT_JSON } url_format;

typedef struct cli_options {
	const char *command;
	/* Everything after the global options were taken out: the command's
	 * own options and operands, in order (cli_next_arg walks them). */
	char **rest;
	int nrest;
	/* The command's operands, once its parse step has run. */
	const char **args;
	int nargs;

	const char *url;
	const char *token_file;
	const char *organization;
	const char *cacert;
	const char *capath;
	sb_auth auth;
	int insecure;
	unsigned connect_timeout_ms;
	unsigned max_time_ms;
	int verbose;

	/* urls */
	const char *branch;
	const char *metrics[MAX_METRICS];
	int nmetrics;
	url_format format;
} cli_options;

/*
 * Walk o->rest for a command's parse step. Returns 0 at the end, 1 for an
 * operand (in *arg), 2 for an option (*arg is its name, without any
 * "=value"; call cli_option_value for its value), or an exit code (>= 2,
 * negated) after printing a usage error.
 */
typedef struct cli_iter {
	int i;
	int only_operands; /* after "--" */
	const char *inline_value;
} cli_iter;
int cli_next_arg(cli_options *o, cli_iter *it, const char **arg,
		 char *name, size_t name_cap);
/* The value of the option just returned; NULL (error printed) if none. */
const char *cli_option_value(cli_options *o, cli_iter *it, const char *name);
/* Parse step helpers: store an operand; report an unknown option. */
int cli_add_operand(cli_options *o, const char *arg);
int cli_unknown_option(const char *cmd, const char *name);

/* Parse argv and the environment. Returns -1 to go on, else an exit
 * code (after --help, --version, or a usage error already printed). */
int cli_parse(int argc, char **argv, cli_options *o);
void cli_usage(void *stream);

/* Print "sonarbadge: MESSAGE" on stderr. */
void cli_error(const char *fmt, ...)
#if defined(__GNUC__)
	__attribute__((format(printf, 1, 2)))
#endif
	;
void cli_warn(const char *fmt, ...)
#if defined(__GNUC__)
	__attribute__((format(printf, 1, 2)))
#endif
	;

/* The exit code for a library error. */
int cli_exit_code(sb_err err);

/*
 * Read the user token: --token-file (- for stdin), else SONAR_TOKEN.
 * Returns an exit code on failure (message printed), 0 on success.
 */
int cli_read_user_token(const cli_options *o, char *out, size_t cap);

/* Keep secrets out of core dumps and /proc/PID/mem readers. */
void cli_protect_process(void);

/* "sqb_…1a2b": enough to tell tokens apart, not enough to use one. */
void cli_shorten_token(const char *token, char *out, size_t cap);

/*
 * The commands: each has a parse step (its own options and operands from
 * o->rest, before any token is read or connection made; returns -1 to go
 * on, else an exit code) and a run step.
 */
int parse_project_only(cli_options *o);
int cmd_token(sb_client *c, const cli_options *o);
int cmd_renew(sb_client *c, const cli_options *o);
int parse_urls(cli_options *o);
int cmd_urls(sb_client *c, const cli_options *o);

#endif

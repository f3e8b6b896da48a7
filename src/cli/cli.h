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
	const char *args[8];
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

	const char *branch;
	const char *metrics[MAX_METRICS];
	int nmetrics;
	url_format format;
} cli_options;

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

/* The commands. */
int cmd_token(sb_client *c, const cli_options *o);
int cmd_renew(sb_client *c, const cli_options *o);
int cmd_urls(sb_client *c, const cli_options *o);

#endif

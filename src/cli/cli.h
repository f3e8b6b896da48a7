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
	int url_given; /* by --url or SONAR_HOST_URL (not the default) */
	const char *token_file;
	const char *organization;
	const char *cacert;
	const char *capath;
	sb_auth auth;
	int insecure;
	unsigned connect_timeout_ms;
	unsigned max_time_ms;
	int verbose;

	/* Networks (README "Networks"). */
	const char *proxy;
	const char *noproxy;
	int proxytunnel; /* -p: CONNECT for an http:// URL too */
	const char *pinned_pubkey;
	const char *cert;
	const char *key;
	const char *key_passphrase_file;
	const char *resolve[17]; /* NULL-terminated */
	int nresolve;
	int retries;		    /* --retry, default 2 */
	unsigned retry_max_wait_ms; /* --retry-max-wait, default 300 s */

	/* urls */
	const char *branch;
	const char *metrics[MAX_METRICS];
	int nmetrics;
	url_format format;

	/* ---- rotate, rewrite, check, fetch, projects (issue 4) ---- */
	const char *project;	   /* rewrite --project / fetch */
	const char *query;	   /* --query Q */
	const char *from_file;	   /* rotate --from FILE */
	const char *state_file;	   /* rotate --state FILE */
	const char *output;	   /* fetch -o FILE */
	const char **rewrite_files; /* rotate --rewrite FILE (repeatable) */
	int nrewrite;
	long long older_than_s;	   /* rotate --older-than AGE; 0: none */
	int all;		   /* rotate --all */
	int dry_run;		   /* rotate --dry-run */
	int json;		   /* rotate --json */
	int check_only;		   /* rewrite --check */
	int quality_gate;	   /* fetch --quality-gate */
	/* ---- end of issue 4 fields ---- */
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
/* Free what cli_parse allocated. */
void cli_options_free(cli_options *o);
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
/* Read a one-line secret from a file ('-': stdin); 0 or an exit code. */
int cli_read_secret_file(const char *path, const char *what, char *out,
			 size_t cap);

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

/* ---- issue 4: rotate, rewrite, check, fetch, projects ---- */
int parse_rotate(cli_options *o);
int cmd_rotate(sb_client *c, const cli_options *o);
int parse_rewrite(cli_options *o);
int cmd_rewrite(sb_client *c, const cli_options *o);
int parse_check(cli_options *o);
int cmd_check(sb_client *c, const cli_options *o);
int parse_fetch(cli_options *o);
int cmd_fetch(sb_client *c, const cli_options *o);
int parse_projects(cli_options *o);
int cmd_projects(sb_client *c, const cli_options *o);

/* Print the client's message (or err's text) and return the exit code. */
int cli_fail(sb_client *c, sb_err err);
/* JSON string (quoted, escaped) on stdout. */
void cli_json_string(const char *s);

/*
 * sonar-project.properties in the working directory, as the scanners read
 * it: sonar.host.url fills o->url when neither --url nor SONAR_HOST_URL
 * gave one, sonar.organization o->organization likewise; the project key
 * is returned (NULL when absent). Returns -1 to go on, else an exit code.
 */
int cli_props_apply(cli_options *o, const char **project_key);

/* Files (cli_files.c). A file read whole: data[len] is '\0'. */
typedef struct cli_file {
	const char *path;
	char *data;
	size_t len;
} cli_file;
/* Read a file (at most max bytes); an exit code after printing an error
 * ("sonarbadge: cannot read FILE: ..."), 0 on success. */
int cli_file_read(const char *path, size_t max, cli_file *f);
void cli_file_free(cli_file *f);
/*
 * Replace path atomically with data: a temporary file in the same folder,
 * fsync, rename, fsync of the folder. An existing file keeps its mode and
 * owner (a symbolic link is followed: its target is replaced); a new file
 * gets new_mode. Returns 0, or an exit code after printing an error (the
 * file is then as it was).
 */
int cli_file_replace(const char *path, const void *data, size_t len,
		     unsigned new_mode);

/* The rotation state file (cli_state.c). */
typedef struct cli_state cli_state;
/* Load (a missing file is an empty state). Returns 0 or an exit code. */
int cli_state_load(const char *path, cli_state **out);
void cli_state_free(cli_state *s);
/* Seconds since the epoch of the last rotation, or -1. */
long long cli_state_rotated(const cli_state *s, const char *project);
/* The pending record of a rotation that was in flight: 1 and its old
 * token's fingerprint, else 0. */
int cli_state_pending(const cli_state *s, const char *project,
		      char *fp, size_t cap);
/* Record and save (atomically, 0600). Returns 0 or an exit code. */
int cli_state_set_pending(cli_state *s, const char *project,
			  const char *old_token, long long now);
int cli_state_set_rotated(cli_state *s, const char *project, long long now);
/* The fingerprint stored for a token (not reversible). */
void cli_token_fingerprint(const char *token, char *out, size_t cap);
/* ---- end of issue 4 declarations ---- */

#endif

/*
 * cli.h - the sonarbadge command's shared declarations.
 *
 * One convention throughout: a command's parse step returns a
 * cli_parse_result (go on, or stop after printing help or a usage error);
 * every run step returns an exit code. Commands keep their state in
 * locals and in cli_options, never in file-global variables; the only
 * file-global state is the process's: the output's flags (cli_output.c)
 * and the temporary files a signal must remove (cli_target.c).
 */
#ifndef SB_CLI_H
#define SB_CLI_H

#include <stddef.h>
#include <sys/types.h>

#include "sonarbadge/sonarbadge.h"

/* Exit codes (README "Exit codes"). */
enum {
	EXIT_OK = 0,
	EXIT_CHECK = 1,	  /* a check found problems, some projects failed */
	EXIT_USAGE = 2,	  /* usage or configuration error */
	EXIT_NETWORK = 3, /* DNS, connect, reset, time-out */
	EXIT_TLS = 4,	  /* handshake, untrusted certificate, wrong host */
	EXIT_AUTH = 5,	  /* 401, 403 */
	EXIT_NOT_FOUND = 6,
	EXIT_SERVER = 7, /* anything else the server did wrong */
	EXIT_LOCKED = 8, /* another run holds the state file's lock */
	EXIT_WRITE = 9	 /* output or a file could not be written */
};

#define MAX_METRICS 32
#define MAX_RESOLVE 16

typedef enum { FORMAT_MARKDOWN, FORMAT_URL, FORMAT_JSON } url_format;

/* Where the base URL came from (messages say so when it was the file). */
typedef enum {
	URL_DEFAULT,
	URL_OPTION,
	URL_ENV,
	URL_PROPERTIES
} url_source;

/* What a parse step tells the caller. */
typedef enum cli_parse_result {
	CLI_PARSED,	 /* go on */
	CLI_HELP_SHOWN,	 /* help or version printed: exit 0 */
	CLI_USAGE_ERROR	 /* a usage error was printed: exit 2 */
} cli_parse_result;

/* The exit code of a parse step that stopped. */
int cli_parse_exit(cli_parse_result r);

/* Values read from ./sonar-project.properties (cli_props.c). */
typedef struct cli_props {
	int found;
	char project_key[SB_MAX_KEY_LEN + 1];
	char host_url[SB_MAX_HOST_LEN + SB_MAX_PATH_LEN + 32];
	char organization[256];
} cli_props;

struct cli_command;

typedef struct cli_options {
	const struct cli_command *cmd;
	const char **args; /* the command's operands */
	int nargs;

	const char *url;
	url_source url_from;
	const char *token_file;
	const char *organization;
	const char *cacert;
	const char *capath;
	sb_auth auth;
	int insecure;
	unsigned connect_timeout_ms;
	unsigned max_time_ms;
	int verbose;
	int quiet;

	/* Networks (README "Networks"). */
	const char *proxy;
	const char *proxy_user_file;
	const char *noproxy;
	int proxytunnel; /* -p: CONNECT for an http:// URL too */
	const char *pinned_pubkey;
	const char *cert;
	const char *key;
	const char *key_passphrase_file;
	const char *resolve[MAX_RESOLVE + 1]; /* NULL-terminated */
	int nresolve;
	int retries;		    /* --retry, default 2 */
	int retry_connrefused;	    /* --retry-connrefused */
	unsigned retry_max_wait_ms; /* --retry-max-wait, default 300 s */

	/* urls, fetch */
	const char *branch;
	const char *metrics[MAX_METRICS];
	int nmetrics;
	url_format format;
	int quality_gate;     /* fetch --quality-gate */
	const char *output;   /* fetch -o FILE */

	/* rotate, rewrite, check, projects */
	const char *project;	    /* rewrite --project */
	const char *query;	    /* --query Q */
	int projects_only;	    /* --projects-only: no applications */
	const char *from_file;	    /* rotate --from FILE */
	const char *state_file;	    /* rotate --state FILE */
	const char **rewrite_files; /* rotate --rewrite FILE (repeatable) */
	int nrewrite;
	long long older_than_s;	 /* rotate --older-than AGE; 0: none */
	unsigned lock_timeout_ms; /* rotate --lock-timeout S; 0: refuse */
	int jobs;		 /* rotate --jobs N */
	int all;		 /* rotate --all */
	int dry_run;		 /* rotate --dry-run */
	int json;		 /* rotate --json */
	int check_only;		 /* rewrite --check */
	int add_token;		 /* rewrite --add-token */

	cli_props props;
	int have_user_token; /* a user token was read for this run */
	/* rotate --jobs N: the N - 1 clients besides the first (main
	 * makes them, with the same configuration and a shared pacer). */
	sb_client **workers;
} cli_options;

/* ---- Options and commands (cli_args.c, cli_table.c) ---- */

typedef enum cli_opt_id {
	/* Global. */
	OPT_URL,
	OPT_TOKEN_FILE,
	OPT_AUTH,
	OPT_ORGANIZATION,
	OPT_CACERT,
	OPT_CAPATH,
	OPT_INSECURE,
	OPT_CONNECT_TIMEOUT,
	OPT_MAX_TIME,
	OPT_RETRY,
	OPT_RETRY_CONNREFUSED,
	OPT_RETRY_MAX_WAIT,
	OPT_PROXY,
	OPT_PROXY_USER_FILE,
	OPT_NOPROXY,
	OPT_PROXYTUNNEL,
	OPT_RESOLVE,
	OPT_PINNEDPUBKEY,
	OPT_CERT,
	OPT_KEY,
	OPT_KEY_PASSPHRASE_FILE,
	OPT_VERBOSE,
	OPT_QUIET,
	OPT_HELP,
	OPT_VERSION,
	/* Commands'. */
	OPT_BRANCH,
	OPT_METRIC,
	OPT_FORMAT,
	OPT_ALL,
	OPT_QUERY,
	OPT_PROJECTS_ONLY,
	OPT_FROM,
	OPT_STATE,
	OPT_OLDER_THAN,
	OPT_LOCK_TIMEOUT,
	OPT_JOBS,
	OPT_REWRITE,
	OPT_DRY_RUN,
	OPT_JSON,
	OPT_PROJECT,
	OPT_CHECK,
	OPT_ADD_TOKEN,
	OPT_QUALITY_GATE,
	OPT_OUTPUT
} cli_opt_id;

typedef struct cli_opt {
	cli_opt_id id;
	char short_name;  /* 'k' for -k, or 0 */
	const char *name; /* "--insecure" */
	const char *arg;  /* the value's name ("FILE"), NULL for a flag */
	const char *help; /* one line ("\n" continues it in --help) */
	const char *env;  /* environment variables, or NULL */
} cli_opt;

/* Does the command need the user token? */
typedef enum {
	TOKEN_REQUIRED,
	TOKEN_OPTIONAL, /* used when given (fetch reads the badge token) */
	TOKEN_UNUSED	/* never read (check: badge URLs carry their own) */
} cli_token_need;

typedef struct cli_command {
	const char *name;
	const char *operands; /* "[PROJECT]" */
	const char *summary;  /* one line */
	const char *details;  /* paragraph for `help COMMAND`, or NULL */
	const cli_opt *opts;  /* its own options, ended by a NULL name */
	int max_operands;     /* -1: any number */
	cli_token_need token;
	/* After its options were taken: checks and defaults (properties). */
	cli_parse_result (*parse)(cli_options *o);
	int (*run)(sb_client *c, cli_options *o);
} cli_command;

extern const cli_opt cli_global_opts[];
extern const cli_command cli_commands[];
extern const size_t cli_command_count;

const cli_command *cli_find_command(const char *name);

/*
 * Parse argv and the environment into o: global options anywhere, the
 * command, its options and operands; combined short flags (-kv). Prints
 * help, the version or a usage error itself.
 */
cli_parse_result cli_parse(int argc, char **argv, cli_options *o);
/* Free what cli_parse allocated. */
void cli_options_free(cli_options *o);
/* Once the properties file was applied: the default URL (SonarQube
 * Cloud) and the proxy variables for the final URL. */
void cli_finish_options(cli_options *o);

/* Help texts (cli_help.c). */
void cli_usage(void *stream);
void cli_command_help(const cli_command *cmd, void *stream);
/* The nearest known name within a small edit distance, or NULL. */
const char *cli_nearest(const char *word, const char *const *names,
			size_t n);
/* "unknown command 'X'" with a suggestion; always a usage error. */
cli_parse_result cli_unknown_command(const char *name);
/* Usage error for a command ("usage: sonarbadge CMD ..."). */
cli_parse_result cli_command_usage_error(const cli_command *cmd);
/* Usage error when no project was named and ./sonar-project.properties
 * gives none; how: the way to name one ("PROJECT", "--project KEY"). */
cli_parse_result cli_no_project_error(const cli_command *cmd, const char *how);
/* Usage error when no project was named and sonar-project.properties
 * gave none: says how to name one (how: "PROJECT", "--project KEY"). */
cli_parse_result cli_no_project_error(const cli_command *cmd, const char *how);

/* ---- Output (cli_output.c) ---- */

/* Print "sonarbadge: MESSAGE" on stderr (control characters as '?'). */
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
/* An informational line on stderr; silent under --quiet. */
void cli_info(const char *fmt, ...)
#if defined(__GNUC__)
	__attribute__((format(printf, 1, 2)))
#endif
	;
void cli_set_quiet(int quiet);

/*
 * Standard output: cli_out writes and flushes at line ends; once a write
 * fails (a closed pipe, a full disk) every later one is dropped and
 * cli_out_failed() says so. SIGPIPE is ignored, so this is how a closed
 * pipe shows.
 */
void cli_out(const char *fmt, ...)
#if defined(__GNUC__)
	__attribute__((format(printf, 1, 2)))
#endif
	;
void cli_out_bytes(const void *data, size_t len);
/* A JSON string, quoted and escaped; invalid UTF-8 bytes as U+FFFD. */
void cli_out_json_string(const char *s);
/* Flush; nonzero once any write to stdout failed. */
int cli_out_failed(void);

/* The exit code for a library error. */
int cli_exit_code(sb_err err);
/* Print the client's message (or err's text) and return the exit code. */
int cli_fail(sb_client *c, sb_err err);

/* ---- Secrets (cli_secret.c) ---- */

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

/* ---- sonar-project.properties (cli_props.c) ---- */

/*
 * Read ./sonar-project.properties, as Sonar's scanners read it, into
 * o->props (once). Returns 0, or an exit code after printing an error.
 */
int cli_props_load(cli_options *o);
/*
 * Apply the file's defaults: sonar.host.url when neither --url nor
 * SONAR_HOST_URL gave one (said on stderr; a plain http:// URL from the
 * file is refused unless --url/SONAR_HOST_URL named the same host),
 * sonar.organization likewise. Returns 0 or an exit code.
 */
int cli_props_apply(cli_options *o);
/* The project key: the operand, else sonar.projectKey, else NULL. */
const char *cli_project_or_props(const cli_options *o);

/* ---- The commands (cmd_*.c) ---- */

cli_parse_result parse_project_cmd(cli_options *o);
int cmd_token(sb_client *c, cli_options *o);
int cmd_renew(sb_client *c, cli_options *o);
cli_parse_result parse_urls(cli_options *o);
/* The branch parameter as the UI writes it (NULL for the main branch);
 * 0 or an exit code after an error. */
int cli_badge_branch(sb_client *c, const char *project, const char *branch,
		     const char **out);
int cmd_urls(sb_client *c, cli_options *o);
cli_parse_result parse_rotate(cli_options *o);
int cmd_rotate(sb_client *c, cli_options *o);
cli_parse_result parse_rewrite(cli_options *o);
int cmd_rewrite(sb_client *c, cli_options *o);
cli_parse_result parse_check(cli_options *o);
int cmd_check(sb_client *c, cli_options *o);
cli_parse_result parse_fetch(cli_options *o);
int cmd_fetch(sb_client *c, cli_options *o);
cli_parse_result parse_projects(cli_options *o);
int cmd_projects(sb_client *c, cli_options *o);

/* ---- Files (cli_files.c) ---- */

/* A file read whole: data[len] is '\0'. */
typedef struct cli_file {
	const char *path;
	char *data;
	size_t len;
} cli_file;
/*
 * Read a regular file (or "-" for stdin) of at most max bytes; a folder,
 * FIFO or device is refused at once. Returns 0, or an exit code after
 * printing "sonarbadge: cannot read FILE: ...". what names the file's
 * role in messages ("state file"), or NULL.
 */
int cli_file_read(const char *path, const char *what, size_t max,
		  cli_file *f);
/* cli_file_read of a file already open (and checked) as fd, which it
 * closes; path names it in messages. */
int cli_file_read_fd(int fd, const char *path, const char *what, size_t max,
		     cli_file *f);
/* Open a regular file for reading without ever blocking (a FIFO or a
 * device is refused at once); -1 after printing an error. */
int cli_open_regular(const char *path, const char *what);
/* "a directory", "a FIFO", ... for a file that is not a regular one. */
const char *cli_file_kind(mode_t mode);
void cli_file_free(cli_file *f);
#endif

/*
 * cli_args.c - the command line: global options anywhere, the command,
 * its own options and operands, "--", combined short flags (-kv), values
 * as "--opt V" or "--opt=V" (and "-oFILE"), then the environment's
 * defaults.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

int cli_parse_exit(cli_parse_result r)
{
	return r == CLI_HELP_SHOWN ? EXIT_OK : EXIT_USAGE;
}

static const char *env(const char *name)
{
	const char *v = getenv(name);

	return v && *v ? v : NULL;
}

static const cli_opt *find_long(const cli_opt *t, const char *name,
				size_t len)
{
	for (; t->name; t++)
		if (strlen(t->name) == len && memcmp(t->name, name, len) == 0)
			return t;
	return NULL;
}

static const cli_opt *find_short(const cli_opt *t, char c)
{
	for (; t->name; t++)
		if (t->short_name && t->short_name == c)
			return t;
	return NULL;
}

/* The option's spelling for messages: "--url" or "-o". */
static void spelled(const cli_opt *opt, int as_short, char *out, size_t cap)
{
	if (as_short)
		snprintf(out, cap, "-%c", opt->short_name);
	else
		snprintf(out, cap, "%s", opt->name);
}

/* Seconds (integer or decimal, 0 to 86400) to milliseconds; -1 when
 * malformed. A positive value never rounds down to 0. */
static int parse_seconds(const char *s, unsigned *ms)
{
	char *end;
	double v = strtod(s, &end);

	if (end == s || *end || !(v >= 0 && v <= 86400.0) || s[0] == ' ')
		return -1;
	*ms = (unsigned)(v * 1000.0 + 0.5);
	if (*ms == 0 && v > 0)
		*ms = 1;
	return 0;
}

static int parse_int(const char *s, long lo, long hi, long *out)
{
	char *end;
	long n = strtol(s, &end, 10);

	if (end == s || *end || n < lo || n > hi || s[0] == '+' ||
	    s[0] == ' ')
		return -1;
	*out = n;
	return 0;
}

/* 90d, 12h, 30m, 45s -> seconds; -1 when malformed. */
static long long parse_age(const char *s)
{
	char *end;
	long long v, mul;

	if (*s < '0' || *s > '9')
		return -1;
	v = strtoll(s, &end, 10);
	if (end == s || v <= 0 || v > 100000000LL || !end[0] || end[1])
		return -1;
	switch (*end) {
	case 's':
		mul = 1;
		break;
	case 'm':
		mul = 60;
		break;
	case 'h':
		mul = 3600;
		break;
	case 'd':
		mul = 86400;
		break;
	default:
		return -1;
	}
	return v * mul;
}

static int known_metric(const char *m)
{
	return strcmp(m, "quality_gate") == 0 || sb_badge_metric_label(m);
}

static cli_parse_result unknown_metric(const char *v)
{
	char known[1024] = "quality_gate";
	size_t i, k = strlen(known);

	for (i = 0; i < sb_badge_metric_count && k < sizeof(known); i++)
		k += (size_t)snprintf(known + k, sizeof(known) - k, ", %s",
				      sb_badge_metrics[i].key);
	cli_error("unknown metric '%.60s' (known: %s)", v, known);
	return CLI_USAGE_ERROR;
}

/* Store one option's value (or flag) in o; name is how it was spelled. */
static cli_parse_result set_option(cli_options *o, const cli_opt *opt,
				   const char *name, const char *v)
{
	long n;
	unsigned ms;

	switch (opt->id) {
	case OPT_URL:
		o->url = v;
		o->url_from = URL_OPTION;
		break;
	case OPT_TOKEN_FILE:
		o->token_file = v;
		break;
	case OPT_AUTH:
		if (strcmp(v, "basic") == 0)
			o->auth = SB_AUTH_BASIC;
		else if (strcmp(v, "bearer") == 0)
			o->auth = SB_AUTH_BEARER;
		else {
			cli_error("--auth takes basic or bearer");
			return CLI_USAGE_ERROR;
		}
		break;
	case OPT_ORGANIZATION:
		o->organization = v;
		break;
	case OPT_CACERT:
		o->cacert = v;
		break;
	case OPT_CAPATH:
		o->capath = v;
		break;
	case OPT_INSECURE:
		o->insecure = 1;
		break;
	case OPT_CONNECT_TIMEOUT:
	case OPT_MAX_TIME:
	case OPT_RETRY_MAX_WAIT:
		if (parse_seconds(v, &ms) != 0 || ms == 0) {
			cli_error("%s takes a number of seconds (0 < S <= 86400)",
				  name);
			return CLI_USAGE_ERROR;
		}
		if (opt->id == OPT_CONNECT_TIMEOUT)
			o->connect_timeout_ms = ms;
		else if (opt->id == OPT_MAX_TIME)
			o->max_time_ms = ms;
		else
			o->retry_max_wait_ms = ms;
		break;
	case OPT_RETRY:
		if (parse_int(v, 0, 10, &n) != 0) {
			cli_error("--retry takes a number from 0 to 10");
			return CLI_USAGE_ERROR;
		}
		o->retries = (int)n;
		break;
	case OPT_RETRY_CONNREFUSED:
		o->retry_connrefused = 1;
		break;
	case OPT_PROXY:
		o->proxy = v;
		break;
	case OPT_PROXY_USER_FILE:
		o->proxy_user_file = v;
		break;
	case OPT_NOPROXY:
		o->noproxy = v;
		break;
	case OPT_PROXYTUNNEL:
		o->proxytunnel = 1;
		break;
	case OPT_RESOLVE:
		if (o->nresolve == MAX_RESOLVE) {
			cli_error("too many --resolve options (%d at most)",
				  MAX_RESOLVE);
			return CLI_USAGE_ERROR;
		}
		o->resolve[o->nresolve++] = v;
		break;
	case OPT_PINNEDPUBKEY:
		o->pinned_pubkey = v;
		break;
	case OPT_CERT:
		o->cert = v;
		break;
	case OPT_KEY:
		o->key = v;
		break;
	case OPT_KEY_PASSPHRASE_FILE:
		o->key_passphrase_file = v;
		break;
	case OPT_VERBOSE:
		o->verbose = 1;
		break;
	case OPT_QUIET:
		o->quiet = 1;
		break;
	case OPT_HELP:
	case OPT_VERSION:
		break; /* handled by the caller */
	case OPT_BRANCH:
		o->branch = v;
		break;
	case OPT_METRIC:
		if (!known_metric(v))
			return unknown_metric(v);
		if (o->nmetrics == MAX_METRICS) {
			cli_error("too many --metric options");
			return CLI_USAGE_ERROR;
		}
		o->metrics[o->nmetrics++] = v;
		break;
	case OPT_FORMAT:
		if (strcmp(v, "markdown") == 0)
			o->format = FORMAT_MARKDOWN;
		else if (strcmp(v, "url") == 0)
			o->format = FORMAT_URL;
		else if (strcmp(v, "json") == 0)
			o->format = FORMAT_JSON;
		else {
			cli_error("--format takes markdown, url or json");
			return CLI_USAGE_ERROR;
		}
		break;
	case OPT_ALL:
		o->all = 1;
		break;
	case OPT_QUERY:
		o->query = v;
		break;
	case OPT_PROJECTS_ONLY:
		o->projects_only = 1;
		break;
	case OPT_FROM:
		o->from_file = v;
		break;
	case OPT_STATE:
		o->state_file = v;
		break;
	case OPT_OLDER_THAN:
		o->older_than_s = parse_age(v);
		if (o->older_than_s < 0) {
			cli_error("--older-than takes a number and a unit: s, m, "
				  "h or d (e.g. 90d)");
			return CLI_USAGE_ERROR;
		}
		break;
	case OPT_LOCK_TIMEOUT:
		if (parse_seconds(v, &ms) != 0) {
			cli_error("--lock-timeout takes a number of seconds (0 "
				  "<= S <= 86400)");
			return CLI_USAGE_ERROR;
		}
		o->lock_timeout_ms = ms;
		break;
	case OPT_JOBS:
		if (parse_int(v, 1, 16, &n) != 0) {
			cli_error("--jobs takes a number from 1 to 16");
			return CLI_USAGE_ERROR;
		}
		o->jobs = (int)n;
		break;
	case OPT_REWRITE:
		o->rewrite_files[o->nrewrite++] = v;
		break;
	case OPT_DRY_RUN:
		o->dry_run = 1;
		break;
	case OPT_JSON:
		o->json = 1;
		break;
	case OPT_PROJECT:
		o->project = v;
		break;
	case OPT_CHECK:
		o->check_only = 1;
		break;
	case OPT_ADD_TOKEN:
		o->add_token = 1;
		break;
	case OPT_QUALITY_GATE:
		o->quality_gate = 1;
		break;
	case OPT_OUTPUT:
		o->output = v;
		break;
	}
	return CLI_PARSED;
}

/* Every option name known to cmd (global ones too), for suggestions. */
static const char *nearest_option(const char *name, const cli_command *cmd)
{
	const char *names[64];
	size_t n = 0;
	const cli_opt *t;

	for (t = cli_global_opts; t->name && n < 64; t++)
		names[n++] = t->name;
	for (t = cmd ? cmd->opts : NULL; t && t->name && n < 64; t++)
		names[n++] = t->name;
	return cli_nearest(name, names, n);
}

static cli_parse_result unknown_option(const char *arg, const cli_command *cmd)
{
	char name[48];
	const char *eq = strchr(arg, '='), *near;
	size_t len = eq ? (size_t)(eq - arg) : strlen(arg);

	if (len >= sizeof(name))
		len = sizeof(name) - 1;
	memcpy(name, arg, len);
	name[len] = '\0';
	near = nearest_option(name, cmd);
	if (cmd)
		cli_error("unknown option '%.40s' for %s%s%s%s (see sonarbadge "
			  "help %s)",
			  name, cmd->name, near ? " (did you mean '" : "",
			  near ? near : "", near ? "'?)" : "", cmd->name);
	else
		cli_error("unknown option '%.40s'%s%s%s (see sonarbadge --help)",
			  name, near ? " (did you mean '" : "", near ? near : "",
			  near ? "'?)" : "");
	return CLI_USAGE_ERROR;
}

/* Does some command have this long option? Then its value is known. */
static const cli_opt *any_command_opt(const char *name, size_t len)
{
	size_t i;
	const cli_opt *opt;

	for (i = 0; i < cli_command_count; i++)
		if ((opt = find_long(cli_commands[i].opts, name, len)) != NULL)
			return opt;
	return NULL;
}

/* One option met before the command was known, kept to apply later. */
typedef struct deferred {
	const char *arg;   /* as written */
	const char *value; /* or NULL */
} deferred;

typedef struct parser {
	cli_options *o;
	int argc;
	char **argv;
	int i;
	int help;
	int only_operands;
	deferred *later;
	int nlater;
} parser;

static cli_parse_result add_operand(parser *p, const char *arg)
{
	cli_options *o = p->o;

	if (!o->cmd && !p->only_operands) {
		o->cmd = cli_find_command(arg);
		if (!o->cmd)
			return cli_unknown_command(arg);
		return CLI_PARSED;
	}
	if (!o->cmd) {
		cli_error("no command given before '--' (see sonarbadge --help)");
		return CLI_USAGE_ERROR;
	}
	o->args[o->nargs++] = arg;
	return CLI_PARSED;
}

/* The value of an option that takes one: inline, or the next argument. */
static const char *take_value(parser *p, const char *inline_value,
			      const char *name)
{
	if (inline_value)
		return inline_value;
	if (p->i + 1 < p->argc)
		return p->argv[++p->i];
	cli_error("%s needs a value", name);
	return NULL;
}

static cli_parse_result apply(parser *p, const cli_opt *opt, int as_short,
			      const char *inline_value)
{
	char name[48];
	const char *v = NULL;

	spelled(opt, as_short, name, sizeof(name));
	if (opt->arg) {
		v = take_value(p, inline_value, name);
		if (!v)
			return CLI_USAGE_ERROR;
	} else if (inline_value) {
		cli_error("%s takes no value", name);
		return CLI_USAGE_ERROR;
	}
	if (opt->id == OPT_HELP) {
		p->help = 1;
		return CLI_PARSED;
	}
	if (opt->id == OPT_VERSION) {
		char tls[48];

		sb_tls_library(tls, sizeof(tls));
		printf("sonarbadge %s (%s)\n", SB_VERSION, tls);
		return CLI_HELP_SHOWN;
	}
	return set_option(p->o, opt, name, v);
}

static cli_parse_result long_option(parser *p, const char *arg)
{
	const char *eq = strchr(arg, '=');
	size_t len = eq ? (size_t)(eq - arg) : strlen(arg);
	const cli_opt *opt;

	if (len == 7 && memcmp(arg, "--token", 7) == 0) {
		/* Never echo what follows: it may be the secret itself. */
		cli_error("there is no --token option: a secret on the command "
			  "line leaks through ps and shell history; use "
			  "SONAR_TOKEN or --token-file FILE");
		return CLI_USAGE_ERROR;
	}
	opt = find_long(cli_global_opts, arg, len);
	if (!opt && p->o->cmd)
		opt = find_long(p->o->cmd->opts, arg, len);
	if (opt)
		return apply(p, opt, 0, eq ? eq + 1 : NULL);
	if (!p->o->cmd && (opt = any_command_opt(arg, len)) != NULL) {
		/* Before the command: keep it (and its value) for later. */
		deferred *d = &p->later[p->nlater++];

		d->arg = arg;
		d->value = NULL;
		if (opt->arg && !eq) {
			d->value = take_value(p, NULL, opt->name);
			if (!d->value)
				return CLI_USAGE_ERROR;
		}
		return CLI_PARSED;
	}
	return unknown_option(arg, p->o->cmd);
}

/* "-kvq": flags in a row; the last may take a value ("-oFILE", or the
 * next argument). */
static cli_parse_result short_group(parser *p, const char *arg)
{
	const char *s;
	cli_parse_result r;

	for (s = arg + 1; *s; s++) {
		const cli_opt *opt = find_short(cli_global_opts, *s);
		char one[3] = {'-', *s, '\0'};

		if (!opt && p->o->cmd)
			opt = find_short(p->o->cmd->opts, *s);
		if (!opt)
			return unknown_option(one, p->o->cmd);
		if (opt->arg) /* "-oFILE", or "-o FILE" when last */
			return apply(p, opt, 1, s[1] ? s + 1 : NULL);
		r = apply(p, opt, 1, NULL);
		if (r != CLI_PARSED)
			return r;
	}
	return CLI_PARSED;
}

static cli_parse_result one_arg(parser *p)
{
	const char *arg = p->argv[p->i];

	if (p->only_operands || arg[0] != '-' || arg[1] == '\0')
		return add_operand(p, arg);
	if (strcmp(arg, "--") == 0) {
		p->only_operands = 1;
		return CLI_PARSED;
	}
	if (arg[1] == '-')
		return long_option(p, arg);
	return short_group(p, arg);
}

/* Options met before the command, now that it is known. */
static cli_parse_result apply_deferred(parser *p)
{
	int k;

	for (k = 0; k < p->nlater; k++) {
		const char *arg = p->later[k].arg;
		const char *eq = strchr(arg, '=');
		size_t len = eq ? (size_t)(eq - arg) : strlen(arg);
		const cli_opt *opt = find_long(p->o->cmd->opts, arg, len);
		char name[48];
		cli_parse_result r;

		if (!opt)
			return unknown_option(arg, p->o->cmd);
		spelled(opt, 0, name, sizeof(name));
		if (opt->arg && !eq && !p->later[k].value) {
			cli_error("%s needs a value", name);
			return CLI_USAGE_ERROR;
		}
		if (!opt->arg && eq) {
			cli_error("%s takes no value", name);
			return CLI_USAGE_ERROR;
		}
		r = set_option(p->o, opt, name,
			       eq ? eq + 1 : p->later[k].value);
		if (r != CLI_PARSED)
			return r;
	}
	return CLI_PARSED;
}

/* Defaults from the environment, as curl and Sonar's scanners read it. */
static void environment(cli_options *o)
{
	if (!o->url && (o->url = env("SONAR_HOST_URL")) != NULL)
		o->url_from = URL_ENV;
	if (!o->organization)
		o->organization = env("SONAR_ORGANIZATION");
	if (!o->cacert)
		o->cacert = env("SSL_CERT_FILE");
	if (!o->cacert && !o->capath)
		o->capath = env("SSL_CERT_DIR");
}

void cli_finish_options(cli_options *o)
{
	if (!o->url) {
		o->url = "https://sonarcloud.io";
		o->url_from = URL_DEFAULT;
	}
	/* Proxy variables as curl reads them, for the final URL: for
	 * http:// only the lowercase http_proxy (HTTP_PROXY can be set by a
	 * CGI client). */
	if (!o->proxy) {
		if (strncmp(o->url, "http://", 7) == 0)
			o->proxy = env("http_proxy");
		else if (!(o->proxy = env("https_proxy")))
			o->proxy = env("HTTPS_PROXY");
		if (!o->proxy && !(o->proxy = env("all_proxy")))
			o->proxy = env("ALL_PROXY");
	}
	if (!o->noproxy && !(o->noproxy = env("no_proxy")))
		o->noproxy = env("NO_PROXY");
}

/* `help [COMMAND]` */
static cli_parse_result help_command(cli_options *o)
{
	const cli_command *cmd;

	if (o->nargs == 0) {
		cli_usage(stdout);
		return CLI_HELP_SHOWN;
	}
	cmd = cli_find_command(o->args[0]);
	if (!cmd)
		return cli_unknown_command(o->args[0]);
	cli_command_help(cmd, stdout);
	return CLI_HELP_SHOWN;
}

cli_parse_result cli_parse(int argc, char **argv, cli_options *o)
{
	parser p;
	cli_parse_result r = CLI_PARSED;
	size_t n = argc > 0 ? (size_t)argc : 1;

	memset(o, 0, sizeof(*o));
	memset(&p, 0, sizeof(p));
	o->retries = 2;
	o->jobs = 1;
	o->args = calloc(n, sizeof(char *));
	o->rewrite_files = calloc(n, sizeof(char *));
	p.later = calloc(n, sizeof(deferred));
	if (!o->args || !o->rewrite_files || !p.later) {
		free(p.later);
		cli_error("out of memory");
		return CLI_USAGE_ERROR;
	}
	p.o = o;
	p.argc = argc;
	p.argv = argv;
	for (p.i = 1; p.i < argc && r == CLI_PARSED; p.i++)
		r = one_arg(&p);
	if (r == CLI_PARSED && o->cmd)
		r = apply_deferred(&p);
	else if (r == CLI_PARSED && p.nlater && !p.help) {
		cli_error("'%.40s' is an option of a command; no command was "
			  "given (see sonarbadge --help)",
			  p.later[0].arg);
		r = CLI_USAGE_ERROR;
	}
	free(p.later);
	if (r != CLI_PARSED)
		return r;
	if (p.help || (o->cmd && !o->cmd->run)) {
		if (o->cmd && o->cmd->run) {
			cli_command_help(o->cmd, stdout);
			return CLI_HELP_SHOWN;
		}
		if (o->cmd) /* help [COMMAND] */
			return help_command(o);
		cli_usage(stdout);
		return CLI_HELP_SHOWN;
	}
	if (!o->cmd) {
		cli_usage(stderr);
		return CLI_USAGE_ERROR;
	}
	if (o->cmd->max_operands >= 0 && o->nargs > o->cmd->max_operands)
		return cli_command_usage_error(o->cmd);
	cli_set_quiet(o->quiet);
	environment(o);
	return CLI_PARSED;
}

void cli_options_free(cli_options *o)
{
	free((void *)o->args);
	free((void *)o->rewrite_files);
	o->args = NULL;
	o->rewrite_files = NULL;
}

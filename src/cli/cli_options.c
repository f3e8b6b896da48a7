/* cli_options.c - command-line and environment parsing for sonarbadge. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

void cli_error(const char *fmt, ...)
{
	va_list ap;

	fputs("sonarbadge: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

void cli_warn(const char *fmt, ...)
{
	va_list ap;

	fputs("sonarbadge: warning: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

void cli_usage(void *stream)
{
	fputs(
"Usage: sonarbadge [OPTIONS] COMMAND ARGS\n"
"\n"
"Read and rotate SonarQube / SonarCloud project badge tokens.\n"
"\n"
"Commands:\n"
"  token PROJECT        print the project's badge token\n"
"  renew PROJECT        rotate the badge token; print the new one\n"
"  urls PROJECT         print the project's badge URLs with the current token\n"
"      --branch B         badges of branch B (default: the main branch)\n"
"      --metric M         only metric M (repeatable; 'quality_gate' for the\n"
"                         quality gate badge)\n"
"      --format F         markdown (default), url or json\n"
"\n"
"Options (environment variable in brackets):\n"
"  --url URL            server base URL [SONAR_HOST_URL]\n"
"                       (default https://sonarcloud.io)\n"
"  --token-file FILE    read the user token from FILE ('-': stdin)\n"
"                       [else SONAR_TOKEN]; no option takes a secret\n"
"  --auth basic|bearer  how the token is sent (default basic)\n"
"  --organization ORG   SonarCloud organization [SONAR_ORGANIZATION]\n"
"  --cacert FILE        trust the CAs in FILE [SSL_CERT_FILE]\n"
"  --capath DIR         trust the CAs in DIR [SSL_CERT_DIR]\n"
"  -k, --insecure       do not verify the server certificate (unsafe)\n"
"  --connect-timeout S  seconds for connect and TLS handshake (default 10)\n"
"  --max-time S         seconds for the whole command (default 60)\n"
"  -v, --verbose        show requests and responses (secrets redacted)\n"
"  -h, --help           show this help\n"
"  -V, --version        show the version\n"
"\n"
"Exit codes: 0 ok, 1 check failed, 2 usage or configuration, 3 network,\n"
"4 TLS, 5 authentication or permission, 6 project not found, 7 server.\n",
		(FILE *)stream);
}

/* Seconds (integer or decimal) to milliseconds; 0 on error. */
static unsigned parse_seconds(const char *s)
{
	char *end;
	double v = strtod(s, &end);

	if (end == s || *end || !(v > 0) || v > 86400.0)
		return 0;
	return (unsigned)(v * 1000.0 + 0.5) ? (unsigned)(v * 1000.0 + 0.5)
					     : 1;
}

static const char *env(const char *name)
{
	const char *v = getenv(name);

	return v && *v ? v : NULL;
}

/* Options that take a value; the rest are flags. */
static const char *const valued[] = {
	"--url",     "--token-file",	  "--auth",	 "--organization",
	"--cacert",  "--capath",	  "--connect-timeout",
	"--max-time", "--branch",	  "--metric",	 "--format",
	NULL,
};

static int takes_value(const char *name)
{
	int i;

	for (i = 0; valued[i]; i++)
		if (strcmp(valued[i], name) == 0)
			return 1;
	return 0;
}

static int set_option(cli_options *o, const char *name, const char *value)
{
	if (strcmp(name, "--url") == 0) {
		o->url = value;
	} else if (strcmp(name, "--token-file") == 0) {
		o->token_file = value;
	} else if (strcmp(name, "--auth") == 0) {
		if (strcmp(value, "basic") == 0)
			o->auth = SB_AUTH_BASIC;
		else if (strcmp(value, "bearer") == 0)
			o->auth = SB_AUTH_BEARER;
		else {
			cli_error("--auth takes basic or bearer");
			return EXIT_USAGE;
		}
	} else if (strcmp(name, "--organization") == 0) {
		o->organization = value;
	} else if (strcmp(name, "--cacert") == 0) {
		o->cacert = value;
	} else if (strcmp(name, "--capath") == 0) {
		o->capath = value;
	} else if (strcmp(name, "--connect-timeout") == 0 ||
		   strcmp(name, "--max-time") == 0) {
		unsigned ms = parse_seconds(value);

		if (!ms) {
			cli_error("%s takes a number of seconds (0 < S <= "
				  "86400)",
				  name);
			return EXIT_USAGE;
		}
		if (name[2] == 'c')
			o->connect_timeout_ms = ms;
		else
			o->max_time_ms = ms;
	} else if (strcmp(name, "--branch") == 0) {
		o->branch = value;
	} else if (strcmp(name, "--metric") == 0) {
		if (o->nmetrics == MAX_METRICS) {
			cli_error("too many --metric options");
			return EXIT_USAGE;
		}
		o->metrics[o->nmetrics++] = value;
	} else if (strcmp(name, "--format") == 0) {
		if (strcmp(value, "markdown") == 0)
			o->format = FORMAT_MARKDOWN;
		else if (strcmp(value, "url") == 0)
			o->format = FORMAT_URL;
		else if (strcmp(value, "json") == 0)
			o->format = FORMAT_JSON;
		else {
			cli_error("--format takes markdown, url or json");
			return EXIT_USAGE;
		}
	}
	return -1;
}

static int set_flag(cli_options *o, const char *arg)
{
	if (strcmp(arg, "-h") == 0 || strcmp(arg, "--help") == 0) {
		cli_usage(stdout);
		return EXIT_OK;
	}
	if (strcmp(arg, "-V") == 0 || strcmp(arg, "--version") == 0) {
		printf("sonarbadge %s\n", SB_VERSION);
		return EXIT_OK;
	}
	if (strcmp(arg, "-v") == 0 || strcmp(arg, "--verbose") == 0) {
		o->verbose = 1;
		return -1;
	}
	if (strcmp(arg, "-k") == 0 || strcmp(arg, "--insecure") == 0) {
		o->insecure = 1;
		return -1;
	}
	if (strncmp(arg, "--token", 7) == 0 &&
	    (arg[7] == '\0' || arg[7] == '=')) {
		/* Never echo what follows: it may be the secret itself. */
		cli_error("there is no --token option: a secret on the command "
			  "line leaks through ps and shell history; use "
			  "SONAR_TOKEN or --token-file FILE");
		return EXIT_USAGE;
	}
	cli_error("unknown option '%.40s' (see sonarbadge --help)", arg);
	return EXIT_USAGE;
}

int cli_parse(int argc, char **argv, cli_options *o)
{
	int i, rc, only_args = 0;

	memset(o, 0, sizeof(*o));
	o->url = env("SONAR_HOST_URL");
	o->organization = env("SONAR_ORGANIZATION");
	for (i = 1; i < argc; i++) {
		const char *arg = argv[i];

		if (!only_args && strcmp(arg, "--") == 0) {
			only_args = 1;
			continue;
		}
		if (!only_args && arg[0] == '-' && arg[1] != '\0' &&
		    strcmp(arg, "-") != 0) {
			const char *eq = strchr(arg, '=');
			char name[32];
			size_t n = eq ? (size_t)(eq - arg) : strlen(arg);

			if (n < sizeof(name)) {
				memcpy(name, arg, n);
				name[n] = '\0';
			} else {
				name[0] = '\0';
			}
			if (takes_value(name)) {
				const char *value = eq ? eq + 1 : NULL;

				if (!value && i + 1 < argc)
					value = argv[++i];
				if (!value) {
					cli_error("%s needs a value", name);
					return EXIT_USAGE;
				}
				rc = set_option(o, name, value);
			} else {
				rc = set_flag(o, arg);
			}
			if (rc >= 0)
				return rc;
			continue;
		}
		if (!o->command) {
			o->command = arg;
		} else if (o->nargs < (int)(sizeof(o->args) / sizeof(o->args[0]))) {
			o->args[o->nargs++] = arg;
		} else {
			cli_error("too many arguments");
			return EXIT_USAGE;
		}
	}
	if (!o->command) {
		cli_usage(stderr);
		return EXIT_USAGE;
	}
	if (!o->cacert)
		o->cacert = env("SSL_CERT_FILE");
	if (!o->cacert && !o->capath)
		o->capath = env("SSL_CERT_DIR");
	if (!o->url)
		o->url = "https://sonarcloud.io";
	return -1;
}

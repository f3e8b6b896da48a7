/* cli_options.c - command-line and environment parsing for sonarbadge. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "sb_util.h"

/* One line on stderr: a file name or an argument echoed in the message
 * cannot break it (control characters become '?'). */
#if defined(__GNUC__)
__attribute__((format(printf, 2, 0)))
#endif
static void say(const char *prefix, const char *fmt, va_list ap)
{
	char raw[2048], line[2048];

	if (vsnprintf(raw, sizeof(raw), fmt, ap) < 0)
		raw[0] = '\0';
	sb_printable(raw, line, sizeof(line));
	fprintf(stderr, "%s%s\n", prefix, line);
}

void cli_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	say("sonarbadge: ", fmt, ap);
	va_end(ap);
}

void cli_warn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	say("sonarbadge: warning: ", fmt, ap);
	va_end(ap);
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
"  rotate [PROJECT...]  renew many tokens over one connection; a line each\n"
"      --all | --query Q  every project (api/projects/search), or matching Q\n"
"      --from FILE        project keys, one per line ('#' comments)\n"
"      --state FILE       when each project was rotated (crash-safe)\n"
"      --older-than AGE   skip projects rotated more recently (90d, 12h...)\n"
"      --rewrite FILE     then put the new tokens in FILE (repeatable)\n"
"      --dry-run          list what would be rotated; change nothing\n"
"      --json             one JSON object per project\n"
"  rewrite --project KEY FILE...  put the current token in KEY's badge URLs\n"
"      --check            change nothing; exit 1 if a token is stale\n"
"  check FILE...        fetch every badge URL in the files; exit 1 if any\n"
"                       no longer renders\n"
"  fetch PROJECT        write a badge SVG: [--metric M | --quality-gate]\n"
"                       [--branch B] [-o FILE]\n"
"  projects [--query Q] list project keys\n"
"  (PROJECT, --url and --organization default to sonar.projectKey,\n"
"  sonar.host.url and sonar.organization in ./sonar-project.properties)\n"
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
"  --retry N            retries of a GET after transient failures (default 2)\n"
"  --retry-max-wait S   longest Retry-After honoured (default 300)\n"
"  --proxy URL          HTTP proxy [https_proxy, HTTPS_PROXY, all_proxy, ...]\n"
"  --noproxy LIST       hosts that bypass the proxy [no_proxy, NO_PROXY]\n"
"  -p, --proxytunnel    CONNECT through the proxy for an http:// URL too\n"
"  --resolve H:P:ADDR   connect to ADDR for host H port P (repeatable)\n"
"  --pinnedpubkey PINS  sha256//BASE64[;...] of the server's public key\n"
"  --cert FILE, --key FILE  client certificate and key (PEM)\n"
"  --key-passphrase-file FILE  the key's passphrase [SONAR_KEY_PASSPHRASE]\n"
"                       (SONAR_ROOT_CERT: one more trusted root, PEM)\n"
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

/* argv without operands: an empty list that is never freed. */
static char *none_args[1];

/* Global options that take a value. */
static const char *const valued[] = {
	"--url",	"--token-file", "--auth",	     "--organization",
	"--cacert",	"--capath",	"--connect-timeout", "--max-time",
	"--proxy",	"--noproxy",	"--pinnedpubkey",    "--cert",
	"--key",	"--key-passphrase-file",	     "--resolve",
	"--retry",	"--retry-max-wait",
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
	} else if (strcmp(name, "--proxy") == 0) {
		o->proxy = value;
	} else if (strcmp(name, "--noproxy") == 0) {
		o->noproxy = value;
	} else if (strcmp(name, "--pinnedpubkey") == 0) {
		o->pinned_pubkey = value;
	} else if (strcmp(name, "--cert") == 0) {
		o->cert = value;
	} else if (strcmp(name, "--key") == 0) {
		o->key = value;
	} else if (strcmp(name, "--key-passphrase-file") == 0) {
		o->key_passphrase_file = value;
	} else if (strcmp(name, "--resolve") == 0) {
		if (o->nresolve == 16) {
			cli_error("too many --resolve options (16 at most)");
			return EXIT_USAGE;
		}
		o->resolve[o->nresolve++] = value;
	} else if (strcmp(name, "--retry") == 0) {
		char *end;
		long n = strtol(value, &end, 10);

		if (end == value || *end || n < 0 || n > 10) {
			cli_error("--retry takes a number from 0 to 10");
			return EXIT_USAGE;
		}
		o->retries = (int)n;
	} else if (strcmp(name, "--retry-max-wait") == 0) {
		unsigned ms = parse_seconds(value);

		if (!ms) {
			cli_error("--retry-max-wait takes a number of seconds "
				  "(0 < S <= 86400)");
			return EXIT_USAGE;
		}
		o->retry_max_wait_ms = ms;
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
	}
	return -1;
}

/* A global flag: -1 when taken, an exit code to stop, 0 when unknown. */
static int set_flag(cli_options *o, const char *arg)
{
	if (strcmp(arg, "-h") == 0 || strcmp(arg, "--help") == 0) {
		cli_usage(stdout);
		return EXIT_OK + 100;
	}
	if (strcmp(arg, "-V") == 0 || strcmp(arg, "--version") == 0) {
		char tls[48];

		sb_tls_library(tls, sizeof(tls));
		printf("sonarbadge %s (%s)\n", SB_VERSION, tls);
		return EXIT_OK + 100;
	}
	if (strcmp(arg, "-v") == 0 || strcmp(arg, "--verbose") == 0) {
		o->verbose = 1;
		return -1;
	}
	if (strcmp(arg, "-p") == 0 || strcmp(arg, "--proxytunnel") == 0) {
		o->proxytunnel = 1;
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
		return EXIT_USAGE + 100;
	}
	return 0;
}

/* The option's name: arg up to '=' (empty when too long). */
static void option_name(const char *arg, char *name, size_t cap)
{
	const char *eq = strchr(arg, '=');
	size_t n = eq ? (size_t)(eq - arg) : strlen(arg);

	if (n < cap) {
		memcpy(name, arg, n);
		name[n] = '\0';
	} else {
		name[0] = '\0';
	}
}

static int is_option(const char *arg)
{
	return arg[0] == '-' && arg[1] != '\0';
}

int cli_parse(int argc, char **argv, cli_options *o)
{
	int i, rc, only_args = 0;

	memset(o, 0, sizeof(*o));
	o->retries = 2;
	o->rest = argc > 1 ? calloc((size_t)argc, sizeof(char *)) : none_args;
	o->args = argc > 1 ? calloc((size_t)argc, sizeof(char *)) : NULL;
	if (!o->rest || (argc > 1 && !o->args)) {
		cli_error("out of memory");
		return EXIT_USAGE;
	}
	o->url = env("SONAR_HOST_URL");
	o->organization = env("SONAR_ORGANIZATION");
	for (i = 1; i < argc; i++) {
		const char *arg = argv[i];
		char name[32];

		if (only_args || !is_option(arg)) {
			if (!o->command && !only_args)
				o->command = arg;
			else
				o->rest[o->nrest++] = argv[i];
			continue;
		}
		if (strcmp(arg, "--") == 0) {
			/* Operands from here on; the command sees the "--". */
			only_args = 1;
			o->rest[o->nrest++] = argv[i];
			continue;
		}
		option_name(arg, name, sizeof(name));
		if (takes_value(name)) {
			const char *eq = strchr(arg, '=');
			const char *value = eq ? eq + 1 : NULL;

			if (!value && i + 1 < argc)
				value = argv[++i];
			if (!value) {
				cli_error("%s needs a value", name);
				return EXIT_USAGE;
			}
			rc = set_option(o, name, value);
			if (rc >= 0)
				return rc;
			continue;
		}
		rc = set_flag(o, arg);
		if (rc >= 100)
			return rc - 100;
		if (rc == 0) /* not global: the command's own option */
			o->rest[o->nrest++] = argv[i];
	}
	if (!o->command) {
		cli_usage(stderr);
		return EXIT_USAGE;
	}
	if (!o->cacert)
		o->cacert = env("SSL_CERT_FILE");
	if (!o->cacert && !o->capath)
		o->capath = env("SSL_CERT_DIR");
	o->url_given = o->url != NULL;
	if (!o->url)
		o->url = "https://sonarcloud.io";
	/* Proxy variables as curl reads them: for http:// only the
	 * lowercase http_proxy (HTTP_PROXY can be set by a CGI client). */
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
	return -1;
}

void cli_options_free(cli_options *o)
{
	if (o->rest && o->rest != none_args)
		free(o->rest);
	free((void *)o->args);
	free((void *)o->rewrite_files);
	o->rest = NULL;
	o->args = NULL;
	o->rewrite_files = NULL;
}

int cli_next_arg(cli_options *o, cli_iter *it, const char **arg, char *name,
		 size_t name_cap)
{
	const char *a;

	it->inline_value = NULL;
	if (it->i >= o->nrest)
		return 0;
	a = o->rest[it->i++];
	if (!it->only_operands && strcmp(a, "--") == 0) {
		it->only_operands = 1;
		return cli_next_arg(o, it, arg, name, name_cap);
	}
	*arg = a;
	if (it->only_operands || !is_option(a))
		return 1;
	option_name(a, name, name_cap);
	if (strchr(a, '='))
		it->inline_value = strchr(a, '=') + 1;
	*arg = name;
	return 2;
}

const char *cli_option_value(cli_options *o, cli_iter *it, const char *name)
{
	if (it->inline_value)
		return it->inline_value;
	if (it->i < o->nrest)
		return o->rest[it->i++];
	cli_error("%s needs a value", name);
	return NULL;
}

int cli_add_operand(cli_options *o, const char *arg)
{
	o->args[o->nargs++] = arg;
	return -1;
}

int cli_unknown_option(const char *cmd, const char *name)
{
	cli_error("unknown option '%.40s' for %s (see sonarbadge --help)",
		  name[0] ? name : "(too long)", cmd);
	return EXIT_USAGE;
}

/*
 * main.c - the sonarbadge command: parse options, apply
 * sonar-project.properties, read the secrets the command needs, create a
 * client over the POSIX port and run one command. Errors are one line on
 * stderr beginning "sonarbadge: ", with a distinct exit code.
 */
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "cli.h"
#include "cli_target.h"
#include "sb_client.h"
#include "sb_port_posix.h"
#include "sb_util.h"

#define ROOT_CERT_MAX 16384

static void trace_line(void *user, const char *line)
{
	(void)user;
	fprintf(stderr, "%s\n", line);
}

static void notice_line(void *user, const char *line)
{
	(void)user;
	cli_info("%s", line);
}

/* SONAR_ROOT_CERT: PEM text, as Sonar's scanners take it, or a file. */
static int read_root_cert(char *out, size_t cap)
{
	const char *v = getenv("SONAR_ROOT_CERT");
	cli_file f;
	int rc;

	if (!v || !*v)
		return 0;
	if (strstr(v, "-----BEGIN")) {
		if (strlen(v) >= cap) {
			cli_error("SONAR_ROOT_CERT is too long");
			return EXIT_USAGE;
		}
		memcpy(out, v, strlen(v) + 1);
		return 0;
	}
	rc = cli_file_read(v, "SONAR_ROOT_CERT file", cap - 1, &f);
	if (rc)
		return rc;
	if (!strstr(f.data, "-----BEGIN")) {
		cli_error("SONAR_ROOT_CERT file %s holds no PEM certificate", v);
		cli_file_free(&f);
		return EXIT_USAGE;
	}
	memcpy(out, f.data, f.len + 1);
	cli_file_free(&f);
	return 0;
}

/* Does a proxy URL carry a password ("scheme://user:password@")? */
static int proxy_has_password(const char *url)
{
	const char *s = strstr(url, "://"), *at, *colon;

	s = s ? s + 3 : url;
	at = strchr(s, '@');
	if (!at)
		return 0;
	colon = memchr(s, ':', (size_t)(at - s));
	return colon != NULL && colon + 1 < at;
}

/* The secrets a command may need, wiped by the caller. */
typedef struct secrets {
	char user_token[SB_MAX_USER_TOKEN_LEN + 2];
	char passphrase[256];
	char proxy_user[512];
	char root_pem[ROOT_CERT_MAX];
} secrets;

static int read_secrets(const cli_options *o, secrets *s)
{
	int rc = 0;

	if (o->cmd->token == TOKEN_REQUIRED ||
	    (o->cmd->token == TOKEN_OPTIONAL &&
	     (o->token_file || getenv("SONAR_TOKEN"))))
		rc = cli_read_user_token(o, s->user_token, sizeof(s->user_token));
	if (rc == 0 && o->key_passphrase_file)
		rc = cli_read_secret_file(o->key_passphrase_file, "passphrase",
					  s->passphrase, sizeof(s->passphrase));
	else if (rc == 0 && getenv("SONAR_KEY_PASSPHRASE"))
		snprintf(s->passphrase, sizeof(s->passphrase), "%s",
			 getenv("SONAR_KEY_PASSPHRASE"));
	if (rc == 0 && o->proxy_user_file) {
		rc = cli_read_secret_file(o->proxy_user_file, "proxy user",
					  s->proxy_user, sizeof(s->proxy_user));
		if (rc == 0 && !strchr(s->proxy_user, ':')) {
			cli_error("proxy user file %s must hold user:password",
				  o->proxy_user_file);
			rc = EXIT_USAGE;
		}
	}
	if (rc == 0)
		rc = read_root_cert(s->root_pem, sizeof(s->root_pem));
	return rc;
}

static void make_config(const cli_options *o, const secrets *s, sb_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->base_url = o->url;
	cfg->user_token = s->user_token[0] ? s->user_token : NULL;
	cfg->auth = o->auth;
	cfg->organization = o->organization;
	cfg->ca_file = o->cacert;
	cfg->ca_path = o->capath;
	cfg->insecure = o->insecure;
	cfg->connect_timeout_ms = o->connect_timeout_ms;
	cfg->max_time_ms = o->max_time_ms;
	if (o->verbose)
		cfg->trace = trace_line;
	cfg->notice = notice_line;
	cfg->proxy = o->proxy;
	cfg->proxy_user = s->proxy_user[0] ? s->proxy_user : NULL;
	cfg->noproxy = o->noproxy;
	cfg->proxy_tunnel = o->proxytunnel;
	cfg->resolve = o->nresolve ? o->resolve : NULL;
	cfg->extra_root_pem = s->root_pem[0] ? s->root_pem : NULL;
	cfg->pinned_pubkey = o->pinned_pubkey;
	cfg->client_cert = o->cert;
	cfg->client_key = o->key;
	cfg->client_key_passphrase = s->passphrase[0] ? s->passphrase : NULL;
	cfg->retries = o->retries;
	cfg->retry_connrefused = o->retry_connrefused;
	cfg->retry_max_wait_ms = o->retry_max_wait_ms;
}

/* Before anything is read or sent: the properties file, the command's
 * own checks, the final URL. */
static int prepare(cli_options *o)
{
	cli_parse_result r;
	int proxy_from_argv = o->proxy != NULL;
	int rc = cli_props_load(o);

	if (rc == 0)
		rc = cli_props_apply(o);
	if (rc)
		return rc;
	r = o->cmd->parse(o);
	if (r != CLI_PARSED)
		return cli_parse_exit(r);
	cli_finish_options(o);
	if (proxy_from_argv && proxy_has_password(o->proxy))
		cli_warn("the proxy password in --proxy is visible to other "
			 "users (ps); put it in https_proxy or use "
			 "--proxy-user-file FILE");
	return 0;
}

/* The pacer shared by rotate --jobs clients: a server's "slow down"
 * holds every one of them. */
typedef struct pacer_state {
	pthread_mutex_t lock;
	uint64_t not_before; /* monotonic ms */
} pacer_state;

static uint64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static void pacer_wait(void *user, uint32_t max_wait_ms)
{
	pacer_state *p = user;
	uint64_t now = mono_ms(), until;
	struct timespec ts;

	pthread_mutex_lock(&p->lock);
	until = p->not_before;
	pthread_mutex_unlock(&p->lock);
	if (until <= now)
		return;
	if (until - now > max_wait_ms)
		until = now + max_wait_ms;
	ts.tv_sec = (time_t)((until - now) / 1000);
	ts.tv_nsec = (long)((until - now) % 1000) * 1000000L;
	while (nanosleep(&ts, &ts) != 0)
		;
}

static void pacer_hold(void *user, uint32_t ms)
{
	pacer_state *p = user;
	uint64_t until = mono_ms() + ms;

	pthread_mutex_lock(&p->lock);
	if (until > p->not_before)
		p->not_before = until;
	pthread_mutex_unlock(&p->lock);
}

/* One client per connection rotate --jobs N uses; the first is *first.
 * Each has its own port context (the POSIX port keeps its last error
 * there). */
typedef struct clients {
	sb_client *c[16];
	sb_posix_ctx px[16];
	sb_port port[16];
	int n;
} clients;

static sb_err make_clients(cli_options *o, const sb_config *cfg,
			   clients *cs, char *msg, size_t msg_cap)
{
	int i, want = o->jobs > 1 ? o->jobs : 1;
	sb_err err = SB_OK;

	for (i = 0; i < want && err == SB_OK; i++) {
		sb_port_posix_init(&cs->port[i], &cs->px[i]);
		err = sb_client_create(cfg, &cs->port[i], &cs->c[i], msg, msg_cap);
		if (err == SB_OK)
			cs->n++;
	}
	if (err == SB_OK && cs->n > 1)
		o->workers = &cs->c[1];
	return err;
}

static void destroy_clients(clients *cs)
{
	int i;

	for (i = 0; i < cs->n; i++)
		sb_client_destroy(cs->c[i]);
	cs->n = 0;
}

static int run(cli_options *o)
{
	sb_config cfg;
	static clients cs;
	static secrets s; /* large; wiped below */
	static pacer_state pacer_st = {PTHREAD_MUTEX_INITIALIZER, 0};
	sb_pacer pacer = {pacer_wait, pacer_hold, &pacer_st};
	sb_client *client;
	char msg[SB_MAX_MESSAGE_LEN];
	int rc;
	sb_err err;

	rc = prepare(o);
	if (rc)
		return rc;
	rc = read_secrets(o, &s);
	if (rc) {
		sb_wipe(&s, sizeof(s));
		return rc;
	}
	o->have_user_token = s.user_token[0] != '\0';
	make_config(o, &s, &cfg);
	if (o->jobs > 1)
		cfg.pacer = &pacer;
	err = make_clients(o, &cfg, &cs, msg, sizeof(msg));
	/* The clients have copies of what they need. */
	sb_wipe(&s, sizeof(s));
	client = cs.c[0];
	if (err != SB_OK) {
		destroy_clients(&cs);
		if (o->url_from == URL_PROPERTIES && strstr(msg, "URL"))
			cli_error("sonar.host.url in ./sonar-project.properties: "
				  "%s",
				  msg);
		else
			cli_error("%s", msg[0] ? msg : sb_strerror(err));
		return cli_exit_code(err);
	}
	if (o->url_from == URL_PROPERTIES)
		cli_info("using sonar.host.url %.200s from "
			 "./sonar-project.properties",
			 o->url);
	if (strncmp(o->url, "http://", 7) == 0 ||
	    strncmp(o->url, "HTTP://", 7) == 0)
		cli_warn("%s is plain http: the user token and badge tokens "
			 "travel in clear text",
			 sb_client_base_url(client));
	if (o->insecure)
		cli_warn("--insecure: the server certificate is not verified; "
			 "anyone on the path can read the token");
	/* --max-time bounds the whole command; rotate gives it to each
	 * project instead. */
	if (strcmp(o->cmd->name, "rotate") != 0)
		sb_client_limit_total(client, o->max_time_ms ? o->max_time_ms
							     : 60000u);
	rc = o->cmd->run(client, o);
	destroy_clients(&cs);
	if (cli_out_failed() && rc != EXIT_WRITE) {
		cli_error("cannot write to standard output (closed pipe or full "
			  "disk)");
		return EXIT_WRITE;
	}
	return rc;
}

int main(int argc, char **argv)
{
	cli_options o;
	cli_parse_result r;
	int rc;

	/* A closed pipe, or a file past the size limit, is a write error to
	 * report, not a silent death. */
	signal(SIGPIPE, SIG_IGN);
	signal(SIGXFSZ, SIG_IGN);
	/* Interrupted, a run leaves no temporary file behind. */
	cli_target_install_signal_cleanup();
	/* rewrite keeps each file's folder open until the file is
	 * replaced: as many descriptors as the system allows, not the
	 * 1024 a shell starts with. */
	{
		struct rlimit nofile;

		if (getrlimit(RLIMIT_NOFILE, &nofile) == 0 &&
		    nofile.rlim_cur < nofile.rlim_max) {
			nofile.rlim_cur = nofile.rlim_max;
			setrlimit(RLIMIT_NOFILE, &nofile);
		}
	}
	cli_protect_process();
	r = cli_parse(argc, argv, &o);
	rc = r == CLI_PARSED ? run(&o) : cli_parse_exit(r);
	cli_options_free(&o);
	if (r != CLI_PARSED && cli_out_failed() && rc == EXIT_OK)
		rc = EXIT_WRITE;
	return rc;
}

/* cli_secret.c - reading the user token and keeping secrets in. */
#define _GNU_SOURCE 1
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>
#if defined(__linux__)
#include <sys/prctl.h>
#endif

#include "cli.h"

void cli_protect_process(void)
{
	struct rlimit no_core = {0, 0};

	setrlimit(RLIMIT_CORE, &no_core);
#if defined(__linux__)
	prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
#endif
}

/* Strip trailing white space (a newline from echo or an editor). */
static size_t trim(char *s, size_t n)
{
	while (n > 0 && (s[n - 1] == '\n' || s[n - 1] == '\r' ||
			 s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	s[n] = '\0';
	return n;
}

static int read_fd(int fd, char *out, size_t cap, size_t *len)
{
	size_t got = 0;

	for (;;) {
		ssize_t n;

		if (got == cap)
			return -2; /* longer than any token */
		n = read(fd, out + got, cap - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		if (n == 0)
			break;
		got += (size_t)n;
	}
	*len = got;
	return 0;
}

int cli_read_secret_file(const char *path, const char *what, char *out,
			 size_t cap)
{
	int is_stdin = strcmp(path, "-") == 0, rc, fd;
	struct stat st;
	size_t n = 0;
	char role[64];

	snprintf(role, sizeof(role), "%s file", what);
	fd = is_stdin ? 0 : cli_open_regular(path, role);
	if (fd < 0)
		return EXIT_USAGE;
	if (!is_stdin && fstat(fd, &st) == 0 &&
	    (st.st_mode & (S_IRWXG | S_IRWXO)))
		cli_warn("%s file %s is readable by other users (chmod 600 it)",
			 what, path);
	rc = read_fd(fd, out, cap - 1, &n);
	if (!is_stdin)
		close(fd);
	if (rc == -2) {
		cli_error("%s file %s is too large", what, path);
		return EXIT_USAGE;
	}
	if (rc != 0) {
		cli_error("cannot read %s file %s: %s", what, path,
			  strerror(errno));
		return EXIT_USAGE;
	}
	if (memchr(out, '\0', n)) {
		cli_error("%s file %s holds a NUL byte", what, path);
		return EXIT_USAGE;
	}
	out[n] = '\0';
	n = trim(out, n);
	if (n == 0) {
		cli_error("%s file %s is empty", what, path);
		return EXIT_USAGE;
	}
	if (strpbrk(out, "\r\n")) {
		cli_error("%s file %s holds more than one line", what, path);
		return EXIT_USAGE;
	}
	return 0;
}

int cli_read_user_token(const cli_options *o, char *out, size_t cap)
{
	const char *v;
	size_t n;

	if (o->token_file)
		return cli_read_secret_file(o->token_file, "token", out, cap);
	v = getenv("SONAR_TOKEN");
	if (!v || !*v) {
		cli_error("no user token: set SONAR_TOKEN or use --token-file "
			  "FILE");
		return EXIT_USAGE;
	}
	n = strlen(v);
	if (n >= cap) {
		cli_error("SONAR_TOKEN is too long for a token");
		return EXIT_USAGE;
	}
	memcpy(out, v, n + 1);
	if (trim(out, n) == 0) {
		cli_error("SONAR_TOKEN holds only blanks: set it to the user "
			  "token, or use --token-file FILE");
		return EXIT_USAGE;
	}
	return 0;
}

void cli_shorten_token(const char *token, char *out, size_t cap)
{
	size_t n = strlen(token);
	const char *us = strchr(token, '_');
	size_t prefix = us && (size_t)(us - token) < 8 ? (size_t)(us - token) + 1
						       : 0;

	if (n <= prefix + 8) {
		snprintf(out, cap, "%.*s\xe2\x80\xa6", (int)prefix, token);
		return;
	}
	snprintf(out, cap, "%.*s\xe2\x80\xa6%s", (int)prefix, token,
		 token + n - 4);
}

/*
 * cli_props.c - defaults from sonar-project.properties in the working
 * directory (sonar.projectKey, sonar.host.url, sonar.organization), read
 * the way Sonar's scanners read it: java.util.Properties.load on the
 * file's bytes (SonarSource/sonar-scanner-cli, Conf.java, toProperties:
 * an InputStream, so ISO-8859-1, then every value trimmed). That is:
 * natural lines end at \n, \r or \r\n; '#' and '!' start comment lines;
 * an odd number of backslashes at a line's end joins the next line (its
 * leading white space dropped); the key ends at the first unescaped '=',
 * ':' or white space; escapes \t \n \r \f \uXXXX, any other \c is c.
 * Command-line options and SONAR_* variables win over the file.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "sb_util.h"

#define PROPS_FILE "sonar-project.properties"
#define PROPS_MAX (1024 * 1024)
#define LINE_MAX_BYTES 16384

static int is_ws(char c)
{
	return c == ' ' || c == '\t' || c == '\f';
}

/*
 * The next logical line of s from *i into out (raw, escapes kept, the
 * continuation backslashes removed). Returns 1, 0 at the end, -1 when
 * longer than cap. *lineno counts natural lines; *start_line gets the one
 * the logical line starts on.
 */
static int logical_line(const char *s, size_t len, size_t *i, size_t *lineno,
			char *out, size_t cap, size_t *start_line,
			size_t *out_len)
{
	size_t o = 0;
	int started = 0;

	while (*i < len) {
		size_t b, e, bs;
		int cont = 0;

		while (*i < len && is_ws(s[*i]))
			(*i)++;
		b = *i;
		while (*i < len && s[*i] != '\n' && s[*i] != '\r')
			(*i)++;
		e = *i;
		if (*i < len && s[*i] == '\r')
			(*i)++;
		if (*i < len && s[*i] == '\n' && (e == *i || s[*i - 1] == '\r'))
			(*i)++;
		(*lineno)++;
		/* Blank and comment lines are skipped, never continued. */
		if (!started && (b == e || s[b] == '#' || s[b] == '!'))
			continue;
		if (!started)
			*start_line = *lineno;
		started = 1;
		for (bs = 0; e - bs > b && s[e - 1 - bs] == '\\'; bs++)
			;
		if (bs % 2 == 1) {
			e--;
			cont = 1;
		}
		if (o + (e - b) + 1 > cap)
			return -1;
		memcpy(out + o, s + b, e - b);
		o += e - b;
		if (!cont)
			break;
	}
	if (!started)
		return 0;
	out[o] = '\0';
	*out_len = o;
	return 1;
}

/* Append code point cp as UTF-8. */
static size_t put_utf8(unsigned long cp, char *out)
{
	if (cp < 0x80) {
		out[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = (char)(0xc0 | cp >> 6);
		out[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		out[0] = (char)(0xe0 | cp >> 12);
		out[1] = (char)(0x80 | (cp >> 6 & 0x3f));
		out[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	}
	out[0] = (char)(0xf0 | cp >> 18);
	out[1] = (char)(0x80 | (cp >> 12 & 0x3f));
	out[2] = (char)(0x80 | (cp >> 6 & 0x3f));
	out[3] = (char)(0x80 | (cp & 0x3f));
	return 4;
}

static long hex4(const char *s)
{
	long v = 0;
	int k, h;

	for (k = 0; k < 4; k++) {
		h = sb_hex_value((unsigned char)s[k]);
		if (h < 0)
			return -1;
		v = v * 16 + h;
	}
	return v;
}

/*
 * Decode s[0..n) (Latin-1 bytes with Java escapes) into UTF-8 in out;
 * NULL on success, else what is wrong.
 */
static const char *decode(const char *s, size_t n, char *out, size_t cap)
{
	size_t i = 0, o = 0;

	while (i < n) {
		unsigned long cp;

		if (o + 5 > cap)
			return "value too long";
		if (s[i] != '\\') {
			cp = (unsigned char)s[i++]; /* ISO-8859-1 */
		} else if (i + 1 >= n) {
			i++;
			continue; /* a lone trailing backslash is dropped */
		} else if (s[i + 1] == 'u') {
			long u = i + 6 <= n ? hex4(s + i + 2) : -1;

			if (u < 0)
				return "malformed \\uXXXX escape";
			i += 6;
			cp = (unsigned long)u;
			if (cp >= 0xd800 && cp <= 0xdbff) {
				long lo = i + 6 <= n && s[i] == '\\' &&
						  s[i + 1] == 'u'
					  ? hex4(s + i + 2)
					  : -1;

				if (lo < 0xdc00 || lo > 0xdfff)
					return "a \\uXXXX escape is half of a "
					       "surrogate pair";
				i += 6;
				cp = 0x10000 + ((cp - 0xd800) << 10) +
				     ((unsigned long)lo - 0xdc00);
			} else if (cp >= 0xdc00 && cp <= 0xdfff) {
				return "a \\uXXXX escape is half of a "
				       "surrogate pair";
			}
		} else {
			char c = s[i + 1];

			i += 2;
			cp = (unsigned char)(c == 't'	? '\t'
					     : c == 'n' ? '\n'
					     : c == 'r' ? '\r'
					     : c == 'f' ? '\f'
							: c);
		}
		o += put_utf8(cp, out + o);
	}
	out[o] = '\0';
	return NULL;
}

/* String.trim(): every character up to U+0020 at both ends. */
static void trim(char *s)
{
	size_t n = strlen(s), b = 0;

	while (n > 0 && (unsigned char)s[n - 1] <= 0x20)
		n--;
	while (b < n && (unsigned char)s[b] <= 0x20)
		b++;
	memmove(s, s + b, n - b);
	s[n - b] = '\0';
}

static int bad_line(size_t line, const char *what)
{
	cli_error("./" PROPS_FILE ", line %lu: %s", (unsigned long)line, what);
	return EXIT_USAGE;
}

/* Keep one of the three values we use; an error when it cannot fit. */
static int keep(const char *key, const char *value, cli_props *p,
		size_t line)
{
	char *dst = NULL;
	size_t cap = 0;

	if (strcmp(key, "sonar.projectKey") == 0) {
		dst = p->project_key;
		cap = sizeof(p->project_key);
	} else if (strcmp(key, "sonar.host.url") == 0) {
		dst = p->host_url;
		cap = sizeof(p->host_url);
	} else if (strcmp(key, "sonar.organization") == 0) {
		dst = p->organization;
		cap = sizeof(p->organization);
	}
	if (!dst)
		return 0;
	if (strlen(value) >= cap) {
		char what[96];

		snprintf(what, sizeof(what), "%.40s is longer than %lu bytes", key,
			 (unsigned long)(cap - 1));
		return bad_line(line, what);
	}
	memcpy(dst, value, strlen(value) + 1);
	return 0;
}

static int parse_props(const char *text, size_t len, cli_props *p)
{
	static char raw[LINE_MAX_BYTES], key[LINE_MAX_BYTES],
		value[LINE_MAX_BYTES * 2];
	size_t i = 0, lineno = 0, start = 0, n = 0;
	int r;

	while ((r = logical_line(text, len, &i, &lineno, raw, sizeof(raw),
				 &start, &n)) != 0) {
		size_t k = 0, v;
		const char *why;
		int rc;

		if (r < 0)
			return bad_line(lineno, "line too long");
		/* The key ends at an unescaped separator or white space. */
		while (raw[k] && !strchr("=: \t\f", raw[k])) {
			if (raw[k] == '\\' && raw[k + 1])
				k++;
			k++;
		}
		/* A NUL is a character to Java: a key holding one is none of
		 * ours (skipped, as the scanners skip it); a value holding
		 * one would be cut short here, so ours are refused. */
		if (k < n && !raw[k])
			continue;
		if (memchr(raw, '\0', n)) {
			raw[k] = '\0';
			if (!decode(raw, k, key, sizeof(key)) &&
			    (strcmp(key, "sonar.projectKey") == 0 ||
			     strcmp(key, "sonar.host.url") == 0 ||
			     strcmp(key, "sonar.organization") == 0))
				return bad_line(start, "a NUL byte in the value");
			continue;
		}
		v = k;
		while (is_ws(raw[v]))
			v++;
		if (raw[v] == '=' || raw[v] == ':')
			v++;
		while (is_ws(raw[v]))
			v++;
		why = decode(raw, k, key, sizeof(key));
		if (!why)
			why = decode(raw + v, strlen(raw + v), value,
				     sizeof(value));
		if (why)
			return bad_line(start, why);
		trim(value);
		rc = keep(key, value, p, start);
		if (rc)
			return rc;
	}
	return 0;
}

int cli_props_load(cli_options *o)
{
	struct stat st;
	cli_file f;
	int rc;

	memset(&o->props, 0, sizeof(o->props));
	if (stat(PROPS_FILE, &st) != 0)
		return 0; /* no file, no defaults */
	rc = cli_file_read(PROPS_FILE, NULL, PROPS_MAX, &f);
	if (rc)
		return rc;
	rc = parse_props(f.data, f.len, &o->props);
	cli_file_free(&f);
	if (rc == 0)
		o->props.found = 1;
	return rc;
}

static int has_control(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return 1;
	return 0;
}

/* Will this run send the user token? */
static int sends_user_token(const cli_options *o)
{
	return o->cmd->token == TOKEN_REQUIRED ||
	       (o->cmd->token == TOKEN_OPTIONAL &&
		(o->token_file || getenv("SONAR_TOKEN")));
}

int cli_props_apply(cli_options *o)
{
	cli_props *p = &o->props;

	if (!p->found)
		return 0;
	if (p->project_key[0] && has_control(p->project_key)) {
		cli_error("sonar.projectKey in ./" PROPS_FILE
			  " holds a control character");
		return EXIT_USAGE;
	}
	if (p->host_url[0] && !o->url) {
		if (sb_ascii_ncaseeq(p->host_url, "http://", 7) &&
		    sends_user_token(o)) {
			cli_error("sonar.host.url in ./" PROPS_FILE
				  " is plain http (%.200s): the user token "
				  "would travel in clear to a server named "
				  "only by that file; confirm it with --url "
				  "or SONAR_HOST_URL",
				  p->host_url);
			return EXIT_USAGE;
		}
		o->url = p->host_url;
		o->url_from = URL_PROPERTIES;
	}
	if (p->organization[0] && !o->organization)
		o->organization = p->organization;
	return 0;
}

const char *cli_project_or_props(const cli_options *o)
{
	if (o->nargs > 0)
		return o->args[0];
	return o->props.found && o->props.project_key[0] ? o->props.project_key
							: NULL;
}

/*
 * cli_props.c - defaults from sonar-project.properties in the working
 * directory (sonar.projectKey, sonar.host.url, sonar.organization), read
 * as Java properties the way Sonar's scanners read them. Command-line
 * options and SONAR_* variables win over the file.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

#define PROPS_FILE "sonar-project.properties"
#define PROPS_MAX (1024 * 1024)

static char prop_key[SB_MAX_KEY_LEN + 1];
static char prop_url[SB_MAX_HOST_LEN + SB_MAX_PATH_LEN + 32];
static char prop_org[256];

/* One logical line (continuations joined) from s at *i into out. */
static int logical_line(const char *s, size_t len, size_t *i, char *out,
			size_t cap)
{
	size_t o = 0;
	int cont;

	if (*i >= len)
		return 0;
	do {
		size_t start = *i, end, bs = 0;

		while (*i < len && s[*i] != '\n' && s[*i] != '\r')
			(*i)++;
		end = *i;
		if (*i < len && s[*i] == '\r')
			(*i)++;
		if (*i < len && s[*i] == '\n')
			(*i)++;
		while (end > start + bs && s[end - 1 - bs] == '\\')
			bs++;
		cont = (bs % 2) == 1;
		if (cont)
			end--;
		if (o > 0) /* continuation: leading white space dropped */
			while (start < end && (s[start] == ' ' || s[start] == '\t'))
				start++;
		if (o + (end - start) + 1 > cap)
			return -1;
		memcpy(out + o, s + start, end - start);
		o += end - start;
	} while (cont && *i < len);
	out[o] = '\0';
	return 1;
}

/* Unescape a key or value in place (\t \n \uXXXX as ASCII, \x -> x). */
static void unescape(char *s)
{
	char *r = s, *w = s;

	while (*r) {
		if (*r == '\\' && r[1]) {
			r++;
			*w++ = *r == 't' ? '\t' : *r == 'n' ? '\n' : *r;
			r++;
		} else {
			*w++ = *r++;
		}
	}
	*w = '\0';
}

static void take(const char *value, char *dst, size_t cap)
{
	size_t n = strlen(value);

	if (n < cap) {
		memcpy(dst, value, n + 1);
	}
}

static int load_props(int *found)
{
	cli_file f;
	char line[8192];
	size_t i = 0;
	int r;

	*found = 0;
	{
		FILE *probe = fopen(PROPS_FILE, "r");

		if (!probe)
			return 0;
		fclose(probe);
	}
	r = cli_file_read(PROPS_FILE, PROPS_MAX, &f);
	if (r)
		return r;
	*found = 1;
	while ((r = logical_line(f.data, f.len, &i, line, sizeof(line))) != 0) {
		char *k = line, *v, *e;

		if (r < 0) {
			cli_error(PROPS_FILE ": a line is longer than %u bytes",
				  (unsigned)sizeof(line));
			cli_file_free(&f);
			return EXIT_USAGE;
		}
		while (*k == ' ' || *k == '\t' || *k == '\f')
			k++;
		if (!*k || *k == '#' || *k == '!')
			continue;
		for (e = k; *e && !strchr("=: \t\f", *e); e++)
			if (*e == '\\' && e[1])
				e++;
		v = e;
		while (*v == ' ' || *v == '\t' || *v == '\f')
			v++;
		if (*v == '=' || *v == ':')
			v++;
		while (*v == ' ' || *v == '\t' || *v == '\f')
			v++;
		*e = '\0';
		unescape(k);
		unescape(v);
		if (strcmp(k, "sonar.projectKey") == 0)
			take(v, prop_key, sizeof(prop_key));
		else if (strcmp(k, "sonar.host.url") == 0)
			take(v, prop_url, sizeof(prop_url));
		else if (strcmp(k, "sonar.organization") == 0)
			take(v, prop_org, sizeof(prop_org));
	}
	cli_file_free(&f);
	return 0;
}

int cli_props_apply(cli_options *o, const char **project_key)
{
	static int loaded, found;
	int r;

	if (project_key)
		*project_key = NULL;
	if (!loaded) {
		loaded = 1;
		r = load_props(&found);
		if (r)
			return r;
	}
	if (!found)
		return -1;
	if (prop_url[0] && !o->url_given)
		o->url = prop_url;
	if (prop_org[0] && !o->organization)
		o->organization = prop_org;
	if (project_key && prop_key[0])
		*project_key = prop_key;
	return -1;
}

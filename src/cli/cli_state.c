/*
 * cli_state.c - the rotation state file of `rotate --state FILE`.
 *
 * Text, one record a line, saved whole after every change by an atomic
 * replace (temporary file in the same folder, fsync, rename, fsync of the
 * folder; mode 0600 for a new file), so that a crash at any moment leaves
 * either the previous or the next complete version:
 *
 *   # sonarbadge rotation state v1
 *   rotated<TAB>UNIX_SECONDS<TAB>PROJECT
 *   pending<TAB>UNIX_SECONDS<TAB>FINGERPRINT<TAB>PROJECT
 *
 * "pending" is written before a renewal is sent: FINGERPRINT is a SHA-256
 * of the old token (the token itself is never stored). A rerun that finds
 * it reads the token: a different one means the renewal went through.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mbedtls/version.h>
#include <mbedtls/sha256.h>

#include "cli.h"

#define STATE_MAX (64u * 1024u * 1024u)
#define HEADER "# sonarbadge rotation state v1\n"
#define FP_LEN 64

typedef struct entry {
	char *key;
	long long rotated; /* -1: never */
	long long pending; /* -1: none */
	char fp[FP_LEN + 1];
} entry;

struct cli_state {
	char *path;
	entry *e;
	size_t n, cap;
	size_t *index; /* open addressing: entry number + 1, 0 empty */
	size_t index_cap;
};

void cli_token_fingerprint(const char *token, char *out, size_t cap)
{
	unsigned char h[32];
	size_t i;

#if MBEDTLS_VERSION_NUMBER >= 0x03000000
	mbedtls_sha256((const unsigned char *)token, strlen(token), h, 0);
#else
	mbedtls_sha256_ret((const unsigned char *)token, strlen(token), h, 0);
#endif
	if (cap < FP_LEN + 1) {
		if (cap)
			out[0] = '\0';
		return;
	}
	for (i = 0; i < 32; i++)
		snprintf(out + 2 * i, 3, "%02x", h[i]);
	memset(h, 0, sizeof(h));
}

static size_t hash(const char *s)
{
	size_t h = 1469598103934665603ull & (size_t)-1;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * (size_t)1099511628211ull;
	return h;
}

static int reindex(cli_state *s, size_t cap)
{
	size_t *ix = calloc(cap, sizeof(size_t)), i, j;

	if (!ix)
		return -1;
	for (i = 0; i < s->n; i++) {
		for (j = hash(s->e[i].key) & (cap - 1); ix[j];
		     j = (j + 1) & (cap - 1))
			;
		ix[j] = i + 1;
	}
	free(s->index);
	s->index = ix;
	s->index_cap = cap;
	return 0;
}

static entry *find(const cli_state *s, const char *key)
{
	size_t j;

	if (!s->index_cap)
		return NULL;
	for (j = hash(key) & (s->index_cap - 1); s->index[j];
	     j = (j + 1) & (s->index_cap - 1))
		if (strcmp(s->e[s->index[j] - 1].key, key) == 0)
			return &s->e[s->index[j] - 1];
	return NULL;
}

static entry *get(cli_state *s, const char *key)
{
	entry *e = find(s, key);
	size_t j;

	if (e)
		return e;
	if (s->n == s->cap) {
		size_t nc = s->cap ? s->cap * 2 : 64;
		entry *ne = realloc(s->e, nc * sizeof(entry));

		if (!ne)
			return NULL;
		s->e = ne;
		s->cap = nc;
	}
	if ((s->n + 1) * 2 > s->index_cap &&
	    reindex(s, s->index_cap ? s->index_cap * 2 : 128) != 0)
		return NULL;
	e = &s->e[s->n];
	e->key = strdup(key);
	if (!e->key)
		return NULL;
	e->rotated = e->pending = -1;
	e->fp[0] = '\0';
	s->n++;
	for (j = hash(key) & (s->index_cap - 1); s->index[j];
	     j = (j + 1) & (s->index_cap - 1))
		;
	s->index[j] = s->n;
	return e;
}

void cli_state_free(cli_state *s)
{
	size_t i;

	if (!s)
		return;
	for (i = 0; i < s->n; i++)
		free(s->e[i].key);
	free(s->e);
	free(s->index);
	free(s->path);
	free(s);
}

static int parse_time(const char *s, long long *out)
{
	char *end;
	long long v;

	errno = 0;
	v = strtoll(s, &end, 10);
	if (end == s || *end || errno || v < 0 || s[0] == '+' || s[0] == ' ')
		return -1;
	*out = v;
	return 0;
}

static int key_ok(const char *k)
{
	if (!*k || strlen(k) > SB_MAX_KEY_LEN)
		return 0;
	for (; *k; k++)
		if ((unsigned char)*k < 0x20 || *k == 0x7f)
			return 0;
	return 1;
}

static int bad(const char *path, size_t line, const char *what)
{
	cli_error("state file %.300s, line %zu: %s (fix or remove the file)",
		  path, line, what);
	return EXIT_USAGE;
}

static int parse(cli_state *s, char *text, size_t len)
{
	size_t line = 0, i = 0;

	if (memchr(text, '\0', len))
		return bad(s->path, 1, "not a text file");
	while (i < len) {
		char *l = text + i, *nl = memchr(l, '\n', len - i), *f[4];
		int nf = 0;
		entry *e;

		line++;
		if (!nl)
			return bad(s->path, line, "incomplete last line");
		*nl = '\0';
		i = (size_t)(nl - text) + 1;
		if (l[0] == '#' || l[0] == '\0')
			continue;
		f[nf++] = l;
		while (nf < 4 && (l = strchr(l, '\t')) != NULL) {
			*l++ = '\0';
			f[nf++] = l;
		}
		if (strcmp(f[0], "rotated") == 0 && nf == 3) {
			long long t;

			if (parse_time(f[1], &t) || !key_ok(f[2]))
				return bad(s->path, line, "malformed record");
			e = get(s, f[2]);
			if (!e)
				goto nomem;
			e->rotated = t;
		} else if (strcmp(f[0], "pending") == 0 && nf == 4) {
			long long t;
			size_t k;

			if (parse_time(f[1], &t) || strlen(f[2]) != FP_LEN ||
			    !key_ok(f[3]))
				return bad(s->path, line, "malformed record");
			for (k = 0; k < FP_LEN; k++)
				if (!strchr("0123456789abcdef", f[2][k]))
					return bad(s->path, line,
						   "malformed record");
			e = get(s, f[3]);
			if (!e)
				goto nomem;
			e->pending = t;
			memcpy(e->fp, f[2], FP_LEN + 1);
		} else {
			return bad(s->path, line, "unknown record");
		}
	}
	return 0;
nomem:
	cli_error("out of memory");
	return EXIT_USAGE;
}

int cli_state_load(const char *path, cli_state **out)
{
	cli_state *s = calloc(1, sizeof(*s));
	cli_file f;
	FILE *probe;
	int rc;

	*out = NULL;
	if (!s || !(s->path = strdup(path))) {
		free(s);
		cli_error("out of memory");
		return EXIT_USAGE;
	}
	probe = fopen(path, "r");
	if (!probe && errno == ENOENT) {
		*out = s;
		return 0;
	}
	if (probe)
		fclose(probe);
	rc = cli_file_read(path, "state file", STATE_MAX, &f);
	if (rc) {
		cli_state_free(s);
		return rc;
	}
	rc = parse(s, f.data, f.len);
	cli_file_free(&f);
	if (rc) {
		cli_state_free(s);
		return rc;
	}
	*out = s;
	return 0;
}

long long cli_state_rotated(const cli_state *s, const char *project)
{
	const entry *e = find(s, project);

	return e ? e->rotated : -1;
}

int cli_state_pending(const cli_state *s, const char *project, char *fp,
		      size_t cap)
{
	const entry *e = find(s, project);

	if (!e || e->pending < 0 || cap < FP_LEN + 1)
		return 0;
	memcpy(fp, e->fp, FP_LEN + 1);
	return 1;
}

static int save(const cli_state *s)
{
	size_t cap = sizeof(HEADER) + 16, len, i;
	char *buf, *p;
	int rc;

	for (i = 0; i < s->n; i++)
		cap += strlen(s->e[i].key) * 2 + FP_LEN + 80;
	buf = malloc(cap);
	if (!buf) {
		cli_error("out of memory");
		return EXIT_USAGE;
	}
	memcpy(buf, HEADER, sizeof(HEADER) - 1);
	len = sizeof(HEADER) - 1;
	for (i = 0; i < s->n; i++) {
		const entry *e = &s->e[i];

		p = buf + len;
		if (e->rotated >= 0)
			len += (size_t)snprintf(p, cap - len, "rotated\t%lld\t%s\n",
						e->rotated, e->key);
		p = buf + len;
		if (e->pending >= 0)
			len += (size_t)snprintf(p, cap - len,
						"pending\t%lld\t%s\t%s\n",
						e->pending, e->fp, e->key);
	}
	rc = cli_file_replace(s->path, buf, len, 0600);
	free(buf);
	return rc;
}

/* The entry of project, created if needed; NULL (error printed) if the
 * key cannot be recorded or memory runs out. */
static entry *entry_for_write(cli_state *s, const char *project)
{
	entry *e;

	if (!key_ok(project)) {
		cli_error("project key with control characters cannot be "
			  "recorded in the state file");
		return NULL;
	}
	e = get(s, project);
	if (!e)
		cli_error("out of memory");
	return e;
}

int cli_state_set_pending(cli_state *s, const char *project,
			  const char *old_token, long long now)
{
	entry *e = entry_for_write(s, project);

	if (!e)
		return EXIT_USAGE;
	e->pending = now;
	cli_token_fingerprint(old_token, e->fp, sizeof(e->fp));
	return save(s);
}

int cli_state_set_rotated(cli_state *s, const char *project, long long now)
{
	entry *e = entry_for_write(s, project);

	if (!e)
		return EXIT_USAGE;
	e->rotated = now;
	e->pending = -1;
	e->fp[0] = '\0';
	return save(s);
}

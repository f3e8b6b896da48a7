/*
 * rotate_rewrite.c - the files waiting for new tokens (rotate.h).
 *
 * Each --rewrite file is read once at the start (it must be readable,
 * and replaceable, before anything changes) to learn which projects have
 * badge URLs in it; only those projects' new tokens are kept. Before a project is
 * renewed, the journal says which files wait for its token; after the
 * renewals every waiting file is rewritten (read again, so that edits
 * made meanwhile are kept, and replaced only if it did not change while
 * being rewritten) and the journal says it is done. A run that dies, or
 * a file that cannot be written, leaves the files waiting: the next run
 * rewrites them first, with the tokens current then.
 */
#define _XOPEN_SOURCE 700
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli_target.h"
#include "rotate.h"
#include "sb_rewrite.h"
#include "sb_util.h"

typedef struct wanted {
	char *key;
	char *token; /* this run's new token, or NULL */
	int needed;  /* the file waits for it */
} wanted;

typedef struct rw_file {
	char *path; /* absolute folder + the name given */
	wanted *keys;
	size_t n, cap;
	int in_run; /* named by --rewrite in this run */
} rw_file;

struct rotate_rewrites {
	const char *base;
	rw_file *files;
	size_t nfiles;
};

static wanted *find_key(rw_file *f, const char *key)
{
	size_t i;

	for (i = 0; i < f->n; i++)
		if (strcmp(f->keys[i].key, key) == 0)
			return &f->keys[i];
	return NULL;
}

static wanted *add_key(rw_file *f, const char *key)
{
	wanted *w = find_key(f, key);

	if (w)
		return w;
	if (f->n == f->cap) {
		size_t nc = f->cap ? f->cap * 2 : 8;
		wanted *nk = realloc(f->keys, nc * sizeof(wanted));

		if (!nk)
			return NULL;
		f->keys = nk;
		f->cap = nc;
	}
	w = &f->keys[f->n];
	memset(w, 0, sizeof(*w));
	w->key = strdup(key);
	if (!w->key)
		return NULL;
	f->n++;
	return w;
}

static rw_file *find_file(rotate_rewrites *r, const char *path)
{
	size_t i;

	for (i = 0; i < r->nfiles; i++)
		if (strcmp(r->files[i].path, path) == 0)
			return &r->files[i];
	return NULL;
}

static rw_file *add_file(rotate_rewrites *r, const char *path)
{
	rw_file *f = find_file(r, path), *nf;

	if (f)
		return f;
	nf = realloc(r->files, (r->nfiles + 1) * sizeof(rw_file));
	if (!nf)
		return NULL;
	r->files = nf;
	f = &r->files[r->nfiles];
	memset(f, 0, sizeof(*f));
	f->path = strdup(path);
	if (!f->path)
		return NULL;
	r->nfiles++;
	return f;
}

/* The file's name with an absolute folder, so that a later run from
 * another folder finds it (the last component is kept as given: it may
 * be a link to follow). */
static char *absolute(const char *path)
{
	const char *slash = strrchr(path, '/');
	char *dir, *real, *out;
	size_t n;

	if (path[0] == '/')
		return strdup(path);
	dir = slash ? strndup(path, (size_t)(slash - path)) : strdup(".");
	real = dir ? realpath(dir, NULL) : NULL;
	free(dir);
	if (!real)
		return NULL;
	n = strlen(real) + strlen(path) + 2;
	out = malloc(n);
	if (out)
		snprintf(out, n, "%s/%s", real, slash ? slash + 1 : path);
	free(real);
	return out;
}

/* Learn which projects have token-carrying badge URLs in a --rewrite
 * file; one that could not be replaced afterwards stops the run before
 * any token is renewed (its badges would break). */
static int scan_file(rotate_rewrites *r, const char *given)
{
	cli_target f;
	sb_badge_ref ref;
	size_t pos = 0;
	char *path;
	rw_file *rf;
	int rc = cli_target_open(given, CLI_REWRITE_MAX_BYTES, 0, &f);

	if (rc == 0)
		rc = cli_target_check(&f, "nothing was rotated");
	if (rc) {
		cli_target_close(&f);
		return rc;
	}
	path = absolute(given);
	rf = path ? add_file(r, path) : NULL;
	free(path);
	if (!rf) {
		cli_target_close(&f);
		cli_error("cannot find the folder of %.300s", given);
		return EXIT_USAGE;
	}
	rf->in_run = 1;
	while (sb_badge_find(f.data, f.len, r->base, &pos, &ref))
		if (ref.has_token && !add_key(rf, ref.project)) {
			cli_target_close(&f);
			cli_error("out of memory");
			return EXIT_USAGE;
		}
	cli_target_close(&f);
	return 0;
}

int rotate_rewrites_open(const cli_options *o, const char *base,
			 const cli_journal *j, rotate_rewrites **out)
{
	rotate_rewrites *r = calloc(1, sizeof(*r));
	size_t i, k;
	int rc = 0, n;

	*out = NULL;
	if (!r) {
		cli_error("out of memory");
		return EXIT_USAGE;
	}
	r->base = base;
	for (n = 0; n < o->nrewrite && rc == 0; n++)
		rc = scan_file(r, o->rewrite_files[n]);
	/* What an earlier run left waiting. */
	for (i = 0; j && rc == 0 && i < cli_journal_rewrite_file_count(j); i++) {
		rw_file *f = add_file(r, cli_journal_rewrite_file(j, i));

		for (k = 0; f && k < cli_journal_rewrite_key_count(j, i); k++) {
			wanted *w = add_key(f, cli_journal_rewrite_key(j, i, k));

			if (!w) {
				f = NULL;
				break;
			}
			w->needed = 1;
		}
		if (!f) {
			cli_error("out of memory");
			rc = EXIT_USAGE;
		}
	}
	if (rc) {
		rotate_rewrites_close(r);
		return rc;
	}
	*out = r;
	return 0;
}

int rotate_rewrites_wants(const rotate_rewrites *r, const char *key)
{
	size_t i;

	for (i = 0; r && i < r->nfiles; i++)
		if (r->files[i].in_run && find_key(&r->files[i], key))
			return 1;
	return 0;
}

int rotate_rewrites_expect(rotate_rewrites *r, cli_journal *j,
			   const char *key, long long now)
{
	size_t i;
	int rc;

	for (i = 0; r && i < r->nfiles; i++) {
		rw_file *f = &r->files[i];
		wanted *w = f->in_run ? find_key(f, key) : NULL;

		if (!w || w->needed)
			continue;
		if (j && (rc = cli_journal_rewrite(j, f->path, key, now)) != 0)
			return rc;
		w->needed = 1;
	}
	return 0;
}

int rotate_rewrites_token(rotate_rewrites *r, const char *key,
			  const char *token)
{
	size_t i;

	for (i = 0; r && i < r->nfiles; i++) {
		wanted *w = find_key(&r->files[i], key);

		if (!w)
			continue;
		if (w->token) {
			sb_wipe(w->token, strlen(w->token));
			free(w->token);
		}
		w->token = strdup(token);
		if (!w->token) {
			cli_error("out of memory");
			return EXIT_USAGE;
		}
	}
	return 0;
}

/* Put each waiting project's token into the file's badge URLs. */
static int rewrite_one(rotate_rewrites *r, rw_file *f, sb_client *c,
		       cli_journal *j)
{
	char tok[SB_MAX_TOKEN_LEN + 1];
	cli_target t;
	unsigned total = 0;
	size_t k;
	int rc, waiting = 0;

	for (k = 0; k < f->n; k++)
		waiting += f->keys[k].needed;
	if (!waiting)
		return 0;
	rc = cli_target_open(f->path, CLI_REWRITE_MAX_BYTES, 1, &t);
	if (rc == 0 && !t.exists) {
		/* Gone since: nothing is left to put tokens in. */
		cli_warn("%.300s no longer exists: no badge URL to rewrite there",
			 f->path);
		cli_target_close(&t);
		return j ? cli_journal_rewritten(j, f->path, (long long)time(NULL))
			 : 0;
	}
	for (k = 0; rc == 0 && k < f->n; k++) {
		wanted *w = &f->keys[k];
		const char *token = w->token;
		sb_rewrite_counts counts;
		size_t need;
		char *out;
		sb_err err;

		if (!w->needed)
			continue;
		if (!token) {
			/* An earlier run's project: its token now. */
			err = sb_token_get(c, w->key, tok, sizeof(tok));
			if (err != SB_OK) {
				cli_error("cannot rewrite %.300s: %s", f->path,
					  *sb_client_message(c)
						  ? sb_client_message(c)
						  : sb_strerror(err));
				rc = cli_exit_code(err);
				break;
			}
			token = tok;
		}
		need = sb_badge_rewrite_ex(t.data, t.len, r->base, w->key,
					   token, 0, NULL, 0, &counts);
		if (!counts.stale)
			continue;
		out = malloc(need + 1);
		if (!out) {
			cli_error("out of memory");
			rc = EXIT_USAGE;
			break;
		}
		sb_badge_rewrite_ex(t.data, t.len, r->base, w->key, token, 0, out,
				    need + 1, &counts);
		free(t.data);
		t.data = out;
		t.len = need;
		total += counts.stale;
	}
	sb_wipe(tok, sizeof(tok));
	if (rc == 0 && total)
		rc = cli_target_replace(&t, t.data, t.len, 0600);
	cli_target_close(&t);
	if (rc)
		return rc == EXIT_USAGE ? EXIT_WRITE : rc;
	if (total)
		cli_info("rewrote %u badge URL%s in %s", total,
			 total == 1 ? "" : "s", f->path);
	return j ? cli_journal_rewritten(j, f->path, (long long)time(NULL)) : 0;
}

int rotate_rewrites_run(rotate_rewrites *r, sb_client *c, cli_journal *j)
{
	size_t i;
	int rc = 0, one;

	for (i = 0; r && i < r->nfiles; i++) {
		one = rewrite_one(r, &r->files[i], c, j);
		if (one && !rc)
			rc = one;
	}
	return rc;
}

void rotate_rewrites_close(rotate_rewrites *r)
{
	size_t i, k;

	if (!r)
		return;
	for (i = 0; i < r->nfiles; i++) {
		for (k = 0; k < r->files[i].n; k++) {
			if (r->files[i].keys[k].token) {
				sb_wipe(r->files[i].keys[k].token,
					strlen(r->files[i].keys[k].token));
				free(r->files[i].keys[k].token);
			}
			free(r->files[i].keys[k].key);
		}
		free(r->files[i].keys);
		free(r->files[i].path);
	}
	free(r->files);
	free(r);
}

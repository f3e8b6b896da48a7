/*
 * cmd_check.c - `sonarbadge check FILE...`: find every badge URL of the
 * configured server (any project) in the files, fetch each distinct one
 * once and report those that no longer render. SonarQube answers a stale
 * token with HTTP 200 and an error SVG ("Project has not been found"):
 * that is recognised from the SVG. Exit 1 if any badge is broken, or if
 * the files hold no badge URL of the server at all (a gate that checks
 * nothing must not pass).
 *
 * One pass over each file: line numbers are counted as the scan goes,
 * distinct URLs are found in a hash table, and the whole command stays
 * within --max-time (main holds the client to it).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "sb_client.h"
#include "sb_rewrite.h"
#include "sb_util.h"

#define CHECK_MAX (64u * 1024u * 1024u)
#define TARGET_MAX 8192

typedef struct seen {
	char *target;
	sb_err err;
	char *msg;
} seen;

typedef struct seen_table {
	seen *s;
	size_t n, cap;
	size_t *index; /* open addressing: entry + 1, 0 empty */
	size_t index_cap;
} seen_table;

cli_parse_result parse_check(cli_options *o)
{
	if (o->nargs == 0)
		return cli_command_usage_error(o->cmd);
	return CLI_PARSED;
}

static int fatal(sb_err err)
{
	return err == SB_ERR_UNAUTHORIZED || err == SB_ERR_TLS ||
	       err == SB_ERR_TLS_VERIFY || err == SB_ERR_DNS ||
	       err == SB_ERR_CONNECT || err == SB_ERR_CONFIG ||
	       err == SB_ERR_NOMEM;
}

static size_t hash(const char *s)
{
	size_t h = (size_t)1469598103934665603ull;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * (size_t)1099511628211ull;
	return h;
}

static seen *lookup(const seen_table *t, const char *target)
{
	size_t k;

	if (!t->index_cap)
		return NULL;
	for (k = hash(target) & (t->index_cap - 1); t->index[k];
	     k = (k + 1) & (t->index_cap - 1))
		if (strcmp(t->s[t->index[k] - 1].target, target) == 0)
			return &t->s[t->index[k] - 1];
	return NULL;
}

static int reindex(seen_table *t, size_t cap)
{
	size_t *ix = calloc(cap, sizeof(size_t)), i, k;

	if (!ix)
		return -1;
	for (i = 0; i < t->n; i++) {
		for (k = hash(t->s[i].target) & (cap - 1); ix[k];
		     k = (k + 1) & (cap - 1))
			;
		ix[k] = i + 1;
	}
	free(t->index);
	t->index = ix;
	t->index_cap = cap;
	return 0;
}

static seen *insert(seen_table *t, const char *target)
{
	size_t k;
	seen *e;

	if (t->n == t->cap) {
		size_t nc = t->cap ? t->cap * 2 : 32;
		seen *ns = realloc(t->s, nc * sizeof(seen));

		if (!ns)
			return NULL;
		t->s = ns;
		t->cap = nc;
	}
	if ((t->n + 1) * 2 > t->index_cap &&
	    reindex(t, t->index_cap ? t->index_cap * 2 : 64) != 0)
		return NULL;
	e = &t->s[t->n];
	e->target = strdup(target);
	e->msg = NULL;
	e->err = SB_OK;
	if (!e->target)
		return NULL;
	t->n++;
	for (k = hash(target) & (t->index_cap - 1); t->index[k];
	     k = (k + 1) & (t->index_cap - 1))
		;
	t->index[k] = t->n;
	return e;
}

static void free_table(seen_table *t)
{
	size_t i;

	for (i = 0; i < t->n; i++) {
		sb_wipe(t->s[i].target, strlen(t->s[i].target));
		free(t->s[i].target);
		free(t->s[i].msg);
	}
	free(t->s);
	free(t->index);
}

/* Fetch a badge once; every later URL with the same target reuses it. */
static seen *fetch_once(sb_client *c, seen_table *t, const char *target,
			int *rc)
{
	seen *hit = lookup(t, target);
	const char *m;

	if (hit)
		return hit;
	hit = insert(t, target);
	if (!hit) {
		cli_error("out of memory");
		*rc = EXIT_USAGE;
		return NULL;
	}
	hit->err = sb_badge_fetch(c, target, NULL, 0, NULL);
	if (hit->err != SB_OK) {
		m = sb_client_message(c);
		hit->msg = strdup(m && *m ? m : sb_strerror(hit->err));
		if (fatal(hit->err)) {
			cli_error("%s", hit->msg ? hit->msg : "badge request failed");
			*rc = cli_exit_code(hit->err);
		}
	}
	return hit;
}

typedef struct counts {
	size_t total, broken;
} counts;

static void print_ref(const char *path, size_t line, const sb_badge_ref *ref,
		      const seen *hit)
{
	char key[SB_MAX_KEY_LEN + 1], br[300] = "", b[256];

	sb_printable(ref->project, key, sizeof(key));
	if (ref->branch[0]) {
		sb_printable(ref->branch, b, sizeof(b));
		sb_fmt(br, sizeof(br), " branch %s", b);
	}
	cli_out("%s:%lu: %s %s %s%s%s%s%s%s\n", path, (unsigned long)line,
		hit->err == SB_OK ? "ok" : "broken", key,
		sb_badge_kind_name(ref->kind),
		ref->metric[0] && ref->kind == SB_BADGE_MEASURE ? " " : "",
		ref->kind == SB_BADGE_MEASURE ? ref->metric : "", br,
		hit->err == SB_OK ? "" : ": ", hit->err == SB_OK ? "" : hit->msg);
}

static int out_of_time(const char *path)
{
	cli_error("maximum time reached while checking %.300s", path);
	return EXIT_NETWORK;
}

static int check_file(sb_client *c, const char *path, const cli_file *f,
		      seen_table *t, counts *n)
{
	char target[TARGET_MAX];
	sb_badge_ref ref;
	size_t pos = 0, counted = 0, line = 1;
	int rc = 0;

	while (!rc && sb_badge_find(f->data, f->len, sb_client_base_url(c),
				    &pos, &ref)) {
		seen *hit;

		if (sb_client_out_of_time(c))
			return out_of_time(path);
		/* Count the lines up to this URL, once. */
		for (; counted < ref.start; counted++)
			line += f->data[counted] == '\n';
		if (sb_badge_ref_target(f->data, &ref, target, sizeof(target)) !=
		    SB_OK) {
			sb_wipe(target, sizeof(target)); /* filled to the end */
			continue;
		}
		hit = fetch_once(c, t, target, &rc);
		/* Only the string was written (and every earlier one wiped):
		 * wiping all 8 KiB for each URL was most of check's time. */
		sb_wipe(target, strlen(target) + 1);
		if (!hit || rc)
			break;
		/* Cut short by the command's end: not checked, not broken. */
		if (hit->err == SB_ERR_TIMEOUT && sb_client_out_of_time(c))
			return out_of_time(path);
		n->total++;
		if (hit->err != SB_OK)
			n->broken++;
		print_ref(path, line, &ref, hit);
	}
	return rc;
}

int cmd_check(sb_client *c, cli_options *o)
{
	const char *base = sb_client_base_url(c);
	seen_table t;
	counts n = {0, 0};
	cli_file *files;
	int i, rc = 0;

	memset(&t, 0, sizeof(t));
	files = calloc((size_t)o->nargs, sizeof(cli_file));
	if (!files) {
		cli_error("out of memory");
		return EXIT_USAGE;
	}
	for (i = 0; i < o->nargs && !rc; i++)
		rc = cli_file_read(o->args[i], NULL, CHECK_MAX, &files[i]);
	for (i = 0; i < o->nargs && !rc; i++)
		rc = check_file(c, o->args[i], &files[i], &t, &n);
	free_table(&t);
	for (i = 0; i < o->nargs; i++)
		cli_file_free(&files[i]);
	free(files);
	if (rc)
		return rc;
	if (n.total == 0) {
		cli_error("no badge URL of %s in the files (check --url: badge "
			  "URLs of other servers are not checked)",
			  base);
		return EXIT_CHECK;
	}
	cli_info("%lu badge URL%s checked, %lu broken", (unsigned long)n.total,
		 n.total == 1 ? "" : "s", (unsigned long)n.broken);
	return n.broken ? EXIT_CHECK : EXIT_OK;
}

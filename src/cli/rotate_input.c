/*
 * rotate_input.c - the keys `rotate` works through (rotate.h): named ones
 * first (operands, --from FILE, sonar.projectKey), then the server's
 * listing page by page. Keys already given are remembered as two 64-bit
 * hashes each (16 bytes a key, whatever its length), so memory stays flat
 * however many projects the server lists.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rotate.h"

#define FROM_MAX (16u * 1024u * 1024u)

typedef struct seen_key {
	uint64_t a, b; /* both 0: an empty slot */
} seen_key;

struct rotate_input {
	char **named; /* operands, --from, properties */
	size_t nnamed, next_named, cap_named;

	int listing;	  /* --all / --query */
	int applications; /* and applications */
	const char *query;
	unsigned page;
	int more;
	char **page_keys; /* the current page */
	char (*page_quals)[8];
	size_t page_n, page_next;
	const char *why; /* a failure of the listing that is not c's */

	seen_key *seen;
	size_t nseen, cap_seen;
	char current[SB_MAX_KEY_LEN + 1];
};

/* Two independent hashes (FNV-1a and a multiply-xorshift mix). */
static seen_key key_hash(const char *s)
{
	seen_key h = {1469598103934665603ull, 0x9e3779b97f4a7c15ull};

	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		h.a = (h.a ^ c) * 1099511628211ull;
		h.b = (h.b + c) * 0xff51afd7ed558ccdull;
		h.b ^= h.b >> 33;
	}
	if (!h.a && !h.b)
		h.b = 1;
	return h;
}

static int grow_seen(rotate_input *in)
{
	size_t nc = in->cap_seen ? in->cap_seen * 2 : 1024, i, k;
	seen_key *ns = calloc(nc, sizeof(seen_key));

	if (!ns)
		return -1;
	for (i = 0; i < in->cap_seen; i++) {
		seen_key e = in->seen[i];

		if (!e.a && !e.b)
			continue;
		for (k = (size_t)e.a & (nc - 1); ns[k].a || ns[k].b;
		     k = (k + 1) & (nc - 1))
			;
		ns[k] = e;
	}
	free(in->seen);
	in->seen = ns;
	in->cap_seen = nc;
	return 0;
}

/* 1 when key was seen before (and now it is), 0 when new, -1 no memory. */
static int seen_before(rotate_input *in, const char *key)
{
	seen_key h = key_hash(key);
	size_t k;

	if ((in->nseen + 1) * 2 > in->cap_seen && grow_seen(in) != 0)
		return -1;
	for (k = (size_t)h.a & (in->cap_seen - 1);
	     in->seen[k].a || in->seen[k].b; k = (k + 1) & (in->cap_seen - 1))
		if (in->seen[k].a == h.a && in->seen[k].b == h.b)
			return 1;
	in->seen[k] = h;
	in->nseen++;
	return 0;
}

static int add_named(rotate_input *in, const char *key)
{
	if (!*key || strlen(key) > SB_MAX_KEY_LEN) {
		cli_error("project key '%.60s%s' is empty or longer than %d "
			  "characters",
			  key, strlen(key) > 60 ? "..." : "", SB_MAX_KEY_LEN);
		return EXIT_USAGE;
	}
	if (in->nnamed == in->cap_named) {
		size_t nc = in->cap_named ? in->cap_named * 2 : 16;
		char **nn = realloc(in->named, nc * sizeof(char *));

		if (!nn)
			goto nomem;
		in->named = nn;
		in->cap_named = nc;
	}
	in->named[in->nnamed] = strdup(key);
	if (!in->named[in->nnamed])
		goto nomem;
	in->nnamed++;
	return 0;
nomem:
	cli_error("out of memory");
	return EXIT_USAGE;
}

/* Keys one a line; '#' comments and blank lines ignored. */
static int read_from(rotate_input *in, const char *path)
{
	cli_file f;
	size_t i = 0, line = 0;
	int rc;

	rc = cli_file_read(path, "--from file", FROM_MAX, &f);
	if (rc)
		return rc;
	while (i < f.len && rc == 0) {
		char *l = f.data + i, *nl = memchr(l, '\n', f.len - i), *e;
		size_t k;

		line++;
		if (nl)
			*nl = '\0';
		i = nl ? (size_t)(nl - f.data) + 1 : f.len;
		/* A NUL would end the key early, naming another project
		 * (a UTF-16 file has one after every character). */
		if (strlen(l) != (size_t)((nl ? nl : f.data + f.len) - l)) {
			cli_error("%.300s, line %lu: a NUL byte (save the file "
				  "as UTF-8 or ASCII, one key a line)",
				  path, (unsigned long)line);
			rc = EXIT_USAGE;
			break;
		}
		while (*l == ' ' || *l == '\t')
			l++;
		e = l + strlen(l);
		while (e > l && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'))
			*--e = '\0';
		if (!*l || *l == '#')
			continue;
		for (k = 0; l[k]; k++)
			if ((unsigned char)l[k] < 0x20 || l[k] == 0x7f ||
			    l[k] == ' ') {
				cli_error("%.300s, line %lu: a project key "
					  "holds a space or control character",
					  path, (unsigned long)line);
				rc = EXIT_USAGE;
				break;
			}
		if (rc == 0)
			rc = add_named(in, l);
	}
	cli_file_free(&f);
	return rc;
}

int rotate_input_open(const cli_options *o, rotate_input **out)
{
	rotate_input *in = calloc(1, sizeof(*in));
	int i, rc = 0;

	*out = NULL;
	if (!in) {
		cli_error("out of memory");
		return EXIT_USAGE;
	}
	for (i = 0; i < o->nargs && rc == 0; i++)
		rc = add_named(in, o->args[i]);
	if (rc == 0 && o->from_file)
		rc = read_from(in, o->from_file);
	if (rc == 0 && !o->all && !o->from_file && o->nargs == 0)
		rc = add_named(in, cli_project_or_props(o));
	if (rc) {
		rotate_input_close(in);
		return rc;
	}
	in->listing = o->all;
	in->applications = !o->projects_only;
	in->query = o->query;
	in->more = 1;
	*out = in;
	return 0;
}

static int keep_key(void *user, const sb_project_item *item)
{
	rotate_input *in = user;
	char *k;

	/* A server answering more than a page's worth, or no memory: stop
	 * (and fail the listing) rather than lose keys. */
	if (in->page_n == SB_PROJECTS_PAGE_SIZE) {
		in->why = "the server listed more projects in a page than "
			  "asked for";
		return 1;
	}
	if (!(k = strdup(item->key))) {
		in->why = "out of memory";
		return 1;
	}
	snprintf(in->page_quals[in->page_n], sizeof(in->page_quals[0]), "%s",
		 item->qualifier);
	in->page_keys[in->page_n++] = k;
	return 0;
}

static void free_page(rotate_input *in)
{
	size_t i;

	for (i = 0; i < in->page_n; i++)
		free(in->page_keys[i]);
	in->page_n = in->page_next = 0;
}

/* The next page of the listing into page_keys. */
static sb_err next_page(rotate_input *in, sb_client *c)
{
	sb_err err;

	free_page(in);
	if (!in->page_keys) {
		in->page_keys = calloc(SB_PROJECTS_PAGE_SIZE, sizeof(char *));
		in->page_quals = calloc(SB_PROJECTS_PAGE_SIZE, 8);
		if (!in->page_keys || !in->page_quals) {
			in->why = "out of memory";
			return SB_ERR_NOMEM;
		}
	}
	in->page++;
	err = sb_projects_page(c, in->query, in->applications, in->page,
			       keep_key, in, &in->more);
	if (err == SB_OK && in->why)
		err = SB_ERR_UNEXPECTED_STATUS;
	if (err != SB_OK)
		in->more = 0;
	return err;
}

static int key_is_clean(const char *k)
{
	for (; *k; k++)
		if ((unsigned char)*k < 0x20 || *k == 0x7f)
			return 0;
	return 1;
}

const char *rotate_input_next(rotate_input *in, sb_client *c, sb_err *err,
			      const char **bad, const char **qualifier)
{
	const char *key;
	int dup;

	*err = SB_OK;
	*bad = NULL;
	*qualifier = "";
	for (;;) {
		if (in->next_named < in->nnamed) {
			key = in->named[in->next_named++];
		} else if (in->page_next < in->page_n) {
			*qualifier = in->page_quals[in->page_next];
			key = in->page_keys[in->page_next++];
		} else if (in->listing && in->more) {
			*err = next_page(in, c);
			if (*err != SB_OK)
				return NULL;
			continue;
		} else {
			return NULL;
		}
		dup = seen_before(in, key);
		if (dup < 0) {
			in->why = "out of memory";
			*err = SB_ERR_NOMEM;
			return NULL;
		}
		if (dup)
			continue;
		memcpy(in->current, key, strlen(key) + 1);
		if (!key_is_clean(key))
			*bad = "the key holds a control character";
		return in->current;
	}
}

const char *rotate_input_error(const rotate_input *in)
{
	return in->why;
}

void rotate_input_close(rotate_input *in)
{
	size_t i;

	if (!in)
		return;
	for (i = 0; i < in->nnamed; i++)
		free(in->named[i]);
	free(in->named);
	free_page(in);
	free(in->page_keys);
	free(in->page_quals);
	free(in->seen);
	free(in);
}

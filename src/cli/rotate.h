/*
 * rotate.h - the parts of `sonarbadge rotate`: where the project keys
 * come from (rotate_input.c), the clients that renew in parallel
 * (rotate_pool.c), the files waiting for new tokens (rotate_rewrite.c),
 * and the run itself (cmd_rotate.c).
 */
#ifndef SB_CLI_ROTATE_H
#define SB_CLI_ROTATE_H

#include <stddef.h>

#include "cli.h"
#include "cli_journal.h"

/* ---- The keys (rotate_input.c) ---- */

/*
 * The projects to rotate, streamed: the operands and --from FILE first,
 * then, with --all, api/projects/search one page at a time (only one page
 * is held). A key named twice is given once.
 */
typedef struct rotate_input rotate_input;

int rotate_input_open(const cli_options *o, rotate_input **out);
/*
 * The next key (valid until the next call), NULL at the end. The listing
 * goes through c. *err gets the listing's error (and the message is c's),
 * SB_OK otherwise. A key that cannot be a project key is given with
 * *bad set (it fails alone). *qualifier: "APP" for an application, "TRK"
 * for a listed project, "" for a named one.
 */
const char *rotate_input_next(rotate_input *in, sb_client *c, sb_err *err,
			      const char **bad, const char **qualifier);
/* Why the listing stopped when the client has no message ("out of
 * memory"), else NULL. */
const char *rotate_input_error(const rotate_input *in);
void rotate_input_close(rotate_input *in);

/* ---- The clients (rotate_pool.c) ---- */

typedef struct rotate_pool rotate_pool;

/* One task: fn(client, arg) on some client of the pool. */
typedef void (*rotate_task_fn)(sb_client *c, void *arg);

/* jobs clients: first, then o->workers (main made them). */
int rotate_pool_open(sb_client *first, const cli_options *o,
		     rotate_pool **out);
/* Run fn over args[0..n) on every client at once; returns when all are
 * done. With one client, in order on the calling thread. */
void rotate_pool_run(rotate_pool *p, rotate_task_fn fn, void *args,
		     size_t arg_size, size_t n);
void rotate_pool_close(rotate_pool *p);

/* ---- Files waiting for new tokens (rotate_rewrite.c) ---- */

typedef struct rotate_rewrites rotate_rewrites;

/*
 * The --rewrite files of this run (read once to learn which projects
 * have badge URLs in them) and those a journal says still wait.
 */
int rotate_rewrites_open(const cli_options *o, const char *base,
			 const cli_journal *j, rotate_rewrites **out);
/* Does some file need this project's token? */
int rotate_rewrites_wants(const rotate_rewrites *r, const char *key);
/* Journal (and remember) that the files with key's badges wait for its
 * new token; 0 or an exit code. */
int rotate_rewrites_expect(rotate_rewrites *r, cli_journal *j,
			   const char *key, long long now);
/* The new token of a rotated project, for the rewrite. */
int rotate_rewrites_token(rotate_rewrites *r, const char *key,
			  const char *token);
/*
 * Rewrite every waiting file with the current tokens (this run's, or
 * read from the server for the projects an earlier run left); journal
 * each file done. Returns 0 or an exit code (EXIT_WRITE when a file could
 * not be written; it stays waiting for the next run).
 */
int rotate_rewrites_run(rotate_rewrites *r, sb_client *c, cli_journal *j);
void rotate_rewrites_close(rotate_rewrites *r);

#endif

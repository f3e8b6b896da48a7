/*
 * cmd_rotate.c - `sonarbadge rotate`: renew the badge tokens of many
 * projects, N connections at once, and put the new tokens in the files
 * that show them. With --state FILE a run that dies at any moment is
 * finished by running the same command again: each project renewed
 * exactly once, every --rewrite file carrying every new token.
 *
 * Projects go through in batches, each in these steps:
 *   1. choose: skip (--older-than), plan (--dry-run), or work on it;
 *   2. read:   every old token (the journal's pending projects: did the
 *              interrupted run's renewal apply? then it is done);
 *   3. wait:   a pending renewal that may still be queued in the server
 *              is waited for until its bound, then read again;
 *   4. record: one journal write for the batch - each project's pending
 *              renewal (old token's fingerprint, the bound within which
 *              its POST may still apply) and the files that will wait
 *              for its token - made durable with one fsync;
 *   5. renew:  every POST of the batch sent within POST_WINDOW_S of that
 *              record (a project not reached in time waits for the next
 *              batch), then the new tokens read;
 *   6. report: the journal's rotated records, a line per project, in
 *              the order the projects came in.
 * After the last batch the waiting files are rewritten and the journal
 * is written compactly.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "rotate.h"
#include "sb_util.h"

#define BATCH 64
/* Every renewal of a batch leaves within this many seconds of the
 * batch's journal record, so a rerun knows how long one may still be on
 * its way: this plus the maximum time. */
#define POST_WINDOW_S 5

typedef enum {
	JOB_TODO,
	JOB_SKIPPED,
	JOB_PLANNED,
	JOB_READ,      /* old token read */
	JOB_RECOVERED, /* an interrupted run's renewal applied */
	JOB_ROTATED,
	JOB_FAILED,
	JOB_DEFERRED /* not reached within the window: next batch */
} job_state;

typedef struct job {
	char key[SB_MAX_KEY_LEN + 1];
	char qualifier[8];
	job_state state;
	cli_project_state st; /* what the journal said */
	char old_tok[SB_MAX_TOKEN_LEN + 1];
	char new_tok[SB_MAX_TOKEN_LEN + 1];
	sb_err err;
	char error[SB_MAX_MESSAGE_LEN];
	long long not_after; /* send no renewal after this (Unix s) */
	cli_journal *journal; /* for the "sent" record, or NULL */
	long long post_bound_s; /* a renewal may apply this long after */
	int write_rc; /* the "sent" record could not be written */
} job;

typedef struct run {
	cli_options *o;
	sb_client *c; /* the first client: listing, rewrites */
	rotate_pool *pool;
	rotate_input *in;
	cli_journal *j;
	rotate_rewrites *rw;
	job *jobs;
	size_t n;	   /* jobs in the batch */
	job *carry;	   /* deferred jobs for the next batch */
	size_t ncarry;
	size_t rotated, failed, skipped, planned, total;
	int input_done;
	int stop_rc;  /* an error every project would meet: stop */
	int write_rc; /* the journal, a file or stdout could not be written */
	int out_closed; /* standard output failed: said once, at the end */
} run;

cli_parse_result parse_rotate(cli_options *o)
{
	if (o->query)
		o->all = 1;
	if (o->older_than_s && !o->state_file) {
		cli_error("--older-than needs --state FILE (where the last "
			  "rotations are recorded)");
		return CLI_USAGE_ERROR;
	}
	if (o->lock_timeout_ms && !o->state_file) {
		cli_error("--lock-timeout needs --state FILE (the lock is the "
			  "state file's)");
		return CLI_USAGE_ERROR;
	}
	if (o->projects_only && !o->all) {
		cli_error("--projects-only needs --all or --query (it filters "
			  "the listing)");
		return CLI_USAGE_ERROR;
	}
	if (!o->all && !o->from_file && o->nargs == 0 &&
	    !cli_project_or_props(o))
		return cli_no_project_error(o->cmd,
					    "PROJECT..., --from FILE or --all");
	return CLI_PARSED;
}

/* Errors after which every other project would fail the same way. */
static int stops_everything(sb_err err)
{
	switch (err) {
	case SB_ERR_UNAUTHORIZED:
	case SB_ERR_TLS:
	case SB_ERR_TLS_VERIFY:
	case SB_ERR_DNS:
	case SB_ERR_CONNECT:
	case SB_ERR_CONFIG:
	case SB_ERR_UNSUPPORTED:
	case SB_ERR_NOMEM:
		return 1;
	default:
		return 0;
	}
}

/* After these a renewal may have reached the server: its pending record
 * stays, for the next run to find out. */
static int outcome_unclear(sb_err err)
{
	return err == SB_ERR_NETWORK || err == SB_ERR_TIMEOUT ||
	       err == SB_ERR_TLS || err == SB_ERR_PROXY;
}

static void fail_job(job *jb, sb_err err, const char *msg)
{
	jb->state = JOB_FAILED;
	jb->err = err;
	snprintf(jb->error, sizeof(jb->error), "%s",
		 msg && *msg ? msg : sb_strerror(err));
}

/* ---------------------------------------------------------------------
 * Tasks, run on any client of the pool
 * ------------------------------------------------------------------- */

static void task_read(sb_client *c, void *arg)
{
	job *jb = arg;
	char fp[65];
	sb_err err;

	if (jb->state != JOB_TODO && jb->state != JOB_READ)
		return;
	err = sb_token_get(c, jb->key, jb->old_tok, sizeof(jb->old_tok));
	if (err == SB_ERR_NOT_FOUND && strcmp(jb->qualifier, "APP") == 0) {
		/* Listed, yet "not found" by the token API: a server whose
		 * applications have no badge tokens (10.0 and early 9.9
		 * releases; TokenAction's changelog says 9.9 on branch-9.9,
		 * 10.1 on master). */
		jb->state = JOB_SKIPPED;
		snprintf(jb->error, sizeof(jb->error),
			 "an application, and this server gives applications "
			 "no badge tokens");
		return;
	}
	if (err != SB_OK) {
		fail_job(jb, err, sb_client_message(c));
		return;
	}
	jb->state = JOB_READ;
	if (jb->st.pending < 0)
		return;
	sb_token_fingerprint(jb->old_tok, fp);
	if (strcmp(fp, jb->st.fp) != 0) {
		/* The interrupted run's renewal went through: done. */
		memcpy(jb->new_tok, jb->old_tok, sizeof(jb->new_tok));
		jb->old_tok[0] = '\0';
		jb->state = JOB_RECOVERED;
	}
}

static void task_renew(sb_client *c, void *arg)
{
	job *jb = arg;
	long long now;
	sb_err err;

	if (jb->state != JOB_READ)
		return;
	now = (long long)time(NULL);
	if (now > jb->not_after) {
		jb->state = JOB_DEFERRED;
		return;
	}
	/* Which renewals were on their way, should this process die: a
	 * rerun waits only for those. */
	if (jb->journal) {
		jb->write_rc = cli_journal_sent(jb->journal, jb->key, now,
						now + jb->post_bound_s);
		if (jb->write_rc) {
			fail_job(jb, SB_ERR_CONFIG, "not renewed: the state "
						    "file cannot be written");
			return;
		}
	}
	err = sb_token_renew_from(c, jb->key, jb->old_tok, jb->new_tok,
				  sizeof(jb->new_tok));
	if (err != SB_OK)
		fail_job(jb, err, sb_client_message(c));
	else
		jb->state = JOB_ROTATED;
}

/* ---------------------------------------------------------------------
 * Steps of a batch
 * ------------------------------------------------------------------- */

/* Step 1 for a new key. */
static void choose(run *r, job *jb, const char *bad, long long now)
{
	const cli_options *o = r->o;

	jb->st = r->j ? cli_journal_get(r->j, jb->key)
		      : (cli_project_state){-1, -1, -1, -1, 0, ""};
	if (bad) {
		fail_job(jb, SB_ERR_INVALID_ARG, bad);
		return;
	}
	if (o->older_than_s && jb->st.pending < 0 && jb->st.rotated >= 0 &&
	    now - jb->st.rotated < o->older_than_s) {
		jb->state = JOB_SKIPPED;
		snprintf(jb->error, sizeof(jb->error), "rotated %lu s ago",
			 (unsigned long)(now - jb->st.rotated));
		return;
	}
	jb->state = o->dry_run ? JOB_PLANNED : JOB_TODO;
}

/* Fill the batch: deferred jobs first, then new keys. */
static int fill(run *r)
{
	long long now = (long long)time(NULL);
	size_t i;

	r->n = 0;
	for (i = 0; i < r->ncarry; i++) {
		r->jobs[r->n] = r->carry[i];
		r->jobs[r->n].state = JOB_READ;
		r->n++;
	}
	r->ncarry = 0;
	while (r->n < BATCH && !r->input_done && !r->stop_rc && !r->write_rc) {
		const char *bad, *qual, *key;
		sb_err err;
		job *jb = &r->jobs[r->n];

		key = rotate_input_next(r->in, r->c, &err, &bad, &qual);
		if (!key) {
			r->input_done = 1;
			if (err != SB_OK) {
				const char *why = rotate_input_error(r->in);

				if (why)
					cli_error("%s", why);
				else
					cli_fail(r->c, err);
				r->stop_rc = cli_exit_code(err);
			}
			break;
		}
		memset(jb, 0, sizeof(*jb));
		snprintf(jb->key, sizeof(jb->key), "%s", key);
		snprintf(jb->qualifier, sizeof(jb->qualifier), "%s", qual);
		choose(r, jb, bad, now);
		r->n++;
	}
	return r->n > 0;
}

static void sleep_s(long long s)
{
	struct timespec ts;

	ts.tv_sec = (time_t)s;
	ts.tv_nsec = 0;
	while (nanosleep(&ts, &ts) != 0)
		;
}

/* Step 3: a pending renewal whose token is unchanged may still be queued
 * in the server; wait until it can no longer apply, then read again. */
static void wait_for_queued(run *r)
{
	long long now = (long long)time(NULL), until = -1;
	size_t i, waiting = 0;
	const char *first = NULL;

	for (i = 0; i < r->n; i++) {
		job *jb = &r->jobs[i];
		long long bound;

		if (jb->state != JOB_READ || jb->st.pending < 0 || jb->st.unsent)
			continue;
		/* The renewal's own bound when the journal says it was sent,
		 * else the batch's (it may have been, and the record lost). */
		bound = jb->st.sent_until >= 0 ? jb->st.sent_until
					       : jb->st.pending_until;
		if (bound <= now)
			continue;
		if (bound > until)
			until = bound;
		if (!first)
			first = jb->key;
		waiting++;
	}
	if (!waiting)
		return;
	cli_info("waiting %lu s: a renewal of %.200s%s sent by an interrupted "
		 "run may still be queued in the server",
		 (unsigned long)(until - now), first,
		 waiting > 1 ? " and others" : "");
	sleep_s(until - now);
	rotate_pool_run(r->pool, task_read, r->jobs, sizeof(job), r->n);
}

/* The maximum time of one project, in whole seconds (rounded up). */
static long long max_time_s(const run *r)
{
	unsigned ms = r->o->max_time_ms ? r->o->max_time_ms : 60000;

	return (long long)((ms + 999) / 1000);
}

/* Step 4: one durable journal write before any renewal of the batch. */
static void record_pending(run *r)
{
	long long now = (long long)time(NULL);
	long long until = now + POST_WINDOW_S + max_time_s(r) + 1;
	size_t i;
	int rc = 0;

	for (i = 0; i < r->n; i++) {
		job *jb = &r->jobs[i];
		char fp[65];

		if (jb->state != JOB_READ)
			continue;
		jb->not_after = now + POST_WINDOW_S;
		jb->journal = r->j;
		jb->post_bound_s = max_time_s(r) + 1;
		if (!r->j)
			continue;
		sb_token_fingerprint(jb->old_tok, fp);
		if (rc == 0)
			rc = cli_journal_pending(r->j, jb->key, fp, now, until);
		if (rc == 0)
			rc = rotate_rewrites_expect(r->rw, r->j, jb->key, now);
	}
	if (r->j && rc == 0)
		rc = cli_journal_sync(r->j);
	/* No journal: the files wait for these tokens all the same. */
	for (i = 0; !r->j && rc == 0 && i < r->n; i++)
		if (r->jobs[i].state == JOB_READ)
			rc = rotate_rewrites_expect(r->rw, NULL, r->jobs[i].key,
						    now);
	if (rc == 0)
		return;
	/* Nothing may be renewed that the journal does not know of. */
	for (i = 0; i < r->n; i++)
		if (r->jobs[i].state == JOB_READ)
			fail_job(&r->jobs[i], SB_ERR_CONFIG,
				 "not renewed: the state file cannot be "
				 "written");
	r->write_rc = rc;
}

/* Step 6: the journal's rotated records, the files' new tokens. */
static void record_results(run *r)
{
	long long now = (long long)time(NULL);
	size_t i;
	int rc = 0;

	for (i = 0; i < r->n; i++) {
		job *jb = &r->jobs[i];

		if (jb->state == JOB_DEFERRED) {
			r->carry[r->ncarry++] = *jb;
			continue;
		}
		if (jb->state == JOB_ROTATED || jb->state == JOB_RECOVERED) {
			if (r->j && rc == 0)
				rc = cli_journal_rotated(r->j, jb->key, now);
			if (rc == 0 && jb->state == JOB_RECOVERED)
				rc = rotate_rewrites_expect(r->rw, r->j, jb->key,
							    now);
			if (rc == 0)
				rc = rotate_rewrites_token(r->rw, jb->key,
							   jb->new_tok);
		} else if (jb->state == JOB_FAILED && r->j && rc == 0 &&
			   !outcome_unclear(jb->err)) {
			rc = cli_journal_cleared(r->j, jb->key, now);
		}
	}
	if (rc && !r->write_rc)
		r->write_rc = rc;
}

/* printf pads to a number of bytes; the columns are characters. The
 * bytes past the first of each UTF-8 sequence (the shortened token's
 * ellipsis, a key's letters) widen the field by as much. */
static int column(const char *s, int width)
{
	for (; *s; s++)
		if (((unsigned char)*s & 0xc0) == 0x80)
			width++;
	return width;
}

static void print_line(run *r, const job *jb, const char *status)
{
	const cli_options *o = r->o;
	char s_old[32] = "", k[SB_MAX_KEY_LEN + 1], e[SB_MAX_MESSAGE_LEN];
	const char *err = jb->error[0] ? jb->error : NULL;
	const char *new_tok = jb->new_tok[0] ? jb->new_tok : NULL;

	sb_printable(jb->key, k, sizeof(k));
	if (jb->old_tok[0])
		cli_shorten_token(jb->old_tok, s_old, sizeof(s_old));
	if (err)
		sb_printable(err, e, sizeof(e));
	if (o->json) {
		cli_out("{\"project\":");
		cli_out_json_string(jb->key);
		cli_out(",\"old\":");
		if (s_old[0])
			cli_out_json_string(s_old);
		else
			cli_out("null");
		cli_out(",\"new\":");
		if (new_tok)
			cli_out_json_string(new_tok);
		else
			cli_out("null");
		cli_out(",\"status\":\"%s\",\"error\":", status);
		if (err)
			cli_out_json_string(e);
		else
			cli_out("null");
		cli_out("}\n");
	} else {
		const char *old = s_old[0] ? s_old : "-";

		cli_out("%-*s  %-*s  %-44s  %s%s%s\n", column(k, 30), k,
			column(old, 12), old, new_tok ? new_tok : "-", status,
			err ? ": " : "", err ? e : "");
	}
}

/* Step 6: a line per project, in input order; the counts. */
static void report(run *r)
{
	size_t i;

	for (i = 0; i < r->n; i++) {
		job *jb = &r->jobs[i];

		switch (jb->state) {
		case JOB_DEFERRED:
			continue;
		case JOB_SKIPPED:
			print_line(r, jb, "skipped");
			r->skipped++;
			break;
		case JOB_PLANNED:
			print_line(r, jb, "would-rotate");
			r->planned++;
			break;
		case JOB_ROTATED:
		case JOB_RECOVERED:
			print_line(r, jb, "rotated");
			r->rotated++;
			break;
		default:
			if (jb->state != JOB_FAILED)
				fail_job(jb, SB_ERR_INVALID_ARG, "not rotated");
			print_line(r, jb, "failed");
			r->failed++;
			if (jb->write_rc && !r->write_rc)
				r->write_rc = jb->write_rc;
			else if (stops_everything(jb->err) && !r->stop_rc)
				r->stop_rc = cli_exit_code(jb->err);
			break;
		}
		r->total++;
		sb_wipe(jb->old_tok, sizeof(jb->old_tok));
		sb_wipe(jb->new_tok, sizeof(jb->new_tok));
	}
	if (cli_out_failed() && !r->write_rc) {
		r->write_rc = EXIT_WRITE;
		r->out_closed = 1;
	}
}

static void batch(run *r)
{
	rotate_pool_run(r->pool, task_read, r->jobs, sizeof(job), r->n);
	wait_for_queued(r);
	record_pending(r);
	rotate_pool_run(r->pool, task_renew, r->jobs, sizeof(job), r->n);
	record_results(r);
	report(r);
}

/* ---------------------------------------------------------------------
 * The run
 * ------------------------------------------------------------------- */

static int open_run(run *r, sb_client *c, cli_options *o)
{
	int rc = 0;

	memset(r, 0, sizeof(*r));
	r->o = o;
	r->c = c;
	r->jobs = calloc(BATCH, sizeof(job));
	r->carry = calloc(BATCH, sizeof(job));
	if (!r->jobs || !r->carry) {
		cli_error("out of memory");
		return EXIT_USAGE;
	}
	if (o->state_file)
		rc = cli_journal_open(o->state_file, o->lock_timeout_ms,
				      o->dry_run, &r->j);
	/* Files to rewrite must be readable and replaceable before anything
	 * changes. */
	if (rc == 0 && !o->dry_run)
		rc = rotate_rewrites_open(o, sb_client_base_url(c), r->j, &r->rw);
	if (rc == 0)
		rc = rotate_input_open(o, &r->in);
	if (rc == 0)
		rc = rotate_pool_open(c, o, &r->pool);
	return rc;
}

static int close_run(run *r)
{
	int rc = 0;

	rotate_pool_close(r->pool);
	rotate_input_close(r->in);
	rotate_rewrites_close(r->rw);
	if (r->j)
		rc = cli_journal_close(r->j);
	if (r->jobs)
		sb_wipe(r->jobs, BATCH * sizeof(job));
	if (r->carry)
		sb_wipe(r->carry, BATCH * sizeof(job));
	free(r->jobs);
	free(r->carry);
	return rc;
}

int cmd_rotate(sb_client *c, cli_options *o)
{
	run r;
	int rc = open_run(&r, c, o);

	while (rc == 0 && !r.stop_rc && !r.write_rc && (fill(&r) || r.ncarry)) {
		if (!o->dry_run)
			batch(&r);
		else
			report(&r);
	}
	/* The files wait for what was rotated, even after a stop. With
	 * standard output gone, the one line said at the end covers them. */
	if (r.out_closed)
		cli_set_quiet(1);
	if (rc == 0 && r.rw) {
		int rw = rotate_rewrites_run(r.rw, c, r.j);

		if (rw && !r.write_rc)
			r.write_rc = rw;
	}
	if (rc == 0 && r.out_closed)
		/* One line says it all: no summary after it. */
		cli_error("cannot write to standard output (a closed pipe or a "
			  "full disk): stopped after %lu project%s (%lu "
			  "rotated); the state and the files are up to date, "
			  "run the command again for the rest",
			  (unsigned long)r.total, r.total == 1 ? "" : "s",
			  (unsigned long)r.rotated);
	else if (rc == 0 && o->dry_run)
		cli_info("dry run: %lu project%s would be rotated, %lu skipped; "
			 "nothing was changed",
			 (unsigned long)r.planned, r.planned == 1 ? "" : "s",
			 (unsigned long)r.skipped);
	else if (rc == 0)
		cli_info("rotated %lu of %lu project%s (%lu failed, %lu "
			 "skipped%s)",
			 (unsigned long)r.rotated, (unsigned long)r.total,
			 r.total == 1 ? "" : "s", (unsigned long)r.failed,
			 (unsigned long)r.skipped,
			 r.stop_rc || r.write_rc ? ", stopped early" : "");
	{
		int closed = close_run(&r);

		if (closed && !r.write_rc)
			r.write_rc = closed;
	}
	if (rc)
		return rc;
	if (r.stop_rc)
		return r.stop_rc;
	if (r.write_rc)
		return r.write_rc;
	return r.failed ? EXIT_CHECK : EXIT_OK;
}

/*
 * cli_journal.h - the rotation state of `rotate --state FILE`: an
 * append-only journal of what happened to each project (and which files
 * still wait for which projects' tokens), one run at a time.
 *
 *   # sonarbadge rotation state v2
 *   rotated<TAB>TIME<TAB>KEY                the token was renewed
 *   pending<TAB>TIME<TAB>UNTIL<TAB>FP<TAB>KEY
 *                                           a renewal may be sent from
 *                                           TIME on; one sent may still
 *                                           apply until UNTIL; FP is the
 *                                           old token's fingerprint
 *   sent<TAB>TIME<TAB>UNTIL<TAB>KEY         the renewal is being sent now; it
 *                                           may still apply until UNTIL
 *   cleared<TAB>TIME<TAB>KEY                that renewal did not happen
 *   boot<TAB>TIME<TAB>ID                    the machine's boot (Linux's
 *                                           boot_id) of the records after
 *   rewrite<TAB>TIME<TAB>FILE<TAB>KEY       FILE waits for KEY's token
 *   rewritten<TAB>TIME<TAB>FILE             FILE carries every token it
 *                                           waited for
 *
 * TIME and UNTIL are Unix seconds; KEY and FILE are percent-encoded
 * (bytes up to space, DEL and '%'). Records are appended; those that must
 * be on disk before a renewal is sent are fsync'd in one go (cli_journal_
 * sync); a "sent" record is only written (a killed process loses no
 * write; a machine that crashes does, which the boot record tells); the
 * file is rewritten compactly when a run ends. Version 1 files
 * (rotated and four-field pending records, keys as they are) are read and
 * turned into version 2.
 *
 * The file is refused when another user owns it or others may write it
 * (as ssh's StrictModes), or when it has other names (hard links);
 * records dated in the future are ignored with a warning; a torn last
 * line (a write cut short) is ignored, and the file rewritten without it
 * before anything is appended.
 */
#ifndef SB_CLI_JOURNAL_H
#define SB_CLI_JOURNAL_H

#include <stddef.h>

typedef struct cli_journal cli_journal;

typedef struct cli_project_state {
	long long rotated;	 /* -1: never */
	long long pending;	 /* -1: none */
	long long pending_until; /* a renewal sent may apply until then */
	long long sent_until;	 /* -1, or the bound of a renewal sent */
	int unsent;		 /* the journal shows none was ever sent */
	char fp[65];		 /* the old token's fingerprint */
} cli_project_state;

/*
 * Lock (PATH.lock, waiting up to lock_timeout_ms) and load. read_only: no
 * lock, nothing written (--dry-run). Returns 0 or an exit code after a
 * one-line error (EXIT_LOCKED when another run holds the lock).
 */
int cli_journal_open(const char *path, unsigned lock_timeout_ms,
		     int read_only, cli_journal **out);
/* Rewrite the file compactly (unless read-only), unlock and free. Returns
 * 0 or an exit code (the journal itself is then still complete). */
int cli_journal_close(cli_journal *j);

/* What the journal says of a project (all -1 when nothing). */
cli_project_state cli_journal_get(const cli_journal *j, const char *key);

/* Append a record (not yet durable). 0 or an exit code after an error. */
int cli_journal_pending(cli_journal *j, const char *key, const char *fp,
			long long now, long long until);
int cli_journal_rotated(cli_journal *j, const char *key, long long now);
/* A renewal is about to be sent; written, not synced. Safe to call from
 * several threads at once. */
int cli_journal_sent(cli_journal *j, const char *key, long long now,
		     long long until);
int cli_journal_cleared(cli_journal *j, const char *key, long long now);
int cli_journal_rewrite(cli_journal *j, const char *file, const char *key,
			long long now);
int cli_journal_rewritten(cli_journal *j, const char *file, long long now);
/* Make every record appended so far durable (fdatasync). */
int cli_journal_sync(cli_journal *j);

/* Files still waiting for tokens, and the projects each waits for. */
size_t cli_journal_rewrite_file_count(const cli_journal *j);
const char *cli_journal_rewrite_file(const cli_journal *j, size_t i);
size_t cli_journal_rewrite_key_count(const cli_journal *j, size_t i);
const char *cli_journal_rewrite_key(const cli_journal *j, size_t i, size_t k);

#endif

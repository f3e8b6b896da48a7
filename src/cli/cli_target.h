/*
 * cli_target.h - a file the command rewrites, opened once.
 *
 * The file is found through its folder's descriptor (so a folder swapped
 * later changes nothing), never through a symbolic link unless the link
 * is owned by the user running the command or by root (the kernel's
 * protected_symlinks rule); what it was when read (device, inode, size,
 * modification time) is kept. The replacement is a temporary file in the
 * same folder (through the folder's descriptor), with the owner, mode
 * and extended attributes (ACLs included) of the original, fsync'd, and
 * renamed over the name only if that name still holds the very file that
 * was read, unchanged. A file with several hard links is refused (a
 * rename would split them), and so is one the user may not write.
 */
#ifndef SB_CLI_TARGET_H
#define SB_CLI_TARGET_H

#include <stddef.h>
#include <sys/stat.h>

typedef struct cli_target {
	const char *path; /* as given, for messages */
	int dirfd;	  /* the folder that holds it */
	char *name;	  /* its name in that folder */
	int exists;	  /* 0: a new file will be made */
	struct stat st;	  /* when it was read */
	char *data;	  /* its bytes, data[len] == '\0' */
	size_t len;
} cli_target;

/* The largest file rewrite and rotate --rewrite read (64 MiB). */
#define CLI_REWRITE_MAX_BYTES (64u * 1024u * 1024u)

/*
 * Open and read path (at most max bytes). may_create: a missing file is
 * a new, empty one. Returns 0, or an exit code after a one-line error.
 */
int cli_target_open(const char *path, size_t max, int may_create,
		    cli_target *t);
/*
 * Replace the file with data. A new file gets new_mode less the umask.
 * Returns 0, or an exit code after a one-line error; the file is then as
 * it was (EXIT_WRITE when it changed meanwhile or could not be written).
 */
int cli_target_replace(cli_target *t, const void *data, size_t len,
		       unsigned new_mode);
/*
 * Could the file be replaced (one link, writable, its folder writable)?
 * 0, or EXIT_WRITE after a one-line error ending in outcome ("nothing
 * was rotated"). Nothing is written.
 */
int cli_target_check(const cli_target *t, const char *outcome);
void cli_target_close(cli_target *t);

/* Remove temporary files still in the making and re-raise: for SIGINT,
 * SIGTERM and SIGHUP. Installed once by main. */
void cli_target_install_signal_cleanup(void);

#endif

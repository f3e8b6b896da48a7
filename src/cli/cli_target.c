/*
 * cli_target.c - opening a file once and replacing it safely
 * (cli_target.h).
 */
#define _GNU_SOURCE 1
#include "cli_target.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#if defined(__linux__)
#include <sys/xattr.h>
#endif

#include "cli.h"

#define MAX_LINK_HOPS 8

/* ---------------------------------------------------------------------
 * Temporary files removed on SIGINT/SIGTERM/SIGHUP. The handler only
 * reads this table and calls unlinkat, both async-signal-safe.
 * ------------------------------------------------------------------- */

#define TEMP_SLOTS 4

static struct {
	volatile sig_atomic_t used;
	int dirfd;
	char name[NAME_MAX + 1];
} temps[TEMP_SLOTS];

static int temp_register(int dirfd, const char *name)
{
	int i;

	for (i = 0; i < TEMP_SLOTS; i++)
		if (!temps[i].used) {
			temps[i].dirfd = dirfd;
			snprintf(temps[i].name, sizeof(temps[i].name), "%s", name);
			temps[i].used = 1;
			return i;
		}
	return -1;
}

static void temp_forget(int slot)
{
	if (slot >= 0)
		temps[slot].used = 0;
}

static void on_signal(int sig)
{
	int i;

	for (i = 0; i < TEMP_SLOTS; i++)
		if (temps[i].used)
			unlinkat(temps[i].dirfd, temps[i].name, 0);
	signal(sig, SIG_DFL);
	raise(sig);
}

void cli_target_install_signal_cleanup(void)
{
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	signal(SIGHUP, on_signal);
}

/* ---------------------------------------------------------------------
 * Opening
 * ------------------------------------------------------------------- */

/* Split path into a folder descriptor and the last component. */
static int open_parent(int at, const char *path, char **name)
{
	const char *slash = strrchr(path, '/');
	char *dir;
	int fd;

	if (!slash) {
		*name = strdup(path);
		if (!*name)
			return -1;
		return at == AT_FDCWD
			       ? open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC)
			       : fcntl(at, F_DUPFD_CLOEXEC, 0);
	}
	*name = strdup(slash + 1);
	dir = strndup(path, slash == path ? 1 : (size_t)(slash - path));
	if (!*name || !dir) {
		free(dir);
		return -1;
	}
	fd = openat(at, dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	free(dir);
	return fd;
}

/* Follow a symbolic link at (dirfd, name) only when its owner is the user
 * running the command or root; then (dirfd, name) name its target. */
static int follow_link(cli_target *t)
{
	char buf[PATH_MAX];
	struct stat lst;
	ssize_t n;
	char *name = NULL;
	int fd;

	if (fstatat(t->dirfd, t->name, &lst, AT_SYMLINK_NOFOLLOW) != 0)
		return -1;
	if (lst.st_uid != geteuid() && lst.st_uid != 0) {
		cli_error("%.300s is a symbolic link owned by another user (uid "
			  "%lu): not followed",
			  t->path, (unsigned long)lst.st_uid);
		return EXIT_USAGE;
	}
	n = readlinkat(t->dirfd, t->name, buf, sizeof(buf) - 1);
	if (n <= 0) {
		cli_error("cannot read the symbolic link %.300s: %s", t->path,
			  strerror(errno));
		return EXIT_USAGE;
	}
	buf[n] = '\0';
	fd = open_parent(buf[0] == '/' ? AT_FDCWD : t->dirfd, buf, &name);
	if (fd < 0) {
		free(name);
		cli_error("cannot follow %.300s to %.300s: %s", t->path, buf,
			  strerror(errno));
		return EXIT_USAGE;
	}
	close(t->dirfd);
	free(t->name);
	t->dirfd = fd;
	t->name = name;
	return 0;
}

/* May the user running the command write this file? Root too is held
 * to the file's mode: a read-only file is not replaced. */
static int writable(const cli_target *t)
{
	const struct stat *st = &t->st;

	if (geteuid() == 0 || st->st_uid == geteuid())
		return (st->st_mode & S_IWUSR) != 0;
	return faccessat(t->dirfd, t->name, W_OK, AT_EACCESS) == 0;
}

static int read_all(cli_target *t, int fd, size_t max)
{
	size_t cap = (size_t)t->st.st_size + 1, got = 0;
	ssize_t n;

	if ((size_t)t->st.st_size > max) {
		cli_error("%.300s is larger than %lu bytes", t->path,
			  (unsigned long)max);
		return EXIT_USAGE;
	}
	t->data = malloc(cap + 1);
	if (!t->data) {
		cli_error("out of memory reading %.300s", t->path);
		return EXIT_USAGE;
	}
	/* Bounded while reading: a file growing under us stops at max. */
	for (;;) {
		if (got == cap) {
			char *nd;

			if (cap > max) {
				cli_error("%.300s is larger than %lu bytes",
					  t->path, (unsigned long)max);
				return EXIT_USAGE;
			}
			nd = realloc(t->data, cap * 2 + 1);
			if (!nd) {
				cli_error("out of memory reading %.300s", t->path);
				return EXIT_USAGE;
			}
			t->data = nd;
			cap *= 2;
		}
		n = read(fd, t->data + got, cap - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			cli_error("cannot read %.300s: %s", t->path,
				  strerror(errno));
			return EXIT_USAGE;
		}
		if (n == 0)
			break;
		got += (size_t)n;
	}
	t->data[got] = '\0';
	t->len = got;
	return 0;
}

int cli_target_open(const char *path, size_t max, int may_create,
		    cli_target *t)
{
	int fd = -1, hops, rc;

	memset(t, 0, sizeof(*t));
	t->path = path;
	t->dirfd = open_parent(AT_FDCWD, path, &t->name);
	if (t->dirfd < 0) {
		cli_error("cannot open the folder of %.300s: %s", path,
			  strerror(errno));
		return EXIT_USAGE;
	}
	if (!t->name[0] || strcmp(t->name, ".") == 0 ||
	    strcmp(t->name, "..") == 0) {
		cli_error("cannot write '%.300s': it names a folder, not a file",
			  path);
		return EXIT_USAGE;
	}
	for (hops = 0;; hops++) {
		fd = openat(t->dirfd, t->name,
			    O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY |
				    O_CLOEXEC);
		if (fd >= 0)
			break;
		if (errno == ENOENT && may_create) {
			t->exists = 0;
			t->data = calloc(1, 1);
			return t->data ? 0 : EXIT_USAGE;
		}
		if (errno != ELOOP || hops == MAX_LINK_HOPS) {
			cli_error("cannot read %.300s: %s", path,
				  strerror(errno));
			return EXIT_USAGE;
		}
		rc = follow_link(t);
		if (rc)
			return rc == -1 ? EXIT_USAGE : rc;
	}
	t->exists = 1;
	if (fstat(fd, &t->st) != 0 || !S_ISREG(t->st.st_mode)) {
		cli_error("cannot rewrite %.300s: it is %s (a regular file is "
			  "needed)",
			  path, cli_file_kind(t->st.st_mode));
		close(fd);
		return EXIT_USAGE;
	}
	rc = read_all(t, fd, max);
	close(fd);
	return rc;
}

/* ---------------------------------------------------------------------
 * Replacing
 * ------------------------------------------------------------------- */

static int write_all(int fd, const char *p, size_t len)
{
	while (len) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* A fresh temporary name next to the file, created exclusively. */
static int make_temp(cli_target *t, char *tmp, size_t cap)
{
	static unsigned long counter;
	int i;

	for (i = 0; i < 100; i++) {
		unsigned long r = (unsigned long)time(NULL) ^
				  ((unsigned long)getpid() << 16) ^
				  (++counter * 2654435761ul);
		int fd;

		snprintf(tmp, cap, ".%.200s.sbtmp%06lx", t->name, r & 0xfffffful);
		fd = openat(t->dirfd, tmp,
			    O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
			    0600);
		if (fd >= 0 || errno != EEXIST)
			return fd;
	}
	return -1;
}

/* Owner, mode, then extended attributes (POSIX ACLs are some). */
static int keep_metadata(const cli_target *t, int fd)
{
	if ((t->st.st_uid != geteuid() || t->st.st_gid != getegid()) &&
	    fchown(fd, t->st.st_uid, t->st.st_gid) != 0) {
		cli_error("cannot keep the owner of %.300s (%s); it was left as "
			  "it was",
			  t->path, strerror(errno));
		return -1;
	}
	if (fchmod(fd, t->st.st_mode & 07777) != 0) {
		cli_error("cannot keep the mode of %.300s (%s); it was left as it "
			  "was",
			  t->path, strerror(errno));
		return -1;
	}
#if defined(__linux__)
	{
		char names[4096], value[4096];
		ssize_t n;
		int src = openat(t->dirfd, t->name,
				 O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
		char *p;

		if (src < 0)
			return 0; /* checked again before the rename */
		n = flistxattr(src, names, sizeof(names));
		for (p = names; n > 0 && p < names + n; p += strlen(p) + 1) {
			ssize_t v = fgetxattr(src, p, value, sizeof(value));

			if (v < 0 ||
			    (fsetxattr(fd, p, value, (size_t)v, 0) != 0 &&
			     strncmp(p, "security.", 9) != 0)) {
				cli_error("cannot keep the extended attribute "
					  "%.60s of %.300s; it was left as it "
					  "was",
					  p, t->path);
				close(src);
				return -1;
			}
		}
		close(src);
		if (n < 0 && errno != ENOTSUP && errno != ENODATA) {
			cli_error("cannot read the extended attributes of %.300s",
				  t->path);
			return -1;
		}
	}
#endif
	return 0;
}

/* Does the name still hold the file that was read, unchanged? */
static int unchanged(const cli_target *t)
{
	struct stat now;

	if (fstatat(t->dirfd, t->name, &now, AT_SYMLINK_NOFOLLOW) != 0)
		return !t->exists && errno == ENOENT;
	return t->exists && now.st_dev == t->st.st_dev &&
	       now.st_ino == t->st.st_ino && now.st_size == t->st.st_size &&
	       now.st_mtim.tv_sec == t->st.st_mtim.tv_sec &&
	       now.st_mtim.tv_nsec == t->st.st_mtim.tv_nsec;
}

/* What makes a replacement impossible from the start; outcome ends the
 * message ("it was left as it was"). */
static int replaceable(const cli_target *t, const char *outcome)
{
	if (t->exists && t->st.st_nlink > 1) {
		cli_error("%.300s has %lu hard links: a rewrite would split them, "
			  "so %s",
			  t->path, (unsigned long)t->st.st_nlink, outcome);
		return EXIT_WRITE;
	}
	if (t->exists && !writable(t)) {
		cli_error("%.300s is not writable (mode %04o): %s", t->path,
			  (unsigned)(t->st.st_mode & 07777), outcome);
		return EXIT_WRITE;
	}
	return 0;
}

int cli_target_check(const cli_target *t, const char *outcome)
{
	int rc = replaceable(t, outcome);

	/* The temporary file goes next to it. */
	if (rc == 0 && faccessat(t->dirfd, ".", W_OK | X_OK, AT_EACCESS) != 0) {
		cli_error("cannot create files next to %.300s (%s): %s", t->path,
			  strerror(errno), outcome);
		rc = EXIT_WRITE;
	}
	return rc;
}

int cli_target_replace(cli_target *t, const void *data, size_t len,
		       unsigned new_mode)
{
	char tmp[NAME_MAX + 1];
	int fd, slot, rc = replaceable(t, "it was left as it was");

	if (rc)
		return rc;
	rc = EXIT_WRITE;
	fd = make_temp(t, tmp, sizeof(tmp));
	if (fd < 0) {
		cli_error("cannot create a temporary file next to %.300s: %s",
			  t->path, strerror(errno));
		return EXIT_WRITE;
	}
	slot = temp_register(t->dirfd, tmp);
	if (t->exists) {
		if (keep_metadata(t, fd) != 0)
			goto out;
	} else {
		mode_t mask = umask(077); /* read it back at once */

		umask(mask);
		if (fchmod(fd, (mode_t)new_mode & ~mask & 07777) != 0)
			goto io_error;
	}
	if (write_all(fd, data, len) != 0 || fsync(fd) != 0)
		goto io_error;
	if (close(fd) != 0) {
		fd = -1;
		goto io_error;
	}
	fd = -1;
	if (!unchanged(t)) {
		cli_error("%.300s changed while sonarbadge was working: nothing "
			  "was written (run the command again)",
			  t->path);
		goto out;
	}
	/* A new file must not replace one that appeared meanwhile: link(2)
	 * refuses to; an existing one is renamed over (rename never follows
	 * a link put in its place). */
	if (t->exists ? renameat(t->dirfd, tmp, t->dirfd, t->name) != 0
		      : linkat(t->dirfd, tmp, t->dirfd, t->name, 0) != 0) {
		cli_error("cannot replace %.300s: %s", t->path, strerror(errno));
		goto out;
	}
	if (!t->exists)
		unlinkat(t->dirfd, tmp, 0);
	temp_forget(slot);
	fsync(t->dirfd); /* best effort: some file systems refuse */
	return 0;
io_error:
	cli_error("cannot write %.300s: %s", t->path, strerror(errno));
out:
	if (fd >= 0)
		close(fd);
	unlinkat(t->dirfd, tmp, 0);
	temp_forget(slot);
	return rc;
}

void cli_target_close(cli_target *t)
{
	if (t->dirfd >= 0)
		close(t->dirfd);
	t->dirfd = -1;
	free(t->name);
	free(t->data);
	t->name = NULL;
	t->data = NULL;
}

/*
 * cli_files.c - reading files whole and replacing them atomically: a
 * temporary file in the same folder, fsync, rename over the original,
 * fsync of the folder. The replaced file keeps its mode and owner; when
 * anything fails the original is left as it was and the temporary file
 * removed.
 */
#define _XOPEN_SOURCE 700
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"

void cli_file_free(cli_file *f)
{
	free(f->data);
	f->data = NULL;
	f->len = 0;
}

/* "a directory", "a FIFO", ... for a file that is not a regular one. */
static const char *kind_of(mode_t m)
{
	if (S_ISDIR(m))
		return "a directory";
	if (S_ISFIFO(m))
		return "a FIFO";
	if (S_ISCHR(m) || S_ISBLK(m))
		return "a device";
	if (S_ISSOCK(m))
		return "a socket";
	return "not a regular file";
}

int cli_open_regular(const char *path, const char *what)
{
	struct stat st;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);

	if (fd < 0) {
		cli_error("cannot read %s%s%.300s: %s", what ? what : "",
			  what ? " " : "", path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		cli_error("cannot read %s%s%.300s: it is %s (a regular file is "
			  "needed)",
			  what ? what : "", what ? " " : "", path,
			  kind_of(st.st_mode));
		close(fd);
		return -1;
	}
	return fd;
}

int cli_file_read(const char *path, const char *what, size_t max, cli_file *f)
{
	size_t cap = 0;
	ssize_t n;
	int fd;

	f->path = path;
	f->data = NULL;
	f->len = 0;
	if (strcmp(path, "-") == 0) {
		fd = dup(0);
		if (fd < 0) {
			cli_error("cannot read standard input: %s",
				  strerror(errno));
			return EXIT_USAGE;
		}
	} else {
		fd = cli_open_regular(path, what);
		if (fd < 0)
			return EXIT_USAGE;
	}
	for (;;) {
		if (f->len + 1 >= cap) {
			size_t ncap = cap ? cap * 2 : 65536;
			char *nd;

			if (ncap > max + 2)
				ncap = max + 2;
			if (ncap <= f->len + 1)
				goto too_large;
			nd = realloc(f->data, ncap);
			if (!nd) {
				cli_error("out of memory reading %.300s", path);
				goto fail;
			}
			f->data = nd;
			cap = ncap;
		}
		n = read(fd, f->data + f->len, cap - f->len - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			cli_error("cannot read %s%s%.300s: %s", what ? what : "",
				  what ? " " : "", path, strerror(errno));
			goto fail;
		}
		if (n == 0)
			break;
		f->len += (size_t)n;
		if (f->len > max)
			goto too_large;
	}
	close(fd);
	if (!f->data) {
		f->data = malloc(1);
		if (!f->data) {
			cli_error("out of memory");
			return EXIT_USAGE;
		}
	}
	f->data[f->len] = '\0';
	return 0;
too_large:
	cli_error("%s%s%.300s is larger than %lu bytes", what ? what : "",
		  what ? " " : "", path, (unsigned long)max);
fail:
	close(fd);
	cli_file_free(f);
	return EXIT_USAGE;
}

static int write_all(int fd, const void *data, size_t len)
{
	const char *p = data;

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

int cli_file_replace(const char *path, const void *data, size_t len,
		     unsigned new_mode)
{
	char *real = NULL, *tmp = NULL, *dir = NULL, *slash;
	const char *target = path;
	struct stat st;
	int exists, fd = -1, dfd, rc = EXIT_USAGE;
	size_t n;

	/* Follow a symbolic link: replace what it points to. */
	exists = stat(path, &st) == 0;
	if (exists) {
		real = realpath(path, NULL);
		if (!real) {
			cli_error("cannot resolve %.300s: %s", path,
				  strerror(errno));
			return EXIT_USAGE;
		}
		target = real;
		if (!S_ISREG(st.st_mode)) {
			cli_error("%.300s is not a regular file", path);
			goto out;
		}
	} else if (errno != ENOENT) {
		cli_error("cannot write %.300s: %s", path, strerror(errno));
		return EXIT_USAGE;
	}
	n = strlen(target);
	tmp = malloc(2 * n + 32);
	dir = malloc(n + 2);
	if (!tmp || !dir) {
		cli_error("out of memory");
		goto out;
	}
	memcpy(dir, target, n + 1);
	slash = strrchr(dir, '/');
	if (!slash)
		strcpy(dir, ".");
	else if (slash == dir)
		dir[1] = '\0';
	else
		*slash = '\0';
	{
		const char *base = strrchr(target, '/');

		base = base ? base + 1 : target;
		snprintf(tmp, 2 * n + 32, "%s/.%s.sbtmpXXXXXX", dir, base);
	}
	fd = mkstemp(tmp);
	if (fd < 0) {
		cli_error("cannot create a temporary file next to %.300s: %s",
			  path, strerror(errno));
		free(tmp);
		tmp = NULL;
		goto out;
	}
	if (!exists) {
		mode_t mask = umask(077); /* read it; mkstemp made the file 0600 */

		umask(mask);
		new_mode &= ~(unsigned)mask;
	}
	if (fchmod(fd, exists ? (st.st_mode & 07777) : (mode_t)new_mode) != 0) {
		cli_error("cannot set the mode of %.300s: %s", tmp,
			  strerror(errno));
		goto out;
	}
	if (exists && (st.st_uid != geteuid() || st.st_gid != getegid()) &&
	    fchown(fd, st.st_uid, st.st_gid) != 0) {
		cli_error("cannot keep the owner of %.300s (%s); it was left "
			  "as it was",
			  path, strerror(errno));
		goto out;
	}
	if (write_all(fd, data, len) != 0 || fsync(fd) != 0) {
		cli_error("cannot write %.300s: %s", tmp, strerror(errno));
		goto out;
	}
	if (close(fd) != 0) {
		fd = -1;
		cli_error("cannot write %.300s: %s", tmp, strerror(errno));
		goto out;
	}
	fd = -1;
	if (rename(tmp, target) != 0) {
		cli_error("cannot replace %.300s: %s", path, strerror(errno));
		goto out;
	}
	free(tmp);
	tmp = NULL;
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd >= 0) {
		fsync(dfd); /* best effort: some file systems refuse */
		close(dfd);
	}
	rc = 0;
out:
	if (fd >= 0)
		close(fd);
	if (tmp) {
		unlink(tmp);
		free(tmp);
	}
	free(dir);
	free(real);
	return rc;
}

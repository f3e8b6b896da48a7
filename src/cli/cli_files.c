/*
 * cli_files.c - reading the files the command is given: regular files
 * only (a folder, FIFO or device is refused at once, never waited on),
 * bounded by a cap while reading. Replacing files: cli_target.c.
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

const char *cli_file_kind(mode_t m)
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
			  cli_file_kind(st.st_mode));
		close(fd);
		return -1;
	}
	return fd;
}

int cli_file_read(const char *path, const char *what, size_t max, cli_file *f)
{
	int fd;

	if (strcmp(path, "-") == 0) {
		fd = dup(0);
		if (fd < 0) {
			f->path = path;
			f->data = NULL;
			f->len = 0;
			cli_error("cannot read standard input: %s",
				  strerror(errno));
			return EXIT_USAGE;
		}
	} else {
		fd = cli_open_regular(path, what);
		if (fd < 0) {
			f->path = path;
			f->data = NULL;
			f->len = 0;
			return EXIT_USAGE;
		}
	}
	return cli_file_read_fd(fd, path, what, max, f);
}

int cli_file_read_fd(int fd, const char *path, const char *what, size_t max,
		     cli_file *f)
{
	size_t cap = 0;
	ssize_t n;

	f->path = path;
	f->data = NULL;
	f->len = 0;
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

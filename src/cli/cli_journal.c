/*
 * cli_journal.c - the rotation state journal (cli_journal.h).
 */
#define _GNU_SOURCE 1
#include "cli_journal.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "cli_target.h"
#include "sb_util.h"

#define STATE_MAX (256u * 1024u * 1024u)
#define HEADER_V1 "# sonarbadge rotation state v1"
#define HEADER_V2 "# sonarbadge rotation state v2"
/* A v1 pending record has no bound: a renewal sent under it may have
 * applied up to the default maximum time later. */
#define V1_BOUND_S 60

#define MAX_BOOTS 8
#define BOOT_UNKNOWN 255

typedef struct entry {
	char *key;
	cli_project_state st;
	unsigned char boot; /* of the pending record: index in boots[] */
} entry;

typedef struct rewrite_file {
	char *path;
	char **keys;
	size_t n, cap;
} rewrite_file;

struct cli_journal {
	char *path;
	int read_only;
	int lock_fd;
	int fd; /* O_APPEND, once something is written */
	entry *e;
	size_t n, cap;
	size_t *index; /* open addressing: entry number + 1, 0 empty */
	size_t index_cap;
	rewrite_file *files;
	size_t nfiles;
	int dirty; /* records appended and not yet synced */
	long long now;
	pthread_mutex_t lock; /* appends from several threads (sent) */
	/* Boots seen in the file; this machine's is this_boot. */
	char boots[MAX_BOOTS][40];
	int nboots;
	int cur_boot;	/* of the records being read, or BOOT_UNKNOWN */
	int this_boot;	/* index of this machine's boot, or BOOT_UNKNOWN */
	int boot_written; /* this run's boot record is in the file */
};

/* This machine's boot (Linux: a fresh random id at every boot); "" when
 * the system has none - then nothing proves a renewal unsent. */
static void read_boot_id(char out[40])
{
	FILE *f = fopen("/proc/sys/kernel/random/boot_id", "r");

	out[0] = '\0';
	if (!f)
		return;
	if (!fgets(out, 40, f))
		out[0] = '\0';
	fclose(f);
	out[strcspn(out, "\n")] = '\0';
}

/* The index of boot id in j->boots (added when new), or BOOT_UNKNOWN. */
static int boot_index(cli_journal *j, const char *id)
{
	int i;

	if (!*id || strlen(id) >= sizeof(j->boots[0]))
		return BOOT_UNKNOWN;
	for (i = 0; i < j->nboots; i++)
		if (strcmp(j->boots[i], id) == 0)
			return i;
	if (j->nboots == MAX_BOOTS)
		return BOOT_UNKNOWN;
	memcpy(j->boots[j->nboots], id, strlen(id) + 1);
	return j->nboots++;
}

/* ---------------------------------------------------------------------
 * The table
 * ------------------------------------------------------------------- */

static size_t hash(const char *s)
{
	size_t h = (size_t)1469598103934665603ull;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * (size_t)1099511628211ull;
	return h;
}

static int reindex(cli_journal *j, size_t cap)
{
	size_t *ix = calloc(cap, sizeof(size_t)), i, k;

	if (!ix)
		return -1;
	for (i = 0; i < j->n; i++) {
		for (k = hash(j->e[i].key) & (cap - 1); ix[k]; k = (k + 1) & (cap - 1))
			;
		ix[k] = i + 1;
	}
	free(j->index);
	j->index = ix;
	j->index_cap = cap;
	return 0;
}

static entry *find(const cli_journal *j, const char *key)
{
	size_t k;

	if (!j->index_cap)
		return NULL;
	for (k = hash(key) & (j->index_cap - 1); j->index[k];
	     k = (k + 1) & (j->index_cap - 1))
		if (strcmp(j->e[j->index[k] - 1].key, key) == 0)
			return &j->e[j->index[k] - 1];
	return NULL;
}

static entry *get(cli_journal *j, const char *key)
{
	entry *e = find(j, key);
	size_t k;

	if (e)
		return e;
	if (j->n == j->cap) {
		size_t nc = j->cap ? j->cap * 2 : 64;
		entry *ne = realloc(j->e, nc * sizeof(entry));

		if (!ne)
			return NULL;
		j->e = ne;
		j->cap = nc;
	}
	if ((j->n + 1) * 2 > j->index_cap &&
	    reindex(j, j->index_cap ? j->index_cap * 2 : 128) != 0)
		return NULL;
	e = &j->e[j->n];
	e->key = strdup(key);
	if (!e->key)
		return NULL;
	e->st.rotated = e->st.pending = e->st.pending_until = -1;
	e->st.sent_until = -1;
	e->st.unsent = 0;
	e->st.fp[0] = '\0';
	e->boot = BOOT_UNKNOWN;
	j->n++;
	for (k = hash(key) & (j->index_cap - 1); j->index[k];
	     k = (k + 1) & (j->index_cap - 1))
		;
	j->index[k] = j->n;
	return e;
}

static rewrite_file *file_for(cli_journal *j, const char *path, int create)
{
	size_t i;
	rewrite_file *nf;

	for (i = 0; i < j->nfiles; i++)
		if (strcmp(j->files[i].path, path) == 0)
			return &j->files[i];
	if (!create)
		return NULL;
	nf = realloc(j->files, (j->nfiles + 1) * sizeof(*nf));
	if (!nf)
		return NULL;
	j->files = nf;
	nf = &j->files[j->nfiles];
	memset(nf, 0, sizeof(*nf));
	nf->path = strdup(path);
	if (!nf->path)
		return NULL;
	j->nfiles++;
	return nf;
}

static int file_add_key(rewrite_file *f, const char *key)
{
	size_t i;

	for (i = 0; i < f->n; i++)
		if (strcmp(f->keys[i], key) == 0)
			return 0;
	if (f->n == f->cap) {
		size_t nc = f->cap ? f->cap * 2 : 8;
		char **nk = realloc(f->keys, nc * sizeof(char *));

		if (!nk)
			return -1;
		f->keys = nk;
		f->cap = nc;
	}
	f->keys[f->n] = strdup(key);
	if (!f->keys[f->n])
		return -1;
	f->n++;
	return 0;
}

static void file_clear(cli_journal *j, const char *path)
{
	size_t i, k;

	for (i = 0; i < j->nfiles; i++) {
		rewrite_file *f = &j->files[i];

		if (strcmp(f->path, path) != 0)
			continue;
		for (k = 0; k < f->n; k++)
			free(f->keys[k]);
		free(f->keys);
		free(f->path);
		memmove(f, f + 1, (j->nfiles - i - 1) * sizeof(*f));
		j->nfiles--;
		return;
	}
}

/* ---------------------------------------------------------------------
 * Encoding
 * ------------------------------------------------------------------- */

static int needs_escape(unsigned char c)
{
	return c <= 0x20 || c == 0x7f || c == '%';
}

/* Percent-encode s into a new string. */
static char *encode(const char *s)
{
	size_t n = 0, i;
	char *out, *o;

	for (i = 0; s[i]; i++)
		n += needs_escape((unsigned char)s[i]) ? 3 : 1;
	out = malloc(n + 1);
	if (!out)
		return NULL;
	for (o = out, i = 0; s[i]; i++) {
		unsigned char c = (unsigned char)s[i];

		if (needs_escape(c)) {
			sprintf(o, "%%%02X", c);
			o += 3;
		} else {
			*o++ = (char)c;
		}
	}
	*o = '\0';
	return out;
}

/* Decode in place; -1 when malformed or when it would hold a NUL. */
static int decode(char *s)
{
	char *r = s, *w = s;

	while (*r) {
		if (*r == '%') {
			int h = sb_hex_value((unsigned char)r[1]), l;

			l = h < 0 ? -1 : sb_hex_value((unsigned char)r[2]);
			if (h < 0 || l < 0 || (h == 0 && l == 0))
				return -1;
			*w++ = (char)(h * 16 + l);
			r += 3;
		} else {
			*w++ = *r++;
		}
	}
	*w = '\0';
	return 0;
}

/* ---------------------------------------------------------------------
 * Reading
 * ------------------------------------------------------------------- */

static int parse_time(const char *s, long long *out)
{
	char *end;
	long long v;

	errno = 0;
	v = strtoll(s, &end, 10);
	if (end == s || *end || errno || v < 0 || s[0] == '+' || s[0] == ' ')
		return -1;
	*out = v;
	return 0;
}

static int is_fp(const char *s)
{
	size_t k;

	if (strlen(s) != 64)
		return 0;
	for (k = 0; k < 64; k++)
		if (!strchr("0123456789abcdef", s[k]))
			return 0;
	return 1;
}

static int bad(const cli_journal *j, size_t line, const char *what)
{
	cli_error("state file %.300s, line %lu: %s (fix or remove the file)",
		  j->path, (unsigned long)line, what);
	return EXIT_USAGE;
}

/* Apply one record (fields split at tabs; v2: keys percent-encoded). */
static int apply(cli_journal *j, char **f, int nf, int v2, size_t line,
		 unsigned *future)
{
	long long t, until = -1;
	const char *key;
	entry *e;

	if (nf < 2 || parse_time(f[1], &t) != 0)
		return bad(j, line, "malformed record");
	if (t > j->now + 60) {
		/* A clock set back, or a forged record: never trusted to
		 * stop a rotation. */
		(*future)++;
		return 0;
	}
	if (strcmp(f[0], "boot") == 0 && nf == 3 && v2) {
		j->cur_boot = boot_index(j, f[2]);
		return 0;
	}
	if (strcmp(f[0], "rewritten") == 0 && nf == 3 && v2) {
		if (decode(f[2]) != 0)
			return bad(j, line, "malformed file name");
		file_clear(j, f[2]);
		return 0;
	}
	key = f[nf - 1];
	if ((v2 && decode(f[nf - 1]) != 0) || !*key ||
	    strlen(key) > SB_MAX_KEY_LEN)
		return bad(j, line, "malformed project key");
	if (strcmp(f[0], "rewrite") == 0 && nf == 4 && v2) {
		rewrite_file *rf;

		if (decode(f[2]) != 0)
			return bad(j, line, "malformed file name");
		rf = file_for(j, f[2], 1);
		return rf && file_add_key(rf, key) == 0 ? 0 : bad(j, line,
								   "out of "
								   "memory");
	}
	e = get(j, key);
	if (!e)
		return bad(j, line, "out of memory");
	if (strcmp(f[0], "rotated") == 0 && nf == 3) {
		e->st.rotated = t;
		e->st.pending = e->st.pending_until = e->st.sent_until = -1;
	} else if (strcmp(f[0], "cleared") == 0 && nf == 3 && v2) {
		e->st.pending = e->st.pending_until = e->st.sent_until = -1;
	} else if (strcmp(f[0], "sent") == 0 && nf == 4 && v2) {
		if (parse_time(f[2], &until) != 0 || until < t)
			return bad(j, line, "malformed record");
		e->st.sent_until = until;
	} else if (strcmp(f[0], "pending") == 0 &&
		   (nf == 4 || (nf == 5 && v2))) {
		const char *fp = f[nf - 2];

		if (nf == 5 && (parse_time(f[2], &until) != 0 || until < t))
			return bad(j, line, "malformed record");
		if (!is_fp(fp))
			return bad(j, line, "malformed record");
		e->st.pending = t;
		e->st.pending_until = nf == 5 ? until : t + V1_BOUND_S;
		e->st.sent_until = -1;
		e->boot = (unsigned char)(v2 ? j->cur_boot : BOOT_UNKNOWN);
		memcpy(e->st.fp, fp, 65);
	} else {
		return bad(j, line, "unknown record");
	}
	return 0;
}

static int parse(cli_journal *j, char *text, size_t len, int *v1,
		 int *torn)
{
	size_t line = 0, i = 0;
	unsigned future = 0;
	int v2 = 0;

	*v1 = 0;
	*torn = 0;
	if (memchr(text, '\0', len))
		return bad(j, 1, "not a text file");
	while (i < len) {
		char *l = text + i, *nl = memchr(l, '\n', len - i), *f[6];
		int nf = 0, rc;

		line++;
		if (!nl) {
			/* A write cut short by a crash: never synced, so
			 * nothing was done on its strength. */
			cli_warn("state file %.300s: an incomplete last line "
				 "was ignored (an interrupted write)",
				 j->path);
			*torn = 1;
			break;
		}
		*nl = '\0';
		i = (size_t)(nl - text) + 1;
		if (line == 1 && strcmp(l, HEADER_V2) == 0)
			v2 = 1;
		else if (line == 1 && strcmp(l, HEADER_V1) == 0)
			*v1 = 1;
		if (l[0] == '#' || l[0] == '\0')
			continue;
		f[nf++] = l;
		while (nf < 6 && (l = strchr(l, '\t')) != NULL) {
			*l++ = '\0';
			f[nf++] = l;
		}
		if (nf == 6)
			return bad(j, line, "unknown record");
		rc = apply(j, f, nf, v2, line, &future);
		if (rc)
			return rc;
	}
	if (!v2 && !*v1 && len)
		*v1 = 1; /* no header: the first format */
	if (future)
		cli_warn("state file %.300s: %u record%s dated in the future "
			 "ignored",
			 j->path, future, future == 1 ? "" : "s");
	return 0;
}

/* Refuse a state file or lock file others could have written. */
static int trusted(const char *path, const struct stat *st)
{
	if (st->st_uid != geteuid()) {
		cli_error("%.300s belongs to another user (uid %lu): not "
			  "trusted (chown it, or use another state file)",
			  path, (unsigned long)st->st_uid);
		return 0;
	}
	if (st->st_mode & (S_IWGRP | S_IWOTH)) {
		cli_error("%.300s may be written by other users (mode %04o): "
			  "not trusted (chmod 600 it)",
			  path, (unsigned)(st->st_mode & 07777));
		return 0;
	}
	return 1;
}

static int load(cli_journal *j, int *v1, int *torn)
{
	struct stat st;
	cli_file f;
	int fd, rc;

	*v1 = 0;
	*torn = 0;
	fd = open(j->path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0 && errno == ENOENT)
		return 0;
	if (fd < 0) {
		cli_error("cannot read state file %.300s: %s", j->path,
			  errno == ELOOP ? "it is a symbolic link"
					 : strerror(errno));
		return EXIT_USAGE;
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		cli_error("cannot read state file %.300s: not a regular file",
			  j->path);
		close(fd);
		return EXIT_USAGE;
	}
	if (!trusted(j->path, &st)) {
		close(fd);
		return EXIT_USAGE;
	}
	if (st.st_nlink > 1) {
		/* Appends would change the other names too, and the file
		 * could not be replaced when the run ends. */
		cli_error("state file %.300s has %lu hard links: give it a name "
			  "of its own (cp it to a new file and rename that over "
			  "it)",
			  j->path, (unsigned long)st.st_nlink);
		close(fd);
		return EXIT_USAGE;
	}
	/* Read through the descriptor that was checked: the name may be
	 * given to another file meanwhile. */
	rc = cli_file_read_fd(fd, j->path, "state file", STATE_MAX, &f);
	if (rc)
		return rc;
	rc = parse(j, f.data, f.len, v1, torn);
	cli_file_free(&f);
	if (rc == 0) {
		size_t i;

		/* Written in this boot and no "sent" after it: the process that
		 * wrote it never sent the renewal (its writes outlive it). */
		for (i = 0; i < j->n; i++) {
			cli_project_state *ps = &j->e[i].st;

			ps->unsent = ps->pending >= 0 && ps->sent_until < 0 &&
				     j->e[i].boot != BOOT_UNKNOWN &&
				     j->e[i].boot == j->this_boot;
		}
	}
	return rc;
}

/* ---------------------------------------------------------------------
 * The lock
 * ------------------------------------------------------------------- */

static void sleep_ms(unsigned ms)
{
	struct timespec ts;

	ts.tv_sec = ms / 1000;
	ts.tv_nsec = (long)(ms % 1000) * 1000000L;
	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

static int lock(cli_journal *j, unsigned timeout_ms)
{
	size_t n = strlen(j->path) + 6;
	char *lp = malloc(n), pid[32] = "";
	struct stat st;
	unsigned waited = 0;
	ssize_t got;

	if (!lp) {
		cli_error("out of memory");
		return EXIT_USAGE;
	}
	snprintf(lp, n, "%s.lock", j->path);
	j->lock_fd = open(lp, O_RDWR | O_CREAT | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC,
			  0600);
	if (j->lock_fd < 0 || fstat(j->lock_fd, &st) != 0 ||
	    !S_ISREG(st.st_mode)) {
		cli_error("cannot open the lock file %.300s: %s", lp,
			  j->lock_fd < 0 ? strerror(errno) : "not a regular file");
		free(lp);
		return EXIT_USAGE;
	}
	if (!trusted(lp, &st)) {
		free(lp);
		return EXIT_USAGE;
	}
	while (flock(j->lock_fd, LOCK_EX | LOCK_NB) != 0) {
		if (errno != EWOULDBLOCK && errno != EINTR) {
			cli_error("cannot lock %.300s: %s", lp, strerror(errno));
			free(lp);
			return EXIT_USAGE;
		}
		if (waited >= timeout_ms) {
			got = pread(j->lock_fd, pid, sizeof(pid) - 1, 0);
			pid[got > 0 ? got : 0] = '\0';
			pid[strcspn(pid, "\n")] = '\0';
			cli_error("another sonarbadge run%s%s%s holds the state "
				  "file %.300s; try again when it is done (or "
				  "wait for it with --lock-timeout S)",
				  pid[0] ? " (pid " : "", pid, pid[0] ? ")" : "",
				  j->path);
			free(lp);
			return EXIT_LOCKED;
		}
		sleep_ms(50);
		waited += 50;
	}
	free(lp);
	/* Say who holds it (a crash releases the lock, never leaves it). */
	snprintf(pid, sizeof(pid), "%ld\n", (long)getpid());
	if (ftruncate(j->lock_fd, 0) != 0 ||
	    pwrite(j->lock_fd, pid, strlen(pid), 0) < 0)
		cli_warn("cannot write the pid into the lock file");
	return 0;
}

/* ---------------------------------------------------------------------
 * Writing
 * ------------------------------------------------------------------- */

/* The whole state, compact, as version 2. */
static char *render(const cli_journal *j, size_t *len)
{
	size_t cap = sizeof(HEADER_V2) + 2, i, k, o;
	char *buf;

	for (i = 0; i < j->n; i++)
		cap += strlen(j->e[i].key) * 3 * 3 + 320;
	for (i = 0; i < j->nfiles; i++)
		for (k = 0; k < j->files[i].n; k++)
			cap += (strlen(j->files[i].path) +
				strlen(j->files[i].keys[k])) * 3 + 40;
	buf = malloc(cap);
	if (!buf)
		return NULL;
	o = (size_t)snprintf(buf, cap, "%s\n", HEADER_V2);
	for (i = 0; i < j->n; i++) {
		const entry *e = &j->e[i];
		char *key = encode(e->key);

		if (!key) {
			free(buf);
			return NULL;
		}
		char t1[SB_DEC_MAX], t2[SB_DEC_MAX];

		if (e->st.rotated >= 0)
			o += (size_t)snprintf(buf + o, cap - o, "rotated\t%s\t%s\n",
					      sb_dec_i64(t1, e->st.rotated), key);
		if (e->st.pending >= 0 && e->boot != BOOT_UNKNOWN)
			o += (size_t)snprintf(buf + o, cap - o, "boot\t%s\t%s\n",
					      sb_dec_i64(t1, e->st.pending),
					      j->boots[e->boot]);
		if (e->st.pending >= 0)
			o += (size_t)snprintf(buf + o, cap - o,
					      "pending\t%s\t%s\t%s\t%s\n",
					      sb_dec_i64(t1, e->st.pending),
					      sb_dec_i64(t2, e->st.pending_until),
					      e->st.fp, key);
		if (e->st.pending >= 0 && e->st.sent_until >= 0)
			o += (size_t)snprintf(buf + o, cap - o,
					      "sent\t%s\t%s\t%s\n",
					      sb_dec_i64(t1, e->st.pending),
					      sb_dec_i64(t2, e->st.sent_until), key);
		free(key);
	}
	for (i = 0; i < j->nfiles; i++) {
		char *path = encode(j->files[i].path);

		for (k = 0; path && k < j->files[i].n; k++) {
			char *key = encode(j->files[i].keys[k]);

			char t1[SB_DEC_MAX];

			if (key)
				o += (size_t)snprintf(buf + o, cap - o,
						      "rewrite\t%s\t%s\t%s\n",
						      sb_dec_i64(t1, j->now), path, key);
			free(key);
		}
		free(path);
	}
	*len = o;
	return buf;
}

/* Rewrite the file compactly (atomically, 0600). */
static int compact(cli_journal *j)
{
	cli_target t;
	size_t len = 0;
	char *buf = render(j, &len);
	int rc;

	if (!buf) {
		cli_error("out of memory");
		return EXIT_USAGE;
	}
	rc = cli_target_open(j->path, STATE_MAX, 1, &t);
	if (rc == 0)
		rc = cli_target_replace(&t, buf, len, 0600);
	cli_target_close(&t);
	free(buf);
	if (j->fd >= 0) {
		close(j->fd); /* it named the old file */
		j->fd = -1;
	}
	j->boot_written = 0;
	return rc;
}

static int append(cli_journal *j, const char *line)
{
	size_t n = strlen(line);
	const char *p = line;

	if (j->read_only)
		return 0;
	if (j->fd < 0) {
		struct stat st;

		j->fd = open(j->path,
			     O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW | O_CLOEXEC,
			     0600);
		if (j->fd < 0 || fstat(j->fd, &st) != 0) {
			cli_error("cannot write state file %.300s: %s", j->path,
				  strerror(errno));
			return EXIT_WRITE;
		}
		if (st.st_size == 0 &&
		    write(j->fd, HEADER_V2 "\n", sizeof(HEADER_V2)) !=
			    (ssize_t)sizeof(HEADER_V2)) {
			cli_error("cannot write state file %.300s: %s", j->path,
				  strerror(errno));
			return EXIT_WRITE;
		}
	}
	while (n) {
		ssize_t w = write(j->fd, p, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			cli_error("cannot write state file %.300s: %s", j->path,
				  w < 0 ? strerror(errno) : "short write");
			return EXIT_WRITE;
		}
		p += w;
		n -= (size_t)w;
	}
	j->dirty = 1;
	return 0;
}

/* Append "KIND\tTIME\t...\tENCODED_KEY" and apply it. */
static int record(cli_journal *j, const char *fmt_fields, const char *kind,
		  long long t, const char *key)
{
	char *k = encode(key);
	char line[1024 + 3 * (SB_MAX_KEY_LEN + 1)], num[SB_DEC_MAX];
	int rc;

	if (!k) {
		cli_error("out of memory");
		return EXIT_USAGE;
	}
	snprintf(line, sizeof(line), "%s\t%s\t%s%s\n", kind, sb_dec_i64(num, t),
		 fmt_fields, k);
	free(k);
	rc = append(j, line);
	sb_wipe(line, sizeof(line));
	return rc;
}

int cli_journal_pending(cli_journal *j, const char *key, const char *fp,
			long long now, long long until)
{
	char fields[128], num[SB_DEC_MAX];
	entry *e = get(j, key);

	if (!e) {
		cli_error("out of memory");
		return EXIT_USAGE;
	}
	if (!j->boot_written && j->this_boot != BOOT_UNKNOWN) {
		char line[96];
		int rc;

		snprintf(line, sizeof(line), "boot\t%s\t%s\n",
			 sb_dec_i64(num, now), j->boots[j->this_boot]);
		rc = append(j, line);
		if (rc)
			return rc;
		j->boot_written = 1;
	}
	e->boot = (unsigned char)j->this_boot;
	e->st.sent_until = -1;
	e->st.unsent = 0;
	snprintf(fields, sizeof(fields), "%s\t%.64s\t", sb_dec_i64(num, until),
		 fp);
	e->st.pending = now;
	e->st.pending_until = until;
	snprintf(e->st.fp, sizeof(e->st.fp), "%.64s", fp);
	return record(j, fields, "pending", now, key);
}

int cli_journal_rotated(cli_journal *j, const char *key, long long now)
{
	entry *e = get(j, key);

	if (!e) {
		cli_error("out of memory");
		return EXIT_USAGE;
	}
	e->st.rotated = now;
	e->st.pending = e->st.pending_until = -1;
	return record(j, "", "rotated", now, key);
}

int cli_journal_sent(cli_journal *j, const char *key, long long now,
		     long long until)
{
	char fields[64], num[SB_DEC_MAX];
	entry *e;
	int rc;

	if (j->read_only)
		return 0;
	pthread_mutex_lock(&j->lock);
	e = find(j, key);
	if (e)
		e->st.sent_until = until;
	snprintf(fields, sizeof(fields), "%s\t", sb_dec_i64(num, until));
	rc = record(j, fields, "sent", now, key);
	pthread_mutex_unlock(&j->lock);
	return rc;
}

int cli_journal_cleared(cli_journal *j, const char *key, long long now)
{
	entry *e = find(j, key);

	if (!e || e->st.pending < 0)
		return 0;
	e->st.pending = e->st.pending_until = -1;
	return record(j, "", "cleared", now, key);
}

int cli_journal_rewrite(cli_journal *j, const char *file, const char *key,
			long long now)
{
	rewrite_file *f = file_for(j, file, 1);
	char *path;
	int rc;

	if (!f || file_add_key(f, key) != 0 || !(path = encode(file))) {
		cli_error("out of memory");
		return EXIT_USAGE;
	}
	{
		size_t n = strlen(path) + 2;
		char *fields = malloc(n);

		if (!fields) {
			free(path);
			cli_error("out of memory");
			return EXIT_USAGE;
		}
		snprintf(fields, n, "%s\t", path);
		rc = record(j, fields, "rewrite", now, key);
		free(fields);
	}
	free(path);
	return rc;
}

int cli_journal_rewritten(cli_journal *j, const char *file, long long now)
{
	char *path = encode(file), num[SB_DEC_MAX];
	size_t n;
	char *line;
	int rc;

	if (!path) {
		cli_error("out of memory");
		return EXIT_USAGE;
	}
	n = strlen(path) + 64;
	line = malloc(n);
	if (!line) {
		free(path);
		cli_error("out of memory");
		return EXIT_USAGE;
	}
	snprintf(line, n, "rewritten\t%s\t%s\n", sb_dec_i64(num, now), path);
	rc = append(j, line);
	free(line);
	free(path);
	if (rc == 0)
		file_clear(j, file);
	return rc;
}

int cli_journal_sync(cli_journal *j)
{
	if (j->read_only || !j->dirty || j->fd < 0)
		return 0;
	if (fdatasync(j->fd) != 0) {
		cli_error("cannot write state file %.300s: %s", j->path,
			  strerror(errno));
		return EXIT_WRITE;
	}
	j->dirty = 0;
	return 0;
}

/* ---------------------------------------------------------------------
 * Open and close
 * ------------------------------------------------------------------- */

static void free_journal(cli_journal *j)
{
	size_t i, k;

	for (i = 0; i < j->n; i++)
		free(j->e[i].key);
	for (i = 0; i < j->nfiles; i++) {
		for (k = 0; k < j->files[i].n; k++)
			free(j->files[i].keys[k]);
		free(j->files[i].keys);
		free(j->files[i].path);
	}
	free(j->files);
	free(j->e);
	free(j->index);
	if (j->fd >= 0)
		close(j->fd);
	if (j->lock_fd >= 0)
		close(j->lock_fd); /* releases the lock */
	pthread_mutex_destroy(&j->lock);
	free(j->path);
	free(j);
}

int cli_journal_open(const char *path, unsigned lock_timeout_ms,
		     int read_only, cli_journal **out)
{
	cli_journal *j = calloc(1, sizeof(*j));
	int rc, v1 = 0, torn = 0;

	*out = NULL;
	if (!j || !(j->path = strdup(path))) {
		free(j);
		cli_error("out of memory");
		return EXIT_USAGE;
	}
	j->fd = j->lock_fd = -1;
	j->read_only = read_only;
	j->now = (long long)time(NULL);
	pthread_mutex_init(&j->lock, NULL);
	j->cur_boot = BOOT_UNKNOWN;
	{
		char id[40];

		read_boot_id(id);
		j->this_boot = boot_index(j, id);
	}
	rc = read_only ? 0 : lock(j, lock_timeout_ms);
	if (rc == 0)
		rc = load(j, &v1, &torn);
	/* A first-format file is turned into the second before anything is
	 * appended to it; so is one ending in a record cut short, which the
	 * next record appended would otherwise complete into a malformed
	 * line that no later run could read. */
	if (rc == 0 && (v1 || torn) && !read_only)
		rc = compact(j);
	if (rc) {
		free_journal(j);
		return rc;
	}
	*out = j;
	return 0;
}

int cli_journal_close(cli_journal *j)
{
	int rc = 0;

	if (!j)
		return 0;
	if (!j->read_only) {
		j->now = (long long)time(NULL);
		rc = compact(j);
	}
	free_journal(j);
	return rc;
}

cli_project_state cli_journal_get(const cli_journal *j, const char *key)
{
	const entry *e = find(j, key);
	cli_project_state none;

	if (e)
		return e->st;
	none.rotated = none.pending = none.pending_until = -1;
	none.sent_until = -1;
	none.unsent = 0;
	none.fp[0] = '\0';
	return none;
}

size_t cli_journal_rewrite_file_count(const cli_journal *j)
{
	return j->nfiles;
}

const char *cli_journal_rewrite_file(const cli_journal *j, size_t i)
{
	return i < j->nfiles ? j->files[i].path : NULL;
}

size_t cli_journal_rewrite_key_count(const cli_journal *j, size_t i)
{
	return i < j->nfiles ? j->files[i].n : 0;
}

const char *cli_journal_rewrite_key(const cli_journal *j, size_t i, size_t k)
{
	return i < j->nfiles && k < j->files[i].n ? j->files[i].keys[k] : NULL;
}

/*
 * sb_port_posix.c - the port layer on POSIX systems (Linux, the BSDs,
 * macOS). Every blocking call is bounded: connect is non-blocking and
 * polled, receive and send wait with poll, and a connect tries each
 * address getaddrinfo returns until the time-out runs out.
 */
#define _GNU_SOURCE 1
#include "sb_port_posix.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#if defined(__linux__)
#include <sys/random.h>
#endif

struct sb_socket {
	int fd;
};

/*
 * Acknowledge what was just read at once. A server that writes an
 * answer's head and body in two segments without TCP_NODELAY holds the
 * body back (Nagle) until the head is acknowledged, and a client in
 * Linux's delayed-ACK ("pingpong") mode waits 40 ms or more before it
 * does: every answer would stall. TCP_QUICKACK leaves that mode and
 * sends a pending ACK now; Linux re-enters it as the client writes its
 * next request, so it is set again after every read. Where the platform
 * lacks the option nothing is done. Building with -DSB_POSIX_NO_QUICKACK
 * leaves it out (only to measure what it saves: `make bench`).
 */
static void ack_now(int fd)
{
#if defined(TCP_QUICKACK) && !defined(SB_POSIX_NO_QUICKACK)
	int one = 1;

	(void)setsockopt(fd, IPPROTO_TCP, TCP_QUICKACK, &one, sizeof(one));
#else
	(void)fd;
#endif
}

struct sb_file {
	int fd;
	uint64_t max_len, got;
};

static void set_error(sb_posix_ctx *px, const char *what, int e)
{
	snprintf(px->last_error, sizeof(px->last_error), "%s%s%s", what,
		 e ? ": " : "", e ? strerror(e) : "");
}

static uint64_t posix_now_ms(void *ctx)
{
	struct timespec ts;

	(void)ctx;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* poll one fd for events, at most timeout_ms; restarts after signals. */
static int wait_fd(int fd, short events, uint32_t timeout_ms)
{
	uint64_t end = posix_now_ms(NULL) + timeout_ms;

	for (;;) {
		struct pollfd p;
		uint64_t now = posix_now_ms(NULL);
		int left = now >= end ? 0
				      : (end - now > 0x7fffffff
						 ? 0x7fffffff
						 : (int)(end - now));
		int rc;

		p.fd = fd;
		p.events = events;
		p.revents = 0;
		rc = poll(&p, 1, left);
		if (rc > 0)
			return 1;
		if (rc == 0)
			return 0;
		if (errno != EINTR)
			return -1;
	}
}

static int connect_one(sb_posix_ctx *px, const struct addrinfo *ai,
		       uint32_t timeout_ms, int *fd_out)
{
	int fd, flags, err = 0, one = 1;
	socklen_t len = sizeof(err);

	fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC,
		    ai->ai_protocol);
	if (fd < 0) {
		set_error(px, "socket", errno);
		return SB_PORT_ERR_CONNECT;
	}
	flags = fcntl(fd, F_GETFL, 0);
	fcntl(fd, F_SETFL, flags | O_NONBLOCK);
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
#ifdef SO_NOSIGPIPE
	setsockopt(fd, SOL_SOCKET, SO_NOSIGPIPE, &one, sizeof(one));
#endif
	if (connect(fd, ai->ai_addr, ai->ai_addrlen) != 0) {
		if (errno != EINPROGRESS) {
			set_error(px, "connect", errno);
			close(fd);
			return SB_PORT_ERR_CONNECT;
		}
		switch (wait_fd(fd, POLLOUT, timeout_ms)) {
		case 0:
			set_error(px, "connect timed out", 0);
			close(fd);
			return SB_PORT_TIMEOUT;
		case -1:
			set_error(px, "poll", errno);
			close(fd);
			return SB_PORT_ERR_CONNECT;
		default:
			break;
		}
		if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0 ||
		    err != 0) {
			set_error(px, "connect", err ? err : errno);
			close(fd);
			return SB_PORT_ERR_CONNECT;
		}
	}
	*fd_out = fd;
	return 0;
}

/*
 * getaddrinfo has no time-out, so it runs in a detached thread and the
 * caller waits at most the connect time-out for it. A late answer is
 * freed by whichever side lets go last.
 */
struct dns_job {
	pthread_mutex_t lock;
	pthread_cond_t done_cv;
	int done, refs, rc;
	char host[256], service[8];
	struct addrinfo hints, *res;
};

static void dns_job_release(struct dns_job *job)
{
	int last;

	pthread_mutex_lock(&job->lock);
	last = --job->refs == 0;
	pthread_mutex_unlock(&job->lock);
	if (last) {
		if (job->res)
			freeaddrinfo(job->res);
		pthread_cond_destroy(&job->done_cv);
		pthread_mutex_destroy(&job->lock);
		free(job);
	}
}

static void *dns_thread(void *arg)
{
	struct dns_job *job = arg;
	struct addrinfo *res = NULL;
	int rc = getaddrinfo(job->host, job->service, &job->hints, &res);

	if (rc == EAI_ADDRFAMILY || rc == EAI_NONAME) {
		job->hints.ai_flags &= ~AI_ADDRCONFIG; /* loopback-only hosts */
		rc = getaddrinfo(job->host, job->service, &job->hints, &res);
	}
	pthread_mutex_lock(&job->lock);
	job->rc = rc;
	job->res = rc == 0 ? res : NULL;
	job->done = 1;
	pthread_cond_signal(&job->done_cv);
	pthread_mutex_unlock(&job->lock);
	dns_job_release(job);
	return NULL;
}

/* Resolve within timeout_ms: 0, SB_PORT_TIMEOUT, or an EAI code (> 0). */
static int resolve_bounded(const char *host, const char *service,
			   const struct addrinfo *hints, uint32_t timeout_ms,
			   struct addrinfo **res)
{
	struct dns_job *job;
	pthread_t tid;
	pthread_attr_t attr;
	struct timespec until;
	int rc = 0;

	job = calloc(1, sizeof(*job));
	if (!job || strlen(host) >= sizeof(job->host)) {
		free(job);
		return EAI_MEMORY;
	}
	pthread_mutex_init(&job->lock, NULL);
	pthread_cond_init(&job->done_cv, NULL);
	snprintf(job->host, sizeof(job->host), "%s", host);
	snprintf(job->service, sizeof(job->service), "%s", service);
	job->hints = *hints;
	job->refs = 2;
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	if (pthread_create(&tid, &attr, dns_thread, job) != 0) {
		pthread_attr_destroy(&attr);
		job->refs = 1;
		dns_job_release(job);
		return EAI_SYSTEM;
	}
	pthread_attr_destroy(&attr);
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += (time_t)(timeout_ms / 1000);
	until.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
	if (until.tv_nsec >= 1000000000L) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&job->lock);
	while (!job->done && rc == 0)
		rc = pthread_cond_timedwait(&job->done_cv, &job->lock, &until);
	if (job->done) {
		rc = job->rc;
		*res = job->res;
		job->res = NULL; /* ours now */
	} else {
		rc = SB_PORT_TIMEOUT;
	}
	pthread_mutex_unlock(&job->lock);
	dns_job_release(job);
	return rc;
}

static int posix_connect(void *ctx, const char *host, uint16_t port,
			 uint32_t timeout_ms, struct sb_socket **out)
{
	sb_posix_ctx *px = ctx;
	struct addrinfo hints, *res = NULL, *ai;
	char service[8];
	uint64_t end = posix_now_ms(NULL) + timeout_ms;
	int rc, fd = -1, last = SB_PORT_ERR_CONNECT;
	struct sb_socket *s;

	px->addresses_tried = 0;
	px->connected_addr[0] = '\0';
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_ADDRCONFIG;
	snprintf(service, sizeof(service), "%u", (unsigned)port);
	hints.ai_flags = AI_NUMERICHOST;
	if (getaddrinfo(host, service, &hints, &res) == 0) {
		rc = 0; /* an address literal: nothing to wait for */
	} else {
		hints.ai_flags = AI_ADDRCONFIG;
		rc = resolve_bounded(host, service, &hints, timeout_ms, &res);
	}
	if (rc == SB_PORT_TIMEOUT) {
		snprintf(px->last_error, sizeof(px->last_error),
			 "name lookup timed out");
		return SB_PORT_TIMEOUT;
	}
	if (rc != 0) {
		snprintf(px->last_error, sizeof(px->last_error), "%s",
			 gai_strerror(rc));
		return SB_PORT_ERR_DNS;
	}
	for (ai = res; ai; ai = ai->ai_next) {
		uint64_t now = posix_now_ms(NULL);

		if (now >= end) {
			last = SB_PORT_TIMEOUT;
			set_error(px, "connect timed out", 0);
			break;
		}
		px->addresses_tried++;
		last = connect_one(px, ai, (uint32_t)(end - now), &fd);
		if (last == 0) {
			void *addr = ai->ai_family == AF_INET6
				? (void *)&((struct sockaddr_in6 *)ai->ai_addr)->sin6_addr
				: (void *)&((struct sockaddr_in *)ai->ai_addr)->sin_addr;

			inet_ntop(ai->ai_family, addr, px->connected_addr,
				  sizeof(px->connected_addr));
			break;
		}
	}
	freeaddrinfo(res);
	if (last != 0)
		return last;
	s = malloc(sizeof(*s));
	if (!s) {
		close(fd);
		return SB_PORT_ERR_NOMEM;
	}
	s->fd = fd;
	*out = s;
	return 0;
}

static int posix_send(void *ctx, struct sb_socket *sock,
		      const unsigned char *buf, size_t len, uint32_t timeout_ms)
{
	sb_posix_ctx *px = ctx;
	ssize_t n;
	int flags = 0;

#ifdef MSG_NOSIGNAL
	flags = MSG_NOSIGNAL;
#endif
	for (;;) {
		n = send(sock->fd, buf, len, flags);
		if (n > 0)
			return n > 0x7fffffff ? 0x7fffffff : (int)n;
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			int w = wait_fd(sock->fd, POLLOUT, timeout_ms);

			if (w == 0)
				return SB_PORT_TIMEOUT;
			if (w < 0) {
				set_error(px, "poll", errno);
				return SB_PORT_ERR_IO;
			}
			continue;
		}
		set_error(px, "send", n < 0 ? errno : 0);
		return SB_PORT_ERR_IO;
	}
}

static int posix_recv(void *ctx, struct sb_socket *sock, unsigned char *buf,
		      size_t len, uint32_t timeout_ms)
{
	sb_posix_ctx *px = ctx;
	ssize_t n;

	for (;;) {
		int w = wait_fd(sock->fd, POLLIN, timeout_ms);

		if (w == 0)
			return SB_PORT_TIMEOUT;
		if (w < 0) {
			set_error(px, "poll", errno);
			return SB_PORT_ERR_IO;
		}
		n = recv(sock->fd, buf, len > 0x7fffffff ? 0x7fffffff : len, 0);
		if (n > 0) {
			ack_now(sock->fd);
			return (int)n;
		}
		if (n == 0)
			return SB_PORT_CLOSED;
		if (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK)
			continue;
		set_error(px, "recv", errno);
		return SB_PORT_ERR_IO;
	}
}

static void posix_close(void *ctx, struct sb_socket *sock)
{
	(void)ctx;
	if (!sock)
		return;
	close(sock->fd);
	free(sock);
}

static int posix_entropy(void *ctx, unsigned char *buf, size_t len)
{
	sb_posix_ctx *px = ctx;
	size_t got = 0;
	int fd;

#if defined(__linux__)
	while (got < len) {
		ssize_t n = getrandom(buf + got, len - got, 0);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			break; /* ENOSYS and friends: fall back */
		}
		got += (size_t)n;
	}
	if (got == len)
		return 0;
#endif
	fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		set_error(px, "/dev/urandom", errno);
		return SB_PORT_ERR_OTHER;
	}
	while (got < len) {
		ssize_t n = read(fd, buf + got, len - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			set_error(px, "/dev/urandom", n < 0 ? errno : 0);
			close(fd);
			return SB_PORT_ERR_OTHER;
		}
		got += (size_t)n;
	}
	close(fd);
	return 0;
}

static void *posix_alloc(void *ctx, size_t size)
{
	(void)ctx;
	return calloc(1, size ? size : 1);
}

static void posix_free(void *ctx, void *ptr)
{
	(void)ctx;
	free(ptr);
}

/*
 * Open a regular file of at most max_len bytes for reading. O_NONBLOCK:
 * opening a FIFO must not wait for a writer (it is refused right after,
 * as every file that is not regular is: /dev/zero, a terminal, a folder).
 */
static int open_regular(sb_posix_ctx *px, const char *path, size_t max_len,
			struct stat *st)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);

	if (fd < 0) {
		set_error(px, "open", errno);
		return -1;
	}
	if (fstat(fd, st) != 0 || !S_ISREG(st->st_mode)) {
		set_error(px, "not a regular file", 0);
		close(fd);
		return -1;
	}
	if (st->st_size < 0 || (uint64_t)st->st_size > max_len) {
		set_error(px, "file too large", 0);
		close(fd);
		return -1;
	}
	return fd;
}

static int posix_read_file(void *ctx, const char *path, size_t max_len,
			   unsigned char **data, size_t *len)
{
	sb_posix_ctx *px = ctx;
	struct stat st;
	unsigned char *buf;
	size_t got = 0;
	int fd = open_regular(px, path, max_len, &st);

	if (fd < 0)
		return SB_PORT_ERR_FILE;
	buf = calloc(1, (size_t)st.st_size + 1);
	if (!buf) {
		close(fd);
		return SB_PORT_ERR_NOMEM;
	}
	while (got < (size_t)st.st_size) {
		ssize_t n = read(fd, buf + got, (size_t)st.st_size - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break; /* shrank while reading: use what is there */
		got += (size_t)n;
	}
	close(fd);
	buf[got] = '\0';
	*data = buf;
	*len = got;
	return 0;
}

static int posix_file_open(void *ctx, const char *path, size_t max_len,
			   struct sb_file **out)
{
	sb_posix_ctx *px = ctx;
	struct stat st;
	struct sb_file *f;
	int fd = open_regular(px, path, max_len, &st);

	if (fd < 0)
		return SB_PORT_ERR_FILE;
	f = malloc(sizeof(*f));
	if (!f) {
		close(fd);
		return SB_PORT_ERR_NOMEM;
	}
	f->fd = fd;
	f->max_len = max_len;
	f->got = 0;
	*out = f;
	return 0;
}

/* Never more than max_len + 1 bytes in all: a file growing while it is
 * read fails as soon as it passes the cap. */
static int posix_file_read(void *ctx, struct sb_file *f, unsigned char *buf,
			   size_t len)
{
	sb_posix_ctx *px = ctx;
	uint64_t left = f->max_len + 1 - f->got;
	ssize_t n;

	if (len > left)
		len = (size_t)left;
	if (len > 0x7fffffff)
		len = 0x7fffffff;
	do
		n = read(f->fd, buf, len);
	while (n < 0 && errno == EINTR);
	if (n < 0) {
		set_error(px, "read", errno);
		return SB_PORT_ERR_FILE;
	}
	f->got += (uint64_t)n;
	if (f->got > f->max_len) {
		set_error(px, "file too large", 0);
		return SB_PORT_ERR_FILE;
	}
	return (int)n;
}

static void posix_file_close(void *ctx, struct sb_file *f)
{
	(void)ctx;
	if (!f)
		return;
	close(f->fd);
	free(f);
}

static int posix_list_dir(void *ctx, const char *path,
			  int (*visit)(void *arg, const char *name), void *arg)
{
	sb_posix_ctx *px = ctx;
	DIR *d = opendir(path);
	int rc = 0;

	if (!d) {
		set_error(px, "opendir", errno);
		return SB_PORT_ERR_FILE;
	}
	for (;;) {
		const struct dirent *e;

		errno = 0;
		e = readdir(d);
		if (!e) {
			if (errno != 0) {
				set_error(px, "readdir", errno);
				rc = SB_PORT_ERR_FILE;
			}
			break;
		}
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		if (visit(arg, e->d_name))
			break;
	}
	closedir(d);
	return rc;
}

static void posix_sleep_ms(void *ctx, uint32_t ms)
{
	struct timespec ts;

	(void)ctx;
	ts.tv_sec = (time_t)(ms / 1000);
	ts.tv_nsec = (long)(ms % 1000) * 1000000L;
	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

static int64_t posix_unix_time(void *ctx)
{
	(void)ctx;
	return (int64_t)time(NULL);
}

static const char *posix_describe_error(void *ctx)
{
	return ((sb_posix_ctx *)ctx)->last_error;
}

void sb_port_posix_init(sb_port *port, sb_posix_ctx *ctx)
{
	memset(ctx, 0, sizeof(*ctx));
	memset(port, 0, sizeof(*port));
	port->version = SB_PORT_VERSION;
	port->ctx = ctx;
	port->connect = posix_connect;
	port->send = posix_send;
	port->recv = posix_recv;
	port->close = posix_close;
	port->now_ms = posix_now_ms;
	port->entropy = posix_entropy;
	port->read_file = posix_read_file;
	port->alloc = posix_alloc;
	port->free = posix_free;
	port->describe_error = posix_describe_error;
	port->sleep_ms = posix_sleep_ms;
	port->unix_time = posix_unix_time;
	port->file_open = posix_file_open;
	port->file_read = posix_file_read;
	port->file_close = posix_file_close;
	port->list_dir = posix_list_dir;
}

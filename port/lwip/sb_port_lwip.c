/*
 * sb_port_lwip.c - the port layer over lwIP's sockets API. Every call is
 * an lwip_* function (LWIP_COMPAT_SOCKETS may be 0), names resolve with
 * lwip_getaddrinfo, and time-outs are kept with non-blocking sockets and
 * lwip_poll (LWIP_SOCKET_POLL) - the same shape as port/posix/.
 */
/* A hosted lwIP (Debian's liblwip-dev) takes the socket types from the C
 * library's POSIX headers. */
#if !defined(_POSIX_C_SOURCE)
#define _POSIX_C_SOURCE 200809L
#endif
#include <limits.h>
#include <string.h>
#include <sys/types.h>

#include "sb_port_lwip.h"

#include "lwip/opt.h"
#include "lwip/errno.h"
#include "lwip/def.h"
#include "lwip/mem.h"
#include "lwip/netdb.h"
#include "lwip/sockets.h"

/* lwip/errno.h provides the codes (LWIP_PROVIDE_ERRNO) or defers to the
 * C library's, which a hosted lwIP build (Debian's) uses. */
#ifndef EAGAIN
#include <errno.h>
#endif

#if !LWIP_SOCKET
#error "the lwIP port needs LWIP_SOCKET"
#endif

struct sb_socket {
	int fd;
};

static void set_error(sb_lwip_ctx *lx, const char *what, int err)
{
	size_t n = strlen(what);

	if (n >= sizeof(lx->error))
		n = sizeof(lx->error) - 1;
	memcpy(lx->error, what, n);
	lx->error[n] = '\0';
	if (err != 0 && n + 12 < sizeof(lx->error)) {
		/* ": errno N" without stdio. */
		char num[12];
		int i = 0, v = err < 0 ? -err : err;

		do {
			num[i++] = (char)('0' + v % 10);
			v /= 10;
		} while (v && i < 10);
		memcpy(lx->error + n, ": errno ", 8);
		n += 8;
		while (i > 0 && n + 1 < sizeof(lx->error))
			lx->error[n++] = num[--i];
		lx->error[n] = '\0';
	}
}

static void *lwip_port_alloc(void *ctx, size_t size)
{
	sb_lwip_ctx *lx = ctx;
	void *p;

	if (lx->board->alloc)
		return lx->board->alloc(lx->board->user, size ? size : 1);
	if (size > (size_t)0xffffffffu)
		return NULL;
	p = mem_calloc(1, (mem_size_t)(size ? size : 1));
	return p;
}

static void lwip_port_free(void *ctx, void *ptr)
{
	sb_lwip_ctx *lx = ctx;

	if (!ptr)
		return;
	if (lx->board->free)
		lx->board->free(lx->board->user, ptr);
	else
		mem_free(ptr);
}

static uint64_t lwip_port_now(void *ctx)
{
	sb_lwip_ctx *lx = ctx;

	return lx->board->now_ms(lx->board->user);
}

static int ms_left(sb_lwip_ctx *lx, uint64_t deadline)
{
	uint64_t now = lwip_port_now(lx);

	if (now >= deadline)
		return 0;
	return deadline - now > 0x7fffffff ? 0x7fffffff
					   : (int)(deadline - now);
}

/* Wait for events on fd until deadline: 1 ready, 0 time-out, <0 error. */
static int wait_fd(sb_lwip_ctx *lx, int fd, short events, uint64_t deadline)
{
	for (;;) {
		struct pollfd p;
		int left = ms_left(lx, deadline), rc;

		if (left == 0)
			return 0;
		memset(&p, 0, sizeof(p));
		p.fd = fd;
		p.events = events;
		rc = lwip_poll(&p, 1, left);
		if (rc > 0)
			return 1;
		if (rc == 0)
			continue; /* re-check the clock */
		if (errno == EINTR)
			continue;
		return -1;
	}
}

static int try_address(sb_lwip_ctx *lx, int family,
		       const struct sockaddr *addr, socklen_t addrlen,
		       uint64_t deadline, int *fd_out)
{
	int fd = lwip_socket(family, SOCK_STREAM, IPPROTO_TCP);
	int rc, soerr = 0;
	socklen_t len = sizeof(soerr);

	if (fd < 0) {
		set_error(lx, "socket", errno);
		return SB_PORT_ERR_CONNECT;
	}
	lwip_fcntl(fd, F_SETFL, lwip_fcntl(fd, F_GETFL, 0) | O_NONBLOCK);
	rc = lwip_connect(fd, addr, addrlen);
	if (rc != 0 && errno != EINPROGRESS) {
		set_error(lx, "connect", errno);
		lwip_close(fd);
		return SB_PORT_ERR_CONNECT;
	}
	if (rc != 0) {
		rc = wait_fd(lx, fd, POLLOUT, deadline);
		if (rc == 0) {
			lwip_close(fd);
			return SB_PORT_TIMEOUT;
		}
		if (rc < 0 ||
		    lwip_getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &len) !=
			    0 ||
		    soerr != 0) {
			set_error(lx, "connect", soerr ? soerr : errno);
			lwip_close(fd);
			return SB_PORT_ERR_CONNECT;
		}
	}
	{
		int one = 1;

		(void)lwip_setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one,
				      sizeof(one));
	}
	*fd_out = fd;
	return 0;
}

/*
 * With LWIP_DNS, names resolve through lwip_getaddrinfo (bounded by lwIP's
 * own DNS_MAX_RETRIES: it takes no time-out); without it, only IP
 * literals connect (the client's --resolve entries give one per name).
 * The connect attempts honour timeout_ms.
 */
static int lwip_port_connect(void *ctx, const char *host, uint16_t port,
			     uint32_t timeout_ms, struct sb_socket **out)
{
	sb_lwip_ctx *lx = ctx;
	uint64_t deadline = lwip_port_now(lx) + timeout_ms;
	int rc = SB_PORT_ERR_CONNECT, fd = -1;
#if LWIP_DNS
	struct addrinfo hints, *res = NULL, *ai;
	char service[6];
	int i = 5;
	unsigned v = port;

	service[5] = '\0';
	do {
		service[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v && i > 0);
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	if (lwip_getaddrinfo(host, service + i, &hints, &res) != 0 || !res) {
		set_error(lx, "name did not resolve", 0);
		return SB_PORT_ERR_DNS;
	}
	for (ai = res; ai; ai = ai->ai_next) {
		rc = try_address(lx, ai->ai_family, ai->ai_addr,
				 (socklen_t)ai->ai_addrlen, deadline, &fd);
		if (rc == 0 || rc == SB_PORT_TIMEOUT)
			break;
	}
	lwip_freeaddrinfo(res);
#else
	struct sockaddr_in v4;
#if LWIP_IPV6
	struct sockaddr_in6 v6;
#endif

	memset(&v4, 0, sizeof(v4));
	if (lwip_inet_pton(AF_INET, host, &v4.sin_addr) == 1) {
		v4.sin_family = AF_INET;
		v4.sin_port = PP_HTONS(port);
		rc = try_address(lx, AF_INET, (const struct sockaddr *)&v4,
				 sizeof(v4), deadline, &fd);
	}
#if LWIP_IPV6
	else if (memset(&v6, 0, sizeof(v6)),
		 lwip_inet_pton(AF_INET6, host, &v6.sin6_addr) == 1) {
		v6.sin6_family = AF_INET6;
		v6.sin6_port = PP_HTONS(port);
		rc = try_address(lx, AF_INET6, (const struct sockaddr *)&v6,
				 sizeof(v6), deadline, &fd);
	}
#endif
	else {
		set_error(lx, "no resolver (LWIP_DNS is 0): use an IP address",
			  0);
		return SB_PORT_ERR_DNS;
	}
#endif
	if (rc != 0)
		return rc;
	*out = lwip_port_alloc(lx, sizeof(**out));
	if (!*out) {
		lwip_close(fd);
		return SB_PORT_ERR_NOMEM;
	}
	(*out)->fd = fd;
	return 0;
}

static int lwip_port_send(void *ctx, struct sb_socket *s,
			  const unsigned char *buf, size_t len,
			  uint32_t timeout_ms)
{
	sb_lwip_ctx *lx = ctx;
	uint64_t deadline = lwip_port_now(lx) + timeout_ms;

	if (len > 0x7fffffff)
		len = 0x7fffffff;
	for (;;) {
		ssize_t n = lwip_send(s->fd, buf, len, 0);
		int rc;

		if (n > 0)
			return (int)n;
		if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK &&
		    errno != EINTR) {
			set_error(lx, "send", errno);
			return SB_PORT_ERR_IO;
		}
		rc = wait_fd(lx, s->fd, POLLOUT, deadline);
		if (rc == 0)
			return SB_PORT_TIMEOUT;
		if (rc < 0) {
			set_error(lx, "poll", errno);
			return SB_PORT_ERR_IO;
		}
	}
}

static int lwip_port_recv(void *ctx, struct sb_socket *s, unsigned char *buf,
			  size_t len, uint32_t timeout_ms)
{
	sb_lwip_ctx *lx = ctx;
	uint64_t deadline = lwip_port_now(lx) + timeout_ms;

	if (len > 0x7fffffff)
		len = 0x7fffffff;
	for (;;) {
		ssize_t n = lwip_recv(s->fd, buf, len, 0);
		int rc;

		if (n > 0)
			return (int)n;
		if (n == 0)
			return SB_PORT_CLOSED;
		if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
			set_error(lx, "recv", errno);
			return SB_PORT_ERR_IO;
		}
		rc = wait_fd(lx, s->fd, POLLIN, deadline);
		if (rc == 0)
			return SB_PORT_TIMEOUT;
		if (rc < 0) {
			set_error(lx, "poll", errno);
			return SB_PORT_ERR_IO;
		}
	}
}

static void lwip_port_close(void *ctx, struct sb_socket *s)
{
	if (!s)
		return;
	lwip_close(s->fd);
	lwip_port_free(ctx, s);
}

static int lwip_port_entropy(void *ctx, unsigned char *buf, size_t len)
{
	sb_lwip_ctx *lx = ctx;

	return lx->board->entropy(lx->board->user, buf, len) == 0
		       ? 0
		       : SB_PORT_ERR_OTHER;
}

static int lwip_port_read_file(void *ctx, const char *path, size_t max_len,
			       unsigned char **data, size_t *len)
{
	sb_lwip_ctx *lx = ctx;

	if (!lx->board->read_file) {
		set_error(lx, "no file system on this board", 0);
		return SB_PORT_ERR_FILE;
	}
	return lx->board->read_file(lx->board->user, path, max_len, data, len);
}

static const char *lwip_port_describe(void *ctx)
{
	return ((sb_lwip_ctx *)ctx)->error;
}

static void lwip_port_sleep(void *ctx, uint32_t ms)
{
	sb_lwip_ctx *lx = ctx;

	lx->board->sleep_ms(lx->board->user, ms);
}

void sb_port_lwip_init(sb_port *port, sb_lwip_ctx *ctx,
		       const sb_lwip_board *board)
{
	memset(port, 0, sizeof(*port));
	memset(ctx, 0, sizeof(*ctx));
	ctx->board = board;
	port->version = SB_PORT_VERSION;
	port->ctx = ctx;
	port->connect = lwip_port_connect;
	port->send = lwip_port_send;
	port->recv = lwip_port_recv;
	port->close = lwip_port_close;
	port->now_ms = lwip_port_now;
	port->entropy = lwip_port_entropy;
	port->read_file = lwip_port_read_file;
	port->alloc = lwip_port_alloc;
	port->free = lwip_port_free;
	port->describe_error = lwip_port_describe;
	port->sleep_ms = lwip_port_sleep;
	port->unix_time = NULL; /* no wall clock: Retry-After dates need Date */
}

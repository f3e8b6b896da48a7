/*
 * sb_port.h - the port layer: everything libsonarbadge needs from the
 * operating system, as a struct of function pointers plus a context.
 *
 * The core (HTTP, JSON, TLS glue, Sonar API) calls the OS through this
 * struct, so moving the library to an RTOS or an appliance means writing one
 * of these (what mbedTLS still does on its own is listed in port/README.md).
 * port/posix/ is the worked example; tests plug in a scripted fake.
 *
 * Return conventions shared by every hook:
 *   >= 0  success (bytes moved for send/recv)
 *   SB_PORT_TIMEOUT  the time-out passed with nothing done
 *   SB_PORT_CLOSED   the peer closed the connection in order (recv only)
 *   other negative   an error; the port may describe it with describe_error
 */
#ifndef SONARBADGE_SB_PORT_H
#define SONARBADGE_SB_PORT_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * 1: the hooks up to unix_time. 2: the optional file hooks after it
 * (file_open, file_read, file_close, list_dir). The library reads a field
 * only when version says it is there.
 */
#define SB_PORT_VERSION 2

/* Hook results (negative values; >= 0 means success). */
#define SB_PORT_TIMEOUT (-1)
#define SB_PORT_CLOSED (-2)
#define SB_PORT_ERR_DNS (-3)     /* name did not resolve */
#define SB_PORT_ERR_CONNECT (-4) /* every address refused or unreachable */
#define SB_PORT_ERR_IO (-5)      /* reset, broken pipe, other socket error */
#define SB_PORT_ERR_FILE (-6)    /* file missing, unreadable or too large */
#define SB_PORT_ERR_NOMEM (-7)
#define SB_PORT_ERR_OTHER (-8)

/* A connected socket; each port defines the struct. */
struct sb_socket;
/* A file open for reading in pieces; each port defines the struct. */
struct sb_file;

typedef struct sb_port {
	/* SB_PORT_VERSION; fields are only ever appended. */
	uint32_t version;
	/* Passed back as the first argument of every hook. */
	void *ctx;

	/*
	 * Resolve host and connect to port, trying every address in turn,
	 * all within timeout_ms. On success stores the socket in *out.
	 */
	int (*connect)(void *ctx, const char *host, uint16_t port,
		       uint32_t timeout_ms, struct sb_socket **out);
	/* Send up to len bytes; returns how many were sent (at least 1). */
	int (*send)(void *ctx, struct sb_socket *sock, const unsigned char *buf,
		    size_t len, uint32_t timeout_ms);
	/*
	 * Receive up to len bytes, waiting at most timeout_ms; returns bytes
	 * received (at least 1), SB_PORT_TIMEOUT, SB_PORT_CLOSED or an error.
	 * timeout_ms 0 must not wait: the client checks an idle kept-alive
	 * connection that way before reusing it.
	 */
	int (*recv)(void *ctx, struct sb_socket *sock, unsigned char *buf,
		    size_t len, uint32_t timeout_ms);
	/* Close and release the socket. Never fails. */
	void (*close)(void *ctx, struct sb_socket *sock);

	/* Monotonic milliseconds; only differences matter. */
	uint64_t (*now_ms)(void *ctx);
	/* Fill buf with len bytes of cryptographically strong entropy. */
	int (*entropy)(void *ctx, unsigned char *buf, size_t len);

	/*
	 * Read a whole file into a buffer allocated with alloc (NUL added
	 * after the data, not counted in *len). Fails with SB_PORT_ERR_FILE
	 * when it is missing or larger than max_len.
	 */
	int (*read_file)(void *ctx, const char *path, size_t max_len,
			 unsigned char **data, size_t *len);

	/* Memory: alloc returns zeroed memory or NULL. */
	void *(*alloc)(void *ctx, size_t size);
	void (*free)(void *ctx, void *ptr);

	/*
	 * Optional (may be NULL): a short human description of the last error
	 * a hook returned (e.g. "Connection refused"), for error messages.
	 */
	const char *(*describe_error)(void *ctx);

	/*
	 * Optional (may be NULL): sleep for ms milliseconds before a retry
	 * (the back-off, or the server's Retry-After). Without it a retry
	 * follows at once, so a port that cannot sleep should leave
	 * sb_config.retries at 0.
	 */
	void (*sleep_ms)(void *ctx, uint32_t ms);
	/*
	 * Optional (may be NULL): seconds since 1970 by the wall clock, for a
	 * Retry-After given as an HTTP date when the answer has no Date.
	 */
	int64_t (*unix_time)(void *ctx);

	/* Version 2. */

	/*
	 * Optional, all three or none: a file read in pieces, so that a PEM
	 * trust bundle (the system's: about 220 KB) is never held whole.
	 * file_open fails with SB_PORT_ERR_FILE when path is missing, not a
	 * regular file (a FIFO or a device must fail at once, never block)
	 * or larger than max_len. file_read returns bytes read (0 at the end
	 * of the file) or SB_PORT_ERR_FILE, also once more than max_len
	 * bytes came (a file that grows). file_close never fails. Without
	 * them, a bundle is read whole with read_file.
	 */
	int (*file_open)(void *ctx, const char *path, size_t max_len,
			 struct sb_file **out);
	int (*file_read)(void *ctx, struct sb_file *file, unsigned char *buf,
			 size_t len);
	void (*file_close)(void *ctx, struct sb_file *file);
	/*
	 * Optional: call visit with the name of each entry of the folder
	 * (not "." nor ".."; the library reads each with read_file, which
	 * refuses what is not a regular file) until visit returns non-zero.
	 * Returns 0, or SB_PORT_ERR_FILE when the folder cannot be opened
	 * or listed to the end. Without it a CA folder (--capath) cannot be
	 * used.
	 */
	int (*list_dir)(void *ctx, const char *path,
			int (*visit)(void *arg, const char *name), void *arg);
} sb_port;


#ifdef __cplusplus
}
#endif

#endif

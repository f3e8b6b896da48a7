/*
 * size_probe.c - for the size table only (never run): a firmware's use
 * of libsonarbadge - create a client, read and renew a token - over a
 * port whose hooks do nothing, so that the link pulls in exactly the
 * code a token read and renewal need, from the library, mbedTLS and
 * newlib-nano.
 */
#include <string.h>

#include "board.h"
#include "sonarbadge/sonarbadge.h"

struct sb_socket {
	int unused;
};

static int p_connect(void *ctx, const char *host, uint16_t port,
		     uint32_t timeout_ms, struct sb_socket **out)
{
	(void)ctx;
	(void)host;
	(void)port;
	(void)timeout_ms;
	(void)out;
	return SB_PORT_ERR_CONNECT;
}

static int p_io(void *ctx, struct sb_socket *s, unsigned char *buf,
		size_t len, uint32_t timeout_ms)
{
	(void)ctx;
	(void)s;
	(void)buf;
	(void)len;
	(void)timeout_ms;
	return SB_PORT_ERR_IO;
}

static int p_send(void *ctx, struct sb_socket *s, const unsigned char *buf,
		  size_t len, uint32_t timeout_ms)
{
	return p_io(ctx, s, (unsigned char *)(uintptr_t)buf, len, timeout_ms);
}

static void p_close(void *ctx, struct sb_socket *s)
{
	(void)ctx;
	(void)s;
}

static uint64_t p_now(void *ctx)
{
	(void)ctx;
	return 0;
}

static int p_entropy(void *ctx, unsigned char *buf, size_t len)
{
	(void)ctx;
	memset(buf, 0, len);
	return -1;
}

static int p_read_file(void *ctx, const char *path, size_t max_len,
		       unsigned char **data, size_t *len)
{
	(void)ctx;
	(void)path;
	(void)max_len;
	(void)data;
	(void)len;
	return SB_PORT_ERR_FILE;
}

static void *p_alloc(void *ctx, size_t size)
{
	(void)ctx;
	return board_alloc(size);
}

static void p_free(void *ctx, void *ptr)
{
	(void)ctx;
	board_free(ptr);
}

static void p_sleep(void *ctx, uint32_t ms)
{
	(void)ctx;
	(void)ms;
}

int main(void)
{
	sb_port port;
	sb_config cfg;
	sb_client *c;
	char msg[SB_MAX_MESSAGE_LEN], a[SB_MAX_TOKEN_LEN + 1],
		b[SB_MAX_TOKEN_LEN + 1];

	memset(&port, 0, sizeof(port));
	port.version = SB_PORT_VERSION;
	port.connect = p_connect;
	port.send = p_send;
	port.recv = p_io;
	port.close = p_close;
	port.now_ms = p_now;
	port.entropy = p_entropy;
	port.read_file = p_read_file;
	port.alloc = p_alloc;
	port.free = p_free;
	port.sleep_ms = p_sleep;
	memset(&cfg, 0, sizeof(cfg));
	cfg.base_url = "https://sonar.example";
	cfg.user_token = "squ_x";
	cfg.extra_root_pem = "-----BEGIN CERTIFICATE-----";
	if (sb_client_create(&cfg, &port, &c, msg, sizeof(msg)) != SB_OK)
		return 1;
	if (sb_token_get(c, "k", a, sizeof(a)) == SB_OK)
		(void)sb_token_renew(c, "k", a, sizeof(a), b, sizeof(b));
	sb_client_destroy(c);
	return 0;
}

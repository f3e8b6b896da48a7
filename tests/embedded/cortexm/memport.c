/* memport.c - see memport.h. */
#include "memport.h"

#include <string.h>

#include <mbedtls/ssl.h>

#include "board.h"

#define PIPE_CAP (24u * 1024u) /* a full 16 KiB record and then some */
#define SERVER_STACK (24u * 1024u)

struct pipe {
	unsigned char buf[PIPE_CAP];
	size_t len;
};

struct sb_socket {
	int open;
};

struct sb_file {
	const char *text;
	size_t len, pos;
};

static struct {
	mini_sonar *server;
	const struct memport_file *files;
	size_t file_count;
	struct pipe c2s, s2c;
	struct sb_socket sock;
	struct sb_file file;
	int server_done;
	uint64_t now;
	uint32_t rng;
	unsigned connects;
	char error[64];
} net;

static uint32_t server_stack[SERVER_STACK / 4] __attribute__((aligned(8)));

static void set_error(const char *e)
{
	strncpy(net.error, e, sizeof(net.error) - 1);
}

/* ------------------------------------------------ the server's side */

static int srv_send(void *ctx, const unsigned char *buf, size_t len)
{
	size_t room = PIPE_CAP - net.s2c.len;

	(void)ctx;
	if (room == 0)
		return MBEDTLS_ERR_SSL_WANT_WRITE;
	if (len > room)
		len = room;
	memcpy(net.s2c.buf + net.s2c.len, buf, len);
	net.s2c.len += len;
	return (int)len;
}

static int srv_recv(void *ctx, unsigned char *buf, size_t len)
{
	(void)ctx;
	if (net.c2s.len == 0)
		return net.sock.open ? MBEDTLS_ERR_SSL_WANT_READ : 0;
	if (len > net.c2s.len)
		len = net.c2s.len;
	memcpy(buf, net.c2s.buf, len);
	memmove(net.c2s.buf, net.c2s.buf + len, net.c2s.len - len);
	net.c2s.len -= len;
	return (int)len;
}

static void serve_step(void *arg)
{
	(void)arg;
	if (!net.server_done && mini_sonar_serve(net.server))
		net.server_done = 1;
}

static void server_accept_step(void *arg)
{
	(void)arg;
	net.server_done =
		mini_sonar_accept(net.server, NULL, srv_send, srv_recv) != 0;
}

static void server_drop_step(void *arg)
{
	(void)arg;
	mini_sonar_drop(net.server);
}

/* Let the server work on what the client sent, on its own stack. */
static void on_server(void (*fn)(void *))
{
	enum board_owner was = board_owner;

	board_owner = OWNER_SERVER;
	board_call_on_stack(fn, NULL, server_stack + SERVER_STACK / 4);
	board_owner = was;
}

/* ------------------------------------------------ the client's port */

static int mp_connect(void *ctx, const char *host, uint16_t port,
		      uint32_t timeout_ms, struct sb_socket **out)
{
	(void)ctx;
	(void)host;
	(void)timeout_ms;
	if (port != 443) {
		set_error("Connection refused");
		return SB_PORT_ERR_CONNECT;
	}
	net.c2s.len = net.s2c.len = 0;
	net.sock.open = 1;
	net.connects++;
	on_server(server_accept_step);
	*out = &net.sock;
	return 0;
}

static int mp_send(void *ctx, struct sb_socket *s, const unsigned char *buf,
		   size_t len, uint32_t timeout_ms)
{
	size_t room;

	(void)ctx;
	(void)timeout_ms;
	if (!s->open || net.server_done) {
		set_error("Connection reset by peer");
		return SB_PORT_ERR_IO;
	}
	room = PIPE_CAP - net.c2s.len;
	if (room == 0) {
		on_server(serve_step);
		room = PIPE_CAP - net.c2s.len;
		if (room == 0)
			return SB_PORT_TIMEOUT;
	}
	if (len > room)
		len = room;
	memcpy(net.c2s.buf + net.c2s.len, buf, len);
	net.c2s.len += len;
	on_server(serve_step);
	return (int)len;
}

static int mp_recv(void *ctx, struct sb_socket *s, unsigned char *buf,
		   size_t len, uint32_t timeout_ms)
{
	(void)ctx;
	if (net.s2c.len == 0 && s->open)
		on_server(serve_step);
	if (net.s2c.len == 0) {
		if (net.server_done)
			return SB_PORT_CLOSED;
		net.now += timeout_ms;
		return SB_PORT_TIMEOUT;
	}
	if (len > net.s2c.len)
		len = net.s2c.len;
	memcpy(buf, net.s2c.buf, len);
	memmove(net.s2c.buf, net.s2c.buf + len, net.s2c.len - len);
	net.s2c.len -= len;
	return (int)len;
}

static void mp_close(void *ctx, struct sb_socket *s)
{
	(void)ctx;
	s->open = 0;
	on_server(server_drop_step);
	net.server_done = 1;
}

static uint64_t mp_now(void *ctx)
{
	(void)ctx;
	return net.now;
}

int memport_entropy(void *ctx, unsigned char *buf, size_t len)
{
	size_t i;

	(void)ctx;
	for (i = 0; i < len; i++) {
		net.rng ^= net.rng << 13;
		net.rng ^= net.rng >> 17;
		net.rng ^= net.rng << 5;
		buf[i] = (unsigned char)net.rng;
	}
	return 0;
}

static const char *file_text(const char *path)
{
	size_t i;

	for (i = 0; i < net.file_count; i++)
		if (strcmp(net.files[i].path, path) == 0)
			return net.files[i].text;
	set_error("No such file");
	return NULL;
}

static void *mp_alloc(void *ctx, size_t size)
{
	(void)ctx;
	return board_alloc(size);
}

static void mp_free(void *ctx, void *ptr)
{
	(void)ctx;
	board_free(ptr);
}

static int mp_read_file(void *ctx, const char *path, size_t max_len,
			unsigned char **data, size_t *len)
{
	const char *t = file_text(path);
	size_t n;

	(void)ctx;
	if (!t)
		return SB_PORT_ERR_FILE;
	n = strlen(t);
	if (n > max_len)
		return SB_PORT_ERR_FILE;
	*data = board_alloc(n + 1);
	if (!*data)
		return SB_PORT_ERR_NOMEM;
	memcpy(*data, t, n + 1);
	*len = n;
	return 0;
}

static int mp_file_open(void *ctx, const char *path, size_t max_len,
			struct sb_file **out)
{
	const char *t = file_text(path);

	(void)ctx;
	if (!t || strlen(t) > max_len)
		return SB_PORT_ERR_FILE;
	net.file.text = t;
	net.file.len = strlen(t);
	net.file.pos = 0;
	*out = &net.file;
	return 0;
}

static int mp_file_read(void *ctx, struct sb_file *f, unsigned char *buf,
			size_t len)
{
	(void)ctx;
	if (len > f->len - f->pos)
		len = f->len - f->pos;
	memcpy(buf, f->text + f->pos, len);
	f->pos += len;
	return (int)len;
}

static void mp_file_close(void *ctx, struct sb_file *f)
{
	(void)ctx;
	f->text = NULL;
}

static const char *mp_describe(void *ctx)
{
	(void)ctx;
	return net.error;
}

static void mp_sleep(void *ctx, uint32_t ms)
{
	(void)ctx;
	net.now += ms;
}

void memport_init(sb_port *port, mini_sonar *server,
		  const struct memport_file *files, size_t file_count)
{
	memset(&net, 0, sizeof(net));
	net.server = server;
	net.files = files;
	net.file_count = file_count;
	net.server_done = 1;
	net.now = 1000;
	net.rng = 0x2545f491u;
	board_paint(server_stack, sizeof(server_stack));
	memset(port, 0, sizeof(*port));
	port->version = SB_PORT_VERSION;
	port->connect = mp_connect;
	port->send = mp_send;
	port->recv = mp_recv;
	port->close = mp_close;
	port->now_ms = mp_now;
	port->entropy = memport_entropy;
	port->read_file = mp_read_file;
	port->alloc = mp_alloc;
	port->free = mp_free;
	port->describe_error = mp_describe;
	port->sleep_ms = mp_sleep;
	port->file_open = mp_file_open;
	port->file_read = mp_file_read;
	port->file_close = mp_file_close;
}

unsigned memport_connects(void)
{
	return net.connects;
}

size_t memport_server_stack_used(void)
{
	return board_painted_used(server_stack, sizeof(server_stack));
}

/* fake_port.c - the scripted sb_port of fake_port.h. */
#include "fake_port.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Sockets are slots, not allocations: they never show up as leaks. */
struct sb_socket {
	size_t index;
};

static struct sb_socket sockets[FAKE_MAX_CONNS];

static void set_error(struct fake_state *f, const char *text)
{
	snprintf(f->error, sizeof(f->error), "%s", text);
}

static int fake_connect(void *ctx, const char *host, uint16_t port,
			uint32_t timeout_ms, struct sb_socket **out)
{
	struct fake_state *f = ctx;
	struct fake_conn *c;
	size_t i = f->connects++;

	(void)port;
	snprintf(f->last_host, sizeof(f->last_host), "%s", host);
	*out = NULL;
	if (i >= f->conn_count) {
		f->unscripted++;
		set_error(f, "no scripted connection left");
		return SB_PORT_ERR_CONNECT;
	}
	c = &f->conns[i];
	if (c->connect_rc) {
		if (c->connect_rc == SB_PORT_TIMEOUT)
			f->now += timeout_ms;
		set_error(f, c->connect_rc == SB_PORT_ERR_DNS
				     ? "Name or service not known"
				     : "Connection refused");
		return c->connect_rc;
	}
	c->opened = 1;
	sockets[i].index = i;
	*out = &sockets[i];
	return 0;
}

static struct fake_conn *conn_of(struct fake_state *f, struct sb_socket *s)
{
	if (!s || s->index >= f->conn_count)
		return NULL;
	return &f->conns[s->index];
}

static int fake_send(void *ctx, struct sb_socket *sock,
		     const unsigned char *buf, size_t len, uint32_t timeout_ms)
{
	struct fake_state *f = ctx;
	struct fake_conn *c = conn_of(f, sock);
	size_t n = len;

	(void)timeout_ms;
	if (!c || !c->opened || c->closed)
		return SB_PORT_ERR_IO;
	if (c->send_rc) {
		set_error(f, "Broken pipe");
		return c->send_rc;
	}
	if (c->send_piece && n > c->send_piece)
		n = c->send_piece;
	if (n > FAKE_MAX_SENT - c->sent_len)
		n = FAKE_MAX_SENT - c->sent_len;
	if (n == 0)
		return SB_PORT_ERR_IO; /* capture full: make it visible */
	memcpy(c->sent + c->sent_len, buf, n);
	c->sent_len += n;
	c->sent[c->sent_len] = '\0';
	if (c->reply < c->reply_count &&
	    c->reply_pos == strlen(c->replies[c->reply]))
		c->sent_since_end = 1;
	return (int)n;
}

static int fake_recv(void *ctx, struct sb_socket *sock, unsigned char *buf,
		     size_t len, uint32_t timeout_ms)
{
	struct fake_state *f = ctx;
	struct fake_conn *c = conn_of(f, sock);
	size_t avail = 0, n;

	if (!c || !c->opened || c->closed)
		return SB_PORT_ERR_IO;
	c->recv_calls++;
	if (c->reply < c->reply_count) {
		avail = strlen(c->replies[c->reply]) - c->reply_pos;
		/* The next request was sent: serve the next reply. */
		if (avail == 0 && c->sent_since_end &&
		    c->reply + 1 < c->reply_count) {
			c->reply++;
			c->reply_pos = 0;
			c->sent_since_end = 0;
			avail = strlen(c->replies[c->reply]);
		}
	}
	if (c->close_after >= 0 && c->served + avail > (size_t)c->close_after)
		avail = c->served < (size_t)c->close_after
				? (size_t)c->close_after - c->served
				: 0;
	/* A poll of an idle connection: open, nothing to read yet (unless
	 * the test has it closed while idle). */
	if (avail == 0 && timeout_ms == 0 && !c->idle_closed)
		return SB_PORT_TIMEOUT;
	if (avail == 0) {
		if (c->end_rc == SB_PORT_TIMEOUT)
			f->now += timeout_ms;
		else if (c->end_rc == SB_PORT_ERR_IO)
			set_error(f, "Connection reset by peer");
		return c->end_rc;
	}
	n = avail < len ? avail : len;
	if (c->piece && n > c->piece)
		n = c->piece;
	memcpy(buf, c->replies[c->reply] + c->reply_pos, n);
	c->reply_pos += n;
	c->served += n;
	return (int)n;
}

static void fake_close(void *ctx, struct sb_socket *sock)
{
	struct fake_state *f = ctx;
	struct fake_conn *c = conn_of(f, sock);

	if (!c || !c->opened || c->closed) {
		f->bad_closes++;
		return;
	}
	c->closed = 1;
}

static void fake_sleep(void *ctx, uint32_t ms)
{
	struct fake_state *f = ctx;

	f->slept_ms += ms;
	f->sleeps++;
	f->now += ms;
}

static uint64_t fake_now(void *ctx)
{
	return ((struct fake_state *)ctx)->now;
}

static int fake_entropy(void *ctx, unsigned char *buf, size_t len)
{
	struct fake_state *f = ctx;
	size_t i;

	if (f->entropy_fail)
		return SB_PORT_ERR_OTHER;
	for (i = 0; i < len; i++)
		buf[i] = (unsigned char)(f->entropy_counter++ * 37u + 11u);
	return 0;
}

static void *fake_alloc(void *ctx, size_t size)
{
	struct fake_state *f = ctx;
	void *p;

	if (++f->alloc_calls == f->fail_alloc)
		return NULL;
	p = calloc(1, size ? size : 1);
	if (p)
		f->live++;
	return p;
}

static void fake_free(void *ctx, void *ptr)
{
	struct fake_state *f = ctx;

	if (ptr) {
		f->live--;
		free(ptr);
	}
}

static int fake_read_file(void *ctx, const char *path, size_t max_len,
			  unsigned char **data, size_t *len)
{
	struct fake_state *f = ctx;
	size_t i, n;

	for (i = 0; i < f->file_count; i++) {
		if (strcmp(f->files[i].path, path) != 0)
			continue;
		n = strlen(f->files[i].data);
		if (n > max_len)
			break;
		*data = fake_alloc(f, n + 1);
		if (!*data)
			return SB_PORT_ERR_NOMEM;
		memcpy(*data, f->files[i].data, n + 1);
		*len = n;
		return 0;
	}
	set_error(f, "No such file or directory");
	return SB_PORT_ERR_FILE;
}

static const char *fake_describe_error(void *ctx)
{
	return ((struct fake_state *)ctx)->error;
}

void fake_init(struct fake_state *f, sb_port *port)
{
	memset(f, 0, sizeof(*f));
	f->now = 1000000; /* not 0: catches "deadline 0 means none" bugs */
	memset(port, 0, sizeof(*port));
	port->version = SB_PORT_VERSION;
	port->ctx = f;
	port->connect = fake_connect;
	port->send = fake_send;
	port->recv = fake_recv;
	port->close = fake_close;
	port->now_ms = fake_now;
	port->entropy = fake_entropy;
	port->read_file = fake_read_file;
	port->alloc = fake_alloc;
	port->free = fake_free;
	port->describe_error = fake_describe_error;
	port->sleep_ms = fake_sleep;
}

struct fake_conn *fake_add_conn(struct fake_state *f)
{
	struct fake_conn *c;

	if (f->conn_count >= FAKE_MAX_CONNS)
		abort(); /* a test bug, not a library one */
	c = &f->conns[f->conn_count++];
	memset(c, 0, sizeof(*c));
	c->close_after = -1;
	c->end_rc = SB_PORT_CLOSED;
	return c;
}

void fake_reply(struct fake_conn *c, const char *bytes)
{
	if (c->reply_count >= FAKE_MAX_REPLIES)
		abort();
	c->replies[c->reply_count++] = bytes;
}

struct fake_conn *fake_conn1(struct fake_state *f, const char *bytes)
{
	struct fake_conn *c = fake_add_conn(f);

	fake_reply(c, bytes);
	return c;
}

void fake_advance(struct fake_state *f, uint64_t ms)
{
	f->now += ms;
}

unsigned fake_opened(const struct fake_state *f)
{
	unsigned n = 0;
	size_t i;

	for (i = 0; i < f->conn_count; i++)
		n += (unsigned)f->conns[i].opened;
	return n;
}

unsigned fake_count_sent(const struct fake_state *f, size_t i,
			 const char *needle)
{
	const char *p;
	unsigned n = 0;

	if (i >= f->conn_count || !*needle)
		return 0;
	for (p = f->conns[i].sent; (p = strstr(p, needle)) != NULL; p++)
		n++;
	return n;
}

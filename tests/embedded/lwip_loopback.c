/*
 * lwip_loopback.c - libsonarbadge over port/lwip on a real lwIP stack:
 * Debian's liblwip0 (lwIP's unix port: its tcpip thread, pthread-based
 * sys_arch) with one interface that loops every packet back
 * (LWIP_NETIF_LOOPBACK, address 127.0.0.1). The server is mini_sonar
 * (mbedTLS) on lwIP sockets in threads of this process, so no byte
 * passes through a kernel socket: the client's only network is lwIP.
 *
 *	lwip_loopback CERTDIR     (tests/standin/gen_certs.sh's output)
 *
 * Cases: a token read and a renewal over TLS on one kept-alive
 * connection; connection refused; a server that never answers (time-out);
 * a server whose certificate another CA signed. Each checks its sb_err.
 * Ends with "N passed, N failed".
 */
#define _GNU_SOURCE 1
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "lwip/init.h"
#include "lwip/ip4_addr.h"
#include "lwip/netif.h"
#include "lwip/sockets.h"
#include "lwip/tcpip.h"

#include <mbedtls/net_sockets.h>

#include "mini_sonar.h"
#include "sb_port_lwip.h"
#include "sonarbadge/sonarbadge.h"

#define PORT_GOOD 8443	 /* mini_sonar with the trusted CA's certificate */
#define PORT_ROGUE 8444	 /* mini_sonar with another CA's certificate */
#define PORT_SILENT 8445 /* listens, never accepts, never answers */
#define PORT_CLOSED 8446 /* nothing listens */

static unsigned passed, failed;
static char certdir[512];

/* ---------------------------------------------------------------- board */

static uint64_t board_now(void *user)
{
	struct timespec ts;

	(void)user;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static int board_entropy(void *user, unsigned char *buf, size_t len)
{
	size_t got = 0;

	(void)user;
	while (got < len) {
		ssize_t n = getrandom(buf + got, len - got, 0);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		got += (size_t)n;
	}
	return 0;
}

static void board_sleep(void *user, uint32_t ms)
{
	(void)user;
	sys_msleep(ms);
}

/* The board's files: the test's certificates, read with C stdio. */
static int board_read_file(void *user, const char *path, size_t max_len,
			   unsigned char **data, size_t *len)
{
	FILE *f = fopen(path, "rb");
	unsigned char *buf;
	size_t n;

	(void)user;
	if (!f)
		return SB_PORT_ERR_FILE;
	buf = mem_calloc(1, (mem_size_t)(max_len + 1));
	if (!buf) {
		fclose(f);
		return SB_PORT_ERR_NOMEM;
	}
	n = fread(buf, 1, max_len + 1, f);
	fclose(f);
	if (n > max_len) {
		mem_free(buf);
		return SB_PORT_ERR_FILE;
	}
	buf[n] = '\0';
	*data = buf;
	*len = n;
	return 0;
}

static char *slurp(const char *name)
{
	char path[600];
	unsigned char *data = NULL;
	size_t len;

	snprintf(path, sizeof(path), "%s/%s", certdir, name);
	if (board_read_file(NULL, path, 1u << 16, &data, &len) != 0) {
		printf("FAIL setup: cannot read %s\n", path);
		return NULL;
	}
	return (char *)data;
}

/* ------------------------------------------------------------ the stack */

static err_t drop_output(struct netif *n, struct pbuf *p,
			 const ip4_addr_t *addr)
{
	(void)n;
	(void)p;
	(void)addr;
	return ERR_OK; /* nothing leaves: only our own address is used */
}

static err_t loop_netif_init(struct netif *n)
{
	n->name[0] = 'l';
	n->name[1] = 'b';
	n->output = drop_output;
	n->mtu = 1500;
	return ERR_OK;
}

static struct netif loop_netif;
static volatile int tcpip_ready;

static void tcpip_done(void *arg)
{
	(void)arg;
	tcpip_ready = 1;
}

static int start_stack(void)
{
	ip4_addr_t ip, mask, gw;
	int i;

	tcpip_init(tcpip_done, NULL);
	for (i = 0; i < 500 && !tcpip_ready; i++)
		sys_msleep(10);
	if (!tcpip_ready)
		return -1;
	IP4_ADDR(&ip, 127, 0, 0, 1);
	IP4_ADDR(&mask, 255, 0, 0, 0);
	IP4_ADDR(&gw, 0, 0, 0, 0);
	LOCK_TCPIP_CORE();
	if (!netif_add(&loop_netif, &ip, &mask, &gw, NULL, loop_netif_init,
		       tcpip_input)) {
		UNLOCK_TCPIP_CORE();
		return -1;
	}
	netif_set_default(&loop_netif);
	netif_set_link_up(&loop_netif);
	netif_set_up(&loop_netif);
	UNLOCK_TCPIP_CORE();
	return 0;
}

static int listen_on(uint16_t port)
{
	struct sockaddr_in a;
	int fd = lwip_socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);

	if (fd < 0)
		return -1;
	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_port = lwip_htons(port);
	a.sin_addr.s_addr = lwip_htonl(0x7f000001u);
	if (lwip_bind(fd, (struct sockaddr *)&a, sizeof(a)) != 0 ||
	    lwip_listen(fd, 4) != 0) {
		lwip_close(fd);
		return -1;
	}
	return fd;
}

/* ------------------------------------------------------------ servers */

struct server {
	mini_sonar ms;
	int listen_fd;
	pthread_t thread;
};

static int bio_send(void *ctx, const unsigned char *buf, size_t len)
{
	int fd = *(int *)ctx;
	ssize_t n = lwip_send(fd, buf, len, 0);

	return n >= 0 ? (int)n : MBEDTLS_ERR_NET_SEND_FAILED;
}

static int bio_recv(void *ctx, unsigned char *buf, size_t len)
{
	int fd = *(int *)ctx;
	ssize_t n = lwip_recv(fd, buf, len, 0);

	return n >= 0 ? (int)n : MBEDTLS_ERR_NET_RECV_FAILED;
}

static void *serve(void *arg)
{
	struct server *sv = arg;

	for (;;) {
		int fd = lwip_accept(sv->listen_fd, NULL, NULL);

		if (fd < 0)
			return NULL;
		if (mini_sonar_accept(&sv->ms, &fd, bio_send, bio_recv) == 0)
			while (!mini_sonar_serve(&sv->ms))
				;
		lwip_close(fd);
	}
}

static int start_server(struct server *sv, uint16_t port, const char *cert,
			const char *key)
{
	char *c = slurp(cert), *k = slurp(key);
	int rc = -1;

	if (c && k &&
	    mini_sonar_init(&sv->ms, c, k, board_entropy, NULL) == 0) {
		sv->listen_fd = listen_on(port);
		if (sv->listen_fd >= 0 &&
		    pthread_create(&sv->thread, NULL, serve, sv) == 0)
			rc = 0;
	}
	mem_free(c);
	mem_free(k);
	return rc;
}

/* -------------------------------------------------------------- client */

static sb_port port;
static sb_lwip_ctx lwip_ctx;
static const sb_lwip_board board = {
	board_now, board_entropy, board_sleep, board_read_file, NULL, NULL,
	NULL,
};
static struct server good, rogue;

static sb_client *client(uint16_t server_port, uint32_t connect_ms,
			 uint32_t max_ms)
{
	static char url[64], ca[600];
	sb_config cfg;
	sb_client *c = NULL;
	char msg[SB_MAX_MESSAGE_LEN];

	snprintf(url, sizeof(url), "https://127.0.0.1:%u",
		 (unsigned)server_port);
	snprintf(ca, sizeof(ca), "%s/ca.pem", certdir);
	memset(&cfg, 0, sizeof(cfg));
	cfg.base_url = url;
	cfg.user_token = "squ_lwip_loopback_test";
	cfg.ca_file = ca;
	cfg.connect_timeout_ms = connect_ms;
	cfg.max_time_ms = max_ms;
	if (sb_client_create(&cfg, &port, &c, msg, sizeof(msg)) != SB_OK) {
		printf("FAIL setup: sb_client_create: %s\n", msg);
		return NULL;
	}
	return c;
}

static void result(const char *name, int ok, const char *detail)
{
	if (ok) {
		passed++;
		printf("ok %s\n", name);
	} else {
		failed++;
		printf("FAIL %s: %s\n", name, detail);
	}
	fflush(stdout);
}

static void expect_err(const char *name, sb_client *c, sb_err got,
		       sb_err want, uint64_t t0, uint64_t bound_ms)
{
	char detail[SB_MAX_MESSAGE_LEN + 96];
	uint64_t took = board_now(NULL) - t0;

	snprintf(detail, sizeof(detail), "%s (want %s) after %lu ms: %s",
		 sb_err_name(got), sb_err_name(want), (unsigned long)took,
		 c ? sb_client_message(c) : "");
	result(name, got == want && took <= bound_ms, detail);
}

static void t_read_and_renew_one_connection(void)
{
	sb_client *c = client(PORT_GOOD, 5000, 20000);
	char tok[SB_MAX_TOKEN_LEN + 1], old[SB_MAX_TOKEN_LEN + 1],
		neu[SB_MAX_TOKEN_LEN + 1], detail[512];
	sb_err e1, e2;
	unsigned before = good.ms.connections;

	if (!c) {
		result("read_and_renew_one_connection", 0, "no client");
		return;
	}
	e1 = sb_token_get(c, "my:proj", tok, sizeof(tok));
	e2 = e1 == SB_OK ? sb_token_renew(c, "my:proj", old, sizeof(old), neu,
					  sizeof(neu))
			 : e1;
	snprintf(detail, sizeof(detail),
		 "get %s, renew %s (%s); %u client connection(s), %u at the "
		 "server, %u renewal(s)",
		 sb_err_name(e1), sb_err_name(e2), sb_client_message(c),
		 sb_client_connections(c), good.ms.connections - before,
		 good.ms.renewals);
	result("read_and_renew_one_connection",
	       e1 == SB_OK && e2 == SB_OK && strncmp(tok, "sqb_", 4) == 0 &&
		       strcmp(tok, old) == 0 && strcmp(old, neu) != 0 &&
		       sb_client_connections(c) == 1 &&
		       good.ms.connections - before == 1 &&
		       good.ms.renewals == 1,
	       detail);
	sb_client_destroy(c);
}

static void t_connection_refused(void)
{
	sb_client *c = client(PORT_CLOSED, 5000, 10000);
	char tok[SB_MAX_TOKEN_LEN + 1];
	uint64_t t0 = board_now(NULL);

	expect_err("connection_refused", c,
		   c ? sb_token_get(c, "my:proj", tok, sizeof(tok))
		     : SB_ERR_INVALID_ARG,
		   SB_ERR_CONNECT, t0, 4000);
	sb_client_destroy(c);
}

static void t_silent_server_times_out(void)
{
	sb_client *c = client(PORT_SILENT, 1500, 3000);
	char tok[SB_MAX_TOKEN_LEN + 1];
	uint64_t t0 = board_now(NULL);

	expect_err("silent_server_times_out", c,
		   c ? sb_token_get(c, "my:proj", tok, sizeof(tok))
		     : SB_ERR_INVALID_ARG,
		   SB_ERR_TIMEOUT, t0, 6000);
	sb_client_destroy(c);
}

static void t_wrong_ca(void)
{
	sb_client *c = client(PORT_ROGUE, 5000, 10000);
	char tok[SB_MAX_TOKEN_LEN + 1];
	uint64_t t0 = board_now(NULL);
	sb_err e = c ? sb_token_get(c, "my:proj", tok, sizeof(tok))
		     : SB_ERR_INVALID_ARG;

	expect_err("wrong_ca", c, e, SB_ERR_TLS_VERIFY, t0, 8000);
	if (rogue.ms.requests != 0)
		result("wrong_ca_no_request", 0,
		       "a request reached the untrusted server");
	else
		result("wrong_ca_no_request", 1, "");
	sb_client_destroy(c);
}

int main(int argc, char **argv)
{
	int silent;

	if (argc != 2 || strlen(argv[1]) >= sizeof(certdir)) {
		fprintf(stderr, "usage: lwip_loopback CERTDIR\n");
		return 2;
	}
	snprintf(certdir, sizeof(certdir), "%s", argv[1]);
	if (start_stack() != 0) {
		printf("FAIL setup: lwIP did not start\n0 passed, 1 failed\n");
		return 1;
	}
	if (start_server(&good, PORT_GOOD, "server.pem", "server.key") != 0 ||
	    start_server(&rogue, PORT_ROGUE, "rogue_server.pem",
			 "rogue_server.key") != 0 ||
	    (silent = listen_on(PORT_SILENT)) < 0) {
		printf("FAIL setup: servers did not start\n0 passed, 1 "
		       "failed\n");
		return 1;
	}
	(void)silent; /* open until the end: its connections stay queued */
	sb_port_lwip_init(&port, &lwip_ctx, &board);
	printf("lwIP %s, loopback interface 127.0.0.1, mbedTLS servers on "
	       "ports %d and %d\n",
	       LWIP_VERSION_STRING, PORT_GOOD, PORT_ROGUE);
	t_read_and_renew_one_connection();
	t_connection_refused();
	t_silent_server_times_out();
	t_wrong_ca();
	printf("%u passed, %u failed\n", passed, failed);
	fflush(stdout);
	/* The server threads block in lwip_accept: leave without joining. */
	_exit(failed ? 1 : 0);
}

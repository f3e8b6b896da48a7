/*
 * sb_tls.h - the TLS layer: a verified TLS session over a port socket.
 * The only implementation is sb_tls_mbedtls.c, the one file that calls
 * mbedTLS. Trust is loaded once per client; sessions come and go with
 * connections.
 */
#ifndef SB_TLS_H
#define SB_TLS_H

#include <stdint.h>

#include "sb_util.h"

typedef struct sb_tls sb_tls;

typedef struct sb_tls_config {
	const char *ca_file; /* PEM/DER bundle, or NULL */
	const char *ca_path; /* folder of certificates, or NULL */
	int insecure;	     /* skip verification */
	const char *extra_root_pem; /* added to the store in use, or NULL */
	const unsigned char (*pins)[32]; /* SHA-256 of allowed public keys */
	int pin_count;
	const char *client_cert;    /* PEM file, or NULL */
	const char *client_key;	    /* PEM file, or NULL */
	const char *key_passphrase; /* secret, or NULL */
} sb_tls_config;

/* Result of sb_tls_send/recv for a TLS-level failure (see message). */
#define SB_TLS_ERR_PROTOCOL (-100)

sb_err sb_tls_create(const sb_port *port, const sb_tls_config *cfg,
		     sb_tls **out, char *msg, size_t msg_cap);
void sb_tls_destroy(sb_tls *t);

/*
 * Handshake on sock for hostname (SNI and certificate name check; for an
 * IP literal the certificate's IP address entries are checked instead),
 * all before deadline_ms (port clock). On success the certificate was
 * verified, and the public key pinned if pins were given; nothing else
 * has been sent yet.
 */
sb_err sb_tls_connect(sb_tls *t, struct sb_socket *sock, const char *hostname,
		      uint64_t deadline_ms, char *msg, size_t msg_cap);
/* Bytes sent (>0), or SB_PORT_TIMEOUT / SB_PORT_ERR_IO / SB_TLS_ERR_*. */
int sb_tls_send(sb_tls *t, const unsigned char *buf, size_t len,
		uint64_t deadline_ms);
/* Bytes received (>0), SB_PORT_CLOSED, SB_PORT_TIMEOUT, or an error. */
int sb_tls_recv(sb_tls *t, unsigned char *buf, size_t len,
		uint64_t deadline_ms);
/* Does the session hold received bytes not read yet (decrypted data or a
 * whole record in mbedTLS's buffer)? */
int sb_tls_pending(const sb_tls *t);
/* End the session (close_notify, best effort); the socket stays open. */
void sb_tls_end(sb_tls *t);
/* Text of the last TLS-level error. */
const char *sb_tls_message(const sb_tls *t);
/* e.g. "TLSv1.2 TLS-ECDHE-ECDSA-WITH-AES-256-GCM-SHA384" after connect. */
void sb_tls_describe(const sb_tls *t, char *out, size_t cap);

/* 1 when mbedTLS's memory comes from the port (mbedTLS was built with
 * MBEDTLS_PLATFORM_MEMORY), 0 when mbedTLS allocates on its own. */
int sb_tls_memory_routed(void);

#endif

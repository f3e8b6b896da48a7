/*
 * mini_sonar.h - a tiny SonarQube badge-token server over mbedTLS, for the
 * runs where the Python stand-in cannot go (a Cortex-M image, the lwIP
 * loopback): one TLS connection at a time, HTTP/1.1 kept alive, and just
 *   GET  /api/project_badges/token?project=K   200 {"token":"sqb_..."}
 *   POST /api/project_badges/renew_token       204, the token changes
 * (anything else 404; no Authorization header 401), the answers shaped as
 * tests/standin/sonar_standin.py gives them. The transport is the caller's:
 * two callbacks in mbedTLS's BIO convention, blocking or not.
 */
#ifndef MINI_SONAR_H
#define MINI_SONAR_H

#include <stddef.h>

#include <mbedtls/ctr_drbg.h>
#include <mbedtls/pk.h>
#include <mbedtls/ssl.h>
#include <mbedtls/x509_crt.h>

typedef struct mini_sonar {
	mbedtls_ctr_drbg_context drbg;
	mbedtls_ssl_config conf;
	mbedtls_x509_crt cert;
	mbedtls_pk_context key;
	mbedtls_ssl_context ssl;
	int ssl_live;	   /* a connection is being served */
	int handshake_done;
	char req[2048];	   /* the request being received */
	size_t req_len;
	unsigned token_serial; /* bumped by every renewal */
	/* Counters the tests check. */
	unsigned connections, requests, renewals;
	int last_error; /* mbedTLS error that ended the last connection */
} mini_sonar;

/*
 * Set up with a PEM certificate (chain) and key (NUL-terminated text).
 * entropy fills buf for the DRBG (0 on success). 0 or an mbedTLS error.
 */
int mini_sonar_init(mini_sonar *s, const char *cert_pem, const char *key_pem,
		    int (*entropy)(void *ctx, unsigned char *buf, size_t len),
		    void *entropy_ctx);
void mini_sonar_free(mini_sonar *s);

/* A new connection: send and recv as for mbedtls_ssl_set_bio. */
int mini_sonar_accept(mini_sonar *s, void *io, mbedtls_ssl_send_t *send,
		      mbedtls_ssl_recv_t *recv);
/*
 * Serve what can be served: returns 0 when the transport has nothing more
 * now (MBEDTLS_ERR_SSL_WANT_READ from recv), 1 when the connection ended
 * (closed by the peer, or an error: last_error), after which
 * mini_sonar_accept may take the next one. With a blocking transport it
 * returns only when the connection ends.
 */
int mini_sonar_serve(mini_sonar *s);
/* Drop the current connection (no close_notify). */
void mini_sonar_drop(mini_sonar *s);

#endif

/*
 * sb_mbedtls_cortex_m.h - an mbedTLS 2.28 configuration for libsonarbadge
 * on a Cortex-M board: a TLS 1.2 client only, no file system, no sockets,
 * no clock, mbedTLS's memory from the port. Build mbedTLS (and the library)
 * with -DMBEDTLS_CONFIG_FILE='"sb_mbedtls_cortex_m.h"'. `make check-cortex-m`
 * runs it under QEMU (mps2-an386, a Cortex-M4); the figures are in
 * BENCHMARKS.md.
 *
 * What it keeps, and why:
 * - TLS 1.2 client, SNI, extended master secret, encrypt-then-MAC; the
 *   peer certificate is kept (the library pins and re-verifies with it).
 * - ECDHE key exchange with ECDSA or RSA certificates, AES-GCM (128 and
 *   256) with SHA-256/384: what SonarQube behind nginx, a load balancer or
 *   SonarQube Cloud negotiates. P-256, P-384 and X25519.
 * - X.509 parsing of PEM and DER (CA bundle, client certificate) and
 *   RSA PKCS#1 v1.5 and PSS signatures (most public roots are RSA).
 * - MBEDTLS_PLATFORM_MEMORY: libsonarbadge then gives mbedTLS the port's
 *   alloc/free (sb_tls_mbedtls.c), so the whole heap is the board's.
 *
 * What it drops: the server side, TLS 1.0/1.1, DTLS, renegotiation,
 * session tickets and cache, CBC suites, DHE, PSK, SHA-1 and MD5
 * signatures, file and socket support (MBEDTLS_FS_IO, MBEDTLS_NET_C: the
 * port does both), MBEDTLS_HAVE_TIME (so certificate validity dates are
 * not checked: a board with a calendar clock should define
 * MBEDTLS_HAVE_TIME and MBEDTLS_HAVE_TIME_DATE and provide the time), and
 * mbedTLS's error texts (MBEDTLS_ERROR_STRERROR_DUMMY: messages keep the
 * -0x code). The record buffers are 16 KiB in (a server may send full
 * records) and 4 KiB out (a request is at most 8 KiB and is written in
 * pieces): about 21 KiB instead of 33 KiB.
 *
 * Two switches for the test images of `make check-cortex-m` (a board may
 * use them as well):
 *   SB_MBEDTLS_WITH_SERVER   also the TLS server (the test's in-image
 *                            SonarQube, tests/embedded/mini_sonar.c)
 *   SB_MBEDTLS_BOARD_HEAP    mbedTLS's default allocator is the board's
 *                            sb_board_calloc/sb_board_free (used before
 *                            the library hands it the port's, and after)
 */
#ifndef SB_MBEDTLS_CORTEX_M_H
#define SB_MBEDTLS_CORTEX_M_H

/* System */
#define MBEDTLS_PLATFORM_C
#define MBEDTLS_PLATFORM_MEMORY
#define MBEDTLS_NO_PLATFORM_ENTROPY
#define MBEDTLS_HAVE_ASM
#define MBEDTLS_DEPRECATED_REMOVED
#if defined(SB_MBEDTLS_BOARD_HEAP)
#include <stddef.h>
void *sb_board_calloc(size_t n, size_t size);
void sb_board_free(void *ptr);
#define MBEDTLS_PLATFORM_STD_CALLOC sb_board_calloc
#define MBEDTLS_PLATFORM_STD_FREE sb_board_free
#endif

/* Primitives */
#define MBEDTLS_AES_C
#define MBEDTLS_AES_ROM_TABLES /* tables in flash, not 8 KiB of RAM */
#define MBEDTLS_AES_FEWER_TABLES
#define MBEDTLS_GCM_C
#define MBEDTLS_CIPHER_C
#define MBEDTLS_MD_C
#define MBEDTLS_SHA256_C
#define MBEDTLS_SHA512_C
#define MBEDTLS_CTR_DRBG_C
#define MBEDTLS_BIGNUM_C
#define MBEDTLS_ECP_C
#define MBEDTLS_ECP_DP_SECP256R1_ENABLED
#define MBEDTLS_ECP_DP_SECP384R1_ENABLED
#define MBEDTLS_ECP_DP_CURVE25519_ENABLED
#define MBEDTLS_ECP_NIST_OPTIM
#define MBEDTLS_ECP_WINDOW_SIZE 2	 /* less RAM per multiplication */
#define MBEDTLS_ECP_FIXED_POINT_OPTIM 0 /* no precomputed tables in RAM */
#define MBEDTLS_ECDH_C
#define MBEDTLS_ECDSA_C
#define MBEDTLS_RSA_C
#define MBEDTLS_PKCS1_V15
#define MBEDTLS_PKCS1_V21
#define MBEDTLS_MPI_MAX_SIZE 512 /* RSA-4096 */

/* Keys and certificates */
#define MBEDTLS_ASN1_PARSE_C
#define MBEDTLS_ASN1_WRITE_C
#define MBEDTLS_OID_C
#define MBEDTLS_BASE64_C
#define MBEDTLS_PEM_PARSE_C
#define MBEDTLS_PK_C
#define MBEDTLS_PK_PARSE_C
#define MBEDTLS_PK_WRITE_C /* the SPKI hash of --pinnedpubkey */
#define MBEDTLS_X509_USE_C
#define MBEDTLS_X509_CRT_PARSE_C
#define MBEDTLS_X509_MAX_INTERMEDIATE_CA 4
#define MBEDTLS_ERROR_STRERROR_DUMMY

/* TLS */
#define MBEDTLS_SSL_TLS_C
#define MBEDTLS_SSL_CLI_C
#if defined(SB_MBEDTLS_WITH_SERVER)
#define MBEDTLS_SSL_SRV_C
#endif
#define MBEDTLS_SSL_PROTO_TLS1_2
#define MBEDTLS_SSL_SERVER_NAME_INDICATION
#define MBEDTLS_SSL_EXTENDED_MASTER_SECRET
#define MBEDTLS_SSL_ENCRYPT_THEN_MAC
#define MBEDTLS_SSL_KEEP_PEER_CERTIFICATE
#define MBEDTLS_KEY_EXCHANGE_ECDHE_ECDSA_ENABLED
#define MBEDTLS_KEY_EXCHANGE_ECDHE_RSA_ENABLED
#define MBEDTLS_SSL_IN_CONTENT_LEN 16384
#define MBEDTLS_SSL_OUT_CONTENT_LEN 4096
#define MBEDTLS_SSL_CIPHERSUITES                             \
	MBEDTLS_TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,     \
		MBEDTLS_TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384, \
		MBEDTLS_TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,   \
		MBEDTLS_TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384

#include "mbedtls/check_config.h"

#endif

/*
 * sb_mbedtls_compat.h - the few places where mbedTLS 2.28 (Debian 12)
 * and 3.6 LTS differ in what sb_tls_mbedtls.c uses.
 */
#ifndef SB_MBEDTLS_COMPAT_H
#define SB_MBEDTLS_COMPAT_H

#include <mbedtls/version.h>

#if MBEDTLS_VERSION_NUMBER >= 0x03000000
#include <mbedtls/build_info.h>
#if defined(MBEDTLS_PSA_CRYPTO_C)
#include <psa/crypto.h>
#endif
#endif

#include <mbedtls/ctr_drbg.h>
#include <mbedtls/ecp.h>
#include <mbedtls/error.h>
#include <mbedtls/net_sockets.h>
#include <mbedtls/platform_util.h>
#include <mbedtls/ssl.h>
#include <mbedtls/pk.h>
#include <mbedtls/sha256.h>
#include <mbedtls/x509_crt.h>

/* pk_parse_key gained RNG arguments in 3.0. */
static inline int sb_compat_parse_key(mbedtls_pk_context *pk,
				      const unsigned char *key, size_t len,
				      const unsigned char *pwd, size_t pwd_len,
				      mbedtls_ctr_drbg_context *drbg)
{
#if MBEDTLS_VERSION_NUMBER >= 0x03000000
	return mbedtls_pk_parse_key(pk, key, len, pwd, pwd_len,
				    mbedtls_ctr_drbg_random, drbg);
#else
	(void)drbg;
	return mbedtls_pk_parse_key(pk, key, len, pwd, pwd_len);
#endif
}

/* SHA-256 in one call (the _ret variant was renamed in 3.0). */
static inline int sb_compat_sha256(const unsigned char *in, size_t len,
				   unsigned char out[32])
{
#if MBEDTLS_VERSION_NUMBER >= 0x03000000
	return mbedtls_sha256(in, len, out, 0);
#else
	return mbedtls_sha256_ret(in, len, out, 0);
#endif
}

/* TLS 1.2 at least. */
static inline void sb_compat_min_tls12(mbedtls_ssl_config *conf)
{
#if MBEDTLS_VERSION_NUMBER >= 0x03000000
	mbedtls_ssl_conf_min_tls_version(conf, MBEDTLS_SSL_VERSION_TLS1_2);
#else
	mbedtls_ssl_conf_min_version(conf, MBEDTLS_SSL_MAJOR_VERSION_3,
				     MBEDTLS_SSL_MINOR_VERSION_3);
#endif
}

/*
 * Key-exchange groups, fastest first (the server usually follows the
 * client's order): X25519 and P-256 before the default list's P-521 and
 * P-384, which cost several times more per handshake. Same set of
 * groups as mbedTLS's default, only the order differs.
 */
static inline void sb_compat_prefer_fast_groups(mbedtls_ssl_config *conf)
{
#if MBEDTLS_VERSION_NUMBER >= 0x03000000
	static const uint16_t groups[] = {
#if defined(MBEDTLS_ECP_DP_CURVE25519_ENABLED)
		MBEDTLS_SSL_IANA_TLS_GROUP_X25519,
#endif
#if defined(MBEDTLS_ECP_DP_SECP256R1_ENABLED)
		MBEDTLS_SSL_IANA_TLS_GROUP_SECP256R1,
#endif
#if defined(MBEDTLS_ECP_DP_SECP384R1_ENABLED)
		MBEDTLS_SSL_IANA_TLS_GROUP_SECP384R1,
#endif
#if defined(MBEDTLS_ECP_DP_CURVE448_ENABLED)
		MBEDTLS_SSL_IANA_TLS_GROUP_X448,
#endif
#if defined(MBEDTLS_ECP_DP_SECP521R1_ENABLED)
		MBEDTLS_SSL_IANA_TLS_GROUP_SECP521R1,
#endif
#if defined(MBEDTLS_ECP_DP_BP256R1_ENABLED)
		MBEDTLS_SSL_IANA_TLS_GROUP_BP256R1,
#endif
#if defined(MBEDTLS_ECP_DP_BP384R1_ENABLED)
		MBEDTLS_SSL_IANA_TLS_GROUP_BP384R1,
#endif
#if defined(MBEDTLS_ECP_DP_BP512R1_ENABLED)
		MBEDTLS_SSL_IANA_TLS_GROUP_BP512R1,
#endif
#if defined(MBEDTLS_SSL_TLS1_3_KEY_EXCHANGE_MODE_EPHEMERAL_ENABLED) && \
	defined(PSA_WANT_ALG_FFDH)
		MBEDTLS_SSL_IANA_TLS_GROUP_FFDHE2048,
#endif
		MBEDTLS_SSL_IANA_TLS_GROUP_NONE
	};

	mbedtls_ssl_conf_groups(conf, groups);
#elif defined(MBEDTLS_ECP_C)
	/* Every curve mbedTLS was built with, the fast ones first. */
	static mbedtls_ecp_group_id curves[MBEDTLS_ECP_DP_MAX + 1];
	static const mbedtls_ecp_group_id first[] = {
		MBEDTLS_ECP_DP_CURVE25519, MBEDTLS_ECP_DP_SECP256R1,
		MBEDTLS_ECP_DP_SECP384R1};
	const mbedtls_ecp_group_id *all = mbedtls_ecp_grp_id_list();
	size_t n = 0, i, j;

	if (curves[0] == MBEDTLS_ECP_DP_NONE) {
		for (i = 0; i < sizeof(first) / sizeof(first[0]); i++)
			for (j = 0; all[j] != MBEDTLS_ECP_DP_NONE; j++)
				if (all[j] == first[i])
					curves[n++] = first[i];
		for (j = 0; all[j] != MBEDTLS_ECP_DP_NONE; j++) {
			for (i = 0; i < n && curves[i] != all[j]; i++)
				;
			if (i == n && n < MBEDTLS_ECP_DP_MAX)
				curves[n++] = all[j];
		}
		curves[n] = MBEDTLS_ECP_DP_NONE;
	}
	mbedtls_ssl_conf_curves(conf, curves);
#else
	(void)conf;
#endif
}

/* 3.x with PSA (TLS 1.3) needs the PSA core started once. */
static inline int sb_compat_crypto_init(void)
{
#if MBEDTLS_VERSION_NUMBER >= 0x03000000 && defined(MBEDTLS_PSA_CRYPTO_C)
	return psa_crypto_init() == PSA_SUCCESS ? 0 : -1;
#else
	return 0;
#endif
}

/* A read result that only means "try again" (TLS 1.3 tickets in 3.x). */
static inline int sb_compat_read_again(int ret)
{
	if (ret == MBEDTLS_ERR_SSL_WANT_READ ||
	    ret == MBEDTLS_ERR_SSL_WANT_WRITE)
		return 1;
#if defined(MBEDTLS_ERR_SSL_RECEIVED_NEW_SESSION_TICKET)
	if (ret == MBEDTLS_ERR_SSL_RECEIVED_NEW_SESSION_TICKET)
		return 1;
#endif
	return 0;
}

/*
 * The description of the fatal alert the peer just sent (RFC 8446 6.2),
 * or -1. mbedTLS leaves it in its record buffer; 3.x names that field
 * MBEDTLS_PRIVATE (stable within an LTS branch), 2.28 plainly.
 */
static inline int sb_compat_alert_received(const mbedtls_ssl_context *ssl)
{
#if MBEDTLS_VERSION_NUMBER >= 0x03000000
	const unsigned char *m = ssl->MBEDTLS_PRIVATE(in_msg);
	int type = ssl->MBEDTLS_PRIVATE(in_msgtype);
#else
	const unsigned char *m = ssl->in_msg;
	int type = ssl->in_msgtype;
#endif
	return type == MBEDTLS_SSL_MSG_ALERT && m ? m[1] : -1;
}

#endif

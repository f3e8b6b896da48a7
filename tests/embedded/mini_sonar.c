/* mini_sonar.c - see mini_sonar.h. */
#include "mini_sonar.h"

#include <stdio.h>
#include <string.h>

#include <mbedtls/error.h>

#define TOKEN_PATH "/api/project_badges/token?project="
#define RENEW_PATH "/api/project_badges/renew_token"

int mini_sonar_init(mini_sonar *s, const char *cert_pem, const char *key_pem,
		    int (*entropy)(void *ctx, unsigned char *buf, size_t len),
		    void *entropy_ctx)
{
	static const unsigned char pers[] = "mini_sonar";
	int rc;

	memset(s, 0, sizeof(*s));
	mbedtls_ctr_drbg_init(&s->drbg);
	mbedtls_ssl_config_init(&s->conf);
	mbedtls_x509_crt_init(&s->cert);
	mbedtls_pk_init(&s->key);
	rc = mbedtls_ctr_drbg_seed(&s->drbg, entropy, entropy_ctx, pers,
				   sizeof(pers) - 1);
	if (rc == 0)
		rc = mbedtls_x509_crt_parse(&s->cert,
					    (const unsigned char *)cert_pem,
					    strlen(cert_pem) + 1);
	if (rc == 0)
#if MBEDTLS_VERSION_NUMBER >= 0x03000000
		rc = mbedtls_pk_parse_key(&s->key,
					  (const unsigned char *)key_pem,
					  strlen(key_pem) + 1, NULL, 0,
					  mbedtls_ctr_drbg_random, &s->drbg);
#else
		rc = mbedtls_pk_parse_key(&s->key,
					  (const unsigned char *)key_pem,
					  strlen(key_pem) + 1, NULL, 0);
#endif
	if (rc == 0)
		rc = mbedtls_ssl_config_defaults(&s->conf, MBEDTLS_SSL_IS_SERVER,
						 MBEDTLS_SSL_TRANSPORT_STREAM,
						 MBEDTLS_SSL_PRESET_DEFAULT);
	if (rc == 0) {
		mbedtls_ssl_conf_rng(&s->conf, mbedtls_ctr_drbg_random,
				     &s->drbg);
		rc = mbedtls_ssl_conf_own_cert(&s->conf, &s->cert, &s->key);
	}
	return rc;
}

void mini_sonar_drop(mini_sonar *s)
{
	if (s->ssl_live)
		mbedtls_ssl_free(&s->ssl);
	s->ssl_live = 0;
	s->handshake_done = 0;
	s->req_len = 0;
}

void mini_sonar_free(mini_sonar *s)
{
	mini_sonar_drop(s);
	mbedtls_pk_free(&s->key);
	mbedtls_x509_crt_free(&s->cert);
	mbedtls_ssl_config_free(&s->conf);
	mbedtls_ctr_drbg_free(&s->drbg);
}

int mini_sonar_accept(mini_sonar *s, void *io, mbedtls_ssl_send_t *send,
		      mbedtls_ssl_recv_t *recv)
{
	int rc;

	mini_sonar_drop(s);
	mbedtls_ssl_init(&s->ssl);
	s->ssl_live = 1;
	rc = mbedtls_ssl_setup(&s->ssl, &s->conf);
	if (rc != 0)
		return rc;
	mbedtls_ssl_set_bio(&s->ssl, io, send, recv, NULL);
	s->connections++;
	return 0;
}

static void token_of(const mini_sonar *s, char out[45])
{
	static const char hex[] = "0123456789abcdef";
	unsigned v = s->token_serial * 2654435761u + 12345u;
	int i;

	memcpy(out, "sqb_", 4);
	for (i = 0; i < 40; i++) {
		out[4 + i] = hex[(v >> ((i % 8) * 4)) & 15u];
		if (i % 8 == 7)
			v = v * 1103515245u + 12345u;
	}
	out[44] = '\0';
}

/* Write all of buf (the transport may take it in pieces). */
static int write_all(mini_sonar *s, const char *buf, size_t len)
{
	while (len > 0) {
		int rc = mbedtls_ssl_write(&s->ssl, (const unsigned char *)buf,
					   len);

		if (rc == MBEDTLS_ERR_SSL_WANT_WRITE ||
		    rc == MBEDTLS_ERR_SSL_WANT_READ)
			continue;
		if (rc < 0)
			return rc;
		buf += rc;
		len -= (size_t)rc;
	}
	return 0;
}

static int answer(mini_sonar *s, int status, const char *reason,
		  const char *body)
{
	char head[256];
	size_t n = strlen(body);
	int rc;

	/* No size_t conversion: newlib-nano prints it literally. */
	snprintf(head, sizeof(head),
		 "HTTP/1.1 %d %s\r\nServer: mini_sonar\r\n%s"
		 "Content-Length: %lu\r\n\r\n",
		 status, reason,
		 n ? "Content-Type: application/json\r\n" : "",
		 (unsigned long)n);
	rc = write_all(s, head, strlen(head));
	return rc == 0 && n ? write_all(s, body, n) : rc;
}

/* Handle one complete request of head_len header bytes. */
static int handle(mini_sonar *s, size_t head_len)
{
	char body[128], tok[45];

	s->requests++;
	s->req[head_len - 1] = '\0';
	if (!strstr(s->req, "\r\nAuthorization: "))
		return answer(s, 401, "Unauthorized", "");
	if (strncmp(s->req, "GET " TOKEN_PATH, strlen("GET " TOKEN_PATH)) ==
	    0) {
		token_of(s, tok);
		snprintf(body, sizeof(body), "{\"token\":\"%s\"}", tok);
		return answer(s, 200, "OK", body);
	}
	if (strncmp(s->req, "POST " RENEW_PATH " ",
		    strlen("POST " RENEW_PATH " ")) == 0) {
		s->token_serial++;
		s->renewals++;
		return answer(s, 204, "No Content", "");
	}
	return answer(s, 404, "Not Found",
		      "{\"errors\":[{\"msg\":\"Unknown url\"}]}");
}

/* Length of the whole request in req (head and body), or 0 if partial. */
static size_t complete_request(const mini_sonar *s, size_t *head_len)
{
	const char *end = NULL, *cl;
	size_t i, body = 0;

	for (i = 3; i < s->req_len; i++)
		if (memcmp(s->req + i - 3, "\r\n\r\n", 4) == 0) {
			end = s->req + i + 1;
			break;
		}
	if (!end)
		return 0;
	*head_len = (size_t)(end - s->req);
	for (cl = s->req; cl < end; cl++)
		if (strncmp(cl, "\r\nContent-Length: ", 18) == 0) {
			unsigned long v = 0;

			for (cl += 18; *cl >= '0' && *cl <= '9'; cl++)
				v = v * 10 + (unsigned long)(*cl - '0');
			body = v;
			break;
		}
	return *head_len + body <= s->req_len ? *head_len + body : 0;
}

int mini_sonar_serve(mini_sonar *s)
{
	int rc;

	if (!s->ssl_live)
		return 1;
	while (!s->handshake_done) {
		rc = mbedtls_ssl_handshake(&s->ssl);
		if (rc == MBEDTLS_ERR_SSL_WANT_READ)
			return 0;
		if (rc == MBEDTLS_ERR_SSL_WANT_WRITE)
			continue;
		if (rc != 0) {
			s->last_error = rc;
			mini_sonar_drop(s);
			return 1;
		}
		s->handshake_done = 1;
	}
	for (;;) {
		size_t head_len = 0, whole;

		if (s->req_len >= sizeof(s->req) - 1) {
			s->last_error = -1;
			mini_sonar_drop(s);
			return 1;
		}
		rc = mbedtls_ssl_read(&s->ssl, (unsigned char *)s->req + s->req_len,
				      sizeof(s->req) - 1 - s->req_len);
		if (rc == MBEDTLS_ERR_SSL_WANT_READ)
			return 0;
		if (rc == MBEDTLS_ERR_SSL_WANT_WRITE)
			continue;
		if (rc <= 0) {
			/* 0 or close_notify: the client went away. */
			s->last_error =
				rc == 0 || rc == MBEDTLS_ERR_SSL_PEER_CLOSE_NOTIFY
					? 0
					: rc;
			mini_sonar_drop(s);
			return 1;
		}
		s->req_len += (size_t)rc;
		s->req[s->req_len] = '\0';
		while ((whole = complete_request(s, &head_len)) != 0) {
			rc = handle(s, head_len);
			if (rc != 0) {
				s->last_error = rc;
				mini_sonar_drop(s);
				return 1;
			}
			memmove(s->req, s->req + whole, s->req_len - whole);
			s->req_len -= whole;
		}
	}
}

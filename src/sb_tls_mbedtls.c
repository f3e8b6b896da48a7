/*
 * sb_tls_mbedtls.c - the TLS layer over mbedTLS: the only file that calls
 * mbedTLS. Verification is required (unless the caller asked for
 * insecure), SNI and the host-name check are always set, TLS 1.2 is the
 * floor. The DRBG is seeded from the port's entropy and the record I/O
 * goes through the port's sockets, bounded by the caller's deadline.
 */
#include "sb_tls.h"

#include <string.h>
#include <errno.h>
#include <stdio.h>

#include "sb_mbedtls_compat.h"
#include "sb_net.h"

struct sb_tls {
	const sb_port *port;
	mbedtls_ctr_drbg_context drbg;
	mbedtls_ssl_config conf;
	mbedtls_x509_crt ca;
	mbedtls_x509_crt own_cert; /* client certificate, if any */
	mbedtls_pk_context own_key;
	unsigned char pins[SB_MAX_PINS][32];
	int pin_count;
	int conf_insecure;
	mbedtls_ssl_context ssl;
	int ssl_ready; /* ssl is set up and must be freed */
	struct sb_socket *sock;
	uint64_t deadline;
	int last_port_rc; /* what the port said last, for error mapping */
	int has_own_cert; /* a client certificate is configured */
	/*
	 * The server's plaintext handshake records (TLS 1.2), watched while
	 * the handshake runs: did it ask for a client certificate, did it
	 * send an alert? A failure after an unanswerable CertificateRequest
	 * then says so, whether the alert or a reset arrives first.
	 */
	struct {
		int on;
		unsigned char hdr[5];
		size_t hdr_len;
		size_t rec_left; /* payload bytes of the current record */
		unsigned char msg_hdr[4];
		size_t msg_hdr_len;
		size_t msg_left; /* body bytes of the current message */
	} scan;
	int cert_requested;
	int alert; /* description of a plaintext alert, -1: none */
	/* The names of the server's certificate, for a name mismatch. */
	char peer_names[200];
	/*
	 * The streamed trust store: a PEM bundle that is not kept in memory.
	 * The handshake runs without a CA chain (VERIFY_OPTIONAL); then the
	 * bundle is read one certificate at a time, only the issuers of the
	 * server's chain are kept, and the chain and host name are verified
	 * against them before sb_tls_connect returns. NULL: t->ca is the
	 * store and mbedTLS verifies during the handshake.
	 */
	char *bundle;
	char *extra_pem; /* SONAR_ROOT_CERT alongside the bundle, or NULL */
	char message[256];
};

/* TLS alert descriptions (RFC 8446 6.2). */
#define ALERT_CERTIFICATE_REQUIRED 116

/* bad_certificate .. certificate_unknown, unknown_ca: the peer did not
 * take our certificate. */
static int is_certificate_alert(int a)
{
	return (a >= 42 && a <= 46) || a == 48;
}

const char *const sb_default_ca_files[] = {
	"/etc/ssl/certs/ca-certificates.crt",
	"/etc/pki/tls/certs/ca-bundle.crt",
	"/usr/share/ssl/certs/ca-bundle.crt",
	"/usr/local/share/certs/ca-root-nss.crt",
	"/etc/ssl/cert.pem",
	NULL,
};

static int entropy_cb(void *ctx, unsigned char *out, size_t len)
{
	const sb_port *port = ctx;

	return port->entropy(port->ctx, out, len) == 0
		       ? 0
		       : MBEDTLS_ERR_CTR_DRBG_ENTROPY_SOURCE_FAILED;
}

static uint32_t remaining(sb_tls *t)
{
	uint64_t now = t->port->now_ms(t->port->ctx);

	if (now >= t->deadline)
		return 0;
	return t->deadline - now > 0xffffffffu ? 0xffffffffu
					       : (uint32_t)(t->deadline - now);
}

static int bio_send(void *ctx, const unsigned char *buf, size_t len)
{
	sb_tls *t = ctx;
	int rc = t->port->send(t->port->ctx, t->sock, buf, len, remaining(t));

	t->last_port_rc = rc;
	if (rc > 0)
		return rc;
	if (rc == SB_PORT_TIMEOUT)
		return MBEDTLS_ERR_SSL_TIMEOUT;
	return MBEDTLS_ERR_NET_SEND_FAILED;
}

/* Feed received bytes to the record watcher (see struct sb_tls). */
static void scan_records(sb_tls *t, const unsigned char *b, size_t n)
{
	size_t i = 0;

	while (i < n && t->scan.on) {
		size_t take;

		if (t->scan.rec_left == 0) {
			t->scan.hdr[t->scan.hdr_len++] = b[i++];
			if (t->scan.hdr_len < 5)
				continue;
			t->scan.hdr_len = 0;
			t->scan.rec_left = (size_t)t->scan.hdr[3] << 8 |
					   t->scan.hdr[4];
			/* After ChangeCipherSpec (or TLS 1.3's first
			 * encrypted record) nothing more is readable. */
			if (t->scan.hdr[0] == 20 || t->scan.hdr[0] == 23)
				t->scan.on = 0;
			continue;
		}
		if (t->scan.hdr[0] == 21) { /* alert: level, description */
			if (t->scan.rec_left == 1)
				t->alert = b[i];
			i++;
			t->scan.rec_left--;
			continue;
		}
		if (t->scan.hdr[0] != 22) { /* not handshake: skip */
			take = n - i < t->scan.rec_left ? n - i : t->scan.rec_left;
			i += take;
			t->scan.rec_left -= take;
			continue;
		}
		if (t->scan.msg_left == 0) {
			t->scan.msg_hdr[t->scan.msg_hdr_len++] = b[i++];
			t->scan.rec_left--;
			if (t->scan.msg_hdr_len < 4)
				continue;
			t->scan.msg_hdr_len = 0;
			if (t->scan.msg_hdr[0] == 13) /* CertificateRequest */
				t->cert_requested = 1;
			t->scan.msg_left = (size_t)t->scan.msg_hdr[1] << 16 |
					   (size_t)t->scan.msg_hdr[2] << 8 |
					   t->scan.msg_hdr[3];
			continue;
		}
		take = n - i < t->scan.rec_left ? n - i : t->scan.rec_left;
		if (take > t->scan.msg_left)
			take = t->scan.msg_left;
		i += take;
		t->scan.rec_left -= take;
		t->scan.msg_left -= take;
	}
}

/* Keep the DNS names of the server's certificate (or its CN), for the
 * message of a name mismatch. Never changes the verification. */
static int remember_names(void *ctx, mbedtls_x509_crt *crt, int depth,
			  uint32_t *flags)
{
	sb_tls *t = ctx;
	const mbedtls_x509_sequence *san;
	size_t n = 0;
	int names = 0;

	(void)flags;
	if (depth != 0)
		return 0;
	t->peer_names[0] = '\0';
	for (san = &crt->subject_alt_names; san && san->buf.p && names < 4;
	     san = san->next) {
		if (san->buf.tag !=
		    (MBEDTLS_ASN1_CONTEXT_SPECIFIC | MBEDTLS_X509_SAN_DNS_NAME))
			continue;
		sb_fmt(t->peer_names + n, sizeof(t->peer_names) - n, "%s%.*s",
		       names ? ", " : "", (int)san->buf.len,
		       (const char *)san->buf.p);
		n = strlen(t->peer_names);
		names++;
	}
	if (!names) {
		char dn[160];

		if (mbedtls_x509_dn_gets(dn, sizeof(dn), &crt->subject) > 0)
			sb_fmt(t->peer_names, sizeof(t->peer_names), "%s", dn);
	}
	sb_printable(t->peer_names, t->peer_names, sizeof(t->peer_names));
	return 0;
}

static int bio_recv_timeout(void *ctx, unsigned char *buf, size_t len,
			    uint32_t unused_timeout)
{
	sb_tls *t = ctx;
	uint32_t left = remaining(t);
	int rc;

	(void)unused_timeout; /* our deadline governs, not mbedTLS's */
	if (left == 0) {
		t->last_port_rc = SB_PORT_TIMEOUT;
		return MBEDTLS_ERR_SSL_TIMEOUT;
	}
	rc = t->port->recv(t->port->ctx, t->sock, buf, len, left);
	t->last_port_rc = rc;
	if (rc > 0 && t->scan.on)
		scan_records(t, buf, (size_t)rc);
	if (rc > 0)
		return rc;
	if (rc == SB_PORT_CLOSED)
		return 0;
	if (rc == SB_PORT_TIMEOUT)
		return MBEDTLS_ERR_SSL_TIMEOUT;
	return MBEDTLS_ERR_NET_RECV_FAILED;
}

static void set_message(sb_tls *t, const char *what, int ret)
{
	char text[160];

	mbedtls_strerror(ret, text, sizeof(text));
	sb_fmt(t->message, sizeof(t->message), "%s: %s (-0x%04x)", what, text,
	       (unsigned)-ret);
}

/* Add the certificates of one file; *unreadable set when it cannot be
 * read at all (so the default list can move on to the next one). */
static sb_err load_file(sb_tls *t, const char *path, int *unreadable,
			char *msg, size_t cap)
{
	unsigned char *data = NULL;
	size_t len = 0;
	int rc, before = 0;
	const mbedtls_x509_crt *c;

	rc = t->port->read_file(t->port->ctx, path, SB_MAX_CA_FILE_BYTES,
				&data, &len);
	*unreadable = rc != 0;
	if (rc != 0) {
		sb_fmt(msg, cap, "cannot read CA file %s%s%s", path,
		       t->port->describe_error ? ": " : "",
		       t->port->describe_error
			       ? t->port->describe_error(t->port->ctx)
			       : "");
		return SB_ERR_CONFIG;
	}
	for (c = &t->ca; c && c->raw.p; c = c->next)
		before++;
	/* PEM parsing wants the terminating NUL counted; DER must not. */
	rc = mbedtls_x509_crt_parse(&t->ca, data,
				    strstr((const char *)data, "-----BEGIN")
					    ? len + 1
					    : len);
	t->port->free(t->port->ctx, data);
	if (rc < 0) {
		char text[120];

		mbedtls_strerror(rc, text, sizeof(text));
		sb_fmt(msg, cap, "no usable certificate in CA file %s: %s",
		       path, text);
		return SB_ERR_CONFIG;
	}
	for (c = &t->ca; c && c->raw.p; c = c->next)
		before--;
	if (before == 0) {
		sb_fmt(msg, cap, "no usable certificate in CA file %s", path);
		return SB_ERR_CONFIG;
	}
	return SB_OK;
}

static sb_err load_extra_root(sb_tls *t, const char *pem, char *msg,
			       size_t cap)
{
	int rc = mbedtls_x509_crt_parse(&t->ca, (const unsigned char *)pem,
					strlen(pem) + 1);

	if (rc != 0) {
		sb_fmt(msg, cap,
		       "SONAR_ROOT_CERT does not hold one PEM certificate");
		return SB_ERR_CONFIG;
	}
	return SB_OK;
}


/* ---------------------------------------------------------------------
 * The streamed trust store. A PEM bundle is read through a small window
 * (C stdio, as mbedTLS's own file functions do), one certificate at a
 * time, so the whole Debian bundle (about 220 KB of PEM, 600 KB parsed)
 * never sits in memory.
 */
#define PEM_BEGIN "-----BEGIN CERTIFICATE-----"
#define PEM_END "-----END CERTIFICATE-----"
/* Larger than any PEM certificate of a real bundle (RSA-4096 roots with
 * long names: 2.8 KB in Debian's bundle); a larger one is skipped
 * as unusable. */
#define PEM_WINDOW 4096

typedef int (*pem_visit)(sb_tls *t, const mbedtls_x509_crt *crt, void *arg);

static const char *find_text(const char *hay, size_t len, const char *needle)
{
	size_t n = strlen(needle), i;

	for (i = 0; i + n <= len; i++)
		if (hay[i] == needle[0] && memcmp(hay + i, needle, n) == 0)
			return hay + i;
	return NULL;
}

enum { PEM_OK = 0, PEM_UNREADABLE = -1, PEM_NOMEM = -2 };

/*
 * Call visit for each certificate of the PEM file that mbedTLS parses,
 * until it returns non-zero. *markers counts the BEGIN CERTIFICATE
 * markers seen. On PEM_UNREADABLE, msg says why.
 */
static int pem_stream(sb_tls *t, const char *path, pem_visit visit, void *arg,
		      int *markers, char *msg, size_t cap)
{
	FILE *f;
	char *win;
	size_t have = 0;
	int eof = 0, result = PEM_OK;
	long size;

	*markers = 0;
	errno = 0;
	f = fopen(path, "rb");
	if (!f) {
		sb_fmt(msg, cap, "cannot read CA file %s: %s", path,
		       errno ? strerror(errno) : "cannot open");
		return PEM_UNREADABLE;
	}
	if (fseek(f, 0, SEEK_END) != 0 || (size = ftell(f)) < 0 ||
	    fseek(f, 0, SEEK_SET) != 0) {
		sb_fmt(msg, cap, "cannot read CA file %s: not a regular file",
		       path);
		fclose(f);
		return PEM_UNREADABLE;
	}
	if ((unsigned long)size > SB_MAX_CA_FILE_BYTES) {
		sb_fmt(msg, cap, "cannot read CA file %s: file too large", path);
		fclose(f);
		return PEM_UNREADABLE;
	}
	win = t->port->alloc(t->port->ctx, PEM_WINDOW + 1);
	if (!win) {
		fclose(f);
		return PEM_NOMEM;
	}
	for (;;) {
		const char *b, *e;
		size_t end;

		if (!eof && have < PEM_WINDOW) {
			size_t n = fread(win + have, 1, PEM_WINDOW - have, f);

			if (n == 0) {
				if (ferror(f)) {
					sb_fmt(msg, cap,
					       "cannot read CA file %s: %s", path,
					       errno ? strerror(errno)
						     : "read error");
					result = PEM_UNREADABLE;
					break;
				}
				eof = 1;
			}
			have += n;
		}
		b = find_text(win, have, PEM_BEGIN);
		if (!b) {
			/* Keep a tail that may hold the start of a marker. */
			size_t keep = sizeof(PEM_BEGIN) - 2;

			if (eof)
				break;
			if (have > keep) {
				memmove(win, win + have - keep, keep);
				have = keep;
			}
			continue;
		}
		if (b != win) {
			have -= (size_t)(b - win);
			memmove(win, b, have);
		}
		e = find_text(win, have, PEM_END);
		if (!e) {
			if (!eof && have < PEM_WINDOW)
				continue; /* read more */
			/* Unterminated or larger than the window: skip it. */
			(*markers)++;
			if (eof && have < PEM_WINDOW)
				break;
			have -= sizeof(PEM_BEGIN) - 1;
			memmove(win, win + sizeof(PEM_BEGIN) - 1, have);
			continue;
		}
		(*markers)++;
		end = (size_t)(e - win) + sizeof(PEM_END) - 1;
		{
			mbedtls_x509_crt one;
			char saved = win[end];
			int rc, stop = 0;

			win[end] = '\0'; /* PEM parsing wants the NUL counted */
			mbedtls_x509_crt_init(&one);
			rc = mbedtls_x509_crt_parse(&one, (unsigned char *)win,
						    end + 1);
			win[end] = saved;
			if (rc == 0 && one.raw.p)
				stop = visit(t, &one, arg);
			mbedtls_x509_crt_free(&one);
			if (rc == MBEDTLS_ERR_X509_ALLOC_FAILED) {
				result = PEM_NOMEM;
				break;
			}
			if (stop)
				break;
		}
		have -= end;
		memmove(win, win + end, have);
	}
	t->port->free(t->port->ctx, win);
	fclose(f);
	return result;
}

static int visit_first(sb_tls *t, const mbedtls_x509_crt *crt, void *arg)
{
	(void)t;
	(void)crt;
	*(int *)arg = 1;
	return 1;
}

/*
 * Is path a PEM bundle with at least one usable certificate? Then it
 * becomes the streamed store. *unreadable as in load_file; on SB_OK with
 * *streamed == 0 the caller loads the file the classic way (DER, or a
 * file whose certificates mbedTLS rejects: its messages say why).
 */
static sb_err probe_bundle(sb_tls *t, const char *path, int *unreadable,
			   int *streamed, char *msg, size_t cap)
{
	int usable = 0, markers = 0;
	int rc = pem_stream(t, path, visit_first, &usable, &markers, msg, cap);

	*streamed = 0;
	*unreadable = rc == PEM_UNREADABLE;
	if (rc == PEM_NOMEM)
		return SB_ERR_NOMEM;
	if (rc != PEM_OK)
		return SB_ERR_CONFIG;
	if (!usable)
		return SB_OK;
	t->bundle = sb_strdup(t->port, path);
	if (!t->bundle)
		return SB_ERR_NOMEM;
	*streamed = 1;
	return SB_OK;
}

/* Do two distinguished names match (raw bytes, else mbedTLS's text)? */
static int same_name(const mbedtls_x509_buf *a_raw, const mbedtls_x509_name *a,
		     const mbedtls_x509_buf *b_raw, const mbedtls_x509_name *b)
{
	char ta[512], tb[512];

	if (a_raw->len == b_raw->len &&
	    memcmp(a_raw->p, b_raw->p, a_raw->len) == 0)
		return 1;
	if (mbedtls_x509_dn_gets(ta, sizeof(ta), a) < 0 ||
	    mbedtls_x509_dn_gets(tb, sizeof(tb), b) < 0)
		return 0;
	return sb_ascii_caseeq(ta, tb);
}

struct pick {
	const mbedtls_x509_crt *chain; /* the server's certificates */
	mbedtls_x509_crt *trust;       /* the anchors kept */
	int nomem;
};

/* Keep a bundle certificate whose subject issued one of the chain's. */
static int visit_pick(sb_tls *t, const mbedtls_x509_crt *crt, void *arg)
{
	struct pick *p = arg;
	const mbedtls_x509_crt *c;

	(void)t;
	for (c = p->chain; c && c->raw.p; c = c->next) {
		if (!same_name(&crt->subject_raw, &crt->subject, &c->issuer_raw,
			       &c->issuer))
			continue;
		if (mbedtls_x509_crt_parse_der(p->trust, crt->raw.p,
					       crt->raw.len) ==
		    MBEDTLS_ERR_X509_ALLOC_FAILED) {
			p->nomem = 1;
			return 1;
		}
		break;
	}
	return 0;
}

/* One line: the verify info lists one reason per line. */
static void verify_reasons(uint32_t flags, char *out, size_t cap)
{
	size_t n;

	mbedtls_x509_crt_verify_info(out, cap, "", flags);
	for (n = 0; out[n]; n++)
		if (out[n] == '\n')
			out[n] = out[n + 1] ? ';' : '\0';
}

/* "server certificate for HOST not accepted: REASONS", with the names
 * the certificate does carry when it is the name that is wrong. */
static void rejected(const sb_tls *t, const char *hostname, uint32_t flags,
		     char *msg, size_t msg_cap)
{
	char info[256];

	verify_reasons(flags, info, sizeof(info));
	if ((flags & MBEDTLS_X509_BADCERT_CN_MISMATCH) && t->peer_names[0])
		sb_fmt(msg, msg_cap,
		       "server certificate for %s not accepted: it is for %s, "
		       "not %s (%s)",
		       hostname, t->peer_names, hostname, info);
	else
		sb_fmt(msg, msg_cap, "server certificate for %s not accepted: %s",
		       hostname, info);
}

/*
 * After a handshake without a CA chain: verify the server's chain and
 * name against the anchors of the bundle (and SONAR_ROOT_CERT) it needs.
 */
static sb_err verify_streamed(sb_tls *t, const char *hostname, int is_ip,
			      char *msg, size_t msg_cap)
{
	const mbedtls_x509_crt *chain = mbedtls_ssl_get_peer_cert(&t->ssl);
	mbedtls_x509_crt trust;
	struct pick p;
	uint32_t flags = 0, hs_flags;
	int rc, markers;
	sb_err err = SB_OK;

	if (!chain) {
		sb_fmt(msg, msg_cap, "%s sent no certificate", hostname);
		return SB_ERR_TLS_VERIFY;
	}
	mbedtls_x509_crt_init(&trust);
	if (t->extra_pem &&
	    mbedtls_x509_crt_parse(&trust, (const unsigned char *)t->extra_pem,
				   strlen(t->extra_pem) + 1) != 0) {
		mbedtls_x509_crt_free(&trust);
		sb_fmt(msg, msg_cap, "out of memory");
		return SB_ERR_NOMEM;
	}
	p.chain = chain;
	p.trust = &trust;
	p.nomem = 0;
	rc = pem_stream(t, t->bundle, visit_pick, &p, &markers, msg, msg_cap);
	if (rc == PEM_NOMEM || p.nomem) {
		sb_fmt(msg, msg_cap, "out of memory");
		err = SB_ERR_NOMEM;
	} else if (rc != PEM_OK) {
		err = SB_ERR_CONFIG; /* msg: cannot read CA file ... */
	}
	if (err == SB_OK) {
		rc = mbedtls_x509_crt_verify_with_profile(
			(mbedtls_x509_crt *)chain, trust.raw.p ? &trust : NULL,
			NULL, &mbedtls_x509_crt_profile_default,
			is_ip ? NULL : hostname, &flags, NULL, NULL);
		/* The handshake's own checks of the certificate's usage and
		 * key still count; its "not trusted" does not. */
		hs_flags = mbedtls_ssl_get_verify_result(&t->ssl);
		if (hs_flags != (uint32_t)-1)
			flags |= hs_flags & (MBEDTLS_X509_BADCERT_KEY_USAGE |
					     MBEDTLS_X509_BADCERT_EXT_KEY_USAGE |
					     MBEDTLS_X509_BADCERT_BAD_KEY);
		if (rc != 0 || flags != 0) {
			if (flags == 0)
				flags = MBEDTLS_X509_BADCERT_OTHER;
			remember_names(t, (mbedtls_x509_crt *)chain, 0, NULL);
			rejected(t, hostname, flags, msg, msg_cap);
			err = SB_ERR_TLS_VERIFY;
		}
	}
	mbedtls_x509_crt_free(&trust);
	return err;
}

static sb_err load_store(sb_tls *t, const sb_tls_config *cfg, char *msg,
			 size_t cap);

static sb_err load_trust(sb_tls *t, const sb_tls_config *cfg, char *msg,
			 size_t cap)
{
	sb_err err = load_store(t, cfg, msg, cap);

	if (!cfg->extra_root_pem)
		return err;
	/* With no store found, the extra root alone is the store. */
	if (err != SB_OK && (cfg->ca_file || cfg->ca_path))
		return err;
	err = load_extra_root(t, cfg->extra_root_pem, msg, cap);
	if (err != SB_OK || !t->bundle)
		return err;
	/* Checked above; kept as text next to the streamed bundle. */
	mbedtls_x509_crt_free(&t->ca);
	mbedtls_x509_crt_init(&t->ca);
	t->extra_pem = sb_strdup(t->port, cfg->extra_root_pem);
	return t->extra_pem ? SB_OK : SB_ERR_NOMEM;
}

static sb_err load_store(sb_tls *t, const sb_tls_config *cfg, char *msg,
			 size_t cap)
{
	size_t i;
	int unreadable, streamed;
	sb_err err;

	if (cfg->ca_file) {
		err = probe_bundle(t, cfg->ca_file, &unreadable, &streamed, msg,
				   cap);
		if (err != SB_OK || streamed)
			return err;
		return load_file(t, cfg->ca_file, &unreadable, msg, cap);
	}
	if (cfg->ca_path) {
		int rc = mbedtls_x509_crt_parse_path(&t->ca, cfg->ca_path);

		if (rc < 0 || !t->ca.raw.p) {
			sb_fmt(msg, cap, "no usable certificate in CA folder %s",
			       cfg->ca_path);
			return SB_ERR_CONFIG;
		}
		return SB_OK;
	}
	for (i = 0; sb_default_ca_files[i]; i++) {
		err = probe_bundle(t, sb_default_ca_files[i], &unreadable,
				   &streamed, msg, cap);
		if (err != SB_OK || streamed)
			return err;
		if (unreadable)
			continue;
		err = load_file(t, sb_default_ca_files[i], &unreadable, msg,
				cap);
		if (!unreadable)
			return err;
	}
	sb_fmt(msg, cap,
	       "no CA bundle found (looked for /etc/ssl/certs/"
	       "ca-certificates.crt and others); use --cacert FILE");
	return SB_ERR_CONFIG;
}

/* The client certificate and key (PEM files) for servers that ask. */
static sb_err load_client_cert(sb_tls *t, const sb_tls_config *cfg,
			       char *msg, size_t cap)
{
	unsigned char *data = NULL;
	size_t len = 0;
	const char *pwd = cfg->key_passphrase;
	int rc;

	if (t->port->read_file(t->port->ctx, cfg->client_cert, 1u << 20, &data,
			       &len) != 0) {
		sb_fmt(msg, cap, "cannot read client certificate %s",
		       cfg->client_cert);
		return SB_ERR_CONFIG;
	}
	rc = mbedtls_x509_crt_parse(&t->own_cert, data, len + 1);
	t->port->free(t->port->ctx, data);
	if (rc != 0) {
		sb_fmt(msg, cap, "no PEM certificate in %s", cfg->client_cert);
		return SB_ERR_CONFIG;
	}
	if (t->port->read_file(t->port->ctx, cfg->client_key, 1u << 20, &data,
			       &len) != 0) {
		sb_fmt(msg, cap, "cannot read client key %s", cfg->client_key);
		return SB_ERR_CONFIG;
	}
	rc = sb_compat_parse_key(&t->own_key, data, len + 1,
				 (const unsigned char *)pwd,
				 pwd ? strlen(pwd) : 0, &t->drbg);
	mbedtls_platform_zeroize(data, len);
	t->port->free(t->port->ctx, data);
	if (rc == MBEDTLS_ERR_PK_PASSWORD_REQUIRED) {
		sb_fmt(msg, cap,
		       "client key %s is encrypted: give its passphrase with "
		       "--key-passphrase-file or SONAR_KEY_PASSPHRASE",
		       cfg->client_key);
		return SB_ERR_CONFIG;
	}
	if (rc == MBEDTLS_ERR_PK_PASSWORD_MISMATCH) {
		sb_fmt(msg, cap, "wrong passphrase for client key %s",
		       cfg->client_key);
		return SB_ERR_CONFIG;
	}
	if (rc != 0) {
		sb_fmt(msg, cap, "cannot parse client key %s",
		       cfg->client_key);
		return SB_ERR_CONFIG;
	}
	rc = mbedtls_ssl_conf_own_cert(&t->conf, &t->own_cert, &t->own_key);
	if (rc != 0) {
		sb_fmt(msg, cap, "client certificate and key do not fit");
		return SB_ERR_CONFIG;
	}
	t->has_own_cert = 1;
	return SB_OK;
}

sb_err sb_tls_create(const sb_port *port, const sb_tls_config *cfg,
		     sb_tls **out, char *msg, size_t msg_cap)
{
	static const unsigned char pers[] = "sonarbadge";
	sb_tls *t;
	sb_err err = SB_OK;
	int rc;

	*out = NULL;
	t = port->alloc(port->ctx, sizeof(*t));
	if (!t)
		return SB_ERR_NOMEM;
	t->port = port;
	mbedtls_ctr_drbg_init(&t->drbg);
	mbedtls_ssl_config_init(&t->conf);
	mbedtls_x509_crt_init(&t->ca);
	mbedtls_x509_crt_init(&t->own_cert);
	mbedtls_pk_init(&t->own_key);
	if (cfg->pin_count > SB_MAX_PINS) {
		sb_fmt(msg, msg_cap, "too many pinned public keys");
		err = SB_ERR_CONFIG;
		goto fail;
	}
	if (cfg->pin_count > 0)
		memcpy(t->pins, cfg->pins, (size_t)cfg->pin_count * 32);
	t->pin_count = cfg->pin_count;
	if (sb_compat_crypto_init() != 0) {
		sb_fmt(msg, msg_cap, "cannot start the PSA crypto core");
		err = SB_ERR_TLS;
		goto fail;
	}
	rc = mbedtls_ctr_drbg_seed(&t->drbg, entropy_cb, (void *)port, pers,
				   sizeof(pers) - 1);
	if (rc != 0) {
		sb_fmt(msg, msg_cap, "cannot seed the random generator");
		err = SB_ERR_ENTROPY;
		goto fail;
	}
	rc = mbedtls_ssl_config_defaults(&t->conf, MBEDTLS_SSL_IS_CLIENT,
					 MBEDTLS_SSL_TRANSPORT_STREAM,
					 MBEDTLS_SSL_PRESET_DEFAULT);
	if (rc != 0) {
		set_message(t, "TLS configuration failed", rc);
		sb_fmt(msg, msg_cap, "%s", t->message);
		err = SB_ERR_TLS;
		goto fail;
	}
	sb_compat_min_tls12(&t->conf);
	mbedtls_ssl_conf_verify(&t->conf, remember_names, t);
	sb_compat_prefer_fast_groups(&t->conf);
	mbedtls_ssl_conf_rng(&t->conf, mbedtls_ctr_drbg_random, &t->drbg);
	t->conf_insecure = cfg->insecure;
	if (cfg->insecure) {
		mbedtls_ssl_conf_authmode(&t->conf, MBEDTLS_SSL_VERIFY_NONE);
	} else {
		err = load_trust(t, cfg, msg, msg_cap);
		if (err != SB_OK)
			goto fail;
		if (t->bundle) {
			/* Verified after the handshake: verify_streamed. */
			mbedtls_ssl_conf_authmode(&t->conf,
						  MBEDTLS_SSL_VERIFY_OPTIONAL);
		} else {
			mbedtls_ssl_conf_authmode(&t->conf,
						  MBEDTLS_SSL_VERIFY_REQUIRED);
			mbedtls_ssl_conf_ca_chain(&t->conf, &t->ca, NULL);
		}
	}
	if (cfg->client_cert || cfg->client_key) {
		if (!cfg->client_cert || !cfg->client_key) {
			sb_fmt(msg, msg_cap,
			       "a client certificate needs both --cert and "
			       "--key");
			err = SB_ERR_CONFIG;
			goto fail;
		}
		err = load_client_cert(t, cfg, msg, msg_cap);
		if (err != SB_OK)
			goto fail;
	}
	*out = t;
	return SB_OK;
fail:
	sb_tls_destroy(t);
	return err;
}

void sb_tls_end(sb_tls *t)
{
	if (!t || !t->ssl_ready)
		return;
	if (t->sock) {
		/* Best effort, and never longer than a moment. */
		uint64_t now = t->port->now_ms(t->port->ctx);

		if (t->deadline > now + 200 || t->deadline < now)
			t->deadline = now + 200;
		(void)mbedtls_ssl_close_notify(&t->ssl);
	}
	mbedtls_ssl_free(&t->ssl);
	t->ssl_ready = 0;
	t->sock = NULL;
}

void sb_tls_destroy(sb_tls *t)
{
	if (!t)
		return;
	sb_tls_end(t);
	mbedtls_x509_crt_free(&t->ca);
	mbedtls_x509_crt_free(&t->own_cert);
	mbedtls_pk_free(&t->own_key);
	mbedtls_ssl_config_free(&t->conf);
	mbedtls_ctr_drbg_free(&t->drbg);
	sb_strfree(t->port, t->bundle);
	sb_strfree(t->port, t->extra_pem);
	{
		const sb_port *port = t->port;

		mbedtls_platform_zeroize(t, sizeof(*t));
		port->free(port->ctx, t);
	}
}

/* Does the certificate name this IP address (iPAddress SAN entries)? */
static int check_ip_san(const mbedtls_x509_crt *crt, const unsigned char *ip,
			int iplen)
{
	const mbedtls_x509_sequence *san;

	for (san = &crt->subject_alt_names; san && san->buf.p; san = san->next)
		if (san->buf.tag == (MBEDTLS_ASN1_CONTEXT_SPECIFIC | 7) &&
		    san->buf.len == (size_t)iplen &&
		    memcmp(san->buf.p, ip, (size_t)iplen) == 0)
			return 1;
	return 0;
}

/* SHA-256 of the certificate's SubjectPublicKeyInfo, as curl pins it. */
static int pin_matches(sb_tls *t, const mbedtls_x509_crt *crt)
{
	unsigned char der[2048], hash[32];
	int len, i;

	len = mbedtls_pk_write_pubkey_der((mbedtls_pk_context *)&crt->pk, der,
					  sizeof(der));
	if (len <= 0 ||
	    sb_compat_sha256(der + sizeof(der) - (size_t)len, (size_t)len,
			     hash) != 0)
		return 0;
	for (i = 0; i < t->pin_count; i++)
		if (memcmp(hash, t->pins[i], 32) == 0)
			return 1;
	return 0;
}

/* Checks after a successful handshake, before any byte of a request. */
static sb_err check_peer(sb_tls *t, const char *hostname, int is_ip,
			 const unsigned char *ip, char *msg, size_t msg_cap)
{
	const mbedtls_x509_crt *crt = mbedtls_ssl_get_peer_cert(&t->ssl);
	int insecure = t->conf_insecure;

	if (!crt) {
		if (insecure && !t->pin_count)
			return SB_OK;
		sb_fmt(msg, msg_cap, "%s sent no certificate", hostname);
		return SB_ERR_TLS_VERIFY;
	}
	if (is_ip && !insecure && !check_ip_san(crt, ip, is_ip)) {
		sb_fmt(msg, msg_cap,
		       "server certificate for %s not accepted: it does not "
		       "name this IP address",
		       hostname);
		return SB_ERR_TLS_VERIFY;
	}
	if (t->pin_count && !pin_matches(t, crt)) {
		sb_fmt(msg, msg_cap,
		       "public key of %s does not match --pinnedpubkey",
		       hostname);
		return SB_ERR_TLS_VERIFY;
	}
	return SB_OK;
}

sb_err sb_tls_connect(sb_tls *t, struct sb_socket *sock, const char *hostname,
		      uint64_t deadline_ms, char *msg, size_t msg_cap)
{
	int rc, is_ip;
	uint32_t flags;
	unsigned char ip[16];
	sb_err err;

	sb_tls_end(t);
	mbedtls_ssl_init(&t->ssl);
	t->ssl_ready = 1;
	t->sock = sock;
	t->deadline = deadline_ms;
	t->message[0] = '\0';
	memset(&t->scan, 0, sizeof(t->scan));
	t->scan.on = 1;
	t->cert_requested = 0;
	t->alert = -1;
	t->peer_names[0] = '\0';
	rc = mbedtls_ssl_setup(&t->ssl, &t->conf);
	/* An IP literal is neither sent as SNI nor matched against DNS
	 * names: check_ip_san below compares the IP address entries. */
	is_ip = sb_ip_parse(hostname, strlen(hostname), ip);
	if (rc == 0)
		rc = mbedtls_ssl_set_hostname(&t->ssl, is_ip ? NULL : hostname);
	if (rc != 0) {
		set_message(t, "TLS setup failed", rc);
		sb_fmt(msg, msg_cap, "%s", t->message);
		t->sock = NULL;
		return rc == MBEDTLS_ERR_SSL_ALLOC_FAILED ? SB_ERR_NOMEM
							  : SB_ERR_TLS;
	}
	mbedtls_ssl_set_bio(&t->ssl, t, bio_send, NULL, bio_recv_timeout);
	do {
		rc = mbedtls_ssl_handshake(&t->ssl);
	} while (rc == MBEDTLS_ERR_SSL_WANT_READ ||
		 rc == MBEDTLS_ERR_SSL_WANT_WRITE);
	t->scan.on = 0;
	if (rc == 0) {
		err = t->bundle && !t->conf_insecure
			      ? verify_streamed(t, hostname, is_ip, msg, msg_cap)
			      : SB_OK;
		if (err == SB_OK)
			err = check_peer(t, hostname, is_ip, ip, msg, msg_cap);
		if (err != SB_OK)
			t->sock = NULL; /* nothing more goes to this server */
		return err;
	}

	t->sock = NULL; /* no close_notify on a failed handshake */
	flags = mbedtls_ssl_get_verify_result(&t->ssl);
	/* Without a CA chain (streamed store) "not trusted" is expected
	 * here: only a verification failure proper is reported as one. */
	if (rc == MBEDTLS_ERR_X509_CERT_VERIFY_FAILED ||
	    (!t->bundle && flags != 0 && flags != (uint32_t)-1)) {
		rejected(t, hostname, flags, msg, msg_cap);
		return SB_ERR_TLS_VERIFY;
	}
	if (rc == MBEDTLS_ERR_SSL_FATAL_ALERT_MESSAGE && t->alert < 0)
		t->alert = sb_compat_alert_received(&t->ssl);
	/* The server asked for a client certificate we do not have, then
	 * ended the handshake: with an alert, or a reset that may overtake
	 * it. Either way it is this, and retrying will not help. */
	if ((t->cert_requested && !t->has_own_cert) ||
	    t->alert == ALERT_CERTIFICATE_REQUIRED) {
		sb_fmt(msg, msg_cap,
		       "%s requires a client certificate (--cert/--key) and "
		       "ended the TLS handshake without one",
		       hostname);
		return SB_ERR_TLS;
	}
	if (t->cert_requested && is_certificate_alert(t->alert)) {
		sb_fmt(msg, msg_cap,
		       "%s refused the client certificate (TLS alert %d; "
		       "check --cert and --key)",
		       hostname, t->alert);
		return SB_ERR_TLS;
	}
	if (rc == MBEDTLS_ERR_SSL_TIMEOUT) {
		sb_fmt(msg, msg_cap, "TLS handshake with %s timed out",
		       hostname);
		return SB_ERR_TIMEOUT;
	}
	if (rc == MBEDTLS_ERR_NET_SEND_FAILED ||
	    rc == MBEDTLS_ERR_NET_RECV_FAILED || rc == MBEDTLS_ERR_SSL_CONN_EOF) {
		sb_fmt(msg, msg_cap,
		       "connection to %s lost during the TLS handshake",
		       hostname);
		return SB_ERR_NETWORK;
	}
	set_message(t, "TLS handshake failed", rc);
	sb_fmt(msg, msg_cap, "%s with %s", t->message, hostname);
	return SB_ERR_TLS;
}

int sb_tls_send(sb_tls *t, const unsigned char *buf, size_t len,
		uint64_t deadline_ms)
{
	int rc;

	t->deadline = deadline_ms;
	do {
		rc = mbedtls_ssl_write(&t->ssl, buf, len);
	} while (rc == MBEDTLS_ERR_SSL_WANT_READ ||
		 rc == MBEDTLS_ERR_SSL_WANT_WRITE);
	if (rc > 0)
		return rc;
	if (rc == MBEDTLS_ERR_SSL_TIMEOUT)
		return SB_PORT_TIMEOUT;
	if (rc == MBEDTLS_ERR_NET_SEND_FAILED)
		return t->last_port_rc < 0 ? t->last_port_rc : SB_PORT_ERR_IO;
	set_message(t, "TLS write failed", rc);
	return SB_TLS_ERR_PROTOCOL;
}

int sb_tls_recv(sb_tls *t, unsigned char *buf, size_t len,
		uint64_t deadline_ms)
{
	int rc;

	t->deadline = deadline_ms;
	do {
		rc = mbedtls_ssl_read(&t->ssl, buf, len);
	} while (sb_compat_read_again(rc));
	if (rc > 0)
		return rc;
	if (rc == 0 || rc == MBEDTLS_ERR_SSL_PEER_CLOSE_NOTIFY ||
	    rc == MBEDTLS_ERR_SSL_CONN_EOF)
		return SB_PORT_CLOSED;
	if (rc == MBEDTLS_ERR_SSL_TIMEOUT)
		return SB_PORT_TIMEOUT;
	if (rc == MBEDTLS_ERR_NET_RECV_FAILED)
		return t->last_port_rc < 0 ? t->last_port_rc : SB_PORT_ERR_IO;
	/* TLS 1.3: the server checks our (empty) certificate after the
	 * handshake, and says so in the first record we read. */
	if (rc == MBEDTLS_ERR_SSL_FATAL_ALERT_MESSAGE &&
	    sb_compat_alert_received(&t->ssl) == ALERT_CERTIFICATE_REQUIRED &&
	    !t->has_own_cert) {
		sb_fmt(t->message, sizeof(t->message),
		       "the server requires a client certificate "
		       "(--cert/--key):");
		return SB_TLS_ERR_PROTOCOL;
	}
	set_message(t, "TLS read failed", rc);
	return SB_TLS_ERR_PROTOCOL;
}

int sb_tls_pending(const sb_tls *t)
{
	return t && t->ssl_ready &&
	       (mbedtls_ssl_get_bytes_avail(&t->ssl) > 0 ||
		mbedtls_ssl_check_pending(&t->ssl));
}

const char *sb_tls_message(const sb_tls *t)
{
	return t ? t->message : "";
}

void sb_tls_describe(const sb_tls *t, char *out, size_t cap)
{
	if (!t || !t->ssl_ready) {
		sb_fmt(out, cap, "no TLS session");
		return;
	}
	sb_fmt(out, cap, "%s %s", mbedtls_ssl_get_version(&t->ssl),
	       mbedtls_ssl_get_ciphersuite(&t->ssl));
}

void sb_tls_library(char *out, size_t cap)
{
	/* The version of the library linked in, not of the headers: with
	 * a shared mbedTLS the two can differ. */
#if defined(MBEDTLS_VERSION_C)
	char v[18] = "";

	mbedtls_version_get_string(v);
	sb_fmt(out, cap, "mbedTLS %s", v);
#else
	sb_fmt(out, cap, "mbedTLS %s", MBEDTLS_VERSION_STRING);
#endif
}

/*
 * sonarbadge.h - libsonarbadge: read and renew SonarQube and SonarQube
 * Cloud project badge tokens and build badge URLs, over verified TLS.
 *
 * The library never prints and never exits. Every call returns an sb_err;
 * sb_client_message() gives the detailed one-line message of the last
 * failure (HTTP status, the server's message, the TLS library's text).
 * Memory is bounded by the caps in sb_limits.h. The library reaches the
 * OS through the port (sb_port.h); what mbedTLS still does on its own
 * (its memory where it lacks MBEDTLS_PLATFORM_MEMORY, the clock for
 * certificate dates) is listed in port/README.md.
 */
#ifndef SONARBADGE_SONARBADGE_H
#define SONARBADGE_SONARBADGE_H

#include <stddef.h>
#include <stdint.h>

#include "sb_api.h"
#include "sb_limits.h"
#include "sb_port.h"

#ifdef __cplusplus
extern "C" {
#endif

#define SB_VERSION "0.1.0"

typedef enum sb_err {
	SB_OK = 0,
	SB_ERR_INVALID_ARG = -1,	/* a caller's argument is wrong */
	SB_ERR_CONFIG = -2,		/* bad base URL, unreadable trust store */
	SB_ERR_NOMEM = -3,		/* the port's allocator failed */
	SB_ERR_DNS = -4,		/* host name did not resolve */
	SB_ERR_CONNECT = -5,		/* connection refused or unreachable */
	SB_ERR_NETWORK = -6,		/* reset or closed mid-exchange */
	SB_ERR_TIMEOUT = -7,		/* connect time-out or max time passed */
	SB_ERR_TLS = -8,		/* TLS handshake or record failure */
	SB_ERR_TLS_VERIFY = -9,		/* untrusted certificate, wrong host */
	SB_ERR_HTTP_PROTOCOL = -10,	/* malformed HTTP response */
	SB_ERR_TOO_LARGE = -11,		/* a cap of sb_limits.h was exceeded */
	SB_ERR_JSON = -12,		/* malformed JSON or missing member */
	SB_ERR_UNAUTHORIZED = -13,	/* 401: token missing, wrong, expired */
	SB_ERR_FORBIDDEN = -14,		/* 403: the token lacks a permission */
	SB_ERR_NOT_FOUND = -15,		/* the server does not know the project */
	SB_ERR_SERVER = -16,		/* 5xx answer */
	SB_ERR_RATE_LIMITED = -17,	/* 429 answer */
	SB_ERR_UNEXPECTED_STATUS = -18, /* any other unexpected status */
	SB_ERR_UNSUPPORTED = -19,	/* the server lacks the API */
	SB_ERR_TOKEN_UNCHANGED = -20,	/* renewal left the token as it was */
	SB_ERR_ENTROPY = -21,		/* the port's entropy source failed */
	SB_ERR_BUFFER_TOO_SMALL = -22,	/* a caller's output buffer is short */
	SB_ERR_PROXY = -23		/* the proxy refused the tunnel or request */
} sb_err;

/* The TLS library linked in, with its version ("mbedTLS 2.28.3"). */
SB_API void sb_tls_library(char *out, size_t cap);

/* Short description of an error ("connection timed out"); never NULL. */
SB_API const char *sb_strerror(sb_err err);
/* The enum name ("SB_ERR_TIMEOUT"); never NULL. */
SB_API const char *sb_err_name(sb_err err);

typedef enum sb_auth {
	SB_AUTH_BASIC = 0, /* token as user name, empty password */
	SB_AUTH_BEARER = 1 /* Authorization: Bearer TOKEN */
} sb_auth;

/*
 * Verbose trace: called with one line at a time (no newline), e.g.
 * "> GET /api/... HTTP/1.1". Secrets are already redacted.
 */
typedef void (*sb_trace_fn)(void *user, const char *line);

/*
 * Clients that talk to one server at once (rotate --jobs) can share a
 * pacer: every request first waits for its turn, and a server that asks
 * to slow down (429, or Retry-After) holds them all, not just the one
 * that was told.
 */
typedef struct sb_pacer {
	/* Wait until a request may go, at most max_wait_ms. */
	void (*wait)(void *user, uint32_t max_wait_ms);
	/* The server asked for a pause of ms before the next request. */
	void (*hold)(void *user, uint32_t ms);
	void *user;
} sb_pacer;

typedef struct sb_config {
	const char *base_url;	/* https://host[:port][/path]; http:// too */
	/* The caller's secret, copied and wiped later. NULL or "": requests
	 * carry no credentials (badge images need none). */
	const char *user_token;
	sb_auth auth;
	const char *organization; /* SonarQube Cloud organization, or NULL */
	/*
	 * Trust: ca_file (PEM bundle), else ca_path (a folder of PEM files),
	 * else the first system bundle found (sb_default_ca_files).
	 */
	const char *ca_file;
	const char *ca_path;
	int insecure;		     /* 1: skip certificate checks (unsafe) */
	uint32_t connect_timeout_ms; /* connect + TLS handshake; 0: 10 s */
	uint32_t max_time_ms;	     /* whole operation; 0: 60 s */
	sb_trace_fn trace;	     /* NULL: no trace */
	void *trace_user;

	/* ---- Networks (all optional) ---- */
	/*
	 * Notices the user should see even without -v, one line each (e.g.
	 * "retrying in 2 s after HTTP 503"). NULL: none.
	 */
	sb_trace_fn notice;
	void *notice_user;
	/* http://[user:password@]host[:port] of an HTTP proxy: an https://
	 * base URL goes through a CONNECT tunnel; an http:// one is sent to
	 * the proxy in absolute form (as curl does), or tunnelled too with
	 * proxy_tunnel (curl's --proxytunnel). */
	const char *proxy;
	/* Hosts that bypass the proxy: curl's NO_PROXY syntax. */
	const char *noproxy;
	/* curl's --resolve HOST:PORT:ADDR entries, ';' or ',' separated
	 * lists allowed in one string; NULL: none. */
	const char *const *resolve;
	/* An extra trust anchor (PEM text, e.g. from SONAR_ROOT_CERT) added to
	 * whatever store is in use. */
	const char *extra_root_pem;
	/* curl's --pinnedpubkey: sha256//BASE64[;sha256//BASE64...]. */
	const char *pinned_pubkey;
	/* Client certificate and key (PEM files); the key's passphrase, a
	 * secret, is copied and wiped. */
	const char *client_cert;
	const char *client_key;
	const char *client_key_passphrase;
	/* Retries of GET requests (connect failures, 408, 429, 500, 502, 503,
	 * 504): how many, and the longest wait honoured. */
	int retries;		     /* 0: none (the command's default: 2) */
	uint32_t retry_max_wait_ms;  /* 0: the default (300 s) */
	int proxy_tunnel;	     /* 1: CONNECT for an http:// base too */
	/* The proxy's "user:password" (a secret, copied and wiped); when
	 * set it replaces credentials in the proxy URL. NULL: none. */
	const char *proxy_user;
	/* 1: a refused connection is retried too (curl's
	 * --retry-connrefused); by default it fails at once. */
	int retry_connrefused;
	/* Shared with other clients of the same server, or NULL. */
	const sb_pacer *pacer;
} sb_config;

/* NULL-terminated list of the system CA bundles probed, in curl's order. */
extern SB_API const char *const sb_default_ca_files[];

typedef struct sb_client sb_client;

/*
 * Create a client. Parses the base URL and, for https, loads the trust
 * store; nothing is sent yet. On failure *out is NULL and, when msg is
 * not NULL, a detailed message is written there.
 */
SB_API sb_err sb_client_create(const sb_config *cfg, const sb_port *port,
			       sb_client **out, char *msg, size_t msg_cap);
/* Close the connection, wipe secrets and free everything. NULL is fine. */
SB_API void sb_client_destroy(sb_client *c);

/* Detailed one-line message of the last failure ("" after success). */
SB_API const char *sb_client_message(const sb_client *c);
/* HTTP status of the last response (0 when none was received). */
SB_API int sb_client_http_status(const sb_client *c);
/* Connections opened so far (a kept-alive connection counts once). */
SB_API unsigned sb_client_connections(const sb_client *c);
/* 1 when the base URL is https://sonarcloud.io (link format differs). */
SB_API int sb_client_is_sonarcloud(const sb_client *c);
/* The normalized base URL (no trailing slash). */
SB_API const char *sb_client_base_url(const sb_client *c);

/*
 * Read the project's badge token into out (NUL-terminated). Uses
 * api/project_badges/token, falling back to api/navigation/component's
 * badgeToken when the server has no token API (SonarQube Cloud, < 9.2).
 */
SB_API sb_err sb_token_get(sb_client *c, const char *project, char *out,
			   size_t cap);

/*
 * Renew the project's badge token: read the old one, POST renew_token,
 * read the new one and check that it changed. The POST is never repeated
 * blindly: when its outcome is unknown the token is read to find out.
 * old_out may be NULL.
 */
SB_API sb_err sb_token_renew(sb_client *c, const char *project,
			     char *old_out, size_t old_cap, char *new_out,
			     size_t new_cap);

/*
 * Renew when the current token was just read (sb_token_get): POST
 * renew_token, then read the new token and check that it differs from
 * old_token. As sb_token_renew, the POST is never repeated blindly.
 */
SB_API sb_err sb_token_renew_from(sb_client *c, const char *project,
			   const char *old_token, char *new_out,
			   size_t new_cap);

/*
 * A fingerprint of a token (SHA-256, 64 lowercase hex digits and a NUL)
 * that tells tokens apart without revealing them: what a state file may
 * keep instead of the token.
 */
SB_API void sb_token_fingerprint(const char *token, char out[65]);

/* ---- The server ---- */

typedef enum sb_flavour {
	SB_FLAVOUR_UNKNOWN = 0,
	SB_FLAVOUR_SERVER = 1,		/* SonarQube (Server) 9.x, 10.x, 2025.x+ */
	SB_FLAVOUR_COMMUNITY_BUILD = 2, /* SonarQube Community Build 24.12+ */
	SB_FLAVOUR_CLOUD = 3		/* SonarQube Cloud (sonarcloud.io) */
} sb_flavour;

typedef struct sb_server_version {
	sb_flavour flavour;
	unsigned major, minor, patch;
	unsigned long build;
	char text[32]; /* as the server wrote it ("10.7.0.96327") */
} sb_server_version;

/*
 * What api/server/version says (public, plain text): read once per
 * client, on first need, then kept. SB_ERR_CONFIG when no SonarQube
 * answers at the base URL (a wrong host or context path).
 */
SB_API sb_err sb_server_info(sb_client *c, sb_server_version *out);
/* Parse and classify a version text (pure): "9.9.8.100196" is Server,
 * "25.1.0.102122" Community Build, "2025.1.0.102418" Server, "8.0.0.x"
 * (other than SonarQube 8.0's own build) Cloud. */
SB_API sb_err sb_version_parse(const char *text, sb_server_version *out);
/* 1 when v is at least major.minor. */
SB_API int sb_version_at_least(const sb_server_version *v, unsigned major,
			       unsigned minor);
/* "SonarQube 10.7", "SonarQube Community Build 26.8", "SonarQube Cloud". */
SB_API void sb_version_describe(const sb_server_version *v, char *out,
				size_t cap);

/* ---- Badge URLs (pure functions, no I/O) ---- */

typedef struct sb_badge_metric {
	const char *key;   /* measure's metric parameter */
	const char *label; /* the SonarQube UI's Markdown label */
} sb_badge_metric;

/*
 * The metrics api/project_badges/measure accepts, quality gate status
 * (alert_status) first, then the API reference's order.
 */
extern SB_API const sb_badge_metric sb_badge_metrics[];
extern SB_API const size_t sb_badge_metric_count;
/* The label of a metric key, or NULL when measure does not accept it. */
SB_API const char *sb_badge_metric_label(const char *metric);

/*
 * The badges a server's UI offers: its measure metrics in the order of
 * its dropdown (the quality-gate badge is offered by every version), and
 * the label it gives alert_status.
 */
typedef struct sb_badge_offer {
	const char *metrics[SB_MAX_OFFERED];
	size_t count;
	const char *alert_status_label;
	const char *source; /* where this list comes from, for messages */
} sb_badge_offer;

/*
 * The table's offer for a version (pure). From 10.8 the instance's mode
 * decides: mqr 1 for Multi-Quality Rule mode, 0 for Standard Experience.
 * SB_ERR_UNSUPPORTED when the version is outside the table.
 */
SB_API sb_err sb_badge_offer_for(const sb_server_version *v, int mqr,
				 sb_badge_offer *out);
/*
 * What this client's server offers: its version (and mode) looked up in
 * the table; outside it, api/webservices/list's metric values as the UI
 * reads them, else the table's newest row (said on the trace).
 */
SB_API sb_err sb_badge_offer_get(sb_client *c, sb_badge_offer *out);
/* Is branch the project's main branch (api/project_branches/list)?
 * SB_ERR_NOT_FOUND when the project has no such branch. */
SB_API sb_err sb_branch_is_main(sb_client *c, const char *project,
				const char *branch, int *is_main);

typedef struct sb_badge_spec {
	const char *base_url; /* as configured; a trailing slash is ignored */
	const char *project;
	const char *branch; /* NULL or "" for the main branch */
	const char *metric; /* NULL: the quality_gate badge */
	const char *token;  /* NULL: no token parameter */
	int sonarcloud;	    /* link to summary/new_code instead of dashboard */
	/* The Markdown label, or NULL for the metric's (sb_badge_metrics). */
	const char *label;
} sb_badge_spec;

/* The badge image URL, exactly as the SonarQube UI writes it. */
SB_API sb_err sb_badge_image_url(const sb_badge_spec *spec, char *out,
				 size_t cap);
/* The project link the UI puts around the badge. */
SB_API sb_err sb_badge_link_url(const sb_badge_spec *spec, char *out,
				size_t cap);
/* [![LABEL](IMAGE_URL)](LINK_URL) */
SB_API sb_err sb_badge_markdown(const sb_badge_spec *spec, char *out,
				size_t cap);

/* Append the application/x-www-form-urlencoded form of s (as browsers'
 * URLSearchParams do) to out at *len. */
SB_API sb_err sb_form_encode(const char *s, char *out, size_t cap,
			     size_t *len);

/* ==== Bulk rotation, badge images, project listing ==== */

/*
 * Called once per project key, in the server's order. Return 0 to go on,
 * anything else to stop the listing (sb_projects_list then returns
 * SB_OK).
 */
typedef int (*sb_project_fn)(void *user, const char *key);

/*
 * List the projects (api/projects/search, qualifier TRK) page by page
 * (SB_PROJECTS_PAGE_SIZE a page) until paging.total, on the client's
 * kept-alive connection. query (NULL or "") filters keys and names (q).
 * The client's organization is sent when set (SonarQube Cloud needs it).
 * Without the Administer System permission the server answers 403:
 * SB_ERR_FORBIDDEN with a message naming that permission.
 */
SB_API sb_err sb_projects_list(sb_client *c, const char *query,
			       sb_project_fn fn, void *user);

typedef struct sb_project_item {
	const char *key;
	const char *qualifier; /* "TRK" a project, "APP" an application */
} sb_project_item;

/* Called once per component of a page; return nonzero to stop. */
typedef int (*sb_project_item_fn)(void *user, const sb_project_item *item);

/*
 * One page (1, 2, ...) of api/projects/search, SB_PROJECTS_PAGE_SIZE
 * components, with applications too when applications is set (badge
 * tokens exist for them on SonarQube 10.1 and later, and on 9.9 LTA's
 * later releases). *more tells whether another page follows. A caller
 * that works between pages keeps only one page in memory.
 */
SB_API sb_err sb_projects_page(sb_client *c, const char *query,
			       int applications, unsigned page,
			       sb_project_item_fn fn, void *user, int *more);

/*
 * GET a badge image. target is the path and query below the base URL,
 * starting with "/api/project_badges/" (as taken from a badge URL, with
 * "&amp;" already turned into "&"). The SVG (at most SB_MAX_BADGE_BYTES)
 * is copied to out when out is not NULL; *len gets its length.
 * SonarQube answers a wrong token, an unknown project or branch with
 * HTTP 200 and an error SVG: that is SB_ERR_NOT_FOUND, and every other
 * error SVG ("Measure has not been found", ...) SB_ERR_UNEXPECTED_STATUS,
 * the SVG's text in the client's message either way.
 */
SB_API sb_err sb_badge_fetch(sb_client *c, const char *target, char *out,
			     size_t cap, size_t *len);

/*
 * 1 when svg (len bytes) is one of SonarQube's error badges: a single
 * text element and no label/value pair. Its text ("Project has not been
 * found") is copied to msg when msg is not NULL.
 */
SB_API int sb_badge_svg_error(const char *svg, size_t len, char *msg,
			      size_t cap);

#ifdef __cplusplus
}
#endif

#endif

/*
 * fake_port.h - a scripted sb_port for unit tests: a fake monotonic
 * clock, an in-memory "server" made of scripted connections, capture of
 * every byte the client sends, deterministic entropy, in-memory files and
 * a counting allocator that can fail on demand.
 *
 * Each scripted connection is used by one connect() call, in order. Its
 * replies are served one after another: reply k+1 becomes readable only
 * once reply k was fully delivered and the client sent something again
 * (its next request). When nothing is readable, recv returns the
 * connection's end_rc (SB_PORT_CLOSED unless set); SB_PORT_TIMEOUT
 * advances the clock by the time-out asked for.
 */
#ifndef SB_TEST_FAKE_PORT_H
#define SB_TEST_FAKE_PORT_H

#include <stddef.h>
#include <stdint.h>

#include "sonarbadge/sb_port.h"

#define FAKE_MAX_CONNS 16
#define FAKE_MAX_REPLIES 8
#define FAKE_MAX_SENT 16384
#define FAKE_MAX_FILES 4

struct fake_conn {
	/* Script (set by the test). */
	int connect_rc;	/* 0, or what connect returns (SB_PORT_ERR_...) */
	const char *replies[FAKE_MAX_REPLIES];
	size_t reply_count;
	size_t piece;	   /* bytes per recv at most; 0: as many as fit */
	long close_after;  /* >= 0: total bytes served, then end_rc */
	int end_rc;	   /* recv result when nothing is readable */
	/* A poll of the idle connection (recv with time-out 0) sees end_rc
	 * too; by default it sees an open connection, so end_rc only shows
	 * once the next request went out (the peer dropped it under it). */
	int idle_closed;
	int send_rc;	   /* nonzero: what every send returns */
	size_t send_piece; /* bytes taken per send at most; 0: all */

	/* Observations. */
	int opened, closed;
	char sent[FAKE_MAX_SENT + 1]; /* NUL-terminated */
	size_t sent_len;
	size_t served;	    /* bytes delivered in total */
	size_t reply;	    /* the reply being served */
	size_t reply_pos;   /* bytes of it delivered */
	int sent_since_end; /* sent something after the reply ran out */
	unsigned recv_calls;
};

struct fake_file {
	const char *path;
	const char *data;
};

struct fake_state {
	uint64_t now;	      /* the fake clock, in ms */
	unsigned connects;    /* connect() calls */
	unsigned unscripted;  /* connect() calls past the script */
	unsigned bad_closes;  /* close of an unknown or closed socket */
	struct fake_conn conns[FAKE_MAX_CONNS];
	size_t conn_count;

	unsigned long alloc_calls; /* alloc() calls, failed ones included */
	unsigned long fail_alloc;  /* nonzero: this alloc() call fails */
	long live;		   /* allocations not yet freed */
	int entropy_fail;
	unsigned entropy_counter;

	struct fake_file files[FAKE_MAX_FILES];
	size_t file_count;
	char error[128]; /* text for describe_error */
	uint64_t slept_ms; /* total of sleep_ms() calls (the clock moves too) */
	unsigned sleeps;
	char last_host[256]; /* host given to the last connect() */
};

/* Reset *f and fill *port with hooks working on it. */
void fake_init(struct fake_state *f, sb_port *port);
/* Script the next connection (zeroed, end_rc SB_PORT_CLOSED). */
struct fake_conn *fake_add_conn(struct fake_state *f);
/* Append a reply (the exact bytes the server sends back). */
void fake_reply(struct fake_conn *c, const char *bytes);
/* A connection serving one reply. */
struct fake_conn *fake_conn1(struct fake_state *f, const char *bytes);
void fake_advance(struct fake_state *f, uint64_t ms);
/* Number of scripted connections that were opened. */
unsigned fake_opened(const struct fake_state *f);
/* Occurrences of needle in everything sent on connection i. */
unsigned fake_count_sent(const struct fake_state *f, size_t i,
			 const char *needle);

#endif

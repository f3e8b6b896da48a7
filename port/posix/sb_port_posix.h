/*
 * sb_port_posix.h - the POSIX port: getaddrinfo, IPv4 and IPv6,
 * non-blocking connect bounded by the time-out, poll-based receive
 * time-outs, CLOCK_MONOTONIC, getrandom or /dev/urandom, calloc, regular
 * files only (opened without blocking), folders listed with readdir.
 */
#ifndef SB_PORT_POSIX_H
#define SB_PORT_POSIX_H

#include "sonarbadge/sb_api.h"
#include "sonarbadge/sb_port.h"

typedef struct sb_posix_ctx {
	char last_error[160]; /* describe_error's text */
	int addresses_tried;  /* by the last connect */
	char connected_addr[64];
} sb_posix_ctx;

/* Fill port with the POSIX hooks, using ctx for their state. */
SB_API void sb_port_posix_init(sb_port *port, sb_posix_ctx *ctx);

#endif

/*
 * sb_redirect.h - where a redirect may lead: the next request target for
 * a 301/302/303/307/308 answer, on the same scheme, host and port only,
 * so the Authorization header never goes anywhere else and https is
 * never given up for http.
 */
#ifndef SB_REDIRECT_H
#define SB_REDIRECT_H

#include "sb_diag.h"
#include "sb_http.h"
#include "sb_url.h"

int sb_is_redirect(int status);

/*
 * The target to request after answer r to current (a path and query on
 * url's server): *out from the port's allocator. Fails, with a message,
 * when the Location is missing, malformed, or leads to another origin.
 */
sb_err sb_redirect_target(const sb_port *port, sb_diag *d, const sb_url *url,
			  const sb_http_response *r, const char *current,
			  char **out);

#endif

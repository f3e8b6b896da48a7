/*
 * sb_json.h - token-level JSON lookups over jsmn (JSMN_STRICT).
 * Only what the badge API needs: string members of the top-level object,
 * fully unescaped, and SonarQube's {"errors":[{"msg":"..."}]} message.
 * Token arrays come from the port's allocator, at most SB_MAX_JSON_TOKENS.
 */
#ifndef SB_JSON_H
#define SB_JSON_H

#include <stddef.h>

#include "sb_util.h"

/*
 * Find the top-level member key, which must be a string, and copy its
 * unescaped UTF-8 value into out. SB_ERR_JSON when the document is not a
 * valid JSON object, the member is missing (*missing set to 1 then, when
 * missing is not NULL), duplicated, not a string, or holds invalid
 * escapes, invalid UTF-8 or control characters.
 */
sb_err sb_json_get_string(const sb_port *port, const char *js, size_t len,
			  const char *key, char *out, size_t cap, int *missing);

/*
 * The messages of a SonarQube error body, joined with "; ", into out.
 * SB_ERR_JSON when the body is not such an error document.
 */
sb_err sb_json_error_message(const sb_port *port, const char *js, size_t len,
			     char *out, size_t cap);

/* Unescape a JSON string body (without quotes) into out; for tests too. */
sb_err sb_json_unescape(const char *s, size_t len, char *out, size_t cap,
			size_t *out_len);

#endif

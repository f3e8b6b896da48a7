/*
 * sb_json.h - the library's one JSON reader.
 *
 * A document is checked once against RFC 8259 (grammar, UTF-8, nesting
 * within SB_MAX_JSON_DEPTH), then tokenized by jsmn (JSMN_STRICT) into
 * at most SB_MAX_JSON_TOKENS tokens from the port's allocator. Values are
 * token indexes (the root is 0), walked without recursion:
 *
 *	sb_json_doc d;
 *	sb_json_iter it;
 *	int v;
 *
 *	if (sb_json_parse(port, js, len, &d) == SB_OK) {
 *		sb_json_iter_init(&d, sb_json_member(&d, 0, "items"), &it);
 *		while ((v = sb_json_iter_next(&d, &it, NULL)) >= 0)
 *			... sb_json_string(&d, sb_json_member(&d, v, "key"), ...);
 *		sb_json_free(&d);
 *	}
 *
 * Every accessor takes any index, negative ones included (the "absent"
 * results of the others), and then answers "not that kind of value".
 */
#ifndef SB_JSON_H
#define SB_JSON_H

#include <stddef.h>
#include <stdint.h>

#include "sb_util.h"

typedef enum sb_json_kind {
	SB_JSON_NONE = 0, /* not a value of the document */
	SB_JSON_OBJECT,
	SB_JSON_ARRAY,
	SB_JSON_STRING,
	SB_JSON_PRIMITIVE /* number, true, false or null */
} sb_json_kind;

struct sb_json_store; /* jsmn's tokens and the subtree ends, in sb_json.c */

typedef struct sb_json_doc {
	const char *js;
	size_t len;
	int count; /* tokens */
	const sb_port *port;
	struct sb_json_store *store;
} sb_json_doc;

/* Walks the members of an object or the elements of an array. */
typedef struct sb_json_iter {
	int next;      /* token of the next member's key, or next element */
	int remaining; /* members or elements not yet returned */
	int object;
} sb_json_iter;

/*
 * Is js (len bytes) one JSON text (RFC 8259: any value at the top level,
 * surrounded by white space only) in UTF-8, nested at most
 * SB_MAX_JSON_DEPTH deep? SB_OK, SB_ERR_JSON, or SB_ERR_TOO_LARGE when
 * only the nesting is too deep. Allocates nothing; does not recurse.
 * Duplicate names and escapes of lone surrogates or U+0000 are grammar
 * (RFC 8259 sections 4 and 8.2): they are refused when read, below.
 */
sb_err sb_json_validate(const char *js, size_t len);

/*
 * Validate, then tokenize. SB_ERR_TOO_LARGE past SB_MAX_JSON_DEPTH or
 * SB_MAX_JSON_TOKENS (sb_json_validate tells which), SB_ERR_NOMEM,
 * SB_ERR_JSON. On success release d with sb_json_free; on failure there
 * is nothing to release (sb_json_free is harmless).
 */
sb_err sb_json_parse(const sb_port *port, const char *js, size_t len,
		     sb_json_doc *d);
void sb_json_free(sb_json_doc *d);

/* The kind of value v; SB_JSON_NONE for an index outside d. */
sb_json_kind sb_json_kind_of(const sb_json_doc *d, int v);

/* The index just past v and everything nested in it (O(1)). */
int sb_json_skip(const sb_json_doc *d, int v);

/*
 * Walk container (an object or an array; anything else walks nothing).
 * sb_json_iter_next returns the next value's index, or -1 at the end;
 * for an object *key (when key is not NULL) gets the index of the
 * member's name, a string, else -1.
 */
void sb_json_iter_init(const sb_json_doc *d, int container, sb_json_iter *it);
int sb_json_iter_next(const sb_json_doc *d, sb_json_iter *it, int *key);

/* sb_json_member results besides a value's index. */
#define SB_JSON_ABSENT (-1)    /* no such member, or obj is no object */
#define SB_JSON_AMBIGUOUS (-2) /* the name twice, or a name unreadable */

/*
 * The value of member name (compared after unescaping; shorter than
 * 128 bytes) of the object obj. A name present twice, or any name of obj
 * that cannot be unescaped to a C string, makes the lookup
 * SB_JSON_AMBIGUOUS: a reader never picks one of two values.
 */
int sb_json_member(const sb_json_doc *d, int obj, const char *name);

/*
 * Copy the string v, unescaped, into out (NUL-terminated). SB_ERR_JSON
 * when v is not a string or holds an escape of U+0000 or of a lone
 * surrogate; SB_ERR_BUFFER_TOO_SMALL. out is wiped on failure.
 */
sb_err sb_json_string(const sb_json_doc *d, int v, char *out, size_t cap);

/*
 * The non-negative integer v (digits only: no sign, fraction or
 * exponent) when it is at most max; else SB_ERR_JSON.
 */
sb_err sb_json_uint(const sb_json_doc *d, int v, uint64_t max, uint64_t *out);

/* 1 when v is the literal true. */
int sb_json_is_true(const sb_json_doc *d, int v);

/*
 * Find the top-level member key, which must be a string, and copy its
 * unescaped UTF-8 value into out. SB_ERR_JSON when the document is not a
 * valid JSON object, the member is missing (*missing set to 1 then, when
 * missing is not NULL), duplicated, not a string, or holds invalid
 * escapes; SB_ERR_TOO_LARGE past a cap.
 */
sb_err sb_json_get_string(const sb_port *port, const char *js, size_t len,
			  const char *key, char *out, size_t cap, int *missing);

/*
 * The messages of a SonarQube error body ({"errors":[{"msg":"..."}]}),
 * joined with "; ", into out. SB_ERR_JSON when the body is not such an
 * error document.
 */
sb_err sb_json_error_message(const sb_port *port, const char *js, size_t len,
			     char *out, size_t cap);

/* Unescape a JSON string body (without quotes) into out; for tests too. */
sb_err sb_json_unescape(const char *s, size_t len, char *out, size_t cap,
			size_t *out_len);

#endif

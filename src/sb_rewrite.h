/*
 * sb_rewrite.h - find the badge URLs of a server in text (Markdown, HTML,
 * reStructuredText, anything) and put a new token in their token= value.
 * Pure code: no I/O, no allocation. Every byte outside a replaced token
 * value is kept as it was.
 *
 * A badge URL is BASE/api/project_badges/{measure|quality_gate|
 * ai_code_assurance}?QUERY where BASE is the configured base URL (scheme
 * and host compared case-insensitively, an optional trailing slash
 * allowed), the parameters come in any order, separated by "&" or by
 * "&amp;" (HTML), and project is form-decoded (my%3Akey -> my:key).
 */
#ifndef SB_REWRITE_H
#define SB_REWRITE_H

#include <stddef.h>

#include "sonarbadge/sonarbadge.h"

typedef enum sb_badge_kind {
	SB_BADGE_MEASURE = 0,
	SB_BADGE_QUALITY_GATE = 1,
	SB_BADGE_AI_CODE_ASSURANCE = 2
} sb_badge_kind;

typedef struct sb_badge_ref {
	size_t start, end;	 /* the whole URL: [start, end) */
	size_t path;		 /* where "/api/project_badges/" begins */
	size_t token_start;	 /* the token value (has_token) */
	size_t token_len;
	int has_token;
	sb_badge_kind kind;
	char project[SB_MAX_KEY_LEN + 1]; /* form-decoded */
	char branch[256];		  /* "" for the main branch */
	char metric[96];		  /* measure only */
} sb_badge_ref;

/* The name of a kind ("measure", "quality_gate", "ai_code_assurance"). */
const char *sb_badge_kind_name(sb_badge_kind kind);

/*
 * Find the next badge URL of base in text[*pos, len). Returns 1 and fills
 * ref (then *pos is past it), 0 when there is none. URLs with a project
 * parameter that does not decode or is too long are passed over.
 */
int sb_badge_find(const char *text, size_t len, const char *base,
		  size_t *pos, sb_badge_ref *ref);

/*
 * The request target of a found URL: path and query below the base, with
 * "&amp;" turned into "&". SB_ERR_BUFFER_TOO_SMALL when it does not fit.
 */
sb_err sb_badge_ref_target(const char *text, const sb_badge_ref *ref,
			   char *out, size_t cap);

/*
 * Copy text to out with the token= value of every badge URL of project
 * (on base) replaced by token. Returns the length of the result; out may
 * be NULL (or cap short) to only measure and count: nothing is written
 * then unless the whole result fits (out[result] = '\0' when it does).
 * *found counts that project's badge URLs with a token parameter,
 * *stale those whose token differed (the ones changed).
 */
size_t sb_badge_rewrite(const char *text, size_t len, const char *base,
			const char *project, const char *token, char *out,
			size_t cap, unsigned *found, unsigned *stale);

typedef struct sb_rewrite_counts {
	unsigned found;	    /* the project's badge URLs with a token */
	unsigned stale;	    /* of those, the ones whose token differed */
	unsigned tokenless; /* the project's badge URLs without a token */
} sb_rewrite_counts;

/*
 * sb_badge_rewrite, and with add_token the project's tokenless badge URLs
 * get "&token=TOKEN" ("&amp;token=" where the URL separates its
 * parameters the HTML way) at their end.
 */
size_t sb_badge_rewrite_ex(const char *text, size_t len, const char *base,
			   const char *project, const char *token,
			   int add_token, char *out, size_t cap,
			   sb_rewrite_counts *counts);

#endif

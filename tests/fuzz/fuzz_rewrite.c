/*
 * fuzz_rewrite.c - the badge-URL finder and rewriter (sb_rewrite.c) over
 * any text (Markdown, HTML, reStructuredText...).
 *
 * Input: the text. Every badge URL of https://sonar.example.com found in
 * it must lie inside the text and the finder must move forward; the
 * rewrite must measure what it writes, keep every byte outside token
 * values, and be idempotent (a second pass changes nothing).
 */
#include "fuzz_common.h"
#include "sb_rewrite.h"

#define BASE "https://sonar.example.com"
#define NEW_TOKEN "sqb_ffffffffffffffffffffffffffffffffffffffff"

unsigned long fuzz_accepted;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static sb_badge_ref ref;
	const char *text = (const char *)data;
	char target[2048], project[SB_MAX_KEY_LEN + 1] = "my:proj";
	size_t pos = 0, prev = 0, need, got;
	unsigned found = 0, stale = 0, found2 = 0, stale2 = 0, refs = 0;
	char *out, *again;

	if (size > 65536)
		return 0;
	while (sb_badge_find(text, size, BASE, &pos, &ref) == 1) {
		FUZZ_ASSERT(ref.start >= prev && ref.start < ref.end);
		FUZZ_ASSERT(ref.end <= size && pos <= size && pos > prev);
		FUZZ_ASSERT(ref.path >= ref.start && ref.path < ref.end);
		FUZZ_ASSERT(!ref.has_token ||
			    (ref.token_start >= ref.start &&
			     ref.token_start + ref.token_len <= ref.end));
		FUZZ_ASSERT(strlen(ref.project) <= SB_MAX_KEY_LEN);
		(void)sb_badge_kind_name(ref.kind);
		(void)sb_badge_ref_target(text, &ref, target, sizeof(target));
		if (refs++ == 0)
			memcpy(project, ref.project, sizeof(project));
		prev = pos;
	}
	if (refs)
		fuzz_accepted++;

	need = sb_badge_rewrite(text, size, BASE, project, NEW_TOKEN, NULL, 0,
				&found, &stale);
	FUZZ_ASSERT(stale <= found && found <= refs);
	out = malloc(need + 1);
	if (!out)
		return 0;
	got = sb_badge_rewrite(text, size, BASE, project, NEW_TOKEN, out,
			       need + 1, &found2, &stale2);
	FUZZ_ASSERT(got == need && out[got] == '\0');
	FUZZ_ASSERT(found2 == found && stale2 == stale);
	if (stale == 0)
		FUZZ_ASSERT(got == size && memcmp(out, text, size) == 0);
	/* Idempotent: the rewritten text has nothing stale left. */
	again = malloc(got + 1);
	if (again) {
		size_t n = sb_badge_rewrite(out, got, BASE, project, NEW_TOKEN,
					    again, got + 1, &found2, &stale2);

		FUZZ_ASSERT(n == got && stale2 == 0 && found2 == found);
		FUZZ_ASSERT(memcmp(again, out, got) == 0);
		free(again);
	}
	free(out);
	return 0;
}

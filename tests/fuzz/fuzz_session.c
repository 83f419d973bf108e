/* libFuzzer harness: the session parser (ll_session_load_text) on the
 * input as text (up to a NUL), then the canonical form of what it read
 * (ll_session_format), which must parse again. */
#include "fuzz.h"
#include "pipeline/ll_session.h"

LL_FUZZ_TARGET(session)
{
	char *text = malloc(size + 1);
	ll_session s;
	ll_err e;

	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	ll_err_clear(&e);
	int rc = ll_session_load_text(&s, text, "fuzz.lab", &e);
	ll_fuzz_check_err(rc, &e, "fuzz.lab");
	if (rc == LL_OK) {
		char *canon = ll_session_format(&s);
		if (canon) {
			ll_session again;
			rc = ll_session_load_text(&again, canon, "canonical", &e);
			if (rc != LL_OK)
				fprintf(stderr, "the canonical form does not parse: %s\n---\n%s---\n", e.msg, canon);
			LL_FUZZ_CHECK(rc == LL_OK);
			ll_session_free(&again);
			ll_free(canon);
		}
		ll_session_free(&s);
	}
	free(text);
	return 0;
}

/* Session files: parsing, validation with file:line messages, saving. */
#include "base/ll_fs.h"
#include "pipeline/ll_session.h"
#include "ll_test.h"

static int load(ll_session *s, const char *text, ll_err *e)
{
	return ll_session_load_text(s, text, "t.lab", e);
}

static void test_parse_ok(void)
{
	ll_session s;
	ll_err e;
	int rc = load(&s, "# comment\n[session]\nname = x\nseed = 5\n\n[data]\nkind = synth\nneurons = 20\n"
		      "[tca]\nranks = 2-4 ; inline comment\nmethod = cp-als\n[report]\n", &e);
	LL_CHECK_MSG(rc == LL_OK, "%s", e.msg);
	LL_CHECK_STR(ll_session_get(&s, LL_STEP_SESSION, "name"), "x");
	LL_CHECK_INT(ll_session_get_int(&s, LL_STEP_SESSION, "seed"), 5);
	LL_CHECK_INT(ll_session_get_int(&s, LL_STEP_DATA, "neurons"), 20);
	LL_CHECK_STR(ll_session_get(&s, LL_STEP_TCA, "ranks"), "2-4");
	/* defaults */
	LL_CHECK_INT(ll_session_get_int(&s, LL_STEP_TCA, "replicates"), 5);
	LL_CHECK_STR(ll_session_get(&s, LL_STEP_TCA, "rank"), "auto");
	/* steps: data and tensor implied, no train for synth, report kept */
	ll_step_kind st[LL_NSTEPS];
	size_t n = ll_session_steps(&s, st);
	LL_CHECK_INT(n, 4);
	LL_CHECK_INT(st[0], LL_STEP_DATA);
	LL_CHECK_INT(st[1], LL_STEP_TENSOR);
	LL_CHECK_INT(st[2], LL_STEP_TCA);
	LL_CHECK_INT(st[3], LL_STEP_REPORT);
	LL_CHECK_INT(ll_session_next(&s), LL_STEP_DATA);
	ll_session_free(&s);
}

static void test_demo_parses(void)
{
	ll_session s;
	ll_err e;
	int rc = load(&s, ll_session_demo_text(), &e);
	LL_CHECK_MSG(rc == LL_OK, "%s", e.msg);
	LL_CHECK(s.state[LL_STEP_TRAIN] == LL_STATE_PENDING);
	LL_CHECK_INT(ll_session_get_int(&s, LL_STEP_TRAIN, "models"), 30);
	ll_session_free(&s);
}

static void test_parse_errors(void)
{
	static const struct {
		const char *text, *want;
	} cases[] = {
		{"[session]\nname = a\n[tca]\nrnak = 3\n", "t.lab:4: unknown key 'rnak' in [tca]"},
		{"[tca]\nranks = 1-3\n[data]\nkind = npy\n", "t.lab:3: step [data] is out of order: it must come before [tca]"},
		{"[data]\n[foo]\n", "t.lab:2: unknown section [foo]"},
		{"[data]\nkind = hdf5\n", "t.lab:2: [data] kind must be one of mnist|npy|synth|csv, not 'hdf5'"},
		{"[tca]\nreplicates = 0\n", "t.lab:2: [tca] replicates = 0 is out of range"},
		{"[tca]\nreplicates = 2.5\n", "t.lab:2: [tca] '2.5' is not an integer"},
		{"[tca]\nreplicates = 0x4\n", "t.lab:2: [tca] '0x4' is not an integer"},
		{"[tca]\nranks = 5-2\n", "t.lab:2: [tca] ranks = 5-2 must lie within"},
		{"[tca]\ntol = abc\n", "t.lab:2: [tca] 'abc' is not a number"},
		{"[data]\nkind = npy\n[train]\nmodels = 3\n", "t.lab: [train] needs [data] kind = mnist"},
		{"[data]\nkind = npy\n[data]\n", "t.lab:3: step [data] appears twice"},
		{"[data]\nthis line has no equals\n", "t.lab:2: syntax error"},
		{"[data\n", "t.lab:1: bad section header"},
		{"[tca]\nranks = 1-3\nranks = 2-4\n", "t.lab:3: 'ranks' is set twice in [tca]"},
		{"[tca]\nrank = three\n", "t.lab:2: [tca] rank must be auto or a whole number 1-64, not 'three'"},
		{"[tca]\nranks = 1-2\nrank = 5\n", "t.lab: [tca] rank = 5 is outside ranks = 1-2"},
		{"[data]\nkind = synth\n[trajectory]\nsource = tca\n", "t.lab: [trajectory] source = tca needs a [tca] step"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		ll_session s;
		ll_err e = {0, ""};
		int rc = load(&s, cases[i].text, &e);
		LL_CHECK_INT(rc, LL_EINVAL);
		LL_CHECK_CONTAINS(e.msg, cases[i].want);
		LL_CHECK(strchr(e.msg, '\n') == NULL);
	}
}

static void test_set_and_roundtrip(void)
{
	ll_session s, t;
	ll_err e;
	LL_CHECK_INT(load(&s, "[data]\nkind = synth\n[tca]\nranks = 1-3\n", &e), LL_OK);
	LL_CHECK_INT(ll_session_set(&s, LL_STEP_TCA, "ranks", "2-5", &e), LL_OK);
	LL_CHECK(s.dirty);
	LL_CHECK_INT(ll_session_set(&s, LL_STEP_TCA, "ranks", "x", &e), LL_EINVAL);
	LL_CHECK_CONTAINS(e.msg, "not a range");
	LL_CHECK_INT(ll_session_set(&s, LL_STEP_TCA, "nope", "1", &e), LL_EINVAL);
	LL_CHECK_STR(ll_session_get(&s, LL_STEP_TCA, "ranks"), "2-5");
	/* the same value changes nothing; a step the session lacks is refused */
	s.dirty = 0;
	s.state[LL_STEP_TCA] = LL_STATE_DONE;
	LL_CHECK_INT(ll_session_set(&s, LL_STEP_TCA, "ranks", "2-5", &e), LL_OK);
	LL_CHECK_INT(ll_session_set(&s, LL_STEP_TENSOR, "normalize", "none", &e), LL_OK); /* the default */
	LL_CHECK(!s.dirty && s.state[LL_STEP_TCA] == LL_STATE_DONE);
	LL_CHECK_INT(ll_session_set(&s, LL_STEP_TRAIN, "models", "3", &e), LL_EINVAL);
	LL_CHECK_CONTAINS(e.msg, "[train] is not a step of this session");
	LL_CHECK(s.state[LL_STEP_TRAIN] == LL_STATE_ABSENT);
	/* renaming the session keeps the results; a new seed does not */
	LL_CHECK_INT(ll_session_set(&s, LL_STEP_SESSION, "name", "renamed", &e), LL_OK);
	LL_CHECK(s.dirty && s.state[LL_STEP_TCA] == LL_STATE_DONE);
	LL_CHECK_INT(ll_session_set(&s, LL_STEP_SESSION, "seed", "9", &e), LL_OK);
	LL_CHECK(s.state[LL_STEP_TCA] == LL_STATE_PENDING);
	char *text = ll_session_format(&s);
	LL_CHECK(text != NULL);
	LL_CHECK_INT(load(&t, text, &e), LL_OK);
	LL_CHECK_STR(ll_session_get(&t, LL_STEP_TCA, "ranks"), "2-5");
	LL_CHECK_STR(ll_session_get(&t, LL_STEP_DATA, "kind"), "synth");
	char *text2 = ll_session_format(&t);
	LL_CHECK_STR(text, text2);
	free(text);
	free(text2);
	ll_session_free(&s);
	ll_session_free(&t);
}

static void test_load_file_errors(void)
{
	ll_session s;
	ll_err e;
	LL_CHECK_INT(ll_session_load(&s, "/nonexistent/x.lab", &e), LL_EIO);
	LL_CHECK_CONTAINS(e.msg, "/nonexistent/x.lab: cannot open");
	ll_session_free(&s);
}

/* Relative paths are relative to the session file: resolved for the
 * steps, kept as written when saved in place, made absolute when saved
 * anywhere else. */
static void test_paths_follow_the_file(void)
{
	char dir[] = "/tmp/ll_sess_XXXXXX", p[128], q[128], *text = NULL;
	ll_session s;
	ll_err e = {0, ""};
	size_t len;
	if (!mkdtemp(dir)) {
		LL_CHECK(0);
		return;
	}
	snprintf(p, sizeof p, "%s/s.lab", dir);
	FILE *fp = fopen(p, "w");
	if (fp) {
		fputs("# mine\n[data]\nkind = npy\npath = d/x.npy\n", fp);
		fclose(fp);
	}
	LL_CHECK_INT(ll_session_load(&s, p, &e), LL_OK);
	char *r = ll_session_get_path(&s, LL_STEP_DATA, "path");
	snprintf(q, sizeof q, "%s/d/x.npy", dir);
	LL_CHECK_STR(r, q);
	free(r);
	LL_CHECK_INT(ll_session_save(&s, p, &e), LL_OK);
	LL_CHECK_INT(ll_read_file(p, 0, &text, &len, &e), LL_OK);
	LL_CHECK(text && strstr(text, "path = d/x.npy\n"));
	free(text);
	snprintf(q, sizeof q, "%s/other.lab", dir);
	LL_CHECK_INT(ll_session_save(&s, q, &e), LL_OK);
	LL_CHECK_INT(ll_read_file(q, 0, &text, &len, &e), LL_OK);
	snprintf(q, sizeof q, "path = %s/d/x.npy\n", dir);
	LL_CHECK(text && strstr(text, q));
	free(text);
	ll_session_free(&s);
	snprintf(q, sizeof q, "rm -rf %s", dir);
	LL_CHECK_INT(system(q), 0);
}

int main(void)
{
	LL_RUN(test_parse_ok);
	LL_RUN(test_demo_parses);
	LL_RUN(test_parse_errors);
	LL_RUN(test_set_and_roundtrip);
	LL_RUN(test_load_file_errors);
	LL_RUN(test_paths_follow_the_file);
	return ll_test_done();
}

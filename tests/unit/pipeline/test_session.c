/* Session files: parsing, validation with file:line messages, saving. */
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/ll_fs.h"
#include "nn/ll_mlp.h"
#include "pipeline/ll_session.h"
#include "tensor/ll_ens.h"
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

/* A file saved with a UTF-8 byte-order mark (as some Windows editors do)
 * reads like the same file without it: the mark is not part of the first
 * line.  Only at the very start: elsewhere the bytes are text. */
static void test_bom(void)
{
	ll_session s;
	ll_err e = {0, ""};
	int rc = load(&s, "\xEF\xBB\xBF[session]\nname = bom\n[data]\nkind = synth\n", &e);
	LL_CHECK_MSG(rc == LL_OK, "%s", e.msg);
	if (rc == LL_OK) {
		LL_CHECK_STR(ll_session_get(&s, LL_STEP_SESSION, "name"), "bom");
		ll_session_free(&s);
	}
	rc = load(&s, "\xEF\xBB\xBF# a comment first\n[data]\nkind = synth\n", &e);
	LL_CHECK_MSG(rc == LL_OK, "%s", e.msg);
	if (rc == LL_OK)
		ll_session_free(&s);
	rc = load(&s, "[data]\n\xEF\xBB\xBFkind = synth\n", &e);
	LL_CHECK_INT(rc, LL_EINVAL);
	LL_CHECK_CONTAINS(e.msg, "t.lab:2: unknown key");
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
		{"[data]\nkind = parquet\n", "t.lab:2: [data] kind must be one of mnist|npy|synth|csv|hdf5|nwb|task, not 'parquet'"},
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
	ll_free(text);
	ll_free(text2);
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
	ll_free(r);
	LL_CHECK_INT(ll_session_save(&s, p, &e), LL_OK);
	LL_CHECK_INT(ll_read_file(p, 0, &text, &len, &e), LL_OK);
	LL_CHECK(text && strstr(text, "path = d/x.npy\n"));
	ll_free(text);
	snprintf(q, sizeof q, "%s/other.lab", dir);
	LL_CHECK_INT(ll_session_save(&s, q, &e), LL_OK);
	LL_CHECK_INT(ll_read_file(q, 0, &text, &len, &e), LL_OK);
	snprintf(q, sizeof q, "path = %s/d/x.npy\n", dir);
	LL_CHECK(text && strstr(text, q));
	ll_free(text);
	ll_session_free(&s);
	snprintf(q, sizeof q, "rm -rf %s", dir);
	LL_CHECK_INT(system(q), 0);
}

/* Every parameter of every step reads through its typed getter from its
 * default (defaults parse), and reads back what was set. */
static void test_typed_getters(void)
{
	ll_session s;
	ll_err e;
	LL_CHECK_INT(load(&s, "[data]\nkind = synth\n[train]\n[tca]\n[trajectory]\n[report]\n", &e), LL_EINVAL);
	LL_CHECK_INT(load(&s, "[data]\nkind = mnist\n[tca]\n[trajectory]\n[report]\n", &e), LL_OK);
	size_t checked = 0;
	for (int k = 0; k < LL_NSTEPS; k++) {
		size_t n;
		const ll_param_def *d = ll_step_params((ll_step_kind)k, &n);
		for (size_t i = 0; i < n; i++, checked++) {
			const char *key = d[i].key;
			double buf[4];
			long lo, hi;
			char *p;
			LL_CHECK_STR(ll_session_get(&s, (ll_step_kind)k, key), d[i].def);
			switch (d[i].type) {
			case LL_PARAM_INT:
				LL_CHECK_INT(ll_session_get_int(&s, (ll_step_kind)k, key), atol(d[i].def));
				break;
			case LL_PARAM_AUTO_INT:
				LL_CHECK_INT(ll_session_get_int(&s, (ll_step_kind)k, key),
					     strcmp(d[i].def, "auto") ? atol(d[i].def) : -1);
				break;
			case LL_PARAM_REAL:
				LL_CHECK_NEAR(ll_session_get_real(&s, (ll_step_kind)k, key), atof(d[i].def), 0);
				break;
			case LL_PARAM_ENUM:
				LL_CHECK(ll_session_is(&s, (ll_step_kind)k, key, d[i].def));
				break;
			case LL_PARAM_RANGE:
				ll_session_get_range(&s, (ll_step_kind)k, key, &lo, &hi);
				LL_CHECK(lo >= 1 && lo <= hi);
				break;
			case LL_PARAM_REALS:
				LL_CHECK(ll_session_get_reals(&s, (ll_step_kind)k, key, buf, 4) >= 1);
				break;
			case LL_PARAM_PATH:
				p = ll_session_get_path(&s, (ll_step_kind)k, key);
				LL_CHECK(p != NULL);
				ll_free(p);
				break;
			case LL_PARAM_STR:
				break;
			}
		}
	}
	LL_CHECK_MSG(checked >= 30, "only %zu parameters", checked);
	/* values set are parsed once and read back typed */
	LL_CHECK_INT(ll_session_set(&s, LL_STEP_TCA, "ranks", "2-7", &e), LL_OK);
	long lo, hi;
	ll_session_get_range(&s, LL_STEP_TCA, "ranks", &lo, &hi);
	LL_CHECK(lo == 2 && hi == 7);
	LL_CHECK_INT(ll_session_set(&s, LL_STEP_TCA, "ranks", "4", &e), LL_OK);
	ll_session_get_range(&s, LL_STEP_TCA, "ranks", &lo, &hi);
	LL_CHECK(lo == 4 && hi == 4);
	LL_CHECK_INT(ll_session_set(&s, LL_STEP_TCA, "rank", "4", &e), LL_OK);
	LL_CHECK_INT(ll_session_get_int(&s, LL_STEP_TCA, "rank"), 4);
	LL_CHECK_INT(ll_session_set(&s, LL_STEP_TCA, "method", "ncp-bcd", &e), LL_OK);
	LL_CHECK_INT(ll_session_get_enum(&s, LL_STEP_TCA, "method"), 2);
	double lr[4];
	LL_CHECK_INT(ll_session_set(&s, LL_STEP_TRAIN, "lr", "0.5,0.25,1", &e), LL_OK);
	LL_CHECK_INT(ll_session_get_reals(&s, LL_STEP_TRAIN, "lr", lr, 4), 3);
	LL_CHECK(lr[0] == 0.5 && lr[1] == 0.25 && lr[2] == 1.0);
	/* an enum's index is the library's own value: the choices come from
	 * the same list as the names */
	static const char *const methods[] = {"cp-als", "ncp-hals", "ncp-bcd"};
	for (int m = 0; m < 3; m++) {
		ll_cp_method want;
		LL_CHECK_INT(ll_cp_method_parse(methods[m], &want), LL_OK);
		LL_CHECK_INT(ll_session_set(&s, LL_STEP_TCA, "method", methods[m], &e), LL_OK);
		LL_CHECK_INT(ll_session_get_enum(&s, LL_STEP_TCA, "method"), (int)want);
	}
	LL_CHECK_INT(ll_session_set(&s, LL_STEP_TRAIN, "optimizer", "adam", &e), LL_OK);
	LL_CHECK_INT(ll_session_get_enum(&s, LL_STEP_TRAIN, "optimizer"), LL_MLP_ADAM);
	LL_CHECK_INT(ll_session_set(&s, LL_STEP_TCA, "sim", "congruence", &e), LL_OK);
	LL_CHECK_INT(ll_session_get_enum(&s, LL_STEP_TCA, "sim"), LL_SIM_CONGRUENCE);
	LL_CHECK_INT(ll_session_set(&s, LL_STEP_TCA, "init", "svd", &e), LL_OK);
	LL_CHECK_INT(ll_session_get_enum(&s, LL_STEP_TCA, "init"), LL_CP_INIT_SVD);
	/* a refused value leaves the old one */
	LL_CHECK_INT(ll_session_set(&s, LL_STEP_TCA, "ranks", "9-2", &e), LL_EINVAL);
	ll_session_get_range(&s, LL_STEP_TCA, "ranks", &lo, &hi);
	LL_CHECK(lo == 4 && hi == 4);
	LL_CHECK(ll_parse_range(" 3 - 5 ", &lo, &hi) == 0 || (lo == 3 && hi == 5));
	LL_CHECK(ll_parse_range("3-5", &lo, &hi) && lo == 3 && hi == 5);
	LL_CHECK(ll_parse_range("6", &lo, &hi) && lo == 6 && hi == 6);
	LL_CHECK(!ll_parse_range("3-", &lo, &hi) && !ll_parse_range("x", &lo, &hi));
	ll_session_free(&s);
}

/* Does f(arg) die of SIGABRT (a programming error caught, not a silent 0)? */
static int aborts(void (*f)(int), int arg)
{
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		/* keep the child's message out of the TAP stream */
		if (!freopen("/dev/null", "w", stderr))
			_exit(3);
		f(arg);
		_exit(0);
	}
	int st = 0;
	if (pid < 0 || waitpid(pid, &st, 0) != pid)
		return 0;
	return WIFSIGNALED(st) && WTERMSIG(st) == SIGABRT;
}

static void bad_lookup(int which)
{
	ll_session s;
	ll_session_init(&s);
	switch (which) {
	case 0: (void)ll_session_get_int(&s, LL_STEP_TCA, "rnak"); break;      /* no such key */
	case 1: (void)ll_session_get_real(&s, LL_STEP_TCA, "ranks"); break;    /* wrong type */
	case 2: (void)ll_session_get(&s, LL_STEP_DATA, "train_images"); break; /* another step's key */
	case 3: (void)ll_session_is(&s, LL_STEP_TCA, "method", "cp-alls"); break; /* not a choice */
	default: (void)ll_session_get_int(&s, LL_STEP_TCA, "replicates"); break; /* fine */
	}
}

static void test_bad_lookups_abort(void)
{
	for (int i = 0; i < 4; i++)
		LL_CHECK_MSG(aborts(bad_lookup, i), "lookup %d did not abort", i);
	LL_CHECK_MSG(!aborts(bad_lookup, 4), "a good lookup aborted");
}

/* The step list gives the names every message uses. */
static void test_step_list(void)
{
	char names[512];
	/* every step, in list order (a test build has more) */
	ll_step_names(names, sizeof names);
	static const char head[] = "session, data, train, rnn, inpca, spectrum, tensor, tca, connectome, trajectory";
	LL_CHECK(!strncmp(names, head, sizeof head - 1));
	LL_CHECK(strlen(names) > 10 && !strcmp(names + strlen(names) - 10, " or report"));
	for (int k = 0; k < LL_NSTEPS; k++)
		LL_CHECK(strstr(names, ll_step_name((ll_step_kind)k)) != NULL);
	for (int k = 0; k < LL_NSTEPS; k++) {
		LL_CHECK_INT(ll_step_by_name(ll_step_name((ll_step_kind)k)), k);
		LL_CHECK(*ll_step_summary((ll_step_kind)k));
	}
	LL_CHECK_INT(ll_step_by_name("nope"), -1);
	LL_CHECK_INT(ll_step_param_index(LL_STEP_TCA, "rnak"), -1);
	LL_CHECK(ll_step_param_index(LL_STEP_TCA, "ranks") >= 0);
}

/* Lines of any length: a 10,000-character path is read whole, the tail of
 * a long line is never read as a line of its own (libinih's 200-byte line
 * buffer made "...seed = 99" at its end take effect), and the line numbers
 * in messages after it are right. */
static void test_long_lines(void)
{
	size_t n = 10000;
	char *text = ll_malloc(n + 400), *path = ll_malloc(n + 1);
	ll_session s;
	ll_err e;
	if (!text || !path) {
		LL_CHECK(0);
		ll_free(text);
		ll_free(path);
		return;
	}
	path[0] = '/';
	for (size_t i = 1; i < n - 4; i++)
		path[i] = i % 50 == 0 ? '/' : (char)('a' + i % 26);
	memcpy(path + n - 4, ".npy", 5);
	snprintf(text, n + 400, "[session]\nname = %.190s seed = 99\n[data]\nkind = npy\npath = %s\n[tca]\n", path, path);
	LL_CHECK_INT(load(&s, text, &e), LL_OK);
	LL_CHECK_INT(strlen(ll_session_get(&s, LL_STEP_DATA, "path")), n);
	LL_CHECK_STR(ll_session_get(&s, LL_STEP_DATA, "path"), path);
	LL_CHECK_INT(ll_session_get_int(&s, LL_STEP_SESSION, "seed"), 1);
	LL_CHECK_CONTAINS(ll_session_get(&s, LL_STEP_SESSION, "name"), "seed = 99");
	/* the canonical text replays to the same session */
	char *fmt = ll_session_format(&s);
	ll_session t;
	LL_CHECK(fmt && load(&t, fmt, &e) == LL_OK);
	if (fmt)
		LL_CHECK_STR(ll_session_get(&t, LL_STEP_DATA, "path"), path);
	ll_free(fmt);
	ll_session_free(&t);
	ll_session_free(&s);
	snprintf(text, n + 400, "[data]\nkind = npy\npath = %s\n\n[tca]\nrnak = 2\n", path);
	LL_CHECK_INT(load(&s, text, &e), LL_EINVAL);
	LL_CHECK_CONTAINS(e.msg, "t.lab:6: unknown key 'rnak' in [tca]");
	/* text quoted from the file keeps the message on one line (a CR in a
	 * section name came through once; found by fuzz_session) */
	LL_CHECK_INT(load(&s, "[a \r]\n", &e), LL_EINVAL);
	LL_CHECK(!strchr(e.msg, '\r') && !strchr(e.msg, '\n'));
	LL_CHECK_CONTAINS(e.msg, "unknown section [a ?]");
	ll_free(text);
	ll_free(path);
}

/* Saving edits the file's text in place (ll_session_format_edit): the
 * comments, blank lines, spacing and inline comments stay byte for byte,
 * a changed value replaces the old one on its line, a new key goes after
 * the last key of its section (not under the next section's comment), a
 * missing section is added in pipeline order, a value may hold spaces,
 * and a file without a final newline keeps that unless text follows. */
static char *edited(const char *text, const char *step, const char *key, const char *value)
{
	ll_session s;
	ll_err e = {0, ""};
	if (ll_session_load_text(&s, text, "t.lab", &e) != LL_OK) {
		fprintf(stderr, "# %s\n", e.msg);
		return NULL;
	}
	if (step && ll_session_set(&s, (ll_step_kind)ll_step_by_name(step), key, value, &e) != LL_OK)
		fprintf(stderr, "# %s\n", e.msg);
	char *out = ll_session_format_edit(&s, s.file_text, 0);
	/* what it writes reads back as the same session */
	ll_session t;
	if (out && ll_session_load_text(&t, out, "out.lab", &e) == LL_OK) {
		char *a = ll_session_format(&s), *b = ll_session_format(&t);
		LL_CHECK(a && b && !strcmp(a, b));
		ll_free(a);
		ll_free(b);
		ll_session_free(&t);
	} else {
		LL_CHECK(0);
	}
	ll_session_free(&s);
	return out;
}

static void test_edit_in_place(void)
{
	static const char base[] = "# my study\n"
				   "; why: see notes\n"
				   "\n"
				   "[session]\n"
				   "name   =  first try   ; the label\n"
				   "\n"
				   "[data]\n"
				   "# the planted set\n"
				   "kind = synth\n"
				   "\n"
				   "# ranks to try\n"
				   "[tca]\n"
				   "ranks = 1-4\n"
				   "rank: 2\n";
	char *o;
	/* nothing changed: the very same bytes */
	o = edited(base, NULL, NULL, NULL);
	LL_CHECK_STR(o, base);
	ll_free(o);
	/* a value with spaces, replaced in place; the inline comment stays */
	o = edited(base, "session", "name", "second try, larger");
	LL_CHECK(o && strstr(o, "name   =  second try, larger   ; the label\n"));
	LL_CHECK(o && strstr(o, "# my study\n; why: see notes\n\n[session]\n"));
	ll_free(o);
	/* the `key: value` form keeps its colon */
	o = edited(base, "tca", "rank", "3");
	LL_CHECK(o && strstr(o, "rank: 3\n") && !strstr(o, "rank: 2"));
	ll_free(o);
	/* a new key of [data] goes after kind, above "# ranks to try" */
	o = edited(base, "data", "neurons", "20");
	LL_CHECK(o && strstr(o, "kind = synth\nneurons = 20\n\n# ranks to try\n[tca]\n"));
	ll_free(o);
	/* a missing section, after the nearest earlier one */
	static const char nosess[] = "# top\n\n[data]\nkind = synth\n\n# fit\n[tca]\nranks = 1-3\n";
	o = edited(nosess, "session", "seed", "5");
	LL_CHECK_STR(o, "# top\n\n[session]\nseed = 5\n\n[data]\nkind = synth\n\n# fit\n[tca]\nranks = 1-3\n");
	ll_free(o);
	/* no final newline: kept when nothing follows, added when a key does */
	static const char nonl[] = "# x\n[data]\nkind = synth\n[tca]\nrank = 2";
	o = edited(nonl, "tca", "rank", "3");
	LL_CHECK_STR(o, "# x\n[data]\nkind = synth\n[tca]\nrank = 3");
	ll_free(o);
	o = edited(nonl, "tca", "ranks", "1-5");
	LL_CHECK_STR(o, "# x\n[data]\nkind = synth\n[tca]\nrank = 2\nranks = 1-5\n");
	ll_free(o);
	/* CRLF lines keep their \r */
	o = edited("[data]\r\nkind = synth\r\n[tca]\r\nrank = 2\r\n", "tca", "rank", "4");
	LL_CHECK_STR(o, "[data]\r\nkind = synth\r\n[tca]\r\nrank = 4\r\n");
	ll_free(o);
}

/* ll_session_save edits the file in place and becomes the file's text;
 * ll_session_save_copy writes the same text elsewhere (paths absolute) and
 * leaves the session, unsaved mark included, alone. */
static void test_save_keeps_comments(void)
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
		fputs("# mine\n[data]\n# npy input\nkind = npy\npath = d/x.npy ; relative\n", fp);
		fclose(fp);
	}
	LL_CHECK_INT(ll_session_load(&s, p, &e), LL_OK);
	LL_CHECK_INT(ll_session_set(&s, LL_STEP_SESSION, "name", "two words", &e), LL_OK);
	snprintf(q, sizeof q, "%s/other.lab", dir);
	LL_CHECK_INT(ll_session_save_copy(&s, q, &e), LL_OK);
	LL_CHECK_INT(s.dirty, 1);
	LL_CHECK_INT(ll_read_file(q, 0, &text, &len, &e), LL_OK);
	char want[256];
	snprintf(want, sizeof want, "[session]\nname = two words\n\n[data]\n# npy input\nkind = npy\npath = %s/d/x.npy ; relative\n", dir);
	LL_CHECK(text && !strncmp(text, "# mine\n", 7) && strstr(text, want));
	ll_free(text);
	LL_CHECK_INT(ll_session_save(&s, p, &e), LL_OK);
	LL_CHECK_INT(s.dirty, 0);
	LL_CHECK_INT(ll_read_file(p, 0, &text, &len, &e), LL_OK);
	LL_CHECK_STR(text, "# mine\n[session]\nname = two words\n\n[data]\n# npy input\nkind = npy\npath = d/x.npy ; relative\n");
	LL_CHECK(text && s.file_text && !strcmp(text, s.file_text));
	ll_free(text);
	ll_session_free(&s);
	snprintf(q, sizeof q, "rm -rf %s", dir);
	LL_CHECK_INT(system(q), 0);
}

/* ll_session_set runs the steps' checks across keys (D6): a [tca] rank
 * outside ranks is refused at once, the old value stays and nothing
 * becomes pending or edited; a value inside is taken. */
static void test_set_checks_across_keys(void)
{
	ll_session s;
	ll_err e = {0, ""};
	LL_CHECK_INT(ll_session_load_text(&s, "[data]\nkind = synth\n[tca]\nranks = 1-8\nrank = 2\n", "x.lab", &e), LL_OK);
	s.state[LL_STEP_DATA] = LL_STATE_DONE;
	LL_CHECK_INT(ll_session_set(&s, LL_STEP_TCA, "rank", "9", &e), LL_EINVAL);
	LL_CHECK(strstr(e.msg, "[tca] rank = 9 is outside ranks = 1-8") != NULL);
	LL_CHECK_STR(ll_session_get(&s, LL_STEP_TCA, "rank"), "2");
	LL_CHECK_INT(ll_session_get_int(&s, LL_STEP_TCA, "rank"), 2);
	LL_CHECK_INT(s.dirty, 0);
	LL_CHECK_INT(s.state[LL_STEP_DATA], LL_STATE_DONE);
	LL_CHECK_INT(ll_session_set(&s, LL_STEP_TCA, "ranks", "3-5", &e), LL_EINVAL);
	LL_CHECK_STR(ll_session_get(&s, LL_STEP_TCA, "ranks"), "1-8");
	LL_CHECK_INT(ll_session_set(&s, LL_STEP_TCA, "rank", "8", &e), LL_OK);
	LL_CHECK_INT(ll_session_get_int(&s, LL_STEP_TCA, "rank"), 8);
	LL_CHECK_INT(s.dirty, 1);
	ll_session_free(&s);
}

/* D13: which keys matter with the values as they are */
static void test_param_used(void)
{
	ll_session s;
	ll_err e = {0, ""};
	char why[64];
	LL_CHECK_INT(ll_session_load_text(&s, "[data]\nkind = synth\n[tca]\n", "u.lab", &e), LL_OK);
	LL_CHECK_INT(ll_session_param_used(&s, LL_STEP_DATA, "neurons", why, sizeof why), 1);
	LL_CHECK_INT(ll_session_param_used(&s, LL_STEP_DATA, "path", why, sizeof why), 0);
	LL_CHECK_STR(why, "kind = synth");
	LL_CHECK_INT(ll_session_param_used(&s, LL_STEP_DATA, "labels", why, sizeof why), 0);
	LL_CHECK_INT(ll_session_param_used(&s, LL_STEP_DATA, "dataset", why, sizeof why), 0);
	LL_CHECK_INT(ll_session_param_used(&s, LL_STEP_DATA, "kind", why, sizeof why), 1);
	LL_CHECK_INT(ll_session_param_used(&s, LL_STEP_TCA, "ranks", why, sizeof why), 1);
	LL_CHECK_INT(ll_session_set(&s, LL_STEP_DATA, "kind", "npy", &e), LL_OK);
	LL_CHECK_INT(ll_session_param_used(&s, LL_STEP_DATA, "neurons", why, sizeof why), 0);
	LL_CHECK_STR(why, "kind = npy");
	LL_CHECK_INT(ll_session_param_used(&s, LL_STEP_DATA, "path", why, sizeof why), 1);
	LL_CHECK_INT(ll_session_param_used(&s, LL_STEP_DATA, "mask", why, sizeof why), 1);
	LL_CHECK_INT(ll_session_set(&s, LL_STEP_DATA, "kind", "mnist", &e), LL_OK);
	LL_CHECK_INT(ll_session_param_used(&s, LL_STEP_DATA, "path", why, sizeof why), 1);
	LL_CHECK_INT(ll_session_param_used(&s, LL_STEP_DATA, "modes", why, sizeof why), 0);
	LL_CHECK_INT(ll_session_param_used(&s, LL_STEP_DATA, "hdf5", why, sizeof why), 1); /* no such key */
	ll_session_free(&s);
}

int main(void)
{
	LL_RUN(test_param_used);
	LL_RUN(test_parse_ok);
	LL_RUN(test_bom);
	LL_RUN(test_demo_parses);
	LL_RUN(test_parse_errors);
	LL_RUN(test_set_and_roundtrip);
	LL_RUN(test_load_file_errors);
	LL_RUN(test_paths_follow_the_file);
	LL_RUN(test_typed_getters);
	LL_RUN(test_bad_lookups_abort);
	LL_RUN(test_step_list);
	LL_RUN(test_long_lines);
	LL_RUN(test_edit_in_place);
	LL_RUN(test_save_keeps_comments);
	LL_RUN(test_set_checks_across_keys);
	return ll_test_done();
}

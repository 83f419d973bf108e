/* A cancel from another thread, as the workbench's UI thread sends one to
 * its worker: the running step stops with LL_ECANCELED, keeps no
 * results, and the session runs again afterwards.  Built with
 * --enable-tsan (CI), ThreadSanitizer checks that the flag is shared
 * correctly (it was a plain volatile int once: a data race). */
#include <pthread.h>
#include <stdatomic.h>
#include <time.h>

#include "ll_test.h"
#include "pipeline/ll_session.h"

typedef struct job {
	ll_session *s;
	ll_err err;
	int rc;
	atomic_int started;
} job;

static int progress(void *ud, const ll_progress *p)
{
	job *j = ud;
	(void)p;
	atomic_store(&j->started, 1);
	return 0;
}

static void *worker(void *arg)
{
	job *j = arg;
	j->rc = ll_session_run_all(j->s, NULL, progress, j, &j->err);
	return NULL;
}

static void test_cancel_from_another_thread(void)
{
	ll_session s;
	ll_err e = {0, ""};
	/* a tca step that runs for minutes unless canceled */
	LL_CHECK_INT(ll_session_load_text(&s, "[session]\nthreads = 1\n[data]\nkind = synth\n[tca]\nranks = 1-8\n"
					      "replicates = 20\ntol = 0\nmax_iter = 100000\n", "long.lab", &e), LL_OK);
	atomic_int cancel = 0;
	s.cancel = &cancel;
	job j = {.s = &s, .err = {0, ""}, .rc = 0};
	atomic_init(&j.started, 0);
	pthread_t th;
	LL_CHECK_INT(pthread_create(&th, NULL, worker, &j), 0);
	while (!atomic_load(&j.started))
		nanosleep(&(struct timespec){0, 1000000}, NULL);
	nanosleep(&(struct timespec){0, 50000000}, NULL);
	atomic_store(&cancel, 1);
	pthread_join(th, NULL);
	LL_CHECK_INT(j.rc, LL_ECANCELED);
	LL_CHECK(s.state[LL_STEP_TCA] == LL_STATE_FAILED && s.res.tca == NULL);
	LL_CHECK(s.state[LL_STEP_TENSOR] == LL_STATE_DONE);
	/* a shorter tca runs to the end once the flag is down */
	atomic_store(&cancel, 0);
	LL_CHECK_INT(ll_session_set(&s, LL_STEP_TCA, "max_iter", "5", &e), LL_OK);
	LL_CHECK_INT(ll_session_set(&s, LL_STEP_TCA, "ranks", "1-2", &e), LL_OK);
	LL_CHECK_INT(ll_session_run_all(&s, NULL, NULL, NULL, &e), LL_OK);
	LL_CHECK(s.state[LL_STEP_TCA] == LL_STATE_DONE);
	ll_session_free(&s);
}

int main(void)
{
	LL_RUN(test_cancel_from_another_thread);
	return ll_test_done();
}

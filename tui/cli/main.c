/* latentlab: the command dispatcher. */
#include "config.h"

#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <getopt.h>
#include <unistd.h>

#include "base/ll_common.h"
#include "base/ll_fs.h"
#include "base/ll_limits.h"
#include "base/ll_threads.h"
#include "cli/cmd.h"

static const ll_cmd *const commands[] = {
#define LL_CMD(name) &ll_cmd_##name,
#include "cli/commands.def"
#undef LL_CMD
};
#define NCOMMANDS (sizeof commands / sizeof commands[0])

/* An error is one line: a message quotes paths and file text, where a
 * newline, a carriage return or an escape would split it or move the
 * cursor.  Control characters print as '?'. */
static void put_one_line(const char *fmt, va_list ap)
{
	char buf[4096];
	int n = vsnprintf(buf, sizeof buf, fmt, ap);
	if (n < 0)
		buf[0] = '\0';
	for (char *q = buf; *q; q++)
		if ((unsigned char)*q < 0x20 || *q == 0x7f)
			*q = '?';
	fputs(buf, stderr);
	if (n >= (int)sizeof buf)
		fputs("...", stderr);
}

void cmd_error(const char *fmt, ...)
{
	va_list ap;
	fputs("latentlab: ", stderr);
	va_start(ap, fmt);
	put_one_line(fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

int cmd_usage_error(const char *cmd, const char *fmt, ...)
{
	va_list ap;
	fprintf(stderr, "latentlab: %s: ", cmd);
	va_start(ap, fmt);
	put_one_line(fmt, ap);
	va_end(ap);
	fprintf(stderr, " (try 'latentlab %s --help')\n", cmd);
	return 2;
}

int cmd_bad_option(const char *cmd, int c, char **argv)
{
	if (c == ':')
		return cmd_usage_error(cmd, "option '%s' needs a value", argv[optind - 1]);
	if (optopt > 0 && optopt < 256)
		return cmd_usage_error(cmd, "unknown option '-%c'", optopt);
	return cmd_usage_error(cmd, "unknown option '%s'", argv[optind - 1]);
}

char *cmd_join_args(int argc, char **argv)
{
	size_t len = 16;
	for (int i = 0; i < argc; i++)
		len += strlen(argv[i]) + 1;
	char *s = ll_malloc(len);
	if (!s)
		return NULL;
	strcpy(s, "latentlab");
	for (int i = 0; i < argc; i++) {
		strcat(s, " ");
		strcat(s, argv[i]);
	}
	return s;
}

int cmd_parse_count(const char *arg, size_t lo, size_t hi, size_t *out)
{
	if (!arg || !*arg)
		return 0;
	size_t v = 0;
	for (const char *p = arg; *p; p++) {
		size_t d = (size_t)(*p - '0');
		if (*p < '0' || *p > '9' || v > (SIZE_MAX - d) / 10)
			return 0;
		v = v * 10 + d;
	}
	if (v < lo || v > hi)
		return 0;
	*out = v;
	return 1;
}

static void csv_name(FILE *fp, const char *s)
{
	if (!strpbrk(s, ",\"\n\r")) {
		fputs(s, fp);
		return;
	}
	fputc('"', fp);
	for (; *s; s++) {
		if (*s == '"')
			fputc('"', fp);
		fputc(*s, fp);
	}
	fputc('"', fp);
}

int cmd_write_matrix_csv(const char *dir, const char *file, const char *const *rows, size_t N,
			 const double *M, size_t cols, const char *const *colnames, ll_err *err)
{
	ll_afile af;
	int rc = ll_afile_open_in(&af, dir, file, err);
	if (rc != LL_OK)
		return rc;
	fputs("system", af.fp);
	for (size_t c = 0; c < cols; c++) {
		fputc(',', af.fp);
		csv_name(af.fp, colnames ? colnames[c] : rows[c]);
	}
	fputc('\n', af.fp);
	for (size_t a = 0; a < N; a++) {
		csv_name(af.fp, rows[a]);
		for (size_t c = 0; c < cols; c++)
			fprintf(af.fp, ",%.17g", M[a * cols + c]);
		fputc('\n', af.fp);
	}
	return ll_afile_commit(&af, err);
}

int cmd_parse_bytes(const char *cmd, const char *opt, const char *arg, size_t *out)
{
	if (arg && ll_parse_bytes(arg, out) == 0)
		return 0;
	fprintf(stderr, "latentlab: %s: %s: expected a size such as 512M (K, M, G: powers of 1024), got '%s'"
		" (try 'latentlab %s --help')\n", cmd, opt, arg ? arg : "", cmd);
	return 2;
}

void cmd_threads(int n)
{
	if (n > 0)
		ll_threads_push(n, NULL);
}

/* Idle OpenMP and OpenBLAS threads spin by default, and on a shared
 * machine the spinning takes the core that another process, or one of our
 * own preempted threads, needs (bench_threads: one rank's fused fit on both
 * cores beside one busy process took 2.9x as long as on one).  Both libraries read their settings when they are loaded,
 * before main, so set the ones the user has not set and start this
 * program again (base/ll_threads.h).  If that fails, run on as we are. */
static void threads_env(char **argv)
{
	int set = 0;
#define LL_SET_ENV(name, value)                                                                        \
	if (!getenv(name) && setenv(name, value, 1) == 0)                                              \
		set = 1;
	LL_THREADS_ENV(LL_SET_ENV)
#undef LL_SET_ENV
	if (!set)
		return;
	/* this program, not whatever argv[0] finds on PATH */
	char self[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
	if (n <= 0 || n >= (ssize_t)sizeof self - 1)
		return;
	self[n] = '\0';
	execv(self, argv);
}

static void usage(FILE *fp)
{
	fprintf(fp, "usage: latentlab COMMAND [OPTIONS]\n\n"
		"Find and compare low-dimensional latent structure in neural data.\n\n"
		"commands:\n");
	for (size_t i = 0; i < NCOMMANDS; i++)
		fprintf(fp, "  %-8s %s\n", commands[i]->name, commands[i]->summary);
	fprintf(fp, "\n'latentlab COMMAND --help' describes each command.  Threads: -j N (a\n"
		"session's threads) sets them; 0, the default, takes the CPUs free to\n"
		"latentlab, and idle threads sleep rather than spin ('latentlab info --threads').\n");
}

int main(int argc, char **argv)
{
	threads_env(argv);
	/* every command runs on the automatic count unless its -j says else */
	ll_threads_push(ll_threads_default(), NULL);
	/* the input limit's environment variable: a bad value is a usage
	 * error rather than silently the default (base/ll_limits.h) */
	const char *env = getenv(LL_INPUT_LIMIT_ENV);
	size_t bytes;
	if (env && ll_parse_bytes(env, &bytes) != 0) {
		cmd_error("%s: expected a size such as 512M (K, M, G: powers of 1024), got '%s'",
			  LL_INPUT_LIMIT_ENV, env);
		return 2;
	}
	if (argc < 2) {
		/* on a terminal: the workbench on the demo session */
		if (isatty(0) && isatty(1)) {
			static char name[] = "tui";
			char *tui_argv[] = {name, NULL};
			return ll_cmd_tui.run(1, tui_argv);
		}
		usage(stderr);
		return 2;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
		usage(stdout);
		return 0;
	}
	if (!strcmp(argv[1], "--version")) {
		printf("latentlab %s\n", PACKAGE_VERSION);
		return 0;
	}
	for (size_t i = 0; i < NCOMMANDS; i++)
		if (!strcmp(argv[1], commands[i]->name))
			return commands[i]->run(argc - 1, argv + 1);
	cmd_error("unknown command '%s' (try 'latentlab --help')", argv[1]);
	return 2;
}

/*
 * cmd.h - latentlab's subcommands.  Each is a descriptor ll_cmd_<name>
 * defined in its file and listed once in commands.def.  run takes
 * (argc, argv) with argv[0] the subcommand name and returns the process
 * exit status: 0 on success, 1 on a runtime error (message already
 * printed as one line on stderr), 2 on a usage error.
 */
#ifndef LL_CMD_H
#define LL_CMD_H

#include <stddef.h>

#include "base/ll_common.h"

typedef struct ll_cmd {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *summary; /* one line for `latentlab --help` */
} ll_cmd;

#define LL_CMD(name) extern const ll_cmd ll_cmd_##name;
#include "cli/commands.def"
#undef LL_CMD

/* "latentlab ARG..." (malloc'd, caller frees), or NULL when out of memory. */
char *cmd_join_args(int argc, char **argv);

/* Print "latentlab: <msg>" on stderr (one line). */
void cmd_error(const char *fmt, ...)
#if defined(__GNUC__)
	__attribute__((format(printf, 1, 2)))
#endif
	;

/* getopt_long's refusal c (':' a missing value, else an unknown option)
 * as cmd_usage_error's line; returns 2. */
int cmd_bad_option(const char *cmd, int c, char **argv);

/* Print "latentlab: CMD: <msg> (try 'latentlab CMD --help')" on stderr (one
 * line) and return 2, the usage-error exit status, for `return` as is. */
int cmd_usage_error(const char *cmd, const char *fmt, ...)
#if defined(__GNUC__)
	__attribute__((format(printf, 2, 3)))
#endif
	;

/* A whole number in [lo, hi] from arg: digits only (no sign, space or
 * exponent), no overflow.  1 with *out set; 0 if it is not one. */
int cmd_parse_count(const char *arg, size_t lo, size_t hi, size_t *out);

/* dir/file (ll_afile: temp file, then rename) as a CSV table: a header
 * "system" then the column names (colnames, or the row names when NULL:
 * an N x N matrix), then one line per row: its name, cols values (M is
 * N x cols, row-major, %.17g).  Names with a comma, quote or newline
 * are quoted. */
int cmd_write_matrix_csv(const char *dir, const char *file, const char *const *rows, size_t N,
			 const double *M, size_t cols, const char *const *colnames, ll_err *err);

/* A size in bytes given to OPT of command CMD (--max-input-bytes):
 * digits with an optional K, M, G or T (powers of 1024: "512M"), as
 * ll_parse_bytes reads it.  0 with *out set; else prints the usage error
 *   latentlab: CMD: OPT: expected a size such as 512M (K, M, G: powers of
 *   1024), got 'ARG' (try 'latentlab CMD --help')
 * and returns 2, the usage-error exit status, for `return` as is.  For
 * --max-input-bytes, the command then calls ll_input_limit_set(*out)
 * (base/ll_limits.h) before it reads anything. */
int cmd_parse_bytes(const char *cmd, const char *opt, const char *arg, size_t *out);

/* Run this command's work on n threads (its -j N; base/ll_threads.h): the
 * OpenMP and OpenBLAS counts.  n = 0 keeps the automatic count main set. */
void cmd_threads(int n);

#endif

/*
 * cmd.h - latentlab's subcommands.  Each is a descriptor ll_cmd_<name>
 * defined in its file and listed once in commands.def.  run takes
 * (argc, argv) with argv[0] the subcommand name and returns the process
 * exit status: 0 on success, 1 on a runtime error (message already
 * printed as one line on stderr), 2 on a usage error.
 */
#ifndef LL_CMD_H
#define LL_CMD_H

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

#endif

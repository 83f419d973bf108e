/* latentlab: the command dispatcher. */
#include "config.h"

#include <stdarg.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "base/ll_common.h"
#include "cli/cmd.h"

static const ll_cmd *const commands[] = {
#define LL_CMD(name) &ll_cmd_##name,
#include "cli/commands.def"
#undef LL_CMD
};
#define NCOMMANDS (sizeof commands / sizeof commands[0])

void cmd_error(const char *fmt, ...)
{
	va_list ap;
	fputs("latentlab: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
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

static void usage(FILE *fp)
{
	fprintf(fp, "usage: latentlab COMMAND [OPTIONS]\n\n"
		"Find and compare low-dimensional latent structure in neural data.\n\n"
		"commands:\n");
	for (size_t i = 0; i < NCOMMANDS; i++)
		fprintf(fp, "  %-8s %s\n", commands[i]->name, commands[i]->summary);
	fprintf(fp, "\n'latentlab COMMAND --help' describes each command.\n");
}

int main(int argc, char **argv)
{
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

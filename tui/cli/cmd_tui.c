/*
 * latentlab tui: open the workbench on a session file (default: the
 * built-in demo session).  Step results and the report go to OUTDIR as
 * `latentlab run SESSION -o OUTDIR` writes them.  Everything that can go
 * wrong before the screen opens is reported here, on a normal terminal.
 */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/ll_limits.h"
#include "cli/cmd.h"
#include "pipeline/ll_session.h"
#include "wb/wb.h"

static void tui_usage(FILE *fp)
{
	fputs("usage: latentlab tui [SESSION] [-o OUTDIR] [--ascii|--utf8] [--no-color]\n"
	      "                     [--theme dark|light|auto] [--no-mouse]\n"
	      "\n"
	      "Open the workbench on SESSION (default: the built-in demo session): run its\n"
	      "steps, edit their parameters, browse the TCA factors and the 3-D\n"
	      "trajectories, and write the report.  Results and the report go to OUTDIR,\n"
	      "exactly as 'latentlab run SESSION -o OUTDIR' writes them.  Press ? inside\n"
	      "for every key.  'latentlab' with no arguments on a terminal does the same\n"
	      "with the demo session.\n"
	      "\noptions:\n"
	      "  -o, --output OUTDIR   write results here (default: latentlab-out)\n"
	      "      --ascii           ASCII glyphs only (default when the locale is not UTF-8)\n"
	      "      --utf8            Unicode glyphs (braille, blocks) whatever the locale\n"
	      "      --no-color        no colour (as the NO_COLOR variable, which wins over any theme)\n"
	      "      --theme T         dark (default), light (for a light background) or auto\n"
	      "                        (from COLORFGBG); also LATENTLAB_THEME=T, and :theme T inside\n"
	      "      --no-mouse        leave the mouse to the terminal (its own selection);\n"
	      "                        also LATENTLAB_MOUSE=0, and :mouse on|off inside.  While the\n"
	      "                        mouse is on, Shift-drag selects text in most terminals\n"
	      "      --keys            print every key and : command, then exit\n"
	      "      --force           write into a non-empty folder latentlab did not make\n"
	      "      --max-input-bytes N  refuse inputs that decode to more than N bytes\n"
	      "  -h, --help            show this help\n"
	      "\nExit status: 0 success, 1 error, 2 usage error.\n", fp);
}

static int cmd_tui(int argc, char **argv)
{
	static const struct option opts[] = {
		{"output", required_argument, NULL, 'o'}, {"ascii", no_argument, NULL, 'A'},
		{"utf8", no_argument, NULL, 'U'},         {"no-color", no_argument, NULL, 'C'},
		{"keys", no_argument, NULL, 'K'},         {"help", no_argument, NULL, 'h'},
		{"force", no_argument, NULL, 'F'},        {"max-input-bytes", required_argument, NULL, 'B'},
		{"theme", required_argument, NULL, 'T'},  {"no-mouse", no_argument, NULL, 'M'},
		{NULL, 0, NULL, 0},
	};
	wb_opts o;
	int c;
	memset(&o, 0, sizeof o);
	o.outdir = "latentlab-out";
	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, ":o:h", opts, NULL)) != -1) {
		switch (c) {
		case 'o': o.outdir = optarg; break;
		case 'A': o.ascii = 1; o.utf8 = 0; break;
		case 'U': o.utf8 = 1; o.ascii = 0; break;
		case 'C': o.no_color = 1; break;
		case 'F': o.force = 1; break;
		case 'M': o.no_mouse = 1; break;
		case 'T':
			if (ll_theme_kind_pick(optarg, NULL) < 0) {
				cmd_error("tui: --theme takes dark, light or auto, not '%s'", optarg);
				return 2;
			}
			o.theme = optarg;
			break;
		case 'B': {
			size_t lim;
			if (cmd_parse_bytes("tui", "--max-input-bytes", optarg, &lim) != 0)
				return 2;
			ll_input_limit_set(lim);
			break;
		}
		case 'h': tui_usage(stdout); return 0;
		case 'K': wb_keys_print(stdout); return 0;
		case ':':
			cmd_error("tui: option '%s' needs a value (try 'latentlab tui --help')", argv[optind - 1]);
			return 2;
		default:
			cmd_error("tui: unknown option '%s' (try 'latentlab tui --help')", argv[optind - 1]);
			return 2;
		}
	}
	const char *path = optind < argc ? argv[optind++] : NULL;
	if (optind < argc) {
		cmd_error("tui: unexpected argument '%s'", argv[optind]);
		return 2;
	}
	if (!*o.outdir) {
		cmd_error("tui: -o needs a directory name");
		return 2;
	}
	ll_session s;
	ll_err err = {0, ""};
	int rc = path ? ll_session_load(&s, path, &err)
		      : ll_session_load_text(&s, ll_session_demo_text(), "(built-in demo)", &err);
	if (rc != LL_OK) {
		cmd_error("%s", err.msg);
		return 1;
	}
	if (!isatty(0) || !isatty(1)) {
		ll_session_free(&s);
		cmd_error("tui: the workbench needs a terminal on stdin and stdout "
			  "(use 'latentlab run' in scripts)");
		return 2;
	}
	s.dirty = 0;
	char *cmdline = cmd_join_args(argc, argv);
	o.cmdline = cmdline;
	int code = wb_run(&s, &o);
	ll_free(cmdline);
	ll_session_free(&s);
	return code;
}

const ll_cmd ll_cmd_tui = {"tui", cmd_tui, "open the terminal workbench (what 'latentlab' alone does on a terminal)"};

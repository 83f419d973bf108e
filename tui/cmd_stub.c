/* Temporary stubs until the commands land. */
#include "cmd.h"
int cmd_info(int argc, char **argv) { (void)argc; (void)argv; cmd_error("info: not built yet"); return 1; }
int cmd_tca(int argc, char **argv) { (void)argc; (void)argv; cmd_error("tca: not built yet"); return 1; }

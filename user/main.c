// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* agent-trace: the command line to one mode: trace (agent/run.c), --check, -l, help, version. */
#include <stdio.h>

#include "check.h"
#include "cli.h"
#include "list.h"
#include "log.h"
#include "run.h"

int main(int argc, char **argv)
{
	struct config cfg;
	char err[512];

	if (cli_parse(argc, argv, &cfg, err, sizeof(err)))
		return log_error(EXIT_USAGE, "%s", err);
	if (cfg.help) {
		cli_usage(stdout);
		return EXIT_OK;
	}
	if (cfg.version) {
		printf("agent-trace %s\n", AT_VERSION);
		return EXIT_OK;
	}
	if (cfg.list) {
		/* No BPF, no privileges: only ELF files are read. */
		if (list_probes(stdout, cfg.list_pattern ? cfg.list_pattern : "*",
				cfg.npids ? cfg.pids[0] : 0, cfg.verbose, err, sizeof(err)))
			return log_error(EXIT_USAGE, "%s", err);
		return EXIT_OK;
	}
	if (cfg.check_file)
		return agent_check(&cfg);
	return agent_run(&cfg);
}

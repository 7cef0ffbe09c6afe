// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* --check: a probe file validated, its SPECs resolved when a process is given; nothing loaded. */
#include <stdio.h>

#include "check.h"
#include "log.h"
#include "plan.h"
#include "probefile.h"
#include "probes.h"
#include "proc.h"

int agent_check(const struct config *cfg)
{
	struct probefile *pf;
	struct resolve_scope pc = {};
	struct plan none = {};
	char err[1024];
	int code = EXIT_OK;

	if (probefile_load(cfg->check_file, &pf, err, sizeof(err)))
		return log_error(EXIT_USAGE, "%s", err);
	if (cfg->npids) {
		pc.pid = proc_tgid(cfg->pids[0]);
		if (pc.pid < 0) {
			code = log_error(EXIT_RUNTIME, "-p %d: no such process", cfg->pids[0]);
			goto out;
		}
		for (unsigned i = 0; i < pf->nprobes; i++) {
			const struct pf_probe *fp = &pf->probes[i];
			int n;

			if (fp->kind == PF_SYSCALL)
				continue;
			n = probes__resolve(&fp->spec, fp->kind == PF_USDT ? fp->provider : NULL,
					    &pc, err, sizeof(err));
			if (n < 0) {
				code = log_error(EXIT_USAGE, "%s: probe '%s': %s", cfg->check_file,
						 fp->name, err);
				goto out;
			}
		}
	}
	if (cfg->dry_run)
		plan_diff(&none, pf, stdout, NULL);
	printf("%s: valid, %u probes%s\n", cfg->check_file, pf->nprobes,
	       cfg->npids ? ", symbols resolved" : "");
out:
	probefile_free(pf);
	return code;
}

#!/usr/bin/env node
// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
// Checks OTLP JSON files (golden files) against the OpenTelemetry definitions, as the receiver does.
'use strict';

const fs = require('fs');
const { FRAGMENTS, Invalid, checkObject } = require('./otlp.js');

const USAGE = `usage: check_golden.js [--logs | --metrics | --fragment NAME] FILE...
  Each FILE holds one JSON value checked as the message the flag before it names;
  with no flag, a request chosen by its top-level key (resourceLogs, resourceMetrics).
  --logs        ExportLogsServiceRequest      --metrics  ExportMetricsServiceRequest
  --fragment NAME, one message alone: ${Object.keys(FRAGMENTS).join(', ')}`;

function usage(msg) {
	process.stderr.write(`check_golden: ${msg}\n${USAGE}\n`);
	process.exit(2);
}

// The message a file is checked as: the flag's, or the request its top-level key says.
function typeFor(flag, obj) {
	if (flag)
		return FRAGMENTS[flag];
	if (obj && typeof obj === 'object' && 'resourceLogs' in obj)
		return FRAGMENTS.logs;
	if (obj && typeof obj === 'object' && 'resourceMetrics' in obj)
		return FRAGMENTS.metrics;
	return null;
}

function main(argv) {
	let flag = null, n = 0;

	for (let i = 0; i < argv.length; i++) {
		const a = argv[i];

		if (a === '--logs' || a === '--metrics') {
			flag = a.slice(2);
			continue;
		}
		if (a === '--fragment') {
			flag = (argv[++i] || '').toLowerCase();
			if (!(flag in FRAGMENTS))
				usage(`--fragment ${JSON.stringify(argv[i] || '')}: no such message`);
			continue;
		}
		if (a === '-h' || a === '--help')
			usage('checks files');
		if (a.startsWith('--'))
			usage(`unknown option ${a}`);

		let obj;
		try {
			obj = JSON.parse(fs.readFileSync(a, 'utf8'));
		} catch (e) {
			process.stderr.write(`check_golden: ${a}: ${e.message}\n`);
			process.exit(1);
		}
		const Type = typeFor(flag, obj);
		if (!Type) {
			process.stderr.write(`check_golden: ${a}: no resourceLogs or resourceMetrics at ` +
					     'the top: say which message it is (--fragment NAME)\n');
			process.exit(1);
		}
		try {
			checkObject(Type, obj);
		} catch (e) {
			if (!(e instanceof Invalid))
				throw e;
			process.stderr.write(`check_golden: ${a}: ${e.message}\n`);
			process.exit(1);
		}
		n++;
	}
	if (!n)
		usage('no files');
	process.stdout.write(`check_golden: ${n} file${n === 1 ? '' : 's'} valid\n`);
}

main(process.argv.slice(2));

#!/usr/bin/env node
// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
// Facts from the receiver's log (--out FILE) for the integration tests, printed as one number.
'use strict';

const fs = require('fs');

const USAGE = `KEY=VALUE matches a record's or a point's attribute; res:KEY=VALUE its resource's.
usage: count.js logs LOG [KEY=VALUE...]     log records whose attributes match
       count.js metric LOG NAME [KEY=VALUE...]  the last point of NAME (sum value, histogram count)
       count.js metric-sum LOG NAME [KEY=VALUE...]  the sum of every point of NAME (deltas)
       count.js temporality LOG NAME  aggregationTemporality of NAME's last point
       count.js scope LOG KEY                   sum of a scope attribute over the logs requests
       count.js header LOG NAME                 requests that carried header NAME: the last value`;

function die(msg) {
	process.stderr.write(`count.js: ${msg}\n${USAGE}\n`);
	process.exit(2);
}

function lines(path) {
	return fs.readFileSync(path, 'utf8').split('\n').filter((l) => l).map((l) => JSON.parse(l));
}

// An AnyValue as a string: stringValue, intValue (already a string), bool, double.
function anyValue(v) {
	if (!v)
		return undefined;
	for (const k of ['stringValue', 'intValue', 'boolValue', 'doubleValue'])
		if (k in v)
			return String(v[k]);
	return undefined;
}

function matches(attrs, want) {
	const got = new Map((attrs || []).map((a) => [a.key, anyValue(a.value)]));
	return want.every(([k, v]) => got.get(k) === v);
}

function parseWant(args) {
	return args.map((a) => {
		const i = a.indexOf('=');
		if (i < 1)
			die(`'${a}' is not KEY=VALUE`);
		return [a.slice(0, i), a.slice(i + 1)];
	});
}

// The wants of a resource (res:KEY=VALUE) apart from the others.
function splitWant(want) {
	return [want.filter(([k]) => !k.startsWith('res:')),
		want.filter(([k]) => k.startsWith('res:')).map(([k, v]) => [k.slice(4), v])];
}

function resMatches(res, want) {
	return matches(res && res.attributes, want);
}

const [cmd, log, ...rest] = process.argv.slice(2);
if (!cmd || !log)
	die('missing arguments');
const reqs = lines(log);

if (cmd === 'logs') {
	const [want, rwant] = splitWant(parseWant(rest));
	let n = 0;
	for (const r of reqs.filter((r) => r.path === '/v1/logs'))
		for (const rl of r.body.resourceLogs || [])
			for (const sl of (resMatches(rl.resource, rwant) && rl.scopeLogs) || [])
				for (const lr of sl.logRecords || [])
					if (matches(lr.attributes, want))
						n++;
	console.log(n);
} else if (cmd === 'metric') {
	const [name, ...w] = rest;
	const [want, rwant] = splitWant(parseWant(w));
	let last = null;
	for (const r of reqs.filter((r) => r.path === '/v1/metrics'))
		for (const rm of r.body.resourceMetrics || [])
			for (const sm of (resMatches(rm.resource, rwant) && rm.scopeMetrics) || [])
				for (const m of sm.metrics || []) {
					if (m.name !== name)
						continue;
					const data = m.sum || m.gauge || m.histogram;
					for (const p of (data && data.dataPoints) || [])
						if (matches(p.attributes, want))
							last = m.histogram ? p.count : (p.asInt !== undefined ? p.asInt : p.asDouble);
				}
	console.log(last === null ? 'none' : String(last));
} else if (cmd === 'metric-sum' || cmd === 'temporality') {
	const [name, ...w] = rest;
	const [want, rwant] = splitWant(parseWant(w));
	let sum = 0, temp = 'none';
	for (const r of reqs.filter((r) => r.path === '/v1/metrics'))
		for (const rm of r.body.resourceMetrics || [])
			for (const sm of (resMatches(rm.resource, rwant) && rm.scopeMetrics) || [])
				for (const m of sm.metrics || []) {
					if (m.name !== name)
						continue;
					const data = m.sum || m.histogram;
					temp = data && data.aggregationTemporality !== undefined ? data.aggregationTemporality : temp;
					for (const p of (data && data.dataPoints) || [])
						if (matches(p.attributes, want))
							sum += Number(m.histogram ? p.count : p.asInt);
				}
	console.log(cmd === 'temporality' ? String(temp) : String(sum));
} else if (cmd === 'scope') {
	let n = 0;
	for (const r of reqs.filter((r) => r.path === '/v1/logs'))
		for (const rl of r.body.resourceLogs || [])
			for (const sl of rl.scopeLogs || [])
				for (const a of (sl.scope && sl.scope.attributes) || [])
					if (a.key === rest[0])
						n += Number(anyValue(a.value));
	console.log(n);
} else if (cmd === 'header') {
	let last = 'none';
	for (const r of reqs)
		if (r.headers && rest[0] in r.headers)
			last = r.headers[rest[0]];
	console.log(last);
} else {
	die(`unknown command '${cmd}'`);
}

// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
// OTLP message checks against the OpenTelemetry project's own generated definitions.
'use strict';

const path = require('path');

// The protobufjs static module @opentelemetry/otlp-transformer 0.52.1 ships: the
// messages generated from opentelemetry-proto, not a copy of ours.
const ROOT_JS = path.join(__dirname, 'node_modules', '@opentelemetry', 'otlp-transformer', 'build',
	'src', 'generated', 'root.js');
let root;
try {
	root = require(ROOT_JS);
} catch (e) {
	process.stderr.write(`otlp: ${ROOT_JS}: ${e.message.split('\n')[0]}: make deps installs it\n`);
	process.exit(1);
}
const P = root.opentelemetry.proto;

// What each export path carries, and its response.
const SIGNALS = {
	'/v1/logs': {
		kind: 'logs',
		request: P.collector.logs.v1.ExportLogsServiceRequest,
		response: P.collector.logs.v1.ExportLogsServiceResponse,
		rejectedField: 'rejectedLogRecords',
	},
	'/v1/metrics': {
		kind: 'metrics',
		request: P.collector.metrics.v1.ExportMetricsServiceRequest,
		response: P.collector.metrics.v1.ExportMetricsServiceResponse,
		rejectedField: 'rejectedDataPoints',
	},
};

// Messages a golden file may hold alone (check_golden.js --fragment NAME).
const FRAGMENTS = {
	logs: P.collector.logs.v1.ExportLogsServiceRequest,
	metrics: P.collector.metrics.v1.ExportMetricsServiceRequest,
	logrecord: P.logs.v1.LogRecord,
	resourcelogs: P.logs.v1.ResourceLogs,
	scopelogs: P.logs.v1.ScopeLogs,
	metric: P.metrics.v1.Metric,
	resourcemetrics: P.metrics.v1.ResourceMetrics,
	scopemetrics: P.metrics.v1.ScopeMetrics,
	numberdatapoint: P.metrics.v1.NumberDataPoint,
	histogramdatapoint: P.metrics.v1.HistogramDataPoint,
	anyvalue: P.common.v1.AnyValue,
	keyvalue: P.common.v1.KeyValue,
	resource: P.resource.v1.Resource,
};

// The OTLP/HTTP JSON mapping: 64-bit integers as strings, enums as integers, no
// defaults filled in; json turns NaN and Infinity into the strings JSON carries.
// arrays: every repeated field of the definition appears (empty when unset), so an
// empty array in the original is accepted only where the definition has that field.
const TO_OBJECT = { longs: String, enums: Number, bytes: String, defaults: false, json: true };
const TO_OBJECT_ARRAYS = Object.assign({ arrays: true }, TO_OBJECT);

// Bytes fields the JSON mapping writes as hex (not base64), and their lengths in bytes.
const HEX_IDS = { traceId: 16, spanId: 8, parentSpanId: 8 };

class Invalid extends Error {}

function isPlainObject(v) {
	return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function show(v) {
	const s = JSON.stringify(v);
	return s === undefined ? String(v) : s.length > 60 ? s.slice(0, 57) + '...' : s;
}

/*
 * Where a value is: a chain of {up, key} spelled out only for an error message,
 * since building a path string for each of a large request's values costs more
 * than the check itself.
 */
function spell(at) {
	let s = '';

	for (; at.up; at = at.up)
		s = (typeof at.key === 'number' ? `[${at.key}]` : `.${at.key}`) + s;
	return at.key + s;
}

const has = (o, k) => Object.prototype.hasOwnProperty.call(o, k);

// orig (the parsed JSON) against back (its conversion and return): same fields, same values.
function compare(orig, back, at) {
	if (Array.isArray(orig)) {
		if (!Array.isArray(back) || back.length !== orig.length)
			throw new Invalid(`${spell(at)}: array of ${orig.length} became ${show(back)}`);
		for (let i = 0; i < orig.length; i++)
			compare(orig[i], back[i], { up: at, key: i });
		return;
	}
	if (isPlainObject(orig)) {
		if (!isPlainObject(back))
			throw new Invalid(`${spell(at)}: object became ${show(back)}`);
		for (const k in orig) {
			if (!has(orig, k))
				continue;
			if (!has(back, k)) {
				const where = spell({ up: at, key: k });

				if (orig[k] === null)
					throw new Invalid(`${where}: null (leave the field out instead)`);
				throw new Invalid(`${where}: no such field in the definition (misspelt?), ` +
						  `or its value ${show(orig[k])} is lost in conversion`);
			}
			if (k in HEX_IDS)
				checkHexId(k, orig[k], at);
			compare(orig[k], back[k], { up: at, key: k });
		}
		// Fields back has and the original lacks: only the empty arrays of arrays: true.
		for (const k in back) {
			if (has(back, k) && !has(orig, k) &&
			    !(Array.isArray(back[k]) && back[k].length === 0))
				throw new Invalid(`${spell({ up: at, key: k })}: appears in conversion as ` +
						  show(back[k]));
		}
		return;
	}
	if (typeof orig !== typeof back)
		throw new Invalid(`${spell(at)}: ${typeof orig} ${show(orig)} has the wrong type: ` +
				  `the definition makes it ${typeof back} ${show(back)}`);
	if (orig !== back)
		throw new Invalid(`${spell(at)}: ${show(orig)} does not survive conversion: ${show(back)}`);
}

const HEX_RE = { 16: /^[0-9a-fA-F]{32}$/, 8: /^[0-9a-fA-F]{16}$/ };

function checkHexId(k, v, at) {
	if (typeof v !== 'string' || (v !== '' && !HEX_RE[HEX_IDS[k]].test(v)))
		throw new Invalid(`${spell({ up: at, key: k })}: ${show(v)} is not ` +
				  `${HEX_IDS[k] * 2} hex digits (the JSON mapping's ${k})`);
}

function typeName(Type) {
	return Type.getTypeUrl ? Type.getTypeUrl('').replace(/^\//, '') : 'message';
}

/*
 * The ids from one string form to the other, in place: protobufjs's objects carry
 * bytes as base64, the JSON mapping writes these as hex.
 */
function convertIds(v, from, to) {
	if (Array.isArray(v))
		return v.forEach((e) => convertIds(e, from, to));
	if (!isPlainObject(v))
		return;
	for (const k of Object.keys(v)) {
		if (k in HEX_IDS && typeof v[k] === 'string')
			v[k] = Buffer.from(v[k], from).toString(to);
		else
			convertIds(v[k], from, to);
	}
}

// A message from an object in the JSON mapping (throws protobufjs's TypeError).
function fromJson(Type, obj) {
	const copy = JSON.parse(JSON.stringify(obj));

	convertIds(copy, 'hex', 'base64');
	return Type.fromObject(copy);
}

// A message to an object in the JSON mapping (to JSON.stringify).
function toJson(Type, msg, options) {
	const obj = Type.toObject(msg, options || TO_OBJECT);

	convertIds(obj, 'base64', 'hex');
	return obj;
}

/*
 * Checks a parsed JSON value as a Type: fromObject, then toObject with the JSON
 * mapping's options, and the same field paths and values as the original.
 * Throws Invalid with the first difference; returns the original.
 */
function checkObject(Type, obj) {
	let msg;

	if (!isPlainObject(obj))
		throw new Invalid(`${typeName(Type)}: top level is ${show(obj)}, not an object`);
	try {
		// Hex ids go through as base64 and come back unchanged: hex digits are base64
		// digits, and 32 or 16 of them make whole 4-digit groups (checkHexId checks them).
		msg = Type.fromObject(obj);
	} catch (e) {
		// protobufjs names the field: ".opentelemetry.proto.logs.v1.LogRecord.body: object expected"
		throw new Invalid(e.message);
	}
	compare(obj, Type.toObject(msg, TO_OBJECT_ARRAYS), { key: typeName(Type) });
	return obj;
}

/*
 * Decodes protobuf bytes as a Type. Encoding the result again must give as many
 * bytes (unless !strict): fields the definition lacks are skipped by decode, and
 * would go unseen. Returns the message as the JSON mapping writes it.
 */
function checkProtobuf(Type, buf, strict = true) {
	let msg, again;

	try {
		msg = Type.decode(buf);
	} catch (e) {
		throw new Invalid(`${typeName(Type)}: protobuf does not decode: ${e.message}`);
	}
	again = strict ? Type.encode(msg).finish() : buf;
	if (again.length !== buf.length)
		throw new Invalid(`${typeName(Type)}: ${buf.length} bytes decode to a message of ` +
				  `${again.length}: fields not in the definition, or a non-canonical encoding`);
	return toJson(Type, msg);
}

// Log records and metric data points a request carries.
function countItems(kind, body) {
	let n = 0;

	if (kind === 'logs') {
		for (const rl of body.resourceLogs || [])
			for (const sl of rl.scopeLogs || [])
				n += (sl.logRecords || []).length;
		return n;
	}
	for (const rm of body.resourceMetrics || [])
		for (const sm of rm.scopeMetrics || [])
			for (const m of sm.metrics || [])
				for (const d of ['gauge', 'sum', 'histogram', 'exponentialHistogram', 'summary'])
					n += ((m[d] && m[d].dataPoints) || []).length;
	return n;
}

module.exports = { P, SIGNALS, FRAGMENTS, Invalid, checkObject, checkProtobuf, countItems, typeName,
		   fromJson, toJson };

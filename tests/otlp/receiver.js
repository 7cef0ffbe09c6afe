#!/usr/bin/env node
// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
// OTLP/HTTP test receiver: checks each request, records it, and injects faults on demand.
'use strict';

const fs = require('fs');
const http = require('http');
const zlib = require('zlib');
const { SIGNALS, Invalid, checkObject, checkProtobuf, countItems } = require('./otlp.js');

const USAGE = `usage: receiver.js [--port N] [--control-port N] [--out FILE] [--max-bytes N] [--no-check]
  --port N          OTLP/HTTP port on 127.0.0.1 (0, the default: any free one)
  --control-port N  port of /control and /stats alone, up while the OTLP port is down (0: any)
  --out FILE        append one JSON line per valid request to FILE
  --max-bytes N     larger request bodies get 413 (default 67108864)
  --no-check        only parse (JSON) or decode (protobuf) and count: for benchmarks
stdout: "listening PORT", then "control PORT"`;

const HOST = '127.0.0.1';
const OK = { mode: 'ok' };

function parseArgs(argv) {
	const o = { port: 0, controlPort: 0, out: null, maxBytes: 64 << 20, check: true };
	const num = (s, what) => {
		if (!/^\d+$/.test(s || '') || Number(s) > (what === 'port' ? 65535 : 2 ** 40)) {
			process.stderr.write(`receiver: ${what} ${JSON.stringify(s)} is not a number\n${USAGE}\n`);
			process.exit(2);
		}
		return Number(s);
	};

	for (let i = 0; i < argv.length; i++) {
		const a = argv[i];

		if (a === '--port')
			o.port = num(argv[++i], 'port');
		else if (a === '--control-port')
			o.controlPort = num(argv[++i], 'port');
		else if (a === '--out')
			o.out = argv[++i];
		else if (a === '--max-bytes')
			o.maxBytes = num(argv[++i], 'max-bytes');
		else if (a === '--no-check')
			o.check = false;
		else if (/^\d+$/.test(a))
			o.port = num(a, 'port');
		else {
			process.stderr.write(`receiver: unknown argument ${JSON.stringify(a)}\n${USAGE}\n`);
			process.exit(2);
		}
	}
	if (o.out === '') {
		process.stderr.write(`receiver: --out needs a file\n${USAGE}\n`);
		process.exit(2);
	}
	return o;
}

const opts = parseArgs(process.argv.slice(2));
const stats = {
	requests: 0,	// requests to the OTLP port, control and stats aside
	valid: 0,	// checked and recorded
	invalid: 0,	// rejected as malformed (400, 413, 415)
	faulted: 0,	// met an injected fault: status, reset, or slow with the client gone first
	// HTTP status sent, or "reset" (socket destroyed), "closed" (a slow answer's client
	// left), "aborted" (the client left before its body was in)
	by_status: {},
	log_records: 0, // log records in valid requests
	data_points: 0, // metric data points in valid requests
};
let fault = OK;	// what the next requests get: see control()
let otlpPort = opts.port;
let down = false;
let upTimer = null; // down's for_ms: when the OTLP port listens again
let relisten = null; // goUp's listen, until it listens

if (opts.out)
	fs.writeFileSync(opts.out, '');

function note(what) {
	stats.by_status[what] = (stats.by_status[what] || 0) + 1;
}

// The fault for this request; one with a count reverts to ok after that many.
function takeFault() {
	const f = fault;

	if (f.mode !== 'ok' && f.remaining !== undefined && --f.remaining <= 0)
		fault = OK;
	return f;
}

function send(res, status, type, body, headers) {
	note(String(status));
	res.writeHead(status, Object.assign({ 'Content-Type': type,
					      'Content-Length': Buffer.byteLength(body) }, headers));
	res.end(body);
}

// An error response: google.rpc.Status, as OTLP/HTTP answers failures.
function sendError(res, status, code, message, headers) {
	send(res, status, 'application/json', JSON.stringify({ code, message }) + '\n', headers);
}

function reject(res, status, message) {
	stats.invalid++;
	process.stderr.write(`receiver: ${status}: ${message}\n`);
	sendError(res, status, 3 /* INVALID_ARGUMENT */, message);
}

// Content-Encoding and Content-Type to the checked message as the JSON mapping writes it.
function decode(req, sig, raw) {
	const enc = (req.headers['content-encoding'] || 'identity').trim().toLowerCase();
	const type = (req.headers['content-type'] || '').split(';')[0].trim().toLowerCase();
	let data = raw, body;

	if (enc === 'gzip') {
		try {
			data = zlib.gunzipSync(raw);
		} catch (e) {
			throw new Invalid(`gzip body does not decompress: ${e.message}`);
		}
	} else if (enc !== 'identity') {
		throw Object.assign(new Invalid(`Content-Encoding ${enc}: gzip or identity`), { status: 415 });
	}
	if (type === 'application/json') {
		try {
			body = JSON.parse(data.toString('utf8'));
		} catch (e) {
			throw new Invalid(`body is not JSON: ${e.message}`);
		}
		if (opts.check)
			checkObject(sig.request, body);
	} else if (type === 'application/x-protobuf') {
		body = checkProtobuf(sig.request, data, opts.check);
	} else {
		throw Object.assign(new Invalid(`Content-Type ${JSON.stringify(type)}: ` +
						'application/json or application/x-protobuf'), { status: 415 });
	}
	return { enc, type, data, body };
}

// Checks and records one request, then answers it (partial success if f says so).
function accept(req, res, sig, raw, f) {
	let d, line;

	try {
		d = decode(req, sig, raw);
	} catch (e) {
		if (!(e instanceof Invalid))
			throw e;
		return reject(res, e.status || 400, `${req.url}: ${e.message}`);
	}
	line = { path: req.url, encoding: d.enc, content_type: d.type, bytes: raw.length,
		 decoded_bytes: d.data.length, body: d.body };
	// Authentication and custom headers as they arrived, for the tests that set them.
	const hdrs = Object.entries(req.headers).filter(([k]) => k === 'authorization' || k.startsWith('x-'));
	if (hdrs.length)
		line.headers = Object.fromEntries(hdrs);
	let response = {};
	if (f.mode === 'partial_success') {
		response = { partialSuccess: { [sig.rejectedField]: String(f.rejected),
					       errorMessage: f.message } };
		line.rejected = f.rejected;
	}
	// One write per line, before the stats and the answer: whoever saw either finds it.
	if (opts.out)
		fs.appendFileSync(opts.out, JSON.stringify(line) + '\n');
	stats.valid++;
	stats[sig.kind === 'logs' ? 'log_records' : 'data_points'] += countItems(sig.kind, d.body);
	if (d.type === 'application/x-protobuf')
		send(res, 200, d.type, sig.response.encode(sig.response.fromObject(response)).finish());
	else
		send(res, 200, 'application/json', JSON.stringify(response) + '\n');
}

function exportRequest(req, res, sig) {
	const chunks = [];
	let len = 0, tooLarge = false;
	const f = takeFault();

	// A client gone half-way is no error of the receiver's: counted, nothing else.
	req.on('error', () => {});
	req.on('close', () => req.complete || note('aborted'));
	req.on('data', (c) => {
		len += c.length;
		if (len > opts.maxBytes)
			tooLarge = true;
		else
			chunks.push(c);
	});
	req.on('end', () => {
		const raw = Buffer.concat(chunks);

		if (f.mode === 'reset') {
			stats.faulted++;
			note('reset');
			req.socket.destroy();
		} else if (f.mode === 'status') {
			stats.faulted++;
			sendError(res, f.status, 14 /* UNAVAILABLE */, `injected ${f.status}`,
				  f.retry_after !== undefined ? { 'Retry-After': f.retry_after } : {});
		} else if (tooLarge) {
			reject(res, 413, `${req.url}: body of ${len} bytes, more than ${opts.maxBytes}`);
		} else if (f.mode === 'slow') {
			// The client may give up first: then it never had an answer, and nothing is recorded.
			setTimeout(() => {
				if (res.destroyed || req.socket.destroyed)
					return stats.faulted++, note('closed');
				accept(req, res, sig, raw, f);
			}, f.delay_ms);
		} else {
			accept(req, res, sig, raw, f);
		}
	});
}

function readJson(req, cb) {
	const chunks = [];

	req.on('data', (c) => chunks.push(c));
	req.on('end', () => {
		let v;

		try {
			v = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}');
		} catch (e) {
			return cb(new Error(`control body is not JSON: ${e.message}`));
		}
		cb(null, v);
	});
}

function count(v, name, dflt) {
	if (v === undefined)
		return dflt;
	if (!Number.isInteger(v) || v < 0)
		throw new Error(`${name} ${JSON.stringify(v)}: a whole number >= 0`);
	return v;
}

/*
 * A control command, from the connection sock, to the fault that the next requests
 * get (throws on a bad one). Returns what to wait for before answering, if anything.
 */
function control(c, sock) {
	let remaining, f;

	if (c === null || typeof c !== 'object' || Array.isArray(c))
		throw new Error(`control ${JSON.stringify(c)}: an object with a mode`);
	remaining = count(c.count, 'count', undefined);

	switch (c.mode) {
	case 'ok':
		fault = OK;
		return;
	case 'status':
		if (!Number.isInteger(c.status) || c.status < 100 || c.status > 599)
			throw new Error(`status ${JSON.stringify(c.status)}: an HTTP status`);
		f = { mode: 'status', status: c.status };
		if (c.retry_after !== undefined)
			f.retry_after = String(c.retry_after);
		break;
	case 'slow':
		f = { mode: 'slow', delay_ms: count(c.delay_ms, 'delay_ms', 1000) };
		break;
	case 'reset':
		f = { mode: 'reset' };
		break;
	case 'partial_success':
		f = { mode: 'partial_success', rejected: count(c.rejected, 'rejected', 1),
		      message: String(c.message === undefined ? 'rejected by the test' : c.message) };
		break;
	case 'down': {
		const forMs = count(c.for_ms, 'for_ms', undefined);

		goDown(forMs, sock);
		return null;
	}
	case 'up':
		// Answered once it listens: a request the test sends next must get through.
		return goUp();
	default:
		throw new Error(`mode ${JSON.stringify(c.mode)}: ok, status, slow, reset, ` +
				'partial_success, down or up');
	}
	if (remaining === 0)
		return;
	if (remaining !== undefined)
		f.remaining = remaining;
	fault = f;
}

function controlRequest(req, res) {
	readJson(req, (err, c) => {
		let wait = null;

		if (!err) {
			try {
				wait = control(c, req.socket);
			} catch (e) {
				err = e;
			}
		}
		Promise.resolve(wait).then(() => answerControl(res, err), (e) => answerControl(res, e));
	});
}

function answerControl(res, err) {
	const body = err ? { error: err.message } : { ok: true, mode: fault.mode, down };
	const text = JSON.stringify(body) + '\n';

	if (err)
		process.stderr.write(`receiver: control: ${err.message}\n`);
	// Down from a request on the OTLP port: that connection closes once answered.
	if (down && otlpSockets.has(res.socket))
		res.shouldKeepAlive = false;
	res.writeHead(err ? 400 : 200, { 'Content-Type': 'application/json',
					 'Content-Length': Buffer.byteLength(text) });
	res.end(text);
}

function statsRequest(res) {
	const text = JSON.stringify(stats) + '\n';

	res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
	res.end(text);
}

// /control and /stats: on both ports, so a test can drive the receiver either way.
function controlRoutes(req, res) {
	if (req.url === '/control' && req.method === 'POST')
		return controlRequest(req, res), true;
	if (req.url === '/stats' && req.method === 'GET')
		return statsRequest(res), true;
	return false;
}

const otlp = http.createServer((req, res) => {
	const sig = SIGNALS[req.url];

	if (controlRoutes(req, res))
		return;
	stats.requests++;
	if (!sig)
		return req.resume(), sendError(res, 404, 5 /* NOT_FOUND */, `${req.url}: no such path`);
	if (req.method !== 'POST')
		return req.resume(), sendError(res, 405, 12 /* UNIMPLEMENTED */, `${req.method}: POST only`);
	exportRequest(req, res, sig);
});

// The OTLP port's connections, for down to close.
const otlpSockets = new Set();
otlp.on('connection', (s) => {
	otlpSockets.add(s);
	s.on('close', () => otlpSockets.delete(s));
});

const ctl = http.createServer((req, res) => {
	if (!controlRoutes(req, res)) {
		req.resume();
		res.writeHead(404);
		res.end();
	}
});

/*
 * Closes the listening socket and every connection but except's (the control
 * request that said so, if it came on this port: closed once answered): clients
 * see connection refused until goUp.
 */
function goDown(forMs, except) {
	down = true;
	clearTimeout(upTimer);
	if (otlp.listening)
		otlp.close();
	for (const s of otlpSockets)
		if (s !== except)
			s.destroy();
	if (forMs !== undefined)
		upTimer = setTimeout(goUp, forMs);
}

// Listens again on the same port; resolves once it does.
function goUp() {
	clearTimeout(upTimer);
	down = false;
	if (otlp.listening)
		return Promise.resolve(otlpPort);
	if (!relisten)
		relisten = listen(otlp, otlpPort).finally(() => (relisten = null));
	return relisten;
}

function listen(server, port) {
	return new Promise((resolve, reject) => {
		server.once('error', reject);
		server.listen(port, HOST, () => {
			server.removeListener('error', reject);
			resolve(server.address().port);
		});
	});
}

otlp.on('error', (e) => {
	process.stderr.write(`receiver: ${HOST}:${otlpPort}: ${e.message}\n`);
	process.exit(1);
});

function stop() {
	otlp.close();
	ctl.close();
	process.exit(0);
}
process.on('SIGTERM', stop);
process.on('SIGINT', stop);

(async () => {
	try {
		otlpPort = await listen(otlp, opts.port);
		const cport = await listen(ctl, opts.controlPort);

		process.stdout.write(`listening ${otlpPort}\ncontrol ${cport}\n`);
	} catch (e) {
		process.stderr.write(`receiver: ${HOST}: ${e.message}\n`);
		process.exit(1);
	}
})();

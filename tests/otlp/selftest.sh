#!/bin/sh
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# Self-test of the OTLP receiver: valid, invalid and protobuf requests and faults, sent with curl.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d /tmp/otlp-selftest.XXXXXX)
pid=
checks=0

cleanup() {
	[ -n "$pid" ] && kill "$pid" 2>/dev/null || true
	rm -rf "$tmp"
}
trap cleanup EXIT

fail() {
	echo "otlp-selftest: FAIL: $*" >&2
	[ -s "$tmp/err" ] && sed 's/^/  receiver stderr: /' "$tmp/err" >&2
	exit 1
}

# want WHAT EXPECTED ACTUAL
want() {
	[ "$2" = "$3" ] || fail "$1: expected $2, got $3"
	checks=$((checks + 1))
}

node "$here/receiver.js" --port 0 --out "$tmp/log" >"$tmp/out" 2>"$tmp/err" &
pid=$!
for _ in $(seq 100); do
	grep -q '^control ' "$tmp/out" 2>/dev/null && break
	kill -0 "$pid" 2>/dev/null || fail "receiver exited"
	sleep 0.05
done
port=$(sed -n '1s/^listening \([0-9]*\)$/\1/p' "$tmp/out")
cport=$(sed -n '2s/^control \([0-9]*\)$/\1/p' "$tmp/out")
[ -n "$port" ] && [ -n "$cport" ] || fail "no 'listening PORT' and 'control PORT' lines: $(cat "$tmp/out")"
url=http://127.0.0.1:$port

# post PATH TYPE FILE [curl args]: prints the HTTP status ("000": no answer).
post() {
	p=$1 t=$2 f=$3
	shift 3
	curl -s -m 5 -o "$tmp/resp" -w '%{http_code}' -H "Content-Type: $t" "$@" \
		--data-binary "@$f" "$url$p" || true
}
control() {
	curl -s -f -m 5 -o /dev/null -X POST --data-binary "$1" "http://127.0.0.1:$cport/control" ||
		fail "control $1"
}
# stat_of KEY: a top-level number of /stats, or by_status's KEY as "by_status.KEY".
stat_of() {
	curl -s -f -m 5 "$url/stats" | node -e '
		const s = JSON.parse(require("fs").readFileSync(0, "utf8"));
		const [a, b] = process.argv[1].split(".");
		console.log(b ? (s[a][b] || 0) : s[a]);' "$1"
}

logs=$here/testdata/logs.json
metrics=$here/testdata/metrics.json

# Valid JSON, plain and gzip.
want "logs json" 200 "$(post /v1/logs application/json "$logs")"
want "logs json response" '{}' "$(cat "$tmp/resp")"
gzip -c "$logs" >"$tmp/logs.json.gz"
want "logs json gzip" 200 "$(post /v1/logs application/json "$tmp/logs.json.gz" -H 'Content-Encoding: gzip')"
want "metrics json" 200 "$(post /v1/metrics 'application/json; charset=utf-8' "$metrics")"

# Invalid: a misspelt field, a 64-bit integer as a number, an enum by name, not JSON, bad gzip.
sed 's/"logRecords"/"logRecord"/' "$logs" >"$tmp/misspelt.json"
want "misspelt logRecord" 400 "$(post /v1/logs application/json "$tmp/misspelt.json")"
grep -q 'logRecord: no such field' "$tmp/resp" || fail "misspelt: message $(cat "$tmp/resp")"
sed 's/"timeUnixNano": "1700000000000000000"/"timeUnixNano": 1700000000000000000/' "$logs" >"$tmp/num.json"
want "int64 as a number" 400 "$(post /v1/logs application/json "$tmp/num.json")"
sed 's/"aggregationTemporality": 1/"aggregationTemporality": "AGGREGATION_TEMPORALITY_DELTA"/' \
	"$metrics" >"$tmp/enum.json"
want "enum by name" 400 "$(post /v1/metrics application/json "$tmp/enum.json")"
printf '{"resourceLogs": [' >"$tmp/cut.json"
want "not JSON" 400 "$(post /v1/logs application/json "$tmp/cut.json")"
want "not gzip" 400 "$(post /v1/logs application/json "$logs" -H 'Content-Encoding: gzip')"
want "metrics at /v1/logs" 400 "$(post /v1/logs application/json "$metrics")"

# Protobuf, encoded with the same definitions, plain and gzip; the log holds it as JSON.
node -e '
	const { SIGNALS, fromJson } = require(process.argv[1]);
	const T = SIGNALS["/v1/logs"].request;
	const obj = JSON.parse(require("fs").readFileSync(process.argv[2], "utf8"));
	process.stdout.write(T.encode(fromJson(T, obj)).finish());' "$here/otlp.js" "$logs" >"$tmp/logs.pb"
want "logs protobuf" 200 "$(post /v1/logs application/x-protobuf "$tmp/logs.pb")"
want "logs protobuf response" 0 "$(wc -c <"$tmp/resp" | tr -d ' ')"
gzip -c "$tmp/logs.pb" >"$tmp/logs.pb.gz"
want "logs protobuf gzip" 200 "$(post /v1/logs application/x-protobuf "$tmp/logs.pb.gz" -H 'Content-Encoding: gzip')"
# A field number the definition lacks (field 99, varint 1) appended: decode alone would skip it.
cp "$tmp/logs.pb" "$tmp/unknown.pb"
printf '\230\006\001' >>"$tmp/unknown.pb"
want "protobuf unknown field" 400 "$(post /v1/logs application/x-protobuf "$tmp/unknown.pb")"
want "other content type" 415 "$(post /v1/logs text/plain "$logs")"

# Faults: 503 with Retry-After for 2 requests, then ok; partial success; reset.
control '{"mode":"status","status":503,"retry_after":"2","count":2}'
want "503 first" 503 "$(post /v1/logs application/json "$logs" -D "$tmp/hdr")"
grep -qi '^Retry-After: 2' "$tmp/hdr" || fail "503: no Retry-After: $(cat "$tmp/hdr")"
want "503 second" 503 "$(post /v1/logs application/json "$logs")"
want "after count" 200 "$(post /v1/logs application/json "$logs")"
control '{"mode":"partial_success","rejected":1,"message":"too old","count":1}'
want "partial success" 200 "$(post /v1/logs application/json "$logs")"
want "partial success body" '{"partialSuccess":{"rejectedLogRecords":"1","errorMessage":"too old"}}' \
	"$(cat "$tmp/resp")"
control '{"mode":"reset","count":1}'
want "reset" 000 "$(post /v1/logs application/json "$logs")"

# down closes the OTLP port until up; the control port stays.
control '{"mode":"down"}'
want "down" 000 "$(post /v1/logs application/json "$logs")"
control '{"mode":"up"}'
want "up" 200 "$(post /v1/logs application/json "$logs")"

# Every request that arrived counted (not the one while down); 2 log records in each valid logs request, 3 points per metrics one.
want requests 19 "$(stat_of requests)"
want valid 8 "$(stat_of valid)"
want invalid 8 "$(stat_of invalid)"
want faulted 3 "$(stat_of faulted)"
want "by_status 200" 8 "$(stat_of by_status.200)"
want "by_status 400" 7 "$(stat_of by_status.400)"
want "by_status 415" 1 "$(stat_of by_status.415)"
want "by_status 503" 2 "$(stat_of by_status.503)"
want "by_status reset" 1 "$(stat_of by_status.reset)"
want log_records 14 "$(stat_of log_records)"
want data_points 3 "$(stat_of data_points)"

# The log: one line per valid request, protobuf ones decoded to the same JSON.
want "log lines" 8 "$(wc -l <"$tmp/log" | tr -d ' ')"
node -e '
	const fs = require("fs");
	const lines = fs.readFileSync(process.argv[1], "utf8").trim().split("\n").map(JSON.parse);
	const logs = JSON.parse(fs.readFileSync(process.argv[2], "utf8"));
	// Equal whatever the key order (the protobuf decoder writes fields in number order).
	const same = (a, b) => a && b && typeof a === "object" && typeof b === "object" ?
		Object.keys(a).length === Object.keys(b).length &&
			Object.keys(a).every((k) => same(a[k], b[k])) : a === b;
	const want = [["identity", "application/json"], ["gzip", "application/json"],
		      ["identity", "application/json"], ["identity", "application/x-protobuf"],
		      ["gzip", "application/x-protobuf"]];
	want.forEach(([enc, type], i) => {
		const l = lines[i];
		if (l.encoding !== enc || l.content_type !== type)
			throw new Error(`line ${i + 1}: ${l.encoding} ${l.content_type}`);
	});
	for (const i of [0, 1, 3, 4])
		if (!same(lines[i].body, logs) || lines[i].path !== "/v1/logs")
			throw new Error(`line ${i + 1}: body differs from the request`);
	if (lines[2].path !== "/v1/metrics" || lines[6].rejected !== 1)
		throw new Error("metrics line or partial success line");' "$tmp/log" "$logs" ||
	fail "log file"
checks=$((checks + 1))

# The golden-file checker: both requests valid, a lone LogRecord as a fragment, misspelt invalid.
node "$here/check_golden.js" "$logs" "$metrics" >/dev/null || fail "check_golden on testdata"
node -e '
	const l = require(process.argv[1]);
	console.log(JSON.stringify(l.resourceLogs[0].scopeLogs[0].logRecords[0]));' "$logs" >"$tmp/lr.json"
node "$here/check_golden.js" --fragment logrecord "$tmp/lr.json" >/dev/null || fail "fragment"
if node "$here/check_golden.js" "$logs" "$tmp/misspelt.json" 2>"$tmp/cg.err"; then
	fail "check_golden took the misspelt file"
fi
grep -q "misspelt.json: .*logRecord: no such field" "$tmp/cg.err" || fail "check_golden: $(cat "$tmp/cg.err")"
checks=$((checks + 3))

# SIGTERM: a clean exit.
kill -TERM "$pid"
st=0
wait "$pid" || st=$?
pid=
want "exit status on SIGTERM" 0 "$st"

echo "otlp-selftest: $checks passed, 0 failed"

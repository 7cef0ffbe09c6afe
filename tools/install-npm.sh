#!/bin/sh
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# Installs the OTLP test receiver's npm packages (tests/otlp: the OpenTelemetry
# message definitions, pinned in package-lock.json) when node_modules is missing
# or older than the lock file. Quiet when it is up to date.
set -eu

dir=$(dirname "$0")/../tests/otlp
lock=$dir/package-lock.json
stamp=$dir/node_modules/.package-lock.json

# npm ci writes node_modules/.package-lock.json last: its age is the install's.
if [ -f "$stamp" ] && [ ! "$lock" -nt "$stamp" ]; then
	exit 0
fi
if ! command -v npm >/dev/null 2>&1; then
	echo "install-npm: npm is missing: make deps installs Debian's nodejs and npm" >&2
	exit 1
fi
echo "install-npm: npm ci in tests/otlp"
# No install scripts: the packages are plain JavaScript (protobufjs's postinstall
# only checks its command-line tools' dependencies, which the receiver does not use).
npm ci --prefix "$dir" --no-audit --no-fund --ignore-scripts --loglevel=error
touch "$stamp"

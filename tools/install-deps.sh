#!/bin/sh
# Installs with apt-get what a fresh Debian 12 machine lacks to build, run and
# test agent-trace, and the peers the benchmarks compare it with (strace,
# bpftrace, libbpf-tools, ltrace; make test runs the bench smoke), and node with
# npm for the OTLP test receiver (tests/otlp; tools/install-npm.sh installs its
# packages). Quiet and quick when everything is there already.
set -eu

pkgs="make gcc clang llvm pkg-config libbpf-dev bpftool libelf-dev zlib1g-dev
libcriterion-dev clang-format systemtap-sdt-dev python3.11 ruby golang-go libyaml-dev
libsqlite3-dev libcapstone-dev libdw-dev libc6-dbg libmicrohttpd-dev libcurl4-openssl-dev prometheus strace bpftrace libbpf-tools
ltrace podman runc catatonit python3-yaml openssl"

missing=
for p in $pkgs; do
	st=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
	case "$st" in
	*"install ok installed"*) ;;
	*) missing="$missing $p" ;;
	esac
done
# Node from any source will do (a newer one may come with its own npm, which
# Debian's npm package would conflict with); Debian 12's nodejs and npm otherwise.
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
	missing="$missing nodejs npm"
fi
[ -z "$missing" ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
	echo "install-deps: missing packages:$missing; run as root (sudo make deps)" >&2
	exit 1
fi
echo "install-deps: installing$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing >/dev/null

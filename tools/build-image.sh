#!/bin/sh
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# Builds the agent's container image with no registry (make image): a rootfs
# holding the binary and exactly the shared libraries ldd names, imported by podman.
#
# Usage: tools/build-image.sh BIN IMAGE_DIR VERSION
# PODMAN_FLAGS adds podman options (a private --root/--runroot/--tmpdir, as the tests use).
# CONTAINERS_CONF, if unset, is IMAGE_DIR/containers.conf (written here): runc and
# cgroupfs, the settings this machine's podman needs (README: Kubernetes).
set -eu
bin=$1 dir=$2 version=$3
rootfs=$dir/rootfs

[ -x "$bin" ] || { echo "build-image: $bin is not built" >&2; exit 1; }
rm -rf "$rootfs"
mkdir -p "$rootfs/usr/bin" "$rootfs/etc/agent-trace" "$rootfs/etc/ssl/certs" "$rootfs/tmp"
chmod 1777 "$rootfs/tmp"
cp "$bin" "$rootfs/usr/bin/agent-trace"

# Every library ldd resolves and the dynamic loader, at the path the binary asks for
# (the loader's path is compiled in), the file copied, not the symlink (cp -L).
# A library ldd cannot find would fail at the container's start: refused here.
if ldd "$bin" | grep -q 'not found'; then
	ldd "$bin" | grep 'not found' >&2
	exit 1
fi
for lib in $(ldd "$bin" | grep -o '/[^ ]*'); do
	mkdir -p "$rootfs$(dirname "$lib")"
	cp -L "$lib" "$rootfs$lib"
done
# Capstone is loaded at first decode with dlopen (user/resolve/insn.c), so ldd
# does not name it: copied where the host has it, with the libraries it needs.
lib=$(ldconfig -p | sed -n 's/.*libcapstone\.so\.[0-9]* .*=> \(.*\)/\1/p' | head -n 1)
if [ -n "$lib" ]; then
	for l in "$lib" $(ldd "$lib" | grep -o '/[^ ]*'); do
		mkdir -p "$rootfs$(dirname "$l")"
		[ -e "$rootfs$l" ] || cp -L "$l" "$rootfs$l"
	done
fi
# A library short name not mapped in a traced process (a probe file's libc:connect)
# is looked up with popen("/sbin/ldconfig -p") (user/resolve/target.c): without
# /bin/sh and ldconfig the daemon refuses the ConfigMap's probe file at start.
# ldconfig is static; sh (dash) needs only the libc already copied.
mkdir -p "$rootfs/sbin" "$rootfs/bin"
cp -L /sbin/ldconfig "$rootfs/sbin/ldconfig"
cp -L /bin/sh "$rootfs/bin/sh"
for l in $(ldd "$rootfs/bin/sh" | grep -o '/[^ ]*'); do
	[ -e "$rootfs$l" ] || { echo "build-image: /bin/sh needs $l, which $bin does not" >&2; exit 1; }
done
# The loader's cache of the rootfs's own libraries (dlopen by soname finds capstone by it,
# ldconfig -p lists them).
ldconfig -r "$rootfs"

printf '%s\n' 'root:x:0:0:root:/:/usr/bin/agent-trace' \
	'nobody:x:65534:65534:nobody:/:/usr/bin/agent-trace' >"$rootfs/etc/passwd"
printf 'root:x:0:\nnogroup:x:65534:\n' >"$rootfs/etc/group"
# For https OTLP endpoints: libcurl's default bundle path on Debian.
cp -L /etc/ssl/certs/ca-certificates.crt "$rootfs/etc/ssl/certs/ca-certificates.crt"

if [ -z "${CONTAINERS_CONF:-}" ]; then
	CONTAINERS_CONF=$dir/containers.conf
	cat >"$CONTAINERS_CONF" <<CONF
[containers]
default_ulimits = ["nofile=1024:1024", "nproc=4096:4096"]
[engine]
cgroup_manager = "cgroupfs"
runtime = "runc"
events_logger = "file"
CONF
	export CONTAINERS_CONF
fi
# shellcheck disable=SC2086
tar -C "$rootfs" --numeric-owner --owner=0 --group=0 -c . |
	podman ${PODMAN_FLAGS:-} import -q --change 'ENTRYPOINT ["/usr/bin/agent-trace"]' \
		- "localhost/agent-trace:$version" >/dev/null
# shellcheck disable=SC2086
podman ${PODMAN_FLAGS:-} tag "localhost/agent-trace:$version" localhost/agent-trace:latest
echo "image: localhost/agent-trace:$version and :latest ($(du -sh "$rootfs" | cut -f1) rootfs)"

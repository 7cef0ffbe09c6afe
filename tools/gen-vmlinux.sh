#!/bin/sh
# Regenerates vmlinux/<arch>/vmlinux.h from the running kernel's BTF.
# CO-RE relocations make the result usable on other kernels with BTF.
set -eu
arch=${1:-x86}
top=$(cd "$(dirname "$0")/.." && pwd)
btf=${BTF:-/sys/kernel/btf/vmlinux}
[ -r "$btf" ] || { echo "gen-vmlinux: $btf: not readable (kernel without BTF?)" >&2; exit 1; }
mkdir -p "$top/vmlinux/$arch"
bpftool btf dump file "$btf" format c > "$top/vmlinux/$arch/vmlinux.h.tmp"
mv "$top/vmlinux/$arch/vmlinux.h.tmp" "$top/vmlinux/$arch/vmlinux.h"
echo "vmlinux/$arch/vmlinux.h from $(uname -r)"

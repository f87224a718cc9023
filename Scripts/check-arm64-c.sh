#!/usr/bin/env bash
# Compiles the C kernels (Sources/CGPT2Kernels) for arm64 Linux with the toolchain's clang, so
# the portable paths that arm64 runs (no x86 intrinsics) keep building on an x86 machine that
# has no arm64 Swift toolchain. Warnings are errors. Installs Debian's arm64 libc headers
# (libc6-dev-arm64-cross) when they are missing; skips, saying so, where they cannot be had.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SYSROOT=/usr/aarch64-linux-gnu
if [ ! -f "$SYSROOT/include/stdio.h" ]; then
    if command -v apt-get >/dev/null && [ "$(id -u)" = 0 ]; then
        { apt-get update -qq && apt-get install -y -qq libc6-dev-arm64-cross; } >/dev/null 2>&1 || true
    fi
fi
if [ ! -f "$SYSROOT/include/stdio.h" ]; then
    echo "check-arm64-c: skipped (no arm64 libc headers in $SYSROOT; apt-get install libc6-dev-arm64-cross)" >&2
    exit 0
fi
CLANG="$(command -v clang)"
OUT="$(mktemp -d)"
trap 'rm -rf "$OUT"' EXIT
count=0
for source in "$ROOT"/Sources/CGPT2Kernels/*.c; do
    "$CLANG" --target=aarch64-linux-gnu --sysroot="$SYSROOT" -isystem "$SYSROOT/include" \
        -I "$ROOT/Sources/CGPT2Kernels/include" -O3 -ffp-contract=off -Wall -Wextra -Werror \
        -c "$source" -o "$OUT/$(basename "$source").o"
    count=$((count + 1))
done
echo "check-arm64-c: $count C files compile for aarch64-linux-gnu"

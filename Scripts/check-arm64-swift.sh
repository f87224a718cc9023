#!/usr/bin/env bash
# Builds gpt2 for arm64 Linux and runs its tests there, on an x86-64 machine with no arm64
# hardware: a Debian (sid) arm64 root made by debootstrap, Swift from Debian's `swiftlang`
# package, every arm64 program run by qemu-user through binfmt_misc. The compiler itself is
# emulated, so this takes long (tens of minutes on 2 cores) and is not part of .ci/run, which
# only cross-compiles the C kernels (check-arm64-c.sh). Timings under emulation mean nothing;
# what this checks is that the portable paths (no x86 intrinsics, NEON through Swift SIMD and
# clang's vectorizer) build and give the tested results.
#
# Usage: sudo bash Scripts/check-arm64-swift.sh [--root DIR] [--filter REGEX] [--keep-build]
#   --root DIR     where the arm64 root lives (default /var/cache/gpt2-arm64/root; reused)
#   --filter RE    passed to `swift test --filter` (default: every test)
#   --keep-build   reuse the previous run's .build inside the root (incremental)
# Needs root (debootstrap, chroot, mounts) and Debian's package mirror.
set -euo pipefail
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
ROOTFS=/var/cache/gpt2-arm64/root
FILTER=""
KEEP=0
while [ $# -gt 0 ]; do
    case "$1" in
        --root) ROOTFS="$2"; shift 2 ;;
        --filter) FILTER="$2"; shift 2 ;;
        --keep-build) KEEP=1; shift ;;
        -h|--help) sed -n '2,15p' "$0"; exit 0 ;;
        *) echo "check-arm64-swift: unknown option $1" >&2; exit 2 ;;
    esac
done
if [ "$(id -u)" != 0 ]; then echo "check-arm64-swift: needs root (debootstrap, chroot, mounts)" >&2; exit 2; fi
say() { echo "check-arm64-swift: $*" >&2; }

# 1. qemu-user and debootstrap, and the binfmt_misc entry that runs arm64 ELF files with qemu.
if ! command -v debootstrap >/dev/null || [ ! -x /usr/bin/qemu-aarch64-static ]; then
    say "installing debootstrap and qemu-user-static"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap qemu-user-static >/dev/null
fi
if [ ! -e /proc/sys/fs/binfmt_misc/register ]; then
    mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc
fi
if [ ! -e /proc/sys/fs/binfmt_misc/qemu-aarch64 ]; then
    # The F flag opens the interpreter now, so it also works inside the chroot.
    cat /usr/lib/binfmt.d/qemu-aarch64.conf > /proc/sys/fs/binfmt_misc/register
fi

# 2. The arm64 root with Swift (once; later runs reuse it).
# (/usr/bin/swift is an absolute symlink: look at it from inside the root.)
if ! { [ -d "$ROOTFS/usr/bin" ] && chroot "$ROOTFS" /usr/bin/test -x /usr/bin/swift; } 2>/dev/null; then
    say "debootstrap of Debian sid arm64 with swiftlang into $ROOTFS (downloads ~700 MB)"
    mkdir -p "$ROOTFS"
    debootstrap --arch=arm64 --variant=minbase \
        --include=swiftlang,git,ca-certificates,libc6-dev,libstdc++-14-dev,libgcc-14-dev \
        sid "$ROOTFS" http://deb.debian.org/debian >&2
fi

# Debian's swiftlang (6.2.3-1) ships the _Testing_Foundation overlay's module but not its
# library, so every test bundle that imports Foundation and Testing fails to link. Our tests use
# nothing from that overlay (it adds attachments of URLs and Data): an empty library satisfies
# the linker, in this root only.
LIBDIR=/usr/libexec/swift/lib/swift/linux
if [ -d "$ROOTFS/usr/lib/swift/linux/_Testing_Foundation.swiftmodule" ] && [ ! -e "$ROOTFS$LIBDIR/lib_Testing_Foundation.so" ]; then
    say "adding an empty lib_Testing_Foundation.so (missing from Debian's swiftlang)"
    echo "void gpt2_arm64_testing_foundation_stub(void) {}" > "$ROOTFS/tmp/stub.c"
    chroot "$ROOTFS" /usr/libexec/swift/bin/clang -shared -fPIC -o "$LIBDIR/lib_Testing_Foundation.so" /tmp/stub.c
fi

# 3. Mounts for the chroot, undone on exit.
MOUNTED=()
cleanup() {
    local i
    for ((i = ${#MOUNTED[@]} - 1; i >= 0; i--)); do umount "${MOUNTED[$i]}" 2>/dev/null || umount -l "${MOUNTED[$i]}" || true; done
}
trap cleanup EXIT
bind() {
    mkdir -p "$ROOTFS$2"
    if ! mountpoint -q "$ROOTFS$2"; then mount --bind "$1" "$ROOTFS$2"; MOUNTED+=("$ROOTFS$2"); fi
}
bind /proc /proc
bind /sys /sys
bind /dev /dev
# Swift packages: where git is told to find github.com (a local mirror here), the same inside.
if [ -d /opt/swift-packages ]; then bind /opt/swift-packages /opt/swift-packages; fi
[ -f /etc/gitconfig ] && cp /etc/gitconfig "$ROOTFS/etc/gitconfig"
cp /etc/resolv.conf "$ROOTFS/etc/resolv.conf" 2>/dev/null || true

# 4. The committed tree (HEAD), as a fresh clone would have it.
SRC="$ROOTFS/src/gpt2"
if [ "$KEEP" = 1 ] && [ -d "$SRC/.git" ]; then
    git -C "$SRC" fetch -q "$REPO" HEAD && git -C "$SRC" checkout -q --force FETCH_HEAD && git -C "$SRC" clean -qfdx -e .build
else
    rm -rf "$SRC"
    git clone -q "$REPO" "$SRC"
fi
say "testing $(git -C "$SRC" log -1 --format='%h %s' | cut -c1-72)"
chroot "$ROOTFS" /usr/bin/swift --version >&2

# 5. Build and test on arm64, then a smoke run of the CLI.
FILTER_ARG=""
[ -n "$FILTER" ] && FILTER_ARG="--filter '$FILTER'"
chroot "$ROOTFS" /bin/bash -c "
    set -euo pipefail
    cd /src/gpt2
    uname -m
    swift build --build-tests
    swift test --skip-build $FILTER_ARG
    .build/debug/gpt2 init --preset tiny --out /tmp/gpt2-arm64-tiny --seed 1 --force
    .build/debug/gpt2 generate --model /tmp/gpt2-arm64-tiny --prompt 'Hello' --max-tokens 8 --seed 1
    rm -rf /tmp/gpt2-arm64-tiny-q4
    .build/debug/gpt2 quantize --model /tmp/gpt2-arm64-tiny --to q4 --out /tmp/gpt2-arm64-tiny-q4
    .build/debug/gpt2 generate --model /tmp/gpt2-arm64-tiny-q4 --prompt 'Hello' --max-tokens 8 --seed 1
"
say "arm64 build and tests passed"

#!/usr/bin/env bash
# The container check without a Docker engine: the gpt2 binary, linked with a static Swift
# standard library as the Dockerfile builds it, runs inside a minimal Debian root made by
# debootstrap that holds only the runtime stage's packages (deploy/runtime-packages.txt), as an
# unprivileged user, with no model named (the built-in default). It must start, answer /health,
# serve the page, generate text over the API, and exit 0 on SIGTERM.
#
#   Scripts/e2e-container.sh [path/to/gpt2]
#
# Without a path it builds one with `swift build --static-swift-stdlib` in .build-static (its own
# folder: objects compiled for a dynamic standard library name the wrong libraries to link a
# static one, and the other way round, and SwiftPM does not rebuild them). Needs root (debootstrap,
# chroot, mounting /proc) and the Debian mirror; installs debootstrap and curl when missing. The
# base root is cached in $GPT2_ROOT_CACHE (default /tmp/gpt2-debootstrap-bookworm.tar).
set -euo pipefail
cd "$(dirname "$0")/.."

bin=${1:-}
if [ -z "$bin" ]; then
    swift build --static-swift-stdlib --scratch-path .build-static --product gpt2
    bin=$(swift build --scratch-path .build-static --show-bin-path)/gpt2
fi
[ -x "$bin" ] || { echo "e2e-container: no gpt2 binary at $bin" >&2; exit 1; }
if ldd "$bin" | grep -q 'libswift\|libFoundation'; then
    echo "e2e-container: $bin links the Swift runtime dynamically; build it with --static-swift-stdlib" >&2
    exit 1
fi

need=()
command -v debootstrap >/dev/null || need+=(debootstrap)
command -v curl >/dev/null || need+=(curl)
if [ ${#need[@]} -gt 0 ]; then
    apt-get update -qq && apt-get install -y -qq "${need[@]}" >/dev/null
fi

cache=${GPT2_ROOT_CACHE:-/tmp/gpt2-debootstrap-bookworm.tar}
root=$(mktemp -d /tmp/gpt2-root.XXXXXX)
server=""
cleanup() {
    [ -n "$server" ] && kill -9 "$server" 2>/dev/null || true
    umount "$root/proc" 2>/dev/null || true
    rm -rf "$root"
}
trap cleanup EXIT

if [ -f "$cache" ]; then
    tar -xf "$cache" -C "$root"
else
    echo "e2e-container: debootstrap bookworm (minbase) into $root ..."
    debootstrap --variant=minbase bookworm "$root" http://deb.debian.org/debian > "$root.log" 2>&1 \
        || { tail -20 "$root.log" >&2; exit 1; }
    rm -f "$root.log"
    tar -cf "$cache" -C "$root" .
fi

# The runtime stage: its packages, a non-root user, the binary.
cp /etc/resolv.conf "$root/etc/resolv.conf"
packages=$(grep -v '^#' deploy/runtime-packages.txt | xargs)
chroot "$root" /bin/sh -c "apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $packages" \
    > "$root.apt.log" 2>&1 || { cat "$root.apt.log" >&2; exit 1; }
rm -f "$root.apt.log"
chroot "$root" groupadd --gid 10001 gpt2
chroot "$root" useradd --create-home --uid 10001 --gid 10001 gpt2
install -m 0755 "$bin" "$root/usr/local/bin/gpt2"
mount -t proc proc "$root/proc"

# As the Dockerfile does: unpack the built-in model once as the user, then serve.
user_env=(/usr/bin/env -i HOME=/home/gpt2 PATH=/usr/local/bin:/usr/bin:/bin GPT2_CACHE_DIR=/home/gpt2/.cache/gpt2)
chroot --userspec=10001:10001 "$root" "${user_env[@]}" gpt2 score --text "warm up" > /dev/null
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
log=$(mktemp)
chroot --userspec=10001:10001 "$root" "${user_env[@]}" HOST=127.0.0.1 PORT="$port" gpt2 serve > "$log" 2>&1 &
server=$!
url="http://127.0.0.1:$port"

fail() { echo "e2e-container: FAIL: $*" >&2; echo "--- server log:" >&2; cat "$log" >&2; exit 1; }

for _ in $(seq 1 120); do
    [ "$(curl -s -o /dev/null -w '%{http_code}' "$url/health" || true)" = 200 ] && break
    kill -0 "$server" 2>/dev/null || fail "the server exited before answering /health"
    sleep 0.5
done
[ "$(curl -s -o /dev/null -w '%{http_code}' "$url/health")" = 200 ] || fail "/health did not answer 200 within 60 s"
echo "e2e-container: /health 200 as uid $(chroot "$root" id -u gpt2) in a debootstrap root with: $packages"

page=$(curl -sf -H 'Accept: text/html' "$url/") || fail "GET / failed"
[[ "$page" == *'<!doctype html>'* ]] || fail "GET / did not serve the page"
models=$(curl -sf "$url/v1/models")
echo "$models" | grep -q '"default"' || fail "/v1/models does not name the built-in default model: $models"
# ignore_eos: the built-in model often ends a fortune after a token or two.
answer=$(curl -sf "$url/v1/completions" -H 'Content-Type: application/json' \
    -d '{"prompt": "A fortune for today:", "max_tokens": 24, "temperature": 0.8, "seed": 1, "ignore_eos": true}')
text=$(printf '%s' "$answer" | python3 -c 'import json, sys; print(json.load(sys.stdin)["choices"][0]["text"])')
[ -n "$(printf '%s' "$text" | tr -d '[:space:]')" ] || fail "the completion is empty: $answer"
echo "e2e-container: generated: $(printf '%s' "$text" | head -c 200 | tr '\n' ' ')"

kill -TERM "$server"
for _ in $(seq 1 60); do kill -0 "$server" 2>/dev/null || break; sleep 0.5; done
kill -0 "$server" 2>/dev/null && fail "still running 30 s after SIGTERM"
status=0
wait "$server" || status=$?
server=""
[ "$status" = 0 ] || fail "exit status $status after SIGTERM"
echo "e2e-container: exited 0 on SIGTERM. PASS"

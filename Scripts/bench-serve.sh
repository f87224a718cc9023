#!/usr/bin/env bash
# Serving figures of `gpt2 serve` beside its peer, the stack our users run today (Flask around
# transformers' generate, one request at a time: Scripts/peers/flask_server.py), on the same model,
# in one run, on loopback:
#
#   Scripts/bench-serve.sh --model DIR [--gpt2 BIN] [--threads 2] [--skip-peer] [--skip-install]
#
# 1. `gpt2 bench` decode, one sequence (the reference for one stream through the server);
# 2. gpt2 serve: 64 concurrent streams (256 requests of 32 tokens, every 8th hangs up after three
#    chunks), one stream (4 requests of 64 tokens), then 1000 requests in batches of 200 with the
#    resident memory after each batch, and wrk on the old-app route (64 connections, 15 s);
# 3. the peer: 64 concurrent streams (64 requests of 32 tokens) and one stream, same client.
# DIR is a Hugging Face GPT-2 folder with tokenizer files (for example `gpt2 init --preset gpt2`).
# The peer's venv (.venv-peers-serve: Scripts/peers/requirements-torch.txt + flask) is created on
# first use. Run it on a quiet machine: the figures are only comparable within one run.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)

MODEL="" GPT2=".build/release/gpt2" THREADS=2 SKIP_PEER=0 SKIP_INSTALL=0
while [ $# -gt 0 ]; do
    case "$1" in
        --model) MODEL="$2"; shift 2 ;;
        --gpt2) GPT2="$2"; shift 2 ;;
        --threads) THREADS="$2"; shift 2 ;;
        --skip-peer) SKIP_PEER=1; shift ;;
        --skip-install) SKIP_INSTALL=1; shift ;;
        *) echo "error: unknown option $1" >&2; exit 2 ;;
    esac
done
[ -n "$MODEL" ] || { echo "error: --model DIR is required" >&2; exit 2; }
[ -x "$GPT2" ] || { echo "error: no gpt2 binary at $GPT2 (swift build -c release)" >&2; exit 1; }
command -v wrk >/dev/null || apt-get install -y -qq wrk >/dev/null 2>&1 || echo "bench-serve: no wrk; skipping that part" >&2

free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
wait_health() {
    for _ in $(seq 1 600); do
        curl -sf "http://127.0.0.1:$1/health" >/dev/null 2>&1 && return 0
        kill -0 "$2" 2>/dev/null || { echo "error: the server exited at start" >&2; return 1; }
        sleep 0.2
    done
    return 1
}
rss() { awk '/VmRSS/ {printf "%.1f", $2 / 1024}' "/proc/$1/status"; }
SERVER=""
trap '[ -n "$SERVER" ] && kill "$SERVER" 2>/dev/null || true' EXIT

echo "== $(date -u '+%Y-%m-%d %H:%M UTC'), $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) CPUs, model $MODEL, $THREADS threads"
echo "== gpt2 bench (decode, one sequence, and batches)"
"$GPT2" bench --model "$MODEL" --threads "$THREADS" --batch 1,8 --gen-tokens 64

echo "== gpt2 serve"
PORT=$(free_port)
"$GPT2" serve --model "$MODEL" --port "$PORT" --threads "$THREADS" --max-concurrent 64 --max-queue 256 2>/tmp/bench-serve.log &
SERVER=$!
wait_health "$PORT" "$SERVER"
echo "RSS after load: $(rss "$SERVER") MiB"
python3 Scripts/e2e/load_test.py 127.0.0.1 "$PORT" --concurrency 64 --requests 256 --max-tokens 32 --pid "$SERVER"
python3 Scripts/e2e/load_test.py 127.0.0.1 "$PORT" --concurrency 1 --requests 4 --max-tokens 64 --disconnect-every 0
for batch in 1 2 3 4 5; do
    python3 Scripts/e2e/load_test.py 127.0.0.1 "$PORT" --concurrency 64 --requests 200 --max-tokens 16 >/dev/null
    echo "after $((batch * 200)) more requests: RSS $(rss "$SERVER") MiB"
done
if command -v wrk >/dev/null; then
    cat > /tmp/bench-serve-wrk.lua <<'EOF'
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"prefix": "Once upon a time", "length": 8, "temperature": 0.8}'
EOF
    wrk -t2 -c64 -d15s --latency -s /tmp/bench-serve-wrk.lua "http://127.0.0.1:$PORT/generate" | sed -n '1,20p'
    echo "RSS after wrk: $(rss "$SERVER") MiB"
fi
kill -TERM "$SERVER"; wait "$SERVER" || true; SERVER=""

[ "$SKIP_PEER" = 1 ] && exit 0
echo "== peer: Flask + transformers generate, one request at a time"
VENV="$ROOT/.venv-peers-serve"
if [ "$SKIP_INSTALL" = 0 ] && ! "$VENV/bin/python" -c 'import flask, torch, transformers' 2>/dev/null; then
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install --quiet --disable-pip-version-check -r Scripts/peers/requirements-torch.txt flask==3.1.2
fi
PORT=$(free_port)
"$VENV/bin/python" Scripts/peers/flask_server.py "$MODEL" "$PORT" --threads "$THREADS" 2>/tmp/bench-serve-peer.log &
SERVER=$!
wait_health "$PORT" "$SERVER"
echo "peer RSS after load: $(rss "$SERVER") MiB"
python3 Scripts/e2e/load_test.py 127.0.0.1 "$PORT" --concurrency 64 --requests 64 --max-tokens 32 --pid "$SERVER"
python3 Scripts/e2e/load_test.py 127.0.0.1 "$PORT" --concurrency 1 --requests 4 --max-tokens 64 --disconnect-every 0
kill "$SERVER"; wait "$SERVER" 2>/dev/null || true; SERVER=""

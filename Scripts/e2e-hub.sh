#!/usr/bin/env bash
# End-to-end check that `gpt2 download` and huggingface_hub share one cache: a local server
# answering like the Hub (Scripts/e2e/mock_hub.py) serves two small models; gpt2 downloads one and
# huggingface_hub's snapshot_download (local_files_only) finds it; huggingface_hub downloads the
# other (hf_hub_download) and `HF_HUB_OFFLINE=1 gpt2 download` finds that; both score the same.
#
#   bash Scripts/e2e-hub.sh [GPT2_BINARY]
#
# Installs huggingface_hub into .venv-e2e-hub (git-ignored) the first time.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
GPT2="${1:-$ROOT/.build/debug/gpt2}"
VENV="$ROOT/.venv-e2e-hub"
[ -x "$GPT2" ] || { echo "e2e-hub: no gpt2 binary at $GPT2 (swift build first)" >&2; exit 1; }
if [ ! -x "$VENV/bin/python" ]; then
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install --quiet --disable-pip-version-check "huggingface_hub>=0.30"
fi
WORK="$(mktemp -d)"
SERVER=""
cleanup() { [ -z "$SERVER" ] || kill "$SERVER" 2>/dev/null || true; rm -rf "$WORK"; }
trap cleanup EXIT
MODELS="$ROOT/Tests/Fixtures/models"
"$VENV/bin/python" "$ROOT/Scripts/e2e/mock_hub.py" "$WORK/port" \
    "$MODELS/with-prefix=tester/ours" "$MODELS/no-prefix=tester/theirs" &
SERVER=$!
for _ in $(seq 50); do [ -s "$WORK/port" ] && break; sleep 0.1; done
export HF_ENDPOINT="http://127.0.0.1:$(cat "$WORK/port")" HF_HUB_CACHE="$WORK/cache" HF_HUB_DISABLE_TELEMETRY=1

ours="$("$GPT2" download tester/ours)"
found="$("$VENV/bin/python" -c 'import sys; from huggingface_hub import snapshot_download; print(snapshot_download("tester/ours", local_files_only=True))')"
[ "$ours" = "$found" ] || { echo "e2e-hub: gpt2 put tester/ours in $ours, huggingface_hub found $found" >&2; exit 1; }

"$VENV/bin/python" - <<'PY'
from huggingface_hub import hf_hub_download
for name in ["config.json", "model.safetensors", "vocab.json", "merges.txt"]:
    hf_hub_download("tester/theirs", name)
PY
theirs="$(HF_HUB_OFFLINE=1 "$GPT2" download tester/theirs)"
a="$("$GPT2" score --model "$theirs" --text "hello world" --json)"
b="$("$GPT2" score --model "$MODELS/no-prefix" --text "hello world" --json)"
[ "$a" = "$b" ] || { echo "e2e-hub: the cached tester/theirs scores differently from its source" >&2; exit 1; }
c="$(HF_HUB_OFFLINE=1 "$GPT2" score --model tester/ours --text "hello world" --json)"
d="$("$GPT2" score --model "$MODELS/with-prefix" --text "hello world" --json)"
[ "$c" = "$d" ] || { echo "e2e-hub: --model tester/ours scores differently from its source" >&2; exit 1; }
echo "e2e-hub: gpt2 and huggingface_hub $("$VENV/bin/python" -c 'import huggingface_hub; print(huggingface_hub.__version__)') share one cache: ok"

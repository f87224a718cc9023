#!/usr/bin/env bash
# Training speed of `gpt2 finetune`'s step beside PyTorch's on the same shape, in one run:
#
#   Scripts/bench-train.sh --model DIR [--gpt2 BIN] [--batch 4] [--context 64] [--steps 5] [--threads 2]
#
# `gpt2 bench --train` and Scripts/bench-train-torch.py (GPT2LMHeadModel, AdamW, clipping) each
# time --steps steps after one untimed warm-up step on random windows, and print tokens/s and
# peak resident memory; the last line is the ratio. DIR: a Hugging Face GPT-2 folder, for example
# `gpt2 init --preset gpt2 --out /tmp/gpt2-124m` (GPT-2 124M's shape). PyTorch comes from the venv
# .venv-peers-serve (Scripts/peers/requirements-torch.txt), created on first use.
set -euo pipefail
cd "$(dirname "$0")/.."
MODEL="" GPT2=".build/release/gpt2" BATCH=4 CONTEXT=64 STEPS=5 THREADS=2
while [ $# -gt 0 ]; do
    case "$1" in
        --model) MODEL="$2"; shift 2 ;;
        --gpt2) GPT2="$2"; shift 2 ;;
        --batch) BATCH="$2"; shift 2 ;;
        --context) CONTEXT="$2"; shift 2 ;;
        --steps) STEPS="$2"; shift 2 ;;
        --threads) THREADS="$2"; shift 2 ;;
        *) echo "error: unknown option $1" >&2; exit 2 ;;
    esac
done
[ -n "$MODEL" ] || { echo "error: --model DIR is required" >&2; exit 2; }
VENV=.venv-peers-serve
if ! "$VENV/bin/python" -c 'import torch, transformers' 2>/dev/null; then
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install --quiet --disable-pip-version-check -r Scripts/peers/requirements-torch.txt flask==3.1.2
fi
echo "== $(date -u '+%Y-%m-%d %H:%M UTC'), $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) CPUs, batch $BATCH x $CONTEXT, $THREADS threads"
ours=$("$GPT2" bench --train --model "$MODEL" --batch "$BATCH" --context "$CONTEXT" --steps $((STEPS + 1)) --threads "$THREADS" --json)
echo "gpt2:    $ours"
theirs=$("$VENV/bin/python" Scripts/bench-train-torch.py --model "$MODEL" --batch "$BATCH" --seq "$CONTEXT" --steps "$STEPS" --threads "$THREADS")
echo "pytorch: $theirs"
python3 - "$ours" "$theirs" <<'PY'
import json, sys
ours, theirs = json.loads(sys.argv[1]), json.loads(sys.argv[2])
print(f"gpt2 / pytorch tokens/s: {ours['train_tok_s'] / theirs['train_tok_s']:.2f}x; "
      f"peak RSS {ours['peak_rss_mb']:.0f} MB vs {theirs['peak_rss_mb']:.0f} MB")
PY

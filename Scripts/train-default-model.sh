#!/usr/bin/env bash
# Trains the bundled default model (Models/default) with this tool alone: `gpt2 dataset build`
# on Debian's `fortunes` package, `gpt2 init`, `gpt2 finetune`, `gpt2 quantize --to f16`.
#
#   Scripts/train-default-model.sh [WORKDIR] [GPT2_BINARY]
#
# WORKDIR (default /tmp/gpt2-default-model) receives the corpus, the run folder and the log;
# nothing in the repository changes until the fp16 model is copied to Models/default; then
# Scripts/evaluate-default-model.py measures it (evaluation.md, evaluation.json in WORKDIR).
# Set STEPS to train a shorter or longer run; DEST to write the model elsewhere.
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
work=${1:-/tmp/gpt2-default-model}
gpt2=${2:-$repo/.build/release/gpt2}
steps=${STEPS:-1000}
dest=${DEST:-$repo/Models/default}
fortunes=/usr/share/games/fortunes

if [ ! -d "$fortunes" ]; then
    echo "Installing Debian's fortunes package (the corpus)..." >&2
    apt-get install -y fortunes >/dev/null
fi
if [ ! -x "$gpt2" ]; then
    (cd "$repo" && swift build -c release --product gpt2)
fi
mkdir -p "$work"
cd "$work"

# Every fortune file except the two of ASCII drawings; one fortune is one document.
inputs=()
for f in "$fortunes"/*; do
    name=$(basename "$f")
    case "$name" in *.*|art|ascii-art) continue ;; esac
    inputs+=("$f")
done

"$gpt2" dataset build --from "${inputs[@]}" --out fortunes.tokens --tokens --split percent \
    --validation 0.05 --force --verbatim-index --json > dataset.json
# The same split as text, for Scripts/evaluate-default-model.py (the split is a hash of each text).
"$gpt2" dataset build --from "${inputs[@]}" --out fortunes.txt --split percent --validation 0.05 --force > /dev/null
"$gpt2" init --layers 6 --heads 8 --embd 256 --context 256 --seed 1 --out init --force

rm -rf checkpoint
start=$(date +%s)
"$gpt2" finetune --model init --data fortunes.tokens --val-data fortunes.validation.tokens \
    --run-name fortunes --checkpoint-dir checkpoint --steps "$steps" --batch 8 --seq 256 \
    --lr 1e-3 --warmup 100 --schedule cosine --weight-decay 0.1 --clip 1.0 \
    --val-every 100 --val-windows 120 --save-every 100 --keep 1 \
    --sample-every 250 --sample-length 40 --seed 0 --threads 2 2>&1 | tee finetune.log
echo "finetune took $(( $(date +%s) - start )) s" | tee -a finetune.log

"$gpt2" quantize --model checkpoint/fortunes/best --to f16 --out default-f16 --force
mkdir -p "$dest"
# The tokenizer is GPT-2's, built into the binary: only the config, the weights and the index are kept
# (the model card and the corpus's copyright file beside them stay).
cp default-f16/config.json default-f16/model.safetensors "$dest/"
# The training split's 8-token windows, for --block-verbatim and `gpt2 audit` with this model.
cp fortunes.tokens.verbatim.idx "$dest/verbatim.idx"
cp /usr/share/doc/fortunes/copyright "$dest/CORPUS-COPYRIGHT"
touch "$repo/Sources/CGPT2Embedded/embedded.S"  # SwiftPM does not see .incbin inputs
echo "Wrote $dest"
python3 "$repo/Scripts/evaluate-default-model.py" "$work" "$gpt2" "$dest" --json evaluation.json | tee evaluation.md

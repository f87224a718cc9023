#!/usr/bin/env bash
# Measures gpt2 against its peers on the same model, one after the other, and prints one
# Markdown table of tok/s and ratios.
#
#   bash Scripts/bench-peers.sh [--threads 2] [--model DIR] [--skip-install] [--json OUT]
#                               [--gpt2 BIN] [--engines ort,ct2,torch,gpt2] [--rounds 3]
#
# --gpt2 BIN uses that binary instead of building; --engines measures (and installs and
# converts for) only the engines named; --rounds N measures every engine in turn N times and
# keeps each figure's best round (a shared host's memory bandwidth swings by 2x from minute
# to minute here, and neighbours only ever slow a run down).
# Peers, each in a virtual environment of its own under the repo root (git-ignored by /.venv*/):
#   .venv-peers-ort    ONNX Runtime, fp32 and int8: optimum-onnx's exporter (task
#                      text-generation-with-past, lm_head untied from the embedding, logits of
#                      the last position only), int8 by onnxruntime's quantize_dynamic; driven
#                      through onnxruntime.InferenceSession directly (Scripts/peers/bench_ort.py).
#   .venv-peers-ct2    CTranslate2, fp32 and int8: ct2-transformers-converter --quantization
#                      float32 / int8 (Scripts/peers/bench_ct2.py).
#   .venv-peers-torch  PyTorch + transformers GPT2LMHeadModel, fp32 (Scripts/peers/bench_torch.py).
# Pinned versions: Scripts/peers/requirements-{ort,ct2,torch}.txt. Installs are one-off;
# --skip-install uses the venvs as they are.
#
# Steps: `swift build -c release --product gpt2` (skipped with --gpt2 BIN); the model is DIR, or
# else .build/peers/gpt2-124m made by `gpt2 init --preset gpt2 --seed 1`; each engine's
# conversion is cached next to the model (DIR-onnx-fp32, DIR-onnx-int8, DIR-ct2-fp32,
# DIR-ct2-int8, and DIR-gpt2-{f16,int8,q4} when `gpt2 quantize` exists), redone when the model
# or the converting script changes; then each engine is measured in a process of its own, and
# `gpt2 bench --model DIR --threads N --json` (and its quantized variants) last. Every runner
# measures what gpt2 bench measures (Scripts/peers/common.py): prompt of 128 tokens, one stream
# decoding 64 greedy steps after a 16-token prompt, 8 streams decoded together; median of 3.
# Threads: OMP/MKL/OpenBLAS variables = N, each engine's intra-op threads = N, inter-op 1.
# No network is used except PyPI during installs; every step runs under `timeout`.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PEERS="$ROOT/Scripts/peers"
COMMAND="bash Scripts/bench-peers.sh${*:+ $*}"

THREADS=2
MODEL=""
SKIP_INSTALL=0
JSON_OUT=""
GPT2=""
ENGINES="ort,ct2,torch,gpt2"
ROUNDS=3
usage() { sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }
while [ $# -gt 0 ]; do
    case "$1" in
        --threads) THREADS="${2:?--threads needs a number}"; shift 2 ;;
        --model) MODEL="${2:?--model needs a directory}"; shift 2 ;;
        --skip-install) SKIP_INSTALL=1; shift ;;
        --json) JSON_OUT="${2:?--json needs a file}"; shift 2 ;;
        --gpt2) GPT2="${2:?--gpt2 needs a binary}"; shift 2 ;;
        --engines) ENGINES="${2:?--engines needs a list such as ort,ct2,torch,gpt2}"; shift 2 ;;
        --rounds) ROUNDS="${2:?--rounds needs a number}"; shift 2 ;;
        -h|--help) usage ;;
        *) echo "error: unknown argument $1" >&2; usage ;;
    esac
done
case "$THREADS" in ''|*[!0-9]*|0) echo "error: --threads takes a positive integer, not '$THREADS'" >&2; exit 2 ;; esac
case "$ROUNDS" in ''|*[!0-9]*|0) echo "error: --rounds takes a positive integer, not '$ROUNDS'" >&2; exit 2 ;; esac
for engine in ${ENGINES//,/ }; do
    case "$engine" in ort|ct2|torch|gpt2) ;; *) echo "error: --engines takes ort, ct2, torch and gpt2, not '$engine'" >&2; exit 2 ;; esac
done
wants() { [[ ",$ENGINES," == *",$1,"* ]]; }
[ -z "$JSON_OUT" ] || JSON_OUT="$(cd "$(dirname "$JSON_OUT")" && pwd)/$(basename "$JSON_OUT")"
[ -z "$MODEL" ] || MODEL="$(cd "$MODEL" && pwd)"
[ -z "$GPT2" ] || GPT2="$(cd "$(dirname "$GPT2")" && pwd)/$(basename "$GPT2")"

STEP_TIMEOUT=${PEERS_STEP_TIMEOUT:-900}    # seconds for one install, conversion or measurement
START_ALL=$(date +%s)
WORK="$(mktemp -d -t bench-peers.XXXXXX)"
trap 'rm -rf "$WORK"' EXIT
RESULTS="$WORK/results"
mkdir -p "$RESULTS"

CLOCK_TICKS=$(getconf CLK_TCK)
busy_seconds() {   # CPU seconds all processes have used since boot
    awk -v hz="$CLOCK_TICKS" '/^cpu /{printf "%.2f", ($2 + $3 + $4 + $7 + $8 + $9) / hz; exit}' /proc/stat
}
children_seconds() {   # CPU seconds of this shell's finished children, from `times >"$WORK/times"`
    awk 'NR == 2 { s = 0; for (i = 1; i <= 2; i++) { split($i, a, /[ms]/); s += a[1] * 60 + a[2] } printf "%.2f", s }' "$WORK/times"
}
log() { printf '[bench-peers %4ss] %s\n' "$(( $(date +%s) - START_ALL ))" "$*" >&2; }
# Runs a command under the step timeout with its output in $WORK/NAME.log; on failure shows
# the log's tail and returns the status.
step() {
    local name="$1"; shift
    local start status=0 busy0 mine0 wall0
    start=$(date +%s)
    times >"$WORK/times"   # here, not in $(...): a subshell would count its own children
    busy0=$(busy_seconds); mine0=$(children_seconds); wall0=$(date +%s.%N)
    timeout --kill-after=30 "$STEP_TIMEOUT" "$@" >"$WORK/$name.log" 2>&1 || status=$?
    # Cores that other processes kept busy meanwhile: all CPU time less this step's own.
    times >"$WORK/times"
    awk -v n="$name" -v load="$(cut -d' ' -f1 /proc/loadavg)" -v b0="$busy0" -v b1="$(busy_seconds)" \
        -v m0="$mine0" -v m1="$(children_seconds)" -v w0="$wall0" -v w1="$(date +%s.%N)" \
        'BEGIN { others = (b1 - b0 - (m1 - m0)) / (w1 - w0); printf "%s %s %.2f\n", n, load, (others < 0 ? 0 : others) }' \
        >>"$WORK/loads.txt"
    if [ "$status" = 0 ]; then
        log "$name: $(( $(date +%s) - start )) s"
    else
        log "$name: failed with status $status after $(( $(date +%s) - start )) s; the end of its output:"
        tail -n 20 "$WORK/$name.log" >&2
    fi
    return "$status"
}

export OMP_NUM_THREADS="$THREADS" MKL_NUM_THREADS="$THREADS" OPENBLAS_NUM_THREADS="$THREADS"
export HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 HF_DATASETS_OFFLINE=1 TOKENIZERS_PARALLELISM=false
export PYTHONDONTWRITEBYTECODE=1

cd "$ROOT"
LOAD_BEFORE="$(cut -d' ' -f1-3 /proc/loadavg)"

# 1. gpt2, release build.
if [ -z "$GPT2" ] && { wants gpt2 || [ -z "$MODEL" ]; }; then
    step build swift build -c release --product gpt2
    GPT2="$ROOT/.build/release/gpt2"
fi
[ -z "$GPT2" ] || [ -x "$GPT2" ] || { echo "error: $GPT2 is not an executable" >&2; exit 1; }

# 2. The model.
if [ -z "$MODEL" ]; then
    MODEL="$ROOT/.build/peers/gpt2-124m"
    if [ ! -f "$MODEL/model.safetensors" ] || [ ! -f "$MODEL/config.json" ]; then
        mkdir -p "$(dirname "$MODEL")"
        rm -rf "$MODEL"
        step init "$GPT2" init --preset gpt2 --out "$MODEL" --seed 1
    fi
fi
for file in config.json model.safetensors; do
    [ -f "$MODEL/$file" ] || { echo "error: $MODEL has no $file (a Hugging Face GPT-2 directory is expected)" >&2; exit 1; }
done

# 3. Virtual environments.
BASE_PYTHON="${PYTHON:-python3}"
for engine in ort ct2 torch; do
    wants "$engine" || continue
    venv="$ROOT/.venv-peers-$engine"
    if [ "$SKIP_INSTALL" = 0 ]; then
        [ -x "$venv/bin/python" ] || step "venv-$engine" "$BASE_PYTHON" -m venv "$venv"
        step "install-$engine" "$venv/bin/python" -m pip install --quiet --disable-pip-version-check \
            -r "$PEERS/requirements-$engine.txt"
    elif [ ! -x "$venv/bin/python" ]; then
        echo "error: --skip-install, but $venv does not exist; run once without --skip-install" >&2
        exit 1
    fi
done

# 4. Conversions, cached next to the model. A stamp names the model file (size, mtime), the
# recipe and the converting files, so a new model or a changed recipe converts again.
stamp_of() {  # RECIPE FILE...
    local recipe="$1"; shift
    printf '%s %s %s %s\n' "$MODEL" "$(stat -c '%s %Y' "$MODEL/model.safetensors")" "$recipe" "$(cat "$@" | md5sum | cut -d' ' -f1)"
}
fresh() { [ -f "$1/.peers-stamp" ] && [ "$(cat "$1/.peers-stamp")" = "$2" ]; }

ONNX_FP32="$MODEL-onnx-fp32"; ONNX_INT8="$MODEL-onnx-int8"
stamp="$(stamp_of export_onnx "$PEERS/export_onnx.py" "$PEERS/requirements-ort.txt")"
if wants ort && { ! fresh "$ONNX_FP32" "$stamp" || ! fresh "$ONNX_INT8" "$stamp"; }; then
    rm -rf "$ONNX_FP32" "$ONNX_INT8"
    step export-onnx "$ROOT/.venv-peers-ort/bin/python" "$PEERS/export_onnx.py" --model "$MODEL" \
        --fp32 "$ONNX_FP32" --int8 "$ONNX_INT8"
    echo "$stamp" >"$ONNX_FP32/.peers-stamp"
    echo "$stamp" >"$ONNX_INT8/.peers-stamp"
fi

for precision in fp32 int8; do
    wants ct2 || break
    out="$MODEL-ct2-$precision"
    quantization=$([ "$precision" = fp32 ] && echo float32 || echo int8)
    stamp="$(stamp_of "ct2-transformers-converter --quantization $quantization" "$PEERS/requirements-ct2.txt")"
    fresh "$out" "$stamp" && continue
    # The converter reads the tokenizer for the vocabulary: use the model's files, or GPT-2's
    # own from the tokenizer target's resources (same vocabulary) when the model has none.
    staging="$WORK/ct2-staging"
    rm -rf "$staging" "$out"
    mkdir -p "$staging"
    ln -s "$MODEL/config.json" "$MODEL/model.safetensors" "$staging/"
    if [ -f "$MODEL/vocab.json" ] && [ -f "$MODEL/merges.txt" ]; then
        cp "$MODEL/vocab.json" "$MODEL/merges.txt" "$staging/"
    else
        cp "$ROOT/Sources/GPT2Tokenizer/Resources/encoder.json" "$staging/vocab.json"
        cp "$ROOT/Sources/GPT2Tokenizer/Resources/vocab.bpe" "$staging/merges.txt"
    fi
    step "convert-ct2-$precision" "$ROOT/.venv-peers-ct2/bin/ct2-transformers-converter" --model "$staging" \
        --output_dir "$out" --quantization "$quantization" --force
    echo "$stamp" >"$out/.peers-stamp"
done

HAS_QUANTIZE=0
# `gpt2 quantize --help` exits 0 even without the subcommand (it prints the root help), so look
# for quantize among the subcommands that `gpt2 --help` lists.
if ! wants gpt2; then
    :
elif "$GPT2" --help 2>/dev/null | grep -qE '^[[:space:]]+quantize([[:space:]]|$)'; then
    HAS_QUANTIZE=1
    for variant in f16 int8 q4; do
        out="$MODEL-gpt2-$variant"
        stamp="$(stamp_of "gpt2 quantize --to $variant" "$GPT2")"
        fresh "$out" "$stamp" && continue
        rm -rf "$out"
        step "quantize-$variant" "$GPT2" quantize --model "$MODEL" --to "$variant" --out "$out" || { rm -rf "$out"; continue; }
        echo "$stamp" >"$out/.peers-stamp"
    done
else
    log "gpt2 has no quantize command: measuring gpt2 fp32 only"
fi

# 5. Measurements, one process each. A failed one becomes a row that says so.
COMMON_ARGS=(--config "$MODEL/config.json" --threads "$THREADS")
measure() {   # NAME ENGINE PRECISION COMMAND...
    local name="$1" engine="$2" precision="$3"; shift 3
    local out="$RESULTS/$name.r$ROUND.json"
    if step "bench-$name.r$ROUND" "$@"; then
        grep '^{"engine"' "$WORK/bench-$name.r$ROUND.log" | tail -n 1 >"$out" || true
        if python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$out" 2>/dev/null; then
            return 0
        fi
    fi
    printf '{"engine": "%s", "precision": "%s", "error": "failed: see the log"}\n' "$engine" "$precision" >"$out"
}
gpt2_row() {  # NAME PRECISION MODEL_DIR: gpt2 bench's JSON with engine and precision added
    local name="$1" precision="$2" dir="$3"
    local out="$RESULTS/$name.r$ROUND.json"
    if step "bench-$name.r$ROUND" "$GPT2" bench --model "$dir" --threads "$THREADS" --json; then
        if grep '^{' "$WORK/bench-$name.r$ROUND.log" | tail -n 1 | python3 -c '
import json, sys
row = json.loads(sys.stdin.read())
row.update(engine="gpt2", precision=sys.argv[1])
print(json.dumps(row))' "$precision" >"$out"; then
            return 0
        fi
    fi
    printf '{"engine": "gpt2", "precision": "%s", "error": "failed: see the log"}\n' "$precision" >"$out"
}

for ROUND in $(seq 1 "$ROUNDS"); do
cd "$PEERS"
if wants ort; then
    measure ort-fp32 onnxruntime fp32 "$ROOT/.venv-peers-ort/bin/python" bench_ort.py --model "$ONNX_FP32/model.onnx" --precision fp32 "${COMMON_ARGS[@]}"
    measure ort-int8 onnxruntime int8 "$ROOT/.venv-peers-ort/bin/python" bench_ort.py --model "$ONNX_INT8/model.onnx" --precision int8 "${COMMON_ARGS[@]}"
fi
if wants ct2; then
    measure ct2-fp32 ctranslate2 fp32 "$ROOT/.venv-peers-ct2/bin/python" bench_ct2.py --model "$MODEL-ct2-fp32" --precision fp32 "${COMMON_ARGS[@]}"
    measure ct2-int8 ctranslate2 int8 "$ROOT/.venv-peers-ct2/bin/python" bench_ct2.py --model "$MODEL-ct2-int8" --precision int8 "${COMMON_ARGS[@]}"
fi
if wants torch; then
    measure torch-fp32 pytorch fp32 "$ROOT/.venv-peers-torch/bin/python" bench_torch.py --model "$MODEL" --precision fp32 "${COMMON_ARGS[@]}"
fi
cd "$ROOT"
if wants gpt2; then
    gpt2_row gpt2-fp32 fp32 "$MODEL"
    if [ "$HAS_QUANTIZE" = 1 ]; then
        for variant in f16 int8 q4; do
            precision=$([ "$variant" = f16 ] && echo fp16 || echo "$variant")
            if [ -d "$MODEL-gpt2-$variant" ]; then
                gpt2_row "gpt2-$variant" "$precision" "$MODEL-gpt2-$variant"
            else
                printf '{"engine": "gpt2", "precision": "%s", "error": "quantize failed"}\n' "$precision" >"$RESULTS/gpt2-$variant.r$ROUND.json"
            fi
        done
    fi
fi
done

# 6. The table.
python3 - "$WORK/meta.json" "$THREADS" "$COMMAND" "$MODEL" "$LOAD_BEFORE" "$(wants ort && echo "$ONNX_FP32/export.json")" "$ROUNDS" <<'EOF'
import datetime, json, os, subprocess, sys
path, threads, command, model, load_before, export, rounds = sys.argv[1:]
fields = {}
for line in subprocess.run(["lscpu"], capture_output=True, text=True).stdout.splitlines():
    key, _, value = line.partition(":")
    fields.setdefault(key.strip(), value.strip())
cpu = fields.get("Model name", "unknown")
if "CPU family" in fields:
    cpu += f" (family {fields['CPU family']}, model {fields.get('Model', '?')})"
flags = set()
for line in open("/proc/cpuinfo"):
    if line.startswith("flags"):
        flags = set(line.split(":", 1)[1].split())
        break
wanted = ["avx2", "fma", "avx512f", "avx512_vnni", "avx512_bf16", "avx_vnni", "amx_tile"]
cpu += "; " + " ".join(flag for flag in wanted if flag in flags)
versions = {}
if export and os.path.exists(export):
    info = json.load(open(export))
    versions["optimum-onnx export"] = info["exporter"].split(" main_export")[0].replace("optimum-onnx ", "")
    versions["onnx-export transformers"] = info["versions"]["transformers"]
    versions["onnx opset"] = str(info["opset"])
meta = {
    "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
    "cpu": cpu, "cores": os.cpu_count(), "threads": int(threads), "command": command, "model": model,
    "load_before": load_before, "load_after": " ".join(open("/proc/loadavg").read().split()[:3]),
    "load_at_end_of": {name: float(load) for name, load, _ in
                       (line.split() for line in open(os.path.join(os.path.dirname(path), "loads.txt")))
                       if name.startswith("bench-")},
    "other_cores_during": {name: float(others) for name, _, others in
                           (line.split() for line in open(os.path.join(os.path.dirname(path), "loads.txt")))
                           if name.startswith("bench-")},
    "batch": 8, "prompt_tokens": 128, "gen_tokens": 64, "versions": versions, "rounds": int(rounds),
}
json.dump(meta, open(path, "w"), indent=2)
EOF
python3 "$PEERS/table.py" --results "$RESULTS" --meta "$WORK/meta.json" ${JSON_OUT:+--json "$JSON_OUT"}
log "done in $(( $(date +%s) - START_ALL )) s"

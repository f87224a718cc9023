#!/usr/bin/env bash
# Streaming figure for `gpt2 dataset build --tokens` (issue 26): builds a text corpus of SIZE_MB
# (default 2048) on the fly from the text files under /usr/share and /usr/lib/python3*, with a
# running number on every paragraph so exact-duplicate removal keeps them all, then measures
# wall time, MB/s and peak resident memory (`/usr/bin/time -v`), and, when a Python with
# tiktoken is given, tiktoken's MB/s encoding the same file in batches on every core.
#
#   Scripts/bench-dataset.sh [GPT2_BINARY] [SIZE_MB] [PYTHON_WITH_TIKTOKEN]
#
# Writes into ${BENCH_DIR:-/tmp/gpt2-dataset-bench} (about 1.5 x SIZE_MB of disk) and removes
# the corpus and token file at the end.
set -euo pipefail
cd "${GPT2_ROOT:-$(dirname "$0")/..}"
binary="${1:-.build/release/gpt2}"
size_mb="${2:-2048}"
python="${3:-}"
dir="${BENCH_DIR:-/tmp/gpt2-dataset-bench}"
mkdir -p "$dir"
base="$dir/base.txt"
corpus="$dir/corpus.txt"
tokens="$dir/corpus.tok"
# A base of real English-ish text: licences, package docs, Python sources' text.
if [[ ! -s "$base" ]]; then
    python3 - "$base" <<'PY'
import glob, gzip, sys
paths = sorted(glob.glob("/usr/share/common-licenses/*")) + sorted(glob.glob("/usr/share/doc/**/*", recursive=True))
paths += sorted(glob.glob("/usr/lib/python3*/**/*.py", recursive=True))
out, size = [], 0
for path in paths:
    try:
        raw = gzip.open(path).read() if path.endswith(".gz") else open(path, "rb").read()
        text = raw.decode("utf-8")
    except (OSError, UnicodeDecodeError, EOFError):
        continue
    if "\0" in text:
        continue
    out.append(text)
    size += len(raw)
    if size > 64_000_000:
        break
open(sys.argv[1], "w", encoding="utf-8").write("\n\n".join(out))
PY
fi
# Repeat the base with a copy number on every paragraph until the corpus reaches SIZE_MB.
target=$((size_mb * 1024 * 1024))
: > "$corpus"
copy=0
while [[ $(stat -c %s "$corpus") -lt $target ]]; do  # whole copies: never cuts a character
    copy=$((copy + 1))
    awk -v c="$copy" 'BEGIN{RS=""; ORS="\n\n"} {print "[" c "." NR "] " $0}' "$base" >> "$corpus"
done
bytes=$(stat -c %s "$corpus")
echo "corpus: $bytes bytes ($size_mb MiB), $(nproc) cores, $(date -u '+%Y-%m-%d %H:%M UTC')"
rm -f "$tokens"
/usr/bin/time -v "$binary" dataset build --from "$corpus" --out "$tokens" --tokens --split blank 2> "$dir/time.txt" \
    | tee "$dir/summary.txt"
seconds=$(awk -F': ' '/Elapsed \(wall clock\)/ {n=split($2,p,":"); s=0; for(i=1;i<=n;i++) s=s*60+p[i]; print s}' "$dir/time.txt")
rss_kb=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$dir/time.txt")
awk -v b="$bytes" -v s="$seconds" -v r="$rss_kb" \
    'BEGIN {printf "gpt2 dataset build --tokens: %.1f s, %.1f MB/s, peak RSS %.0f MiB\n", s, b/1e6/s, r/1024}'
if [[ -n "$python" ]]; then
    "$python" - "$corpus" Sources/GPT2Tokenizer/Resources/encoder.json <<'PY'
import json, os, sys, time
import tiktoken
PATTERN = r"""'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+"""
printable = set(range(0x21, 0x7F)) | set(range(0xA1, 0xAD)) | set(range(0xAE, 0x100))
byte_of, extra = {}, 0
for b in range(256):
    if b in printable: byte_of[chr(b)] = b
    else: byte_of[chr(256 + extra)] = b; extra += 1
vocab = json.load(open(sys.argv[2], encoding="utf-8"))
ranks = {bytes(byte_of[c] for c in t): i for t, i in vocab.items() if t != "<|endoftext|>"}
enc = tiktoken.Encoding(name="gpt2-local", pat_str=PATTERN, mergeable_ranks=ranks, special_tokens={"<|endoftext|>": 50256})
size = os.path.getsize(sys.argv[1])
start = time.perf_counter()
tokens = 0
with open(sys.argv[1], encoding="utf-8") as f:
    while True:
        chunk = f.read(32 << 20)
        if not chunk: break
        docs = chunk.split("\n\n")
        tokens += sum(len(ids) for ids in enc.encode_ordinary_batch(docs, num_threads=os.cpu_count()))
seconds = time.perf_counter() - start
print(f"tiktoken {tiktoken.__version__} encode_ordinary_batch ({os.cpu_count()} threads): {seconds:.1f} s, {size/1e6/seconds:.1f} MB/s, {tokens} tokens")
PY
fi
rm -f "$corpus" "$tokens"

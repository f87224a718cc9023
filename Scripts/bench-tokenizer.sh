#!/usr/bin/env bash
# Encode throughput of GPT2Tokenizer against tiktoken on the same English text, one thread each.
#
#   Scripts/bench-tokenizer.sh [TEXT_FILE] [REPEATS]
#
# Without TEXT_FILE it builds ~1.6 MB of English from the Vim user manual and the license texts
# in /usr/share (present on Debian images). Needs swiftc and /tmp/refvenv/bin/python (tiktoken).
set -euo pipefail
cd "$(dirname "$0")/.."
repeats="${2:-10}"
text="${1:-/tmp/gpt2-tokenizer-bench.txt}"
if [[ -z "${1:-}" ]]; then
    /tmp/refvenv/bin/python - "$text" <<'PY'
import glob, sys
parts = sorted(glob.glob("/usr/share/vim/vim*/doc/usr_*.txt")) + sorted(glob.glob("/usr/share/common-licenses/*"))
parts += sorted(glob.glob("/usr/share/vim/vim*/doc/*.txt"))
out, size = [], 0
for path in parts:
    try:
        chunk = open(path, encoding="utf-8").read()
    except (UnicodeDecodeError, IsADirectoryError):
        continue
    out.append(chunk)
    size += len(chunk.encode())
    if size > 1_600_000:
        break
open(sys.argv[1], "w", encoding="utf-8").write("\n".join(out))
PY
fi
binary=/tmp/gpt2-tokenizer-bench
swiftc -O -wmo -target-cpu "${GPT2_TARGET_CPU:-haswell}" -module-name GPT2TokenizerBench \
    Sources/GPT2Tokenizer/*.swift Scripts/tokenizer-bench/main.swift -o "$binary"
resources=Sources/GPT2Tokenizer/Resources
"$binary" "$text" "$resources/encoder.json" "$resources/vocab.bpe" "$repeats"
/tmp/refvenv/bin/python Scripts/tokenizer-bench/tiktoken_bench.py "$text" "$resources/encoder.json" "$repeats"

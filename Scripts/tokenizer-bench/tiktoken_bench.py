"""tiktoken side of Scripts/bench-tokenizer.sh: the same file, the same GPT-2 files, one thread."""
import json
import statistics
import sys
import time

import tiktoken

PATTERN = r"""'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+"""


def byte_alphabet():
    printable = set(range(0x21, 0x7F)) | set(range(0xA1, 0xAD)) | set(range(0xAE, 0x100))
    table, extra = {}, 0
    for byte in range(256):
        if byte in printable:
            table[chr(byte)] = byte
        else:
            table[chr(256 + extra)] = byte
            extra += 1
    return table


def main():
    text_path, vocab_path, repeats = sys.argv[1], sys.argv[2], int(sys.argv[3])
    text = open(text_path, encoding="utf-8").read()
    vocab = json.load(open(vocab_path, encoding="utf-8"))
    byte_of = byte_alphabet()
    ranks = {bytes(byte_of[c] for c in t): i for t, i in vocab.items() if t != "<|endoftext|>"}
    enc = tiktoken.Encoding(name="gpt2-local", pat_str=PATTERN, mergeable_ranks=ranks,
                            special_tokens={"<|endoftext|>": vocab["<|endoftext|>"]})
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        ids = enc.encode_ordinary(text)
        times.append(time.perf_counter() - start)
    times.sort()
    size = len(text.encode("utf-8"))
    checksum = 0
    for index, i in enumerate(ids):
        checksum = (checksum * 1000003 + i + (index & 7)) % (1 << 64)
    print(f"tiktoken bytes {size} tokens {len(ids)} best {times[0]:.4f} s median {statistics.median(times):.4f} s"
          f" -> {size / times[0] / 1e6:.2f} MB/s (median {size / statistics.median(times) / 1e6:.2f} MB/s) checksum {checksum}")


main()

"""Shared parts of the peer benchmark runners (Scripts/peers/bench_*.py).

Every runner measures its engine the way `gpt2 bench` measures ours
(Sources/gpt2/ModelBenchmark.swift), so the numbers can stand side by side:

- the prompt is `prompt_tokens` (128) token ids drawn from Xoshiro256** seeded with 1, each
  `next() % vocab_size`: the very ids our bench uses;
- warm-up: one forward over the whole prompt, untimed;
- prompt tok/s: one forward over the 128 tokens into an empty KV cache that yields the next
  token's logits, median of `repeats` (3);
- decode tok/s: the first 16 prompt tokens fill the cache (untimed), then `gen_tokens` (64)
  steps of greedy decoding, each step one forward of one new token per sequence; the timed
  part is those 64 steps, argmax included; median of `repeats`;
- 8 streams: 8 sequences with the same 16-token prompt decoded together, 64 steps,
  aggregate tokens/s (8 * 64 / seconds); median of `repeats`.

Threads: the shell script exports OMP_NUM_THREADS etc. before Python starts; each runner also
sets its engine's intra-op threads to N and inter-op threads to 1.

A runner prints one JSON object on its last stdout line.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import sys
import time
from typing import Callable

MASK64 = (1 << 64) - 1


class SplitMix64:
    """The seed expander of Sources/GPT2Generation/SplitMix64.swift."""

    def __init__(self, seed: int) -> None:
        self.state = seed & MASK64

    def next(self) -> int:
        self.state = (self.state + 0x9E3779B97F4A7C15) & MASK64
        z = self.state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK64
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK64
        return z ^ (z >> 31)


class Xoshiro256StarStar:
    """The generator of Sources/GPT2Generation/Xoshiro256StarStar.swift, bit for bit."""

    def __init__(self, seed: int) -> None:
        mixer = SplitMix64(seed)
        self.s = [mixer.next() for _ in range(4)]

    @staticmethod
    def _rotl(x: int, k: int) -> int:
        return ((x << k) | (x >> (64 - k))) & MASK64

    def next(self) -> int:
        s0, s1, s2, s3 = self.s
        result = (self._rotl((s1 * 5) & MASK64, 7) * 9) & MASK64
        t = (s1 << 17) & MASK64
        s2 ^= s0
        s3 ^= s1
        s1 ^= s2
        s0 ^= s3
        s2 ^= t
        s3 = self._rotl(s3, 45)
        self.s = [s0, s1, s2, s3]
        return result


def prompt_ids(count: int, vocab_size: int, seed: int = 1) -> list[int]:
    """The prompt `gpt2 bench` uses: `count` ids, each Xoshiro256**(seed).next() % vocab_size."""
    rng = Xoshiro256StarStar(seed)
    return [rng.next() % vocab_size for _ in range(count)]


def parse_args(description: str, extra: Callable[[argparse.ArgumentParser], None] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--model", required=True, help="the engine's model (a file or folder)")
    parser.add_argument("--config", required=True, help="the Hugging Face config.json of the model")
    parser.add_argument("--precision", required=True, help="label for the table: fp32, int8, ...")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--prompt-tokens", type=int, default=128)
    parser.add_argument("--gen-tokens", type=int, default=64)
    parser.add_argument("--decode-prompt", type=int, default=16, help="prompt length before decoding")
    parser.add_argument("--batch", type=int, default=8, help="streams decoded together")
    parser.add_argument("--repeats", type=int, default=3)
    if extra:
        extra(parser)
    args = parser.parse_args()
    if min(args.threads, args.prompt_tokens, args.gen_tokens, args.decode_prompt, args.batch, args.repeats) < 1:
        parser.error("--threads, --prompt-tokens, --gen-tokens, --decode-prompt, --batch and --repeats must be at least 1")
    return args


def vocab_size(config_path: str) -> int:
    with open(config_path, encoding="utf-8") as file:
        return int(json.load(file)["vocab_size"])


def median_of(repeats: int, measure: Callable[[], float]) -> float:
    """Median of `repeats` calls of `measure` (each returns a rate); for 3, the middle one."""
    return statistics.median_low([measure() for _ in range(repeats)])


def now() -> float:
    return time.perf_counter()


def peak_rss_mb() -> float:
    """Peak resident set of this process in MB (Linux reports ru_maxrss in KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 / 1e6


def report(engine: str, args: argparse.Namespace, prompt_tok_s: float, decode_tok_s: float,
           batch_tok_s: float, versions: dict[str, str], notes: dict | None = None) -> None:
    """Prints the runner's JSON line (the shell script reads the last line of stdout)."""
    result = {
        "engine": engine,
        "precision": args.precision,
        "prompt_tok_s": prompt_tok_s,
        "decode_tok_s": decode_tok_s,
        "batch_tok_s": {"1": decode_tok_s, str(args.batch): batch_tok_s},
        "peak_rss_mb": peak_rss_mb(),
        "threads": args.threads,
        "prompt_tokens": args.prompt_tokens,
        "gen_tokens": args.gen_tokens,
        "versions": {"python": platform.python_version(), **versions},
        "env": {key: os.environ.get(key) for key in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS")},
    }
    if notes:
        result["notes"] = notes
    sys.stdout.flush()
    print(json.dumps(result))

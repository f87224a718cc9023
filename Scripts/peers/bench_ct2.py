"""CTranslate2 peer: a ctranslate2.Generator over the output of ct2-transformers-converter.

    python bench_ct2.py --model CT2_DIR --config HF_DIR/config.json --precision int8 --threads 2

Generator(device="cpu", compute_type="default" (the converted type), inter_threads=1,
intra_threads=N). Token ids map to the converter's vocabulary.json strings, since
generate_batch takes strings.

- prompt tok/s: generate_batch on the 128-token prompt with include_prompt_in_result=False,
  max_length=1, sampling_topk=1: the prompt goes through the decoder at once into the KV cache
  and one token is produced, which is one forward over 128 tokens that yields the next token's
  logits, as in `gpt2 bench`. forward_batch (logits for all 128 positions, 127 of them unused)
  is also timed and reported in notes as prompt_forward_batch_tok_s.
- decode: generate_batch on 1 or 8 copies of the 16-token prompt with
  include_prompt_in_result=False, sampling_topk=1, max_length = min_length = 65 (min_length so
  that end-of-text cannot stop a stream early), with a step callback. Steps 1..64 each forward
  one token per stream; the time from the first callback of step 0 to the last callback of
  step 64 is the timed part, so the prompt pass and step 0 are not timed.
"""

from __future__ import annotations

import json
import os

import ctranslate2

import common


def main() -> None:
    args = common.parse_args(__doc__)
    vocab = common.vocab_size(args.config)
    prompt = common.prompt_ids(args.prompt_tokens, vocab)
    with open(os.path.join(args.model, "vocabulary.json"), encoding="utf-8") as file:
        tokens = json.load(file)
    if len(tokens) != vocab:
        raise SystemExit(f"bench_ct2.py: {args.model}/vocabulary.json has {len(tokens)} entries, expected {vocab}")

    generator = ctranslate2.Generator(args.model, device="cpu", compute_type="default",
                                      inter_threads=1, intra_threads=args.threads)
    prompt_strings = [tokens[i] for i in prompt]
    start_strings = prompt_strings[: args.decode_prompt]

    def prompt_pass() -> None:
        results = generator.generate_batch([prompt_strings], max_length=1, sampling_topk=1,
                                           include_prompt_in_result=False)
        assert len(results[0].sequences_ids[0]) == 1, results[0].sequences_ids

    prompt_pass()  # warm-up

    def prompt_rate() -> float:
        start = common.now()
        prompt_pass()
        return args.prompt_tokens / (common.now() - start)

    def forward_batch_rate() -> float:
        start = common.now()
        generator.forward_batch([prompt])
        return args.prompt_tokens / (common.now() - start)

    def decode_rate(batch: int) -> float:
        first: list[float] = []
        last: list[float] = []
        steps: list[int] = []

        def callback(result: "ctranslate2.GenerationStepResult") -> bool:
            stamp = common.now()
            if result.step == 0 and not first:
                first.append(stamp)
            last[:] = [stamp]
            steps.append(result.step)
            return False

        length = args.gen_tokens + 1
        results = generator.generate_batch([start_strings] * batch, max_length=length, min_length=length,
                                           sampling_topk=1, include_prompt_in_result=False, callback=callback)
        produced = [len(r.sequences_ids[0]) for r in results]
        if produced != [length] * batch or max(steps) != args.gen_tokens:
            raise SystemExit(f"bench_ct2.py: expected {length} tokens per stream over steps 0..{args.gen_tokens}, "
                             f"got {produced} and last step {max(steps)}")
        return batch * args.gen_tokens / (last[0] - first[0])

    prompt_tok_s = common.median_of(args.repeats, prompt_rate)
    forward_tok_s = common.median_of(args.repeats, forward_batch_rate)
    decode_tok_s = common.median_of(args.repeats, lambda: decode_rate(1))
    batch_tok_s = common.median_of(args.repeats, lambda: decode_rate(args.batch))
    common.report("ctranslate2", args, prompt_tok_s, decode_tok_s, batch_tok_s,
                  {"ctranslate2": ctranslate2.__version__},
                  {"prompt": "generate_batch(max_length=1, include_prompt_in_result=False)",
                   "prompt_forward_batch_tok_s": forward_tok_s,
                   "decode": "generate_batch with a step callback, steps 1..64 timed",
                   "compute_type": "default (as converted)"})


if __name__ == "__main__":
    main()

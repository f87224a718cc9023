"""PyTorch peer: Hugging Face transformers' GPT2LMHeadModel in eager PyTorch, fp32.

    python bench_torch.py --model HF_DIR --config HF_DIR/config.json --precision fp32 --threads 2

torch.set_num_threads(N), torch.set_num_interop_threads(1), model.eval(), everything under
torch.inference_mode(), default attention implementation (sdpa). Each forward passes
use_cache=True, the previous past_key_values (a DynamicCache) and logits_to_keep=1, so only the
last position's logits are computed, as in `gpt2 bench`. Greedy steps take torch.argmax of
those logits. Measurements as in common.py.
"""

from __future__ import annotations

import os

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

import torch
import transformers
from transformers import GPT2LMHeadModel

import common


def main() -> None:
    args = common.parse_args(__doc__)
    torch.set_num_threads(args.threads)
    torch.set_num_interop_threads(1)
    vocab = common.vocab_size(args.config)
    prompt = common.prompt_ids(args.prompt_tokens, vocab)

    model = GPT2LMHeadModel.from_pretrained(args.model, dtype=torch.float32)
    model.eval()

    def forward(ids: torch.Tensor, past):
        out = model(input_ids=ids, past_key_values=past, use_cache=True, logits_to_keep=1)
        return out.logits[:, -1, :], out.past_key_values

    prompt_tensor = torch.tensor([prompt], dtype=torch.long)
    with torch.inference_mode():
        forward(prompt_tensor, None)  # warm-up

        def prompt_rate() -> float:
            start = common.now()
            forward(prompt_tensor, None)
            return args.prompt_tokens / (common.now() - start)

        def decode_rate(batch: int) -> float:
            start_ids = torch.tensor([prompt[: args.decode_prompt]] * batch, dtype=torch.long)
            logits, past = forward(start_ids, None)
            start = common.now()
            for _ in range(args.gen_tokens):
                next_ids = torch.argmax(logits, dim=-1, keepdim=True)
                logits, past = forward(next_ids, past)
            return batch * args.gen_tokens / (common.now() - start)

        prompt_tok_s = common.median_of(args.repeats, prompt_rate)
        decode_tok_s = common.median_of(args.repeats, lambda: decode_rate(1))
        batch_tok_s = common.median_of(args.repeats, lambda: decode_rate(args.batch))
    common.report("pytorch", args, prompt_tok_s, decode_tok_s, batch_tok_s,
                  {"torch": torch.__version__, "transformers": transformers.__version__},
                  {"attention": model.config._attn_implementation,
                   "driver": "GPT2LMHeadModel forward with past_key_values, logits_to_keep=1, inference_mode"})


if __name__ == "__main__":
    main()

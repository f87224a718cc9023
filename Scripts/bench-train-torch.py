#!/usr/bin/env python3
"""PyTorch's fine-tuning step on the same shape as `gpt2 finetune`, for a tokens/s comparison.

Loads a Hugging Face GPT-2 folder (e.g. one made by `gpt2 init`), then times AdamW steps
(forward, backward, clip to norm 1, update) of GPT2LMHeadModel on random windows of
--batch x --seq tokens, with --threads intra-op threads, fp32, no dropout. Prints one JSON
line: {"train_tok_s", "step_s", "peak_rss_mb", ...}. The first --warmup steps are not timed.

    python3 Scripts/bench-train-torch.py --model DIR --batch 4 --seq 64 --steps 5 --threads 2
"""

import argparse
import json
import resource
import time

import torch
import torch.nn.functional as F
from transformers import GPT2LMHeadModel


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", required=True)
    ap.add_argument("--batch", type=int, default=4)
    ap.add_argument("--seq", type=int, default=64)
    ap.add_argument("--steps", type=int, default=5)
    ap.add_argument("--warmup", type=int, default=1)
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    model = GPT2LMHeadModel.from_pretrained(args.model, torch_dtype=torch.float32)
    model.config.resid_pdrop = model.config.embd_pdrop = model.config.attn_pdrop = 0.0
    model.train()
    decay = [p for p in model.parameters() if p.dim() >= 2]
    other = [p for p in model.parameters() if p.dim() < 2]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": 0.01}, {"params": other, "weight_decay": 0.0}], lr=1e-4)
    vocab = model.config.vocab_size
    times = []
    for step in range(args.warmup + args.steps):
        seq = torch.randint(0, vocab, (args.batch, args.seq + 1))
        start = time.perf_counter()
        logits = model(input_ids=seq[:, :-1]).logits
        loss = F.cross_entropy(logits.reshape(-1, vocab), seq[:, 1:].reshape(-1))
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        if step >= args.warmup:
            times.append(time.perf_counter() - start)
    step_s = sum(times) / len(times)
    print(json.dumps({"engine": f"torch {torch.__version__}", "batch": args.batch, "seq": args.seq,
                      "threads": args.threads, "step_s": round(step_s, 4),
                      "train_tok_s": round(args.batch * args.seq / step_s, 1),
                      "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 / 1e6, 1)}))


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Train the small byte-level GPT-2 fixture under Tests/Fixtures/models/trained-bytes/.

The random fixtures of make-model-fixtures.py check that our engine computes what
transformers computes, but their weights look nothing like trained ones, so they cannot
tell whether 4-bit or 8-bit quantization keeps a model's quality. This script trains a
real (if tiny) language model instead and stores it with a held-out evaluation text and
the perplexity transformers measures on it.

- Tokens are bytes: vocab_size 256, token id = byte value, no tokenizer files.
- Shape: n_embd 192, 4 layers, 4 heads (head size 48), n_positions 256, gelu_new, tied
  lm_head = wte. Every matrix's input width (192, 768) is a multiple of 32, so q4 applies.
- Data: the license texts of /usr/share/common-licenses (Debian's base-files, present on
  every Debian system), deduplicated (the GPL/LGPL/GFDL symlinks), English legal prose.
  Apache-2.0 is held out for evaluation; every other file is training data. The files'
  SHA-256 digests are recorded in eval.json; other texts train a different (equally
  usable) model, and the script warns about it.
- Training: PyTorch, one CPU thread, fixed seed, AdamW, TRAIN_STEPS batches of 8 random
  256-byte windows (about 5 minutes on one core). Dropout is off.
- Output: config.json, model.safetensors (float16, ~3.8 MB), generation_config.json, and
  eval.json: the held-out text cut into EVAL_SEQUENCES windows of 256 bytes with, for each,
  the mean negative log-likelihood that transformers (eager attention, the stored fp16
  weights upcast to float32) computes, and the perplexity over all of them.

Run through `bash Scripts/make-fixtures.sh` (or directly with a Python that has torch,
transformers, safetensors and numpy). With the pinned versions and the same texts and
CPU, reruns give identical files; another CPU may change the last bits of training.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import shutil
import sys
import time
from pathlib import Path

os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["TRANSFORMERS_OFFLINE"] = "1"

import numpy as np  # noqa: E402
import torch  # noqa: E402
import transformers  # noqa: E402
from transformers import GPT2Config, GPT2LMHeadModel  # noqa: E402
from fixture_json import dumps  # noqa: E402  (Scripts/, beside this file)

REPO = Path(__file__).resolve().parent.parent
OUT = REPO / "Tests" / "Fixtures" / "models" / "trained-bytes"
TEXTS = Path("/usr/share/common-licenses")
HELD_OUT = "Apache-2.0"

SEED = 5001
N_EMBD, N_LAYER, N_HEAD, N_POSITIONS = 192, 4, 4, 256
TRAIN_STEPS = 560
BATCH = 8
WARMUP_STEPS = 40
PEAK_LR = 2e-3
FINAL_LR = 2e-4
WEIGHT_DECAY = 0.1
EVAL_SEQUENCES = 32  # windows of N_POSITIONS bytes from the start of the held-out text

# The texts the committed fixture was trained on (Debian 12, base-files 12.4+deb12u11).
EXPECTED_SHA256 = {
    "Apache-2.0": "cfc7749b96f63bd31c3c42b5c471bf756814053e847c10f3eb003417bc523d30",
    "Artistic": "b7fd9b73ea99602016a326e0b62e6646060d18febdd065ceca8bb482208c3d88",
    "BSD": "5d588eb3b157d52112afea935c88a7ff9efddc1e2d95a42c25d3b96ad9055008",
    "CC0-1.0": "a2010f343487d3f7618affe54f789f5487602331c0a8d03f49e9a7c547cf0499",
    "GFDL-1.2": "d8e94ae5fdb5433fcae2961aeb1a8cf17174d6f4a0465d24bf37dd8a038bd439",
    "GFDL-1.3": "110535522396708cea37c72a802c5e7e81391139f5f7985631c93ef242b206a4",
    "GPL-1": "d77d235e41d54594865151f4751e835c5a82322b0e87ace266567c3391a4b912",
    "GPL-2": "8177f97513213526df2cf6184d8ff986c675afb514d4e68a404010521b880643",
    "GPL-3": "3972dc9744f6499f0f9b2dbf76696f2ae7ad8af9b23dde66d6af86c9dfb36986",
    "LGPL-2": "681e386e44a19d7d0674b4320272c90e66b6610b741e7e6305f8219c42e85366",
    "LGPL-2.1": "dc626520dcd53a22f727af3ee42c770e56c97a64fe3adb063799d8ab032fe551",
    "LGPL-3": "e3a994d82e644b03a792a930f574002658412f62407f5fee083f2555c5f23118",
    "MPL-1.1": "f849fc26a7a99981611a3a370e83078deb617d12a45776d6c4cada4d338be469",
    "MPL-2.0": "fab3dd6bdab226f1c08630b1dd917e11fcb4ec5e1e020e2c16f83a0a13863e85",
}

transformers.logging.set_verbosity_error()
transformers.utils.logging.disable_progress_bar()
torch.set_num_threads(1)
torch.use_deterministic_algorithms(True)

def read_texts() -> tuple[dict[str, bytes], bytes]:
    """(training files by name, held-out text): every regular file, symlinks skipped."""
    if not (TEXTS / HELD_OUT).is_file():
        raise SystemExit(f"{TEXTS / HELD_OUT} is missing; this script needs Debian's base-files texts")
    files = {p.name: p.read_bytes() for p in sorted(TEXTS.iterdir()) if p.is_file() and not p.is_symlink()}
    digests = {name: hashlib.sha256(data).hexdigest() for name, data in files.items()}
    if EXPECTED_SHA256 and digests != EXPECTED_SHA256:
        print("warning: the license texts differ from those the committed fixture was trained on; "
              "the new model will differ (it is still a valid fixture)", file=sys.stderr)
    held_out = files.pop(HELD_OUT)
    return files, held_out


def lr_at(step: int) -> float:
    if step < WARMUP_STEPS:
        return PEAK_LR * (step + 1) / WARMUP_STEPS
    progress = (step - WARMUP_STEPS) / max(1, TRAIN_STEPS - 1 - WARMUP_STEPS)
    return FINAL_LR + 0.5 * (PEAK_LR - FINAL_LR) * (1 + math.cos(math.pi * progress))


def windows(data: torch.Tensor, count: int | None = None) -> torch.Tensor:
    """Consecutive non-overlapping windows of N_POSITIONS bytes, [count, N_POSITIONS]."""
    n = len(data) // N_POSITIONS if count is None else count
    assert n * N_POSITIONS <= len(data), "text too short"
    return data[: n * N_POSITIONS].view(n, N_POSITIONS)


@torch.no_grad()
def mean_loss(model: GPT2LMHeadModel, batch: torch.Tensor) -> float:
    """Mean next-byte negative log-likelihood (nats) over every window of `batch`."""
    total, count = 0.0, 0
    for row in batch:
        logits = model(input_ids=row[None]).logits[0].double()
        lp = torch.log_softmax(logits[:-1], dim=-1)
        total -= float(lp.gather(1, row[1:, None]).sum())
        count += len(row) - 1
    return total / count


def train(corpus: torch.Tensor) -> tuple[GPT2LMHeadModel, float]:
    torch.manual_seed(SEED)
    config = GPT2Config(vocab_size=256, n_positions=N_POSITIONS, n_embd=N_EMBD, n_layer=N_LAYER,
                        n_head=N_HEAD, activation_function="gelu_new", resid_pdrop=0.0,
                        embd_pdrop=0.0, attn_pdrop=0.0, bos_token_id=0, eos_token_id=0)
    model = GPT2LMHeadModel(config)
    decay = [p for n, p in model.named_parameters() if p.dim() == 2]
    rest = [p for n, p in model.named_parameters() if p.dim() != 2]
    optimizer = torch.optim.AdamW([{"params": decay, "weight_decay": WEIGHT_DECAY},
                                   {"params": rest, "weight_decay": 0.0}],
                                  lr=PEAK_LR, betas=(0.9, 0.95), eps=1e-8)
    rng = np.random.default_rng(SEED)
    model.train()
    start = time.process_time()
    for step in range(TRAIN_STEPS):
        offsets = rng.integers(0, len(corpus) - N_POSITIONS, size=BATCH)
        batch = torch.stack([corpus[o:o + N_POSITIONS] for o in offsets])
        for group in optimizer.param_groups:
            group["lr"] = lr_at(step)
        loss = model(input_ids=batch, labels=batch).loss
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        if step % 50 == 0 or step == TRAIN_STEPS - 1:
            print(f"   step {step:4d}  lr {lr_at(step):.2e}  batch loss {loss.item():.4f}  "
                  f"cpu {time.process_time() - start:.0f} s", flush=True)
    return model.eval(), time.process_time() - start


def main() -> None:
    if sys.version_info < (3, 11):
        raise SystemExit("Python 3.11 or newer is required")
    files, held_out = read_texts()
    corpus_bytes = b"\n\n".join(files.values())
    corpus = torch.tensor(list(corpus_bytes), dtype=torch.long)
    evaluation = torch.tensor(list(held_out), dtype=torch.long)
    print(f"== trained-bytes: {len(corpus_bytes)} training bytes from {len(files)} files, "
          f"{len(held_out)} held-out bytes ({HELD_OUT})")

    model, cpu_seconds = train(corpus)
    eval_windows = windows(evaluation, EVAL_SEQUENCES)
    train_loss = mean_loss(model, windows(corpus))
    held_out_loss = mean_loss(model, eval_windows)
    print(f"   trained in {cpu_seconds:.0f} s CPU; fp32 loss (nats/byte): train {train_loss:.4f}, "
          f"held-out {held_out_loss:.4f} (uniform: ln 256 = {math.log(256):.4f})")

    if OUT.exists():
        shutil.rmtree(OUT)
    OUT.mkdir(parents=True)
    model.half().save_pretrained(str(OUT), safe_serialization=True)

    # The reference: the stored fp16 weights, loaded back and computed in float32.
    reference = GPT2LMHeadModel.from_pretrained(str(OUT), dtype=torch.float32, attn_implementation="eager")
    reference = reference.float().eval()
    with torch.no_grad():
        for p in reference.parameters():
            p.data = p.data.clone()
    assert reference.lm_head.weight is reference.transformer.wte.weight
    sequences = []
    for row in eval_windows:
        nll = mean_loss(reference, row[None])
        sequences.append({"ids": [int(x) for x in row], "mean_nll": nll})
    mean_nll = sum(s["mean_nll"] for s in sequences) / len(sequences)
    print(f"   stored fp16 weights, fp32 compute: held-out mean NLL {mean_nll:.6f}, "
          f"perplexity {math.exp(mean_nll):.6f}")

    record = {
        "magic": "gpt2-trained-eval",
        "version": 1,
        "generated_by": "Scripts/make-trained-fixture.py (via Scripts/make-fixtures.sh)",
        "torch": torch.__version__.split("+")[0],
        "transformers": transformers.__version__,
        "seed": SEED,
        "tokens": "bytes: token id = byte value, vocab_size 256",
        "weights_dtype": "float16",
        "compute_dtype": "float32",
        "training": {
            "texts": {name: hashlib.sha256(data).hexdigest() for name, data in files.items()},
            "joined_with": "two newlines",
            "bytes": len(corpus_bytes),
            "steps": TRAIN_STEPS,
            "batch": BATCH,
            "window": N_POSITIONS,
            "optimizer": f"AdamW betas (0.9, 0.95), weight decay {WEIGHT_DECAY} on matrices, "
                         f"lr {PEAK_LR} after {WARMUP_STEPS} warm-up steps, cosine to {FINAL_LR}, "
                         "gradient norm clipped to 1",
            "train_loss": round(train_loss, 4),
            "held_out_loss": round(held_out_loss, 4),
        },
        "held_out": {"file": HELD_OUT, "sha256": hashlib.sha256(held_out).hexdigest()},
        "notes": [
            "sequences: the first EVAL_SEQUENCES non-overlapping windows of n_positions bytes of the "
            "held-out text; each is one forward pass (batch of one, no padding).",
            "mean_nll: the mean over positions 1..n-1 of -log_softmax(float64(fp32 logits[i-1]))[ids[i]] "
            "from transformers' GPT2LMHeadModel (eager attention) loaded from this folder as float32.",
            "perplexity = exp(mean of the sequences' mean_nll); every sequence has the same length.",
            "training.train_loss / held_out_loss: the same measure for the fp32 model before its "
            "weights were rounded to float16 (train: every full window of the training bytes).",
        ],
        "mean_nll": mean_nll,
        "perplexity": math.exp(mean_nll),
        "sequences": sequences,
    }
    (OUT / "eval.json").write_text(dumps(record) + "\n", encoding="utf-8")
    size = sum(p.stat().st_size for p in OUT.iterdir())
    print(f"   wrote {OUT.relative_to(REPO)} ({size / 1e6:.2f} MB)")


if __name__ == "__main__":
    main()

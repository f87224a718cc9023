#!/usr/bin/env python3
"""Generate the training fixtures under Tests/Fixtures/training/.

A tiny, odd-shaped GPT-2 (vocab 67, 16 positions, width 24, 3 heads, 2 layers) made with
Hugging Face transformers' GPT2LMHeadModel, with every bias and LayerNorm parameter moved off
its initial value so that no gradient is trivially zero or one. The files:

- tiny/: the model as a Hugging Face directory (config.json, model.safetensors).
- gradients.safetensors: for the batch in reference.json ("batch"), the mean cross-entropy
  loss's gradient for every parameter, named as in the model file (the tied wte gathers the
  embedding's and the LM head's parts).
- reference.json: the batch (inputs and targets, [B, T]) and its loss; the AdamW run: its
  hyper-parameters, the micro-batches of every step, and per step the loss (mean over the
  step's micro-batches, before the update), the learning rate and the gradient norm before
  clipping; after the run, a last batch's loss and the values of a few parameters.

The AdamW run is torch.optim.AdamW with decoupled weight decay on the 2-D weights only (wte,
wpe and the linear weights; none on biases and LayerNorm parameters), gradients averaged over
`accumulate` micro-batches, clipped to a global norm with torch.nn.utils.clip_grad_norm_, and a
learning rate warmed up linearly for `warmup` steps then decayed along a cosine to
`min_lr_fraction` x lr at step `steps`.

Run with a Python that has the pinned packages of Scripts/requirements-fixtures.txt:
    python3 Scripts/make-training-fixtures.py
No network is used; the output is the same from run to run with the same library versions.
"""

from __future__ import annotations

import json
import math
import os
import shutil
from pathlib import Path

os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["TRANSFORMERS_OFFLINE"] = "1"

import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402
import transformers  # noqa: E402
from safetensors.torch import save_file  # noqa: E402
from transformers import GPT2Config, GPT2LMHeadModel  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
OUT = REPO / "Tests" / "Fixtures" / "training"

transformers.logging.set_verbosity_error()
torch.set_num_threads(1)
torch.use_deterministic_algorithms(True)

VOCAB, POSITIONS, WIDTH, HEADS, LAYERS = 67, 16, 24, 3, 2
BATCH, TIME = 2, 7
# Parameters whose values after the AdamW run the fixture records (a decayed weight, a bias,
# a LayerNorm weight).
FINAL_PARAMS = ["transformer.wpe.weight", "transformer.h.1.mlp.c_fc.bias", "transformer.h.0.ln_2.weight"]
ADAMW = dict(steps=10, accumulate=2, lr=3e-3, warmup=3, min_lr_fraction=0.1,
             beta1=0.9, beta2=0.95, eps=1e-8, weight_decay=0.1, clip=0.5)


def make_model() -> GPT2LMHeadModel:
    config = GPT2Config(vocab_size=VOCAB, n_positions=POSITIONS, n_embd=WIDTH, n_layer=LAYERS,
                        n_head=HEADS, activation_function="gelu_new", bos_token_id=VOCAB - 1,
                        eos_token_id=VOCAB - 1, resid_pdrop=0.0, embd_pdrop=0.0, attn_pdrop=0.0,
                        tie_word_embeddings=True)
    torch.manual_seed(1234)
    model = GPT2LMHeadModel(config).float()
    gen = torch.Generator().manual_seed(99)
    with torch.no_grad():
        for name, p in model.named_parameters():
            if p.dim() == 1:  # biases and LayerNorm parameters
                p.add_(0.1 * torch.randn(p.shape, generator=gen))
            else:  # larger weights make the activations (and GELU's curvature) matter
                p.mul_(4.0)
    model.eval()  # no dropout; gradients still flow
    return model


def tokens(gen: torch.Generator, batch: int, time: int) -> tuple[torch.Tensor, torch.Tensor]:
    seq = torch.randint(0, VOCAB, (batch, time + 1), generator=gen)
    return seq[:, :-1].contiguous(), seq[:, 1:].contiguous()


def loss_of(model: GPT2LMHeadModel, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    logits = model(input_ids=x).logits
    return F.cross_entropy(logits.reshape(-1, VOCAB), y.reshape(-1))


def lr_at(step: int) -> float:
    a = ADAMW
    if step < a["warmup"]:
        return a["lr"] * (step + 1) / a["warmup"]
    progress = (step - a["warmup"]) / max(1, a["steps"] - a["warmup"])
    low = a["lr"] * a["min_lr_fraction"]
    return low + 0.5 * (a["lr"] - low) * (1 + math.cos(math.pi * progress))


def main() -> None:
    if OUT.exists():
        shutil.rmtree(OUT)
    OUT.mkdir(parents=True)
    model = make_model()
    model.save_pretrained(OUT / "tiny")
    for extra in ("generation_config.json",):
        (OUT / "tiny" / extra).unlink(missing_ok=True)

    gen = torch.Generator().manual_seed(7)
    x, y = tokens(gen, BATCH, TIME)
    model.zero_grad()
    loss = loss_of(model, x, y)
    loss.backward()
    grads = {"transformer." + n.removeprefix("transformer."): p.grad.detach().clone().contiguous()
             for n, p in model.named_parameters() if not n.startswith("lm_head")}
    save_file(grads, str(OUT / "gradients.safetensors"), metadata={"format": "pt"})

    # AdamW run from the same weights.
    a = ADAMW
    decay = [p for p in model.parameters() if p.dim() >= 2]
    no_decay = [p for p in model.parameters() if p.dim() < 2]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": a["weight_decay"]},
                             {"params": no_decay, "weight_decay": 0.0}],
                            lr=a["lr"], betas=(a["beta1"], a["beta2"]), eps=a["eps"], foreach=False)
    steps = []
    for step in range(a["steps"]):
        lr = lr_at(step)
        for group in opt.param_groups:
            group["lr"] = lr
        opt.zero_grad()
        micro, total = [], 0.0
        for _ in range(a["accumulate"]):
            mx, my = tokens(gen, BATCH, TIME)
            l = loss_of(model, mx, my)
            (l / a["accumulate"]).backward()
            total += l.item()
            micro.append({"inputs": mx.tolist(), "targets": my.tolist()})
        norm = torch.nn.utils.clip_grad_norm_(model.parameters(), a["clip"]).item()
        opt.step()
        steps.append({"micro_batches": micro, "loss": total / a["accumulate"], "lr": lr, "grad_norm": norm})
    with torch.no_grad():
        fx, fy = tokens(gen, BATCH, TIME)
        final = loss_of(model, fx, fy).item()
        params = dict(model.named_parameters())
        final_params = {n.removeprefix("transformer."): params[n].reshape(-1).tolist()
                        for n in FINAL_PARAMS}

    reference = {
        "batch": {"inputs": x.tolist(), "targets": y.tolist(), "loss": loss.item()},
        "adamw": {**a, "steps_run": steps,
                  "final_batch": {"inputs": fx.tolist(), "targets": fy.tolist(), "loss": final},
                  "final_parameters": final_params},
        "versions": {"torch": torch.__version__, "transformers": transformers.__version__},
    }
    (OUT / "reference.json").write_text(json.dumps(reference, indent=1) + "\n")
    for path in OUT.rglob("*"):
        if path.is_file():
            path.chmod(0o644)


if __name__ == "__main__":
    main()

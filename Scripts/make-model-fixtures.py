#!/usr/bin/env python3
"""Generate the reference model fixtures under Tests/Fixtures/models/.

Each fixture is a small, random, deterministic GPT-2 model saved as a Hugging Face
directory (config.json, safetensors weights, vocab.json, merges.txt) plus a
reference.json holding what Hugging Face transformers / PyTorch computes for it:
per-token log-probabilities, last-position logits, greedy continuations and a set
of different-length sequences for batched checks. The Swift tests compare against
these files and never run Python.

Run through `bash Scripts/make-fixtures.sh` (or directly with a Python that has
torch, transformers, safetensors and numpy). No network access is needed or used.
The output is byte-identical from run to run with the same library versions.
"""

from __future__ import annotations

import json
import math
import os
import shutil
import sys
from pathlib import Path

os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["TRANSFORMERS_OFFLINE"] = "1"
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

import numpy as np  # noqa: E402
import safetensors  # noqa: E402
import torch  # noqa: E402
import transformers  # noqa: E402
from safetensors.torch import load_file, save_file  # noqa: E402
from transformers import GPT2Config, GPT2LMHeadModel, GPT2Model, GPT2Tokenizer  # noqa: E402
from fixture_json import dumps  # noqa: E402  (Scripts/, beside this file)

REPO = Path(__file__).resolve().parent.parent
RESOURCES = REPO / "Sources" / "GPT2Tokenizer" / "Resources"
OUT = REPO / "Tests" / "Fixtures" / "models"

# Every greedy step (and every stored argmax) must win by at least this much in the
# fp32 logits, so that an engine with different (but correct) fp32 rounding picks the
# same token. The brief asks for >= 1e-3; we demand more and try other prompts until
# it holds.
MIN_GAP = 1e-2
MIN_DISTINCT = 6
TOP_K = 20

transformers.logging.set_verbosity_error()
transformers.utils.logging.disable_progress_bar()
torch.set_num_threads(1)
torch.use_deterministic_algorithms(True)


# --------------------------------------------------------------------------- JSON


def f32(x: float) -> float:
    """The shortest decimal that round-trips the float32 value `x`."""
    return float(str(np.float32(x)))


def f64(x: float) -> float:
    return float(x)

# ---------------------------------------------------------------------- tokenizer


def gpt2_byte_decoder() -> dict[str, int]:
    """Inverse of GPT-2's bytes->unicode table (printable stand-ins for raw bytes)."""
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(
        range(ord("®"), ord("ÿ") + 1)
    )
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return {chr(c): b for b, c in zip(bs, cs)}


def full_tokenizer_files() -> tuple[bytes, bytes]:
    return (RESOURCES / "encoder.json").read_bytes(), (RESOURCES / "vocab.bpe").read_bytes()


def truncated_tokenizer_files(vocab_size: int) -> tuple[bytes, bytes]:
    """A valid smaller byte-level BPE: GPT-2's first vocab_size-1 tokens + <|endoftext|>.

    In GPT-2's files ids 0..255 are the bytes and id 256+i is the result of merge i,
    so keeping the first vocab_size-257 merges gives a self-consistent tokenizer
    whose <|endoftext|> id is vocab_size-1.
    """
    encoder = json.loads((RESOURCES / "encoder.json").read_text(encoding="utf-8"))
    lines = (RESOURCES / "vocab.bpe").read_text(encoding="utf-8").split("\n")
    header, merges = lines[0], [m for m in lines[1:] if m]
    n_merges = vocab_size - 257
    assert n_merges >= 0
    by_id = sorted(encoder.items(), key=lambda kv: kv[1])
    vocab = {tok: i for tok, i in by_id if i < vocab_size - 1}
    for i, merge in enumerate(merges[:n_merges]):
        a, b = merge.split(" ")
        assert vocab[a + b] == 256 + i, merge
    vocab["<|endoftext|>"] = vocab_size - 1
    vocab_json = json.dumps(vocab, ensure_ascii=False).encode("utf-8")
    merges_txt = ("\n".join([header] + merges[:n_merges]) + "\n").encode("utf-8")
    return vocab_json, merges_txt


def write_tokenizer(path: Path, vocab_size: int) -> None:
    if vocab_size == 50257:
        vocab_json, merges_txt = full_tokenizer_files()
    else:
        vocab_json, merges_txt = truncated_tokenizer_files(vocab_size)
    (path / "vocab.json").write_bytes(vocab_json)
    (path / "merges.txt").write_bytes(merges_txt)


def load_hf_tokenizer(path: Path) -> GPT2Tokenizer:
    # Note: in transformers 5, GPT2Tokenizer(vocab_file=..., merges_file=...) silently
    # ignores both arguments (it expects `vocab`/`merges`) and encodes everything to [].
    # from_pretrained on a local folder with vocab.json + merges.txt reads them properly.
    tok = GPT2Tokenizer.from_pretrained(str(path))
    assert tok("Hello world")["input_ids"] == [15496, 995], "tokenizer did not load"
    return tok


def tiktoken_encoder(path: Path):
    """An independent BPE (tiktoken) built from the same local files, as a cross-check."""
    import tiktoken

    decoder = gpt2_byte_decoder()
    vocab = json.loads((path / "vocab.json").read_text(encoding="utf-8"))
    ranks = {bytes(decoder[ch] for ch in tok): i for tok, i in vocab.items() if tok != "<|endoftext|>"}
    return tiktoken.Encoding(
        name="gpt2-local",
        pat_str=r"""'(?:[sdmt]|ll|ve|re)| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+""",
        mergeable_ranks=ranks,
        special_tokens={"<|endoftext|>": vocab["<|endoftext|>"]},
    )


# ------------------------------------------------------------------------- models


def spread_init(model: GPT2LMHeadModel, seed: int) -> None:
    """Re-initialise every weight so the logits are well spread (not GPT-2's std 0.02).

    Input matrices (c_attn, c_fc) get std 1.6/sqrt(fan_in): unit-ish activations and
    attention that is neither uniform nor one-hot. Output projections (attn.c_proj,
    mlp.c_proj) get std 4/sqrt(fan_in) so the blocks, not the token's own embedding,
    dominate the residual stream; otherwise the tied lm_head mostly predicts the
    current token again and greedy decoding degenerates into repeats. Embeddings get
    std 0.5 (wte) / 0.3 (wpe), layer norm gains 1 +- 0.2, all biases small noise.
    """
    gen = torch.Generator().manual_seed(seed)

    def normal(t: torch.Tensor, mean: float, std: float) -> None:
        t.copy_(torch.randn(t.shape, generator=gen, dtype=torch.float32) * std + mean)

    with torch.no_grad():
        for name, p in model.transformer.named_parameters():
            if name == "wte.weight":
                normal(p, 0.0, 0.5)
            elif name == "wpe.weight":
                normal(p, 0.0, 0.3)
            elif ".ln_" in name or name.startswith("ln_f"):
                normal(p, 1.0, 0.2) if name.endswith("weight") else normal(p, 0.0, 0.1)
            elif name.endswith("c_proj.weight"):  # Conv1D: [in, out]
                normal(p, 0.0, 4.0 / math.sqrt(p.shape[0]))
            elif name.endswith("weight"):
                normal(p, 0.0, 1.6 / math.sqrt(p.shape[0]))
            else:
                normal(p, 0.0, 0.1)
    assert model.lm_head.weight.data_ptr() == model.transformer.wte.weight.data_ptr()


def make_model(config: GPT2Config, seed: int) -> GPT2LMHeadModel:
    torch.manual_seed(seed)
    model = GPT2LMHeadModel(config)
    spread_init(model, seed)
    return model.eval()


def load_reference(path: Path) -> GPT2LMHeadModel:
    """The saved directory, loaded back by transformers and computed in float32."""
    model = GPT2LMHeadModel.from_pretrained(str(path), dtype=torch.float32, attn_implementation="eager")
    model = model.float().eval()
    # The weights may be memory-mapped at any file offset; fp32 kernels can round
    # differently on differently aligned data, so copy them to fresh allocations.
    with torch.no_grad():
        for p in model.parameters():
            p.data = p.data.clone()
    assert model.lm_head.weight is model.transformer.wte.weight
    return model


# --------------------------------------------------------------------- references


@torch.no_grad()
def logits_of(model: GPT2LMHeadModel, ids: list[int]) -> torch.Tensor:
    """fp32 logits [len(ids), vocab] of one sequence (batch of one)."""
    out = model(input_ids=torch.tensor([ids], dtype=torch.long))
    return out.logits[0].float()


def top_gap(row: torch.Tensor) -> float:
    top2 = torch.topk(row.double(), 2).values
    return float(top2[0] - top2[1])


def token_logprobs(logits: torch.Tensor, ids: list[int]) -> list[float | None]:
    lp = torch.log_softmax(logits.double(), dim=-1)
    return [None] + [f64(lp[i - 1, ids[i]]) for i in range(1, len(ids))]


def top_logits(row: torch.Tensor, k: int) -> dict:
    vals, idx = torch.topk(row, k)
    assert float(vals[k - 2]) > float(vals[k - 1]), "tie inside the top-k"
    return {"ids": [int(i) for i in idx], "values": [f32(v) for v in vals]}


def sequence_record(model, ids: list[int], full_row: bool, text: str | None = None) -> dict:
    logits = logits_of(model, ids)
    rec: dict = {}
    if text is not None:
        rec["text"] = text
    rec["ids"] = ids
    rec["token_logprobs"] = token_logprobs(logits, ids)
    gaps = [top_gap(logits[i]) for i in range(len(ids))]
    rec["argmax"] = [int(torch.argmax(logits[i])) for i in range(len(ids))]
    rec["argmax_gaps"] = [float(f"{g:.4g}") for g in gaps]
    rec["argmax_min_gap"] = f64(min(gaps))
    rec["last_top_logits"] = top_logits(logits[-1], TOP_K)
    if full_row:
        rec["last_logits"] = [f32(v) for v in logits[-1]]
    return rec


@torch.no_grad()
def greedy(model, prompt: list[int], steps: int) -> tuple[list[int], float]:
    """Greedy decoding by full recomputation; returns new ids and the smallest top1-top2 gap."""
    ids = list(prompt)
    gaps = []
    for _ in range(steps):
        row = logits_of(model, ids)[-1]
        gaps.append(top_gap(row))
        ids.append(int(torch.argmax(row)))
    new = ids[len(prompt):]
    # Cross-check with transformers' own generate() (KV cache path), EOS disabled.
    model.generation_config.eos_token_id = None
    model.generation_config.bos_token_id = None
    out = model.generate(
        input_ids=torch.tensor([prompt]),
        attention_mask=torch.ones(1, len(prompt), dtype=torch.long),
        do_sample=False,
        max_new_tokens=steps,
        min_new_tokens=steps,
        eos_token_id=None,
        pad_token_id=0,
    )
    assert out[0, len(prompt):].tolist() == new, "generate() disagrees with the manual greedy loop"
    return new, min(gaps)


def greedy_record(model, candidates: list[tuple[list[int], str | None]], steps: int) -> dict:
    """The first candidate prompt whose every greedy step clears MIN_GAP and whose
    continuation is varied (at least MIN_DISTINCT different tokens, so that a broken
    cache that keeps repeating itself cannot pass)."""
    for attempt, (prompt, text) in enumerate(candidates):
        new, gap = greedy(model, prompt, steps)
        if gap >= MIN_GAP and len(set(new)) >= MIN_DISTINCT:
            rec: dict = {}
            if text is not None:
                rec["prompt_text"] = text
            rec.update(prompt_ids=prompt, max_new_tokens=steps, ids=new, min_gap=f64(gap))
            return rec
        print(f"    greedy candidate {attempt} rejected: min gap {gap:.2e}, {len(set(new))} distinct")
    raise SystemExit("no greedy prompt clears MIN_GAP; add candidates")


def random_ids(rng: np.random.Generator, vocab: int, n: int) -> list[int]:
    return [int(x) for x in rng.integers(0, vocab, size=n)]


# ------------------------------------------------------------------- text inputs

CASE_TEXTS = [
    "Hello",
    "The quick brown fox jumps over the lazy dog.",
    "It's 3:45pm \u2014 the na\u00efve caf\u00e9 owners don't re-use 1,234 'quotes'.\n\n"
    "  Indented   spaces\tand a tab, plus emoji \U0001F642!",
]
FILL_TEXT = (
    "In the beginning the Universe was created. This has made a lot of people very angry "
    "and been widely regarded as a bad move. Many were increasingly of the opinion that "
    "they'd all made a big mistake in coming down from the trees in the first place, and "
    "some said that even the trees had been a bad move, and that no one should ever have "
    "left the oceans."
)
GREEDY_TEXTS = [
    "Once upon a time",
    "The meaning of life is",
    "Swift is a programming language",
    "In a hole in the ground there lived",
    "def main():\n    print(",
    "Breaking news:",
    "My favourite colour is",
    "1, 2, 3, 4,",
]
BATCH_TEXTS = [
    "Good morning!",
    "A longer sentence, with punctuation; numbers like 42 and 7.5, and words.",
    "Seven tokens in this one?",
]


def encode_checked(tok, tik, text: str) -> list[int]:
    ids = tok(text)["input_ids"]
    assert ids == tik.encode(text, allowed_special=set()), f"HF and tiktoken disagree on {text!r}"
    assert tok.decode(ids) == text
    return ids


def fill_text(tok, tik, n: int) -> tuple[str, list[int]]:
    """A prefix of FILL_TEXT that tokenizes to exactly n tokens."""
    ids = encode_checked(tok, tik, FILL_TEXT)
    assert len(ids) >= n, f"FILL_TEXT has only {len(ids)} tokens"
    text = tok.decode(ids[:n])
    if encode_checked(tok, tik, text) != ids[:n]:
        raise SystemExit(f"FILL_TEXT prefix of {n} tokens does not re-tokenize to itself")
    return text, ids[:n]


# -------------------------------------------------------------------------- specs

SPECS = [
    dict(name="full-vocab-f32", seed=1001, dtype="float32", save="lm",
         config=dict(vocab_size=50257, n_embd=20, n_head=5, n_layer=2, n_positions=64),
         about="Full GPT-2 vocabulary and tokenizer, real text inputs, fp32 weights."),
    dict(name="full-vocab-f16", seed=1002, dtype="float16", save="lm",
         config=dict(vocab_size=50257, n_embd=20, n_head=5, n_layer=2, n_positions=64),
         about="Same shape as full-vocab-f32, other seed, weights stored as float16."),
    dict(name="odd-f32", seed=2001, dtype="float32", save="lm",
         config=dict(vocab_size=515, n_embd=36, n_head=3, n_layer=3, n_positions=48,
                     layer_norm_epsilon=1e-4),
         about="Odd shapes: vocab 515, head dim 12, 3 layers, layer_norm_epsilon 1e-4."),
    dict(name="odd-bf16", seed=2002, dtype="bfloat16", save="lm",
         config=dict(vocab_size=300, n_embd=40, n_head=5, n_layer=2, n_positions=40, n_inner=96),
         about="bfloat16 weights, head dim 8, explicit n_inner 96 (not 4*n_embd)."),
    dict(name="sharded", seed=3001, dtype="float32", save="lm-sharded",
         config=dict(vocab_size=515, n_embd=32, n_head=4, n_layer=4, n_positions=32),
         about="fp32 weights split into 3 safetensors shards with model.safetensors.index.json."),
    dict(name="with-prefix", seed=4001, dtype="float32", save="lm",
         config=dict(vocab_size=400, n_embd=24, n_head=2, n_layer=2, n_positions=32),
         about="GPT2LMHeadModel layout: names start with 'transformer.', lm_head tied, not stored."),
    dict(name="no-prefix", seed=4001, dtype="float32", save="base",
         config=dict(vocab_size=400, n_embd=24, n_head=2, n_layer=2, n_positions=32),
         about="Same weights as with-prefix saved by GPT2Model: names without 'transformer.'."),
    dict(name="hub-layout", seed=4001, dtype="float32", save="hub",
         config=dict(vocab_size=400, n_embd=24, n_head=2, n_layer=2, n_positions=32),
         about="Same weights as with-prefix, no prefix, plus the non-weight buffers old hub "
               "checkpoints carry (h.N.attn.bias causal mask [1,1,P,P], h.N.attn.masked_bias "
               "scalar []), which a loader must ignore."),
]

DTYPES = {"float32": torch.float32, "float16": torch.float16, "bfloat16": torch.bfloat16}


def save_model(spec: dict, model: GPT2LMHeadModel, path: Path) -> None:
    kind = spec["save"]
    model = model.to(DTYPES[spec["dtype"]])
    if kind == "lm":
        model.save_pretrained(str(path), safe_serialization=True)
    elif kind == "lm-sharded":
        total = sum(p.numel() * p.element_size() for p in model.parameters())
        model.save_pretrained(str(path), safe_serialization=True, max_shard_size=total * 2 // 5)
        shards = sorted(p.name for p in path.glob("model-*.safetensors"))
        assert len(shards) == 3 and (path / "model.safetensors.index.json").exists(), shards
    elif kind in ("base", "hub"):
        model.transformer.save_pretrained(str(path), safe_serialization=True)
        if kind == "hub":
            file = path / "model.safetensors"
            tensors = load_file(str(file))
            p = model.config.n_positions
            mask = torch.tril(torch.ones(p, p, dtype=torch.float32)).view(1, 1, p, p)
            for i in range(model.config.n_layer):
                tensors[f"h.{i}.attn.bias"] = mask.clone()
                tensors[f"h.{i}.attn.masked_bias"] = torch.tensor(-1e4, dtype=torch.float32)
            save_file(tensors, str(file), metadata={"format": "pt"})
    else:
        raise ValueError(kind)


def stored_names(path: Path) -> list[str]:
    names = []
    for file in sorted(path.glob("*.safetensors")):
        with safetensors.safe_open(str(file), "pt") as f:
            names += list(f.keys())
    return sorted(names)


def build(spec: dict) -> dict:
    name, seed = spec["name"], spec["seed"]
    path = OUT / name
    print(f"== {name}")
    if path.exists():
        shutil.rmtree(path)
    path.mkdir(parents=True)

    vocab = spec["config"]["vocab_size"]
    eos = vocab - 1
    config = GPT2Config(bos_token_id=eos, eos_token_id=eos, **spec["config"])
    original = make_model(config, seed)
    save_model(spec, original, path)
    write_tokenizer(path, vocab)

    model = load_reference(path)
    # The reloaded model must hold exactly the stored (possibly rounded) weights.
    want = original.to(DTYPES[spec["dtype"]]).float().state_dict()
    got = model.state_dict()
    for k, v in want.items():
        assert torch.equal(got[k], v), f"{name}: {k} changed on reload"

    cfg = model.config
    n_pos = cfg.n_positions
    full_vocab = vocab == 50257
    rng = np.random.default_rng(seed)

    if full_vocab:
        tok, tik = load_hf_tokenizer(path), tiktoken_encoder(path)
        inputs = [(encode_checked(tok, tik, t), t) for t in CASE_TEXTS]
        fill = fill_text(tok, tik, n_pos)
        inputs.append((fill[1], fill[0]))
        greedy_candidates = [(encode_checked(tok, tik, t), t) for t in GREEDY_TEXTS]
        batch_inputs = [(encode_checked(tok, tik, t), t) for t in BATCH_TEXTS]
    else:
        lengths = [1, 2, n_pos // 3, n_pos - 5, n_pos]
        inputs = [(random_ids(rng, vocab, n), None) for n in lengths]
        greedy_candidates = [(random_ids(rng, vocab, int(rng.integers(3, 7))), None) for _ in range(12)]
        batch_inputs = [(random_ids(rng, vocab, n), None) for n in (3, 11, 7)]

    lengths = [len(ids) for ids, _ in inputs]
    assert lengths[0] == 1 and lengths[-1] == n_pos and max(lengths) <= n_pos, lengths
    batch_lengths = [len(ids) for ids, _ in batch_inputs]
    assert len(set(batch_lengths)) == len(batch_lengths), batch_lengths

    cases = [sequence_record(model, ids, not full_vocab, text) for ids, text in inputs]
    steps = 12
    greedy_rec = greedy_record(model, greedy_candidates, steps)
    assert len(greedy_rec["prompt_ids"]) + steps <= n_pos
    batch = [sequence_record(model, ids, not full_vocab, text) for ids, text in batch_inputs]

    # Logit spread of the fill case (for the README / sanity).
    spread = logits_of(model, inputs[-1][0])
    stats = {"mean_std_per_row": f64(spread.double().std(dim=-1).mean()),
             "max_abs": f64(spread.abs().max())}

    names = stored_names(path)
    ref = {
        "magic": "gpt2-reference",
        "version": 1,
        "generated_by": "Scripts/make-fixtures.sh",
        "torch": torch.__version__.split("+")[0],
        "transformers": transformers.__version__,
        "name": name,
        "description": spec["about"],
        "seed": seed,
        "weights_dtype": spec["dtype"],
        "compute_dtype": "float32",
        "layout": {
            "lm": "GPT2LMHeadModel.save_pretrained: 'transformer.' prefix, tied lm_head not stored",
            "lm-sharded": "GPT2LMHeadModel.save_pretrained with max_shard_size: 3 shards + index",
            "base": "GPT2Model.save_pretrained: no prefix; lm_head = wte (tied)",
            "hub": "no prefix, lm_head = wte (tied), plus ignorable attn.bias / attn.masked_bias buffers",
        }[spec["save"]],
        "weight_files": sorted(p.name for p in path.glob("*.safetensors")),
        "tensor_names": names,
        "tokenizer": "vocab.json + merges.txt: " + (
            "GPT-2's own files, byte-identical copies of Sources/GPT2Tokenizer/Resources"
            if full_vocab else
            f"GPT-2's first {vocab - 1} tokens and {vocab - 257} merges, <|endoftext|> = {eos}"),
        "config": {k: getattr(cfg, k) for k in (
            "vocab_size", "n_positions", "n_embd", "n_layer", "n_head", "n_inner",
            "layer_norm_epsilon", "activation_function", "bos_token_id", "eos_token_id")},
        "min_gap_required": MIN_GAP,
        "logit_stats": stats,
        "notes": [
            "All values are from transformers' GPT2LMHeadModel (eager attention) loaded from this "
            "folder with dtype float32, one sequence at a time (batch of one, no padding).",
            "token_logprobs[i] = log_softmax(float64(fp32 logits[i-1]))[ids[i]]; the first entry is null.",
            "argmax[i] is the argmax of the fp32 logits at position i and argmax_gaps[i] its lead over "
            "the runner-up (4 significant digits); argmax_min_gap is the smallest of those. Compare "
            "argmax[i] only where argmax_gaps[i] clearly exceeds the engine's error.",
            "last_top_logits: the top-20 fp32 logits of the last position, descending. last_logits "
            "(small vocabularies only): the whole fp32 row of the last position.",
            "greedy.ids: the new tokens only, from generate(do_sample=False) with EOS disabled, equal to "
            "an argmax loop over full recomputations; greedy.min_gap is the smallest top1-top2 fp32 "
            "logit difference over its steps.",
            "batch: sequences of different lengths, each computed separately; an engine should "
            "reproduce them when it processes all of them together in one pass.",
        ],
        "cases": cases,
        "greedy": greedy_rec,
        "batch": batch,
    }
    (path / "reference.json").write_text(dumps(ref) + "\n", encoding="utf-8")
    print(f"   cases {lengths}, batch {batch_lengths}, greedy min gap {greedy_rec['min_gap']:.3g}, "
          f"min argmax gap {min(r['argmax_min_gap'] for r in cases + batch):.3g}, "
          f"logit std {stats['mean_std_per_row']:.3g}")
    return ref


def main() -> None:
    if sys.version_info < (3, 11):
        raise SystemExit("Python 3.11 or newer is required")
    OUT.mkdir(parents=True, exist_ok=True)
    refs = {spec["name"]: build(spec) for spec in SPECS}
    # Same weights, three layouts: the references must agree exactly.
    a, b, c = refs["with-prefix"], refs["no-prefix"], refs["hub-layout"]
    for other in (b, c):
        assert a["cases"] == other["cases"] and a["greedy"] == other["greedy"] and a["batch"] == other["batch"]
    print("done")


if __name__ == "__main__":
    main()

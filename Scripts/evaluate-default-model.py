#!/usr/bin/env python3
"""Measures the bundled default model against n-gram baselines, for its model card.

    Scripts/evaluate-default-model.py WORKDIR GPT2_BINARY MODEL_DIR [--english FILE] [--samples 20]

WORKDIR is Scripts/train-default-model.sh's folder: fortunes.tokens (the training tokens, from
which the baselines are fitted) and fortunes.validation.txt (held-out fortunes, one document
between `<|endoftext|>` lines). Standard library only; the model is run through `gpt2 score`
and `gpt2 generate`.

Every loss is nats per token over the same tokens: each document's tokens after its first
(`gpt2 score` predicts token i from tokens 0..i-1), so the baselines predict exactly what the
model predicts. The unigram model is add-alpha smoothed, the bigram model is interpolated with
the unigram one; alpha and the interpolation weight are the best of a grid *on the evaluation
text itself*, which favours the baselines.
"""
import argparse
import collections
import json
import math
import re
import struct
import subprocess
import sys

EOT = 50256


def read_token_file(path):
    with open(path, "rb") as f:
        data = f.read()
    magic, version, vocab, documents, tokens = struct.unpack_from("<8sIIQQ", data, 0)
    assert magic == b"GPT2TOK1" and version == 1, f"{path} is not a gpt2 token file"
    header = struct.calcsize("<8sIIQQ")
    return vocab, struct.unpack_from(f"<{tokens}H", data, header)


def read_documents(path):
    text = open(path, encoding="utf-8").read()
    return [d.strip("\n") for d in text.split("<|endoftext|>") if d.strip()]


def score(binary, model, text):
    out = subprocess.run([binary, "score", "--model", model, "--threads", "2", "--text", text, "--json"],
                         check=True, capture_output=True, text=True).stdout
    result = json.loads(out)
    return result["ids"], result["token_logprobs"]


class NGrams:
    def __init__(self, tokens, vocab):
        self.vocab = vocab
        self.unigrams = collections.Counter(tokens)
        self.total = len(tokens)
        self.bigrams = collections.Counter(zip(tokens, tokens[1:]))
        self.contexts = collections.Counter(tokens[:-1])

    def unigram(self, token, alpha):
        return (self.unigrams[token] + alpha) / (self.total + alpha * self.vocab)

    def bigram_add_k(self, previous, token, k):
        return (self.bigrams[(previous, token)] + k) / (self.contexts[previous] + k * self.vocab)

    def bigram(self, previous, token, alpha, weight):
        seen = self.contexts[previous]
        ml = self.bigrams[(previous, token)] / seen if seen else 0.0
        return weight * ml + (1 - weight) * self.unigram(token, alpha)


def best_baselines(ngrams, pairs):
    """The lowest mean loss over the grids, for pairs (previous, token)."""
    alphas = [1e-3, 3e-3, 0.01, 0.03, 0.1, 0.3, 1.0]
    unigram = min((sum(-math.log(ngrams.unigram(t, a)) for _, t in pairs) / len(pairs), a) for a in alphas)
    alpha = unigram[1]
    weights = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9]
    bigram = min((sum(-math.log(ngrams.bigram(p, t, alpha, w)) for p, t in pairs) / len(pairs), w) for w in weights)
    add_k = min((sum(-math.log(ngrams.bigram_add_k(p, t, k)) for p, t in pairs) / len(pairs), k)
                for k in [1e-4, 3e-4, 1e-3, 3e-3, 0.01, 0.03, 0.1])
    return {"unigram": unigram[0], "unigram_alpha": alpha, "bigram_add_k": add_k[0], "bigram_k": add_k[1],
            "bigram": bigram[0], "bigram_weight": bigram[1]}


def evaluate(binary, model, ngrams, documents, context):
    pairs, model_nll = [], 0.0
    for text in documents:
        ids, logprobs = score(binary, model, text)
        if len(ids) > context:  # longer than the context: score its first window only
            ids, logprobs = ids[:context], logprobs[:context]
        for i in range(1, len(ids)):
            pairs.append((ids[i - 1], ids[i]))
            model_nll -= logprobs[i]
    result = best_baselines(ngrams, pairs)
    result["model"] = model_nll / len(pairs)
    result["tokens"] = len(pairs)
    result["documents"] = len(documents)
    return result


def paragraphs(path, limit):
    text = open(path, encoding="utf-8", errors="replace").read()
    parts = [re.sub(r"\s+", " ", p).strip() for p in re.split(r"\n\s*\n", text)]
    return [p for p in parts if len(p.split()) >= 12][:limit]


def samples(binary, model, count, tokens):
    texts = []
    for seed in range(count):
        out = subprocess.run([binary, "generate", "--model", model, "--threads", "2", "--prompt", "",
                              "--max-tokens", str(tokens), "--temperature", "0.8", "--top-p", "0.95",
                              "--seed", str(seed)], check=True, capture_output=True, text=True).stdout
        texts.append(out.strip())
    return texts


def dictionary_share(texts, words_file):
    words = {w.strip().lower() for w in open(words_file, encoding="utf-8", errors="replace")}
    found = re.findall(r"[A-Za-z]+(?:'[A-Za-z]+)*", "\n".join(texts))
    known = 0
    for word in found:
        lower = word.lower()
        if lower in words or re.sub(r"'s$", "", lower) in words:
            known += 1
    return known, len(found)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("workdir")
    parser.add_argument("binary")
    parser.add_argument("model")
    parser.add_argument("--english", default="/usr/share/common-licenses/GPL-3")
    parser.add_argument("--english-paragraphs", type=int, default=40)
    parser.add_argument("--samples", type=int, default=20)
    parser.add_argument("--sample-tokens", type=int, default=60)
    parser.add_argument("--words", default="/usr/share/dict/words")
    parser.add_argument("--json", help="also write the figures here")
    args = parser.parse_args()

    config = json.load(open(f"{args.model}/config.json"))
    vocab, train = read_token_file(f"{args.workdir}/fortunes.tokens")
    ngrams = NGrams(train, vocab)
    held_out = evaluate(args.binary, args.model, ngrams, read_documents(f"{args.workdir}/fortunes.validation.txt"),
                        config["n_positions"])
    english = evaluate(args.binary, args.model, ngrams, paragraphs(args.english, args.english_paragraphs),
                       config["n_positions"])
    texts = samples(args.binary, args.model, args.samples, args.sample_tokens)
    known, total = dictionary_share(texts, args.words)
    report = {"held_out_fortunes": held_out, "english": english, "english_source": args.english,
              "dictionary_words": {"known": known, "total": total, "share": known / total if total else 0.0},
              "samples": texts}
    if args.json:
        json.dump(report, open(args.json, "w"), indent=1)

    def row(name, r):
        return (f"| {name} | {r['documents']} docs, {r['tokens']} tokens | {r['model']:.3f} | "
                f"{r['unigram']:.3f} (alpha {r['unigram_alpha']}) | {r['bigram_add_k']:.3f} (k {r['bigram_k']}) | "
                f"{r['bigram']:.3f} (weight {r['bigram_weight']}) | {r['unigram'] - r['model']:.3f} | "
                f"{r['bigram_add_k'] - r['model']:.3f} | {r['bigram'] - r['model']:.3f} |")
    print("| text | size | model | unigram | bigram, add-k | bigram, interpolated | model below unigram "
          "| below add-k bigram | below interpolated bigram |")
    print("|---|---|---|---|---|---|---|---|---|")
    print(row("held-out fortunes", held_out))
    print(row(f"English outside the corpus ({args.english})", english))
    print()
    print(f"Dictionary words in {len(texts)} samples: {known} of {total} ({100.0 * known / max(total, 1):.1f}%)")
    ok = (held_out["unigram"] - held_out["model"] >= 0.75 and held_out["bigram_add_k"] - held_out["model"] >= 0.5
          and english["model"] < english["unigram"] and known >= 0.85 * total)
    print("targets met (unigram - 0.75, add-k bigram - 0.5, English below unigram, 85% dictionary words)" if ok
          else "targets NOT met")
    for i, text in enumerate(texts):
        print(f"\n--- sample {i} (seed {i})\n{text}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

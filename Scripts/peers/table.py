"""Joins the runners' JSON lines and `gpt2 bench --json` into one Markdown table (stdout) and,
with --json OUT, one JSON file with every number. Standard library only.

    python3 table.py --results DIR --meta META.json [--json OUT]

DIR holds one file per measured row, NAME.json (or NAME.rK.json for round K: the rounds of a
row are merged, best speed of each figure), each a JSON object with at least engine,
precision, prompt_tok_s, decode_tok_s and batch_tok_s; gpt2's rows also carry read_gb_s,
bound_tok_s and weight_mb. A row that failed is {"engine", "precision", "error"}.

The decode bound of a row is read bandwidth / bytes of weights read per token. The bandwidth is
the one measured by the fp32 `gpt2 bench` run; the bytes are gpt2's own weight_mb for gpt2's
rows and, for the peers, the fp32 weight bytes scaled by the nominal size of the precision
(fp16 1/2, int8 1/4, q4 4.5/32: 4-bit values plus a 16-bit scale per 32).
Ratio columns: on gpt2's rows, gpt2 / the best peer of the same precision; on a peer's row,
gpt2 of that precision / that peer. Above 1 means gpt2 is faster.
"""

from __future__ import annotations

import argparse
import json
import os
import sys

PRECISION_ORDER = ["fp32", "fp16", "bf16", "int8", "q4"]
BYTES_PER_FP32 = {"fp32": 1.0, "fp16": 0.5, "bf16": 0.5, "int8": 0.25, "q4": 4.5 / 32}
ENGINE_ORDER = ["gpt2", "onnxruntime", "ctranslate2", "pytorch"]
ENGINE_LABEL = {"gpt2": "gpt2 (ours)", "onnxruntime": "ONNX Runtime", "ctranslate2": "CTranslate2", "pytorch": "PyTorch"}


def best_of_rounds(rounds: list[dict]) -> dict:
    """One row from the rounds of one measurement (files NAME.rK.json): each speed is the best
    round's (other tenants of a shared machine only ever slow a run down), peak RSS the
    largest, read bandwidth the largest (so the decode bound is the highest one seen)."""
    good = [r for r in rounds if "error" not in r]
    if not good:
        return rounds[-1]
    row = dict(good[-1])
    for key in ("prompt_tok_s", "decode_tok_s", "read_gb_s", "peak_rss_mb", "decode_fraction_of_adjacent_bound"):
        values = [r[key] for r in good if isinstance(r.get(key), (int, float))]
        if values:
            row[key] = max(values)
    batches: dict[str, float] = {}
    for r in good:
        for size, value in r.get("batch_tok_s", {}).items():
            batches[size] = max(batches.get(size, 0.0), value)
    if batches:
        row["batch_tok_s"] = batches
    row["rounds"] = len(good)
    row["rounds_failed"] = len(rounds) - len(good)
    row["per_round"] = [{k: r.get(k) for k in ("prompt_tok_s", "decode_tok_s", "batch_tok_s", "read_gb_s",
                                               "decode_fraction_of_adjacent_bound", "error")}
                        for r in rounds]
    return row


def load_rows(directory: str) -> list[dict]:
    grouped: dict[str, list[dict]] = {}
    for name in sorted(os.listdir(directory)):
        if name.endswith(".json"):
            with open(os.path.join(directory, name), encoding="utf-8") as file:
                row = json.load(file)
            base = name[:-5]
            stem, _, round_tag = base.rpartition(".r")
            if stem and round_tag.isdigit():
                base = stem
            grouped.setdefault(base, []).append(row)
    rows = []
    for base, rounds in grouped.items():
        row = best_of_rounds(rounds) if len(rounds) > 1 else rounds[0]
        row.setdefault("id", base)
        rows.append(row)

    def key(row: dict) -> tuple:
        precision = row.get("precision", "")
        engine = row.get("engine", "")
        return (PRECISION_ORDER.index(precision) if precision in PRECISION_ORDER else len(PRECISION_ORDER), precision,
                ENGINE_ORDER.index(engine) if engine in ENGINE_ORDER else len(ENGINE_ORDER), engine)

    return sorted(rows, key=key)


def fmt(value: float | None, digits: int = 1) -> str:
    if value is None:
        return "–"
    return f"{value:,.{digits}f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--results", required=True)
    parser.add_argument("--meta", required=True)
    parser.add_argument("--json", dest="json_out")
    args = parser.parse_args()
    with open(args.meta, encoding="utf-8") as file:
        meta = json.load(file)
    rows = load_rows(args.results)
    batch = str(meta.get("batch", 8))
    metrics = [("prompt_tok_s", "prompt"), ("decode_tok_s", "decode"), ("batch_tok_s", f"{batch}-stream")]

    def metric(row: dict, name: str) -> float | None:
        if "error" in row:
            return None
        if name == "batch_tok_s":
            return row.get("batch_tok_s", {}).get(batch)
        return row.get(name)

    ours_fp32 = next((r for r in rows if r.get("engine") == "gpt2" and r.get("precision") == "fp32" and "error" not in r), None)
    # Every gpt2 bench run measures the bandwidth; the largest seen gives the strictest bound.
    read_gb_s = max((r["read_gb_s"] for r in rows if r.get("engine") == "gpt2" and r.get("read_gb_s")), default=None)
    fp32_mb = ours_fp32.get("weight_mb") if ours_fp32 else None
    for row in rows:
        precision = row.get("precision")
        if row.get("engine") == "gpt2" and row.get("weight_mb"):
            weight_mb = row["weight_mb"]
        elif fp32_mb and precision in BYTES_PER_FP32:
            weight_mb = fp32_mb * BYTES_PER_FP32[precision]
        else:
            weight_mb = None
        row["bound_weight_mb"] = weight_mb
        row["decode_bound_tok_s"] = read_gb_s * 1e3 / weight_mb if read_gb_s and weight_mb else None
        decode = metric(row, "decode_tok_s")
        row["decode_fraction_of_bound"] = decode / row["decode_bound_tok_s"] if decode and row["decode_bound_tok_s"] else None

    ratios: dict[str, dict[str, float | None]] = {}
    for row in rows:
        ours = next((r for r in rows if r.get("engine") == "gpt2" and r.get("precision") == row.get("precision")
                     and "error" not in r), None)
        peers = [r for r in rows if r.get("engine") != "gpt2" and r.get("precision") == row.get("precision") and "error" not in r]
        entry: dict[str, float | None] = {}
        for name, _ in metrics:
            if ours is None or "error" in row:
                entry[name] = None
            elif row.get("engine") == "gpt2":
                best = max((metric(p, name) or 0.0 for p in peers), default=0.0)
                entry[name] = metric(ours, name) / best if best else None
            else:
                value = metric(row, name)
                entry[name] = metric(ours, name) / value if value else None
        row["gpt2_ratio"] = entry
        ratios[row["id"]] = entry

    lines = [
        f"Peers benchmark, {meta['date']}",
        "",
        f"- CPU: {meta['cpu']} ({meta.get('cores', '?')} cores), {meta['threads']} threads; "
        f"load average before / after: {meta.get('load_before', '?')} / {meta.get('load_after', '?')}",
        f"- command: `{meta['command']}`",
        f"- model: {meta['model']}; prompt {meta.get('prompt_tokens', 128)} tokens; decode {meta.get('gen_tokens', 64)} "
        f"greedy steps after a 16-token prompt; {batch} streams decoded together; each figure the median of 3 "
        f"repeats, then the best of {meta.get('rounds', 1)} rounds that measure every engine in turn "
        "(neighbours on a shared host only ever slow a run down)",
    ]
    others = meta.get("other_cores_during", {})
    if others:
        lines.append("- CPU taken by other work during each measurement, in cores (all CPU time, steal included, "
                     "less the measurement's own, over its wall time): " +
                     ", ".join(f"{name.removeprefix('bench-')} {value:.2f}" for name, value in others.items()))
        # With rounds, a measurement is disturbed only if all of its rounds were (the best round counts).
        quietest: dict[str, float] = {}
        for name, value in others.items():
            stem, _, tag = name.rpartition(".r")
            key = stem if stem and tag.isdigit() else name
            quietest[key] = min(quietest.get(key, value), value)
        busiest = max(quietest.values())
        if busiest > 0.25:
            lines.append(f"- **warning: other work took up to {busiest:.2f} of the {meta.get('cores', '?')} cores "
                         "during a measurement; engines that spin-wait (OpenMP, ONNX Runtime's pool) lose far more than "
                         "that share. Run again on a quiet machine before drawing conclusions.**")
    if read_gb_s:
        lines.append(f"- read bandwidth (gpt2 bench, {meta['threads']} threads, the largest of its runs): {read_gb_s:.1f} GB/s; "
                     f"decode bound = bandwidth / weight bytes of the row's precision")
    versions = dict(meta.get("versions", {}))
    for row in rows:
        versions.update({k: v for k, v in row.get("versions", {}).items() if k != "python"})
    if versions:
        lines.append("- versions: " + ", ".join(f"{k} {v}" for k, v in versions.items()))
    lines += [
        "",
        f"| engine | precision | prompt tok/s | decode tok/s | {batch}-stream tok/s | decode bound tok/s | decode % of bound "
        f"| % of bandwidth at the time | gpt2 ÷ peer: prompt | decode | {batch}-stream | peak RSS MB |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for row in rows:
        label = ENGINE_LABEL.get(row.get("engine"), row.get("engine", "?"))
        if "error" in row:
            lines.append(f"| {label} | {row.get('precision')} | {row['error']} | | | | | | | | | |")
            continue
        ratio = row["gpt2_ratio"]
        mark = " (best peer)" if row.get("engine") == "gpt2" else ""
        ratio_cells = [fmt(ratio[name], 2) + (mark if ratio[name] is not None else "") for name, _ in metrics]
        fraction = row["decode_fraction_of_bound"]
        lines.append("| " + " | ".join([
            label, row.get("precision", "?"),
            fmt(metric(row, "prompt_tok_s")), fmt(metric(row, "decode_tok_s")), fmt(metric(row, "batch_tok_s")),
            fmt(row["decode_bound_tok_s"]), f"{fraction * 100:.0f}%" if fraction is not None else "–",
            f"{row['decode_fraction_of_adjacent_bound'] * 100:.0f}%" if row.get("decode_fraction_of_adjacent_bound") else "–",
            *ratio_cells, fmt(row.get("peak_rss_mb"), 0),
        ]) + " |")
    lines += [
        "",
        "Ratios: on gpt2's rows gpt2 ÷ the best peer of the same precision; on a peer's row gpt2 ÷ that peer "
        "(above 1: gpt2 is faster). – : no gpt2 model of that precision yet, or no figure. "
        "Decode % of bound: against the highest bandwidth any probe of the run saw. % of bandwidth at the time: "
        "gpt2 bench's own pairs of a probe and a one-stream decode run right after it (median of the pairs, "
        "best round), since this host's bandwidth changes from minute to minute.",
    ]
    print("\n".join(lines))
    if args.json_out:
        with open(args.json_out, "w", encoding="utf-8") as file:
            json.dump({"meta": meta, "read_gb_s": read_gb_s, "rows": rows, "table_markdown": "\n".join(lines)}, file, indent=2)
            file.write("\n")


if __name__ == "__main__":
    sys.exit(main())

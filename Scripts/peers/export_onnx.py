"""Exports a GPT-2 Hugging Face directory to ONNX for the ONNX Runtime peer, fp32 and int8.

    python export_onnx.py --model DIR --fp32 OUT_FP32 --int8 OUT_INT8 [--opset 18]

1. The model is loaded with transformers and its lm_head is untied from the token embedding
   (a copy of wte, config.tie_word_embeddings = false), then saved to a staging folder. Shared
   with the embedding, lm_head's weight can reach the MatMul through a Transpose of the
   Gather's initializer (optimum deduplicates tied weights when accelerate is installed), which
   `quantize_dynamic` leaves in fp32: 38.6M of the 124M weights, so int8 then decodes no faster
   than fp32. Untied, lm_head is a plain MatMul with a constant weight, which is quantized like
   every other MatMul whatever the exporter's post-processing does.
2. optimum's exporter (optimum-onnx, `main_export`, task text-generation-with-past, opset 18
   unless told) writes model.onnx: inputs input_ids, attention_mask, position_ids and
   past_key_values.{i}.key/value; outputs logits and present.{i}.key/value. A past of length 0
   makes the same graph do the prompt pass.
3. The graph is changed to compute logits for the last position only (a Slice on the sequence
   axis before lm_head), as `gpt2 bench` does: without it the 128-token prompt pass also
   multiplies 127 rows by the 768 x 50257 lm_head, about 45% more work than ours.
4. int8: onnxruntime.quantization.quantize_dynamic on that fp32 graph (QInt8 weights, per
   tensor, MatMul only: dynamic uint8 activations, int8 weights, MatMulInteger).

Both folders get model.onnx and export.json describing what was done.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")


def untied_copy(model_dir: str, staging: Path) -> None:
    import torch
    from transformers import GPT2LMHeadModel

    model = GPT2LMHeadModel.from_pretrained(model_dir, torch_dtype=torch.float32)
    model.config.tie_word_embeddings = False
    model.lm_head.weight = torch.nn.Parameter(model.transformer.wte.weight.detach().clone())
    assert model.lm_head.weight.data_ptr() != model.transformer.wte.weight.data_ptr()
    model.save_pretrained(staging, safe_serialization=True)
    for name in ("vocab.json", "merges.txt", "tokenizer.json", "tokenizer_config.json"):
        if os.path.exists(os.path.join(model_dir, name)):
            shutil.copy(os.path.join(model_dir, name), staging / name)


def keep_last_logits(path: Path) -> str:
    """Inserts Slice(hidden, starts=-1, ends=INT64_MAX, axes=1) in front of the MatMul that
    makes `logits`; returns the name of that MatMul's weight."""
    import numpy as np
    import onnx
    from onnx import helper, numpy_helper

    model = onnx.load(str(path))
    graph = model.graph
    producers = {out: node for node in graph.node for out in node.output}
    node = producers["logits"]
    if node.op_type != "MatMul":
        raise SystemExit(f"export_onnx.py: expected the logits output of {path} to come from a MatMul, found {node.op_type}")
    initializers = {init.name for init in graph.initializer}
    hidden, weight = node.input
    if weight not in initializers:
        raise SystemExit(f"export_onnx.py: lm_head weight {weight} of {path} is not a constant initializer (still tied?)")
    graph.initializer.extend([
        numpy_helper.from_array(np.array([-1], dtype=np.int64), "peers_last_start"),
        numpy_helper.from_array(np.array([np.iinfo(np.int64).max], dtype=np.int64), "peers_last_end"),
        numpy_helper.from_array(np.array([1], dtype=np.int64), "peers_last_axis"),
    ])
    sliced = hidden + "_last_position"
    slice_node = helper.make_node("Slice", [hidden, "peers_last_start", "peers_last_end", "peers_last_axis"], [sliced],
                                  name="peers_keep_last_position")
    node.input[0] = sliced
    index = list(graph.node).index(node)
    graph.node.insert(index, slice_node)
    onnx.checker.check_model(model)
    onnx.save(model, str(path))
    return weight


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", required=True)
    parser.add_argument("--fp32", required=True)
    parser.add_argument("--int8", required=True)
    parser.add_argument("--opset", type=int, default=18)
    args = parser.parse_args()

    import onnx
    import onnxruntime
    import optimum
    import torch
    import transformers
    from importlib.metadata import version
    from onnxruntime.quantization import QuantType, quantize_dynamic
    from optimum.exporters.onnx import main_export

    fp32_dir, int8_dir = Path(args.fp32), Path(args.int8)
    with tempfile.TemporaryDirectory(prefix="peers-onnx-") as temp:
        staging = Path(temp) / "untied"
        exported = Path(temp) / "onnx"
        untied_copy(args.model, staging)
        main_export(str(staging), exported, task="text-generation-with-past", opset=args.opset, device="cpu",
                    do_validation=False, library_name="transformers")
        source = exported / "model.onnx"
        if not source.exists():
            raise SystemExit(f"export_onnx.py: optimum wrote no model.onnx in {exported}: {sorted(os.listdir(exported))}")
        if (exported / "model.onnx_data").exists():
            raise SystemExit("export_onnx.py: the export used external data; this script expects one file")
        lm_head = keep_last_logits(source)

        fp32_dir.mkdir(parents=True, exist_ok=True)
        shutil.copy(source, fp32_dir / "model.onnx")
        shutil.copy(staging / "config.json", fp32_dir / "config.json")

        int8_dir.mkdir(parents=True, exist_ok=True)
        quantize_dynamic(str(fp32_dir / "model.onnx"), str(int8_dir / "model.onnx"), weight_type=QuantType.QInt8,
                         per_channel=False, op_types_to_quantize=["MatMul"])
        shutil.copy(staging / "config.json", int8_dir / "config.json")

    model = onnx.load(str(int8_dir / "model.onnx"), load_external_data=False)
    ops: dict[str, int] = {}
    for node in model.graph.node:
        ops[node.op_type] = ops.get(node.op_type, 0) + 1
    info = {
        "source": os.path.abspath(args.model),
        "exporter": f"optimum-onnx {version('optimum-onnx')} main_export, task text-generation-with-past",
        "opset": args.opset,
        "lm_head": f"untied from wte (own initializer {lm_head}); logits for the last position only (Slice before lm_head)",
        "int8": "onnxruntime.quantization.quantize_dynamic, QInt8 weights, per tensor, MatMul only",
        "int8_ops": ops,
        "versions": {"torch": torch.__version__, "transformers": transformers.__version__,
                     "onnxruntime": onnxruntime.__version__, "onnx": onnx.__version__,
                     "optimum": version("optimum")},
    }
    for folder in (fp32_dir, int8_dir):
        (folder / "export.json").write_text(json.dumps(info, indent=2) + "\n")
    sizes = {str(p): p.stat().st_size for p in (fp32_dir / "model.onnx", int8_dir / "model.onnx")}
    print(json.dumps({"exported": sizes, **info}))


if __name__ == "__main__":
    sys.exit(main())

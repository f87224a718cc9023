"""ONNX Runtime peer: drives the exported decoder-with-past graph (export_onnx.py) directly with
an onnxruntime.InferenceSession, not optimum's generate, so that the loop is ours to see.

    python bench_ort.py --model DIR/model.onnx --config DIR/config.json --precision fp32 --threads 2

Session: CPUExecutionProvider, graph_optimization_level ORT_ENABLE_ALL, sequential execution,
intra_op_num_threads = N, inter_op_num_threads = 1. The KV cache stays in OrtValues: each
step's present.{i}.key/value outputs are fed back as the next step's past_key_values inputs
without passing through numpy (run_with_ort_values); only the logits (batch x 50257 floats,
last position) come back to numpy for the argmax. Measurements as in common.py.
"""

from __future__ import annotations

import numpy as np
import onnxruntime as ort

import common


def main() -> None:
    args = common.parse_args(__doc__)
    vocab = common.vocab_size(args.config)
    prompt = common.prompt_ids(args.prompt_tokens, vocab)

    options = ort.SessionOptions()
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    options.intra_op_num_threads = args.threads
    options.inter_op_num_threads = 1
    session = ort.InferenceSession(args.model, options, providers=["CPUExecutionProvider"])

    input_names = {i.name for i in session.get_inputs()}
    past_inputs = [i for i in session.get_inputs() if i.name.startswith("past_key_values.")]
    past_names = [i.name for i in past_inputs]
    present_names = [name.replace("past_key_values.", "present.") for name in past_names]
    output_names = ["logits"] + present_names
    heads, head_dim = past_inputs[0].shape[1], past_inputs[0].shape[3]

    def value(array: np.ndarray) -> ort.OrtValue:
        return ort.OrtValue.ortvalue_from_numpy(array)

    def step(ids: np.ndarray, past: list[ort.OrtValue] | None, past_length: int) -> tuple[np.ndarray, list[ort.OrtValue]]:
        """One forward of `ids` ([batch, length]) after `past_length` cached positions;
        returns the last position's logits [batch, vocab] and the new cache."""
        batch, length = ids.shape
        if past is None:
            empty = np.zeros((batch, heads, 0, head_dim), dtype=np.float32)
            past = [value(empty) for _ in past_names]
        feed = dict(zip(past_names, past))
        feed["input_ids"] = value(ids)
        if "attention_mask" in input_names:
            feed["attention_mask"] = value(np.ones((batch, past_length + length), dtype=np.int64))
        if "position_ids" in input_names:
            positions = np.arange(past_length, past_length + length, dtype=np.int64)
            feed["position_ids"] = value(np.broadcast_to(positions, (batch, length)).copy())
        outputs = session.run_with_ort_values(output_names, feed)
        return outputs[0].numpy()[:, -1, :], list(outputs[1:])

    prompt_array = np.array([prompt], dtype=np.int64)
    step(prompt_array, None, 0)  # warm-up

    def prompt_rate() -> float:
        start = common.now()
        step(prompt_array, None, 0)
        return args.prompt_tokens / (common.now() - start)

    def decode_rate(batch: int) -> float:
        start_ids = np.array([prompt[: args.decode_prompt]] * batch, dtype=np.int64)
        logits, past = step(start_ids, None, 0)
        length = args.decode_prompt
        start = common.now()
        for _ in range(args.gen_tokens):
            next_ids = np.argmax(logits, axis=-1).astype(np.int64).reshape(batch, 1)
            logits, past = step(next_ids, past, length)
            length += 1
        return batch * args.gen_tokens / (common.now() - start)

    prompt_tok_s = common.median_of(args.repeats, prompt_rate)
    decode_tok_s = common.median_of(args.repeats, lambda: decode_rate(1))
    batch_tok_s = common.median_of(args.repeats, lambda: decode_rate(args.batch))
    common.report("onnxruntime", args, prompt_tok_s, decode_tok_s, batch_tok_s,
                  {"onnxruntime": ort.__version__, "numpy": np.__version__},
                  {"driver": "InferenceSession.run_with_ort_values, KV cache kept in OrtValues"})


if __name__ == "__main__":
    main()

"""Writes TensorFlow GPT-2 checkpoints for the tests, with TensorFlow itself.

    /tmp/venv-tf/bin/python Scripts/make-tf-fixtures.py     (pip install tensorflow-cpu==2.21.0 numpy)

Tests/Fixtures/tf/with-prefix: the weights of Tests/Fixtures/models/with-prefix (whose
reference.json holds transformers' log-probabilities) saved the way gpt-2-simple saves a run:
tf.compat.v1 variables named model/wte, model/h0/attn/c_attn/w [1, C, 3C], ..., Adam slots and
global_step beside them, tf.compat.v1.train.Saver with a global step (so the `checkpoint` file
holds an absolute path of the machine that wrote it, stale everywhere else), hparams.json,
encoder.json and vocab.bpe. The test suite reads it without Python or TensorFlow.
"""
import json
import os
import shutil
import struct
import tempfile

import numpy as np
import tensorflow as tf

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SOURCE = os.path.join(ROOT, "Tests/Fixtures/models/with-prefix")
TARGET = os.path.join(ROOT, "Tests/Fixtures/tf/with-prefix")


def read_safetensors(path):
    with open(path, "rb") as f:
        (length,) = struct.unpack("<Q", f.read(8))
        header = json.loads(f.read(length))
        data = f.read()
    tensors = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        assert info["dtype"] == "F32", info
        start, end = info["data_offsets"]
        tensors[name.removeprefix("transformer.")] = np.frombuffer(data[start:end], dtype="<f4").reshape(info["shape"])
    return tensors


def tf_name(name):
    parts = name.split(".")
    if parts[0] == "h":
        parts = ["h" + parts[1]] + parts[2:]
    last = parts[-1]
    if parts[0] in ("wte", "wpe"):
        return "model/" + parts[0]
    leaf = "b" if last == "bias" else ("g" if parts[-2].startswith("ln_") else "w")
    return "model/" + "/".join(parts[:-1] + [leaf])


def main():
    config = json.load(open(os.path.join(SOURCE, "config.json")))
    tensors = read_safetensors(os.path.join(SOURCE, "model.safetensors"))
    tf.compat.v1.disable_eager_execution()
    graph = tf.Graph()
    with graph.as_default():
        variables = []
        for name, value in sorted(tensors.items()):
            if name.endswith(".attn.bias") or name.endswith(".attn.masked_bias") or name == "lm_head.weight":
                continue
            if value.ndim == 2 and not name.startswith(("wte", "wpe")):
                value = value[np.newaxis]  # Conv1D weights are [1, in, out] in TensorFlow
            v = tf.compat.v1.get_variable(tf_name(name), initializer=tf.constant(value))
            variables.append(v)
            # gpt-2-simple's AdamOptimizer slots, which a reader must ignore.
            variables.append(tf.compat.v1.get_variable(tf_name(name) + "/Adam", initializer=tf.zeros_like(value)))
        variables.append(tf.compat.v1.get_variable("global_step", initializer=tf.constant(5, dtype=tf.int64)))
        saver = tf.compat.v1.train.Saver(var_list=variables)
        work = tempfile.mkdtemp()
        with tf.compat.v1.Session(graph=graph) as session:
            session.run(tf.compat.v1.global_variables_initializer())
            saver.save(session, os.path.join(work, "model"), global_step=5)
    shutil.rmtree(TARGET, ignore_errors=True)
    os.makedirs(TARGET)
    for name in os.listdir(work):
        if not name.endswith(".meta"):
            shutil.copy(os.path.join(work, name), TARGET)
    shutil.rmtree(work)
    hparams = {"n_vocab": config["vocab_size"], "n_ctx": config["n_positions"], "n_embd": config["n_embd"],
               "n_head": config["n_head"], "n_layer": config["n_layer"]}
    json.dump(hparams, open(os.path.join(TARGET, "hparams.json"), "w"), indent=2)
    shutil.copy(os.path.join(SOURCE, "vocab.json"), os.path.join(TARGET, "encoder.json"))
    shutil.copy(os.path.join(SOURCE, "merges.txt"), os.path.join(TARGET, "vocab.bpe"))
    with open(os.path.join(TARGET, "counter"), "w") as f:
        f.write("5")
    print("wrote", TARGET, sorted(os.listdir(TARGET)))


if __name__ == "__main__":
    main()

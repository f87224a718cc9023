"""The serving stack our users run today, as the peer of `gpt2 serve` in Scripts/bench-serve.sh:
Flask around Hugging Face transformers' `generate`, one request at a time (the seeds' Cloud Run
setting: concurrency 1, so requests wait their turn), streaming with `TextIteratorStreamer`.

    python flask_server.py MODEL_DIR PORT [--threads N]

Speaks the subset of `POST /v1/completions` that Scripts/e2e/load_test.py sends (prompt,
max_tokens, temperature, seed, ignore_eos, stream) in OpenAI's server-sent-event shape, and
`GET /health`.
"""
import argparse
import json
import threading

import torch
from flask import Flask, Response, request
from transformers import GPT2LMHeadModel, GPT2TokenizerFast, TextIteratorStreamer

parser = argparse.ArgumentParser()
parser.add_argument("model")
parser.add_argument("port", type=int)
parser.add_argument("--threads", type=int, default=2)
parser.add_argument("--tokenizer", help="folder with vocab.json and merges.txt (default: the model's)")
args = parser.parse_args()

torch.set_num_threads(args.threads)
model = GPT2LMHeadModel.from_pretrained(args.model, torch_dtype=torch.float32).eval()
tokenizer = GPT2TokenizerFast.from_pretrained(args.tokenizer or args.model)
one_at_a_time = threading.Lock()
app = Flask(__name__)


@app.get("/health")
def health():
    return {"status": "ok"}


@app.post("/v1/completions")
def completions():
    body = request.get_json(force=True)
    ids = tokenizer(body.get("prompt", ""), return_tensors="pt").input_ids
    max_tokens = int(body.get("max_tokens", 16))
    temperature = float(body.get("temperature", 1.0))
    options = dict(max_new_tokens=max_tokens, do_sample=temperature > 0, pad_token_id=tokenizer.eos_token_id)
    if temperature > 0:
        options.update(temperature=temperature, top_k=0)
    if body.get("ignore_eos"):
        options.update(min_new_tokens=max_tokens)
    seed = int(body.get("seed", 0))

    if not body.get("stream"):
        with one_at_a_time:
            torch.manual_seed(seed)
            with torch.no_grad():
                out = model.generate(ids, **options)
        text = tokenizer.decode(out[0, ids.shape[1]:])
        return {"object": "text_completion", "choices": [{"index": 0, "text": text, "finish_reason": "length"}]}

    def events():
        with one_at_a_time:
            streamer = TextIteratorStreamer(tokenizer, skip_prompt=True)
            torch.manual_seed(seed)

            def run():
                with torch.no_grad():
                    model.generate(ids, streamer=streamer, **options)

            worker = threading.Thread(target=run)
            worker.start()
            try:
                for piece in streamer:
                    if piece:
                        chunk = {"object": "text_completion", "choices": [{"index": 0, "text": piece, "finish_reason": None}]}
                        yield f"data: {json.dumps(chunk)}\n\n"
                yield "data: [DONE]\n\n"
            finally:
                worker.join()

    return Response(events(), mimetype="text/event-stream")


if __name__ == "__main__":
    app.run(host="127.0.0.1", port=args.port, threaded=True)

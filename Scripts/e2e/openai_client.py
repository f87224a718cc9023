"""End-to-end check of `gpt2 serve` with the official `openai` Python client.

Usage: python openai_client.py BASE_URL   (e.g. http://127.0.0.1:8080/v1)
Exits non-zero with a message on the first failed expectation.
"""
import json
import sys
import urllib.error
import urllib.request

import openai

base = sys.argv[1]
client = openai.OpenAI(base_url=base, api_key="unused")


def check(condition, message):
    if not condition:
        sys.exit(f"FAIL: {message}")
    print(f"ok   {message}")


models = client.models.list()
check(len(models.data) == 1, "GET /v1/models lists one model")
name = models.data[0].id

# The built-in model often ends a text after a token or two; checks that need text ask for
# `ignore_eos` (through extra_body) instead of depending on where it stops.
plain = client.completions.create(model=name, prompt="Hello, my name is", max_tokens=12, temperature=0, seed=1,
                                  extra_body={"ignore_eos": True})
check(plain.choices[0].finish_reason in ("stop", "length"), "completion has a finish_reason")
check(plain.usage.completion_tokens >= 1 and plain.usage.prompt_tokens >= 1, "completion has usage")

pieces = []
finish = None
for chunk in client.completions.create(model=name, prompt="Hello, my name is", max_tokens=12, temperature=0, seed=1,
                                       stream=True, extra_body={"ignore_eos": True}):
    for choice in chunk.choices:
        pieces.append(choice.text)
        finish = choice.finish_reason or finish
check(len([p for p in pieces if p]) > 1, "streaming sends the text in several chunks")
check("".join(pieces) == plain.choices[0].text, "streamed text equals the non-streamed text")
check(finish == plain.choices[0].finish_reason, "stream ends with the same finish_reason")

usage_chunks = [c for c in client.completions.create(model=name, prompt="Hi", max_tokens=3, stream=True,
                                                     stream_options={"include_usage": True},
                                                     extra_body={"ignore_eos": True}) if c.usage]
check(len(usage_chunks) == 1 and usage_chunks[0].usage.completion_tokens >= 1, "stream_options.include_usage sends usage")

scored = client.completions.create(model=name, prompt="The cat sat on the mat", max_tokens=0, echo=True, logprobs=1,
                                   temperature=0)
lp = scored.choices[0].logprobs
check(scored.choices[0].text == "The cat sat on the mat", "echo returns the prompt")
check(lp.token_logprobs[0] is None and all(v < 0 for v in lp.token_logprobs[1:]), "echo scores the prompt's tokens")

several = client.completions.create(model=name, prompt=["A", "B"], n=2, max_tokens=4, seed=5)
check(sorted(c.index for c in several.choices) == [0, 1, 2, 3], "n=2 over two prompts gives four choices")

chat = client.chat.completions.create(model=name, messages=[{"role": "user", "content": "Hi there"}], max_tokens=8)
check(chat.choices[0].message.role == "assistant", "chat completion answers as the assistant")
streamed_chat = list(client.chat.completions.create(model=name, messages=[{"role": "user", "content": "Hi"}],
                                                    max_tokens=6, stream=True, extra_body={"ignore_eos": True}))
check(any(c.choices and c.choices[0].delta.content for c in streamed_chat), "chat streaming sends content deltas")

try:
    client.completions.create(model=name, prompt="x", max_tokens=-1)
    check(False, "max_tokens=-1 is refused")
except openai.BadRequestError as error:
    check("max_tokens" in str(error), "max_tokens=-1 is a 400 naming the field")

request = urllib.request.Request(base.rsplit("/v1", 1)[0] + "/generate", data=json.dumps({"prefix": "Hi", "length": 4}).encode(),
                                 headers={"Content-Type": "application/json"})
with urllib.request.urlopen(request) as response:
    body = json.load(response)
    check(isinstance(body.get("text"), str) and body["text"].startswith("Hi"), "old-app POST /generate answers {text}")


def metric(name):
    text = urllib.request.urlopen(base.rsplit("/v1", 1)[0] + "/metrics").read().decode()
    for line in text.splitlines():
        if line.startswith(name + " "):
            return float(line.split()[1])
    return 0.0


# A non-streaming client that hangs up mid-generation frees its sequences within a poll or two:
# 4 prompts x n=8 = 32 sequences of 240 tokens (16 decode at once, the rest wait in the queue).
import socket
import time
before = metric("gpt2_cancelled_sequences_total")
generated_before = metric("gpt2_generated_tokens_total")
host, port = base.split("//", 1)[1].split("/", 1)[0].split(":")
payload = json.dumps({"prompt": ["Hello", "Hi", "Hey", "Yo"], "max_tokens": 240, "n": 8, "ignore_eos": True}).encode()
connection = socket.create_connection((host, int(port)))
connection.sendall(b"POST /v1/completions HTTP/1.1\r\nHost: e2e\r\nContent-Type: application/json\r\n"
                   b"Content-Length: %d\r\n\r\n" % len(payload) + payload)
deadline = time.time() + 5
while time.time() < deadline and metric("gpt2_active_sequences") == 0:
    time.sleep(0.01)
check(metric("gpt2_active_sequences") > 0, "a long non-streaming request is decoding")
connection.close()
deadline = time.time() + 5
while time.time() < deadline and metric("gpt2_active_sequences") + metric("gpt2_queue_depth") > 0:
    time.sleep(0.05)
cancelled = metric("gpt2_cancelled_sequences_total") - before
generated = metric("gpt2_generated_tokens_total") - generated_before
check(metric("gpt2_active_sequences") == 0 and metric("gpt2_queue_depth") == 0 and cancelled >= 16 and generated < 32 * 240,
      f"a non-streaming client that hangs up frees its sequences ({cancelled:.0f} cancelled, {generated:.0f} of {32 * 240} tokens made)")

logged = client.chat.completions.create(model=name, messages=[{"role": "user", "content": "Hi"}], max_tokens=5,
                                        logprobs=True, top_logprobs=2, temperature=0)
content = logged.choices[0].logprobs.content
check(len(content) >= 1 and all(len(entry.top_logprobs) == 2 and entry.logprob <= 0 for entry in content),
      "chat logprobs with top_logprobs=2")
check(content[0].top_logprobs[0].logprob == content[0].logprob, "temperature 0 picks the most likely token")
# The output filter through the client's extra_body: the bias makes the model say a phone number.
redactions_before = metric('gpt2_redactions_total{category="phone"}')
tokenized = json.loads(urllib.request.urlopen(urllib.request.Request(
    base.rsplit("/v1", 1)[0] + "/tokenize", data=json.dumps({"text": " 555"}).encode(),
    headers={"Content-Type": "application/json"})).read())
digits = tokenized["tokens"][0]
filtered = client.completions.create(model=name, prompt="Call me at", max_tokens=4, temperature=0,
                                     logit_bias={str(digits): 100}, extra_body={"output_filter": "redact"})
privacy = filtered.choices[0].model_extra.get("privacy") or {}
check(filtered.choices[0].text == " [PHONE]" and privacy.get("redactions") == {"phone": 1},
      f"output_filter redact hides a generated phone number ({filtered.choices[0].text!r}, {privacy})")
check(metric('gpt2_redactions_total{category="phone"}') == redactions_before + 1, "/metrics counts the redaction")
print("openai client: all checks passed")

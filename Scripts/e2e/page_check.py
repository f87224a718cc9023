"""Drives the web page of `gpt2 serve` in headless Chromium over the DevTools protocol: types a
prompt, generates, sees the text arrive in several pieces, stops, and saves a screenshot.

Usage: python page_check.py CHROMIUM PAGE_URL SCREENSHOT.png
"""
import base64
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request

import websocket  # websocket-client

chromium, url, screenshot = sys.argv[1:4]
profile = tempfile.mkdtemp(prefix="gpt2-chromium-")
port = 9333
browser = subprocess.Popen([chromium, "--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run",
                            f"--user-data-dir={profile}", f"--remote-debugging-port={port}", "--window-size=1000,900",
                            "about:blank"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def fail(message):
    print(f"FAIL: {message}")
    browser.kill()
    sys.exit(1)


def complete(page_url, prompt, max_tokens, seed):
    """The API's answer with the page's default knobs."""
    knobs = {"prompt": prompt, "max_tokens": max_tokens, "temperature": 0.8, "top_p": 0.95, "top_k": 40, "seed": seed}
    request = urllib.request.Request(urllib.parse.urljoin(page_url, "v1/completions"), data=json.dumps(knobs).encode(),
                                     headers={"Content-Type": "application/json"})
    return json.load(urllib.request.urlopen(request, timeout=60))


def find_seed(page_url, prompt, max_tokens, wanted, description):
    for seed in range(1, 201):
        answer = complete(page_url, prompt, max_tokens, seed)
        if wanted(answer):
            return seed, answer
    fail(f"no seed in 1...200 {description}")


try:
    for _ in range(100):
        try:
            targets = json.load(urllib.request.urlopen(f"http://127.0.0.1:{port}/json"))
            page = next(t for t in targets if t["type"] == "page")
            break
        except Exception:
            time.sleep(0.2)
    else:
        fail("Chromium did not start")
    ws = websocket.create_connection(page["webSocketDebuggerUrl"], timeout=30)
    counter = [0]

    def call(method, **params):
        counter[0] += 1
        ws.send(json.dumps({"id": counter[0], "method": method, "params": params}))
        while True:
            reply = json.loads(ws.recv())
            if reply.get("id") == counter[0]:
                if "error" in reply:
                    fail(f"{method}: {reply['error']}")
                return reply.get("result", {})

    def js(expression):
        result = call("Runtime.evaluate", expression=expression, awaitPromise=True, returnByValue=True)
        return result.get("result", {}).get("value")

    call("Page.enable")
    # A slow link, so the tiny model's fast stream arrives over seconds and Stop lands mid-stream.
    call("Network.enable")
    call("Network.emulateNetworkConditions", offline=False, latency=0, downloadThroughput=3000, uploadThroughput=-1)
    call("Page.navigate", url=url)
    for _ in range(100):
        if js("document.readyState") == "complete" and js("!!document.getElementById('generate')"):
            break
        time.sleep(0.1)
    else:
        fail("the page did not load")
    print("ok   the page loads with its controls")
    # The built-in model learned short fortunes: most sampled continuations draw <|endoftext|>
    # within a few tokens, and then nothing arrives in pieces and Stop has nothing to stop. Ask
    # the API (the page's default knobs) for a seed whose continuation is long, and give the
    # page that seed.
    seed, answer = find_seed(url, "Once upon a time", 120, lambda a: a["usage"]["completion_tokens"] >= 60,
                             "makes 60 tokens before <|endoftext|>")
    print(f"ok   seed {seed} makes {answer['usage']['completion_tokens']} tokens through the API")
    js(f"document.getElementById('seed').value = {seed};")
    js("document.getElementById('max_tokens').value = 120; document.getElementById('text').value = 'Once upon a time';")
    js("document.getElementById('generate').click()")
    lengths = []
    for _ in range(200):
        lengths.append(len(js("document.getElementById('text').value")))
        if len(set(lengths)) >= 4:
            break
        time.sleep(0.02)
    if len(set(lengths)) < 3:
        fail(f"the text did not grow in pieces: lengths {sorted(set(lengths))}")
    print(f"ok   the text arrives in pieces ({len(set(lengths))} lengths seen)")
    js("document.getElementById('stop').click()")
    time.sleep(0.3)
    stopped_at = len(js("document.getElementById('text').value"))
    time.sleep(0.5)
    if len(js("document.getElementById('text').value")) != stopped_at:
        fail("text kept arriving after Stop")
    status = js("document.getElementById('status').textContent")
    if js("document.getElementById('generate').disabled"):
        fail("Generate stays disabled after Stop")
    print(f"ok   Stop ends the stream (status: {status})")
    # A text the model ends itself: the page shows the API's text for the same seed, and says why
    # it ended.
    seed, answer = find_seed(url, "Once upon a time", 120, lambda a: a["choices"][0]["finish_reason"] == "stop"
                             and 2 <= a["usage"]["completion_tokens"] <= 40, "ends within 40 tokens")
    js(f"document.getElementById('seed').value = {seed}; document.getElementById('text').value = 'Once upon a time';")
    js("document.getElementById('generate').click()")
    for _ in range(300):
        if not js("document.getElementById('generate').disabled"):
            break
        time.sleep(0.1)
    else:
        fail("a short generation did not finish within 30 s")
    shown = js("document.getElementById('text').value")
    if shown != "Once upon a time" + answer["choices"][0]["text"]:
        fail(f"the page shows {shown!r}, the API gave {answer['choices'][0]['text']!r} for seed {seed}")
    status = js("document.getElementById('status').textContent")
    if "the model ended the text" not in status:
        fail(f"the status does not say the model ended the text: {status!r}")
    print(f"ok   the page shows the API's text for seed {seed} (status: {status})")
    shot = call("Page.captureScreenshot", format="png")
    with open(screenshot, "wb") as f:
        f.write(base64.b64decode(shot["data"]))
    print(f"ok   screenshot saved to {screenshot}")
finally:
    browser.kill()
    browser.wait()
    shutil.rmtree(profile, ignore_errors=True)
print("page: all checks passed")

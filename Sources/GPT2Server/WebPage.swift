/// The page served at `GET /` to browsers: one self-contained HTML file (no build step, no CDN).
///
/// The user's text area is continued in place, token by token, from the server-sent events of
/// `POST /v1/completions` with `stream: true`; Stop aborts the request (the server frees the
/// slot). The status line gives the speed and why the text ended. With n > 1 the alternatives
/// stream side by side; starred ones can be downloaded as a JSONL training corpus.
enum WebPage {
    static let html = #"""
<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>gpt2 serve</title>
<style>
  :root { color-scheme: light dark; --accent: #2a6df4; }
  body { font: 16px/1.45 system-ui, sans-serif; margin: 0 auto; max-width: 60rem; padding: 1rem; }
  h1 { font-size: 1.3rem; margin: 0 0 .5rem; }
  textarea { width: 100%; box-sizing: border-box; min-height: 14rem; font: 15px/1.5 ui-monospace, monospace; padding: .6rem; }
  .knobs { display: grid; grid-template-columns: repeat(auto-fill, minmax(11rem, 1fr)); gap: .6rem; margin: .8rem 0; }
  .knobs label { display: flex; flex-direction: column; font-weight: 600; font-size: .9rem; }
  .knobs small { font-weight: 400; opacity: .75; }
  .knobs input { font: inherit; padding: .25rem; }
  .buttons { display: flex; flex-wrap: wrap; gap: .5rem; align-items: center; }
  button { font: inherit; padding: .45rem 1rem; border-radius: .4rem; border: 1px solid #8888; cursor: pointer; }
  button.primary { background: var(--accent); color: white; border-color: var(--accent); }
  button:disabled { opacity: .5; cursor: default; }
  #status { margin-left: auto; font-size: .9rem; opacity: .8; }
  #alternatives { display: grid; grid-template-columns: repeat(auto-fit, minmax(16rem, 1fr)); gap: .6rem; margin-top: .8rem; }
  .alt { border: 1px solid #8886; border-radius: .4rem; padding: .5rem; white-space: pre-wrap; font: 14px/1.45 ui-monospace, monospace; }
  .alt.starred { border-color: gold; box-shadow: 0 0 0 2px gold inset; }
  .alt button { float: right; padding: 0 .4rem; }
  .error { color: #d33; }
</style>
</head>
<body>
<h1>GPT-2: continue your text</h1>
<textarea id="text" placeholder="Type the start of a text; Generate continues it here (Ctrl+Enter)." autofocus></textarea>
<div class="knobs">
  <label>Max tokens <input id="max_tokens" type="number" min="1" max="1024" value="64"><small>How many tokens to add at most.</small></label>
  <label>Temperature <input id="temperature" type="number" min="0" max="2" step="0.05" value="0.8"><small>Higher is more surprising; 0 always picks the likeliest token.</small></label>
  <label>Top-p <input id="top_p" type="number" min="0.01" max="1" step="0.01" value="0.95"><small>Sample from the smallest set of tokens with this much probability.</small></label>
  <label>Top-k <input id="top_k" type="number" min="0" step="1" value="40"><small>Sample from the k likeliest tokens only (0: off).</small></label>
  <label>Seed <input id="seed" type="number" min="0" step="1" placeholder="random"><small>The same seed and settings give the same text.</small></label>
  <label>Alternatives <input id="n" type="number" min="1" max="8" value="1"><small>With more than 1, continuations appear side by side below.</small></label>
</div>
<div class="buttons">
  <button id="generate" class="primary">Generate</button>
  <button id="stop" disabled>Stop</button>
  <button id="regenerate" disabled>Regenerate</button>
  <button id="copy">Copy</button>
  <button id="download" disabled>Download starred</button>
  <span id="status"></span>
</div>
<div id="alternatives"></div>
<script>
"use strict";
const $ = (id) => document.getElementById(id);
const text = $("text"), status = $("status");
let controller = null, lastPrompt = null, starred = [];
const endings = { stop: "the model ended the text", length: "max tokens reached",
                  content_filter: "withheld by the output filter" };

function knobs() {
  const body = { max_tokens: +$("max_tokens").value, temperature: +$("temperature").value,
                 top_p: +$("top_p").value, top_k: +$("top_k").value, n: +$("n").value, stream: true };
  if ($("seed").value !== "") body.seed = +$("seed").value;
  return body;
}

function setRunning(running) {
  $("generate").disabled = running; $("regenerate").disabled = running || lastPrompt === null;
  $("stop").disabled = !running;
}

async function generate(prompt) {
  lastPrompt = prompt;
  const body = Object.assign(knobs(), { prompt });
  const n = body.n, alts = $("alternatives");
  alts.innerHTML = "";
  const boxes = [];
  if (n > 1) for (let i = 0; i < n; i++) {
    const box = document.createElement("div"); box.className = "alt"; box.dataset.index = i;
    const star = document.createElement("button"); star.textContent = "☆"; star.title = "Star this one";
    const span = document.createElement("span");
    star.onclick = () => { box.classList.toggle("starred"); star.textContent = box.classList.contains("starred") ? "★" : "☆";
      starred = [...alts.querySelectorAll(".alt.starred")].map((b) => prompt + b.querySelector("span").textContent);
      $("download").disabled = starred.length === 0; };
    box.append(star, span); alts.append(box); boxes.push(span);
  }
  text.value = prompt;
  controller = new AbortController();
  setRunning(true);
  status.textContent = "…"; status.className = "";
  const started = performance.now(); let tokens = 0; const reasons = new Set();
  try {
    const response = await fetch("v1/completions", { method: "POST", signal: controller.signal,
      headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) });
    if (!response.ok) { const err = await response.json().catch(() => ({})); throw new Error(err.error?.message || response.statusText); }
    const reader = response.body.getReader(), decoder = new TextDecoder();
    let buffer = "";
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += decoder.decode(value, { stream: true });
      let cut;
      while ((cut = buffer.indexOf("\n\n")) >= 0) {
        const event = buffer.slice(0, cut); buffer = buffer.slice(cut + 2);
        if (!event.startsWith("data: ")) continue;
        const data = event.slice(6);
        if (data === "[DONE]") continue;
        const chunk = JSON.parse(data);
        if (chunk.error) throw new Error(chunk.error.message);
        for (const choice of chunk.choices) {
          if (choice.finish_reason) reasons.add(choice.finish_reason);
          if (!choice.text) continue;
          tokens++;
          if (n > 1) boxes[choice.index].textContent += choice.text; else text.value += choice.text;
        }
        const seconds = (performance.now() - started) / 1000;
        status.textContent = `${tokens} chunks, ${(tokens / seconds).toFixed(1)} tokens/s`;
      }
    }
    // Why it ended, so a short answer reads as the model's choice and not as a fault.
    status.textContent += " · " + ([...reasons].map((r) => endings[r] || r).join(", ") || "done");
  } catch (e) {
    if (e.name === "AbortError") status.textContent += " · stopped";
    else { status.textContent = e.message; status.className = "error"; }
  } finally { controller = null; setRunning(false); }
}

$("generate").onclick = () => generate(text.value);
$("regenerate").onclick = () => { if (lastPrompt !== null) generate(lastPrompt); };
$("stop").onclick = () => controller?.abort();
$("copy").onclick = () => navigator.clipboard?.writeText(text.value);
$("download").onclick = () => {
  const blob = new Blob(starred.map((t) => JSON.stringify({ text: t }) + "\n"), { type: "application/jsonl" });
  const a = document.createElement("a"); a.href = URL.createObjectURL(blob); a.download = "starred.jsonl"; a.click();
};
text.addEventListener("keydown", (e) => { if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) { e.preventDefault(); if (!controller) generate(text.value); } });
</script>
</body>
</html>
"""#
}

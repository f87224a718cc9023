"""Bounded load test of `gpt2 serve` on loopback, standard library only.

Usage: python3 load_test.py HOST PORT [--concurrency 64] [--requests 256] [--max-tokens 32]
                            [--disconnect-every 8] [--pid SERVER_PID]
Opens `concurrency` streaming /v1/completions requests at a time until `requests` have run;
every `disconnect-every`-th request hangs up after its third chunk. A request that ends with
[DONE] counts `max-tokens` tokens (they ask for `ignore_eos`, so each generates exactly that
many, however a server groups them into chunks: transformers' streamer sends words); one that
hangs up counts the chunks it read. Prints aggregate tokens/s,
p50/p99 time to first token, errors, and the server's resident memory before and after (with
--pid). Exits non-zero on any error other than the deliberate disconnects.
"""
import argparse
import asyncio
import json
import statistics
import time


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


async def one(host, port, index, args, results):
    body = json.dumps({"prompt": f"Request {index}: once upon a time", "max_tokens": args.max_tokens,
                       "temperature": 0.8, "seed": index, "ignore_eos": True, "stream": True}).encode()
    start = time.perf_counter()
    reader, writer = await asyncio.open_connection(host, port)
    writer.write(b"POST /v1/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                 + f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n".encode() + body)
    await writer.drain()
    status_line = await reader.readline()
    if b" 200 " not in status_line:
        results["errors"].append(status_line.decode(errors="replace").strip())
        writer.close()
        return
    first, tokens, done = None, 0, False
    hang_up = args.disconnect_every and index % args.disconnect_every == 0
    async for raw in reader:
        line = raw.strip()
        if not line.startswith(b"data: "):
            continue
        data = line[6:]
        if data == b"[DONE]":
            done = True
            break
        chunk = json.loads(data)
        if "error" in chunk:
            results["errors"].append(chunk["error"]["message"])
            break
        if chunk["choices"] and chunk["choices"][0]["text"]:
            tokens += 1
            if first is None:
                first = time.perf_counter() - start
        if hang_up and tokens >= 3:
            results["disconnects"] += 1
            break
    writer.close()
    if first is not None:
        results["ttft"].append(first)
    results["tokens"] += args.max_tokens if done else tokens
    if not done and not hang_up and not results["errors"]:
        results["errors"].append(f"request {index} ended without [DONE]")


async def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("host")
    parser.add_argument("port", type=int)
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--requests", type=int, default=256)
    parser.add_argument("--max-tokens", type=int, default=32)
    parser.add_argument("--disconnect-every", type=int, default=8)
    parser.add_argument("--pid", type=int)
    args = parser.parse_args()
    results = {"ttft": [], "tokens": 0, "errors": [], "disconnects": 0}
    before = rss_kib(args.pid) if args.pid else None
    gate = asyncio.Semaphore(args.concurrency)

    async def guarded(i):
        async with gate:
            await one(args.host, args.port, i, args, results)

    start = time.perf_counter()
    await asyncio.gather(*(guarded(i) for i in range(args.requests)))
    seconds = time.perf_counter() - start
    ttft = sorted(results["ttft"])
    p = lambda q: ttft[min(len(ttft) - 1, int(q * len(ttft)))] if ttft else float("nan")
    print(f"requests {args.requests} at concurrency {args.concurrency}, max_tokens {args.max_tokens}: "
          f"{results['tokens']} streamed tokens in {seconds:.1f} s = {results['tokens'] / seconds:.1f} tokens/s; "
          f"time to first token p50 {p(0.5) * 1000:.0f} ms, p99 {p(0.99) * 1000:.0f} ms; "
          f"{results['disconnects']} deliberate disconnects; {len(results['errors'])} errors")
    if args.pid:
        after = rss_kib(args.pid)
        print(f"server RSS {before / 1024:.1f} MiB before, {after / 1024:.1f} MiB after")
    if results["errors"]:
        print("errors:", results["errors"][:5])
        raise SystemExit(1)


asyncio.run(main())

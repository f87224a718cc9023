# syntax=docker/dockerfile:1
# gpt2 in a container: build with the official Swift image and a static Swift standard library,
# run on slim Debian as a non-root user. The default model and GPT-2's tokenizer are inside the
# binary; serve another model by mounting it and naming it in MODEL, or set MODEL=gpt2 (a Hub id,
# downloaded into the container's cache at start).
#
#   docker build -t gpt2 .
#   docker run --rm -p 8080:8080 gpt2                     # the page at http://localhost:8080/
#   docker run --rm -p 8080:8080 -v $PWD/checkpoint/run1:/model -e MODEL=/model gpt2

FROM swift:6.3-bookworm AS build
WORKDIR /src
COPY . .
# GPT2_TARGET_CPU: haswell (AVX2 + FMA, the default) runs on every x86-64 cloud CPU of the last
# decade and picks AVX-512 kernels at run time where present.
ARG GPT2_TARGET_CPU=haswell
RUN swift build -c release --static-swift-stdlib --product gpt2 \
 && install -D -m 0755 .build/release/gpt2 /out/gpt2

FROM debian:bookworm-slim
COPY deploy/runtime-packages.txt /tmp/runtime-packages.txt
RUN apt-get update \
 && grep -v '^#' /tmp/runtime-packages.txt | xargs apt-get install -y --no-install-recommends \
 && rm -rf /var/lib/apt/lists/* /tmp/runtime-packages.txt \
 && groupadd --gid 10001 gpt2 \
 && useradd --create-home --uid 10001 --gid 10001 gpt2
COPY --from=build /out/gpt2 /usr/local/bin/gpt2
USER gpt2
WORKDIR /home/gpt2
# Unpack the built-in model into the image once, so a read-only root file system works and no
# replica writes it at start.
ENV GPT2_CACHE_DIR=/home/gpt2/.cache/gpt2
RUN gpt2 score --text "warm up" > /dev/null
ENV HOST=0.0.0.0 PORT=8080
EXPOSE 8080
# bash's /dev/tcp: no curl in the image.
HEALTHCHECK --interval=15s --timeout=3s --start-period=30s \
  CMD bash -c 'exec 3<>/dev/tcp/127.0.0.1/${PORT:-8080} && printf "GET /health HTTP/1.0\r\n\r\n" >&3 && head -n1 <&3 | grep -q " 200 "'
# SIGTERM drains: in-flight requests finish (up to --drain-seconds, 30 by default), then exit 0.
STOPSIGNAL SIGTERM
ENTRYPOINT ["gpt2", "serve"]

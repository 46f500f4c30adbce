#!/usr/bin/env bash
# Generation against llama.cpp (issue #14): the same 56M LLaMA-shaped random model (hidden 512, 8 layers, 8 heads,
# 4 KV heads, SwiGLU 1376, vocabulary 32000, untied head) as an f32 HF folder for Mutual and an f32 GGUF for
# llama.cpp (tools/make_gguf.py), greedy batch-1 generation of the same prompt ids at 1 and 2 threads on both
# (llama.cpp with flash attention off and an f32 KV cache: the same math, so the greedy ids must agree), then
# batched sampling (temperature 0.7, top-p 0.9, as MAIN's synthesis) at batch 16 and 64 on both.
# Prints one JSON line per measurement and a summary line per thread count (ratio, ids agree).
#
#   tools/bench_llama_cpp.sh                 # everything
#   THREADS="1 2" TOKENS=256 RUNS=3 BATCHES="16 64" tools/bench_llama_cpp.sh
#   SKIP_BATCH=1 tools/bench_llama_cpp.sh    # greedy only
#
# Needs: /tmp/venv-hf/bin/python (numpy, safetensors, gguf; override with PYTHON=...), node >= 18 and npm (the
# pinned node-llama-cpp is installed into $NODE_DIR once; its prebuilt linux-x64 CPU binary is used, never a build),
# ../shared/data/models/llama-2-tiny-random-gguf (the Llama-2 vocabulary). Run it under
# `flock /tmp/mutual-bigmem.lock` on a shared machine: each side holds ~0.3-1 GB.
set -euo pipefail
ROOT="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)"
PYTHON="${PYTHON:-/tmp/venv-hf/bin/python}"
WORK="${WORK:-/tmp/mutual-llama-cpp-bench}"
NODE_DIR="${NODE_DIR:-/tmp/mutual-node-llama-cpp}"
NODE_LLAMA_CPP_VERSION=3.22.1   # pinned; its prebuilt linux-x64 CPU binary (llama.cpp of that release) runs here
THREADS="${THREADS:-1 2}"
TOKENS="${TOKENS:-256}"
RUNS="${RUNS:-3}"
WARMUP="${WARMUP:-8}"
BATCHES="${BATCHES:-16 64}"
NEW_TOKENS="${NEW_TOKENS:-64}"     # per sequence in the batched runs (the synthesize stage's max_new_tokens)
PROMPT_TOKENS="${PROMPT_TOKENS:-128}"
# a fixed prompt: BOS and nine Llama-2 pieces ("The quick brown fox jumps over the lazy dog" is not needed: ids only)
PROMPT="${PROMPT:-1,450,4996,338,263,931,29892,727,471,263}"

log() { echo "# $*" >&2; }

if [[ ! -f "$WORK/model-f32.gguf" || ! -f "$WORK/hf/model.safetensors" ]]; then
  log "writing the 56M model to $WORK"
  "$PYTHON" -c "import gguf" 2>/dev/null || "$PYTHON" -m pip install -q gguf
  nice -n 10 "$PYTHON" "$ROOT/tools/make_gguf.py" "$WORK" --shared "$ROOT/../shared/data" >&2
fi
if [[ ! -d "$NODE_DIR/node_modules/node-llama-cpp" ]]; then
  log "installing node-llama-cpp@$NODE_LLAMA_CPP_VERSION into $NODE_DIR"
  mkdir -p "$NODE_DIR"
  nice -n 10 npm install --prefix "$NODE_DIR" "node-llama-cpp@$NODE_LLAMA_CPP_VERSION" --no-audit --no-fund >&2
fi
cp "$ROOT/tools/llama_cpp_bench.mjs" "$NODE_DIR/llama_cpp_bench.mjs"   # resolves node-llama-cpp from there

OUT="$WORK/results.jsonl"
: > "$OUT"
emit() { tee -a "$OUT"; }

for t in $THREADS; do
  log "greedy, $t thread(s), load $(cut -d' ' -f1-3 /proc/loadavg)"
  node "$NODE_DIR/llama_cpp_bench.mjs" --model "$WORK/model-f32.gguf" --threads "$t" --tokens "$TOKENS" \
      --prompt "$PROMPT" --runs "$RUNS" --warmup 1 | sed "s/}\$/,\"load\":\"$(cut -d' ' -f1 /proc/loadavg)\"}/" | emit
  "$ROOT/bin/mutual" bench generate --model "$WORK/hf" --threads "$t" --tokens "$TOKENS" --prompt "$PROMPT" \
      --warmup "$WARMUP" --runs "$RUNS" --ids | grep '^{' | emit
done

if [[ -z "${SKIP_BATCH:-}" ]]; then
  # the same prompt length on both sides; Mutual's prompts are random ids (bench synthesize), llama.cpp's one prompt
  LONG="$("$PYTHON" -c "import random; r=random.Random(7); print(','.join(['1']+[str(r.randrange(3,32000)) for _ in range($PROMPT_TOKENS-1)]))")"
  for t in $THREADS; do
    for b in $BATCHES; do
      log "sampling, batch $b, $t thread(s), load $(cut -d' ' -f1-3 /proc/loadavg)"
      node "$NODE_DIR/llama_cpp_bench.mjs" --model "$WORK/model-f32.gguf" --threads "$t" --tokens "$NEW_TOKENS" \
          --prompt "$LONG" --batch "$b" --temperature 0.7 --top-p 0.9 --runs 1 --warmup 1 \
          | sed "s/}\$/,\"load\":\"$(cut -d' ' -f1 /proc/loadavg)\"}/" | emit
      "$ROOT/bin/mutual" bench synthesize --model "$WORK/hf" --threads "$t" --batch "$b" --sequences "$b" \
          --prompt-tokens "$PROMPT_TOKENS" --new-tokens "$NEW_TOKENS" --warmup 2 | grep '^{' | emit
    done
  done
fi

# summary: best run per side (the machine's noise only ever slows a run down), ratio, and whether greedy ids agree
"$PYTHON" - "$OUT" <<'EOF'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.startswith("{")]
def best(pred):
    c = [r for r in rows if pred(r)]
    return max(c, key=lambda r: r["tokens_per_s"]) if c else None
for t in sorted({r["threads"] for r in rows}):
    cpp = best(lambda r: r.get("engine") == "llama.cpp" and r["threads"] == t and r.get("bench") == "generate")
    mut = best(lambda r: r.get("bench") == "generate" and "engine" not in r and r["threads"] == t)
    if cpp and mut:
        n = min(len(cpp["ids"]), len(mut["ids"]))
        agree = cpp["ids"][:n] == mut["ids"][:n]
        first_diff = next((i for i in range(n) if cpp["ids"][i] != mut["ids"][i]), None)
        print(json.dumps({"summary": "generate", "threads": t, "mutual_tokens_per_s": mut["tokens_per_s"],
                          "llama_cpp_tokens_per_s": cpp["tokens_per_s"],
                          "ratio": round(mut["tokens_per_s"] / cpp["tokens_per_s"], 2),
                          "mutual_peak_rss_mb": mut["peak_rss_mb"], "llama_cpp_rss_mb": cpp["rss_mb"],
                          "ids_compared": n, "greedy_ids_agree": agree, "first_difference": first_diff}))
    for b in sorted({r.get("batch") for r in rows if r.get("batch", 1) > 1 and r["threads"] == t}):
        cpp = best(lambda r: r.get("engine") == "llama.cpp" and r["threads"] == t and r.get("batch") == b)
        mut = best(lambda r: r.get("bench") == "synthesize" and r["threads"] == t and r.get("batch") == b)
        if cpp and mut:
            print(json.dumps({"summary": "sample", "threads": t, "batch": b, "mutual_tokens_per_s": mut["tokens_per_s"],
                              "llama_cpp_tokens_per_s": cpp["tokens_per_s"],
                              "ratio": round(mut["tokens_per_s"] / cpp["tokens_per_s"], 2),
                              "mutual_peak_rss_mb": mut["peak_rss_mb"], "llama_cpp_rss_mb": cpp["rss_mb"]}))
EOF

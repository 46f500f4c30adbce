#!/bin/bash
# Usage: tools/bench_train_vs_torch.sh [REPEATS]  (from anywhere; needs ../shared beside the repo)
# Training tokens/s of `bin/mutual bench train` (eager engine) against ../shared/bench/torch_llama_bench.py on the
# current PyTorch release, at vocabularies 4,096 and 32,000 and at 1 and 2 threads, each pair back to back
# (PyTorch, then Mutual) so both see the same machine. TORCH_PY: a python with pip's torch
# (python3 -m venv /tmp/venv-hf && /tmp/venv-hf/bin/pip install torch). One JSON line per run, with the load average.
# 10 untimed steps, then 40 timed, on both sides: the steady state (the JVM compiles the Vector API loops during the
# first steps; with 3 warm-up steps and 20 timed ones the V=4096 figure was 3-6 % lower).
set -euo pipefail
cd "$(dirname "$0")/.."
T=${TORCH_PY:-/tmp/venv-hf/bin/python}; B=../shared/bench/torch_llama_bench.py
REPEATS=${1:-2}
CFG="--dim 256 --layers 4 --heads 4 --kv-heads 2 --ffn 688 --seq 128 --batch 8"
bin/mutual bench train --vocab 4096 --steps 1 --warmup 0 > /dev/null 2>&1   # builds the CLI first if needed
run() { printf '{"load":"%s","cmd":"%s","result":' "$(cut -d' ' -f1-3 /proc/loadavg)" "$1"; shift
        "$@" 2>/dev/null | grep -E '^\{' | tail -1 | tr -d '\n'; echo '}'; }
for THREADS in 2 1; do
  for V in 4096 32000; do
    for ((i = 1; i <= REPEATS; i++)); do
      run "torch V=$V threads=$THREADS" $T $B $CFG --vocab $V --steps 40 --warmup 10 --threads $THREADS
      run "mutual V=$V threads=$THREADS" bin/mutual bench train --vocab $V --steps 40 --warmup 10 --threads $THREADS
    done
  done
done

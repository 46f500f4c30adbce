#!/bin/bash
# Usage: tools/bench_compare.sh  (from anywhere; needs ../shared beside the repo). TORCH_PY: a python with pip's
# torch (python3 -m venv /tmp/venv-hf && /tmp/venv-hf/bin/pip install torch); DEBIAN_PY: one with Debian's python3-torch.
# The quiet sitting: every figure of BENCHMARKS.md's comparisons, one after the other.
cd "$(dirname "$0")/.."
T=${TORCH_PY:-/tmp/venv-hf/bin/python}; D=${DEBIAN_PY:-/usr/bin/python3}; B=../shared/bench/torch_llama_bench.py
CFG="--dim 256 --layers 4 --heads 4 --kv-heads 2 --ffn 688"
run() { echo "## $(date -u +%H:%M:%S) load $(cut -d' ' -f1-3 /proc/loadavg) :: $*"; /usr/bin/time -f "wall %e s, maxrss %M KB" "$@" 2>&1 | grep -E '^\{|wall|tokens' | tail -4; }
for V in 4096 32000; do
  run $T $B $CFG --vocab $V --seq 128 --batch 8 --steps 20 --threads 2
  run bin/mutual bench train --vocab $V --steps 20 --warmup 3
  run $D $B $CFG --vocab $V --seq 128 --batch 8 --steps 20 --threads 2
  run bin/mutual bench train --vocab $V --steps 20 --warmup 3
done
run bin/mutual bench train --vocab 4096 --engine samediff --steps 10 --warmup 2
run $T $B $CFG --vocab 32000 --seq 256 --batch 8 --steps 10 --threads 2
run bin/mutual bench score
run $D $B $CFG --vocab 32000 --seq 256 --batch 8 --steps 10 --threads 2
run bin/mutual bench score
run bin/mutual bench generate

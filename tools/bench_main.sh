#!/bin/bash
# Usage: tools/bench_main.sh  (from anywhere; no ../shared needed). MAIN's heavy work, Mutual against PyTorch + HF
# transformers on the same random 19.3M-parameter LLaMA-style model (V=32000), back to back, ROUNDS times (default 2,
# the order swapped each round): synthesis (`bench synthesize`, tools/hf_main_bench.py synthesize: top-p sampling at
# batch 1, 16, 64) and pair scoring (`bench pairs`, hf_main_bench.py pairs: conditional + unconditional request per
# pair). TORCH_PY: a python with torch and transformers (python3 -m venv /tmp/venv-hf &&
# /tmp/venv-hf/bin/pip install torch transformers). Ends with the ratios Mutual / torch (wall and per CPU second).
cd "$(dirname "$0")/.."
T=${TORCH_PY:-/tmp/venv-hf/bin/python}
LOG=${LOG:-/tmp/bench_main.$$.jsonl}
: > "$LOG"
run() {
  echo "## $(date -u +%H:%M:%S) load $(cut -d' ' -f1-3 /proc/loadavg) :: $*"
  "$@" 2>&1 | grep -E '^\{' | tee -a "$LOG"
}
java_side() { run bin/mutual bench "$1"; }
torch_side() { run "$T" tools/hf_main_bench.py "$1"; }
bin/mutual --version >/dev/null  # builds the CLI first, outside the timings
for r in $(seq "${ROUNDS:-2}"); do
  for what in synthesize pairs; do
    if (( r % 2 )); then torch_side $what; java_side $what; else java_side $what; torch_side $what; fi
  done
done
"$T" - "$LOG" <<'PY'
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
key = lambda o: (o["bench"], o["batch"])
for k in sorted({key(o) for o in rows}):
    side = lambda impl: [o for o in rows if key(o) == k and o.get("impl", "mutual") == impl]
    j, t = side("mutual"), side("torch")
    if not j or not t:
        continue
    med = lambda xs, f: statistics.median(f(o) for o in xs)
    wall = med(j, lambda o: o["tokens_per_s"]) / med(t, lambda o: o["tokens_per_s"])
    # tokens per CPU second of the whole process: steadier than wall time on a shared machine
    work = "new_tokens" if k[0] == "synthesize" else "tokens"
    cpu = med(j, lambda o: o[work] / o["cpu_seconds"]) / med(t, lambda o: o[work] / o["cpu_seconds"])
    print(f"{k[0]:10s} batch {k[1]:3d}: mutual {med(j, lambda o: o['tokens_per_s']):7.0f} tokens/s, torch "
          f"{med(t, lambda o: o['tokens_per_s']):7.0f} -> {wall:4.2f}x wall, {cpu:4.2f}x per CPU second "
          f"(medians of {len(j)} and {len(t)}; loads {[round(o['load_average'], 1) for o in j + t]})")
PY

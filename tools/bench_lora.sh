#!/usr/bin/env bash
# Qwen2-0.5B-shaped LoRA training (r 16, alpha 32, all seven linears, seq 512, batch 1): `bin/mutual bench lora`
# and tools/peft_lora_bench.py back to back under the big-memory lock, each under /usr/bin/time -v, with the load
# average before and after; then the ratios (Mutual / PyTorch+PEFT) of tokens/s and of peak RSS.
#
#   tools/bench_lora.sh                      # 2 threads, grad accumulation 2, 1 warm-up + 2 timed optimizer steps
#   THREADS=1 tools/bench_lora.sh            # one thread on both sides (bench lora --threads 1 / set_num_threads(1))
#   ACCUM=4 STEPS=3 TORCH_PY=/tmp/venv-hf/bin/python tools/bench_lora.sh
# Outputs: $OUT (default /tmp/bench-lora) holds each side's log; the JSON lines are printed at the end.
set -euo pipefail
ROOT="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)"
THREADS="${THREADS:-2}" ACCUM="${ACCUM:-2}" STEPS="${STEPS:-2}" WARMUP="${WARMUP:-1}"
TORCH_PY="${TORCH_PY:-/tmp/venv-hf/bin/python}" OUT="${OUT:-/tmp/bench-lora}" LOCK="${LOCK:-/tmp/mutual-bigmem.lock}"
mkdir -p "$OUT"
ARGS=(--grad-accum "$ACCUM" --steps "$STEPS" --warmup "$WARMUP" --seq 512 --batch 1 --lora-rank 16 --lora-alpha 32)
"$ROOT/bin/mutual" bench lora --help >/dev/null   # build first, outside the timing

run() {   # name, command...
  local name="$1"; shift
  { echo "load_before $(cat /proc/loadavg)"
    flock "$LOCK" /usr/bin/time -v nice -n 10 "$@"
    echo "load_after $(cat /proc/loadavg)"; } >"$OUT/$name.log" 2>&1
  grep -E '^\{' "$OUT/$name.log" | tail -1 >"$OUT/$name.json"
  echo "$name: $(cat "$OUT/$name.json")"
  grep -E 'load_|Maximum resident' "$OUT/$name.log"
}

run mutual "$ROOT/bin/mutual" bench lora --threads "$THREADS" "${ARGS[@]}"
run peft "$TORCH_PY" "$ROOT/tools/peft_lora_bench.py" --threads "$THREADS" "${ARGS[@]}"

python3 - "$OUT/mutual.json" "$OUT/peft.json" <<'PY'
import json, sys
m, p = (json.load(open(f)) for f in sys.argv[1:3])
print(f"tokens/s  mutual {m['tokens_per_s']:.2f}  peft {p['tokens_per_s']:.2f}  ratio {m['tokens_per_s'] / p['tokens_per_s']:.2f}x")
print(f"peak RSS  mutual {m['peak_rss_mb']:.0f} MB  peft {p['peak_rss_mb']:.0f} MB  ratio (peft/mutual) {p['peak_rss_mb'] / m['peak_rss_mb']:.2f}x")
PY

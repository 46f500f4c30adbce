#!/usr/bin/env bash
# The measurements of BENCHMARKS.md "16-bit weights and TinyLlama-1.1B-shaped": a random-weight model folder (bf16,
# from tools/make_random_model.py) loaded, scored and generated from with the CLI at 1 and 2 threads, with load time,
# tokens/s and peak RSS (/usr/bin/time -v). Run from the repo root, under the big-memory lock:
#   flock /tmp/mutual-bigmem.lock tools/bench_half_weights.sh /tmp/tinyllama-random [auto|f32|bf16] [THREADS...]
# The weights need ~2.2 GB of heap in 16 bits (MUTUAL_JAVA_OPTS below); --weights f32 needs ~9 GB (not run by default).
set -euo pipefail
MODEL=${1:?model folder}
WEIGHTS=${2:-auto}
shift $(( $# >= 2 ? 2 : 1 ))
THREADS=("${@:-1 2}")
export MUTUAL_JAVA_OPTS=${MUTUAL_JAVA_OPTS:--Xmx4g}
OUT=$(mktemp -d)
PROMPTS=$OUT/prompts.jsonl
cat >"$PROMPTS" <<'JSONL'
{"prompt":"Once upon a time, in a small village at the edge of a great forest, there lived an old woodcutter and his three daughters.","target":" Every morning he walked into the trees with his axe."}
{"prompt":"The committee reviewed the proposal in detail and concluded that the projected costs were reasonable,","target":" although several members raised concerns about the timeline."}
{"prompt":"To compute the derivative of a product of two functions, apply the product rule:","target":" the derivative of f times g equals f prime times g plus f times g prime."}
{"prompt":"She opened the window, looked at the rain falling on the empty street,","target":" and decided that today was a good day to stay at home and read."}
JSONL
peak() { grep -E "Maximum resident|Elapsed" "$1" | sed 's/^\s*//' | tr '\n' ' '; echo; }
for t in ${THREADS[*]}; do
  echo "== threads $t, --weights $WEIGHTS, $(cat /proc/loadavg)"
  /usr/bin/time -v bin/mutual score --model "$MODEL" --weights "$WEIGHTS" --threads "$t" --input "$PROMPTS" \
    --output "$OUT/scores.jsonl" 2>"$OUT/score.err" >/dev/null || { tail -5 "$OUT/score.err"; exit 1; }
  echo "score: $(grep -o 'wrote.*' "$OUT/score.err")"; peak "$OUT/score.err"
  /usr/bin/time -v bin/mutual generate --model "$MODEL" --weights "$WEIGHTS" --threads "$t" --max-new-tokens 128 \
    --prompt "Once upon a time" 2>"$OUT/gen.err" >/dev/null || { tail -5 "$OUT/gen.err"; exit 1; }
  echo "generate: $(grep -o '[0-9]* prompt tokens.*' "$OUT/gen.err")"; peak "$OUT/gen.err"
  bin/mutual bench generate --model "$MODEL" --weights "$WEIGHTS" --threads "$t" --tokens 128 --warmup 1 --runs 2 2>/dev/null
  echo "   $(cat /proc/loadavg)"
done
rm -rf "$OUT"

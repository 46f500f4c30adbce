#!/usr/bin/env bash
# Peer check of `bin/mutual serve` against lm-evaluation-harness (issue 11): lm-eval's local-completions model scores
# the multiple-choice items of tools/lm_eval_peer/mc_items.jsonl through the server, `bin/mutual eval likelihood`
# scores the same items in process, and the two accuracies (and every choice's log-likelihood, within 1e-4) must agree.
#
#   tools/lm_eval_peer_check.sh [OUT_DIR]
#
# Env: VENV (default /tmp/serve-venv): a venv with lm-eval, e.g.
#        python3 -m venv --system-site-packages VENV && VENV/bin/pip install --no-deps lm-eval \
#          && VENV/bin/pip install datasets dill more-itertools sacrebleu scikit-learn requests jinja2 tqdm
#        (lm-eval 0.4.13 also lists evaluate, pytablewriter, rouge-score, sqlitedict and word2number, which the local
#        index lacks; multiple-choice tasks on local-completions import none of them)
#      MODEL / TOKENIZER (default samples/stories260K.bin / samples/tok512.bin, the quickstart's base model), PORT (18765).
set -euo pipefail
ROOT="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)"
VENV="${VENV:-/tmp/serve-venv}"
MODEL="${MODEL:-$ROOT/samples/stories260K.bin}"
TOKENIZER="${TOKENIZER:-$ROOT/samples/tok512.bin}"
PORT="${PORT:-18765}"
OUT="${1:-$(mktemp -d /tmp/lm-eval-peer-XXXXXX)}"
mkdir -p "$OUT"
if ! "$VENV/bin/python" -c "import lm_eval" 2>/dev/null; then
  echo "lm_eval_peer_check: no lm-eval in $VENV (see the header of $0 for how to install it)" >&2
  exit 2
fi
"$ROOT/bin/mutual" eval likelihood --model "$MODEL" --tokenizer "$TOKENIZER" --data "$ROOT/tools/lm_eval_peer/mc_items.jsonl" \
  --name mutual_peer_mc --output "$OUT/mutual" > "$OUT/mutual.log" 2>&1
"$ROOT/bin/mutual" serve --model "$MODEL" --tokenizer "$TOKENIZER" --port "$PORT" --served-model-name peer > "$OUT/serve.log" 2>&1 &
SERVER=$!
trap 'kill "$SERVER" 2>/dev/null || true' EXIT
for _ in $(seq 1 120); do
  curl -sf "http://127.0.0.1:$PORT/health" > /dev/null && break
  kill -0 "$SERVER" 2>/dev/null || { echo "lm_eval_peer_check: the server stopped; see $OUT/serve.log" >&2; exit 1; }
  sleep 1
done
HF_DATASETS_OFFLINE=1 HF_HUB_OFFLINE=1 "$VENV/bin/python" "$ROOT/tools/lm_eval_peer/peer_check.py" \
  "http://127.0.0.1:$PORT/v1/completions" "$ROOT/tools/lm_eval_peer" "$OUT/mutual" "$OUT/lm_eval"
echo "outputs in $OUT"

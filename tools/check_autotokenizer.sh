#!/usr/bin/env bash
# Trains the two models of issue 11's check and runs tools/check_autotokenizer.py on them: the quickstart's
# recipes/train_tiny.yaml (llama2.c tok512.bin) and the same recipe on a tokenizer folder holding tokenizer.json.gz
# (the Mistral tokenizer of the data module's test fixtures). Needs a Python with torch + transformers
# (PYTHON, default /tmp/venv-hf/bin/python). About 2 minutes on 2 cores.
#
#   tools/check_autotokenizer.sh [RUNS_DIR]
set -euo pipefail
ROOT="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)"
PYTHON="${PYTHON:-/tmp/venv-hf/bin/python}"
RUNS="${1:-$(mktemp -d /tmp/check-autotokenizer-XXXXXX)}"
cd "$ROOT"

model_of() { sed -n 's/^ *model: //p' | tail -n 1; }
echo "training recipes/train_tiny.yaml (llama2.c tok512.bin) into $RUNS ..." >&2
TINY="$(bin/mutual train --recipe recipes/train_tiny.yaml "paths.runs=$RUNS/tiny" | model_of)"
echo "training the same recipe on a tokenizer.json.gz folder (Mistral's tokenizer) ..." >&2
GZ_TOKENIZER="$RUNS/mistral-tokenizer"
mkdir -p "$GZ_TOKENIZER"
cp data/src/test/resources/tokenizers/mistral/tokenizer.json.gz data/src/test/resources/tokenizers/mistral/tokenizer_config.json "$GZ_TOKENIZER/"
GZ="$(bin/mutual train --recipe recipes/train_tiny.yaml "tokenizer=$GZ_TOKENIZER" steps=5 "paths.runs=$RUNS/gz" | model_of)"
ls "$TINY" "$GZ" >&2
"$PYTHON" tools/check_autotokenizer.py --mutual bin/mutual "$TINY" "$GZ"

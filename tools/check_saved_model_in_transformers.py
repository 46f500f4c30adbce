"""Checks that model directories written by Mutual (HfCheckpoint.save, `bin/mutual convert`) load in HF
transformers and compute the same logits. Reference check only; Python is never a product dependency.

    # a converted llama2.c model must greedy-decode llama2.c's golden ids (shared/data/models/stories260K/SOURCE.md)
    bin/mutual convert --llama2c ../shared/data/models/stories260K/stories260K.bin \
        --tokenizer ../shared/data/models/stories260K/tok512.bin --output /tmp/stories-hf
    python3 tools/check_saved_model_in_transformers.py --greedy /tmp/stories-hf
    # a re-saved parity fixture must reproduce the fixture's logits
    python3 tools/check_saved_model_in_transformers.py --fixture trainer/src/test/resources/parity/qwen2 /tmp/qwen2-resaved

Last run (transformers 5.18.0, torch 2.13.0+cpu, 2026-11-25): stories260K greedy ids == golden; qwen2, mistral,
llama3 fixtures re-saved by HfCheckpoint.save: max |logit diff| 4.8e-6, 4.8e-7, 4.8e-7.
"""
import argparse
import json

import torch
from transformers import AutoModelForCausalLM

GOLDEN = [int(x) for x in ("403 407 261 378 432 383 286 261 376 298 315 421 395 317 426 338 401 396 267 337 410 408 "
                           "419 292 411 322 265 282 295 433 426 385 328 432 358 394 261 370 432 352").split()]

p = argparse.ArgumentParser()
p.add_argument("--greedy", help="converted stories260K directory")
p.add_argument("--fixture", nargs=2, metavar=("FIXTURE_DIR", "SAVED_DIR"))
args = p.parse_args()
if args.greedy:
    m = AutoModelForCausalLM.from_pretrained(args.greedy)
    ids = m.generate(torch.tensor([[1]]), max_new_tokens=40, do_sample=False)[0, 1:].tolist()
    print("greedy ids == llama2.c golden:", ids == GOLDEN)
if args.fixture:
    fixture, saved = args.fixture
    exp = json.load(open(f"{fixture}/expected.json"))
    m = AutoModelForCausalLM.from_pretrained(saved, attn_implementation="eager").eval()
    with torch.no_grad():
        out = m(torch.tensor(exp["input_ids"][0:1])).logits[0]
    print(type(m).__name__, "max |logit diff| vs fixture:", (out - torch.tensor(exp["logits"][0])).abs().max().item())

"""Checks LoRA outputs of Mutual against Hugging Face PEFT / transformers. Reference check only; Python is never a
product dependency (needs torch, transformers and peft; see make_lora_fixture.py for installing peft).

    # an adapter saved by LoraAdapterFile.save loads in PeftModel.from_pretrained and gives the fixture's logits
    python3 tools/check_lora_in_peft.py --adapter /tmp/java-adapter
    # a model merged by `bin/mutual merge` loads in AutoModelForCausalLM and gives the same logits
    bin/mutual merge --base trainer/src/test/resources/parity/llama \
        --adapter trainer/src/test/resources/lora/llama-adapter --output /tmp/lora-merged
    python3 tools/check_lora_in_peft.py --merged /tmp/lora-merged

Last run (peft 0.21.0, transformers 5.18.0, torch 2.13.0+cpu, 2026-11-25): the fixture adapter loaded and re-saved
by LoraAdapterFile: max |logit diff| 5.1e-7; merged by `bin/mutual merge`: 6.5e-6.
"""
import argparse
import json
import pathlib

import torch
from transformers import AutoModelForCausalLM

RES = pathlib.Path(__file__).resolve().parent.parent / "trainer" / "src" / "test" / "resources"
BASE = RES / "parity" / "llama"
EXPECTED = RES / "lora" / "llama-adapter" / "expected.json"

p = argparse.ArgumentParser()
p.add_argument("--adapter", help="adapter directory written by LoraAdapterFile.save for parity/llama")
p.add_argument("--merged", help="model directory written by `bin/mutual merge` from parity/llama and the fixture")
args = p.parse_args()
e = json.loads(EXPECTED.read_text())
ids = torch.tensor([e["input_ids"]])
expected = torch.tensor(e["logits"])
if args.adapter:
    from peft import PeftModel
    base = AutoModelForCausalLM.from_pretrained(BASE, torch_dtype=torch.float32, attn_implementation="eager")
    model = PeftModel.from_pretrained(base, args.adapter).eval()
    with torch.no_grad():
        diff = (model(input_ids=ids).logits[0] - expected).abs().max().item()
    print(f"adapter {args.adapter} in PEFT: max |logit diff| = {diff:.2e}")
    assert diff < 1e-4
if args.merged:
    model = AutoModelForCausalLM.from_pretrained(args.merged, torch_dtype=torch.float32, attn_implementation="eager").eval()
    with torch.no_grad():
        diff = (model(input_ids=ids).logits[0] - expected).abs().max().item()
    print(f"merged {args.merged} in transformers: max |logit diff| = {diff:.2e}")
    assert diff < 1e-4

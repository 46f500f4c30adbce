#!/usr/bin/env python3
"""Builds the PEFT LoRA fixture in trainer/src/test/resources/lora/llama-adapter/.

Base model: the tiny random LLaMA of tools/make_parity_fixtures.py (trainer/src/test/resources/parity/llama).
Adapter: Hugging Face PEFT's own LoraConfig / get_peft_model on all seven linears (r 4, lora_alpha 6, so the
scale alpha / r is 1.5, not the common 2), with A and B both set to nonzero random values (PEFT initialises B to
zero, which would make any merge look right). Saved with PeftModel.save_pretrained (adapter_config.json +
adapter_model.safetensors). expected.json holds input ids and the logits of the *unmerged* PeftModel, which
computes each adapted linear as x @ W^T + scale * (x @ A^T) @ B^T: the Java merge (W + scale * B @ A) must
reproduce them. The script also checks PEFT's own merge_and_unload gives the same logits.

Reference only: Python is never a product dependency. Run with torch, transformers, safetensors and peft:
    python3 tools/make_lora_fixture.py
"""
import json
import math
import pathlib

import torch
from peft import LoraConfig, get_peft_model
from transformers import LlamaForCausalLM

ROOT = pathlib.Path(__file__).resolve().parent.parent / "trainer" / "src" / "test" / "resources"
BASE = ROOT / "parity" / "llama"
OUT = ROOT / "lora" / "llama-adapter"
TARGETS = ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"]


def main():
    torch.manual_seed(0)
    base = LlamaForCausalLM.from_pretrained(BASE, torch_dtype=torch.float32, attn_implementation="eager").eval()
    ids = torch.tensor([json.loads((BASE / "expected.json").read_text())["input_ids"][0]])
    with torch.no_grad():
        base_logits = base(input_ids=ids).logits[0]

    config = LoraConfig(r=4, lora_alpha=6, lora_dropout=0.1, target_modules=TARGETS, bias="none",
                        task_type="CAUSAL_LM")
    model = get_peft_model(base, config)
    gen = torch.Generator().manual_seed(1234)
    with torch.no_grad():
        for name, p in model.named_parameters():
            if ".lora_A." in name:
                p.copy_(torch.randn(p.shape, generator=gen) / math.sqrt(p.shape[1]))
            elif ".lora_B." in name:
                p.copy_(0.5 * torch.randn(p.shape, generator=gen) / math.sqrt(p.shape[1]))
    model.eval()  # dropout off, as at inference and after merging
    with torch.no_grad():
        lora_logits = model(input_ids=ids).logits[0]
    OUT.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(OUT)
    # save_pretrained records this machine's absolute path; keep the fixture portable.
    cfg = json.loads((OUT / "adapter_config.json").read_text())
    cfg["base_model_name_or_path"] = "parity/llama"
    (OUT / "adapter_config.json").write_text(json.dumps(cfg, indent=2, sort_keys=True) + "\n")

    merged = model.merge_and_unload()
    with torch.no_grad():
        merged_logits = merged(input_ids=ids).logits[0]
    merge_diff = (merged_logits - lora_logits).abs().max().item()
    effect = (lora_logits - base_logits).abs().max().item()
    print(f"max |PEFT merged - unmerged| = {merge_diff:.2e}; max |adapted - base| = {effect:.3f}")
    assert merge_diff < 1e-4 and effect > 0.5

    expected = {
        "about": "input_ids (one sequence) and the logits [seq, vocab] of PEFT's unmerged PeftModel over parity/llama "
                 "with this adapter; made by tools/make_lora_fixture.py.",
        "input_ids": ids[0].tolist(),
        "logits": [[round(v, 6) for v in row] for row in lora_logits.tolist()],
        "base_logits_max_abs_difference": effect,
    }
    (OUT / "expected.json").write_text(json.dumps(expected, separators=(",", ":")) + "\n")
    (OUT / "README.md").unlink(missing_ok=True)  # save_pretrained's model card template: not needed


if __name__ == "__main__":
    main()

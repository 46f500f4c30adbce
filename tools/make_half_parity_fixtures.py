#!/usr/bin/env python3
"""Builds the 16-bit HF parity fixtures trainer/src/test/resources/parity/llama-bf16 and qwen2-f16 from the fp32
fixtures of make_parity_fixtures.py (run that first): the same model saved by save_pretrained in bfloat16 (LLaMA,
untied head) and float16 (Qwen2: q/k/v bias, tied embeddings), with expected.json holding the logits transformers
computes for the same inputs when it loads the 16-bit checkpoint widened to float32 (dtype=torch.float32): the
arithmetic Mutual's inference does over 16-bit weights (widened exactly, multiplied in fp32).

Reference only. Run: /tmp/venv-hf/bin/python tools/make_half_parity_fixtures.py
"""
import json
import pathlib
import shutil

import torch
import transformers

PARITY = pathlib.Path(__file__).resolve().parent.parent / "trainer" / "src" / "test" / "resources" / "parity"
FIXTURES = [("llama", torch.bfloat16, "llama-bf16"), ("qwen2", torch.float16, "qwen2-f16")]


def main():
    for source, dtype, name in FIXTURES:
        expected = json.loads((PARITY / source / "expected.json").read_text())
        model = transformers.AutoModelForCausalLM.from_pretrained(PARITY / source, attn_implementation="eager",
                                                                   dtype=dtype).eval()
        folder = PARITY / name
        model.save_pretrained(folder, safe_serialization=True)
        (folder / "generation_config.json").unlink(missing_ok=True)
        shutil.copy(PARITY / source / "config.json", folder / "config.json")  # the fixture's legacy rope keys
        config = json.loads((folder / "config.json").read_text())
        config["dtype"] = str(dtype).removeprefix("torch.")
        (folder / "config.json").write_text(json.dumps(config, indent=2, sort_keys=True) + "\n")
        wide = transformers.AutoModelForCausalLM.from_pretrained(folder, attn_implementation="eager",
                                                                  dtype=torch.float32).eval()
        ids = torch.tensor(expected["input_ids"])
        mask = torch.tensor(expected["attention_mask"])
        with torch.no_grad():
            logits = wide(input_ids=ids, attention_mask=mask).logits.float()
        rounded = (logits[0, :expected["valid_lengths"][0]] - torch.tensor(expected["logits"][0])).abs().max().item()
        print(f"{name}: max |logits(16-bit weights) - logits(fp32 weights)| = {rounded:.3e} (sequence 0)")
        assert rounded > 1e-4, "16-bit rounding should move the logits more than the parity tolerance"
        expected.update({
            "description": f"{source} fixture saved in {dtype}; logits of transformers loading it with "
                           "dtype=torch.float32 (16-bit weights widened, fp32 arithmetic); logits[b][t] for "
                           "t < valid_lengths[b] only.",
            "transformers_version": transformers.__version__,
            "torch_version": torch.__version__,
            "logits": [[[float(f"{v:.7g}") for v in logits[b, t].tolist()] for t in range(n)]
                       for b, n in enumerate(expected["valid_lengths"])],
        })
        (folder / "expected.json").write_text(json.dumps(expected, separators=(",", ":")) + "\n")
        dtypes = {h["dtype"] for k, h in json.loads(
            (folder / "model.safetensors").read_bytes()[8:8 + int.from_bytes((folder / "model.safetensors").read_bytes()[:8], "little")]).items()
            if k != "__metadata__"}
        print(f"{name}: safetensors dtypes {sorted(dtypes)} -> {folder}")


if __name__ == "__main__":
    main()

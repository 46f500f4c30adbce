#!/usr/bin/env python3
"""Writes a randomly initialised Qwen2-0.5B-shaped model (tools/peft_lora_bench.py's config: 24 layers, hidden 896,
14 heads, 2 KV heads, intermediate 4864, vocabulary 151936, q/k/v bias, tied embeddings, rope_theta 1e6, eps 1e-6;
transformers' own init, seed 1) as a Hugging Face folder (config.json + model.safetensors, no tokenizer) for
`bin/mutual bench generate --model DIR`. --dtype bfloat16 / float16 writes a 16-bit checkpoint.
Keep the folder outside the repository (e.g. /tmp/qwen2-0.5b-random).

  /tmp/venv-hf/bin/python tools/make_random_qwen2.py /tmp/qwen2-0.5b-bf16 --dtype bfloat16   # ~1.3 GB RSS
  flock /tmp/mutual-bigmem.lock /tmp/venv-hf/bin/python tools/make_random_qwen2.py /tmp/qwen2-0.5b-random
"""
import argparse
import os
import sys

import torch
from transformers import Qwen2ForCausalLM

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from peft_lora_bench import qwen2_0_5b  # noqa: E402


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("out")
    p.add_argument("--dtype", default="float32", choices=["float32", "bfloat16", "float16"])
    a = p.parse_args()
    torch.manual_seed(1)
    # Built in the target dtype (not built in fp32 and cast): a bf16 model peaks at about half the memory.
    torch.set_default_dtype(getattr(torch, a.dtype))
    config = qwen2_0_5b()
    config.torch_dtype = a.dtype
    model = Qwen2ForCausalLM(config)
    model.save_pretrained(a.out, safe_serialization=True, max_shard_size="10GB")
    print(a.out)


if __name__ == "__main__":
    main()

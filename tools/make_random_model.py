#!/usr/bin/env python3
"""Writes a random-weight LLaMA model folder (config.json, sharded model.safetensors + index, a 32k Llama-2
tokenizer) in bf16 / f16 / fp32, for the 16-bit weight benchmarks of BENCHMARKS.md ("16-bit weights and
TinyLlama-1.1B-shaped"). Default shape: TinyLlama-1.1B (22 layers, hidden 2048, 32 heads, 4 KV heads,
intermediate 5632, vocabulary 32000, untied head) = 1,100,048,384 parameters, 2.2 GB in bf16.

Weights ~ N(0, 0.02), norms 1 (a freshly initialised HF model); the model is built directly in the target dtype, so
peak memory is about one copy of the weights (2.2 GB for the default). Run it under the big-memory lock:
    flock /tmp/mutual-bigmem.lock /tmp/venv-hf/bin/python tools/make_random_model.py /tmp/tinyllama-random
    /tmp/venv-hf/bin/python tools/make_random_model.py /tmp/llama-87m --hidden 768 --layers 6 --heads 12 \
        --kv-heads 4 --intermediate 2048
The tokenizer is the Llama-2 SentencePiece vocabulary carried by the shared llama-2-tiny-random.gguf (transformers
converts it); with --tokenizer DIR the tokenizer files of DIR are copied instead. Never write the output into the repo.
"""
import argparse
import pathlib
import shutil

import torch
from transformers import AutoTokenizer, LlamaConfig, LlamaForCausalLM

SHARED = pathlib.Path(__file__).resolve().parent.parent.parent / "shared" / "data" / "models"
GGUF = SHARED / "llama-2-tiny-random-gguf" / "llama-2-tiny-random.gguf"


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("out", type=pathlib.Path)
    p.add_argument("--hidden", type=int, default=2048)
    p.add_argument("--layers", type=int, default=22)
    p.add_argument("--heads", type=int, default=32)
    p.add_argument("--kv-heads", type=int, default=4)
    p.add_argument("--intermediate", type=int, default=5632)
    p.add_argument("--vocab", type=int, default=32000)
    p.add_argument("--dtype", choices=["bfloat16", "float16", "float32"], default="bfloat16")
    p.add_argument("--shard", default="1GB", help="max_shard_size for save_pretrained (default 1GB: a sharded folder)")
    p.add_argument("--seed", type=int, default=1234)
    p.add_argument("--tokenizer", type=pathlib.Path, help="copy the tokenizer files of this folder instead")
    a = p.parse_args()
    dtype = getattr(torch, a.dtype)
    config = LlamaConfig(hidden_size=a.hidden, intermediate_size=a.intermediate, num_hidden_layers=a.layers,
                         num_attention_heads=a.heads, num_key_value_heads=a.kv_heads, vocab_size=a.vocab,
                         max_position_embeddings=2048, rms_norm_eps=1e-5, rope_theta=10000.0,
                         tie_word_embeddings=False, bos_token_id=1, eos_token_id=2, torch_dtype=a.dtype)
    torch.manual_seed(a.seed)
    torch.set_default_dtype(dtype)
    with torch.no_grad():
        model = LlamaForCausalLM(config)
        for name, t in model.named_parameters():
            if name.endswith("norm.weight"):
                t.fill_(1.0)
            else:
                t.normal_(0.0, 0.02)
    model.generation_config.do_sample = False
    a.out.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(a.out, max_shard_size=a.shard)
    if a.tokenizer:
        for f in a.tokenizer.iterdir():
            if f.name.startswith(("tokenizer", "special_tokens")):
                shutil.copy(f, a.out / f.name)
    else:
        tok = AutoTokenizer.from_pretrained(GGUF.parent, gguf_file=GGUF.name)
        tok.save_pretrained(a.out)
    n = sum(t.numel() for t in model.parameters())
    print(f"{a.out}: {n:,} parameters, {a.dtype}")


if __name__ == "__main__":
    main()

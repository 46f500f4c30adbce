"""Checks that a sharded model directory written by Mutual (`bin/mutual convert|merge --max-shard-size`) is what
transformers itself writes and loads. Reference check only; Python is never a product dependency.

    bin/mutual convert --llama2c ../shared/data/models/stories260K/stories260K.bin \
        --tokenizer ../shared/data/models/stories260K/tok512.bin --output /tmp/stories-sharded --max-shard-size 100KB
    /tmp/venv-hf/bin/python tools/check_sharded_save.py /tmp/stories-sharded 100KB \
        trainer/src/test/resources/safetensors/stories260K-100KB.index.json

1. transformers loads the directory (through model.safetensors.index.json) and greedy-decodes llama2.c's golden ids;
2. save_pretrained(max_shard_size=...) of the same weights writes the same shard file names, the same index
   (byte for byte) and the same tensors in each shard, with equal values;
3. with a third argument, copies transformers' index there (the fixture ShardedSaveTest compares against).

Last run (transformers 5.18.0, safetensors 0.8.0, torch 2.13.0+cpu, 2026-11-26): see the output lines in
BENCHMARKS.md / README; all checks True.
"""
import os
import shutil
import sys
import tempfile

import torch
from safetensors import safe_open
from transformers import AutoModelForCausalLM

GOLDEN = [int(x) for x in ("403 407 261 378 432 383 286 261 376 298 315 421 395 317 426 338 401 396 267 337 410 408 "
                           "419 292 411 322 265 282 295 433 426 385 328 432 358 394 261 370 432 352").split()]

ours, size = sys.argv[1], sys.argv[2]
fixture = sys.argv[3] if len(sys.argv) > 3 else None
m = AutoModelForCausalLM.from_pretrained(ours).eval()
ids = m.generate(torch.tensor([[1]]), max_new_tokens=40, do_sample=False)[0, 1:].tolist()
print("loaded through the index; greedy ids == llama2.c golden:", ids == GOLDEN)


def weight_files(d):
    return sorted(f for f in os.listdir(d) if f.endswith(".safetensors") or f.endswith(".index.json"))


# A model from from_pretrained holds its parameters in checkpoint-key order (transformers 5), while save_pretrained of a
# model built in code follows module registration order, the order HfCheckpoint.stateDictOrder reproduces: save a
# fresh model of the same config holding the loaded weights.
fresh = AutoModelForCausalLM.from_config(m.config)
fresh.load_state_dict(m.state_dict())
with tempfile.TemporaryDirectory() as ref:
    fresh.save_pretrained(ref, max_shard_size=size)
    print("same weight files:", weight_files(ours) == weight_files(ref), weight_files(ref)[:2], "...")
    index = "model.safetensors.index.json"
    if fixture:
        shutil.copyfile(f"{ref}/{index}", fixture)
    print("index identical byte for byte:", open(f"{ours}/{index}").read() == open(f"{ref}/{index}").read())
    if open(f"{ours}/{index}").read() != open(f"{ref}/{index}").read():
        print(open(f"{ref}/{index}").read()[:1500])
    same = True
    for f in weight_files(ref):
        if not f.endswith(".safetensors"):
            continue
        with safe_open(f"{ours}/{f}", "pt") as a, safe_open(f"{ref}/{f}", "pt") as b:
            if list(a.keys()) != list(b.keys()):
                print(f, "ours:", list(a.keys()), "transformers:", list(b.keys()))
                same = False
                continue
            same &= all(torch.equal(a.get_tensor(k), b.get_tensor(k)) for k in b.keys())
            same &= a.metadata() == b.metadata()
    print("same tensors, order, values and metadata in every shard:", same)

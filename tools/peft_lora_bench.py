#!/usr/bin/env python3
"""Peer of `bin/mutual bench lora`: LoRA fine-tuning of a randomly initialised Qwen2-0.5B-shaped model with PyTorch +
transformers + PEFT, the same work on the same configuration (BENCHMARKS.md "Qwen2-0.5B-shaped LoRA").

Model: transformers' Qwen2Config with Qwen2-0.5B's shape (24 layers, hidden 896, 14 heads, 2 KV heads, head 64,
intermediate 4864, vocabulary 151936, q/k/v bias, tied embeddings, rope_theta 1e6, RMSNorm eps 1e-6), transformers'
own random init, fp32, eager attention. Adapter: peft LoraConfig(r=16, lora_alpha=32, lora_dropout=0) on q_proj,
k_proj, v_proj, o_proj, gate_proj, up_proj and down_proj (the base frozen). An optimizer step is --grad-accum
micro-batches of --batch x --seq uniformly random token ids (next-token loss, each micro-batch's mean loss divided by
the accumulation count, as HF Trainer), then torch.optim.AdamW(lr 2e-4, betas (0.9, 0.999), eps 1e-8, no decay) over
the LoRA parameters only. --warmup untimed steps, then --steps timed ones.

Prints one JSON line: tokens_per_s (batch * seq * grad_accum * steps / timed seconds), peak_rss_mb (ru_maxrss, the
process's VmHWM), RSS after warm-up and at the end, first and last loss.

  /tmp/venv-hf/bin/pip install torch transformers peft
  flock /tmp/mutual-bigmem.lock /tmp/venv-hf/bin/python tools/peft_lora_bench.py --threads 2
"""
import argparse
import json
import os
import resource
import time

import torch
from peft import LoraConfig, get_peft_model
from transformers import Qwen2Config, Qwen2ForCausalLM

TARGETS = ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"]


def rss_mb():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def qwen2_0_5b():
    return Qwen2Config(vocab_size=151936, hidden_size=896, intermediate_size=4864, num_hidden_layers=24,
                       num_attention_heads=14, num_key_value_heads=2, max_position_embeddings=32768,
                       rms_norm_eps=1e-6, rope_theta=1_000_000.0, tie_word_embeddings=True, use_sliding_window=False,
                       attn_implementation="eager", torch_dtype="float32")


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--threads", type=int, default=2, help="torch.set_num_threads (default 2)")
    p.add_argument("--lora-rank", type=int, default=16)
    p.add_argument("--lora-alpha", type=float, default=32)
    p.add_argument("--batch", type=int, default=1)
    p.add_argument("--seq", type=int, default=512)
    p.add_argument("--grad-accum", type=int, default=4)
    p.add_argument("--warmup", type=int, default=1)
    p.add_argument("--lora-dropout", type=float, default=0.0)
    p.add_argument("--steps", type=int, default=2)
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(1)

    setup_start = time.perf_counter()
    config = qwen2_0_5b()
    model = Qwen2ForCausalLM(config).float()
    model.config.use_cache = False
    lora = LoraConfig(r=a.lora_rank, lora_alpha=a.lora_alpha, lora_dropout=a.lora_dropout, target_modules=TARGETS,
                      bias="none", task_type="CAUSAL_LM")
    model = get_peft_model(model, lora)
    model.train()
    trainable = [q for q in model.parameters() if q.requires_grad]
    opt = torch.optim.AdamW(trainable, lr=2e-4, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0)
    setup_s = time.perf_counter() - setup_start
    gen = torch.Generator().manual_seed(2)

    losses = []

    def step():
        total = 0.0
        for _ in range(a.grad_accum):
            ids = torch.randint(0, config.vocab_size, (a.batch, a.seq + 1), generator=gen)
            out = model(input_ids=ids[:, :-1], labels=None, use_cache=False)
            loss = torch.nn.functional.cross_entropy(out.logits.reshape(-1, config.vocab_size),
                                                     ids[:, 1:].reshape(-1))
            (loss / a.grad_accum).backward()
            total += loss.item()
            del out, loss
        opt.step()
        opt.zero_grad(set_to_none=True)
        losses.append(total / a.grad_accum)

    for _ in range(a.warmup):
        step()
    rss_after_warmup = rss_mb()
    start = time.perf_counter()
    for _ in range(a.steps):
        step()
    seconds = time.perf_counter() - start
    tokens = a.batch * a.seq * a.grad_accum * a.steps
    print(json.dumps({
        "bench": "lora", "impl": "pytorch+peft", "shape": "qwen2-0.5b", "lora_rank": a.lora_rank,
        "lora_alpha": a.lora_alpha, "lora_params": sum(q.numel() for q in trainable), "batch": a.batch,
        "seq": a.seq, "grad_accum": a.grad_accum, "steps": a.steps, "threads": torch.get_num_threads(),
        "tokens_per_s": round(tokens / seconds, 2), "setup_s": round(setup_s, 1),
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024,
        "rss_after_warmup_mb": round(rss_after_warmup), "rss_end_mb": round(rss_mb()),
        "first_loss": round(losses[0], 4), "last_loss": round(losses[-1], 4),
        "torch": torch.__version__, "load_avg": os.getloadavg()[0]}), flush=True)


if __name__ == "__main__":
    main()

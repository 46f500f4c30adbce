#!/usr/bin/env python3
"""Peer of `bin/mutual bench synthesize` and `bin/mutual bench pairs`: MAIN's heavy work done with PyTorch + HF
transformers on the same random LLaMA-style model (d=256, 4 layers, 4 heads, 2 KV heads, SwiGLU 688, untied head,
vocab 32000: 19.3M parameters; transformers' own init, N(0, 0.02) and norms 1, as the Java side draws its weights).

  synthesize  model.generate(do_sample=True, temperature=0.7, top_p=0.9, top_k=0) on prompts of 128 random ids,
              64 new tokens each (no EOS), batches of 1, 16 and 64 (16 sequences, or one whole batch); new tokens/s.
  pairs       per pair the conditional request (BOS, 3 template ids, instruction, 3 template ids; target = response +
              end of turn) and the unconditional one (BOS; the same target), right-padded batches through the decoder,
              the LM head and log-softmax on the target rows only, and the forward PMI; pairs/s and tokens/s (tokens =
              the unpadded positions, as the Java side counts them; padded_tokens = what torch ran over).

The lengths follow the Java side's formulas, so both score requests of the same lengths in the same order; the ids are
random on both sides. Prints one JSON line per batch size, as `bin/mutual bench` does.

  python3 -m venv /tmp/venv-hf && /tmp/venv-hf/bin/pip install torch transformers
  /tmp/venv-hf/bin/python tools/hf_main_bench.py synthesize
  /tmp/venv-hf/bin/python tools/hf_main_bench.py pairs
"""
import argparse
import json
import os
import random
import resource
import time

import torch
import transformers
from transformers import GenerationConfig, LlamaConfig, LlamaForCausalLM

BEFORE, AFTER, END_OF_TURN = [4, 5, 6], [7, 8, 9], 2  # as BenchPairsCommand


def build(a, max_positions):
    config = LlamaConfig(vocab_size=a.vocab, hidden_size=a.dim, intermediate_size=a.ffn, num_hidden_layers=a.layers,
                         num_attention_heads=a.heads, num_key_value_heads=a.kv_heads,
                         max_position_embeddings=max_positions, rms_norm_eps=1e-5, tie_word_embeddings=False,
                         bos_token_id=1, eos_token_id=2, pad_token_id=0)
    torch.manual_seed(1234)
    return LlamaForCausalLM(config).eval()


def common(a, m):
    return {"impl": "torch", "torch": torch.__version__, "transformers": transformers.__version__,
            "config": f"d={a.dim} L={a.layers} H={a.heads} KV={a.kv_heads} ffn={a.ffn} V={a.vocab}",
            "parameters": sum(p.numel() for p in m.parameters()), "threads": torch.get_num_threads()}


def finish(o, t0, c0):
    o["seconds"] = time.perf_counter() - t0
    o["cpu_seconds"] = time.process_time() - c0  # every thread of the process, as the Java side's ProcessUsage
    o["load_average"] = os.getloadavg()[0]
    o["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024


def synthesize(a):
    m = build(a, a.prompt_tokens + a.new_tokens)
    g = GenerationConfig(do_sample=True, temperature=a.temperature, top_p=a.top_p, top_k=0, max_new_tokens=a.new_tokens,
                         eos_token_id=None, pad_token_id=0, bos_token_id=1)

    def generate(n, seed):
        ids = torch.randint(3, a.vocab, (n, a.prompt_tokens), generator=torch.Generator().manual_seed(seed))
        ids[:, 0] = 1
        with torch.inference_mode():
            out = m.generate(input_ids=ids, attention_mask=torch.ones_like(ids), generation_config=g)
        return out.shape[0] * (out.shape[1] - a.prompt_tokens)

    for i in range(a.warmup):
        generate(16, 1000 + i)
    for b in a.batch:
        torch.manual_seed(0)
        n = max(a.sequences, b)  # at least one whole batch, as the Java side
        t0, c0 = time.perf_counter(), time.process_time()
        produced = sum(generate(min(b, n - first), first) for first in range(0, n, b))
        o = {"bench": "synthesize", **common(a, m), "batch": b, "sequences": n, "prompt_tokens": a.prompt_tokens,
             "temperature": a.temperature, "top_p": a.top_p, "new_tokens": produced}
        finish(o, t0, c0)
        o["tokens_per_s"] = round(produced / o["seconds"])
        print(json.dumps(o), flush=True)


def requests(a):
    out = []
    (i0, i1), (r0, r1) = a.instruction_tokens, a.response_tokens
    for i in range(a.pairs):
        r = random.Random(i)
        ni, nr = i0 + (7 * i) % (i1 - i0 + 1), r0 + (37 * i) % (r1 - r0 + 1)
        prompt = [1] + BEFORE + [r.randrange(10, a.vocab) for _ in range(ni)] + AFTER
        target = [r.randrange(10, a.vocab) for _ in range(nr)] + [END_OF_TURN]
        out += [(prompt, target), ([1], target)]
    return out


def score(m, batch):
    """Sum of log p(target | prompt) per request: one padded forward pass, the head on the target rows only."""
    n, longest = len(batch), max(len(p) + len(t) for p, t in batch)
    ids = torch.zeros(n, longest, dtype=torch.long)
    mask = torch.zeros(n, longest, dtype=torch.long)
    for j, (p, t) in enumerate(batch):
        ids[j, :len(p) + len(t)] = torch.tensor(p + t)
        mask[j, :len(p) + len(t)] = 1
    with torch.inference_mode():
        hidden = m.model(input_ids=ids, attention_mask=mask).last_hidden_state
        rows = torch.cat([hidden[j, len(p) - 1:len(p) - 1 + len(t)] for j, (p, t) in enumerate(batch)])
        targets = torch.tensor([x for _, t in batch for x in t])
        logprobs = torch.cat([torch.log_softmax(m.lm_head(rows[k:k + 1024]), -1)
                              .gather(1, targets[k:k + 1024, None])[:, 0] for k in range(0, len(rows), 1024)])
    sums, k = [], 0
    for _, t in batch:
        sums.append(logprobs[k:k + len(t)].sum().item())
        k += len(t)
    return sums, n * longest


def pairs(a):
    reqs = requests(a)
    m = build(a, max(len(p) + len(t) for p, t in reqs))
    tokens = sum(len(p) + len(t) for p, t in reqs)
    for _ in range(2):
        score(m, reqs[:16])
    for b in a.batch:
        t0, c0 = time.perf_counter(), time.process_time()
        sums, padded = [], 0
        for k in range(0, len(reqs), b):
            s, p = score(m, reqs[k:k + b])
            sums += s
            padded += p
        o = {"bench": "pairs", **common(a, m), "batch": b, "pairs": a.pairs, "requests": len(reqs), "tokens": tokens,
             "padded_tokens": padded, "target_tokens": sum(len(t) for _, t in reqs)}
        finish(o, t0, c0)
        o["pairs_per_s"] = round(a.pairs / o["seconds"], 1)
        o["tokens_per_s"] = round(tokens / o["seconds"])
        # MainMethod.forwardPmi: [log p(y'|x) - log p(y')] / |y'|
        o["mean_forward_pmi"] = sum((sums[2 * i] - sums[2 * i + 1]) / len(reqs[2 * i][1]) for i in range(a.pairs)) / a.pairs
        print(json.dumps(o), flush=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("what", choices=["synthesize", "pairs"])
    ap.add_argument("--dim", type=int, default=256)
    ap.add_argument("--layers", type=int, default=4)
    ap.add_argument("--heads", type=int, default=4)
    ap.add_argument("--kv-heads", type=int, default=2)
    ap.add_argument("--ffn", type=int, default=688)
    ap.add_argument("--vocab", type=int, default=32000)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--batch", type=lambda s: [int(x) for x in s.split(",")], default=None)
    ap.add_argument("--sequences", type=int, default=16)
    ap.add_argument("--prompt-tokens", type=int, default=128)
    ap.add_argument("--new-tokens", type=int, default=64)
    ap.add_argument("--temperature", type=float, default=0.7)
    ap.add_argument("--top-p", type=float, default=0.9)
    ap.add_argument("--warmup", type=int, default=2)
    ap.add_argument("--pairs", type=int, default=128)
    ap.add_argument("--instruction-tokens", type=lambda s: [int(x) for x in s.split(",")], default=[16, 64])
    ap.add_argument("--response-tokens", type=lambda s: [int(x) for x in s.split(",")], default=[64, 192])
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    if a.batch is None:
        a.batch = [1, 16, 64] if a.what == "synthesize" else [16, 64]
    synthesize(a) if a.what == "synthesize" else pairs(a)


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Builds the HF parity fixtures in trainer/src/test/resources/parity/<name>/.

Each fixture is a tiny random decoder built with the real Hugging Face `transformers` modeling code
(LlamaForCausalLM, MistralForCausalLM, Qwen2ForCausalLM), saved with save_pretrained (config.json +
model.safetensors, fp32), plus expected.json holding the input ids, the attention mask and the logits HF
computes for them. The Java decoders (SameDiff training graph, plain-Java inference) must reproduce these
logits; see tools/README.md for the exact semantics.

Reference only: Python is never a product dependency. Run (CPU torch is enough):
    python3 -m venv /tmp/venv-hf && /tmp/venv-hf/bin/pip install torch transformers safetensors
    /tmp/venv-hf/bin/python tools/make_parity_fixtures.py
"""
import copy
import json
import math
import pathlib

import torch
import transformers
from transformers import (LlamaConfig, LlamaForCausalLM, MistralConfig, MistralForCausalLM, Qwen2Config,
                          Qwen2ForCausalLM)

OUT = pathlib.Path(__file__).resolve().parent.parent / "trainer" / "src" / "test" / "resources" / "parity"
SEQ_LEN = 24
PAD_ID = 0
# Second sequence is right-padded: its last 5 positions are padding (attention_mask 0, id PAD_ID).
VALID_LENGTHS = [SEQ_LEN, SEQ_LEN - 5]

# Shared tiny shape: hidden 32, 4 query heads of dim 8, 2 KV heads (GQA, 2 query heads per KV head).
COMMON = dict(hidden_size=32, intermediate_size=64, num_hidden_layers=2, num_attention_heads=4,
              num_key_value_heads=2, vocab_size=96, max_position_embeddings=128, bos_token_id=1,
              eos_token_id=2, pad_token_id=PAD_ID, attn_implementation="eager", torch_dtype="float32")


def fixtures():
    """(name, model class, config) for each fixture; every config uses non-default eps and theta."""
    return [
        ("llama", LlamaForCausalLM,
         LlamaConfig(**COMMON, rms_norm_eps=1e-5, rope_theta=5000.0, tie_word_embeddings=False)),
        # llama3 rope_scaling: with head_dim 8 and theta 10000 the 4 wavelengths are 6.3, 63, 628 and 6283
        # positions; original_max_position_embeddings 64 with factors 1 / 4 puts them in all three regimes
        # (kept: < 16, smoothed: 16..64, divided by factor: > 64).
        ("llama3", LlamaForCausalLM,
         LlamaConfig(**COMMON, rms_norm_eps=2e-5, rope_theta=10000.0, tie_word_embeddings=False,
                     rope_scaling={"rope_type": "llama3", "factor": 8.0, "low_freq_factor": 1.0,
                                   "high_freq_factor": 4.0, "original_max_position_embeddings": 64})),
        # sliding_window 8 < SEQ_LEN: query i sees keys j with i - 8 < j <= i (8 keys including itself).
        ("mistral", MistralForCausalLM,
         MistralConfig(**COMMON, rms_norm_eps=1e-5, rope_theta=20000.0, tie_word_embeddings=False,
                       sliding_window=8)),
        # Qwen2: q/k/v projections carry a bias; the LM head is the embedding matrix.
        ("qwen2", Qwen2ForCausalLM,
         Qwen2Config(**COMMON, rms_norm_eps=1e-5, rope_theta=30000.0, tie_word_embeddings=True,
                     use_sliding_window=False)),
    ]


def randomise(model, gen):
    """Replaces HF's std-0.02 init with weights large enough that attention is sharp and every part matters:
    matrices ~ N(0, 1/fan_in) (q and k twice that scale), norm gains 1 + N(0, 0.3), biases N(0, 0.3)."""
    with torch.no_grad():
        for name, p in model.named_parameters():
            if name.endswith("norm.weight"):
                p.copy_(1.0 + 0.3 * torch.randn(p.shape, generator=gen))
            elif name.endswith(".bias"):
                p.copy_(0.3 * torch.randn(p.shape, generator=gen))
            elif name.endswith("embed_tokens.weight"):
                p.copy_(torch.randn(p.shape, generator=gen))
            else:
                scale = 2.0 if (".q_proj." in name or ".k_proj." in name) else 1.0
                p.copy_(scale * torch.randn(p.shape, generator=gen) / math.sqrt(p.shape[1]))


def write_legacy_rope_keys(config_path):
    """transformers 5 writes RoPE settings as "rope_parameters"; checkpoints on the Hub (LLaMA 2/3, Mistral,
    Qwen2) carry the 4.x keys "rope_theta" and "rope_scaling". Rewrite to those so the fixtures look like the
    checkpoints users load (transformers 5 still reads them; main() checks the reload gives the same logits)."""
    config = json.loads(config_path.read_text())
    rope = config.pop("rope_parameters")
    config["rope_theta"] = rope.pop("rope_theta")
    if rope.get("rope_type", "default") != "default":
        config["rope_scaling"] = rope
    config_path.write_text(json.dumps(config, indent=2, sort_keys=True) + "\n")


def make_inputs(vocab, gen):
    """Batch of 2; ids avoid PAD_ID; a few repeated ids on purpose (attention to equal tokens)."""
    ids = torch.randint(3, vocab, (2, SEQ_LEN), generator=gen)
    ids[0, 10] = ids[0, 3]
    ids[1, 7] = ids[1, 2]
    mask = torch.zeros(2, SEQ_LEN, dtype=torch.long)
    for b, n in enumerate(VALID_LENGTHS):
        mask[b, :n] = 1
        ids[b, n:] = PAD_ID
    return ids, mask


def logits_of(model, ids, mask):
    with torch.no_grad():
        return model(input_ids=ids, attention_mask=mask).logits.float()


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    for seed, (name, cls, config) in enumerate(fixtures()):
        gen = torch.Generator().manual_seed(1000 + seed)
        torch.manual_seed(1000 + seed)
        model = cls(config).float().eval()
        assert model.config._attn_implementation == "eager", model.config._attn_implementation
        randomise(model, gen)
        ids, mask = make_inputs(config.vocab_size, gen)
        logits = logits_of(model, ids, mask)

        # Right padding must not change the valid positions: each sequence alone, unpadded, gives the same.
        for b, n in enumerate(VALID_LENGTHS):
            alone = logits_of(model, ids[b:b + 1, :n], mask[b:b + 1, :n])[0]
            diff = (alone - logits[b, :n]).abs().max().item()
            assert diff < 1e-5, f"{name}: padding changed sequence {b} by {diff}"

        if name == "mistral":
            # Prove HF applies the window: the same weights without a window give different logits, and only
            # from position sliding_window on (earlier queries see at most sliding_window keys anyway).
            free_config = copy.deepcopy(config)
            free_config.sliding_window = None
            nowin = cls(free_config).float().eval()
            nowin.load_state_dict(model.state_dict())
            free = logits_of(nowin, ids, mask)
            w = 8
            early = (free[:, :w] - logits[:, :w]).abs().max().item()
            late = (free[:, w:] - logits[:, w:]).abs().max().item()
            print(f"mistral: max |logits(no window) - logits(window 8)| positions <8: {early:.2e}, >=8: {late:.3f}")
            assert early < 1e-5 and late > 1e-2, "sliding window not applied by HF"

        tie = model.get_output_embeddings().weight.data_ptr() == model.get_input_embeddings().weight.data_ptr()
        assert tie == config.tie_word_embeddings, f"{name}: tie expected {config.tie_word_embeddings}"

        if name == "llama3":
            # Prove the llama3 frequency scaling matters for these positions and weights.
            plain_config = copy.deepcopy(config)
            plain_config.rope_parameters = {"rope_type": "default", "rope_theta": 10000.0}
            plain = cls(plain_config).float().eval()
            plain.load_state_dict(model.state_dict())
            unscaled = (logits_of(plain, ids, mask) - logits).abs().max().item()
            print(f"llama3: max |logits(no rope scaling) - logits(llama3 scaling)|: {unscaled:.3f}")
            assert unscaled > 1e-2, "llama3 rope scaling had no effect"

        folder = OUT / name
        model.save_pretrained(folder, safe_serialization=True)
        (folder / "generation_config.json").unlink(missing_ok=True)
        write_legacy_rope_keys(folder / "config.json")
        # The rewritten config must load back into the very same model (same logits, bit for bit).
        reloaded = transformers.AutoModelForCausalLM.from_pretrained(folder, attn_implementation="eager").eval()
        again = (logits_of(reloaded, ids, mask) - logits).abs().max().item()
        assert again == 0.0, f"{name}: reloaded fixture differs by {again}"
        expected = {
            "description": f"{cls.__name__} tiny random fixture; logits[b][t] for t < valid_lengths[b] only "
                           "(right padding: later positions are pad tokens with attention_mask 0 and have no "
                           "expected logits).",
            "transformers_version": transformers.__version__,
            "torch_version": torch.__version__,
            "attn_implementation": "eager",
            "input_ids": ids.tolist(),
            "attention_mask": mask.tolist(),
            "valid_lengths": VALID_LENGTHS,
            "logits": [[[float(f"{v:.7g}") for v in logits[b, t].tolist()] for t in range(n)]
                       for b, n in enumerate(VALID_LENGTHS)],
        }
        (folder / "expected.json").write_text(json.dumps(expected, separators=(",", ":")) + "\n")
        print(f"{name}: {sum(p.numel() for p in model.parameters())} params, "
              f"logits range [{logits.min():.2f}, {logits.max():.2f}] -> {folder}")


if __name__ == "__main__":
    main()

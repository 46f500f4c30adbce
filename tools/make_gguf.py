#!/usr/bin/env python3
"""Writes the 56M LLaMA-shaped random model of tools/bench_llama_cpp.sh twice: as an HF folder (config.json,
f32 model.safetensors, tokenizer.json) for Mutual and as an f32 GGUF for llama.cpp.

Shape: hidden 512, 8 layers, 8 heads, 4 KV heads, SwiGLU 1376, vocabulary 32000, untied LM head, rope_theta 10000,
rms eps 1e-5. Weights are seeded (numpy PCG64, --seed) and scaled so that greedy generation wanders instead of
repeating one token: embeddings N(0, 1), projections N(0, --scale / sqrt(fan_in)), norms 1.

The vocabulary (tokens, scores, token types) is the real Llama-2 one, copied from the shared
models/llama-2-tiny-random-gguf file into the GGUF; the HF folder gets the same vocabulary as a Unigram
tokenizer.json (SentencePiece scores, byte fallback), so both sides hold the same 32000 pieces. The benchmark
feeds token ids, so neither side's tokenizer is on the measured path.

GGUF layout as llama.cpp's convert_hf_to_gguf.py writes a LlamaForCausalLM: tensor names token_embd, blk.N.attn_q,
..., output; q_proj and k_proj rows permuted from HF's rotate-half RoPE layout to GGML's interleaved pairs
(LlamaModel.permute); numpy shapes as in HF ([out, in]), which GGUF stores as ne = [in, out].

Usage: make_gguf.py OUT_DIR  (writes OUT_DIR/hf/ and OUT_DIR/model-f32.gguf)
"""
import argparse
import json
import os
import sys

import numpy as np
from safetensors.numpy import save_file

import gguf

VOCAB_GGUF = "models/llama-2-tiny-random-gguf/llama-2-tiny-random.gguf"


def permute(w, n_head):
    # convert_hf_to_gguf.py LlamaModel.permute: rotate-half halves -> interleaved pairs, per head
    return (w.reshape(n_head, 2, w.shape[0] // n_head // 2, *w.shape[1:])
            .swapaxes(1, 2)
            .reshape(w.shape))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("out")
    ap.add_argument("--shared", default=os.path.join(os.path.dirname(__file__), "..", "..", "shared", "data"))
    ap.add_argument("--seed", type=int, default=56)
    ap.add_argument("--scale", type=float, default=1.0, help="projection std times sqrt(fan_in)")
    ap.add_argument("--hidden", type=int, default=512)
    ap.add_argument("--layers", type=int, default=8)
    ap.add_argument("--heads", type=int, default=8)
    ap.add_argument("--kv-heads", type=int, default=4)
    ap.add_argument("--ffn", type=int, default=1376)
    ap.add_argument("--ctx", type=int, default=2048)
    a = ap.parse_args()

    vocab_path = os.path.join(a.shared, VOCAB_GGUF)
    if not os.path.exists(vocab_path):
        sys.exit(f"{vocab_path}: not found (the Llama-2 vocabulary; pass --shared DIR)")
    r = gguf.GGUFReader(vocab_path)

    def field(name):
        f = r.fields[name]
        return [f.parts[i] for i in f.data]

    tokens = [bytes(p).decode("utf-8") for p in field("tokenizer.ggml.tokens")]
    scores = [float(p[0]) for p in field("tokenizer.ggml.scores")]
    types = [int(p[0]) for p in field("tokenizer.ggml.token_type")]
    V = len(tokens)
    assert V == 32000, V

    d, L, H, KV, F = a.hidden, a.layers, a.heads, a.kv_heads, a.ffn
    hd = d // H
    rng = np.random.default_rng(a.seed)

    def lin(out, inp):
        return (rng.standard_normal((out, inp), dtype=np.float32) * np.float32(a.scale / np.sqrt(inp))).astype(np.float32)

    hf = {"model.embed_tokens.weight": rng.standard_normal((V, d), dtype=np.float32)}
    for l in range(L):
        p = f"model.layers.{l}."
        hf[p + "self_attn.q_proj.weight"] = lin(H * hd, d)
        hf[p + "self_attn.k_proj.weight"] = lin(KV * hd, d)
        hf[p + "self_attn.v_proj.weight"] = lin(KV * hd, d)
        hf[p + "self_attn.o_proj.weight"] = lin(d, H * hd)
        hf[p + "mlp.gate_proj.weight"] = lin(F, d)
        hf[p + "mlp.up_proj.weight"] = lin(F, d)
        hf[p + "mlp.down_proj.weight"] = lin(d, F)
        hf[p + "input_layernorm.weight"] = np.ones(d, np.float32)
        hf[p + "post_attention_layernorm.weight"] = np.ones(d, np.float32)
    hf["model.norm.weight"] = np.ones(d, np.float32)
    hf["lm_head.weight"] = lin(V, d)
    params = sum(t.size for t in hf.values())

    hf_dir = os.path.join(a.out, "hf")
    os.makedirs(hf_dir, exist_ok=True)
    config = {
        "architectures": ["LlamaForCausalLM"], "model_type": "llama",
        "hidden_size": d, "intermediate_size": F, "num_hidden_layers": L, "num_attention_heads": H,
        "num_key_value_heads": KV, "head_dim": hd, "vocab_size": V, "max_position_embeddings": a.ctx,
        "rms_norm_eps": 1e-5, "rope_theta": 10000.0, "tie_word_embeddings": False, "hidden_act": "silu",
        "attention_bias": False, "mlp_bias": False, "bos_token_id": 1, "eos_token_id": 2, "torch_dtype": "float32",
    }
    with open(os.path.join(hf_dir, "config.json"), "w") as f:
        json.dump(config, f, indent=2)
    save_file(hf, os.path.join(hf_dir, "model.safetensors"), metadata={"format": "pt"})
    # the same pieces as a Unigram tokenizer (SentencePiece scores, byte fallback, the Llama-2 normalizer)
    tok = {
        "version": "1.0", "truncation": None, "padding": None,
        "added_tokens": [{"id": i, "content": tokens[i], "single_word": False, "lstrip": False, "rstrip": False,
                          "normalized": False, "special": True} for i in (0, 1, 2)],
        "normalizer": {"type": "Sequence", "normalizers": [{"type": "Prepend", "prepend": "\u2581"},
                                                            {"type": "Replace", "pattern": {"String": " "}, "content": "\u2581"}]},
        "pre_tokenizer": None, "post_processor": None,
        "decoder": {"type": "Sequence", "decoders": [
            {"type": "Replace", "pattern": {"String": "\u2581"}, "content": " "}, {"type": "ByteFallback"},
            {"type": "Fuse"}, {"type": "Strip", "content": " ", "start": 1, "stop": 0}]},
        "model": {"type": "Unigram", "unk_id": 0, "byte_fallback": True,
                  "vocab": [[t, s] for t, s in zip(tokens, scores)]},
    }
    with open(os.path.join(hf_dir, "tokenizer.json"), "w") as f:
        json.dump(tok, f, ensure_ascii=False)
    with open(os.path.join(hf_dir, "tokenizer_config.json"), "w") as f:
        json.dump({"bos_token": "<s>", "eos_token": "</s>", "unk_token": "<unk>", "add_bos_token": True,
                   "tokenizer_class": "LlamaTokenizerFast"}, f, indent=2)

    path = os.path.join(a.out, "model-f32.gguf")
    w = gguf.GGUFWriter(path, "llama")
    w.add_name("mutual-bench-56m")
    w.add_context_length(a.ctx)
    w.add_embedding_length(d)
    w.add_block_count(L)
    w.add_feed_forward_length(F)
    w.add_rope_dimension_count(hd)
    w.add_head_count(H)
    w.add_head_count_kv(KV)
    w.add_layer_norm_rms_eps(1e-5)
    w.add_rope_freq_base(10000.0)
    w.add_vocab_size(V)
    w.add_file_type(gguf.LlamaFileType.ALL_F32)
    w.add_tokenizer_model("llama")
    w.add_token_list(tokens)
    w.add_token_scores(scores)
    w.add_token_types(types)
    w.add_bos_token_id(1)
    w.add_eos_token_id(2)
    w.add_unk_token_id(0)
    w.add_add_bos_token(True)
    w.add_add_eos_token(False)
    w.add_tensor("token_embd.weight", hf["model.embed_tokens.weight"])
    for l in range(L):
        p, b = f"model.layers.{l}.", f"blk.{l}."
        w.add_tensor(b + "attn_norm.weight", hf[p + "input_layernorm.weight"])
        w.add_tensor(b + "attn_q.weight", permute(hf[p + "self_attn.q_proj.weight"], H))
        w.add_tensor(b + "attn_k.weight", permute(hf[p + "self_attn.k_proj.weight"], KV))
        w.add_tensor(b + "attn_v.weight", hf[p + "self_attn.v_proj.weight"])
        w.add_tensor(b + "attn_output.weight", hf[p + "self_attn.o_proj.weight"])
        w.add_tensor(b + "ffn_norm.weight", hf[p + "post_attention_layernorm.weight"])
        w.add_tensor(b + "ffn_gate.weight", hf[p + "mlp.gate_proj.weight"])
        w.add_tensor(b + "ffn_up.weight", hf[p + "mlp.up_proj.weight"])
        w.add_tensor(b + "ffn_down.weight", hf[p + "mlp.down_proj.weight"])
    w.add_tensor("output_norm.weight", hf["model.norm.weight"])
    w.add_tensor("output.weight", hf["lm_head.weight"])
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()
    print(json.dumps({"hf": hf_dir, "gguf": path, "parameters": int(params), "seed": a.seed, "scale": a.scale}))


if __name__ == "__main__":
    main()

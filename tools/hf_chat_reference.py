#!/usr/bin/env python3
"""Expected chat-template renderings and token ids from Hugging Face transformers, for the Java tests.

Loads each fixture tokenizer (data/src/test/resources/tokenizers/<name>/, tokenizer.json gunzipped to a temp
folder) with AutoTokenizer, renders the conversations below with apply_chat_template, and tokenizes texts.
Also encodes with the plain `tokenizers` library (Tokenizer.from_file), which runs tokenizer.json as written, as
DJL does. transformers 5 rebuilds the Llama/Mistral pipeline from the vocabulary instead (Metaspace, prepend
"always") and so differs on leading whitespace ("  two": transformers [28705, 989], tokenizer.json [259, 989]).
Writes data/src/test/resources/tokenizers/hf_reference.json (records the library versions).

Usage (offline, local wheels): python3 -m venv /tmp/venv-tok && /tmp/venv-tok/bin/pip install transformers jinja2
       /tmp/venv-tok/bin/python tools/hf_chat_reference.py
"""
import gzip
import json
import os
import shutil
import tempfile

import jinja2
import tokenizers
import transformers
from transformers import AutoTokenizer

ROOT = os.path.join(os.path.dirname(__file__), "..", "data", "src", "test", "resources", "tokenizers")

CONVERSATIONS = {
    "multi_turn_with_system": [
        {"role": "system", "content": "You are a concise assistant."},
        {"role": "user", "content": "What is the capital of France?"},
        {"role": "assistant", "content": "Paris."},
        {"role": "user", "content": "And of Italy? Answer in one word."},
        {"role": "assistant", "content": "Rome."},
    ],
    "prompt_with_system": [
        {"role": "system", "content": "You are a concise assistant."},
        {"role": "user", "content": "What is the capital of France?"},
        {"role": "assistant", "content": "Paris."},
        {"role": "user", "content": "Name a café in Paris 😀"},
    ],
    "no_system_untrimmed": [
        {"role": "user", "content": "  Write a haiku about rain.\n"},
        {"role": "assistant", "content": "Soft rain on the roof,\nquiet drums for sleepy streets,\ndawn washes the stones."},
    ],
}

TEXTS = [
    "Hello world",
    "Hello, my dog is cute",
    "naïve café 😀 日本語 — ∑ x²",
    "  two leading spaces and\ttabs\n\nnew lines",
    "<|im_start|>user\nHi<|im_end|>\n",
    "<s>[INST] Hi [/INST] Hello</s>",
    "<|begin_of_text|><|start_header_id|>user<|end_header_id|>\n\nHi<|eot_id|>",
]


def main():
    out = {"tool": "tools/hf_chat_reference.py", "transformers": transformers.__version__,
           "tokenizers_library": tokenizers.__version__, "jinja2": jinja2.__version__, "tokenizers": {}}
    for name in ["qwen3", "llama3", "mistral"]:
        tmp = tempfile.mkdtemp()
        try:
            with gzip.open(os.path.join(ROOT, name, "tokenizer.json.gz"), "rb") as src, \
                    open(os.path.join(tmp, "tokenizer.json"), "wb") as dst:
                shutil.copyfileobj(src, dst)
            shutil.copy(os.path.join(ROOT, name, "tokenizer_config.json"), tmp)
            tok = AutoTokenizer.from_pretrained(tmp)
            raw = tokenizers.Tokenizer.from_file(os.path.join(tmp, "tokenizer.json"))
            entry = {"texts": [], "chats": []}
            for text in TEXTS:
                entry["texts"].append({
                    "text": text,
                    "ids": tok.encode(text, add_special_tokens=True),
                    "ids_no_special": tok.encode(text, add_special_tokens=False),
                    "tokenizer_json_ids": raw.encode(text, add_special_tokens=True).ids,
                    "tokenizer_json_ids_no_special": raw.encode(text, add_special_tokens=False).ids,
                })
            if tok.chat_template:
                for conv_name, messages in CONVERSATIONS.items():
                    for gen in (False, True):
                        rendered = tok.apply_chat_template(messages, tokenize=False, add_generation_prompt=gen)
                        ids = tok.encode(rendered, add_special_tokens=False)
                        raw_ids = raw.encode(rendered, add_special_tokens=False).ids
                        entry["chats"].append({"conversation": conv_name, "add_generation_prompt": gen,
                                               "text": rendered, "ids": ids, "tokenizer_json_ids": raw_ids})
            if name == "qwen3":  # Qwen3's non-thinking mode: an extra template variable
                messages = CONVERSATIONS["prompt_with_system"]
                entry["enable_thinking_false"] = tok.apply_chat_template(
                    messages, tokenize=False, add_generation_prompt=True, enable_thinking=False)
            out["tokenizers"][name] = entry
        finally:
            shutil.rmtree(tmp)
    out["conversations"] = CONVERSATIONS
    with open(os.path.join(ROOT, "hf_reference.json"), "w", encoding="utf-8") as f:
        json.dump(out, f, ensure_ascii=False, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()

"""Checks that model directories Mutual wrote load unchanged in the Python tools: AutoTokenizer gives the same ids as
`bin/mutual tokenize` on the same directory (which uses what `generate` and `score` use: the llama2.c .bin when the
model was trained on one, else tokenizer.json), its special tokens are what Mutual uses, and AutoModelForCausalLM
gives the same per-token log-probs as `bin/mutual score`. Reference check only; Python is never a product dependency.
Run it through tools/check_autotokenizer.sh, which trains the two models first.

    /tmp/venv-hf/bin/python tools/check_autotokenizer.py --mutual bin/mutual MODEL_DIR [MODEL_DIR ...]

Exits 1 when any id, special token or log-prob (beyond --tolerance) differs.
"""
import argparse
import glob
import json
import os
import subprocess
import sys
import tempfile

import torch
from transformers import AutoModelForCausalLM, AutoTokenizer

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
EDGE_CASES = ["Hello world", "  two leading spaces", "trailing  ", "naïve café — “quotes” 日本語 🙂",
              "Once upon a time, there was a little girl named Lily.", "x" * 200, "12345 + 678 = 13023", "a\tb"]
MULTILINE = ["First line.\nSecond line.\n\n  Indented third.\n",
             "### Instruction:\nWhat is the capital of France?\n\n### Response:\nParis.",
             "def f(x):\n    return x * 2\n"]


def sample_texts(limit):
    """Every string in samples/*.jsonl, split into lines (--lines gives one text per line), up to limit."""
    texts = list(EDGE_CASES)
    for path in sorted(glob.glob(os.path.join(ROOT, "samples", "*.jsonl"))):
        with open(path, encoding="utf-8") as f:
            for line in f:
                stack = [json.loads(line)]
                while stack:
                    node = stack.pop()
                    if isinstance(node, str):
                        texts.extend(t for t in node.splitlines() if t.strip())
                    elif isinstance(node, dict):
                        stack.extend(node.values())
                    elif isinstance(node, list):
                        stack.extend(node)
    return texts[:limit]


def mutual(args, *command):
    r = subprocess.run([args.mutual, *command], capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit(f"{' '.join(command)} failed ({r.returncode}):\n{r.stderr[-2000:]}")
    return r.stdout


def mutual_ids(args, model_dir, texts, tmp):
    """bin/mutual tokenize --json: one call for all single-line texts, one per multi-line text."""
    lines_file = os.path.join(tmp, "lines.txt")
    with open(lines_file, "w", encoding="utf-8") as f:
        f.write("\n".join(texts) + "\n")
    out = mutual(args, "tokenize", "--tokenizer", model_dir, "--json", "--lines", "--input", lines_file)
    ids = [json.loads(line)["ids"] for line in out.splitlines()]
    for i, text in enumerate(MULTILINE):
        file = os.path.join(tmp, f"text{i}.txt")
        with open(file, "w", encoding="utf-8") as f:
            f.write(text)
        ids.append(json.loads(mutual(args, "tokenize", "--tokenizer", model_dir, "--json", "--input", file))["ids"])
    return ids


def check_tokenizer(args, model_dir, tmp):
    tok = AutoTokenizer.from_pretrained(model_dir)
    print(f"{model_dir}\n  AutoTokenizer: {type(tok).__name__}, vocab {len(tok)}, bos {tok.bos_token!r} "
          f"eos {tok.eos_token!r} unk {tok.unk_token!r} pad {tok.pad_token!r}, chat_template "
          f"{'yes' if tok.chat_template else 'none'}")
    problems = []
    config = json.load(open(os.path.join(model_dir, "tokenizer_config.json")))
    for key in ("bos_token", "eos_token", "unk_token"):
        want = config.get(key)
        want = want.get("content") if isinstance(want, dict) else want
        if want is not None and getattr(tok, key) != want:
            problems.append(f"{key}: AutoTokenizer {getattr(tok, key)!r}, tokenizer_config.json {want!r}")
    gen = json.load(open(os.path.join(model_dir, "generation_config.json")))
    if tok.eos_token is not None and gen.get("eos_token_id") not in (tok.eos_token_id, [tok.eos_token_id]):
        problems.append(f"generation_config eos_token_id {gen.get('eos_token_id')} != tokenizer's {tok.eos_token_id}")

    texts = sample_texts(args.limit)
    expected = mutual_ids(args, model_dir, texts, tmp)
    same = 0
    for text, want in zip(texts + MULTILINE, expected):
        got = tok(text)["input_ids"]
        if got == want:
            same += 1
        elif len(problems) < 10:
            problems.append(f"ids differ for {text[:50]!r}: AutoTokenizer {got[:12]}..., mutual tokenize {want[:12]}...")
    total = len(texts) + len(MULTILINE)
    tokens = sum(len(x) for x in expected)
    print(f"  ids: AutoTokenizer == bin/mutual tokenize on {same}/{total} texts ({tokens} tokens; "
          f"add_special_tokens=True, first id {expected[0][0]} = {tok.convert_ids_to_tokens(expected[0][0])!r})")
    return tok, problems


def check_chat(args, model_dir, tok, tmp):
    """apply_chat_template(tokenize=True) against bin/mutual tokenize --chat with the format the model was trained on."""
    info = os.path.join(os.path.dirname(model_dir), "trained.json")
    template = json.load(open(info))["chat_template"] if os.path.exists(info) else "model"
    if not tok.chat_template:
        return [f"no chat_template in {model_dir}/tokenizer_config.json (trained with {template})"]
    chats = [[{"role": "user", "content": "What is the capital of France?"}, {"role": "assistant", "content": "Paris."}],
             [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "  Hi there "},
              {"role": "assistant", "content": "Hello!"}, {"role": "user", "content": "Name a colour."},
              {"role": "assistant", "content": "Blue, and\nred."}],
             [{"role": "user", "content": "Tell me a story."}]]
    file = os.path.join(tmp, "chats.jsonl")
    with open(file, "w", encoding="utf-8") as f:
        for c in chats:
            f.write(json.dumps({"messages": c}) + "\n")
    out = mutual(args, "tokenize", "--tokenizer", model_dir, "--chat", "--chat-template", template, "--json", "--input", file)
    problems, same = [], 0
    for c, line in zip(chats, out.splitlines()):
        prompt_only = c[-1]["role"] != "assistant"
        hf = tok.apply_chat_template(c, tokenize=True, add_generation_prompt=prompt_only)
        hf = list(hf["input_ids"]) if not isinstance(hf, list) else hf
        if hf == json.loads(line)["ids"]:
            same += 1
        else:
            problems.append(f"chat ids differ: apply_chat_template {hf[:12]}..., mutual tokenize {json.loads(line)['ids'][:12]}...")
    print(f"  chat: apply_chat_template == bin/mutual tokenize --chat --chat-template {template} on {same}/{len(chats)} conversations")
    return problems


def check_logprobs(args, model_dir, tok, tmp):
    pairs = [("Once upon a time", ", there was a little girl named Lily."),
             ("### Instruction:\nName a colour.\n\n### Response:\n", "Blue."),
             ("The capital of France is", " Paris, a city on the Seine.")]
    pairs_file, scores_file = os.path.join(tmp, "pairs.jsonl"), os.path.join(tmp, "scores.jsonl")
    with open(pairs_file, "w", encoding="utf-8") as f:
        for p, t in pairs:
            f.write(json.dumps({"prompt": p, "target": t}) + "\n")
    mutual(args, "score", "--model", model_dir, "--input", pairs_file, "--output", scores_file)
    scores = [json.loads(line) for line in open(scores_file, encoding="utf-8")]
    model = AutoModelForCausalLM.from_pretrained(model_dir, dtype=torch.float32).eval()
    worst, count = 0.0, 0
    for (p, t), s in zip(pairs, scores):
        # Mutual's split (lm-evaluation-harness's): target ids = encode(prompt + target) after encode(prompt).
        prompt_ids, full = tok(p)["input_ids"], tok(p + t)["input_ids"]
        with torch.no_grad():
            logp = torch.log_softmax(model(torch.tensor([full])).logits[0].double(), dim=-1)
        hf = [logp[i - 1, full[i]].item() for i in range(len(prompt_ids), len(full))]
        ours = s["token_logprobs"]
        if len(hf) != len(ours):
            return [f"score: {len(ours)} target tokens from bin/mutual score, {len(hf)} from AutoTokenizer for {t!r}"]
        worst = max([worst] + [abs(a - b) for a, b in zip(hf, ours)])
        count += len(hf)
    print(f"  AutoModelForCausalLM ({type(model).__name__}) vs bin/mutual score: {count} target tokens, "
          f"max |logprob diff| {worst:.2e}")
    return [] if worst <= args.tolerance else [f"log-probs differ by {worst:.2e} > {args.tolerance}"]


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("models", nargs="+", help="model directories written by Mutual")
    p.add_argument("--mutual", default=os.path.join(ROOT, "bin", "mutual"))
    p.add_argument("--limit", type=int, default=2000, help="texts from samples/ per model (default 2000)")
    p.add_argument("--tolerance", type=float, default=1e-4)
    args = p.parse_args()
    import tokenizers
    import transformers
    print(f"transformers {transformers.__version__}, tokenizers {tokenizers.__version__}, torch {torch.__version__}")
    failed = False
    for model_dir in args.models:
        with tempfile.TemporaryDirectory(prefix="check-autotokenizer-") as tmp:
            tok, problems = check_tokenizer(args, model_dir, tmp)
            problems += check_chat(args, model_dir, tok, tmp)
            problems += check_logprobs(args, model_dir, tok, tmp)
        for problem in problems:
            print("  PROBLEM:", problem)
        failed |= bool(problems)
    print("FAILED" if failed else "OK: every model directory loads with AutoTokenizer and AutoModelForCausalLM unchanged")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()

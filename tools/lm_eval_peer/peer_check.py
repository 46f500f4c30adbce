"""Runs lm-evaluation-harness's local-completions model against `bin/mutual serve` on the task in this folder and
compares its accuracy (and every choice's log-likelihood) with `bin/mutual eval likelihood` on the same items.

Called by tools/lm_eval_peer_check.sh, which starts the server and runs the Mutual side first.
Usage: python peer_check.py BASE_URL TASK_DIR MUTUAL_EVAL_DIR OUT_DIR
"""
import json
import math
import sys
from pathlib import Path

import requests
from lm_eval import evaluator
from lm_eval.api.registry import register_model
from lm_eval.models.openai_completions import LocalCompletionsAPI
from lm_eval.tasks import TaskManager


@register_model("mutual-completions")
class MutualCompletions(LocalCompletionsAPI):
    """lm-eval's local-completions with its remote tokenizer (the server's /tokenize), plus BOS before every
    encoding: the remote backend never adds special tokens (lm-eval honours add_bos_token only with its huggingface
    backend), while Mutual's likelihood conditions on BOS, as HF causal LMs with add_bos_token=True do. Nothing
    else is changed: requests, the split into context and continuation, and the metrics are lm-eval's own."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        server = self.base_url.replace("/v1/completions", "")
        r = requests.post(server + "/tokenize", json={"prompt": "", "add_special_tokens": True}, timeout=30)
        r.raise_for_status()
        self._bos = r.json()["tokens"]

    def tok_encode(self, string, left_truncate_len=None, add_special_tokens=False, truncation=False, **kwargs):
        enc = super().tok_encode(string, left_truncate_len=left_truncate_len, add_special_tokens=add_special_tokens,
                                 truncation=truncation, **kwargs)
        if isinstance(string, str):
            return self._bos + enc
        return [self._bos + e for e in enc]


def main():
    base_url, task_dir, mutual_dir, out_dir = sys.argv[1:5]
    task_dir, out = Path(task_dir), Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    items = task_dir / "mc_items.jsonl"
    yaml = (task_dir / "mutual_peer_mc.yaml").read_text().replace("MC_ITEMS_JSONL", str(items.resolve()))
    include = out / "tasks"
    include.mkdir(exist_ok=True)
    (include / "mutual_peer_mc.yaml").write_text(yaml)
    results = evaluator.simple_evaluate(
        model="mutual-completions",
        model_args=f"base_url={base_url},tokenizer_backend=remote,model=peer,num_concurrent=4,max_retries=2,tokenized_requests=True",
        tasks=["mutual_peer_mc"], task_manager=TaskManager(include_path=str(include)), log_samples=True, batch_size=1)
    r = results["results"]["mutual_peer_mc"]
    lm_acc, lm_norm = r["acc,none"], r["acc_norm,none"]
    samples = results["samples"]["mutual_peer_mc"]
    lm_ll = {}
    for s in samples:
        lm_ll[s["doc"]["id"]] = [resp[0][0] for resp in s["resps"]]
    mutual = json.loads((Path(mutual_dir) / "results.json").read_text())
    m = mutual["metrics"]
    mutual_ll = {}
    for line in (Path(mutual_dir) / "samples.jsonl").read_text().splitlines():
        s = json.loads(line)
        mutual_ll[s["id"]] = s
    worst = 0.0
    compared = 0
    for doc_id, lls in lm_ll.items():
        s = mutual_ll.get(doc_id)
        theirs = find_logliks(s)
        if theirs is None:
            continue
        for a, b in zip(lls, theirs):
            worst = max(worst, abs(a - b))
            compared += 1
    summary = {"items": len(samples), "lm_eval_acc": lm_acc, "lm_eval_acc_norm": lm_norm,
               "mutual_acc": m["acc"], "mutual_acc_norm": m["acc_norm"],
               "choices_compared": compared, "max_abs_loglik_diff": worst}
    (out / "peer_check.json").write_text(json.dumps(summary, indent=2) + "\n")
    print(json.dumps(summary))
    ok = (math.isclose(lm_acc, m["acc"], abs_tol=1e-12) and math.isclose(lm_norm, m["acc_norm"], abs_tol=1e-12)
          and compared == sum(len(v) for v in lm_ll.values()) and worst <= 1e-4)
    print("PEER CHECK " + ("PASSED" if ok else "FAILED"))
    sys.exit(0 if ok else 1)


def find_logliks(sample):
    """The per-choice log-likelihoods in a Mutual samples.jsonl line (under details), or None."""
    if sample is None:
        return None
    stack = [sample]
    while stack:
        x = stack.pop()
        if isinstance(x, dict):
            for k, v in x.items():
                if k in ("logprobs", "loglikelihoods", "log_likelihoods", "scores") and isinstance(v, list) and v and isinstance(v[0], (int, float)):
                    return v
                stack.append(v)
    return None


if __name__ == "__main__":
    main()

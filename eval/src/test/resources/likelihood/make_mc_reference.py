# Reference for MultipleChoiceVerdictTest: acc / acc_norm computed with numpy exactly as lm-evaluation-harness's
# ConfigurableTask.process_results (multiple_choice) does: argmax(lls) and argmax(lls / len(choice)), where len is
# Python's character count. Run: python3 make_mc_reference.py > mc_reference.jsonl
import json
import numpy as np

rng = np.random.default_rng(2024)
words = ["a", "yes", "no", "maybe", "café", "naïve résumé", "😀", "42", "the quick brown fox", "über", "x y"]
for i in range(200):
    k = int(rng.integers(2, 6))
    choices = [str(w) for w in rng.choice(words, size=k, replace=False)]
    lls = [round(float(v), 3) for v in -rng.exponential(3.0, size=k)]
    if i % 10 == 0:
        lls[1] = lls[0]  # ties: np.argmax keeps the first
    gold = int(rng.integers(0, k))
    completion_len = np.array([float(len(c)) for c in choices])
    pred = int(np.argmax(lls))
    pred_norm = int(np.argmax(np.array(lls) / completion_len))
    print(json.dumps({"id": str(i), "query": "q", "choices": choices, "gold": gold, "lls": lls,
                      "acc": 1.0 if pred == gold else 0.0, "acc_norm": 1.0 if pred_norm == gold else 0.0,
                      "pred": pred, "pred_norm": pred_norm}, ensure_ascii=False))

#!/usr/bin/env python3
"""Copies the latest results of experiments/*.yaml from a runs root into experiments/results/, for committing.

    python3 tools/collect_experiments.py [RUNS_ROOT]        # default: runs

For each table recipe (t1_strategies ... t4_ablations) the newest run whose table stage finished: table.md,
table.csv, diagnostics.csv and the charts. For base_models: base_models.csv and .md, one line per base model (its
parameters, the corpus tokens read, tokens seen, validation loss, seconds), from the run's metrics.jsonl and each
model's config.json. Reads only what the pipeline wrote; computes nothing but the parameter count and sums.
"""
import csv
import io
import json
import pathlib
import shutil
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
OUT = ROOT / "experiments" / "results"
TABLES = ["t1_strategies", "t2_architectures", "t3_sizes", "t4_ablations"]


def newest(runs, name, stage):
    """The newest run of recipe `name` with a finished `stage` folder (one with _SUCCESS.json)."""
    candidates = sorted((runs / name).glob("*/" + stage + "/_SUCCESS.json"))
    return candidates[-1].parent if candidates else None


def parameters(config):
    d, layers, f, v = config["hidden_size"], config["num_hidden_layers"], config["intermediate_size"], config["vocab_size"]
    head = config.get("head_dim") or d // config["num_attention_heads"]
    q, kv = config["num_attention_heads"] * head, config["num_key_value_heads"] * head
    bias = q + 2 * kv if config.get("model_type") == "qwen2" else 0
    per_layer = 2 * d + q * d + 2 * kv * d + d * q + 3 * f * d + bias
    return v * d * (1 if config.get("tie_word_embeddings") else 2) + layers * per_layer + d


def tokens_seen(folder):
    """Loss-bearing tokens over every step, from the stage's per-step metrics.jsonl."""
    return sum(json.loads(l)["tokens"] for l in (folder / "metrics.jsonl").read_text().splitlines() if l.strip())


def base_models(runs):
    run = None
    for r in sorted((runs / "base_models").glob("*/metrics.jsonl")):
        run = r.parent
    if run is None:
        print("no base_models run in", runs)
        return
    lines = {}
    for line in (run / "metrics.jsonl").read_text().splitlines():
        j = json.loads(line)
        if j["status"] in ("ran", "reused", "cached"):
            lines[j["stage"]] = j
    rows = []
    for stage, j in lines.items():
        m, folder = j["metrics"], run / stage
        config = json.loads((folder / "model" / "config.json").read_text())
        rows.append({
            "model": stage, "architecture": config["model_type"], "parameters": parameters(config),
            "hidden": config["hidden_size"], "layers": config["num_hidden_layers"],
            "corpus_tokens_read": m["text_tokens"], "documents": m["documents"],
            "tokens_seen": tokens_seen(folder), "steps": m["steps"],
            "first_loss": round(m["first_loss"], 4), "final_train_loss": round(m["final_loss"], 4),
            "validation_loss": round(m["final_eval_loss"], 4), "tokens_per_s": round(m["tokens_per_s"]),
            "seconds": round(j["elapsed_s"]),
        })
    OUT.mkdir(parents=True, exist_ok=True)
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=list(rows[0].keys()), lineterminator="\n")
    w.writeheader()
    w.writerows(rows)
    (OUT / "base_models.csv").write_text(buf.getvalue())
    md = ["| " + " | ".join(rows[0].keys()) + " |", "|" + "---|" * len(rows[0])]
    md += ["| " + " | ".join(str(v) for v in r.values()) + " |" for r in rows]
    (OUT / "base_models.md").write_text("Base models from `" + str(run.relative_to(runs.parent) if runs.parent in run.parents else run)
                                       + "`\n\n" + "\n".join(md) + "\n")
    print("base_models:", run)


def tables(runs):
    for name in TABLES:
        table = newest(runs, name, "table")
        if table is None:
            print(name + ": no finished table in", runs)
            continue
        dest = OUT / name
        if dest.exists():
            shutil.rmtree(dest)
        dest.mkdir(parents=True)
        # the charts of each benchmark's primary metric only (the CSV has every number); links to the others go
        primary = {r["benchmark"] + "_" + r["metric"] for r in csv.DictReader(io.StringIO((table / "table.csv").read_text()))
                   if r["primary"] == "true"}
        charts = {f.name for f in table.glob("*.png") if f.stem in {p.replace("/", "_") for p in primary}}
        for f in sorted(table.iterdir()):
            if f.suffix == ".csv" or f.name in charts:
                shutil.copy(f, dest / f.name)
        md = [l for l in (table / "table.md").read_text().splitlines()
              if not (l.startswith("![") and l.endswith(".png)") and l[l.rindex("(") + 1:-1] not in charts)]
        (dest / "table.md").write_text("\n".join(md) + "\n")
        print(name + ":", table)


if __name__ == "__main__":
    runs = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else "runs").resolve()
    base_models(runs)
    tables(runs)

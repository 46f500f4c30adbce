"""huggingface_hub as the peer of Mutual's Hugging Face cache (issue 11): run against the same HF_ENDPOINT (a loopback
Hub in the tests) and the same HF_HOME, it must reuse what Mutual downloaded and leave what Mutual reuses. Reference
check only; Python is never a product dependency (needs huggingface_hub; transformers for `load`).

    # files of a model repository, as snapshot_download fetches them (only the patterns given)
    HF_ENDPOINT=http://127.0.0.1:PORT HF_HOME=/tmp/x python3 tools/hub_cache_peer.py snapshot org/tiny config.json model.safetensors
    # one file of a dataset repository
    HF_ENDPOINT=... HF_HOME=... python3 tools/hub_cache_peer.py file org/data train.jsonl --repo-type dataset
    # transformers loads a model from the cache alone (HF_HUB_OFFLINE=1)
    HF_HOME=... python3 tools/hub_cache_peer.py load org/tiny

Prints one JSON line: the local path and, per file, its path and SHA-256. `HubCacheInteropTest` runs it both ways
(skipped where no Python with huggingface_hub is found).
"""
import argparse
import hashlib
import json
import os
import pathlib
import sys

import huggingface_hub
from huggingface_hub import hf_hub_download, snapshot_download


def sha256(path):
    return hashlib.sha256(pathlib.Path(path).read_bytes()).hexdigest()


p = argparse.ArgumentParser()
p.add_argument("mode", choices=["snapshot", "file", "load"])
p.add_argument("repo")
p.add_argument("files", nargs="*", help="snapshot: allow_patterns; file: the one filename")
p.add_argument("--repo-type", default="model")
p.add_argument("--revision", default=None)
args = p.parse_args()

out = {"huggingface_hub": huggingface_hub.__version__, "offline": os.environ.get("HF_HUB_OFFLINE", "")}
if args.mode == "snapshot":
    path = snapshot_download(args.repo, repo_type=args.repo_type, revision=args.revision, allow_patterns=args.files or None)
    out["path"] = path
    out["files"] = {str(f.relative_to(path)): sha256(f) for f in sorted(pathlib.Path(path).rglob("*")) if f.is_file()}
elif args.mode == "file":
    path = hf_hub_download(args.repo, args.files[0], repo_type=args.repo_type, revision=args.revision)
    out["path"] = path
    out["files"] = {args.files[0]: sha256(path)}
else:
    from transformers import AutoModelForCausalLM
    model = AutoModelForCausalLM.from_pretrained(args.repo, revision=args.revision)
    out["path"] = str(model.name_or_path)
    out["parameters"] = sum(t.numel() for t in model.parameters())
print(json.dumps(out))
sys.stdout.flush()

"""Writes the safetensors test fixtures of trainer/src/test/resources/safetensors with the reference
`safetensors` + `torch` writers, so the Java reader is checked against files no one here wrote.

    python3 tools/make_safetensors_fixtures.py trainer/src/test/resources/safetensors

Expected fp32 values (what torch gets when it widens each tensor) go to expected.json beside the files.
"""
import json
import sys
from pathlib import Path

import torch
from safetensors.torch import save_file

out = Path(sys.argv[1])
out.mkdir(parents=True, exist_ok=True)
tensors = {
    "f32": torch.tensor([[1.5, -2.25, 3.0e-8], [float("inf"), -0.0, 123456.789]], dtype=torch.float32),
    # fp16: normal, subnormal (2^-24 and 3*2^-20), max finite, -inf, and a value that must round
    "f16": torch.tensor([0.333251953125, 5.960464477539063e-08, 2.86102294921875e-06, 65504.0, float("-inf"), -1.0009765625],
                        dtype=torch.float16),
    "bf16": torch.tensor([[3.140625, -0.0078125], [1.0e30, 2.5e-39]], dtype=torch.bfloat16),
    "empty": torch.zeros((0, 4), dtype=torch.float32),
}
save_file(tensors, str(out / "mixed.safetensors"), metadata={"format": "pt", "source": "make_safetensors_fixtures.py"})
expected = {k: v.float().flatten().tolist() for k, v in tensors.items()}
expected_shapes = {k: list(v.shape) for k, v in tensors.items()}
(out / "expected.json").write_text(json.dumps({"values": expected, "shapes": expected_shapes,
                                               "torch": torch.__version__}, indent=1))

# A sharded directory as save_pretrained writes it: two shards and the index.
shard_dir = out / "sharded"
shard_dir.mkdir(exist_ok=True)
a = {"model.embed_tokens.weight": torch.arange(6, dtype=torch.float32).reshape(3, 2)}
b = {"model.norm.weight": torch.tensor([0.5, -0.5], dtype=torch.bfloat16)}
save_file(a, str(shard_dir / "model-00001-of-00002.safetensors"), metadata={"format": "pt"})
save_file(b, str(shard_dir / "model-00002-of-00002.safetensors"), metadata={"format": "pt"})
index = {"metadata": {"total_size": 28},
         "weight_map": {"model.embed_tokens.weight": "model-00001-of-00002.safetensors",
                        "model.norm.weight": "model-00002-of-00002.safetensors"}}
(shard_dir / "model.safetensors.index.json").write_text(json.dumps(index, indent=2))

#!/usr/bin/env python3
"""Reference trajectory of torch.optim.AdamW for AdamWTest: two parameters (a decayed matrix, an undecayed
vector), three steps with fixed gradients, global-norm clipping at 1.0 before each step (as
torch.nn.utils.clip_grad_norm_). Writes trainer/src/test/resources/adamw/expected.json.

    /tmp/venv-hf/bin/python tools/make_adamw_fixture.py
"""
import json
import pathlib

import torch

OUT = pathlib.Path(__file__).resolve().parent.parent / "trainer" / "src" / "test" / "resources" / "adamw"
LR, BETAS, EPS, WD, CLIP = 0.01, (0.9, 0.95), 1e-8, 0.1, 1.0

gen = torch.Generator().manual_seed(7)
matrix = torch.nn.Parameter(torch.randn(3, 4, generator=gen, dtype=torch.float64))
vector = torch.nn.Parameter(torch.randn(4, generator=gen, dtype=torch.float64))
init = {"matrix": matrix.detach().clone().tolist(), "vector": vector.detach().clone().tolist()}
opt = torch.optim.AdamW([{"params": [matrix], "weight_decay": WD}, {"params": [vector], "weight_decay": 0.0}],
                        lr=LR, betas=BETAS, eps=EPS)
steps = []
for step in range(3):
    gm = torch.randn(3, 4, generator=gen, dtype=torch.float64) * (step + 1)
    gv = torch.randn(4, generator=gen, dtype=torch.float64) * (step + 1)
    matrix.grad, vector.grad = gm.clone(), gv.clone()
    norm = torch.nn.utils.clip_grad_norm_([matrix, vector], CLIP).item()
    opt.step()
    steps.append({"grad_matrix": gm.tolist(), "grad_vector": gv.tolist(), "grad_norm": norm,
                  "matrix": matrix.detach().tolist(), "vector": vector.detach().tolist()})
OUT.mkdir(parents=True, exist_ok=True)
(OUT / "expected.json").write_text(json.dumps({
    "torch_version": torch.__version__, "lr": LR, "beta1": BETAS[0], "beta2": BETAS[1], "eps": EPS,
    "weight_decay": WD, "max_grad_norm": CLIP, "init": init, "steps": steps}, indent=1) + "\n")
print("wrote", OUT / "expected.json")

"""Independent reference for AlpacaEvalMetricsTest: win rate and the length-controlled GLM on the alpaca-7b
annotations, with pandas (win rate, as alpaca_eval's AbsoluteScoringRule) and scikit-learn (the GLM).

The GLM is the length term and the model term of alpaca_eval's length_controlled_v1 formula,
    preference ~ tanh(std_delta_len) + not_gamed_baseline - 1      (no intercept; not_gamed_baseline = 1)
fitted without penalty (C = inf), with soft labels through alpaca_eval's duplication trick (each row once with label 1 and
weight p, once with label 0 and weight 1 - p). Run: python alpaca_lc_reference.py ANNOTATIONS.json
"""
import json
import sys

import numpy as np
import pandas as pd
from sklearn.linear_model import LogisticRegression

df = pd.DataFrame(json.load(open(sys.argv[1])))
p = df["preference"].astype(float).replace({0.0: 1.5}) - 1
print("win_rate", p.mean() * 100, "standard_error", p.sem() * 100)
print("n_wins", (p > 0.5).sum(), "n_wins_base", (p < 0.5).sum(), "n_draws", (p == 0.5).sum(), "n_total", len(p))
print("avg_length", df["output_2"].str.len().mean())

delta = df["output_1"].str.len() - df["output_2"].str.len()
x = np.stack([np.tanh(delta / delta.std()), np.ones(len(df))], axis=1)
X = np.concatenate([x, x])
y = np.concatenate([np.ones(len(df)), np.zeros(len(df))])
w = np.concatenate([p, 1 - p])
model = LogisticRegression(C=np.inf, fit_intercept=False, tol=1e-12, max_iter=10000).fit(X, y, sample_weight=w)
coef_len, coef_model = model.coef_[0]
print("coef_length %.12f coef_model %.12f" % (coef_len, coef_model))
print("length_controlled_winrate %.10f" % (100 / (1 + np.exp(-coef_model))))

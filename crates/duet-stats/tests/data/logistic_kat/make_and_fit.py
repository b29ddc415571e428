"""Known-answer data and reference figures for duet's logistic tests.

Writes a.csv (P0, rows 0..29) and b.csv (P1, rows 30..59) from a fixed
linear congruential generator, then fits the pooled 60 rows with
statsmodels Logit (Newton, tol 1e-12) and prints llf, llnull, deviance =
-2 llf, null deviance = -2 llnull, aic, params and bse.

Run: python3 -m venv /tmp/refenv-l && /tmp/refenv-l/bin/pip install statsmodels
     /tmp/refenv-l/bin/python make_and_fit.py
(statsmodels 0.15.0, numpy from the same pip install.)
"""
import math

import numpy as np
import statsmodels.api as sm

state = 20261206


def rand():
    global state
    state = (state * 6364136223846793005 + 1442695040888963407) % 2**64
    return (state >> 11) / 2**53


rows = []
for i in range(60):
    age = 20 + int(rand() * 61)  # 20..80
    smoker = 1 if rand() < 0.4 else 0
    eta = -4.0 + 0.06 * age + 0.9 * smoker
    y = 1 if rand() < 1 / (1 + math.exp(-eta)) else 0
    rows.append((age, smoker, y))

names = ["no", "yes"]
for part, lo, hi in [("a.csv", 0, 30), ("b.csv", 30, 60)]:
    with open(part, "w") as f:
        f.write("id,age,smoker,outcome\n")
        for i in range(lo, hi):
            age, smoker, y = rows[i]
            f.write(f"{i},{age},{names[smoker]},{names[y]}\n")

age = np.array([r[0] for r in rows], dtype=float)
smoker = np.array([r[1] for r in rows], dtype=float)
y = np.array([r[2] for r in rows], dtype=float)
X = sm.add_constant(np.column_stack([age, smoker]))
fit = sm.Logit(y, X).fit(method="newton", tol=1e-12, maxiter=100, disp=0)
print("events", int(y.sum()), "n", len(y))
for side, lo, hi in [("a", 0, 30), ("b", 30, 60)]:
    print("events", side, int(y[lo:hi].sum()), "smokers", int(smoker[lo:hi].sum()))
print("llf", repr(fit.llf))
print("llnull", repr(fit.llnull))
print("deviance", repr(-2 * fit.llf))
print("null_deviance", repr(-2 * fit.llnull))
print("null_deviance closed form", repr(-2 * (21 * math.log(21 / 60) + 39 * math.log(39 / 60))))
print("aic", repr(fit.aic))
print("params", [repr(v) for v in fit.params])
print("bse", [repr(v) for v in fit.bse])

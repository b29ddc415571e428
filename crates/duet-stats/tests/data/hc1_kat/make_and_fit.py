"""Known answers for duet's HC1 robust standard errors (`robust = "hc1"`).

1. R's `cars` (dist ~ speed), the rows of ../cars_kat (a.csv, b.csv).
2. A heteroskedastic design with a category predictor: 80 rows from a
   fixed linear congruential generator; dose 0..100, site one of north
   (the reference level), south, east; the noise's spread grows with dose.
   Writes a.csv (P0, rows 0..29) and b.csv (P1, rows 30..79).
3. The same without rows 3, 17 and 35 (complete cases when those rows
   miss a value).

Each is fitted with statsmodels OLS, plain and cov_type="HC1" with
use_t=True (R's lmtest::coeftest(fit, vcov = sandwich::vcovHC(fit, type =
"HC1")) and coefci: t on the residual degrees of freedom), and the
figures are written to expected.json with full precision.

Run: python3 -m venv /tmp/hc1env && /tmp/hc1env/bin/pip install statsmodels
     /tmp/hc1env/bin/python make_and_fit.py
(statsmodels 0.15.0, numpy 2.4.6.)
"""
import csv
import json

import numpy as np
import statsmodels
import statsmodels.api as sm

state = 20261206


def rand():
    global state
    state = (state * 6364136223846793005 + 1442695040888963407) % 2**64
    return (state >> 11) / 2**53


def fit(x, y):
    X = sm.add_constant(np.array(x, dtype=float), has_constant="add")
    y = np.array(y, dtype=float)
    plain = sm.OLS(y, X).fit()
    hc1 = sm.OLS(y, X).fit(cov_type="HC1", use_t=True)
    ci = hc1.conf_int(0.05)
    return {
        "params": [float(v) for v in plain.params],
        "bse": [float(v) for v in plain.bse],
        "hc1_bse": [float(v) for v in hc1.bse],
        "hc1_t": [float(v) for v in hc1.tvalues],
        "hc1_p": [float(v) for v in hc1.pvalues],
        "hc1_ci": [[float(a), float(b)] for a, b in ci],
        "sigma": float(np.sqrt(plain.scale)),
        "df_resid": int(plain.df_resid),
        "nobs": int(plain.nobs),
    }


cars = []
for part in ["a.csv", "b.csv"]:
    with open(f"../cars_kat/{part}") as f:
        cars += [(int(r["speed"]), int(r["dist"])) for r in csv.DictReader(f)]

sites = ["north", "south", "east"]
MISSING = {3, 17, 35}
rows = []
for i in range(80):
    dose = int(rand() * 101)
    site = int(rand() * 3)
    noise = sum(rand() for _ in range(12)) - 6.0
    effect = [0.0, 15.0, -8.0][site]
    y = round(20 + 0.8 * dose + effect + noise * (2 + dose / 10))
    rows.append((dose, site, y))
for part, lo, hi in [("a.csv", 0, 30), ("b.csv", 30, 80)]:
    with open(part, "w") as f:
        f.write("dose,site,response\n")
        for dose, site, y in rows[lo:hi]:
            f.write(f"{dose},{sites[site]},{y}\n")

out = {
    "provenance": {
        "tool": f"statsmodels {statsmodels.__version__} OLS, fit() and "
        f"fit(cov_type='HC1', use_t=True); numpy {np.__version__}",
        "command": "/tmp/hc1env/bin/python make_and_fit.py (this folder)",
    },
    "cars": dict(terms=["intercept", "speed"],
                 **fit([[s] for s, _ in cars], [d for _, d in cars])),
    "dose_site": dict(
        terms=["intercept", "dose", "site=south", "site=east"],
        **fit([[d, int(s == 1), int(s == 2)] for d, s, _ in rows], [y for _, _, y in rows]),
    ),
    # tests/study/hc1.rs blanks dose on rows 3 and 17 (a.csv) and
    # response on row 35 (b.csv) under on_missing = "drop": the fit on the
    # other 77 rows.
    "dose_site_complete": dict(
        terms=["intercept", "dose", "site=south", "site=east"],
        **fit([[d, int(s == 1), int(s == 2)] for i, (d, s, _) in enumerate(rows) if i not in MISSING],
              [y for i, (_, _, y) in enumerate(rows) if i not in MISSING]),
    ),
}
with open("expected.json", "w") as f:
    json.dump(out, f, indent=2)
    f.write("\n")
print(json.dumps(out, indent=2))

"""Reference figures for duet's linear-regression known-answer test: R's
`cars` data set (Ezekiel 1930; R datasets package), dist ~ speed, fitted
with statsmodels OLS. R's `summary(lm(dist ~ speed, cars))` prints
intercept -17.5791 (se 6.7584), speed 3.9324 (se 0.4155), residual
standard error 15.38 on 48 degrees of freedom, R^2 0.6511: the figures
below agree and give them in full precision. Also writes a.csv (rows
1..25) and b.csv (rows 26..50) for the two parties, and prints the HC1
standard errors.

Run: /tmp/refenv-l/bin/python fit.py   (statsmodels 0.15.0)
"""
import numpy as np
import statsmodels.api as sm

speed = [4, 4, 7, 7, 8, 9, 10, 10, 10, 11, 11, 12, 12, 12, 12, 13, 13, 13, 13, 14,
         14, 14, 14, 15, 15, 15, 16, 16, 17, 17, 17, 18, 18, 18, 18, 19, 19, 19, 20,
         20, 20, 20, 20, 22, 23, 24, 24, 24, 24, 25]
dist = [2, 10, 4, 22, 16, 10, 18, 26, 34, 17, 28, 14, 20, 24, 28, 26, 34, 34, 46, 26,
        36, 60, 80, 20, 26, 54, 32, 40, 32, 40, 50, 42, 56, 76, 84, 36, 46, 68, 32,
        48, 52, 56, 64, 66, 54, 70, 92, 93, 120, 85]
for name, lo, hi in [("a.csv", 0, 25), ("b.csv", 25, 50)]:
    with open(name, "w") as f:
        f.write("speed,dist\n")
        for i in range(lo, hi):
            f.write(f"{speed[i]},{dist[i]}\n")
X = sm.add_constant(np.array(speed, dtype=float))
y = np.array(dist, dtype=float)
fit = sm.OLS(y, X).fit()
print("params", [repr(v) for v in fit.params])
print("bse", [repr(v) for v in fit.bse])
print("sigma = sqrt(scale)", repr(float(np.sqrt(fit.scale))), "df", fit.df_resid)
print("rsquared", repr(fit.rsquared))
hc1 = sm.OLS(y, X).fit(cov_type="HC1")
print("hc1 bse", [repr(v) for v in hc1.bse])

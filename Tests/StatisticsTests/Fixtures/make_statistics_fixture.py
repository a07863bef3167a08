"""Reference values for Tests/StatisticsTests from scipy.stats and statsmodels.

Run: python3 make_statistics_fixture.py > statistics.json  (numpy, scipy, statsmodels; made with
numpy 2.4.6, scipy 1.17.1, statsmodels 0.15.0). The bootstrap uses AugBench's SplitMix64 stream, written out below,
so both sides draw the same resamples; numpy then takes the percentiles.
"""
import json

import numpy as np
from scipy import optimize, stats
from statsmodels.stats.multitest import multipletests
from statsmodels.stats.power import TTestPower

MASK = (1 << 64) - 1


class SplitMix64:
    def __init__(self, seed):
        self.state = seed & MASK

    def next(self):
        self.state = (self.state + 0x9E3779B97F4A7C15) & MASK
        z = self.state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
        return z ^ (z >> 31)

    def index(self, n):
        return (self.next() * n) >> 64


def bootstrap(values, resamples, confidence, seed):
    g = SplitMix64(seed)
    n = len(values)
    means = [sum(values[g.index(n)] for _ in range(n)) / n for _ in range(resamples)]
    return [float(np.percentile(means, (1 - confidence) / 2 * 100)), float(np.percentile(means, (1 + confidence) / 2 * 100))]


rng = np.random.default_rng(20261126)
cases = {
    # Five seeds of two arms' test accuracies, a small improvement.
    "five_seeds": ([0.8360, 0.8333, 0.8280, 0.8412, 0.8301], [0.8290, 0.8301, 0.8255, 0.8350, 0.8310]),
    "three_seeds": ([0.7644, 0.7773, 0.7739], [0.8360, 0.8333, 0.8280]),
    # A zero difference (dropped), and in floating point two equal |differences|: all sign patterns enumerated.
    "zero_difference": ([0.80, 0.82, 0.81, 0.83, 0.80, 0.85, 0.79], [0.79, 0.81, 0.81, 0.81, 0.78, 0.84, 0.80]),
    # Counts of correct test images: ties among |differences| and a zero, all sign patterns enumerated.
    "ties_and_zero": ([8360, 8333, 8280, 8412, 8301, 8290, 8350, 8377], [8350, 8323, 8280, 8402, 8311, 8270, 8330, 8347]),
    "ten_seeds": tuple(map(list, (0.80 + 0.01 * rng.standard_normal(10), 0.795 + 0.01 * rng.standard_normal(10)))),
    # Twenty counts with ties: too many for enumeration, so the normal approximation with the tie correction.
    "twenty_counts_with_ties": tuple(map(list, (8300 + rng.integers(-30, 30, 20), 8305 + rng.integers(-30, 30, 20)))),
    "sixty_seeds": tuple(map(list, (0.70 + 0.02 * rng.standard_normal(60), 0.70 + 0.02 * rng.standard_normal(60)))),
}
out = {"cases": {}, "holm": {}, "power": [], "quantiles": []}
for name, (a, b) in cases.items():
    a, b = [float(x) for x in a], [float(x) for x in b]
    d = np.array(a) - np.array(b)
    t = stats.ttest_rel(a, b)
    w = stats.wilcoxon(a, b)
    n = len(a)
    interval = stats.t.interval(0.95, n - 1, loc=d.mean(), scale=stats.sem(d))
    u = stats.mannwhitneyu(a, b, alternative="greater").statistic
    dz = float(d.mean() / d.std(ddof=1))
    out["cases"][name] = {
        "a": a, "b": b,
        "mean_a": float(np.mean(a)), "std_a": float(np.std(a, ddof=1)),
        "t_interval_a": list(map(float, stats.t.interval(0.95, n - 1, loc=np.mean(a), scale=stats.sem(a)))),
        "iqm_a": float(stats.trim_mean(a, 0.25)),
        "percentile_a_2_5": float(np.percentile(a, 2.5)),
        "t_statistic": float(t.statistic), "t_p": float(t.pvalue),
        "wilcoxon_statistic": float(w.statistic), "wilcoxon_p": float(w.pvalue),
        "difference_t_interval": list(map(float, interval)),
        "cohens_dz": dz,
        "probability_of_improvement": float(u / (n * n)),
        "bootstrap_interval_seed7": bootstrap(list(map(float, d)), 2000, 0.95, 7),
        "ranks_abs_d": list(map(float, stats.rankdata(np.abs(d)))),
    }
holm_inputs = {"mixed": [0.01, 0.04, 0.03, 0.20, 0.005], "ties": [0.02, 0.02, 0.5, 0.001], "large": [0.6, 0.9, 0.3]}
for name, p in holm_inputs.items():
    out["holm"][name] = {"p": p, "adjusted": list(map(float, multipletests(p, method="holm")[1]))}
analysis = TTestPower()
for dz, n in [(0.5, 5), (1.0, 5), (0.8, 10), (0.3, 40), (2.0, 3), (-0.7, 12)]:
    out["power"].append({"dz": dz, "n": n, "power": float(analysis.power(effect_size=dz, nobs=n, alpha=0.05))})
for dz in [0.5, 1.0, 1.5, 0.2]:
    need = float(analysis.solve_power(effect_size=dz, nobs=None, alpha=0.05, power=0.8))
    out["power"].append({"dz": dz, "seeds_for_80": int(np.ceil(need))})
for n in [3, 5, 10]:
    out["power"].append({"n": n, "detectable_dz": float(analysis.solve_power(effect_size=None, nobs=n, alpha=0.05, power=0.8))})
# Levels of a Holm family: 0.05 / m (the power figures of a run with m comparisons). statsmodels' solve_power
# does not converge at 3 seeds and alpha 0.05 / 15 (it returns its start value, 5.5, whose power it computes as
# NaN), so the detectable d_z is the root of power(d_z) = 0.8, with the power written from scipy's noncentral t
# (as statsmodels defines it), found by brentq.
def paired_power(dz, n, alpha):
    nu, c = n - 1, stats.t.ppf(1 - alpha / 2, n - 1)
    # P(T < -c) written as P(T > c) of the mirrored noncentrality: nct.cdf(-c, ...) is NaN at some of these points.
    return stats.nct.sf(c, nu, dz * np.sqrt(n)) + stats.nct.sf(c, nu, -dz * np.sqrt(n))
for m, n, dz in [(15, 3, 2.0), (15, 5, 1.5), (4, 5, 1.0), (30, 10, 0.8)]:
    alpha = 0.05 / m
    out["power"].append({"dz": dz, "n": n, "alpha": alpha, "power": float(analysis.power(effect_size=dz, nobs=n, alpha=alpha))})
    need = float(analysis.solve_power(effect_size=dz, nobs=None, alpha=alpha, power=0.8))
    out["power"].append({"dz": dz, "alpha": alpha, "seeds_for_80": int(np.ceil(need))})
    root = optimize.brentq(lambda d: paired_power(d, n, alpha) - 0.8, 0.01, 20, xtol=1e-12)
    out["power"].append({"n": n, "alpha": alpha, "detectable_dz": float(root)})
for p, nu in [(0.975, 1), (0.975, 2), (0.975, 4), (0.995, 9), (0.025, 30), (0.9, 3.5)]:
    out["quantiles"].append({"p": p, "nu": nu, "t": float(stats.t.ppf(p, nu)), "cdf_of_2": float(stats.t.cdf(2.0, nu))})
for nu, c, delta in [(4, 2.776, 1.5), (9, 2.262, 3.0), (1, 12.7, 2.0)]:
    out["quantiles"].append({"nu": nu, "c": c, "delta": delta, "nct_sf": float(stats.nct.sf(c, nu, delta))})
print(json.dumps(out, indent=1))

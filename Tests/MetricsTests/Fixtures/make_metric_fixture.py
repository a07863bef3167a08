"""Reference values for AugBench's metrics, computed independently with numpy and scipy only.

FID uses scipy.linalg.sqrtm (the pytorch-fid / torch-fidelity path); KID the unbiased MMD^2 with the cubic
polynomial kernel on fixed subset indices (stored, so both sides use the same subsets); precision, recall,
density and coverage the formulas of Kynkaanniemi et al. 2019 and Naeem et al. 2020 with scipy's cdist; the
Inception-style score contiguous splits. Features are stored as float32, as AugBench receives them.
Run (numpy, scipy, h5py):  python Tests/MetricsTests/Fixtures/make_metric_fixture.py Tests/MetricsTests/Fixtures/metrics.h5
"""
import sys
import h5py
import numpy as np
from scipy import linalg
from scipy.spatial.distance import cdist

rng = np.random.default_rng(2026)
d = 16
real = rng.standard_normal((600, d)).astype(np.float32)
mix = rng.standard_normal((d, d)) * 0.3 + np.eye(d)
fake = (rng.standard_normal((500, d)) @ mix + 0.25).astype(np.float32)
logits = (rng.standard_normal((1000, 10)) * 2).astype(np.float32)


def fid(a, b):
    a, b = a.astype(np.float64), b.astype(np.float64)
    m1, m2 = a.mean(0), b.mean(0)
    s1, s2 = np.cov(a, rowvar=False), np.cov(b, rowvar=False)
    covmean, _ = linalg.sqrtm(s1.dot(s2), disp=False)
    return float(((m1 - m2) ** 2).sum() + np.trace(s1) + np.trace(s2) - 2 * np.trace(covmean.real))


def mmd2(x, y):
    m = x.shape[0]
    k = lambda p, q: (p @ q.T / p.shape[1] + 1) ** 3
    kxx, kyy, kxy = k(x, x), k(y, y), k(x, y)
    return ((kxx.sum() - np.trace(kxx)) + (kyy.sum() - np.trace(kyy))) / (m * (m - 1)) - 2 * kxy.sum() / m ** 2


def radii(x, k):
    dist = cdist(x, x)
    return np.sort(dist, axis=1)[:, k]  # k-th neighbour excluding self (column 0 is the point itself)


def prdc(r, f, k, dk):
    r, f = r.astype(np.float64), f.astype(np.float64)
    dist = cdist(r, f)
    rr, fr, rdr = radii(r, k), radii(f, k), radii(r, dk)
    precision = (dist < rr[:, None]).any(axis=0).mean()
    recall = (dist < fr[None, :]).any(axis=1).mean()
    density = (1.0 / dk) * (dist < rdr[:, None]).sum(axis=0).mean()
    coverage = (dist.min(axis=1) < rdr).mean()
    return precision, recall, density, coverage


def inception_score(z, splits):
    z = z.astype(np.float64)
    p = np.exp(z - z.max(1, keepdims=True))
    p /= p.sum(1, keepdims=True)
    scores = []
    n = len(p)
    for i in range(splits):
        part = p[i * n // splits:(i + 1) * n // splits]
        py = part.mean(0, keepdims=True)
        scores.append(np.exp((part * (np.log(part) - np.log(py))).sum(1).mean()))
    return float(np.mean(scores)), float(np.std(scores))


with h5py.File(sys.argv[1], "w") as out:
    out["real"], out["fake"], out["logits"] = real, fake, logits
    out.attrs["fid"] = fid(real, fake)
    out.attrs["fid_self"] = fid(real, real)
    subsets = [(rng.choice(600, 200, replace=False), rng.choice(500, 200, replace=False)) for _ in range(5)]
    out["kid_real_indices"] = np.stack([s[0] for s in subsets]).astype(np.int64)
    out["kid_fake_indices"] = np.stack([s[1] for s in subsets]).astype(np.int64)
    values = [mmd2(real[a].astype(np.float64), fake[b].astype(np.float64)) for a, b in subsets]
    out.attrs["kid_mean"], out.attrs["kid_std"] = float(np.mean(values)), float(np.std(values))
    p, r, dn, cv = prdc(real, fake, 3, 5)
    out.attrs["precision"], out.attrs["recall"], out.attrs["density"], out.attrs["coverage"] = p, r, dn, cv
    out.attrs["is_mean"], out.attrs["is_std"] = inception_score(logits, 10)

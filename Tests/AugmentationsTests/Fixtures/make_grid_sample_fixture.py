"""Golden values of F.affine_grid + F.grid_sample (align_corners=False) for AugmentationsTests.

Inputs are filled from the same integer hash as the layer fixtures (mirrored by HashedFill in Swift), so only
the thetas and PyTorch's outputs are stored.
Run (in a venv with torch and h5py):
  python Tests/AugmentationsTests/Fixtures/make_grid_sample_fixture.py Tests/AugmentationsTests/Fixtures/grid-sample.h5
"""
import math
import sys
import h5py
import numpy as np
import torch
import torch.nn.functional as F


def hashed(count, salt, scale):
    i = np.arange(count, dtype=np.uint64)
    u = ((i * np.uint64(2654435761) + np.uint64(40503 * salt)) % np.uint64(2 ** 32)).astype(np.float64) / 2.0 ** 32
    return (scale * (2 * u - 1)).astype(np.float32)


def theta(angle_degrees, tx, ty, scale=1.0, shear=0.0, flip=False):
    a = math.radians(angle_degrees)
    rotation = np.array([[math.cos(a), -math.sin(a)], [math.sin(a), math.cos(a)]])
    linear = rotation @ np.array([[1, math.tan(math.radians(shear))], [0, 1]]) @ np.diag([1 / scale, 1 / scale])
    if flip:
        linear = linear @ np.diag([-1, 1])
    return np.concatenate([linear, [[tx], [ty]]], axis=1).astype(np.float32)


cases = [theta(0, 0, 0), theta(15, 0, 0), theta(-12, 3 / 14, -2 / 14), theta(90, 0, 0), theta(7, 0.1, 0.05, scale=1.2),
         theta(-20, -0.3, 0.2, scale=0.8, shear=10), theta(33, 0.05, -0.4, flip=True), theta(180, 0.5, 0.5)]

with h5py.File(sys.argv[1], "w") as out:
    out.attrs["torch_version"] = str(torch.__version__)
    for name, shape, salt in (("gray28", (len(cases), 1, 28, 28), 5), ("rgb_5x7", (len(cases), 3, 5, 7), 6)):
        x = torch.from_numpy(hashed(int(np.prod(shape)), salt, 1.0)).reshape(shape)
        thetas = torch.from_numpy(np.stack(cases))
        group = out.create_group(name)
        group.create_dataset("theta", data=np.stack(cases))
        group.attrs["shape"] = np.array(shape, dtype=np.int64)
        grid = F.affine_grid(thetas, list(shape), align_corners=False)
        for mode in ("zeros", "border", "reflection"):
            y = F.grid_sample(x, grid, mode="bilinear", padding_mode=mode, align_corners=False)
            group.create_dataset(mode, data=y.numpy())

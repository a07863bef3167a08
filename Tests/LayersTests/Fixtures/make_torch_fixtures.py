"""Golden values from PyTorch for AugBench's layer tests (Tests/LayersTests/TorchFixtureTests.swift).

Weights and inputs are not stored: both sides fill them from the same integer hash (`hashed` below, mirrored by
`HashedFill` in Swift), so the fixture only holds what PyTorch computed. Tensors with more than 4096 elements
are stored as a fixed sample (`sample_indices`), which keeps the file small.

Cases
- classifier: the protocol's network C (dropout p = 0 so the step is deterministic), batch 8, cross-entropy,
  gradients of every parameter, then three Adam(1e-3) steps on the same batch.
- dcgan: G and D of torch_workloads.py, batch 8, one step exactly as torch_workloads.gan_step (D on real and on
  detached fake, Adam(2e-4, (0.5, 0.999)) on D; then G through the updated D), twice.
- wgan_gp: the WGAN-GP critic (Conv(1,64,4,2,1) LReLU(0.2) Conv(64,128,4,2,1) LReLU(0.2) Flatten Linear(6272,1),
  no normalisation) at 4 hashed interpolates: the penalty 10 * mean((|grad_x D(x)| - 1)^2), computed with
  create_graph=True, and its gradient with respect to every critic parameter (second derivatives).

Run (in a venv with torch and h5py):
  python Tests/LayersTests/Fixtures/make_torch_fixtures.py Tests/LayersTests/Fixtures/torch-layers.h5
"""
import sys
import h5py
import numpy as np
import torch
import torch.nn as nn

torch.set_num_threads(1)
torch.use_deterministic_algorithms(True)


def hashed(count, salt, scale):
    """scale * (2u - 1), u = ((i * 2654435761 + 40503 * salt) mod 2^32) / 2^32, in float64 then float32."""
    i = np.arange(count, dtype=np.uint64)
    u = ((i * np.uint64(2654435761) + np.uint64(40503 * salt)) % np.uint64(2 ** 32)).astype(np.float64) / 2.0 ** 32
    return (scale * (2 * u - 1)).astype(np.float32)


def fill(module, salt0):
    """Fills parameters in order, parameter k with salt salt0 + k and scale: weights of Conv2d / Linear
    1/sqrt(weight[0].numel()), of ConvTranspose2d 1/sqrt(shape[1]*shape[2]*shape[3]); biases 0.1;
    BatchNorm weight 1 + 0.5 (2u - 1), BatchNorm bias 0.5 (2u - 1)."""
    k = 0
    for layer in module.modules():
        for name, p in layer.named_parameters(recurse=False):
            offset = 0.0
            if isinstance(layer, nn.BatchNorm2d):
                scale, offset = 0.5, (1.0 if name == "weight" else 0.0)
            elif name == "bias":
                scale = 0.1
            elif isinstance(layer, nn.ConvTranspose2d):
                scale = 1 / np.sqrt(p.shape[1] * p.shape[2] * p.shape[3])
            else:
                scale = 1 / np.sqrt(p[0].numel())
            values = hashed(p.numel(), salt0 + k, scale) + np.float32(offset)
            with torch.no_grad():
                p.copy_(torch.from_numpy(values).reshape(p.shape))
            k += 1


def sample_indices(count):
    """All indices for small tensors; else the first 2048 and 2048 more spread evenly."""
    if count <= 4096:
        return np.arange(count)
    return np.unique(np.concatenate([np.arange(2048), np.linspace(2048, count - 1, 2048).astype(np.int64)]))


def store(group, name, tensor):
    values = tensor.detach().numpy().astype(np.float32).ravel()
    idx = sample_indices(values.size)
    group.create_dataset(name, data=values[idx])
    group[name].attrs["count"] = values.size
    group[name].attrs["shape"] = np.array(tensor.shape, dtype=np.int64)
    if idx.size < values.size:
        group[name].attrs["indices"] = idx.astype(np.int32)


def classifier_case(out):
    C = nn.Sequential(nn.Conv2d(1, 32, 3, 1, 1), nn.ReLU(), nn.MaxPool2d(2),
                      nn.Conv2d(32, 64, 3, 1, 1), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
                      nn.Linear(3136, 128), nn.ReLU(), nn.Dropout(0.0), nn.Linear(128, 10))
    fill(C, 100)
    x = torch.from_numpy(hashed(8 * 784, 1, 1.0)).reshape(8, 1, 28, 28)
    y = torch.tensor([3, 1, 4, 1, 5, 9, 2, 6])
    g = out.create_group("classifier")
    opt = torch.optim.Adam(C.parameters(), 1e-3)
    for step in range(3):
        logits = C(x)
        loss = nn.functional.cross_entropy(logits, y)
        opt.zero_grad()
        loss.backward()
        if step == 0:
            store(g, "logits", logits)
            g.attrs["loss"] = loss.item()
            for name, p in C.named_parameters():
                store(g, "grad/" + name, p.grad)
        opt.step()
    for name, p in C.named_parameters():
        store(g, "after/" + name, p)


def dcgan_case(out):
    G = nn.Sequential(
        nn.ConvTranspose2d(100, 128, 7, 1, 0, bias=False), nn.BatchNorm2d(128), nn.ReLU(True),
        nn.ConvTranspose2d(128, 64, 4, 2, 1, bias=False), nn.BatchNorm2d(64), nn.ReLU(True),
        nn.ConvTranspose2d(64, 1, 4, 2, 1, bias=False), nn.Tanh())
    D = nn.Sequential(
        nn.Conv2d(1, 64, 4, 2, 1, bias=False), nn.LeakyReLU(0.2, True),
        nn.Conv2d(64, 128, 4, 2, 1, bias=False), nn.BatchNorm2d(128), nn.LeakyReLU(0.2, True),
        nn.Conv2d(128, 1, 7, 1, 0, bias=False), nn.Flatten())
    fill(G, 200)
    fill(D, 300)
    og = torch.optim.Adam(G.parameters(), 2e-4, betas=(0.5, 0.999))
    od = torch.optim.Adam(D.parameters(), 2e-4, betas=(0.5, 0.999))
    bce = nn.BCEWithLogitsLoss()
    real = torch.from_numpy(hashed(8 * 784, 2, 1.0)).reshape(8, 1, 28, 28)
    ones, zeros = torch.ones(8, 1), torch.zeros(8, 1)
    g = out.create_group("dcgan")
    for step in range(2):
        z = torch.from_numpy(hashed(8 * 100, 10 + step, 1.7)).reshape(8, 100, 1, 1)
        fake = G(z)
        ld = bce(D(real), ones) + bce(D(fake.detach()), zeros)
        od.zero_grad()
        ld.backward()
        if step == 0:
            store(g, "fake", fake)
            g.attrs["loss_d"] = ld.item()
            for name, p in D.named_parameters():
                store(g, "grad_d/" + name, p.grad)
        od.step()
        lg = bce(D(fake), ones)
        og.zero_grad()
        lg.backward()
        if step == 0:
            g.attrs["loss_g"] = lg.item()
            for name, p in G.named_parameters():
                store(g, "grad_g/" + name, p.grad)
        og.step()
        g.attrs[f"loss_d_step{step}"] = ld.item()
        g.attrs[f"loss_g_step{step}"] = lg.item()
    for name, p in G.named_parameters():
        store(g, "after_g/" + name, p)
    for name, p in D.named_parameters():
        store(g, "after_d/" + name, p)
    for prefix, model in (("g", G), ("d", D)):
        for name, b in model.named_buffers():
            if b.dtype == torch.float32:
                store(g, f"buffers_{prefix}/" + name, b)


def wgan_gp_case(out):
    D = nn.Sequential(nn.Conv2d(1, 64, 4, 2, 1), nn.LeakyReLU(0.2), nn.Conv2d(64, 128, 4, 2, 1), nn.LeakyReLU(0.2),
                      nn.Flatten(), nn.Linear(6272, 1))
    fill(D, 400)
    x = torch.from_numpy(hashed(4 * 784, 30, 1.0).reshape(4, 1, 28, 28)).requires_grad_(True)
    g_x, = torch.autograd.grad(D(x).sum(), x, create_graph=True)
    penalty = 10 * ((g_x.reshape(4, -1).norm(dim=1) - 1) ** 2).mean()
    # The last bias does not reach the input gradient: no penalty gradient (stored as zeros).
    grads = torch.autograd.grad(penalty, list(D.parameters()), allow_unused=True)
    grads = [torch.zeros_like(p) if d is None else d for p, d in zip(D.parameters(), grads)]
    g = out.create_group("wgan_gp")
    g.attrs["penalty"] = float(penalty)
    for (name, _), grad in zip(D.named_parameters(), grads):
        store(g, "grad/" + name, grad)


if __name__ == "__main__":
    with h5py.File(sys.argv[1], "w") as out:
        out.attrs["torch_version"] = str(torch.__version__)
        out.attrs["made_by"] = "Tests/LayersTests/Fixtures/make_torch_fixtures.py"
        classifier_case(out)
        dcgan_case(out)
        wgan_gp_case(out)

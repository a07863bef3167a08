"""One GAN-augmented arm written plainly in PyTorch (CPU): the speed anchor for `augbench run` on the same protocol.

Same work as AugBench's gan arm at one K and one seed: a conditional GAN (label embedding in G, a label plane in D,
non-saturating loss, Adam 2e-4 (0.5, 0.999), DiffAugment color,translation,cutout) on the K-per-class split; a
real-data classifier trained for the sampler's epochs; PER_CLASS x OVERSAMPLE candidates per class, near-duplicates
(RMS < 1e-3) removed, PER_CLASS kept; then the reference classifier on real + RATIO x K synthetic images per class for
a budget of optimizer steps with a validation evaluation every EVERY steps, the best-validation weights and the last
ones both tested on the 10,000 test images. Prints the seconds of each stage and the total.

usage: torch_gan_arm.py DATA K GAN_STEPS GAN_BATCH PER_CLASS OVERSAMPLE SAMPLER_EPOCHS CLF_STEPS CLF_BATCH EVERY [THREADS]
"""
import gzip, struct, sys, time
import numpy as np, torch, torch.nn as nn, torch.nn.functional as F

(data, K, gan_steps, gan_batch, per_class, oversample, sampler_epochs, clf_steps, clf_batch, every) = (
    sys.argv[1], *map(int, sys.argv[2:11]))
torch.set_num_threads(int(sys.argv[11]) if len(sys.argv) > 11 else 2)
torch.manual_seed(0)
rng = np.random.default_rng(0)
t_start = time.perf_counter()

def idx(path):
    with gzip.open(path) as f:
        raw = f.read()
    dims = raw[3]
    shape = struct.unpack(">" + "I" * dims, raw[4:4 + 4 * dims])
    return np.frombuffer(raw, np.uint8, offset=4 + 4 * dims).reshape(shape)

def images(name):
    return torch.from_numpy(idx(f"{data}/{name}-images-idx3-ubyte.gz").astype(np.float32) / 127.5 - 1).unsqueeze(1)

train_x, train_y = images("train"), torch.from_numpy(idx(f"{data}/train-labels-idx1-ubyte.gz").astype(np.int64))
test_x, test_y = images("t10k"), torch.from_numpy(idx(f"{data}/t10k-labels-idx1-ubyte.gz").astype(np.int64))
chosen, validation = [], []
for c in range(10):
    rows = rng.permutation(np.flatnonzero(train_y.numpy() == c))
    chosen += list(rows[:K]); validation += list(rows[K:K + 20])
x, y = train_x[chosen], train_y[chosen]
vx, vy = train_x[validation], train_y[validation]
stages = {"load": time.perf_counter() - t_start}

def diff_augment(b):
    n = b.shape[0]
    b = b + (torch.rand(n, 1, 1, 1) - 0.5)
    mean = b.mean(dim=1, keepdim=True); b = (b - mean) * (torch.rand(n, 1, 1, 1) * 2) + mean
    mean = b.mean(dim=[1, 2, 3], keepdim=True); b = (b - mean) * (torch.rand(n, 1, 1, 1) + 0.5) + mean
    shift = int(28 * 0.125 + 0.5)
    tx, ty = torch.randint(-shift, shift + 1, (n,)), torch.randint(-shift, shift + 1, (n,))
    padded = F.pad(b, [1, 1, 1, 1])
    grid_y, grid_x = torch.meshgrid(torch.arange(28), torch.arange(28), indexing="ij")
    gy = torch.clamp(grid_y[None] + ty[:, None, None] + 1, 0, 29); gx = torch.clamp(grid_x[None] + tx[:, None, None] + 1, 0, 29)
    b = padded.permute(0, 2, 3, 1)[torch.arange(n)[:, None, None], gy, gx].permute(0, 3, 1, 2)
    cut = int(28 * 0.5 + 0.5)
    cy, cx = torch.randint(0, 28 + (1 - cut % 2), (n,)), torch.randint(0, 28 + (1 - cut % 2), (n,))
    mask = ~((grid_y[None] >= (cy - cut // 2)[:, None, None]) & (grid_y[None] < (cy + cut - cut // 2)[:, None, None])
             & (grid_x[None] >= (cx - cut // 2)[:, None, None]) & (grid_x[None] < (cx + cut - cut // 2)[:, None, None]))
    return b * mask[:, None].float()

class G(nn.Module):
    def __init__(self):
        super().__init__()
        self.embedding = nn.Embedding(10, 50)
        self.body = nn.Sequential(
            nn.ConvTranspose2d(150, 128, 7, 1, 0, bias=False), nn.BatchNorm2d(128), nn.ReLU(True),
            nn.ConvTranspose2d(128, 64, 4, 2, 1, bias=False), nn.BatchNorm2d(64), nn.ReLU(True),
            nn.ConvTranspose2d(64, 1, 4, 2, 1, bias=False), nn.Tanh())
    def forward(self, z, labels):
        return self.body(torch.cat([z, self.embedding(labels)], 1)[:, :, None, None])

class D(nn.Module):
    def __init__(self):
        super().__init__()
        self.label_map = nn.Embedding(10, 28 * 28)
        self.body = nn.Sequential(
            nn.Conv2d(2, 64, 4, 2, 1), nn.LeakyReLU(0.2, True),
            nn.Conv2d(64, 128, 4, 2, 1, bias=False), nn.BatchNorm2d(128), nn.LeakyReLU(0.2, True), nn.Flatten(),
            nn.Linear(6272, 1, bias=False))
    def forward(self, images, labels):
        return self.body(torch.cat([images, self.label_map(labels).view(-1, 1, 28, 28)], 1))

def classifier():
    return nn.Sequential(
        nn.Conv2d(1, 32, 3, 1, 1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(32, 64, 3, 1, 1), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
        nn.Linear(3136, 128), nn.ReLU(), nn.Dropout(0.5), nn.Linear(128, 10))

t = time.perf_counter()
g, d = G(), D()
og = torch.optim.Adam(g.parameters(), 2e-4, betas=(0.5, 0.999)); od = torch.optim.Adam(d.parameters(), 2e-4, betas=(0.5, 0.999))
bce = nn.BCEWithLogitsLoss()
ones, zeros = torch.ones(gan_batch, 1), torch.zeros(gan_batch, 1)
for step in range(gan_steps):
    rows = torch.randint(0, len(x), (gan_batch,))
    real, labels = x[rows], y[rows]
    fake_labels = torch.randint(0, 10, (gan_batch,))
    fake = g(torch.randn(gan_batch, 100), fake_labels)
    ld = bce(d(diff_augment(real), labels), ones) + bce(d(diff_augment(fake.detach()), fake_labels), zeros)
    od.zero_grad(); ld.backward(); od.step()
    lg = bce(d(diff_augment(fake), fake_labels), ones); og.zero_grad(); lg.backward(); og.step()
stages["gan"] = time.perf_counter() - t

def train_epochs(model, xs, ys, epochs, batch=128):
    opt = torch.optim.Adam(model.parameters(), 1e-3)
    for _ in range(epochs):
        for rows in torch.randperm(len(xs)).split(batch):
            loss = F.cross_entropy(model(xs[rows]), ys[rows]); opt.zero_grad(); loss.backward(); opt.step()

t = time.perf_counter()
sampler_classifier = classifier(); train_epochs(sampler_classifier, x, y, sampler_epochs)
g.eval(); sampler_classifier.eval()
kept_x, kept_y = [], []
with torch.no_grad():
    for c in range(10):
        labels = torch.full((per_class * oversample,), c)
        candidates = g(torch.randn(len(labels), 100), labels)
        confidence = F.softmax(sampler_classifier(candidates), 1)[:, c]          # recorded per candidate, as AugBench does
        flat = candidates.view(len(labels), -1)
        distances = torch.cdist(flat, flat) / flat.shape[1] ** 0.5
        keep = []
        for i in range(len(labels)):
            if all(distances[i, j] >= 1e-3 for j in keep):
                keep.append(i)
            if len(keep) == per_class:
                break
        kept_x.append(candidates[keep]); kept_y.append(labels[keep])
stages["sampling"] = time.perf_counter() - t

def evaluate(model, xs, ys):
    model.eval()
    with torch.no_grad():
        right = sum((model(xs[i:i + 500]).argmax(1) == ys[i:i + 500]).sum().item() for i in range(0, len(xs), 500))
    model.train()
    return right / len(xs)

t = time.perf_counter()
sx, sy = torch.cat([k[:K] for k in kept_x]), torch.cat([k[:K] for k in kept_y])     # ratio 1: K per class
mixed_x, mixed_y = torch.cat([x, sx]), torch.cat([y, sy])
model = classifier(); opt = torch.optim.Adam(model.parameters(), 1e-3)
order, position, best = torch.randperm(len(mixed_x)), 0, (-1.0, None)
for step in range(1, clf_steps + 1):
    if position >= len(mixed_x):
        order, position = torch.randperm(len(mixed_x)), 0
    rows = order[position:position + clf_batch]; position += clf_batch
    loss = F.cross_entropy(model(mixed_x[rows]), mixed_y[rows]); opt.zero_grad(); loss.backward(); opt.step()
    if step % every == 0 or step == clf_steps:
        accuracy = evaluate(model, vx, vy)
        if accuracy >= best[0]:
            best = (accuracy, {k: v.clone() for k, v in model.state_dict().items()})
final = evaluate(model, test_x, test_y)
model.load_state_dict(best[1]); selected = evaluate(model, test_x, test_y)
stages["classifier"] = time.perf_counter() - t
stages["total"] = time.perf_counter() - t_start
print(" ".join(f"{k} {v:.2f}" for k, v in stages.items()), f"test_selected {selected:.4f} test_final {final:.4f}")

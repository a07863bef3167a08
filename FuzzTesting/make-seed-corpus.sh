#!/usr/bin/env bash
# Writes the fuzz targets' seed corpus (FuzzTesting/Corpus/<target>/): small valid files of every kind each reader
# takes, made by augbench itself where it writes that kind, and by Python (numpy, h5py) for the rest.
# Usage: FuzzTesting/make-seed-corpus.sh [path/to/augbench]   (default: .build/release/augbench)
set -euo pipefail
cd "$(dirname "$0")/.."
augbench=${1:-.build/release/augbench}
corpus=FuzzTesting/Corpus
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
rm -rf "$corpus"
mkdir -p "$corpus"/{FuzzIDX,FuzzHDF5ImageSet,FuzzPNG,FuzzSplitFile,FuzzAugmentationYAML,FuzzProtocolYAML}

# A tiny IDX data set (3 classes, 8 x 8), plain and gzip; also the IDX files of one rank and one image.
/usr/bin/python3 - "$work" "$corpus/FuzzIDX" <<'PY'
import gzip, struct, sys, numpy as np, h5py
work, idx = sys.argv[1], sys.argv[2]
def idx_bytes(array):
    return bytes([0, 0, 8, array.ndim]) + b"".join(struct.pack(">I", d) for d in array.shape) + array.astype(np.uint8).tobytes()
rng = np.random.default_rng(0)
for prefix, count in [("train", 12), ("t10k", 6)]:
    labels = np.arange(count) % 3
    images = (labels[:, None, None] * 80 + rng.integers(0, 60, (count, 8, 8))).astype(np.uint8)
    for name, array in [("images-idx3-ubyte", images), ("labels-idx1-ubyte", labels)]:
        data = idx_bytes(array)
        with gzip.open(f"{work}/{prefix}-{name}.gz", "wb") as f: f.write(data)
open(f"{idx}/images-12x8x8", "wb").write(idx_bytes(images))          # even length: read as a plain file
open(f"{idx}/images-1x1x1.gz", "wb").write(idx_bytes(np.zeros((1, 1, 1))))  # odd length: read through zlib
open(f"{idx}/labels-5", "wb").write(idx_bytes(np.arange(5)))
open(f"{idx}/images-gzip", "wb").write(gzip.compress(idx_bytes(images)[:-1]))
# A set at the root with float pixels and a value_range, as other tools write.
with h5py.File(f"{work}/root-float.h5", "w") as f:
    f["images"] = rng.random((4, 1, 6, 6), dtype=np.float32)
    f["labels"] = np.array([0, 1, 0, 1], dtype=np.int64)
    f.attrs["value_range"] = np.array([0.0, 1.0])
with h5py.File(f"{work}/root-nhwc.h5", "w") as f:
    f["images"] = rng.integers(0, 255, (3, 5, 5, 3), dtype=np.uint8)
    f["labels"] = np.array([[2], [0], [1]], dtype=np.int32)
PY
cp "$work"/root-*.h5 "$corpus/FuzzHDF5ImageSet/"

"$augbench" data export --data "$work" --output "$corpus/FuzzHDF5ImageSet/idx-uint8.h5" -q
"$augbench" data export --data "$work" --dtype float32 --output "$corpus/FuzzHDF5ImageSet/idx-float32.h5" -q
"$augbench" data split --data "$work" --per-class 2 --validation-per-class 1 --output "$corpus/FuzzSplitFile/per-class-2.h5" -q
"$augbench" data split --data "$work" --per-class 3 --minority 1:1 --output "$corpus/FuzzSplitFile/minority.h5" -q
"$augbench" data export --data "$work" --subset test --format png --output "$work/png" -q
find "$work/png" -name '*.png' | sort | head -3 | while read -r f; do cp "$f" "$corpus/FuzzPNG/$(basename "$(dirname "$f")")-$(basename "$f")"; done
"$augbench" data grid "$work" --per-class 2 --output "$corpus/FuzzPNG/grid.png" -q

# Augmentation files: the forms the docs show.
printf 'preset: traditional\n' > "$corpus/FuzzAugmentationYAML/preset.yaml"
printf 'operations:\n  - rotate: 15\n  - shift: 3\n  - noise: {std: 0.05, p: 0.5}\n  - erase: {value: -1, p: 0.5}\nfill: 0\nborder: reflection\n' \
    > "$corpus/FuzzAugmentationYAML/operations.yaml"
printf -- '- randaugment: {n: 2, m: 9}\n- elastic: {alpha: 34, sigma: 4}\n- scale: 0.1\n- hflip\n- contrast: 0.2\n' > "$corpus/FuzzAugmentationYAML/list.yaml"

# Protocols: the shipped baselines.
cp Baselines/*.yaml "$corpus/FuzzProtocolYAML/"
rm -f "$corpus"/FuzzProtocolYAML/*.expected.yaml
echo "seed corpus written to $corpus: $(find "$corpus" -type f | wc -l) files"

#!/usr/bin/env bash
# Images/s of the ImageFolder loader alone (JPEG decoding with libjpeg-turbo, torchvision's
# transforms, normalisation, through the background queue; `kelvin bench-loader`) against the
# images/s a ResNet-18 training step consumes (`kelvin bench-train --config imagenet`: imagenet
# stem, 3x224x224, batch 16), measured in the same run. The folder is ~200 generated 500x375 JPEGs
# (quality 90, ~150 kB each) in a temporary directory. Writes bench/results/loader.csv:
#   transform,workers,loader_img_s,train_img_s,ratio
# (ratio = loader / training: how many times faster the loader prepares images than training uses
# them; above 1, decoding is hidden behind the training step). Best of ROUNDS rounds each.
# Usage: bench/loader.sh [path/to/kelvin] [images] [rounds] [threads]
set -euo pipefail
cd "$(dirname "$0")/.."
KELVIN=${1:-.build/release/kelvin}
IMAGES=${2:-200}
ROUNDS=${3:-2}
THREADS=${4:-2}
OUT=bench/results/loader.csv
mkdir -p bench/results
[ -x "$KELVIN" ] || swift build -c release --product kelvin
DATA=$(mktemp -d)/jpegs
trap 'rm -rf "$(dirname "$DATA")"' EXIT
"$KELVIN" bench-loader --data-dir "$DATA" --generate "$IMAGES" --batch 16 > /dev/null
best() { python3 -c "import sys; print(max(float(x) for x in sys.argv[1:]))" "$@"; }
train=()
for _ in $(seq "$ROUNDS"); do
  t=$("$KELVIN" bench-train --config imagenet --steps 3 --threads "$THREADS")
  train+=("$(sed -n 's/.*img_s=\([0-9.]*\).*/\1/p' <<<"$t")")
done
train_img=$(best "${train[@]}")
echo "transform,workers,loader_img_s,train_img_s,ratio" > "$OUT"
for transform in training evaluation; do
  flag=(); [ $transform = training ] && flag=(--augment)
  for workers in 1 2; do
    runs=()
    for _ in $(seq "$ROUNDS"); do
      j=$("$KELVIN" bench-loader --data-dir "$DATA" --batch 16 --epochs 2 --workers "$workers" "${flag[@]}" --json)
      runs+=("$(sed -n 's/.*"images_per_s":\([0-9.]*\).*/\1/p' <<<"$j")")
    done
    img=$(best "${runs[@]}")
    ratio=$(python3 -c "print(f'{$img / $train_img:.1f}')")
    echo "$transform,$workers,$img,$train_img,$ratio" | tee -a "$OUT"
  done
done

#!/usr/bin/env bash
# A digitally trained ResNet-18 (width 16, small stem, Fashion-MNIST, 2 epochs) evaluated under each
# built-in analog profile (10 simulated chips each, on the first LIMIT test images, default all),
# then fine-tuned for one epoch (on the first TRAIN_LIMIT training images, default all) with --init
# under cells-vcr and pcm and evaluated again.
# Writes results.csv and the eval-*.json / metrics beside this script.
# ONLY_TUNE=1 skips the evaluations of the untuned profiles; TUNE="P ..." picks the fine-tuned ones.
# usage: [LIMIT=N] [TRAIN_LIMIT=N] [TUNE=...] [ONLY_TUNE=1] examples/analog-profiles/run.sh [KELVIN] [RUNS_DIR] [PROFILES...]
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
KELVIN=${1:-.build/release/kelvin}
RUNS=${2:-runs/analog-profiles}
shift $(( $# > 2 ? 2 : $# )) || true
PROFILES=${*:-ideal yan-noise cells-vcr cells-logmul cells-resistor reram sonos pcm ecram}
limit=(); [ -z "${LIMIT:-}" ] || limit=(--limit "$LIMIT")
tune=(); [ -z "${TRAIN_LIMIT:-}" ] || tune=(--train-limit "$TRAIN_LIMIT")
mkdir -p "$RUNS"
base="$RUNS/digital"
[ -f "$base/last.ckpt" ] || "$KELVIN" train --model resnet18 --stem small --width 16 --dataset fashion-mnist --epochs 2 \
  --batch 128 --lr 0.1 --schedule onecycle --seed 1 --quiet --out "$base"
"$KELVIN" eval --checkpoint "$base/last.ckpt" "${limit[@]}" --json > "$HERE/eval-digital.json"
cp "$base/metrics.jsonl" "$HERE/metrics-digital.jsonl"
for p in $([ -n "${ONLY_TUNE:-}" ] || echo $PROFILES); do
  "$KELVIN" eval --checkpoint "$base/last.ckpt" --analog "$p" --repeat 10 "${limit[@]}" --json > "$HERE/eval-$p.json"
done
# Noise-aware fine-tuning: one epoch from the digital weights under the profile, then the same evaluation.
for p in ${TUNE:-cells-vcr pcm}; do
  tuned="$RUNS/$p-tuned"
  [ -f "$tuned/last.ckpt" ] || "$KELVIN" train --init "$base/last.ckpt" --analog "$p" --epochs 1 --lr 0.01 \
    --schedule cosine "${tune[@]}" --quiet --out "$tuned"
  cp "$tuned/metrics.jsonl" "$HERE/metrics-$p-tuned.jsonl"
  "$KELVIN" eval --checkpoint "$tuned/last.ckpt" --analog "$p" --repeat 10 "${limit[@]}" --json > "$HERE/eval-$p-tuned.json"
done
python3 "$HERE/summarize.py" "$HERE"

#!/usr/bin/env bash
# Bipolar-morphological ResNet on Fashion-MNIST (seed 003, issue 12 §3): train a ResNet-18 (small
# stem, width 4) digitally for one epoch, then convert it to BM layers one layer at a time with and
# without fine-tuning (kelvin bm-convert), per seed; then the mean ± std table over the finished seeds.
#
# Usage: examples/bm-resnet/run.sh [SEED ...]        (default seeds: 0 1 2)
# Environment: KELVIN (binary, default .build/release/kelvin), WIDTH (first-stage channels,
# default 4), RUNS (training runs, default runs/bm-resnet), STEPS (fine-tuning SGD steps per
# converted layer, default 40), BATCH (fine-tuning batch, default 32), LR (fine-tuning learning
# rate, default 0.003; 0.01 diverges once the ResNet has lost its batch norm), TEST_LIMIT (test
# images per evaluation, default 1000), THREADS (cores, default all), OUT (results folder, default
# examples/bm-resnet/resnet18-wWIDTH).
#
# Resumable: a finished part is skipped (a trained run with its final checkpoint, a seed's
# conversion.json); a killed training resumes from its checkpoint and a killed conversion from its
# progress.json. Tables are built from finished seeds only. Results go to OUT; a finished seed there
# is kept whatever STEPS, BATCH or LR say, so give another OUT to run other fine-tuning settings.
set -euo pipefail
KELVIN=${KELVIN:-.build/release/kelvin}
RUNS=${RUNS:-runs/bm-resnet}
WIDTH=${WIDTH:-4}
STEPS=${STEPS:-40}
BATCH=${BATCH:-32}
LR=${LR:-0.003}
TEST_LIMIT=${TEST_LIMIT:-1000}
HERE=$(cd "$(dirname "$0")" && pwd)
SEEDS=${*:-0 1 2}
OUT=${OUT:-$HERE/resnet18-w$WIDTH}
THREADS_ARG=()
if [ -n "${THREADS:-}" ]; then THREADS_ARG=(--threads "$THREADS"); fi

. "$HERE/require.sh"
require run.sh

for seed in $SEEDS; do
  run=$RUNS/resnet18-w$WIDTH-seed$seed
  if [ ! -f "$run/trained" ]; then
    if [ -f "$run/last.ckpt" ]; then
      "$KELVIN" train --resume --out "$run" --quiet "${THREADS_ARG[@]}"
    else
      "$KELVIN" train --model resnet18 --stem small --width "$WIDTH" --dataset fashion-mnist --epochs 1 --batch 128 \
        --lr 0.1 --momentum 0.9 --weight-decay 5e-4 --schedule onecycle --seed "$seed" --out "$run" --quiet "${THREADS_ARG[@]}"
    fi
    touch "$run/trained"
  fi
  out=$OUT/seed$seed
  mkdir -p "$out" && cp "$run/metrics.jsonl" "$out/train-metrics.jsonl"   # the digital run's epoch metrics
  [ -f "$out/conversion.json" ] && continue
  "$KELVIN" bm-convert --checkpoint "$run/last.ckpt" --finetune-steps "$STEPS" --lr "$LR" --batch "$BATCH" --seed "$seed" \
    --test-limit "$TEST_LIMIT" --out "$out" --report "${THREADS_ARG[@]}"
done
python3 "$HERE/summarize.py" "$OUT"

#!/usr/bin/env bash
# Bipolar-morphological layers on characterised analog cells (seed 003, issue 12 §3): the `cnn`
# (width 16) trained digitally, converted to BM layers (1, 2 and all 3 weighted layers, fine-tuned
# after each conversion as in the README), then evaluated digitally and under the built-in profile
# `cells-bm` (log converter per input, max-circuit trees, exp converter per term, summer, 8-bit
# converters, one chip's Monte Carlo mismatch per --chip-seed) on CHIPS simulated chips.
#
# Usage: examples/bm-resnet/analog.sh [SEED ...]        (default seeds: 0 1 2)
# Environment: KELVIN (default .build/release/kelvin), RUNS (default runs/bm-analog), CHIPS (default
# 5), STEPS (fine-tuning steps per converted layer, default 150), TEST_LIMIT (default 1000), THREADS.
#
# Resumable: a trained network, a finished conversion (its bm.ckpt) and a finished evaluation (its
# JSON) are skipped; a killed conversion resumes from its progress.json. The table
# (analog/results.md) is built from finished evaluations only.
set -euo pipefail
KELVIN=${KELVIN:-.build/release/kelvin}
RUNS=${RUNS:-runs/bm-analog}
CHIPS=${CHIPS:-5}
STEPS=${STEPS:-150}
TEST_LIMIT=${TEST_LIMIT:-1000}
HERE=$(cd "$(dirname "$0")" && pwd)
SEEDS=${*:-0 1 2}
THREADS_ARG=()
if [ -n "${THREADS:-}" ]; then THREADS_ARG=(--threads "$THREADS"); fi

. "$HERE/require.sh"
require analog.sh

out=$HERE/analog
mkdir -p "$out"
for seed in $SEEDS; do
  run=$RUNS/cnn-w16-seed$seed
  if [ ! -f "$run/trained" ]; then
    if [ -f "$run/last.ckpt" ]; then
      "$KELVIN" train --resume --out "$run" --quiet "${THREADS_ARG[@]}"
    else
      "$KELVIN" train --model cnn --width 16 --epochs 2 --batch 128 --lr 0.05 --seed "$seed" --out "$run" --quiet "${THREADS_ARG[@]}"
    fi
    touch "$run/trained"
  fi
  for layers in 1 2 3; do
    bm=$RUNS/cnn-w16-seed$seed-bm$layers
    if [ ! -f "$bm/bm.ckpt" ]; then
      "$KELVIN" bm-convert --checkpoint "$run/last.ckpt" --layers "$layers" --finetune-steps "$STEPS" --lr 0.01 --batch 64 \
        --seed "$seed" --test-limit "$TEST_LIMIT" --out "$bm" "${THREADS_ARG[@]}" > /dev/null
    fi
    result=$out/seed$seed-bm$layers-digital.json
    if [ ! -f "$result" ]; then
      "$KELVIN" eval --checkpoint "$bm/bm.ckpt" --limit "$TEST_LIMIT" --json "${THREADS_ARG[@]}" > "$result.tmp"
      mv "$result.tmp" "$result"
    fi
    result=$out/seed$seed-bm$layers-cells-bm.json
    if [ ! -f "$result" ]; then
      "$KELVIN" eval --checkpoint "$bm/bm.ckpt" --limit "$TEST_LIMIT" --analog cells-bm --repeat "$CHIPS" --json "${THREADS_ARG[@]}" > "$result.tmp"
      mv "$result.tmp" "$result"
    fi
  done
done
python3 "$HERE/analog_summary.py" "$out"

#!/usr/bin/env bash
# Whole-network fine-tuning of the fully converted BM ResNets (issue 12 §3): each seed's final BM
# network from run.sh (SRC/seed$s/bm.ckpt, every layer converted) is trained further with
# `kelvin train --init` for EPOCHS epochs over the whole training set (cosine LR from LR, momentum
# 0.9, no weight decay: v = ln|w| has no reason to be pulled to 0), evaluated on all 10 000 test
# images after every epoch. Then finetune_summary.py writes SRC/finetune.md.
#
# Usage: examples/bm-resnet/finetune.sh [SEED ...]     (default seeds: 0 1 2)
# Environment: KELVIN (default .build/release/kelvin), SRC (default
# examples/bm-resnet/resnet18-w4-steps400), RUNS (default runs/bm-resnet), EPOCHS (default 3),
# BATCH (default 32), LR (default 0.003, as the per-layer fine-tuning; 0.01 diverges without batch norm).
#
# Resumable: a finished seed (its metrics have the last epoch) is skipped, a killed one continues
# with --resume; the table reads finished seeds only.
set -euo pipefail
KELVIN=${KELVIN:-.build/release/kelvin}
HERE=$(cd "$(dirname "$0")" && pwd)
SRC=${SRC:-$HERE/resnet18-w4-steps400}
RUNS=${RUNS:-runs/bm-resnet}
EPOCHS=${EPOCHS:-3}
BATCH=${BATCH:-32}
LR=${LR:-0.003}
SEEDS=${*:-0 1 2}
. "$HERE/require.sh"
require finetune.sh

for seed in $SEEDS; do
  init=$SRC/seed$seed/bm.ckpt
  [ -f "$init" ] || { echo "finetune.sh: no converted network $init; run examples/bm-resnet/run.sh first" >&2; exit 1; }
  run=$RUNS/bm-finetune-$(basename "$SRC")-seed$seed
  if ! { [ -f "$run/metrics.jsonl" ] && grep -q "\"epoch\":$EPOCHS," "$run/metrics.jsonl"; }; then
    start=$SECONDS
    if [ -f "$run/last.ckpt" ]; then
      "$KELVIN" train --resume --out "$run" --quiet
    else
      rm -rf "$run"
      "$KELVIN" train --init "$init" --dataset fashion-mnist --epochs "$EPOCHS" --batch "$BATCH" --lr "$LR" \
        --momentum 0.9 --weight-decay 0 --schedule cosine --seed "$seed" --out "$run" --quiet
    fi
    echo "$run: $((SECONDS - start)) s" >&2
  fi
  cp "$run/metrics.jsonl" "$SRC/seed$seed/finetune-metrics.jsonl"
done
python3 "$HERE/finetune_summary.py" "$SRC" "$EPOCHS"
